// The app's one i18n layer: i18next with every text bundled (about 60 kB per language, and the app
// must switch language instantly, offline too, so nothing is fetched). English is the fallback.

import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en, NAMESPACES, zhCN } from './resources.ts';

export const LANGUAGES = ['en', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each language named in itself, so a person who cannot read the current one still finds theirs. */
export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', 'zh-CN': '简体中文' };

const DEVICE_KEY = 'dermafollow.language';
const userKey = (userId: string) => `${DEVICE_KEY}.${userId}`;

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The browser's own preference: any Chinese variant reads Simplified Chinese here, anything else English. */
export function languageFromBrowser(preferences: readonly string[]): Language {
  for (const tag of preferences) {
    const lower = tag.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // storage blocked (private mode with cookies off): the choice lasts the page only
  }
}

function initialLanguage(): Language {
  const saved = storage()?.getItem(DEVICE_KEY);
  if (isLanguage(saved)) return saved;
  return typeof navigator === 'undefined' ? 'en' : languageFromBrowser(navigator.languages ?? [navigator.language]);
}

/** Keys asked for and found in no language; the browser tests read this list and fail on any entry. */
export const missingKeys: string[] = [];

void i18next.use(initReactI18next).init({
  resources: { en, 'zh-CN': zhCN },
  lng: initialLanguage(),
  fallbackLng: 'en',
  supportedLngs: [...LANGUAGES],
  ns: NAMESPACES,
  defaultNS: 'common',
  // React escapes what it renders; escaping here too would show "&amp;" in names.
  interpolation: { escapeValue: false },
  initAsync: false,
  returnNull: false,
  saveMissing: true,
  missingKeyHandler: (_languages, namespace, key) => {
    missingKeys.push(`${namespace}:${key}`);
  },
});
if (typeof window !== 'undefined') (window as { __missingTranslations?: string[] }).__missingTranslations = missingKeys;

function applyToDocument(language: Language): void {
  if (typeof document !== 'undefined') document.documentElement.lang = language;
}
applyToDocument(currentLanguage());

export function currentLanguage(): Language {
  return isLanguage(i18next.language) ? i18next.language : 'en';
}

/** Switches the whole app at once and remembers the choice for this device and, when signed in, for the person. */
export async function chooseLanguage(language: Language, userId?: string): Promise<void> {
  const store = storage();
  store?.setItem(DEVICE_KEY, language);
  if (userId !== undefined) store?.setItem(userKey(userId), language);
  applyToDocument(language);
  await i18next.changeLanguage(language);
}

/** After sign-in: the person's own choice on this device, if they made one, wins over the device's. */
export async function applyUserLanguage(userId: string): Promise<void> {
  const saved = storage()?.getItem(userKey(userId));
  if (isLanguage(saved) && saved !== currentLanguage()) {
    applyToDocument(saved);
    await i18next.changeLanguage(saved);
  }
}

export { i18next };

/**
 * A key built at run time from a code the server sent (an error code, a status): typed keys cannot
 * check it, so callers ask `hasText` first or accept the missing-key record in the browser walk.
 */
export function textFor(key: string, options?: Record<string, unknown>): string {
  return (i18next.t as unknown as (key: string, options?: Record<string, unknown>) => string)(key, options);
}

export function hasText(key: string): boolean {
  return i18next.exists(key);
}
