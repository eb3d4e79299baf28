import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { MAX_PARTICIPANTS } from './protocol.ts';
import type { EndedInfo } from './session.ts';

// Every way a call ends that has its own sentence (call:ended.reason.*); any other reads as "ended".
const REASONS = ['completed', 'left', 'replaced', 'declined', 'cancelled', 'failed', 'room_full', 'grant_ended', 'ended'] as const;
type Reason = (typeof REASONS)[number];

const isReason = (value: string): value is Reason => (REASONS as readonly string[]).includes(value);

/** After the call: why it ended and the quality summary that was saved with the visit. */
export function EndedSummary({ info, children }: { info: EndedInfo | null; children?: ReactNode }) {
  const { t } = useTranslation('call');
  const summary = info?.summary ?? null;
  const reason = info?.reason ?? 'ended';
  const minutes = (seconds: number): string =>
    seconds < 60
      ? t('ended.seconds', { seconds })
      : t('ended.minutesSeconds', { minutes: Math.floor(seconds / 60), seconds: seconds % 60 });
  return (
    <section className="call-ended" data-testid="call-ended" data-reason={reason} aria-labelledby="call-ended-title">
      <h1 id="call-ended-title">{t(`ended.reason.${isReason(reason) ? reason : 'ended'}`, { doctors: MAX_PARTICIPANTS - 1 })}</h1>
      {summary !== null && (
        <dl className="facts call-ended__facts" data-testid="call-summary" data-posted={info?.summaryPosted === true}>
          <div>
            <dt>{t('ended.duration')}</dt>
            <dd>{minutes(summary.durationSeconds ?? 0)}</dd>
          </div>
          <div>
            <dt>{t('ended.connection')}</dt>
            <dd>
              {summary.worstQuality === undefined
                ? t('ended.notMeasured')
                : t('ended.atWorst', { level: t(`qualityWord.${summary.worstQuality}`) })}
            </dd>
          </div>
          <div>
            <dt>{t('ended.roundTrip')}</dt>
            <dd>{Math.round(summary.rttMs)} ms</dd>
          </div>
          <div>
            <dt>{t('ended.reconnections')}</dt>
            <dd>{summary.reconnects}</dd>
          </div>
        </dl>
      )}
      <p className="call-ended__note">{t('ended.devicesOff')}</p>
      {children}
    </section>
  );
}
