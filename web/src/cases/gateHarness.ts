// Test-only entry point (built by vite.harness.config.ts, never part of the app's bundle): exposes
// the app's own photo preparation to a browser test, so the browser's gate runs in Chromium on the
// very bytes the server's gate judges (tests/e2e/test_photo_gate_conformance.py).

import { preparePhoto } from './imageFiles.ts';

export interface HarnessVerdict {
  ok: boolean;
  code: string | null;
  notice: string | null;
  figures: Record<string, number> | null;
  width: number;
  height: number;
}

async function judge(base64: string, type: string): Promise<HarnessVerdict> {
  const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
  const prepared = await preparePhoto(new Blob([bytes], { type }));
  const { verdict } = prepared;
  return {
    ok: verdict.ok,
    code: verdict.ok ? null : verdict.problem.code,
    notice: verdict.ok && verdict.notice !== null ? verdict.notice.code : null,
    figures: verdict.figures === null ? null : { ...verdict.figures },
    width: prepared.width,
    height: prepared.height,
  };
}

(window as unknown as { photoGate: { judge: typeof judge } }).photoGate = { judge };
