// The health view (admins): each dependency's state and latency, asked on demand.

import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { DependencyHealth } from '../api/types.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { queryKeys } from '../data/index.ts';
import { formatDateTime, formatNumber } from '../format.ts';
import { useServices } from '../services.tsx';

// Dependency names and states are codes; their words are keys `health.name.<code>`, `health.state.<code>`.
// The names are the probes the server wires (any other is shown as its code); the states are a closed set.
const NAMES = ['dynamodb', 's3', 'kms', 'directory', 'websocket'] as const;
const STATES: readonly DependencyHealth['state'][] = ['ok', 'slow', 'down'];

function isKnownName(name: string): name is (typeof NAMES)[number] {
  return (NAMES as readonly string[]).includes(name);
}

export function HealthPanel() {
  const { t } = useTranslation('admin');
  const { api } = useServices();
  const health = useQuery({
    queryKey: queryKeys.operationsHealth(),
    queryFn: ({ signal }) => api.getOperationsHealth(signal),
    // Asked when the page opens and on request: each check makes real calls on every dependency.
    staleTime: Infinity,
  });
  return (
    <section className="panel" data-testid="health-panel" aria-labelledby="health-title">
      <div className="page-heading">
        <h2 id="health-title">{t('health.title')}</h2>
        <button type="button" className="button button--secondary" onClick={() => void health.refetch()}
          disabled={health.isFetching} data-testid="health-refresh">
          {t('health.refresh')}
        </button>
      </div>
      {health.isPending && <Loading label={t('health.checking')} />}
      {health.error !== null && <ErrorBanner error={health.error} onRetry={() => void health.refetch()} />}
      {health.data !== undefined && (
        <>
          <p data-testid="health-status" data-status={health.data.status}>
            {health.data.status === 'ok' ? t('health.allOk') : t('health.attention')}{' '}
            {t('health.checked', { when: formatDateTime(health.data.checkedAt) })}
          </p>
          <ul className="health-list">
            {health.data.dependencies.map((dependency) => (
              <li key={dependency.name} data-testid="health-dependency" data-name={dependency.name}
                data-state={dependency.state}>
                <strong>{isKnownName(dependency.name) ? t(`health.name.${dependency.name}`) : dependency.name}</strong>
                {t('health.colon')}{STATES.includes(dependency.state) ? t(`health.state.${dependency.state}`) : dependency.state}
                {dependency.latencyMs !== null && t('health.latency', { ms: formatNumber(Math.round(dependency.latencyMs), { useGrouping: false }) })}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
