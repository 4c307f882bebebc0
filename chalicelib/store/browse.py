"""The browse index: people by facet value, in the orders a list sorts by (docs/architecture.md, "Browse index").

Items (table `browse`):
- one per person under "all", carrying a copy of everything the filters read and the keys of every order:
  `sk` "<created_at>#<id>" (added), `name_key`, `engagement_key`, `contact_key` (the by_name, by_engagement and
  by_contact indexes);
- one per person per facet value (pk "skill#python", "city#berlin"...: domain/search.py `facet_values`), carrying
  its keys (`sk`, `name_key`: the added and name orders) and the copy's single values (status, stage, country,
  city, remote).
So most changes to a person rewrite their "all" item and no other: a facet item changes only with a facet gained
or lost, a name, or one of those single values; it is a hundred bytes or so. Engagement and last contact, which change with every
email and open, order "all" only: ordered by them, a list reads "all" and filters it, so a rare facet there gives
short pages (docs/architecture.md says which lists are the worst).

A page reads one partition (the most selective facet filtered on, else "all") in the order asked for, DynamoDB
applying the other filters to the copies the items carry (a facet's: the single values); what they do not carry
is checked on the people found. Either way the people shown are read (BatchGetItem) and checked again, whole and current, so an index a moment behind
never shows someone who no longer matches. At most READ_FACTOR x the page of index items is read; a page the
filters leave short says where to go on (`more`).

Kept by CandidateRepository: each write of a person writes the items that changed (`write`); an erasure deletes
them. People stored before the index existed are added by the backfill, a page at a time (`backfill_step`);
until it has finished, lists come from a bounded scan. Pools are listed from their memberships (the copies they
carry), filtered here, in the pool's order.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from ..domain.errors import ValidationError
from ..domain.search import BrowseFilter, Sort, facet_values, normalize_city, search_text, sortable_name
from .candidates import decode_cursor, encode_cursor
from .convert import to_dict
from .models import BrowseModel, CandidateModel, KeyModel, MembershipModel

ALL = "all"
READ_FACTOR = 10  # a page reads at most this many index items per person it can show
BATCH = 25  # BatchWriteItem's limit
BACKFILL_KEY = "browse#backfill"  # in the keys table: {"cursor"} while the backfill runs, {"ready": true} after
BACKFILL_PAGE = 100
# sort -> (index, the range key that orders it); engagement and last contact: "all" items only
ORDERS = {"added": (None, "sk"), "name": ("by_name", "name_key"), "engagement": ("by_engagement", "engagement_key"),
          "last_contact": ("by_contact", "contact_key")}


def _s(value: str) -> dict:
    return {"S": value}


def _score(person: dict) -> float:
    value = person.get("engagement_score")
    number = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0
    return min(max(number, 0.0), 1e9)


def _copy(person: dict) -> dict:
    """What a person's "all" item carries (DynamoDB JSON), but its partition key."""
    cid, email = person["id"], str(person.get("email") or "")
    name = sortable_name(person.get("first_name"), person.get("last_name"))
    contacted = person.get("last_contacted_at") or ""
    item = {
        "sk": _s(f"{person.get('created_at') or ''}#{cid}"),
        "name_key": _s(f"0{name}#{cid}" if name else f"1{email}#{cid}"),  # the nameless after the rest, by address
        "engagement_key": _s(f"{_score(person):013.2f}#{cid}"),
        "contact_key": _s(f"{contacted}#{cid}"),  # never contacted: "#<id>", before every date
        "email": _s(email),
        "engagement": {"N": repr(_score(person))},
    }
    text = search_text(person)[1]
    if text:
        item["name"] = _s(text)
    for attribute in ("skills", "roles", "tags"):
        values = [v for v in person.get(attribute) or () if isinstance(v, str) and v]
        if values:
            item[attribute] = {"L": [_s(str(v)) for v in values]}
    for attribute in ("status", "stage", "country"):
        if isinstance(person.get(attribute), str) and person[attribute]:
            item[attribute] = _s(str(person[attribute]))
    city = normalize_city(person.get("city"))
    if city:
        item["city"] = _s(city)
    if isinstance(person.get("remote_ok"), bool):
        item["remote_ok"] = {"BOOL": person["remote_ok"]}
    if contacted:
        item["contacted"] = _s(contacted)
    return item


SCALARS = ("status", "stage", "country", "city", "remote_ok")  # what a facet item carries besides its keys


def items_for(person: dict) -> dict[str, dict]:
    """A person's index items (DynamoDB JSON) by partition key: "all" with the whole copy; each facet's with its
    keys and the copy's single values (SCALARS), which a facet's list is most often filtered on as well."""
    copy = _copy(person)
    items = {ALL: {"pk": _s(ALL), **copy}}
    facet_copy = {name: copy[name] for name in ("sk", "name_key", *SCALARS) if name in copy}
    for facet, value in facet_values(person):
        pk = f"{facet}#{value}"
        items.setdefault(pk, {"pk": _s(pk), **facet_copy})
    return items


def _id(item: dict) -> str:
    return item["sk"]["S"].rsplit("#", 1)[-1]


@dataclass(frozen=True)
class Listing:
    """A page of people: fresh people (index, scan) or membership copies (pool), in the order shown."""
    items: list
    next_cursor: str | None
    previous_cursor: str | None
    read: int  # items read: index items, people, memberships
    indexed: bool = True  # False: from the scan that answers while the backfill runs
    reached_start: bool = False  # read backwards, nothing came before


@dataclass(frozen=True)
class _Raw:
    items: list  # kept, in the order read
    keys: list  # the key of each (where a list goes on after it)
    more: dict | None  # where the same direction goes on (None: nothing more)
    read: int


class _Expression:
    """Placeholders for a key condition, a filter and a projection (names #n0..., values :v0...)."""

    def __init__(self):
        self.names: dict[str, str] = {}
        self.values: dict[str, dict] = {}

    def name(self, attribute: str) -> str:
        for placeholder, known in self.names.items():
            if known == attribute:
                return placeholder
        placeholder = f"#n{len(self.names)}"
        self.names[placeholder] = attribute
        return placeholder

    def value(self, value: dict) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = value
        return placeholder


def _filters(flt: BrowseFilter, skip: set[str], ex: _Expression, now: datetime, *, whole: bool) -> list[str]:
    """Conditions on the copy the items read carry, for the filters the key does not hold already: the whole copy
    ("all" items), or its single values only (a facet's items; the rest is checked on the people read)."""
    parts: list[str] = []
    for facet in ("status", "stage", "country", "city"):
        if getattr(flt, facet) is not None and facet not in skip:
            parts.append(f"{ex.name(facet)} = {ex.value(_s(getattr(flt, facet)))}")
    if flt.remote is not None:
        parts.append(f"{ex.name('remote_ok')} = {ex.value({'BOOL': flt.remote})}")
    if not whole:
        return parts
    for facet, attribute in (("skill", "skills"), ("role", "roles"), ("tag", "tags")):
        if getattr(flt, facet) is not None and facet not in skip:
            parts.append(f"contains({ex.name(attribute)}, {ex.value(_s(getattr(flt, facet)))})")
    if flt.text is not None:
        text = ex.value(_s(flt.text))
        parts.append(f"(contains({ex.name('email')}, {text}) OR contains({ex.name('name')}, {text}))")
    if flt.engagement is not None and "engagement" not in skip:
        parts.append(f"{ex.name('engagement')} >= {ex.value({'N': repr(flt.engagement)})}")
    if flt.contact is not None and "last_contact" not in skip:
        contacted = ex.name("contacted")
        if flt.contact.kind == "never":
            parts.append(f"attribute_not_exists({contacted})")
        else:
            cutoff = ex.value(_s(flt.contact.cutoff(now)))
            parts.append(f"{contacted} >= {cutoff}" if flt.contact.kind == "within"
                         else f"(attribute_not_exists({contacted}) OR {contacted} < {cutoff})")
    return parts


def _key_range(flt: BrowseFilter, sort: Sort, ex: _Expression, now: datetime) -> tuple[str | None, str | None]:
    """(a condition on the range key, the filter it holds) when the order is that filter's own: engagement at
    least N in the engagement order, last contact in the last-contact order."""
    if sort.key == "engagement" and flt.engagement is not None:
        low = ex.value(_s(f"{min(flt.engagement, 1e9):013.2f}"))
        return f"{ex.name('engagement_key')} >= {low}", "engagement"
    if sort.key == "last_contact" and flt.contact is not None:
        key = ex.name("contact_key")
        if flt.contact.kind == "never":
            return f"begins_with({key}, {ex.value(_s('#'))})", "last_contact"
        cutoff = ex.value(_s(flt.contact.cutoff(now)))
        return (f"{key} >= {cutoff}" if flt.contact.kind == "within" else f"{key} < {cutoff}"), "last_contact"
    return None, None


def _bounded(key: dict | None) -> dict | None:
    """A key from a cursor, each value within DynamoDB's key size (a forged longer one is refused there: a 500)."""
    if key and any(len(value["S"].encode("utf-8", "surrogatepass")) > 1024 for value in key.values()):
        raise ValidationError.field("cursor", "not a cursor this list gave out")
    return key


def partition(flt: BrowseFilter, sort: Sort) -> str:
    """The partition a list reads: its most selective facet's, else everyone (and always everyone in the
    engagement and last-contact orders, which only "all" items carry)."""
    facets = flt.facets()
    if not facets or sort.key in ("engagement", "last_contact"):
        return ALL
    return f"{facets[0][0]}#{facets[0][1]}"


def _next_read(missing: int, kept: int, read: int, allowance: int) -> int:
    """How many items the next read asks for: what the share kept so far says the `missing` need, with a quarter
    more for luck (all the allowance while nothing passed), at least the page's worth."""
    if kept == 0:
        return max(allowance, 1)
    return max(1, min(allowance, max(missing, -(-missing * read * 5 // (kept * 4)))))


class BrowseIndex:
    def __init__(self, dynamodb: Callable[[], object] | None = None):
        self._dynamodb = dynamodb
        self._ready = False  # once the backfill is seen finished, it stays so (per container)

    @property
    def dynamodb(self):
        from ..aws.clients import client

        return self._dynamodb() if self._dynamodb else client("dynamodb")

    # ------------------------------------------------------------ writes

    def write(self, changes: list[tuple[dict | None, dict | None]]) -> int:
        """(before, after) per person (before None: new; after None: erased): puts the items that changed,
        deletes those the person no longer has. Returns the number of writes."""
        puts: dict[tuple[str, str], dict] = {}
        deletes: dict[tuple[str, str], dict] = {}
        for before, after in changes:
            old = items_for(before) if before else {}
            new = items_for(after) if after else {}
            for pk, item in old.items():
                if pk not in new or new[pk]["sk"] != item["sk"]:
                    deletes[(pk, item["sk"]["S"])] = {"pk": item["pk"], "sk": item["sk"]}
            for pk, item in new.items():
                if old.get(pk) != item:
                    key = (pk, item["sk"]["S"])
                    puts[key] = item
                    deletes.pop(key, None)  # a person twice in `changes`: the last word counts
        requests = [{"PutRequest": {"Item": item}} for item in puts.values()]
        requests += [{"DeleteRequest": {"Key": key}} for key in deletes.values()]
        for start in range(0, len(requests), BATCH):
            self._batch(requests[start:start + BATCH])
        return len(requests)

    def _batch(self, requests: list[dict]) -> None:
        """One BatchWriteItem; what DynamoDB leaves unprocessed (throttled) is sent again, a few times."""
        pending = {BrowseModel.Meta.table_name: requests}
        for attempt in range(6):
            pending = self.dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                return
            time.sleep(0.05 * 2 ** attempt)
        raise RuntimeError(f"browse index: {sum(len(v) for v in pending.values())} writes left unprocessed")

    # ------------------------------------------------------------ reads

    def listing(self, flt: BrowseFilter, sort: Sort, limit: int, cursor: str | None, backwards: bool,
             now: datetime) -> Listing:
        """A page of people who pass `flt`, in `sort` order, after `cursor` (before it when `backwards`)."""
        if flt.pool is not None:
            names: tuple[str, ...] = ("pool_id", "candidate_id")
            read = self._pool
        elif self._scan_cursor(cursor) or not self._ready_or_step():
            start = decode_cursor(cursor, ("id",)) if cursor else None
            raw = self._scan(flt, limit, start, now)
            return Listing(raw.items, encode_cursor(raw.more), None, raw.read, indexed=False)
        else:
            names = tuple(dict.fromkeys(("pk", "sk", ORDERS[sort.key][1])))
            read = self._index
        start = _bounded(decode_cursor(cursor, names)) if cursor else None
        raw = read(flt, sort, limit, start, backwards, now)
        if not backwards:
            previous = encode_cursor(raw.keys[0]) if cursor and raw.keys else None
            return Listing(raw.items, encode_cursor(raw.more), previous, raw.read)
        return Listing(raw.items[::-1], encode_cursor(raw.keys[0]) if raw.keys else None, encode_cursor(raw.more),
                       raw.read, reached_start=raw.more is None)

    def _index(self, flt: BrowseFilter, sort: Sort, limit: int, start: dict | None, backwards: bool,
               now: datetime) -> _Raw:
        pk = partition(flt, sort)
        index, range_key = ORDERS[sort.key]
        ex = _Expression()
        condition = f"{ex.name('pk')} = {ex.value(_s(pk))}"
        key_range, in_key = _key_range(flt, sort, ex, now)
        if key_range:
            condition += f" AND {key_range}"
        # DynamoDB filters the copies the items carry; what a facet's items do not carry (lists, text, engagement,
        # last contact) is checked on the people read (below, as every page's are).
        facet = pk.split("#", 1)[0] if pk != ALL else None
        filters = _filters(flt, {name for name in (facet, in_key) if name}, ex, now, whole=pk == ALL)
        on_people = pk != ALL and bool(set(flt.params) - {facet, "status", "stage", "country", "city", "remote"})
        keys = tuple(dict.fromkeys(("pk", "sk", range_key)))
        params: dict = {"TableName": BrowseModel.Meta.table_name, "KeyConditionExpression": condition,
                        "ProjectionExpression": ", ".join(ex.name(k) for k in keys),
                        "ScanIndexForward": sort.descending == backwards}
        if filters:
            params["FilterExpression"] = " AND ".join(filters)
        params["ExpressionAttributeNames"], params["ExpressionAttributeValues"] = ex.names, ex.values
        if index:
            params["IndexName"] = index
        else:
            params["ConsistentRead"] = True  # someone just added or changed shows at once in the default order
        if start is not None:
            if start.get("pk") != _s(pk):
                raise ValidationError.field("cursor", "belongs to another list")
            params["ExclusiveStartKey"] = start

        people_read = [0]

        def people(items: list[dict]) -> list:
            found = self._people([_id(item) for item in items])
            people_read[0] += len(found)
            return [person if person is not None and flt.matches(person, now) else None
                    for person in (found.get(_id(item)) for item in items)]

        raw = self._collect("query", params, limit, people, lambda item: {k: item[k] for k in keys},
                            filtered=bool(filters) or on_people, batch=100 if on_people else None)
        return replace(raw, read=raw.read + people_read[0])

    def _people(self, ids: list[str]) -> dict[str, dict]:
        """The people an index page names, current (a page shows them; its filters are checked on them again)."""
        if not ids:
            return {}
        return {item.id: to_dict(item) for item in CandidateModel.batch_get(list(dict.fromkeys(ids)))}

    def _pool(self, flt: BrowseFilter, sort: Sort, limit: int, start: dict | None, backwards: bool,
              now: datetime) -> _Raw:
        """A pool's members who pass the other filters, from the copies they carry, in the pool's order (by
        person id, that is by when they were added to the CRM)."""
        pool = flt.pool or ""
        if start is not None and start.get("pool_id") != _s(pool):
            raise ValidationError.field("cursor", "belongs to another pool")
        params: dict = {"TableName": MembershipModel.Meta.table_name, "KeyConditionExpression": "pool_id = :pool",
                        "ExpressionAttributeValues": {":pool": _s(pool)},
                        "ScanIndexForward": sort.descending == backwards}
        if start is not None:
            params["ExclusiveStartKey"] = start
        checks = replace(flt, pool=None, params={k: v for k, v in flt.params.items() if k != "pool"})

        def members(items: list[dict]) -> list:
            found = (to_dict(MembershipModel.from_raw_data(raw)) for raw in items)
            return [member if checks.matches(member, now) else None for member in found]

        return self._collect("query", params, limit, members,
                             lambda raw: {"pool_id": _s(pool), "candidate_id": raw["candidate_id"]},
                             filtered=not checks.empty)

    def _scan(self, flt: BrowseFilter, limit: int, start: dict | None, now: datetime) -> _Raw:
        """While the backfill runs: people who pass the filters in the table's own order, from a scan bounded
        like a page of the index."""
        params: dict = {"TableName": CandidateModel.Meta.table_name}
        if start is not None:
            params["ExclusiveStartKey"] = start

        def people(items: list[dict]) -> list:
            found = (to_dict(CandidateModel.from_raw_data(raw)) for raw in items)
            return [person if flt.matches(person, now) else None for person in found]

        return self._collect("scan", params, limit, people, lambda raw: {"id": raw["id"]}, filtered=not flt.empty)

    def _collect(self, operation: str, params: dict, limit: int, check: Callable[[list[dict]], list], key_of,
                 *, filtered: bool, batch: int | None = None) -> _Raw:
        """Reads until `limit` items pass `check`, the items run out, or READ_FACTOR x limit were read.
        Unfiltered: one read of limit + 1 (the extra one says whether there is more). Filtered: twice the page
        first, then as many as the share that passed says the rest needs (_next_read). `check` is given the items
        read `batch` at a time (by default what the page still lacks) and answers what to show for each (None: not
        shown)."""
        budget = READ_FACTOR * limit
        size = 2 * limit if filtered else limit + 1
        kept: list = []
        keys: list = []
        read = 0
        call = getattr(self.dynamodb, operation)
        while True:
            answer = call(**params, Limit=size)
            read += int(answer.get("ScannedCount", 0))
            items = answer.get("Items", [])
            last = answer.get("LastEvaluatedKey")
            position = 0
            while position < len(items):
                chunk = items[position:position + (batch or limit - len(kept))]
                shown = check(chunk)
                for offset, (raw, item) in enumerate(zip(chunk, shown)):
                    if item is None:
                        continue
                    kept.append(item)
                    keys.append(key_of(raw))
                    if len(kept) == limit:
                        end = position + offset == len(items) - 1
                        return _Raw(kept, keys, last if end else key_of(raw), read)
                position += len(chunk)
            if not last or read >= budget:
                return _Raw(kept, keys, last, read)
            params = dict(params, ExclusiveStartKey=last)
            size = _next_read(limit - len(kept), len(kept), read, budget - read)

    # ------------------------------------------------------------ backfill

    @staticmethod
    def _scan_cursor(cursor: str | None) -> bool:
        """A cursor the scan gave out (the backfill finished meanwhile): the same list goes on."""
        if not cursor:
            return False
        try:
            decode_cursor(cursor, ("id",))
        except ValidationError:
            return False
        return True

    def _ready_or_step(self) -> bool:
        """Ready, or one step of the backfill (lazily: a page per list read until done)."""
        return self.ready() or self.backfill_step()

    def ready(self) -> bool:
        """Whether everyone stored before the index existed has been added to it."""
        if not self._ready:
            self._ready = bool(self._state().get("ready"))
        return self._ready

    def backfill_step(self, people: int = BACKFILL_PAGE) -> bool:
        """Adds the next `people` of the candidates table to the index (idempotent: items are a function of the
        person); True once the whole table is done. Safe to run from several places at once."""
        state = self._state()
        if state.get("ready"):
            self._ready = True
            return True
        params: dict = {"TableName": CandidateModel.Meta.table_name, "Limit": people, "ConsistentRead": True}
        if state.get("cursor"):
            params["ExclusiveStartKey"] = decode_cursor(state["cursor"], ("id",))
        answer = self.dynamodb.scan(**params)
        self.write([(None, to_dict(CandidateModel.from_raw_data(raw))) for raw in answer.get("Items", [])])
        last = answer.get("LastEvaluatedKey")
        self._save_state({"cursor": encode_cursor(last)} if last else {"ready": True})
        self._ready = not last
        return self._ready

    def mark_ready(self) -> None:
        """Says the index holds everyone (a stage whose people were all written with their items)."""
        self._save_state({"ready": True})
        self._ready = True

    def _state(self) -> dict:
        from pynamodb.exceptions import DoesNotExist

        try:
            return dict(to_dict(KeyModel.get(BACKFILL_KEY, consistent_read=True)).get("data") or {})
        except DoesNotExist:
            return {}

    def _save_state(self, data: dict) -> None:
        from ..domain.clock import iso

        KeyModel(BACKFILL_KEY, data=data, created_at=iso()).save()
