import { describe, expect, it } from 'vitest';
import { parseServerFrame } from '../call/protocol.ts';

describe('discussion frames', () => {
  it('reads a discussion.message frame (ids only) and ignores an incomplete one', () => {
    expect(parseServerFrame('{"type":"discussion.message","caseId":"c","messageId":"m","authorId":"d","retracted":false}'))
      .toEqual({ type: 'discussion.message', caseId: 'c', messageId: 'm', authorId: 'd', retracted: false });
    expect(parseServerFrame('{"type":"discussion.message","caseId":"c","messageId":"m","authorId":"d","retracted":true}'))
      .toMatchObject({ retracted: true });
    expect(parseServerFrame('{"type":"discussion.message","caseId":"c"}')).toBeNull();
  });

  it('reads an invitation notice, whose due date is empty', () => {
    expect(parseServerFrame('{"type":"notice.new","noticeId":"inv-c-1","kind":"consult.invitation","caseId":"c","dueDate":""}'))
      .toMatchObject({ type: 'notice.new', kind: 'consult.invitation', caseId: 'c' });
  });
});
