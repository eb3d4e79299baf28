// The case discussion's shapes (GET/POST /cases/{caseId}/discussion, GET /discussions/unread).

export type DiscussionRefKind = 'photo' | 'score' | 'record';

export interface DiscussionRef {
  kind: DiscussionRefKind;
  id: string;
}

export interface DiscussionMessage {
  messageId: string;
  caseId: string;
  authorId: string;
  postedAt: string;
  retracted: boolean;
  /** null once retracted: the thread keeps a trace (who, when), not the text. */
  text: string | null;
  refs: DiscussionRef[];
  retractedAt?: string;
  retractedBy?: string;
}

export interface DiscussionPage {
  items: DiscussionMessage[];
  nextCursor: string | null;
}

export interface DiscussionPost {
  text: string;
  refs?: DiscussionRef[];
}

export interface UnreadList {
  items: Array<{ caseId: string; unread: number }>;
}
