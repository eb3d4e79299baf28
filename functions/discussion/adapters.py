"""The discussion in the case_discussion table (pynamodb): pk caseId; sk `m#<messageId>` for a
message (its text sealed, context {table "case_discussion", recordId caseId/messageId, field "text"}),
`r#<userId>` for a doctor's read marker. Message ids start with the time, so a Query on `m#` is
the thread in order, and "unread" is a COUNT Query on the keys after the marker."""

from __future__ import annotations

import json
from typing import Any

from pynamodb.attributes import BinaryAttribute, UnicodeAttribute
from pynamodb.models import Model

from functions.crypto.ports import FieldSealer
from functions.discussion.ports import Message, MessagePage, Ref, RefKind
from functions.shared.dynamo import decode_cursor, encode_cursor, translate_errors
from functions.shared.errors import Conflict, ValidationError
from functions.shared.transact import TransactItem, put_item, update_item

MESSAGE_POSTED_LABEL = "discussion.post"
MESSAGE_RETRACTED_LABEL = "discussion.retract"

TABLE = "case_discussion"
MESSAGE, MARKER = "m#", "r#"
# Above every id character ([A-Za-z0-9_-]): the end of the message keys' range.
LAST = "~"


class DiscussionModel(Model):
    class Meta:
        table_name = "unbound"

    caseId = UnicodeAttribute(hash_key=True)
    itemKey = UnicodeAttribute(range_key=True)
    # a message
    messageId = UnicodeAttribute(null=True)
    authorId = UnicodeAttribute(null=True)
    postedAt = UnicodeAttribute(null=True)
    textSealed = BinaryAttribute(legacy_encoding=False, null=True)
    refs = UnicodeAttribute(null=True)  # JSON [{"kind", "id"}]: ids only
    retractedAt = UnicodeAttribute(null=True)
    retractedBy = UnicodeAttribute(null=True)
    # a read marker
    lastRead = UnicodeAttribute(null=True)


class DynamoDiscussionStore:
    def __init__(self, sealer: FieldSealer) -> None:
        self._sealer = sealer

    def stage_add(self, message: Message) -> TransactItem:
        sealed = self._sealer.seal(TABLE, f"{message.case_id}/{message.message_id}", {"text": message.text},
                                   case_id=message.case_id)
        item = DiscussionModel(
            message.case_id, MESSAGE + message.message_id, messageId=message.message_id, authorId=message.author_id,
            postedAt=message.posted_at, textSealed=sealed["text"],
            refs=json.dumps([{"kind": r.kind.value, "id": r.id} for r in message.refs]) if message.refs else None,
        )
        # Immutable: written once.
        return put_item(MESSAGE_POSTED_LABEL, item, condition=DiscussionModel.itemKey.does_not_exist())

    def get(self, case_id: str, message_id: str) -> Message | None:
        from pynamodb.exceptions import DoesNotExist

        with translate_errors():
            try:
                return self._message(DiscussionModel.get(case_id, MESSAGE + message_id, consistent_read=True))
            except DoesNotExist:
                return None

    def page(self, case_id: str, limit: int, cursor: str | None) -> MessagePage:
        start = decode_cursor(cursor, partition=("caseId", case_id))
        if start is not None and not str(start.get("itemKey", {}).get("S", "")).startswith(MESSAGE):
            raise ValidationError("The cursor is not valid.", code="invalid_cursor")
        with translate_errors():
            result = DiscussionModel.query(case_id, DiscussionModel.itemKey.startswith(MESSAGE),
                                           scan_index_forward=False, limit=limit, last_evaluated_key=start)
            messages = [self._message(item) for item in result]
            return MessagePage(messages, encode_cursor(result.last_evaluated_key))

    def stage_retract(self, case_id: str, message_id: str, by: str, at: str) -> TransactItem:
        return update_item(MESSAGE_RETRACTED_LABEL, DiscussionModel(case_id, MESSAGE + message_id),
                           [DiscussionModel.retractedAt.set(at), DiscussionModel.retractedBy.set(by)],
                           condition=DiscussionModel.itemKey.exists() & DiscussionModel.retractedAt.does_not_exist())

    def last_read(self, case_id: str, user_id: str) -> str:
        from pynamodb.exceptions import DoesNotExist

        with translate_errors():
            try:
                return DiscussionModel.get(case_id, MARKER + user_id).lastRead or ""
            except DoesNotExist:
                return ""

    def mark_read(self, case_id: str, user_id: str, message_id: str) -> None:
        item = DiscussionModel(case_id, MARKER + user_id)
        try:
            with translate_errors():
                item.update(actions=[DiscussionModel.lastRead.set(message_id)],
                            condition=DiscussionModel.lastRead.does_not_exist()
                            | (DiscussionModel.lastRead < message_id))
        except Conflict:
            return  # the marker is already further on (another tab read more)

    def count_after(self, case_id: str, message_id: str, not_by: str) -> int:
        # "!" sorts below every id character: the range starts just after the marker's own key.
        lower = MESSAGE + message_id + "!" if message_id else MESSAGE
        with translate_errors():
            return int(DiscussionModel.count(case_id, DiscussionModel.itemKey.between(lower, MESSAGE + LAST),
                                             filter_condition=DiscussionModel.authorId != not_by))

    def _message(self, item: DiscussionModel) -> Message:
        message_id = item.messageId or item.itemKey[len(MESSAGE):]
        opened = self._sealer.open(TABLE, f"{item.caseId}/{message_id}", {"text": bytes(item.textSealed or b"")})
        refs: list[dict[str, Any]] = json.loads(item.refs) if item.refs else []
        return Message(case_id=item.caseId, message_id=message_id, author_id=item.authorId or "",
                       posted_at=item.postedAt or "", text=str(opened["text"]),
                       refs=tuple(Ref(RefKind(r["kind"]), str(r["id"])) for r in refs),
                       retracted_at=item.retractedAt or "", retracted_by=item.retractedBy or "")


class CaseItemLookup:
    """Whether a photo, score or record entry is the case's own: one keyed read in that capability's
    table (a score is found by its id within the case's partition)."""

    def exists(self, case_id: str, ref: Ref) -> bool:
        from pynamodb.exceptions import DoesNotExist

        with translate_errors():
            if ref.kind is RefKind.PHOTO:
                from functions.images.adapters import PhotoModel

                try:
                    PhotoModel.get(case_id, ref.id, attributes_to_get=["caseId"])
                except DoesNotExist:
                    return False
                return True
            if ref.kind is RefKind.RECORD:
                from functions.emr.adapters import RecordModel

                try:
                    RecordModel.get(case_id, ref.id, attributes_to_get=["caseId"])
                except DoesNotExist:
                    return False
                return True
            from functions.scores.adapters import ScoreModel

            return any(True for _ in ScoreModel.query(case_id, filter_condition=ScoreModel.scoreId == ref.id,
                                                      attributes_to_get=["caseId", "scoreKey"]))
