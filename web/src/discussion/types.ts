// The case discussion's shapes (GET/POST /cases/{caseId}/discussion, GET /discussions/unread).
// The answers alias the API's generated components (../api/schema.gen.ts, `npm run api`), the post
// its route's body.

import type { components } from '../api/schema.gen';
import type { JsonBody } from '../api/types.ts';

type Schemas = components['schemas'];

export type DiscussionRefKind = Schemas['DiscussionRefKind'];

export type DiscussionRef = Schemas['DiscussionRef'];

/** `text` is null once retracted: the thread keeps a trace (retractedBy, retractedAt), not the text. */
export type DiscussionMessage = Schemas['DiscussionMessage'];

export type DiscussionPage = Schemas['DiscussionPage'];

export type DiscussionPost = JsonBody<'/cases/{case_id}/discussion', 'post'>;

/** Answer of POST /cases/{caseId}/discussion/read: the marker, and the messages by others still newer. */
export type DiscussionReadMarker = Schemas['DiscussionReadMarker'];

/** Answer of GET /discussions/unread: only the cases with unread messages by others. */
export type UnreadList = Schemas['UnreadDiscussions'];

export type CaseUnread = Schemas['CaseUnread'];
