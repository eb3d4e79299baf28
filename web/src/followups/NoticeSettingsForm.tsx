// How a person is reminded: e-mail and/or SMS (in-app notices always), and quiet hours in their own
// time zone, during which nothing is sent (it goes out when they end).

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { NoticeSettings, NoticeSettingsRequest } from '../api/types.ts';
import { ActionError } from '../cases/ActionError.tsx';
import { queryKeys, storeChanged } from '../data/index.ts';
import { currentLanguage, isLanguage, LANGUAGE_NAMES, LANGUAGES, type Language } from '../i18n/index.ts';
import { useServices } from '../services.tsx';

function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

export function NoticeSettingsPanel() {
  const { t } = useTranslation('followups');
  const { api } = useServices();
  const settings = useQuery({ queryKey: queryKeys.noticeSettings(), queryFn: ({ signal }) => api.getNoticeSettings(signal) });
  return (
    <details className="notice-settings" data-testid="notice-settings">
      <summary>{t('settings.title')}</summary>
      {settings.data !== undefined && <SettingsForm initial={settings.data} />}
      <ActionError error={settings.error} />
    </details>
  );
}

function SettingsForm({ initial }: { initial: NoticeSettings }) {
  const { t } = useTranslation('followups');
  const { api } = useServices();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState(initial.channels.email);
  const [sms, setSms] = useState(initial.channels.sms);
  const [quiet, setQuiet] = useState(initial.quietHours !== null);
  const [start, setStart] = useState(initial.quietHours?.start ?? '21:00');
  const [end, setEnd] = useState(initial.quietHours?.end ?? '08:00');
  // Never chosen: the language the app is read in now (what the person would expect).
  const [language, setLanguage] = useState<Language>(
    isLanguage(initial.language) ? initial.language : currentLanguage(),
  );
  const save = useMutation({
    mutationFn: (next: NoticeSettingsRequest) => api.saveNoticeSettings(next),
    onSuccess: (saved) => storeChanged(queryClient, queryKeys.noticeSettings(), saved),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate({
      channels: { email, sms },
      quietHours: quiet ? { start, end } : null,
      timeZone: initial.timeZone ?? browserZone(),
      language,
    });
  };
  return (
    <form onSubmit={submit} className="notice-settings__form">
      <p className="hint">{t('settings.hint')}</p>
      <label className="checkbox">
        <input type="checkbox" checked={email} data-testid="notice-email" onChange={(e) => setEmail(e.target.checked)} />
        {t('settings.email')}
      </label>
      <label className="checkbox">
        <input type="checkbox" checked={sms} data-testid="notice-sms" onChange={(e) => setSms(e.target.checked)} />
        {t('settings.sms')}
      </label>
      <label className="checkbox">
        <input type="checkbox" checked={quiet} data-testid="notice-quiet" onChange={(e) => setQuiet(e.target.checked)} />
        {t('settings.quiet')}
      </label>
      {quiet && (
        <span className="notice-settings__quiet">
          <label>{t('settings.from')} <input type="time" value={start} onChange={(e) => setStart(e.target.value)} required /></label>
          <label>{t('settings.to')} <input type="time" value={end} onChange={(e) => setEnd(e.target.value)} required /></label>
        </span>
      )}
      <label>
        {t('settings.language')}{' '}
        <select value={language} data-testid="notice-language" onChange={(e) => {
          if (isLanguage(e.target.value)) setLanguage(e.target.value);
        }}>
          {LANGUAGES.map((option) => (
            <option key={option} value={option} lang={option}>
              {LANGUAGE_NAMES[option]}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="button button--small" data-testid="notice-save" disabled={save.isPending}>
        {t('settings.save')}
      </button>
      {save.isSuccess && <span role="status" data-testid="notice-saved"> {t('settings.saved')}</span>}
      <ActionError error={save.error} />
    </form>
  );
}
