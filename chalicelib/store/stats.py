"""Sharded counters: a write goes to one of SHARDS items at random; a read adds them up.

One hot campaign's events then spread over several partitions' write capacity.

Slotted counters (`add_at`, `slots`): the writer names the item (the deliverability autopilot's hour of the day), so
one query reads a day of hourly buckets, each kept apart.
"""
from __future__ import annotations

import random
from collections import Counter

from ..aws.clients import client
from .models import StatsModel

SHARDS = 8


class StatsRepository:
    def add(self, key: str, counts: dict[str, int]) -> None:
        self.add_at(key, random.randrange(SHARDS), counts)

    def add_at(self, key: str, slot: int, counts: dict[str, int]) -> None:
        """Adds `counts` to the item `slot` of `key`."""
        counts = {k: v for k, v in counts.items() if v}
        if not counts:
            return
        names = {f"#m{i}": name for i, name in enumerate(counts)}
        values = {f":v{i}": {"N": str(value)} for i, value in enumerate(counts.values())}
        client("dynamodb").update_item(
            TableName=StatsModel.Meta.table_name,
            Key={"pk": {"S": key}, "shard": {"N": str(slot)}},
            UpdateExpression="ADD " + ", ".join(f"{n} {v}" for n, v in zip(names, values)),
            ExpressionAttributeNames=names, ExpressionAttributeValues=values,
        )

    def totals(self, key: str) -> Counter:
        total: Counter = Counter()
        for counts in self.slots(key).values():
            total.update(counts)
        return total

    def slots(self, key: str) -> dict[int, Counter]:
        """Each item of `key` by its slot (shard): one query (a key holds at most a few dozen small items)."""
        response = client("dynamodb").query(
            TableName=StatsModel.Meta.table_name, KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": key}}, ConsistentRead=True)
        found: dict[int, Counter] = {}
        for item in response.get("Items", []):
            counts = found.setdefault(int(item["shard"]["N"]), Counter())
            for name, value in item.items():
                if name not in ("pk", "shard") and "N" in value:
                    counts[name] += int(value["N"])
        return found
