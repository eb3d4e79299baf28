import { useCallback, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import type { Case, Role } from '../api/types.ts';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { BodyMapPanel } from './BodyMapPanel.tsx';
import { ComparePanel } from './ComparePanel.tsx';
import { PhotosPanel } from './PhotosPanel.tsx';
import { ScoresPanel } from './ScoresPanel.tsx';
import { CohortReferencePanel } from '../analytics/CohortReferencePanel.tsx';
import { LesionMeasurePanel } from '../lesionmetrics/LesionMeasurePanel.tsx';
import type { SiteSelection } from './selection.ts';
import './cases.css';
import { TimelinePanel } from './TimelinePanel.tsx';
import { useBodySites, useCaseChanged, useLesions } from './useCaseData.ts';

const TABS = [{ id: 'body' }, { id: 'photos' }, { id: 'timeline' }, { id: 'compare' }, { id: 'measure' }, { id: 'scores' }] as const;

export type CaseTab = (typeof TABS)[number]['id'];

function isTab(value: string | null): value is CaseTab {
  return TABS.some((tab) => tab.id === value);
}

/**
 * Following a case over time: body map and lesions, photos, the timeline, side-by-side comparison,
 * lesion measurements and scores. The open tab lives in the address (`?tab=`), so reloading or sharing a link keeps it.
 */
export function CaseTracking({ clinicalCase, role }: { clinicalCase: Case; role: Role }) {
  const { t } = useTranslation('cases');
  const caseId = clinicalCase.caseId;
  const [params, setParams] = useSearchParams();
  const requested = params.get('tab');
  const tab: CaseTab = isTab(requested) ? requested : 'body';
  const [selection, setSelection] = useState<SiteSelection | null>(null);
  // After every change (photo accepted, lesion added, score recorded) the lists load again.
  const changed = useCaseChanged(caseId);

  const vocabulary = useBodySites();
  const lesions = useLesions(caseId);
  const sites = vocabulary.data?.sites;

  const openTab = useCallback(
    (next: CaseTab) => {
      setParams(
        (current) => {
          const updated = new URLSearchParams(current);
          updated.set('tab', next);
          return updated;
        },
        { replace: true },
      );
    },
    [setParams],
  );

  const onTabKey = (event: KeyboardEvent<HTMLButtonElement>) => {
    const index = TABS.findIndex((candidate) => candidate.id === tab);
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    const next = TABS[(index + step + TABS.length) % TABS.length]!;
    openTab(next.id);
    document.getElementById(`case-tab-${next.id}`)?.focus();
  };

  return (
    <section className="tracking" aria-label={t('tracking.label')} data-testid="case-tracking">
      <div className="tabs" role="tablist" aria-label={t('tracking.label')} data-testid="case-tabs">
        {TABS.map((entry) => (
          <button
            key={entry.id}
            id={`case-tab-${entry.id}`}
            type="button"
            role="tab"
            className="tabs__tab"
            aria-selected={tab === entry.id}
            aria-controls={`case-panel-${entry.id}`}
            tabIndex={tab === entry.id ? 0 : -1}
            data-testid={`case-tab-${entry.id}`}
            onClick={() => openTab(entry.id)}
            onKeyDown={onTabKey}
          >
            {t(`tracking.tab.${entry.id}`)}
          </button>
        ))}
      </div>

      {vocabulary.error !== null && vocabulary.data === undefined && (
        <ErrorBanner error={vocabulary.error} onRetry={() => void vocabulary.refetch()} />
      )}

      <div
        className="tabs__panel"
        role="tabpanel"
        id={`case-panel-${tab}`}
        aria-labelledby={`case-tab-${tab}`}
        data-testid={`case-panel-${tab}`}
      >
        {tab === 'body' && (
          <BodyMapPanel
            caseId={caseId}
            sites={sites}
            lesions={lesions}
            selection={selection}
            onSelect={setSelection}
            onLesionAdded={changed}
            onPhotograph={() => openTab('photos')}
          />
        )}
        {tab === 'photos' && (
          <PhotosPanel
            caseId={caseId}
            sites={sites}
            lesions={lesions.data ?? []}
            selection={selection}
            onSelect={setSelection}
            onChanged={changed}
            onPickOnMap={() => openTab('body')}
          />
        )}
        {tab === 'timeline' && <TimelinePanel caseId={caseId} sites={sites} />}
        {tab === 'compare' && (
          <ComparePanel
            caseId={caseId}
            sites={sites}
            lesions={lesions.data ?? []}
            selection={selection}
          />
        )}
        {tab === 'measure' && (
          <LesionMeasurePanel caseId={caseId} sites={sites} lesions={lesions.data ?? []} selection={selection} role={role} />
        )}
        {tab === 'scores' && (
          <ScoresPanel caseId={caseId} role={role} onChanged={changed} />
        )}
        {tab === 'scores' && role === 'doctor' && <CohortReferencePanel caseId={caseId} />}
      </div>
    </section>
  );
}
