"""The local stack's moto 5.2, made to behave like DynamoDB where the app relies on it: two fixes
always on, and speed shortcuts behind one switch, off unless asked for.

Always on (correctness: without them the emulator gives answers DynamoDB never gives; crmlocal/UPSTREAM.md
writes each up as a moto bug report):

- DynamoDB requests served one at a time. DynamoDB applies each request atomically (a conditional write
  is checked and applied as one); moto serves concurrent requests in threads without that guarantee, and
  a transaction's rollback put back a copy of the whole table, erasing what other requests wrote meanwhile.
- A transaction's rollback copy made of what it touches (below), not of whole tables: moto's copy made a
  100-action transaction on a few thousand items take seconds, past the SDK's read timeout, and the
  SDK's retry then ran the transaction a second time.

Opt-in speed shortcuts (EMULATOR_SHORTCUTS=on; each checked against stock moto's behaviour in
tests/integration/test_emulator_patches.py, which runs with the switch off and on, and each falling back
to moto's code for anything unusual):

- Condition and update expressions parsed once per text, not once per item.
- Item reads and writes taken and answered as plain JSON, not through moto's shape walk.
- Plain SET / numeric ADD updates of an existing item applied directly (no copy of the old item).
- The 400 KB item limit measured once per item, not once per attribute.
- A raw email's headers parsed, not its whole MIME tree (SES reads From/To/Cc/Bcc of it).
- A scan copies the items it returns, not every item it reads.
- A query reads the partition asked for, not the whole table; a big partition's order is kept until a write.
- A request's service looked up once per host (moto listed its package folder on disk every time),
  handler method lists cached, request ids drawn in one call; the cyclic GC run less often.

Why off by default: the default path is then stock moto plus the two fixes, so a test that passes
passes against moto's own code, and a shortcut that drifts from moto (a moto upgrade, a request shape
the shortcut misreads) cannot hide a bug or invent one. The shortcuts only buy speed, measured with
`python -m tests.bench` on 2 cores, off -> on: a 10,000-row CSV import 7.6 -> 6.3 s (time inside the
emulator 16.8 -> 1.9 s), its re-import 12.8 -> 5.3 s (42.4 -> 1.5 s), a 1,000-email uncapped broadcast
10.5 -> 2.9 s. The benchmarks and big `make run` imports are where they pay, so those are where to turn
them on; `.ci/run` runs the tests that go through moto both ways.

The transaction copy: moto 5.2.5 (`DynamoDBBackend.transact_write_items`) takes its rollback copy with
`copy.deepcopy(table)` once per *action*, for the table that action touches: a 100-action
transaction on a table of N items deep-copies about 100 x N items. On an emulator holding a few
thousand people one such call takes seconds (measured: ~2 s at 1,000 people, ~3.8 s at 2,000),
so a 10,000-row import, which creates people in transactions, grows quadratically (tens of
minutes), and slow calls hit the SDK's read timeout, whose retry then runs concurrently with the
first attempt inside moto and fails with "dictionary changed size during iteration". The
replacement keeps moto's own transaction logic and rollback, with an equivalent cheap snapshot
taken once per table per transaction: a shallow copy of the table whose item containers are
copied (puts replace items, deletes pop them) and whose items that an Update action will change in
place are deep-copied. Rollback restores exactly what stock moto restores, except stream records
(not used by the app).
"""
from __future__ import annotations

import copy as _copy
import os
import re
import string
import threading

# "on" turns the speed shortcuts on; anything else (or unset): off. Not CRM_*: those are the app's settings,
# which the tests and benchmarks clear to start from a known environment; this switch must reach them.
SWITCH = "EMULATOR_SHORTCUTS"
TESTED_WITH = "5.2."  # the moto versions whose internals these patches were checked against
DYNAMODB_LOCK = threading.RLock()  # held while the emulator answers a DynamoDB request (and snapshots)

_state = threading.local()
_installed = False
_MISSING = object()
_undo: list = []  # one function per change a shortcut made, putting back what was there
_shortcuts = {"on": False}  # read by _CopyModule: skips an update's copy of the old item when on


def shortcuts_wanted() -> bool:
    """What the environment asks for: EMULATOR_SHORTCUTS=on (also 1, true, yes)."""
    return os.environ.get(SWITCH, "").strip().lower() in ("on", "1", "true", "yes")


def shortcuts_on() -> bool:
    return _shortcuts["on"]


def _patch(owner, name: str, value) -> None:
    """Sets owner.name, remembering what it was so use_shortcuts(False) can put it back."""
    before = vars(owner).get(name, _MISSING)
    _undo.append(lambda: delattr(owner, name) if before is _MISSING else setattr(owner, name, before))
    setattr(owner, name, value)


def _snapshot(table, update_keys: list[dict]):
    from moto.dynamodb.models.dynamo_type import DynamoType

    snap = _copy.copy(table)
    items = type(table.items)(table.items.default_factory) if hasattr(table.items, "default_factory") \
        else type(table.items)()
    if table.range_key_attr:
        for hash_key, by_range in table.items.items():
            items[hash_key] = dict(by_range)
    else:
        items.update(table.items)
    for key in update_keys:
        try:
            hash_value = DynamoType(key[table.hash_key_attr])
            if table.range_key_attr:
                range_value = DynamoType(key[table.range_key_attr])
                if range_value in items.get(hash_value, {}):
                    items[hash_value][range_value] = _copy.deepcopy(items[hash_value][range_value])
            elif hash_value in items:
                items[hash_value] = _copy.deepcopy(items[hash_value])
        except (KeyError, TypeError):
            return _copy.deepcopy(table)  # anything unexpected: stock behaviour
    snap.items = items
    return snap


class _CopyModule:
    """Stands in for the `copy` module inside moto.dynamodb.models during a transaction."""

    def __getattr__(self, name):
        return getattr(_copy, name)

    @staticmethod
    def deepcopy(value, memo=None):
        from moto.dynamodb.models.dynamo_type import Item
        from moto.dynamodb.models.table import Table

        if isinstance(value, Item) and _shortcuts["on"]:
            # update_item copies the item first only for a stream's old image; no local table has a
            # stream, and the copy of a person was a third of an update's cost
            return value
        cache = getattr(_state, "snapshots", None)
        if cache is not None and isinstance(value, Table):
            if id(value) not in cache:
                cache[id(value)] = _snapshot(value, _state.update_keys.get(value.name, []))
            return cache[id(value)]
        return _copy.deepcopy(value, memo)


TESTED_WITH = "5.2."  # the moto versions whose internals this patch was checked against


def install(shortcuts: bool | None = None) -> bool:
    """Applies the two fixes (once) and sets the shortcuts as asked (None: as EMULATOR_SHORTCUTS says).
    With a moto version these were not checked against, only the request lock is applied (and it says so)."""
    global _installed
    import moto

    if not _installed:
        _serialize_dynamodb()
        _installed = True
        if _tested_version():
            _snapshot_transactions()
        else:
            print(f"[emulator] moto {moto.__version__}: only the DynamoDB request lock applied (the other "
                  f"patches were checked with {TESTED_WITH}x); bulk imports may be slow")
    if _tested_version():
        use_shortcuts(shortcuts_wanted() if shortcuts is None else shortcuts)
    return _tested_version()


def _tested_version() -> bool:
    import moto
    from moto.dynamodb import models

    return moto.__version__.startswith(TESTED_WITH) and hasattr(models, "copy")


def use_shortcuts(on: bool) -> None:
    """Turns the speed shortcuts on or off (off: each attribute they replaced is put back as it was)."""
    if on == _shortcuts["on"]:
        return
    if not on:
        while _undo:
            _undo.pop()()
        _shortcuts["on"] = False
        return
    for apply in _SHORTCUTS:
        apply()
    _shortcuts["on"] = True


def _snapshot_transactions() -> None:
    from moto.dynamodb import models

    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items, *args, **kwargs):
        update_keys: dict[str, list[dict]] = {}
        for entry in transact_items:
            for op_type, op in entry.items():
                if op_type == "Update" and isinstance(op, dict) and "Key" in op:
                    update_keys.setdefault(op.get("TableName"), []).append(op["Key"])
        _state.snapshots, _state.update_keys = {}, update_keys
        try:
            return original(self, transact_items, *args, **kwargs)
        finally:
            _state.snapshots = None

    models.copy = _CopyModule()
    models.DynamoDBBackend.transact_write_items = transact_write_items


def _fewer_collections() -> None:
    """The emulator keeps every table as a large graph of small objects in this process; with
    Python's default gen-0 threshold (700 allocations) the cyclic collector walks it thousands of
    times a second (a 2,000-person import ran 27% faster with this). Nothing here relies on cycles
    being freed promptly."""
    import gc

    before = gc.get_threshold()
    gc.set_threshold(50_000, 50, 100)
    _undo.append(lambda: gc.set_threshold(*before))


def _serialize_dynamodb() -> None:
    """DynamoDB applies each request atomically (a conditional write is checked and applied as one);
    the emulator serves concurrent requests in threads without that guarantee. One lock around
    its DynamoDB request handler gives the local stack and the tests the real semantics."""
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.call_action

    def call_action(self):
        with DYNAMODB_LOCK:
            return original(self)

    DynamoHandler.call_action = call_action


def _parse_conditions_once() -> None:
    """moto re-parses a condition expression for every item it is checked against (twice per action
    in a transaction: validation, then the check); a 50-person import transaction spent most of its
    time there. Parsed trees are kept by (expression, names, values): evaluating one does not change it."""
    from moto.dynamodb.comparisons import ConditionExpressionParser

    original = ConditionExpressionParser.parse
    cache: dict[tuple, tuple] = {}
    lock = threading.Lock()

    def parse(self):
        try:
            key = (self.condition_expression, repr(self.expression_attribute_names),
                   repr(self.expression_attribute_values))
        except Exception:
            return original(self)
        with lock:
            found = cache.get(key)
        if found is None:
            tree = original(self)  # invalid expressions raise here, every time, as before
            found = (tree, list(self.expr_attr_names_found), list(self.expr_attr_values_found))
            with lock:
                if len(cache) >= 4096:
                    cache.clear()
                cache[key] = found
        self.expr_attr_names_found[:] = found[1]
        self.expr_attr_values_found[:] = found[2]
        return found[0]

    _patch(ConditionExpressionParser, "parse", parse)


# Item reads and writes answer with DynamoDB JSON moto already holds as plain dicts; its generic
# shape-walking serializer took ~0.7 ms per item (a 100-key BatchGetItem: ~70 ms). JSON out directly.
_PLAIN_JSON_OPERATIONS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "PutItem", "UpdateItem",
                                    "DeleteItem", "BatchWriteItem", "TransactWriteItems", "TransactGetItems"})


def _json_default(value):
    import base64
    import calendar
    from datetime import datetime

    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime):
        return calendar.timegm(value.utctimetuple()) + value.microsecond // 1000 / 1000.0
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _plain_json_responses() -> None:
    import json

    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.serialized

    def serialized(self, action_result):
        result = action_result.result
        if type(result) is dict and self._get_action() in _PLAIN_JSON_OPERATIONS:
            body = json.dumps({k: v for k, v in result.items() if v is not None},
                              default=_json_default, separators=(",", ":"))
            headers = {"Content-Type": "application/x-amz-json-1.0"}
            headers.update(self.response_headers)
            return 200, headers, body
        return original(self, action_result)

    _patch(DynamoHandler, "serialized", serialized)


def _plain_json_requests() -> None:
    """The same operations' requests, read with json.loads instead of moto's shape walk (8 ms for a
    100-action transaction). The walk's only change to well-formed SDK JSON is decoding Binary
    values, which moto also accepts as the base64 text on the wire; bodies with a "B" or "BS" key
    still take the walk, to be safe."""
    import json

    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.parse_parameters

    def parse_parameters(self, request):
        if self._get_action() in _PLAIN_JSON_OPERATIONS:
            body = request.data
            if body and b'"B"' not in body and b'"BS"' not in body:
                try:
                    params = json.loads(body)
                except ValueError:
                    params = None
                if isinstance(params, dict):
                    self.params = params
                    return
        original(self, request)

    _patch(DynamoHandler, "parse_parameters", parse_parameters)


def _item_size_checked_once() -> None:
    """moto checks the 400 KB item limit on every attribute it stores, re-measuring the whole item each
    time (quadratic in attributes: most of a put). The same limit, checked once on the whole item."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models import dynamo_type
    from moto.dynamodb.models.utilities import bytesize

    DynamoType, LimitedSizeDict = dynamo_type.DynamoType, dynamo_type.LimitedSizeDict

    def __init__(self, hash_key, range_key, attrs):
        self.hash_key = hash_key
        self.range_key = range_key
        values = {key: DynamoType(value) for key, value in attrs.items()}
        if sum(bytesize(key) + value.size() for key, value in values.items()) > 405000:
            raise ItemSizeTooLarge
        self.attrs = LimitedSizeDict(values)  # dict.update: no per-attribute re-measuring

    _patch(dynamo_type.Item, "__init__", __init__)


def _parse_updates_once() -> None:
    """Update expressions, parsed once per text: the same SET/ADD text comes with every item of a
    batch of claims. Safe to share: moto's validator works on a deep copy of the tree."""
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser

    original = UpdateExpressionParser.make.__func__
    cache: dict[str, object] = {}

    def make(cls, expression_str):
        found = cache.get(expression_str)
        if found is None:
            found = original(cls, expression_str)  # a bad expression raises, every time
            if len(cache) >= 4096:
                cache.clear()
            cache[expression_str] = found
        return found

    _patch(UpdateExpressionParser, "make", classmethod(make))


def _backend_by_host_once() -> None:
    """moto's server finds the service of every request by listing its own package folder on disk
    (os.listdir + a stat per entry, under the dispatcher's lock): ~1 ms per request, and every
    concurrent request waited for it. The answer for a host never changes: kept."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = DomainDispatcherApplication.get_backend_for_host

    def get_backend_for_host(self, host):
        cache = self.__dict__.setdefault("_backend_for_host", {})
        if host not in cache:
            cache[host] = original(self, host)
        return cache[host]

    _patch(DomainDispatcherApplication, "get_backend_for_host", get_backend_for_host)


_CLAUSE = re.compile(r"(?:^|\s+)(SET|ADD)\s+", re.IGNORECASE)
_SET_ACTION = re.compile(r"^\s*(#\w+|[A-Za-z_]\w*)\s*=\s*(:\w+)\s*$")
_ADD_ACTION = re.compile(r"^\s*(#\w+|[A-Za-z_]\w*)\s+(:\w+)\s*$")


def _update_plan(expression: str):
    """("SET a = :x, #b = :y ADD #c :n") -> ([(a, :x), (#b, :y)], [(#c, :n)]); None for anything else
    (paths, functions, arithmetic, REMOVE, DELETE): those take moto's own way."""
    parts = _CLAUSE.split(expression)
    if parts[0].strip() or len(parts) < 3:
        return None
    sets, adds, seen = [], [], set()
    for keyword, body in zip(parts[1::2], parts[2::2]):
        keyword = keyword.upper()
        if keyword in seen:
            return None
        seen.add(keyword)
        for action in body.split(","):
            match = (_SET_ACTION if keyword == "SET" else _ADD_ACTION).match(action)
            if match is None:
                return None
            (sets if keyword == "SET" else adds).append(match.groups())
    return sets, adds


def _plain_updates_directly() -> None:
    """An UpdateItem of plain top-level SETs and numeric ADDs on an existing item, applied directly.

    moto runs every update through ten tree-walking validators over a deep copy of the parsed
    expression (~2 ms per update; a campaign claim has one per recipient). For the plain shape the
    app's updates have, the outcome is the same as moto's: the condition checked on the current
    item, values set, numbers added (a missing number counts as 0), the 400 KB limit kept. Anything
    else (a new item, key or index attributes, lists of paths, functions, type surprises, streams)
    goes through moto unchanged, and so gets moto's own errors."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import ConditionalCheckFailed, ItemSizeToUpdateTooLarge
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.utilities import bytesize

    original = DynamoDBBackend.update_item
    plans: dict[str, object] = {}

    def update_item(self, table_name, key, update_expression, expression_attribute_names,
                    expression_attribute_values, attribute_updates=None, expected=None,
                    condition_expression=None, return_values_on_condition_check_failure=None):
        def moto_way():
            return original(self, table_name, key, update_expression, expression_attribute_names,
                            expression_attribute_values, attribute_updates, expected, condition_expression,
                            return_values_on_condition_check_failure)

        if not update_expression or attribute_updates or expected:
            return moto_way()
        if update_expression not in plans:
            if len(plans) >= 4096:
                plans.clear()
            plans[update_expression] = _update_plan(update_expression)
        plan = plans[update_expression]
        table = self.get_table(table_name)
        if plan is None or table.stream_shard is not None:
            return moto_way()
        names, values = expression_attribute_names or {}, expression_attribute_values or {}
        protected = set(table.attribute_keys)
        changes = []
        for kind, actions in (("set", plan[0]), ("add", plan[1])):
            for name, placeholder in actions:
                attribute = names.get(name) if name.startswith("#") else name
                value = values.get(placeholder)
                if attribute is None or value is None or attribute in protected:
                    return moto_way()
                changes.append((kind, attribute, DynamoType(value)))
        if len({attribute for _, attribute, _ in changes}) != len(changes):
            return moto_way()  # one attribute twice: moto's overlap error
        hash_value, range_value = self.get_keys_value(table, key)
        item = table.get_item(hash_value, range_value)
        if item is None:
            return moto_way()  # an update that creates the item
        for kind, attribute, value in changes:
            current = item.attrs.get(attribute)
            if kind == "add" and (value.type != "N" or (current is not None and current.type != "N")):
                return moto_way()  # sets, or a type mismatch: moto's semantics and errors
        if not get_filter_expression(condition_expression, names, values).expr(item):
            if return_values_on_condition_check_failure == "ALL_OLD":
                raise ConditionalCheckFailed(item=item.to_json()["Attributes"])
            raise ConditionalCheckFailed
        updated = dict(item.attrs)
        for kind, attribute, value in changes:
            current = updated.get(attribute)
            updated[attribute] = value if kind == "set" or current is None else current + value
        if sum(bytesize(k) + v.size() for k, v in updated.items()) > 405000:
            raise ItemSizeToUpdateTooLarge()
        dict.update(item.attrs, updated)
        return item

    _patch(DynamoDBBackend, "update_item", update_item)


def _less_per_request_work() -> None:
    """Two things moto redoes for every request, whatever the service: listing a handler class's
    methods with inspect.getmembers (the answer never changes), and drawing request and message
    ids one character at a time. Same answers, same random source, a fraction of the CPU."""
    import functools

    from moto.core import responses
    from moto.moto_api._internal.moto_random import HEX_CHARS, MotoRandom

    _patch(responses, "method_names_from_class", functools.lru_cache(maxsize=None)(responses.method_names_from_class))

    def get_random_hex(self, length: int = 8) -> str:
        return "".join(map(str, self.choices(HEX_CHARS, k=length)))

    def get_random_string(self, length: int = 20, include_digits: bool = True, lower_case: bool = False) -> str:
        pool = string.ascii_letters + (string.digits if include_digits else "")
        text = "".join(self.choices(pool, k=length))
        return text.lower() if lower_case else text

    _patch(MotoRandom, "get_random_hex", get_random_hex)
    _patch(MotoRandom, "get_random_string", get_random_string)


def _raw_email_headers_only() -> None:
    """moto's send_raw_email parses the whole message (every MIME part, base64 decoded) to read four
    headers; the parts are kept as sent, unparsed. Parsing the headers only gives the same From, To,
    Cc and Bcc (a 7.5 KB campaign email: about a third of the emulator's SendEmail time)."""
    import types
    from email.parser import Parser

    from moto.ses import models

    blank_line = re.compile(r"\r?\n\r?\n")

    def message_from_string(text: str):
        return Parser().parsestr(blank_line.split(text, 1)[0] + "\n\n", headersonly=True)

    _patch(models, "email", types.SimpleNamespace(message_from_string=message_from_string))


def _scan_copies_what_it_returns() -> None:
    """moto's Table.scan deep-copies every item it reads and measures it twice, then applies the
    filter expression: a daily scan for the few pending sign-ups copied the whole table. Same
    pages, counts, limits and last keys (both count items read before the filter, as DynamoDB
    does); only the items that pass the filter are copied."""
    import copy

    from moto.dynamodb.models.table import RESULT_SIZE_LIMIT, Table

    original = Table.scan

    def scan(self, filters, limit, exclusive_start_key, filter_expression=None, index_name=None,
             consistent_read=False, projection_expression=None, segments=(None, None)):
        if index_name or filters:  # index scans and legacy ScanFilter: moto's own way
            return original(self, filters, limit, exclusive_start_key, filter_expression, index_name,
                            consistent_read, projection_expression, segments)
        hash_attrs, range_attrs = [self.hash_key_attr], [self.range_key_attr]
        read: list = []
        result_size = scanned_count = 0
        last_evaluated_key = None
        after_start = exclusive_start_key is not None
        for item in self.all_items():
            if not item.is_within_segment(segments):
                continue
            if after_start:
                if self._item_comes_before_dct(item, exclusive_start_key, hash_attrs, range_attrs, True):
                    continue
                after_start = False
            size = item.size()
            if len(read) == limit or result_size + size > RESULT_SIZE_LIMIT:
                last_evaluated_key = self._get_last_evaluated_key(read[-1], index_name)
                break
            read.append(item)
            result_size += size
            scanned_count += 1
        if filter_expression is not None:
            read = [item for item in read if filter_expression.expr(item)]
        results = [copy.deepcopy(item) for item in read]
        if projection_expression:
            results = [r.project(projection_expression) for r in results]
        return results, scanned_count, last_evaluated_key

    _patch(Table, "scan", scan)


READ_ACTIONS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems", "DescribeTable",
                          "ListTables", "DescribeTimeToLive", "DescribeContinuousBackups", "ListTagsOfResource"})
_writes: dict[str, int] = {"*": 0}  # writes served per table ("*": to tables not known): what a kept order is of
SORTED_FROM = 1000  # partitions of at least this many items keep their order between queries (until a write)


def _written_tables(body) -> set[str] | None:
    """The tables a DynamoDB write request names (None: not known, so every table counts as written). `body`:
    the request as moto's handler keeps it after answering (its parsed parameters), or its JSON text."""
    import json

    try:
        request = body if isinstance(body, dict) else json.loads(body or "{}")
    except (TypeError, ValueError):
        return None
    if not isinstance(request, dict):
        return None
    if "TableName" in request:
        return {request["TableName"]}
    if "RequestItems" in request:
        return set(request["RequestItems"])
    if "TransactItems" in request:
        try:
            return {op.get("TableName") for item in request["TransactItems"] for op in item.values()}
        except AttributeError:
            return None
    return None


def _version(table) -> int:
    return _writes.get(table.name, 0) + _writes["*"]


def _query_reads_one_partition() -> None:
    """moto's Table.query walks every item of the table (all_items sorts the whole table first) to find
    the partition asked for, so a query's time grows with the table, where DynamoDB reads that partition
    only: at 100,000 people a page of the browse index (about 7 items a person) outlasted botocore's
    60-second read timeout. Here moto's own query runs over the items of that partition only: the
    table's items under the hash key asked for (a query on the table, or on an index whose partition key
    is the table's), or, for an index keyed on another attribute, the items holding the value asked for,
    grouped once per index and grouped again after a write to the table. A big partition's order (moto
    sorts a partition on every query; DynamoDB keeps it in key order) is kept until the table is written.
    Same order, pages, counts, filters and last keys, since moto sorts, pages and filters what it is given
    (and an order kept is the one its own sort gave); any other shape: moto's way."""
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler

    original, handler_call, put, delete = Table.query, DynamoHandler.call_action, Table.put_item, Table.delete_item
    grouped: dict = {}  # (table id, index name) -> (version, {hash value: [items]})
    ordered: dict = {}  # (table id, index name, hash value) -> (version, [items in moto's order])

    def counted(tables: set[str] | None) -> None:
        for name in tables if tables is not None else ("*",):
            _writes[name] = _writes.get(name, 0) + 1

    def wrote(function):  # counted after the write: an order or grouping made meanwhile is then made again
        def written(self, *args, **kwargs):
            try:
                return function(self, *args, **kwargs)
            finally:
                counted({self.name})
        return written

    def call_action(self):
        try:
            return handler_call(self)
        finally:
            if self._get_action() not in READ_ACTIONS:
                counted(_written_tables(self.body))

    def by_value(table, index_name: str, attribute: str) -> dict:
        made = grouped.get((id(table), index_name))
        if made is None or made[0] != _version(table):
            groups: dict = {}
            for items in table.items.values():
                for item in (items.values() if table.range_key_attr else (items,)):
                    value = item.attrs.get(attribute)
                    if value is not None:
                        groups.setdefault(value, []).append(item)
            made = grouped[(id(table), index_name)] = (_version(table), groups)
        return made[1]

    def partition_of(table, hash_key, index_name, hash_key_conditions) -> tuple[object, list] | None:
        """(the partition's hash value, its items), or None for a shape this shortcut leaves to moto."""
        if not index_name:
            found = table.items.get(hash_key) if hash_key is not None else None
            value = hash_key
        else:
            index = {i.name: i for i in table.all_indexes()}.get(index_name)
            keys = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"] if index else []
            asked = dict(hash_key_conditions or ())
            if len(keys) != 1 or set(asked) != set(keys):
                return None
            value = asked[keys[0]]
            if keys[0] != table.hash_key_attr:
                return value, list(by_value(table, index_name, keys[0]).get(value, ()))
            found = table.items.get(value)
        if found is None:
            return value, []
        return value, list(found.values()) if table.range_key_attr else [found]

    def in_order(table, index_name, value, items: list) -> list | None:
        """The partition as moto's query sorts it, kept until the table is written; None: not kept (small, or
        an index shape whose sort this does not repeat)."""
        if len(items) < SORTED_FROM:
            return None
        key = (id(table), index_name or "", value)
        kept = ordered.get(key)
        if kept is not None and kept[0] == _version(table):
            return kept[1]
        if not index_name:
            if not table.range_key_attr:
                return None
            order = sorted(items, key=lambda item: item.range_key)
        else:
            index = {i.name: i for i in table.all_indexes()}[index_name]
            ranges = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
            hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
            if len(ranges) != 1:
                return None
            order = table.sorted_items(hashes + [table.hash_key_attr], ranges + [table.range_key_attr],
                                       [item for item in items if item.attrs.get(ranges[0])])
        ordered[key] = (_version(table), order)
        return order

    def query(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key, scan_index_forward,
              projection_expressions, index_name=None, *args, **kwargs):
        try:
            found = partition_of(self, hash_key, index_name, kwargs.get("hash_key_conditions"))
            order = in_order(self, index_name, *found) if found is not None else None
        except (KeyError, TypeError):  # a shape this shortcut does not read: moto's way
            found, order = None, None
        if found is not None:  # for this call only: the request lock is held (DYNAMODB_LOCK)
            partition = order if order is not None else found[1]
            self.all_items = lambda: partition
            if order is not None:
                self.sorted_items = lambda hash_attrs, range_attrs, items: items  # in moto's order already
        try:
            return original(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key,
                            scan_index_forward, projection_expressions, index_name, *args, **kwargs)
        finally:
            vars(self).pop("all_items", None)
            vars(self).pop("sorted_items", None)

    _patch(Table, "query", query)
    _patch(Table, "put_item", wrote(put))
    _patch(Table, "delete_item", wrote(delete))
    _patch(DynamoHandler, "call_action", call_action)
    _undo.append(grouped.clear)
    _undo.append(ordered.clear)


_SHORTCUTS = (_parse_conditions_once, _parse_updates_once, _plain_updates_directly, _backend_by_host_once,
              _less_per_request_work, _raw_email_headers_only, _scan_copies_what_it_returns,
              _query_reads_one_partition, _plain_json_responses, _plain_json_requests, _item_size_checked_once,
              _fewer_collections)
