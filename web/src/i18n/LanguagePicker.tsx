import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { chooseLanguage, currentLanguage, isLanguage, LANGUAGE_NAMES, LANGUAGES, type Language } from './index.ts';

/**
 * A select of the app's languages, each named in itself; the choice is kept per device and person,
 * and `onChosen` hears of it (signed in: the reminders' language is saved on the server).
 */
export function LanguagePicker({ userId, onChosen }: { userId?: string; onChosen?: (language: Language) => void }) {
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
          const language = event.target.value;
          if (!isLanguage(language)) return;
          void chooseLanguage(language, userId);
          onChosen?.(language);
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
