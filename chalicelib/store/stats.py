"""Sharded counters: a write goes to one of SHARDS items at random; a read adds them up.

One hot campaign's events then spread over several partitions' write capacity.
"""
from __future__ import annotations

import random
from collections import Counter

from ..aws.clients import client
from .models import StatsModel

SHARDS = 8


class StatsRepository:
    def add(self, key: str, counts: dict[str, int]) -> None:
        counts = {k: v for k, v in counts.items() if v}
        if not counts:
            return
        names = {f"#m{i}": name for i, name in enumerate(counts)}
        values = {f":v{i}": {"N": str(value)} for i, value in enumerate(counts.values())}
        client("dynamodb").update_item(
            TableName=StatsModel.Meta.table_name,
            Key={"pk": {"S": key}, "shard": {"N": str(random.randrange(SHARDS))}},
            UpdateExpression="ADD " + ", ".join(f"{n} {v}" for n, v in zip(names, values)),
            ExpressionAttributeNames=names, ExpressionAttributeValues=values,
        )

    def totals(self, key: str) -> Counter:
        response = client("dynamodb").query(
            TableName=StatsModel.Meta.table_name, KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": key}}, ConsistentRead=True)
        total: Counter = Counter()
        for item in response.get("Items", []):
            for name, value in item.items():
                if name not in ("pk", "shard") and "N" in value:
                    total[name] += int(value["N"])
        return total
