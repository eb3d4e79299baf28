import type { RecordEntry, RecordVersion } from '../api/types.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { formatDateTime } from '../format.ts';
import { useRecordCase } from './context.ts';
import { EntryContent } from './EntryContent.tsx';
import { fieldLabel } from './kinds.ts';
import { LinkedItems } from './Links.tsx';
import { useDisplayName } from './people.ts';
import { useRecordHistory } from './useRecordData.ts';
import { Trans, useTranslation } from 'react-i18next';


/** Every version of an entry, newest first: who, when, which fields, and what it said. */
export function HistoryView({ entry }: { entry: RecordEntry }) {
  const history = useRecordHistory(entry);
  const { t } = useTranslation('record');
  return (
    <section className="record-history" aria-label={t('history.title')} data-testid="record-history">
      <h4>{t('history.title')}</h4>
      {history.error !== null && <ErrorBanner error={history.error} onRetry={history.reload} />}
      {!history.loaded && history.loading && <Loading label={t('history.loading')} />}
      <ol className="record-history__list">
        {history.items.map((version) => (
          <VersionItem key={version.version} entry={entry} version={version} />
        ))}
      </ol>
      {history.hasMore && (
        <button type="button" className="button button--secondary button--small" onClick={history.loadMore} disabled={history.loading}>
          {t('history.older')}
        </button>
      )}
    </section>
  );
}

function VersionItem({ entry, version }: { entry: RecordEntry; version: RecordVersion }) {
  const { clinicalCase } = useRecordCase();
  const author = useDisplayName(version.authorId, clinicalCase);
  const { t } = useTranslation('record');
  const changed = version.changedFields.map((field) => fieldLabel(entry.kind, field)).join(', ');
  return (
    <li className="record-history__item" data-testid="record-version" data-version={version.version} data-action={version.action}>
      <p className="record-history__head">
        <strong>{t('entry.version', { version: version.version })}</strong> ·{' '}
        <Trans
          t={t}
          i18nKey={`history.action.${version.action}`}
          values={{ name: author }}
          components={{ name: <span data-testid="record-version-author" translate="no" /> }}
        />{' '}
        · {formatDateTime(version.at)}
      </p>
      {changed !== '' && (
        <p className="record-history__changed" data-testid="record-version-changed">
          {version.action === 'create' ? t('history.fields') : t('history.changed')}
          {changed}
        </p>
      )}
      {version.reason !== undefined && (
        <p className="record-history__reason" data-testid="record-version-reason">
          <Trans t={t} i18nKey="history.reason" values={{ reason: version.reason }} components={{ data: <span translate="no" /> }} />
        </p>
      )}
      <details>
        <summary>{t('history.said')}</summary>
        <EntryContent kind={entry.kind} content={version.content} testId="record-version-content" />
        <LinkedItems links={version.links} />
      </details>
    </li>
  );
}
