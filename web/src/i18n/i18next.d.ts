import 'i18next';
import type { Resources } from './resources.ts';

// Keys are checked at compile time against the English files: t('cases:photo.title') with a key
// English does not have is a type error, not a blank on screen.
declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'common';
    resources: Resources;
  }
}
