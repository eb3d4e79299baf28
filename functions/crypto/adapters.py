"""The data_keys table (pynamodb): one wrapped data key per item, under (purpose, keyId)."""

from __future__ import annotations

from pynamodb.attributes import BinaryAttribute, UnicodeAttribute
from pynamodb.models import Model

from functions.crypto.ports import DataKeyPage, StoredDataKey
from functions.shared.dynamo import decode_cursor, encode_cursor, translate_errors
from functions.shared.errors import Conflict, DependencyUnavailable


class DataKeyModel(Model):
    class Meta:
        table_name = "unbound"

    purpose = UnicodeAttribute(hash_key=True)
    keyId = UnicodeAttribute(range_key=True)
    wrappedKey = BinaryAttribute(legacy_encoding=False)
    wrappingKeyId = UnicodeAttribute()
    createdAt = UnicodeAttribute()
    rewrappedAt = UnicodeAttribute(null=True)


def _stored(item: DataKeyModel) -> StoredDataKey:
    return StoredDataKey(
        purpose=item.purpose,
        key_id=item.keyId,
        wrapped=bytes(item.wrappedKey),
        wrapping_key_id=item.wrappingKeyId,
        created_at=item.createdAt,
        rewrapped_at=item.rewrappedAt,
    )


class DynamoDataKeyStore:
    def put(self, key: StoredDataKey, *, unless_present: str | None = None) -> None:
        item = DataKeyModel(
            purpose=key.purpose,
            keyId=key.key_id,
            wrappedKey=key.wrapped,
            wrappingKeyId=key.wrapping_key_id,
            createdAt=key.created_at,
        )
        if unless_present is None:
            with translate_errors(conflict_code="data_key_exists"):
                item.save(condition=DataKeyModel.keyId.does_not_exist())
            return
        from pynamodb.exceptions import TransactWriteError
        from pynamodb.transactions import TransactWrite

        try:
            # PutItem and ConditionCheckItem: no other right is needed than a plain conditional put's.
            with TransactWrite(connection=item._get_connection().connection) as transaction:
                transaction.condition_check(DataKeyModel, key.purpose, unless_present,
                                            condition=DataKeyModel.keyId.does_not_exist())
                transaction.save(item, condition=DataKeyModel.keyId.does_not_exist())
        except TransactWriteError as exc:
            if exc.cause_response_code == "TransactionCanceledException":
                raise Conflict("The key exists, or its scope was closed.", code="data_key_exists") from None
            raise DependencyUnavailable("The database is unavailable; try again.") from exc

    def get(self, purpose: str, key_id: str) -> StoredDataKey | None:
        from pynamodb.exceptions import DoesNotExist

        with translate_errors():
            try:
                # Consistent: a key is read right after another process stored it.
                return _stored(DataKeyModel.get(purpose, key_id, consistent_read=True))
            except DoesNotExist:
                return None

    def page(self, purpose: str, limit: int, cursor: str | None) -> DataKeyPage:
        start = decode_cursor(cursor, partition=("purpose", purpose))
        with translate_errors():
            # Consistent: an erasure must see a case key made a moment ago.
            result = DataKeyModel.query(purpose, limit=limit, last_evaluated_key=start, page_size=limit,
                                        consistent_read=True)
            keys = [_stored(item) for item in result]
            return DataKeyPage(keys, encode_cursor(result.last_evaluated_key))

    def replace_wrapping(self, key: StoredDataKey, wrapped: bytes, wrapping_key_id: str, now: str) -> bool:
        from pynamodb.exceptions import UpdateError

        item = DataKeyModel(purpose=key.purpose, keyId=key.key_id)
        try:
            item.update(
                actions=[
                    DataKeyModel.wrappedKey.set(wrapped),
                    DataKeyModel.wrappingKeyId.set(wrapping_key_id),
                    DataKeyModel.rewrappedAt.set(now),
                ],
                condition=DataKeyModel.wrappedKey == key.wrapped,
            )
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise DependencyUnavailable("The database is unavailable; try again.") from exc
        return True

    def delete(self, purpose: str, key_id: str) -> None:
        with translate_errors():
            DataKeyModel(purpose=purpose, keyId=key_id).delete()
