// Every text the app shows, by language and namespace (one namespace per capability folder).
// English is the source: its files define the keys (and their types, see i18next.d.ts); the
// Simplified Chinese files must have exactly the same keys (checked by resources.test.ts).

import enAdmin from './locales/en/admin.json';
import enAnalytics from './locales/en/analytics.json';
import enAuth from './locales/en/auth.json';
import enCall from './locales/en/call.json';
import enCases from './locales/en/cases.json';
import enCommon from './locales/en/common.json';
import enConsultation from './locales/en/consultation.json';
import enDiscussion from './locales/en/discussion.json';
import enFeedback from './locales/en/feedback.json';
import enFollowups from './locales/en/followups.json';
import enLesionmetrics from './locales/en/lesionmetrics.json';
import enRecord from './locales/en/record.json';
import enWorklist from './locales/en/worklist.json';
import zhAdmin from './locales/zh-CN/admin.json';
import zhAnalytics from './locales/zh-CN/analytics.json';
import zhAuth from './locales/zh-CN/auth.json';
import zhCall from './locales/zh-CN/call.json';
import zhCases from './locales/zh-CN/cases.json';
import zhCommon from './locales/zh-CN/common.json';
import zhConsultation from './locales/zh-CN/consultation.json';
import zhDiscussion from './locales/zh-CN/discussion.json';
import zhFeedback from './locales/zh-CN/feedback.json';
import zhFollowups from './locales/zh-CN/followups.json';
import zhLesionmetrics from './locales/zh-CN/lesionmetrics.json';
import zhRecord from './locales/zh-CN/record.json';
import zhWorklist from './locales/zh-CN/worklist.json';

export const en = {
  common: enCommon,
  auth: enAuth,
  call: enCall,
  cases: enCases,
  record: enRecord,
  consultation: enConsultation,
  discussion: enDiscussion,
  followups: enFollowups,
  lesionmetrics: enLesionmetrics,
  worklist: enWorklist,
  feedback: enFeedback,
  admin: enAdmin,
  analytics: enAnalytics,
} as const;

export type Resources = typeof en;
export type Namespace = keyof Resources;

// Typed against the English files: a Chinese file cannot add a namespace English does not have.
export const zhCN: Record<Namespace, object> = {
  common: zhCommon,
  auth: zhAuth,
  call: zhCall,
  cases: zhCases,
  record: zhRecord,
  consultation: zhConsultation,
  discussion: zhDiscussion,
  followups: zhFollowups,
  lesionmetrics: zhLesionmetrics,
  worklist: zhWorklist,
  feedback: zhFeedback,
  admin: zhAdmin,
  analytics: zhAnalytics,
};

export const NAMESPACES = Object.keys(en) as Namespace[];
