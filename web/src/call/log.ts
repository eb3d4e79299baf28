// Call diagnostics in the browser console: always in development builds; in production when
// `localStorage['dermafollow.debug'] = '1'` (support can ask a user to switch it on).

function enabled(): boolean {
  if (import.meta.env.DEV) return true;
  try {
    return globalThis.localStorage?.getItem('dermafollow.debug') === '1';
  } catch {
    return false;
  }
}

export function callLog(message: string, detail?: unknown): void {
  if (!enabled()) return;
  const stamp = new Date().toISOString().slice(11, 23);
  if (detail === undefined) console.debug(`[call ${stamp}] ${message}`);
  else console.debug(`[call ${stamp}] ${message}`, detail instanceof Error ? `${detail.name}: ${detail.message}` : detail);
}
