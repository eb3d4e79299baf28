// Dates, times and numbers in the language the app is showing (zh-CN: 2026年12月4日 09:30), so a
// switch of language changes them too. Formatters are cached per language and style: building an
// Intl formatter costs ~50 µs and a long timeline formats hundreds of dates.

import { currentLanguage } from './i18n/index.ts';

const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();

function dateFormat(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `d|${currentLanguage()}|${JSON.stringify(options)}`;
  let format = cache.get(key) as Intl.DateTimeFormat | undefined;
  if (format === undefined) {
    format = new Intl.DateTimeFormat(currentLanguage(), options);
    cache.set(key, format);
  }
  return format;
}

function numberFormat(options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `n|${currentLanguage()}|${JSON.stringify(options)}`;
  let format = cache.get(key) as Intl.NumberFormat | undefined;
  if (format === undefined) {
    format = new Intl.NumberFormat(currentLanguage(), options);
    cache.set(key, format);
  }
  return format;
}

function parsed(iso: string): Date | null {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Local, human date-time; the raw value if the server sent something unparseable. */
export function formatDateTime(iso: string): string {
  const date = parsed(iso);
  return date === null ? iso : dateFormat({ dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

export function formatDate(iso: string): string {
  const date = parsed(iso);
  return date === null ? iso : dateFormat({ dateStyle: 'medium' }).format(date);
}

/** Any other date shape (for example { day: 'numeric', month: 'short', timeZone: 'UTC' }). */
export function formatDateWith(iso: string | Date, options: Intl.DateTimeFormatOptions): string {
  const date = typeof iso === 'string' ? parsed(iso) : iso;
  return date === null ? String(iso) : dateFormat(options).format(date);
}

export function formatTime(iso: string): string {
  const date = parsed(iso);
  return date === null ? iso : dateFormat({ timeStyle: 'short' }).format(date);
}

/** Numbers with the language's grouping and decimal marks; options as Intl.NumberFormat's. */
export function formatNumber(value: number, options: Intl.NumberFormatOptions = {}): string {
  return numberFormat(options).format(value);
}

const MONTH_KEY = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** A month key as the API sends it ("2026-11") as the language names it: "November 2026", "2026年11月".
 * The key is a calendar month, not an instant: it is read and shown in UTC so no time zone moves it
 * into the month before. Anything else is shown as it came. */
export function formatMonth(key: string): string {
  const match = MONTH_KEY.exec(key);
  if (match === null) return key;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1));
  return dateFormat({ year: 'numeric', month: 'long', timeZone: 'UTC' }).format(date);
}
