"""Small keyed items: rate-limit counters, API key hashes, erased-address tombstones."""
from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, UpdateError

from ..domain import clock
from .convert import storable
from .models import KeyModel


class KeyRepository:
    def hit(self, key: str, limit: int, expires_at: datetime, amount: int = 1) -> bool:
        """Counts `amount` hits if fewer than `limit` were counted so far in this window (the key)."""
        item = KeyModel(key)
        try:
            item.update(
                actions=[KeyModel.count.add(amount), KeyModel.expires_at.set(expires_at)],
                condition=KeyModel.count.does_not_exist() | (KeyModel.count < limit),
            )
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def put(self, key: str, *, ref: str | None = None, data: dict | None = None,
            created_at: str | None = None, expires_at: datetime | None = None) -> None:
        KeyModel(key, ref=ref, data=storable(data), created_at=created_at, expires_at=expires_at).save()

    def put_new(self, key: str, *, ref: str | None = None, data: dict | None = None, created_at: str | None = None,
                expires_at: datetime | None = None) -> bool:
        """Writes the key unless it exists: the replay guard. True if this call wrote it."""
        from pynamodb.exceptions import PutError

        try:
            KeyModel(key, ref=ref, data=storable(data), created_at=created_at, expires_at=expires_at).save(
                condition=KeyModel.pk.does_not_exist()
            )
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def get(self, key: str) -> dict | None:
        try:
            item = KeyModel.get(key, consistent_read=True)
        except DoesNotExist:
            return None
        if item.expires_at and item.expires_at < clock.utcnow():  # the app's clock: it wrote expires_at
            return None  # DynamoDB deletes expired items within days, not at once
        return {
            "pk": item.pk, "ref": item.ref, "count": item.count,
            "data": item.data.as_dict() if item.data else {}, "created_at": item.created_at,
        }

    def existing(self, keys: list[str]) -> set[str]:
        keys = list(dict.fromkeys(keys))
        return {item.pk for item in KeyModel.batch_get(keys)} if keys else set()

    def refs(self, keys: list[str]) -> dict[str, str]:
        """key -> ref of those keys that exist, hold a ref and have not expired (batched reads)."""
        keys = list(dict.fromkeys(keys))
        now = clock.utcnow()
        items = KeyModel.batch_get(keys, attributes_to_get=["pk", "ref", "expires_at"]) if keys else []
        return {item.pk: item.ref for item in items if item.ref and not (item.expires_at and item.expires_at < now)}

    def set_entry(self, key: str, name: str, value) -> None:
        """One entry of the item's `data` map (created if missing)."""
        from ..aws.clients import client

        dynamodb = client("dynamodb")
        table = KeyModel.Meta.table_name
        try:
            dynamodb.update_item(TableName=table, Key={"pk": {"S": key}}, UpdateExpression="SET #d.#n = :v",
                                 ConditionExpression="attribute_exists(#d)",
                                 ExpressionAttributeNames={"#d": "data", "#n": name},
                                 ExpressionAttributeValues={":v": {"N": str(value)}})
        except dynamodb.exceptions.ConditionalCheckFailedException:
            dynamodb.update_item(TableName=table, Key={"pk": {"S": key}}, UpdateExpression="SET #d = if_not_exists(#d, :m)",
                                 ExpressionAttributeNames={"#d": "data"},
                                 ExpressionAttributeValues={":m": {"M": {name: {"N": str(value)}}}})

    def delete(self, key: str) -> None:
        KeyModel(key).delete()

    def with_prefix(self, prefix: str) -> list[dict]:
        """Rare administrative listing (API keys): a scan is fine for the handful of items involved."""
        return [
            {"pk": item.pk, "ref": item.ref, "data": item.data.as_dict() if item.data else {},
             "created_at": item.created_at}
            for item in KeyModel.scan(KeyModel.pk.startswith(prefix))
        ]
