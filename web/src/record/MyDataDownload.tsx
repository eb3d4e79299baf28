// A patient downloads everything DermaFollow holds on them (GET /patients/{id}/fhir) as one file.

import { useMutation } from '@tanstack/react-query';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { useServices } from '../services.tsx';
import { saveJsonFile } from './fhirDownload.ts';
import { useTranslation } from 'react-i18next';

/** `dermafollow-my-data-<yyyy-mm-dd>.fhir.json`: no name or id in the file name. */
export function myDataFileName(now: Date): string {
  return `dermafollow-my-data-${now.toISOString().slice(0, 10)}.fhir.json`;
}

export function MyDataDownload({ patientId }: { patientId: string }) {
  const { api } = useServices();
  const { t } = useTranslation('record');
  const download = useMutation({
    mutationFn: () => api.getPatientFhir(patientId),
    onSuccess: (bundle) => saveJsonFile(bundle, myDataFileName(new Date()), 'application/fhir+json'),
  });
  return (
    <section className="my-data" aria-labelledby="my-data-title">
      <h2 id="my-data-title" className="section-title">{t('myData.title')}</h2>
      <p className="hint">{t('myData.hint')}</p>
      <button
        type="button"
        className="button button--secondary button--block"
        data-testid="my-data-download"
        disabled={download.isPending}
        onClick={() => download.mutate()}
      >
        {download.isPending ? t('myData.preparing') : t('myData.download')}
      </button>
      {download.error !== null && <ErrorBanner error={download.error} />}
    </section>
  );
}
