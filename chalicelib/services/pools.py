"""Talent pools: static lists and rule-based segments, kept current as people change.

Every change to a person goes through `MembershipSync.apply`, which re-evaluates the dynamic pools
and writes only what changed. A rules change rebuilds the pool in the background: one jobs-queue
message per page of the candidates table, each carrying the pool's generation so that a newer rules
change stops an older rebuild.
"""
from __future__ import annotations

import builtins
import time
from collections import Counter

from ..domain.clock import iso, new_id
from ..domain.errors import Conflict, NotFound, ValidationError
from ..domain.pools import (
    BUILTIN_POOLS,
    member_ids,
    member_view,
    plan_change,
    pool_problem,
    pool_view,
    preview_rules,
    sample_view,
    validate_pool,
)
from ..domain.rules import parse_rules
from ..domain.vocabulary import PoolStatus
from ..observability import count, logger
from .ports import MembershipStore, PoolStore

REBUILD_PAGE = 500
# A live count (the rule builder asks on every change) reads one bounded page of people, never the table: at
# 100,000 people reading them all takes seconds (minutes in the local emulator), and even 1,000 people cost ~0.4 s
# of reading in the app. That page serves the count for PREVIEW_FOR seconds; saving the pool counts everyone.
PREVIEW_READ = 250
PREVIEW_FOR = 30.0
PREVIEW_SAMPLE = 5


class MembershipSync:
    def __init__(self, pools: PoolStore, memberships: MembershipStore):
        self.pools = pools
        self.memberships = memberships

    def _dynamic(self) -> tuple[dict, dict, dict]:
        """(predicates by pool id, problems of the pools left out, the dynamic pools by id).

        A pool whose rules no longer parse or bind (saved before a bound existed, or written around
        the API) is left out and reported, never raised: it must not break the write of a person.
        """
        pools = {p["id"]: p for p in self.pools.all() if p.get("kind") == "dynamic"}
        predicates, problems = {}, {}
        for pool_id, pool in pools.items():
            if pool.get("rules") is None:
                continue  # nothing to evaluate (pool_problem reports it)
            try:
                predicates[pool_id] = parse_rules(pool["rules"]).bind()
            except Exception as exc:  # noqa: BLE001 - ValidationError, or a bound overflowing at bind
                problems[pool_id] = str(exc)
        return predicates, problems, pools

    def apply(self, changes: list[tuple[dict | None, dict | None]]) -> dict:
        """(before, after) per person; before None: new, after None: erased.

        Never fails because of one pool: a pool that cannot be evaluated keeps its members as they
        are, the other pools are kept current, and the bad pool is logged and marked (status "error").
        """
        if not changes:
            return {"joined": 0, "left": 0, "refreshed": 0}
        predicates, broken, pools = self._dynamic()
        now = iso()
        joins, leaves, refreshes = [], [], []
        for before, after in changes:
            person = after or before
            if person is None:  # neither before nor after: no person, nothing to do
                continue
            current = {} if before is None else self.memberships.current(person["id"])
            plan = plan_change(before, after, current, {}, predicates)
            for pool_id in plan.broken:  # not evaluated again in this batch
                predicates.pop(pool_id, None)
                broken.setdefault(pool_id, f"rules raised for {person['id']}")
            leaves += [(pool_id, person["id"]) for pool_id in plan.leave]
            if after is not None:  # an erased person only leaves
                joins += [(pool_id, after, now) for pool_id in plan.join]
                refreshes += [(pool_id, after, joined) for pool_id, joined in plan.refresh.items()]
        joined = self.memberships.join(joins) if joins else Counter()
        left = self.memberships.leave(leaves) if leaves else Counter()
        if refreshes:
            self.memberships.refresh(refreshes)
        deltas = Counter(joined)
        deltas.subtract(left)
        for pool_id, delta in deltas.items():
            try:
                self.pools.add_sizes({pool_id: delta})
            except Exception as exc:  # noqa: BLE001 - a pool item that cannot take the count: reported
                broken.setdefault(pool_id, f"size not updated: {exc}")
        self._report(broken, pools)
        return {"joined": sum(joined.values()), "left": sum(left.values()), "refreshed": len(refreshes),
                **({"broken_pools": sorted(broken)} if broken else {})}

    def pools_of(self, candidate_id: str) -> dict[str, str]:
        """The pools the person is in: pool id -> joined_at."""
        return self.memberships.current(candidate_id)

    def _report(self, broken: dict, pools: dict) -> None:
        """Logs and marks each broken pool once (a marked pool is not written again on every change)."""
        for pool_id, problem in broken.items():
            count("PoolSkipped")
            if (pools.get(pool_id) or {}).get("status") == PoolStatus.ERROR:
                continue
            logger().error("pool left out of membership upkeep", extra={"pool_id": pool_id, "error": problem})
            try:
                self.pools.mark_error(pool_id)
            except Exception:  # noqa: BLE001 - reporting must not fail the write either
                logger().exception("pool could not be marked", extra={"pool_id": pool_id})


class PoolService:
    def __init__(self, settings, pools: PoolStore, memberships: MembershipStore, candidates, keys, jobs_queue):
        self.settings = settings
        self.pools = pools
        self.memberships = memberships
        self.candidates = candidates
        self.keys = keys
        self.jobs_queue = jobs_queue

    # ------------------------------------------------------------ pools

    def create(self, body: object, *, builtin: str | None = None) -> dict:
        given = validate_pool(body)
        now = iso()
        dynamic = given.kind == "dynamic"
        pool_id = new_id("pool")
        pool = {"id": pool_id, "name": given.name, "kind": given.kind, "description": given.description,
                "rules": given.rules, "status": PoolStatus.REBUILDING if dynamic else PoolStatus.READY, "size": 0,
                "generation": 1, "builtin": builtin, "created_at": now, "updated_at": now}
        self.pools.create(pool)
        if dynamic:
            self._enqueue_rebuild(pool_id, 1)
        logger().info("pool created", extra={"pool_id": pool_id, "kind": given.kind})
        return pool_view(pool)

    def get(self, pool_id: str) -> dict:
        pool = self.pools.get(pool_id) if isinstance(pool_id, str) and 0 < len(pool_id) <= 100 else None
        if pool is None:
            raise NotFound(f"no pool {pool_id}")
        return pool_view(pool)

    def list(self, limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
        self.ensure_builtin()
        pools = self.pools.all()
        if cursor:
            ids = [p["id"] for p in pools]
            if cursor not in ids:
                raise ValidationError.field("cursor", "not a cursor this list gave out")
            pools = pools[ids.index(cursor) + 1:]
        page = pools[:limit]
        return [pool_view(p) for p in page], page[-1]["id"] if len(pools) > limit else None

    def patch(self, pool_id: str, body: object) -> dict:
        pool = self.get(pool_id)
        given = validate_pool(body, existing_kind=pool["kind"])
        now = iso()
        values = {}
        if "name" in given.present:
            values["name"] = given.name
        if "description" in given.present:
            values["description"] = given.description
        if given.rule is not None:
            generation = self.pools.start_rebuild(pool_id, now, rules=given.rules, **values)
            self._enqueue_rebuild(pool_id, generation)
        elif values:
            self.pools.update(pool_id, updated_at=now, **values)
        return self.get(pool_id)

    def delete(self, pool_id: str) -> dict:
        self.get(pool_id)
        self.pools.delete(pool_id)
        self.jobs_queue.send({"type": "pool_delete", "pool_id": pool_id})
        logger().info("pool deleted", extra={"pool_id": pool_id})
        return {"deleted": True, "id": pool_id}

    def preview(self, body: object) -> dict:
        """Who `{"rules"}` would hold, answered in bounded time: the rules run over the first PREVIEW_READ people
        the table gives (a big table's sample is kept a while). `exact`: that was everybody, and `count` is the
        pool's size; else `count` is how many of those `read` match (at least that many in all), and the pool's
        rebuild, once saved, counts everyone."""
        matches = preview_rules(body).bind()
        people, everyone = self._people_read()
        matched = [person for person in people if _matches(matches, person)]
        answer = {"count": len(matched), "exact": everyone, "read": len(people),
                  "sample": [sample_view(person) for person in matched[:PREVIEW_SAMPLE]]}
        if not everyone and people:  # a sample: what it says of everyone, roughly
            total = max(self.candidates.approximate_count(), len(people))
            answer.update(estimate=round(len(matched) * total / len(people)), of_about=total)
        return answer

    def _people_read(self) -> tuple[builtins.list[dict], bool]:
        """The first PREVIEW_READ people the table gives, and whether that is everyone. A sample of a big table is
        kept PREVIEW_FOR seconds (a recruiter's every pause in typing asks for a count); a small table, everyone,
        is read each time (cheap, and a person just added counts at once)."""
        now = time.monotonic()
        read: tuple[float, builtins.list[dict], bool] | None = getattr(self, "_preview_people", None)
        if read is None or read[2] or now - read[0] > PREVIEW_FOR:
            people, more = self.candidates.scan(limit=PREVIEW_READ, cursor=None)
            read = self._preview_people = (now, people, more is None)
        return read[1], read[2]

    def ensure_builtin(self) -> builtins.list[str]:  # builtins.: the method `list` above shadows it
        """Creates the built-in views once per stage (a recruiter may delete them for good)."""
        created = []
        for key, definition in BUILTIN_POOLS.items():
            if self.keys.put_new(f"builtin#{key}", created_at=iso()):
                pool = self.create({"kind": "dynamic", **definition}, builtin=key)
                created.append(pool["id"])
        return created

    # ------------------------------------------------------------ members

    def members(self, pool_id: str, limit: int, cursor: str | None, search=None) -> tuple[builtins.list[dict], str | None]:
        self.get(pool_id)
        items, next_cursor = self.memberships.page(pool_id, limit=limit, cursor=cursor, search=search)
        return [member_view(item) for item in items], next_cursor

    def add_members(self, pool_id: str, body: object) -> dict:
        pool = self.get(pool_id)
        if pool["kind"] != "static":
            raise Conflict("members of a dynamic pool follow its rules; change the rules instead",
                           {"pool": "dynamic"}, code="not_static")
        ids = member_ids(body)
        people = self.candidates.batch_get(ids)
        missing = [i for i in dict.fromkeys(ids) if i not in people]
        joined = self.memberships.join([(pool_id, person, iso()) for person in people.values()])
        self.pools.add_sizes(dict(joined))
        added = joined.get(pool_id, 0)
        return {"added": added, "already_members": len(people) - added, "not_found": missing}

    def remove_member(self, pool_id: str, candidate_id: str) -> dict:
        pool = self.get(pool_id)
        if pool["kind"] != "static":
            raise Conflict("members of a dynamic pool follow its rules; change the rules instead",
                           {"pool": "dynamic"}, code="not_static")
        left = self.memberships.leave([(pool_id, candidate_id)])
        if not left:
            raise NotFound(f"{candidate_id} is not a member of {pool_id}")
        self.pools.add_sizes({pool_id: -1})
        return {"removed": True, "pool_id": pool_id, "candidate_id": candidate_id}

    def of_person(self, candidate_id: str) -> tuple[builtins.list[dict], builtins.list[dict]]:
        """(the pools the person is in, each with its joined_at; the static pools they are not in), by name.
        One query of the person's memberships and one read of the pools (a pool deleted meanwhile is left out)."""
        joined = self.memberships.current(candidate_id)
        pools = sorted(self.pools.all(), key=lambda pool: (str(pool.get("name") or "").casefold(), pool["id"]))
        member = [dict(pool_view(pool), joined_at=joined[pool["id"]]) for pool in pools if pool["id"] in joined]
        others = [pool_view(pool) for pool in pools if pool["id"] not in joined and pool.get("kind") == "static"]
        return member, others

    # ------------------------------------------------------------ background work

    def _enqueue_rebuild(self, pool_id: str, generation: int, cursor: str | None = None) -> None:
        self.jobs_queue.send({"type": "pool_rebuild", "pool_id": pool_id, "generation": generation,
                              "cursor": cursor})

    def rebuild_step(self, message: dict) -> str:
        """One page of a rebuild; enqueues the next page. Safe to run twice (conditional writes)."""
        pool_id, generation = message.get("pool_id"), message.get("generation")
        if not isinstance(pool_id, str) or not pool_id:
            return "skipped:superseded"
        pool = self.pools.get(pool_id)
        if pool is None or pool["generation"] != generation or pool["kind"] != "dynamic":
            return "skipped:superseded"
        problem = pool_problem(pool)
        if problem is not None:  # retrying cannot help: marked for a recruiter to fix the rules
            logger().error("pool not rebuilt: its rules cannot be evaluated",
                           extra={"pool_id": pool_id, "error": problem})
            self.pools.mark_error(pool_id)
            return "skipped:bad_rules"
        matches = parse_rules(pool["rules"]).bind()
        people, cursor = self.candidates.scan(limit=REBUILD_PAGE, cursor=message.get("cursor"))
        existing = self.memberships.existing(pool_id, [p["id"] for p in people])
        now = iso()
        join = [(pool_id, p, now) for p in people if p["id"] not in existing and matches(p)]
        leave = [(pool_id, p["id"]) for p in people if p["id"] in existing and not matches(p)]
        joined = self.memberships.join(join) if join else Counter()
        left = self.memberships.leave(leave) if leave else Counter()
        self.pools.add_sizes({pool_id: joined.get(pool_id, 0) - left.get(pool_id, 0)})
        if cursor:
            self._enqueue_rebuild(pool_id, generation, cursor)
            return "continued"
        self.pools.finish_rebuild(pool_id, generation, iso())
        count("PoolRebuilt")
        return "finished"

    def delete_step(self, message: dict) -> str:
        pool_id = message.get("pool_id")
        if not pool_id or self.pools.get(pool_id) is not None:
            return "skipped:pool_exists"
        if self.memberships.delete_some(pool_id):
            self.jobs_queue.send({"type": "pool_delete", "pool_id": pool_id})
            return "continued"
        return "finished"

    def refresh_time_based(self) -> builtins.list[str]:
        """Daily: pools whose rules depend on time passing are rebuilt (same generation), and so are
        pools marked "error" whose rules work again (the rebuild makes them ready)."""
        refreshed = []
        for pool in self.pools.all():
            if pool["kind"] != "dynamic" or pool["status"] not in (PoolStatus.READY, PoolStatus.ERROR) or not pool.get("rules"):
                continue
            if pool_problem(pool) is not None:
                if pool["status"] != PoolStatus.ERROR:
                    self.pools.mark_error(pool["id"])
                continue
            if pool["status"] == PoolStatus.ERROR or parse_rules(pool["rules"]).time_based:
                self._enqueue_rebuild(pool["id"], pool["generation"])
                refreshed.append(pool["id"])
        return refreshed


def _matches(predicate, person: dict) -> bool:
    try:
        return bool(predicate(person))
    except Exception:  # noqa: BLE001 - compiled rules never raise; a preview must not fail if one did
        return False
