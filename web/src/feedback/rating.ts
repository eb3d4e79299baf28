/** End reasons after which a visit took place and is over for everyone: then its patient may rate it. */
const VISIT_OVER = new Set(['completed', 'ended']);

export function canRate(reason: string | null | undefined): boolean {
  return VISIT_OVER.has(reason ?? '');
}
