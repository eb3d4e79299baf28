// An admin creates a patient or doctor account; the user pool's invitation carries the temporary
// password to the person (locally: the stack's outbox page), never to this screen.

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import type { NewAccountRequest } from '../api/types.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { queryKeys, reloadChanged } from '../data/index.ts';
import { useServices } from '../services.tsx';

type Role = NewAccountRequest['role'];

const EMPTY = { username: '', name: '', email: '', phone: '', birthdate: '', gender: '', title: '' };

/** The request from the form's fields: empty fields left out, patient or doctor fields by role. */
export function accountRequest(role: Role, fields: typeof EMPTY): NewAccountRequest {
  const request: NewAccountRequest = { username: fields.username.trim().toLowerCase(), role, name: fields.name.trim() };
  if (fields.email.trim() !== '') request.email = fields.email.trim();
  if (fields.phone.trim() !== '') request.phone = fields.phone.replace(/[\s()-]/g, '');
  if (role === 'patient') {
    if (fields.birthdate !== '') request.birthdate = fields.birthdate;
    if (fields.gender === 'female' || fields.gender === 'male' || fields.gender === 'other') request.gender = fields.gender;
  } else if (fields.title.trim() !== '') {
    request.title = fields.title.trim();
  }
  return request;
}

export function NewAccountForm() {
  const { t } = useTranslation('admin');
  const { api } = useServices();
  const queryClient = useQueryClient();
  const [role, setRole] = useState<Role>('patient');
  const [fields, setFields] = useState(EMPTY);
  const [created, setCreated] = useState<string | null>(null);
  const set = (name: keyof typeof EMPTY) => (event: { target: { value: string } }) =>
    setFields((was) => ({ ...was, [name]: event.target.value }));
  const create = useMutation({
    mutationFn: () => api.createAccount(accountRequest(role, fields)),
    onSuccess: async (account) => {
      setCreated(account.username);
      setFields(EMPTY);
      await reloadChanged(queryClient, queryKeys.adminUsers());
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setCreated(null);
    create.mutate();
  };

  return (
    <form className="new-account" data-testid="new-account-form" onSubmit={submit} aria-labelledby="new-account-title">
      <h2 id="new-account-title">{t('newAccount.title')}</h2>
      <fieldset className="field">
        <legend>{t('newAccount.role')}</legend>
        {(['patient', 'doctor'] as const).map((option) => (
          <label key={option}>
            <input
              type="radio"
              name="role"
              value={option}
              checked={role === option}
              data-testid={`new-account-role-${option}`}
              onChange={() => setRole(option)}
            />{' '}
            {option === 'patient' ? t('newAccount.patient') : t('newAccount.doctor')}
          </label>
        ))}
      </fieldset>
      <label className="field">
        <span>{t('newAccount.username')}</span>
        <input value={fields.username} onChange={set('username')} data-testid="new-account-username" autoComplete="off" />
      </label>
      <label className="field">
        <span>{t('newAccount.name')}</span>
        <input value={fields.name} onChange={set('name')} data-testid="new-account-name" autoComplete="off" />
      </label>
      <label className="field">
        <span>{t('newAccount.email')}</span>
        <input type="email" value={fields.email} onChange={set('email')} data-testid="new-account-email" />
      </label>
      <label className="field">
        <span>{t('newAccount.phone')}</span>
        <input type="tel" value={fields.phone} onChange={set('phone')} data-testid="new-account-phone" />
      </label>
      {role === 'patient' ? (
        <>
          <label className="field">
            <span>{t('newAccount.birthdate')}</span>
            <input type="date" value={fields.birthdate} onChange={set('birthdate')} data-testid="new-account-birthdate" />
          </label>
          <label className="field">
            <span>{t('newAccount.sex')}</span>
            <select value={fields.gender} onChange={set('gender')} data-testid="new-account-gender">
              <option value="">{t('newAccount.sexes.none')}</option>
              <option value="female">{t('newAccount.sexes.female')}</option>
              <option value="male">{t('newAccount.sexes.male')}</option>
              <option value="other">{t('newAccount.sexes.other')}</option>
            </select>
          </label>
        </>
      ) : (
        <label className="field">
          <span>{t('newAccount.jobTitle')}</span>
          <input value={fields.title} onChange={set('title')} data-testid="new-account-title" />
        </label>
      )}
      {create.error !== null && <ErrorBanner error={create.error} />}
      {created !== null && (
        <p className="notice" role="status" data-testid="new-account-created">
          <Trans ns="admin" i18nKey="newAccount.created" values={{ username: created }}
            components={{ name: <span translate="no" /> }} />
        </p>
      )}
      <button type="submit" className="button" data-testid="new-account-submit" disabled={create.isPending}>
        {create.isPending ? t('newAccount.creating') : t('newAccount.submit')}
      </button>
    </form>
  );
}
