// Texts chosen by a code the server sends (a body site, a band, a flag, a reason): the key is built at
// run time, so it is checked here rather than by the compiler, and a code this build does not know
// falls back instead of being recorded as a missing translation.

import { i18next } from '../i18n/index.ts';

type Options = Record<string, unknown>;
const translate = i18next.t as unknown as (key: string, options?: Options) => string;

/** `cases:<group>.<code>` in the shown language, or `fallback` when the code has no text. */
export function textForCode(group: string, code: string, fallback: string, options?: Options): string {
  const key = `cases:${group}.${code}`;
  return code !== '' && i18next.exists(key) ? translate(key, options) : fallback;
}
