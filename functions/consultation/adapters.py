"""Consultation rounds and reads in DynamoDB (pynamodb).

Rounds: pk caseId, sk roundId (the id starts with the opening time: a Query lists them in order).
`readsIn` is the set of readers who have read: a read and its reader's mark go in one transaction,
conditional on the round being open and the reader not marked yet, so a reader reads once. Closing
sets `closedMonth`, which puts the round into the sparse `byClosedMonth` index the clinic's figures
read, with each read's code and grade copied onto the round (`readFacts`, ids and codes only).

Free text is sealed under the purpose "consultation", with the context {table, recordId, field}:
a round's question and plan (recordId `<caseId>/<roundId>`), a read's treatment and comment
(recordId `<roundId>/<readerId>`). Codes and grades stay plain so the figures need no decryption;
the tables themselves are encrypted at rest with the project key like every table.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from pynamodb.attributes import (
    BinaryAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from functions.consultation.ports import (
    READ_ITEM,
    ROUND_ITEM,
    Consensus,
    Read,
    ReadFacts,
    Round,
    RoundPage,
    RoundStatus,
)
from functions.crypto.ports import FieldSealer
from functions.shared.dynamo import decode_cursor, encode_cursor, translate_errors
from functions.shared.transact import TransactItem, put_item, update_item

ROUNDS_TABLE = "consultation_rounds"
READS_TABLE = "consultation_reads"
KEY_PURPOSE = "consultation"


class ByClosedMonth(GlobalSecondaryIndex["RoundModel"]):
    class Meta:
        index_name = "byClosedMonth"
        projection = AllProjection()

    closedMonth = UnicodeAttribute(hash_key=True)
    closedAt = UnicodeAttribute(range_key=True)


class RoundModel(Model):
    class Meta:
        table_name = "unbound"

    caseId = UnicodeAttribute(hash_key=True)
    roundId = UnicodeAttribute(range_key=True)
    patientId = UnicodeAttribute()
    leadId = UnicodeAttribute()
    questionSealed = BinaryAttribute(legacy_encoding=False)
    photoIds = ListAttribute(of=UnicodeAttribute, default=list)
    scoreIds = ListAttribute(of=UnicodeAttribute, default=list)
    readerIds = ListAttribute(of=UnicodeAttribute)
    status = UnicodeAttribute()
    openedAt = UnicodeAttribute()
    readsIn = UnicodeSetAttribute(null=True)
    consensusCode = UnicodeAttribute(null=True)
    consensusLabel = UnicodeAttribute(null=True)
    consensusIga = NumberAttribute(null=True)
    planSealed = BinaryAttribute(legacy_encoding=False, null=True)
    closedBy = UnicodeAttribute(null=True)
    closedAt = UnicodeAttribute(null=True)
    closedMonth = UnicodeAttribute(null=True)
    recordEntryId = UnicodeAttribute(null=True)
    readFacts = UnicodeAttribute(null=True)  # JSON [[readerId, code, iga], ...]
    by_closed_month = ByClosedMonth()


class ReadModel(Model):
    class Meta:
        table_name = "unbound"

    roundId = UnicodeAttribute(hash_key=True)
    readerId = UnicodeAttribute(range_key=True)
    code = UnicodeAttribute()
    label = UnicodeAttribute()
    iga = NumberAttribute()
    pasi = NumberAttribute(null=True)
    confidence = NumberAttribute()
    treatmentSealed = BinaryAttribute(legacy_encoding=False)
    commentSealed = BinaryAttribute(legacy_encoding=False, null=True)
    submittedAt = UnicodeAttribute()


def _round_record_id(case_id: str, round_id: str) -> str:
    return f"{case_id}/{round_id}"


class DynamoRoundStore:
    def __init__(self, sealer: FieldSealer) -> None:
        self._sealer = sealer

    # --- rounds -----------------------------------------------------------------------------
    def stage_create(self, round_: Round) -> list[TransactItem]:
        sealed = self._sealer.seal(ROUNDS_TABLE, _round_record_id(round_.case_id, round_.round_id),
                                   {"question": round_.question}, purpose=KEY_PURPOSE,
                                   case_id=round_.case_id)
        item = RoundModel(round_.case_id, round_.round_id, patientId=round_.patient_id, leadId=round_.lead_id,
                          questionSealed=sealed["question"], photoIds=list(round_.photo_ids),
                          scoreIds=list(round_.score_ids), readerIds=list(round_.reader_ids),
                          status=round_.status.value, openedAt=round_.opened_at)
        return [put_item(ROUND_ITEM, item, condition=RoundModel.roundId.does_not_exist())]

    def get(self, case_id: str, round_id: str) -> Round | None:
        with translate_errors():
            try:
                item = RoundModel.get(case_id, round_id, consistent_read=True)
            except RoundModel.DoesNotExist:
                return None
        return self._round(item, opened=True)

    def for_case(self, case_id: str, limit: int, cursor: str | None) -> RoundPage:
        start = decode_cursor(cursor, partition=("caseId", case_id))
        with translate_errors():
            result = RoundModel.query(case_id, scan_index_forward=False, limit=limit, page_size=limit,
                                      last_evaluated_key=start)
            rounds = [self._round(item, opened=True) for item in result]
            return RoundPage(rounds, encode_cursor(result.last_evaluated_key))

    def stage_close(self, round_: Round, consensus: Consensus, facts: tuple[ReadFacts, ...]) -> list[TransactItem]:
        sealed = self._sealer.seal(ROUNDS_TABLE, _round_record_id(round_.case_id, round_.round_id),
                                   {"plan": consensus.plan}, purpose=KEY_PURPOSE,
                                   case_id=round_.case_id)
        item = RoundModel(round_.case_id, round_.round_id)
        actions: list[Any] = [
            RoundModel.status.set(RoundStatus.CLOSED.value),
            RoundModel.consensusCode.set(consensus.code),
            RoundModel.consensusLabel.set(consensus.label),
            RoundModel.planSealed.set(sealed["plan"]),
            RoundModel.closedBy.set(consensus.closed_by),
            RoundModel.closedAt.set(consensus.closed_at),
            RoundModel.closedMonth.set(consensus.closed_at[:7]),
            RoundModel.recordEntryId.set(consensus.record_entry_id),
            RoundModel.readFacts.set(json.dumps([[f.reader_id, f.code, f.iga] for f in facts])),
        ]
        if consensus.iga is not None:
            actions.append(RoundModel.consensusIga.set(consensus.iga))
        return [update_item(ROUND_ITEM, item, actions, condition=RoundModel.status == RoundStatus.OPEN.value)]

    def closed_in_months(self, months: list[str]) -> list[Round]:
        with translate_errors():
            return [self._round(item, opened=False) for month in months
                    for item in RoundModel.by_closed_month.query(month)]

    def awaiting(self, case_id: str, reader_id: str) -> list[Round]:
        # The filter runs server-side on the case's partition (a case holds a handful of rounds, one
        # page); whether the reader is named and unread is checked here, on the ids, before any
        # question is opened.
        with translate_errors():
            items = RoundModel.query(case_id, scan_index_forward=False,
                                     filter_condition=RoundModel.status == RoundStatus.OPEN.value)
            return [self._round(item, opened=True) for item in items
                    if reader_id in (item.readerIds or []) and reader_id not in (item.readsIn or set())]

    # --- reads ------------------------------------------------------------------------------
    def stage_read(self, round_: Round, read: Read) -> list[TransactItem]:
        record_id = f"{read.round_id}/{read.reader_id}"
        fields: dict[str, object] = {"treatment": read.treatment}
        if read.comment:
            fields["comment"] = read.comment
        sealed = self._sealer.seal(READS_TABLE, record_id, fields, purpose=KEY_PURPOSE, case_id=round_.case_id)
        item = ReadModel(read.round_id, read.reader_id, code=read.code, label=read.label, iga=read.iga,
                         pasi=read.pasi, confidence=read.confidence, treatmentSealed=sealed["treatment"],
                         commentSealed=sealed.get("comment"), submittedAt=read.submitted_at)
        mark = RoundModel(round_.case_id, round_.round_id)
        open_and_unread = (RoundModel.status == RoundStatus.OPEN.value) & ~RoundModel.readsIn.contains(read.reader_id)
        return [
            put_item(READ_ITEM, item, condition=ReadModel.readerId.does_not_exist()),
            update_item(ROUND_ITEM, mark, [RoundModel.readsIn.add({read.reader_id})], condition=open_and_unread),
        ]

    def reads(self, round_id: str) -> list[Read]:
        with translate_errors():
            return [self._read(item) for item in ReadModel.query(round_id, consistent_read=True)]

    # --- mapping ----------------------------------------------------------------------------
    def _round(self, item: RoundModel, *, opened: bool) -> Round:
        record_id = _round_record_id(item.caseId, item.roundId)
        sealed: dict[str, bytes] = {}
        if opened:
            sealed["question"] = bytes(item.questionSealed)
            if item.planSealed is not None:
                sealed["plan"] = bytes(item.planSealed)
        texts = self._sealer.open(ROUNDS_TABLE, record_id, sealed, purpose=KEY_PURPOSE) if sealed else {}
        consensus = None
        if item.status == RoundStatus.CLOSED.value:
            consensus = Consensus(
                code=item.consensusCode or "", label=item.consensusLabel or "",
                iga=int(item.consensusIga) if item.consensusIga is not None else None,
                plan=str(texts.get("plan", "")), closed_by=item.closedBy or "", closed_at=item.closedAt or "",
                record_entry_id=item.recordEntryId or "",
            )
        facts = tuple(ReadFacts(str(reader), str(code), int(iga))
                      for reader, code, iga in json.loads(item.readFacts or "[]"))
        return Round(case_id=item.caseId, round_id=item.roundId, patient_id=item.patientId, lead_id=item.leadId,
                     question=str(texts.get("question", "")), photo_ids=tuple(str(i) for i in item.photoIds or []),
                     score_ids=tuple(str(i) for i in item.scoreIds or []),
                     reader_ids=tuple(str(i) for i in item.readerIds),
                     status=RoundStatus(item.status), opened_at=item.openedAt,
                     reads_in=tuple(sorted(item.readsIn or ())), consensus=consensus, read_facts=facts)

    def _read(self, item: ReadModel) -> Read:
        sealed = {"treatment": bytes(item.treatmentSealed)}
        if item.commentSealed is not None:
            sealed["comment"] = bytes(item.commentSealed)
        texts = self._sealer.open(READS_TABLE, f"{item.roundId}/{item.readerId}", sealed, purpose=KEY_PURPOSE)
        return Read(round_id=item.roundId, reader_id=item.readerId, code=item.code, label=item.label,
                    iga=int(item.iga), pasi=float(item.pasi) if item.pasi is not None else None,
                    treatment=str(texts["treatment"]), confidence=int(item.confidence),
                    comment=str(texts.get("comment", "")), submitted_at=item.submittedAt)


class _Photos(Protocol):
    def get(self, case_id: str, photo_id: str) -> Any: ...


class _Scores(Protocol):
    def series(self, case_id: str, instrument: str | None, limit: int, cursor: str | None,
               newest_first: bool) -> tuple[list[Any], str | None]: ...


class CaseMaterialLookup:
    """The case's photos (one GetItem each: a round names at most 20) and scores (its series, paged)."""

    def __init__(self, photos: _Photos, scores: _Scores) -> None:
        self._photos = photos
        self._scores = scores

    def existing_photos(self, case_id: str, photo_ids: tuple[str, ...]) -> set[str]:
        return {photo_id for photo_id in photo_ids if self._photos.get(case_id, photo_id) is not None}

    def existing_scores(self, case_id: str, score_ids: tuple[str, ...]) -> set[str]:
        wanted, found = set(score_ids), set()
        cursor: str | None = None
        for _ in range(50):  # at most 5,000 scores: a case has a few hundred over years
            records, cursor = self._scores.series(case_id, None, 100, cursor, False)
            found |= {record.score_id for record in records} & wanted
            if cursor is None or found == wanted:
                break
        return found
