"""What the AWS calls a benchmark counted cost, at list prices: DynamoDB request units from item sizes,
SQS requests in 64 KB chunks, Lambda GB-seconds and requests, API Gateway requests.

PRICES are us-east-1 list prices (on-demand DynamoDB as cut on 2024-11-01; x86 Lambda; SQS standard
queues; API Gateway REST APIs, the first 333 million a month; SES outbound email), PRICES_DATE says
when they were written here. Re-check them at https://aws.amazon.com/<service>/pricing/ before
quoting a bill: the figures scale with them.

DynamoDB request units, as DynamoDB charges them (developer guide, "Read/write capacity mode"):
  writes   1 WRU per 1 KB of the item written (PutItem: the new item; UpdateItem, DeleteItem: the larger
           of the item before and after), rounded up per item; twice that inside TransactWriteItems,
           ConditionCheck included; BatchWriteItem as its puts and deletes one by one.
  reads    eventually consistent: 0.5 RRU per 4 KB, strongly consistent 1, transactional 2; GetItem and
           BatchGetItem per item, Query and Scan per call over the summed size of the items they read
           (filtered ones included: ScannedCount), rounded up to 4 KB.
An item's size: the lengths of its attribute names and values (strings in UTF-8, numbers about a byte per
two digits + 1, 3 bytes + contents for maps and lists, 1 per element). What the call's parameters and
answers do not show (an UpdateItem's whole item; items a Query read but filtered out) is taken from the
last size seen for that key (reads and writes of this run), else from what is visible: noted as an estimate.
"""
from __future__ import annotations

import collections
import math
import threading
from decimal import Decimal

from .calls import CallCounter

PRICES_DATE = "2026-11-28"
PRICES = {  # USD, us-east-1
    "dynamodb_per_million_wru": 0.625,
    "dynamodb_per_million_rru": 0.125,
    "lambda_per_gb_s": 0.0000166667,
    "lambda_per_million_requests": 0.20,
    "sqs_per_million_requests": 0.40,
    "api_gateway_rest_per_million": 3.50,
    "ses_per_thousand_emails": 0.10,
    "dynamodb_storage_per_gb_month": 0.25,
}
SQS_CHUNK = 64 * 1024
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")
READS = ("GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems")


def value_size(value: dict) -> int:
    """Bytes of one attribute value in DynamoDB's wire format ({"S": ...}, {"M": {...}}, ...)."""
    (kind, inner), = value.items()
    if kind == "S":
        return len(inner.encode("utf-8"))
    if kind == "N":
        digits = str(Decimal(inner)).lstrip("-").replace(".", "").lstrip("0") or "0"
        return math.ceil(len(digits) / 2) + 1
    if kind == "B":
        return len(inner) if isinstance(inner, (bytes, bytearray)) else len(inner) * 3 // 4
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode("utf-8")) + value_size(v) + 1 for k, v in inner.items())
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in inner)
    if kind in ("SS", "NS", "BS"):
        return sum(value_size({kind[0]: v}) for v in inner)
    return 0


def item_size(item: dict) -> int:
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def table_name(params: dict) -> str:
    return str(params.get("TableName", "")).rsplit("-", 1)[-1]


def key_of(table: str, item: dict, key_names: tuple[str, ...] = ("pk", "sk", "id")) -> tuple:
    return (table, tuple(sorted((k, str(v)) for k, v in item.items() if k in key_names)))


class CapacityCounter(CallCounter):
    """calls.CallCounter that also adds up the DynamoDB request units, SQS 64 KB chunks and the calls'
    sizes of what it counts: `wru`/`rru` by table, `sqs_chunks`, `estimated` (units taken from a size
    seen earlier or from what the call showed, not from the item itself)."""

    def __init__(self, classify=None):
        super().__init__(classify=classify)
        self.wru: collections.Counter = collections.Counter()
        self.rru: collections.Counter = collections.Counter()
        self.sqs_chunks = 0
        self.estimated = 0
        self._sizes: dict[tuple, int] = {}
        self._capacity_lock = threading.Lock()

    def reset(self) -> None:
        super().reset()
        with self._capacity_lock:
            self.wru.clear()
            self.rru.clear()
            self.sqs_chunks = 0
            self.estimated = 0

    def _answer(self, service: str, operation: str, params: dict, parsed: dict | None) -> None:
        super()._answer(service, operation, params, parsed)
        if parsed is None:
            return
        with self._capacity_lock:
            if service == "dynamodb" and operation in WRITES:
                self._write(operation, params)
            elif service == "dynamodb" and operation in READS:
                self._read(operation, params, parsed)
            elif service == "sqs" and operation in ("SendMessage", "SendMessageBatch"):
                bodies = [e.get("MessageBody", "") for e in params.get("Entries", [])] or [params.get("MessageBody", "")]
                self.sqs_chunks += sum(max(1, math.ceil(len(b.encode("utf-8")) / SQS_CHUNK)) for b in bodies)
            elif service == "sqs":
                self.sqs_chunks += 1

    # -- writes
    def _write(self, operation: str, params: dict) -> None:
        if operation == "BatchWriteItem":
            for name, requests in params.get("RequestItems", {}).items():
                table = name.rsplit("-", 1)[-1]
                for request in requests:
                    if "PutRequest" in request:
                        self.wru[table] += self._put_units(table, request["PutRequest"]["Item"])
                    else:
                        self.wru[table] += self._known_units(table, request["DeleteRequest"]["Key"], 1024)
        elif operation == "TransactWriteItems":
            for entry in params.get("TransactItems", []):
                (kind, body), = entry.items()
                table = table_name(body)
                units = self._put_units(table, body["Item"]) if kind == "Put" else \
                    self._update_units(table, body) if kind == "Update" else self._known_units(table, body["Key"], 1024)
                self.wru[table] += 2 * units
        elif operation == "PutItem":
            self.wru[table_name(params)] += self._put_units(table_name(params), params["Item"])
        elif operation == "UpdateItem":
            self.wru[table_name(params)] += self._update_units(table_name(params), params)
        else:  # DeleteItem
            self.wru[table_name(params)] += self._known_units(table_name(params), params["Key"], 1024)

    def _put_units(self, table: str, item: dict) -> int:
        size = item_size(item)
        self._sizes[key_of(table, item)] = size
        return max(1, math.ceil(size / 1024))

    def _update_units(self, table: str, params: dict) -> int:
        """The larger of the item as last seen and the update's own values (the whole item is not shown)."""
        shown = item_size(params["Key"]) + sum(value_size(v) for v in params.get("ExpressionAttributeValues", {}).values()) \
            + sum(len(n) for n in params.get("ExpressionAttributeNames", {}).values())
        return self._known_units(table, params["Key"], 1024, shown)

    def _known_units(self, table: str, key: dict, unit: int, shown: int = 0) -> int:
        known = self._sizes.get(key_of(table, key))
        if known is None:
            self.estimated += 1
        return max(1, math.ceil(max(known or 0, shown) / unit))

    # -- reads
    def _read(self, operation: str, params: dict, parsed: dict) -> None:
        factor = 1.0 if params.get("ConsistentRead") else 0.5
        if operation in ("Query", "Scan"):
            table = table_name(params)
            items = parsed.get("Items", [])
            sizes = [self._seen(table, item) for item in items]
            scanned = parsed.get("ScannedCount", len(items))
            if scanned > len(items):  # filtered out: as big as those returned, on average
                self.estimated += 1
                sizes += [(sum(sizes) / len(sizes) if sizes else 1024)] * (scanned - len(items))
            self.rru[table] += factor * max(1, math.ceil(sum(sizes) / 4096))
        elif operation == "GetItem":
            table = table_name(params)
            item = parsed.get("Item")
            self.rru[table] += factor * max(1, math.ceil(self._seen(table, item) / 4096) if item else 1)
        elif operation == "BatchGetItem":
            for name, items in parsed.get("Responses", {}).items():
                table = name.rsplit("-", 1)[-1]
                consistent = params.get("RequestItems", {}).get(name, {}).get("ConsistentRead")
                for item in items:
                    self.rru[table] += (1.0 if consistent else 0.5) * max(1, math.ceil(self._seen(table, item) / 4096))
        else:  # TransactGetItems
            for answer in parsed.get("Responses", []):
                item = answer.get("Item") or {}
                self.rru["(transaction)"] += 2 * max(1, math.ceil(item_size(item) / 4096))

    def _seen(self, table: str, item: dict) -> int:
        """The item's size; a projection shows part of it: the larger of that and the size last seen."""
        size = item_size(item)
        key = key_of(table, item)
        size = max(size, self._sizes.get(key, 0))
        self._sizes[key] = size
        return size


def average_sizes(counter: CapacityCounter) -> dict[str, float]:
    """Bytes of an item, on average, by table, over the items this counter saw."""
    by_table: dict[str, list[int]] = collections.defaultdict(list)
    for (table, _), size in list(counter._sizes.items()):
        by_table[table].append(size)
    return {table: sum(sizes) / len(sizes) for table, sizes in by_table.items()}


def monthly(*, people: int, emails: int, overhead_per_1k: float, person_bytes: float, send_bytes: float) -> float:
    """USD a month: SES and the overhead per email, and DynamoDB storage of the people and a month's sends."""
    storage_gb = (people * person_bytes + emails * send_bytes) / 1024 ** 3
    return emails / 1000 * (PRICES["ses_per_thousand_emails"] + overhead_per_1k) \
        + storage_gb * PRICES["dynamodb_storage_per_gb_month"]


def dollars(*, wru: float, rru: float, sqs_requests: float, lambda_gb_s: float, lambda_requests: float,
            api_requests: float) -> dict[str, float]:
    """USD by service for the given amounts."""
    return {
        "dynamodb": wru * PRICES["dynamodb_per_million_wru"] / 1e6 + rru * PRICES["dynamodb_per_million_rru"] / 1e6,
        "sqs": sqs_requests * PRICES["sqs_per_million_requests"] / 1e6,
        "lambda": lambda_gb_s * PRICES["lambda_per_gb_s"] + lambda_requests * PRICES["lambda_per_million_requests"] / 1e6,
        "api_gateway": api_requests * PRICES["api_gateway_rest_per_million"] / 1e6,
    }
