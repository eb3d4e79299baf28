"""Ratings in DynamoDB (pynamodb): pk roomId, sk raterId (the visit's patient: one rating each);
`byMonth` lists a month's ratings for the clinic's figures without a scan. The comment is sealed
(context {table "visit_ratings", recordId roomId, field "comment"})."""

from __future__ import annotations

from pynamodb.attributes import BinaryAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from functions.crypto.ports import FieldSealer
from functions.feedback.ports import Rating
from functions.shared.dynamo import translate_errors
from functions.shared.errors import Conflict

TABLE = "visit_ratings"


class ByMonth(GlobalSecondaryIndex["RatingModel"]):
    class Meta:
        index_name = "byMonth"
        projection = AllProjection()

    ratedMonth = UnicodeAttribute(hash_key=True)
    ratedAt = UnicodeAttribute(range_key=True)


class RatingModel(Model):
    class Meta:
        table_name = "unbound"

    roomId = UnicodeAttribute(hash_key=True)
    raterId = UnicodeAttribute(range_key=True)
    caseId = UnicodeAttribute()
    patientId = UnicodeAttribute()
    callQuality = NumberAttribute()
    care = NumberAttribute()
    commentSealed = BinaryAttribute(legacy_encoding=False, null=True)
    ratedAt = UnicodeAttribute()
    ratedMonth = UnicodeAttribute()
    by_month = ByMonth()


class DynamoRatingStore:
    def __init__(self, sealer: FieldSealer) -> None:
        self._sealer = sealer

    def create(self, rating: Rating) -> bool:
        sealed = self._sealer.seal(TABLE, rating.room_id, {"comment": rating.comment}) if rating.comment else {}
        item = RatingModel(rating.room_id, rating.patient_id, caseId=rating.case_id, patientId=rating.patient_id,
                           callQuality=rating.call_quality, care=rating.care, commentSealed=sealed.get("comment"),
                           ratedAt=rating.rated_at, ratedMonth=rating.rated_at[:7])
        try:
            with translate_errors():
                item.save(condition=RatingModel.roomId.does_not_exist())
        except Conflict:
            return False
        return True

    def for_rooms(self, room_ids: list[str], rater_id: str) -> list[Rating]:
        with translate_errors():
            keys = [(room_id, rater_id) for room_id in room_ids]
            return [self._rating(item, opened=True) for item in RatingModel.batch_get(keys)]

    def in_months(self, months: list[str]) -> list[Rating]:
        with translate_errors():
            return [self._rating(item, opened=False) for month in months for item in RatingModel.by_month.query(month)]

    def _rating(self, item: RatingModel, *, opened: bool) -> Rating:
        comment = ""
        if opened and item.commentSealed is not None:
            comment = str(self._sealer.open(TABLE, item.roomId, {"comment": bytes(item.commentSealed)})["comment"])
        return Rating(room_id=item.roomId, case_id=item.caseId, patient_id=item.patientId,
                      call_quality=int(item.callQuality), care=int(item.care), comment=comment, rated_at=item.ratedAt)
