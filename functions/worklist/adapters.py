"""Review marks in DynamoDB (pynamodb): pk doctorId, sk caseId."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

from functions.shared.dynamo import translate_errors


class ReviewModel(Model):
    class Meta:
        table_name = "unbound"

    doctorId = UnicodeAttribute(hash_key=True)
    caseId = UnicodeAttribute(range_key=True)
    reviewedAt = UnicodeAttribute()


class DynamoReviewMarks:
    def marks_of(self, doctor_id: str) -> dict[str, str]:
        with translate_errors():
            return {item.caseId: item.reviewedAt for item in ReviewModel.query(doctor_id)}

    def mark(self, doctor_id: str, case_id: str, at: str) -> None:
        with translate_errors():
            ReviewModel(doctor_id, case_id, reviewedAt=at).save()
