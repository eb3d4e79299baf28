import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { chooseLanguage, currentLanguage, isLanguage, LANGUAGE_NAMES, LANGUAGES } from './index.ts';

/** A select of the app's languages, each named in itself; the choice is kept per device and person. */
export function LanguagePicker({ userId }: { userId?: string }) {
  const { t, i18n } = useTranslation();
  const id = useId();
  // i18n.language makes the picker re-render on a switch made anywhere else.
  const value = isLanguage(i18n.language) ? i18n.language : currentLanguage();
  return (
    <span className="language-picker">
      <label htmlFor={id} className="visually-hidden">
        {t('language.label')}
      </label>
      <select
        id={id}
        className="field__input language-picker__select"
        value={value}
        onChange={(event) => {
          if (isLanguage(event.target.value)) void chooseLanguage(event.target.value, userId);
        }}
        data-testid="language-picker"
      >
        {LANGUAGES.map((language) => (
          <option key={language} value={language} lang={language}>
            {LANGUAGE_NAMES[language]}
          </option>
        ))}
      </select>
    </span>
  );
}
