import type { ReactNode } from 'react';
import type { EndedInfo } from './session.ts';

const REASONS: Record<string, string> = {
  completed: 'The visit has ended.',
  left: 'You left the visit. The other participants may still be talking.',
  replaced: 'You joined this visit from another window or device, so it continues there.',
  declined: 'The doctor could not take the visit now.',
  cancelled: 'The request was cancelled.',
  failed: 'The call could not continue.',
  ended: 'The visit has ended.',
};

function minutes(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** After the call: why it ended and the quality summary that was saved with the visit. */
export function EndedSummary({ info, children }: { info: EndedInfo | null; children?: ReactNode }) {
  const summary = info?.summary ?? null;
  return (
    <section className="call-ended" data-testid="call-ended" data-reason={info?.reason ?? 'ended'} aria-labelledby="call-ended-title">
      <h1 id="call-ended-title">{REASONS[info?.reason ?? 'ended'] ?? REASONS.ended}</h1>
      {summary !== null && (
        <dl className="facts call-ended__facts" data-testid="call-summary" data-posted={info?.summaryPosted === true}>
          <div>
            <dt>Duration</dt>
            <dd>{minutes(summary.durationSeconds ?? 0)}</dd>
          </div>
          <div>
            <dt>Connection</dt>
            <dd>{summary.worstQuality === undefined ? 'Not measured' : `At worst ${summary.worstQuality}`}</dd>
          </div>
          <div>
            <dt>Average round trip</dt>
            <dd>{Math.round(summary.rttMs)} ms</dd>
          </div>
          <div>
            <dt>Reconnections</dt>
            <dd>{summary.reconnects}</dd>
          </div>
        </dl>
      )}
      <p className="call-ended__note">Camera and microphone are off.</p>
      {children}
    </section>
  );
}
