"""Grant storage in the case_access table (pynamodb)."""

from __future__ import annotations

from pynamodb.attributes import BinaryAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from functions.access.ports import Grant, GrantPage
from functions.shared.dynamo import ItemMap, decode_cursor, encode_cursor, translate_errors


class ByPrincipalIndex(GlobalSecondaryIndex["CaseAccessModel"]):
    class Meta:
        index_name = "byPrincipal"
        projection = AllProjection()

    principalId = UnicodeAttribute(hash_key=True)
    caseId = UnicodeAttribute(range_key=True)


class CaseAccessModel(Model):
    class Meta:
        table_name = "unbound"

    caseId = UnicodeAttribute(hash_key=True)
    principalId = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()
    grantedBy = UnicodeAttribute()
    grantedAt = UnicodeAttribute()
    expiresAtEpoch = NumberAttribute(null=True)
    question = BinaryAttribute(legacy_encoding=False, null=True)  # sealed (functions/cases)
    answer = UnicodeAttribute(null=True)
    answeredAt = UnicodeAttribute(null=True)
    byPrincipal = ByPrincipalIndex()


GRANT_ITEM = ItemMap(Grant, CaseAccessModel)


class DynamoGrantStore:
    def get(self, case_id: str, principal_id: str) -> Grant | None:
        from pynamodb.exceptions import DoesNotExist

        with translate_errors():
            try:
                return GRANT_ITEM.from_item(CaseAccessModel.get(case_id, principal_id, consistent_read=True))
            except DoesNotExist:
                return None

    def for_case(self, case_id: str) -> list[Grant]:
        with translate_errors():
            return [GRANT_ITEM.from_item(item) for item in CaseAccessModel.query(case_id)]

    def for_principal(self, principal_id: str, limit: int, cursor: str | None) -> GrantPage:
        start = decode_cursor(cursor, partition=("principalId", principal_id))
        with translate_errors():
            result = CaseAccessModel.byPrincipal.query(principal_id, limit=limit, last_evaluated_key=start)
            grants = [GRANT_ITEM.from_item(item) for item in result]
            return GrantPage(grants, encode_cursor(result.last_evaluated_key))

    def put(self, grant: Grant) -> None:
        with translate_errors():
            GRANT_ITEM.to_item(grant).save()
