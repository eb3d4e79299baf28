import { describe, expect, it } from 'vitest';
import { en, NAMESPACES, zhCN } from './resources.ts';
import { i18next, LANGUAGES, languageFromBrowser } from './index.ts';
import shared from '../../../functions/shared/languages.json';

type Tree = { [key: string]: string | Tree };

// Plural forms differ by language: English has "_one" and "_other", Chinese "_other" only.
const PLURAL = /_(zero|one|two|few|many|other)$/;
const base = (key: string) => key.replace(PLURAL, '');
const baseKeys = (keys: Iterable<string>) => [...new Set([...keys].map(base))].sort();

function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const found = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (typeof value === 'string') found.set(path, value);
    else for (const [inner, text] of leaves(value, path)) found.set(inner, text);
  }
  return found;
}

// {{name}} and <0>…</0> must survive translation, or a name or a link disappears from the sentence.
const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)[^}]*\}\}|<(\d+)>/g)].map((m) => m[0].replace(/\s/g, '')).sort();

// Words that are the same in both languages: product and instrument names, units, codes.
const SAME_IN_BOTH = /^(DermaFollow|DLQI|POEM|PASI|EASI|SCORAD|IGA|NRS|ICD-10|BSA|TOTP|PDF|PNG|OK|mm|kbps|ms|%|[\d\s.,:/%–-]+)$/;

describe('translations', () => {
  for (const namespace of NAMESPACES) {
    const english = leaves(en[namespace]);
    const chinese = leaves(zhCN[namespace] as Tree);

    it(`${namespace}: Simplified Chinese has exactly the English keys`, () => {
      expect(baseKeys(chinese.keys())).toEqual(baseKeys(english.keys()));
      for (const key of english.keys()) {
        if (PLURAL.test(key)) expect(chinese.has(`${base(key)}_other`), `${namespace}:${base(key)}_other`).toBe(true);
      }
    });

    it(`${namespace}: every text is written, keeps its placeholders and is not English left untranslated`, () => {
      for (const [key, text] of english) {
        const translated = chinese.get(key) ?? chinese.get(`${base(key)}_other`) ?? '';
        expect(text.trim(), `${namespace}:${key} (en)`).not.toBe('');
        expect(translated.trim(), `${namespace}:${key} (zh-CN)`).not.toBe('');
        expect(placeholders(translated), `${namespace}:${key}`).toEqual(placeholders(text));
        if (!SAME_IN_BOTH.test(text.trim())) expect(translated, `${namespace}:${key} is still English`).not.toBe(text);
      }
    });
  }

  it('a browser that prefers any Chinese gets Simplified Chinese; anything else English', () => {
    expect(languageFromBrowser(['zh-TW', 'en'])).toBe('zh-CN');
    expect(languageFromBrowser(['fr-FR', 'en-GB'])).toBe('en');
    expect(languageFromBrowser(['de'])).toBe('en');
  });

  it('switches the language of every namespace at once', async () => {
    await i18next.changeLanguage('zh-CN');
    expect(i18next.t('common:language.label')).toBe('语言');
    await i18next.changeLanguage('en');
    expect(i18next.t('common:language.label')).toBe('Language');
  });
});

describe('the languages', () => {
  it('are the ones the server words reminders in (functions/shared/languages.json)', () => {
    expect([...LANGUAGES]).toEqual(shared.languages);
    expect(LANGUAGES).toContain(shared.fallback);
  });
});
