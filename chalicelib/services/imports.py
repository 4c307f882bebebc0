"""CSV import: batched reads and writes, so 10,000 rows take seconds, not minutes.

Each chunk of 100 addresses costs about: one BatchGet of email claims, one of tombstones, one of
existing people, then transactions of 50 new people (claim + person) or 100 updates, and batch
writes of timeline entries. Unchanged rows cost no write, so re-running a file changes nothing.

Chunks hold distinct addresses and run on a few threads: a chunk spends most of its time waiting
on DynamoDB, so while one waits another prepares its writes (a file's duplicate addresses were
merged before chunking, and a race with a sign-up is settled per address by the email claim).
"""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypedDict, TypeVar

from ..domain.candidates import changed_fields, merge_update
from ..domain.clock import iso, new_id
from ..domain.csvio import ColumnMap, ImportPlan, ParsedFile, RowError, parse_csv, plan_import
from ..domain.errors import EmailTaken, VersionConflict
from ..domain.suppression import keep_opt_outs
from ..domain.vocabulary import CandidateStatus
from ..observability import count, logger

CHUNK = 100
THREADS = 4  # chunks in flight at once
ERASED = "email: erased at the person's request; not re-added"
T = TypeVar("T")


class Counts(TypedDict):
    """What one chunk did."""
    created: int
    updated: int
    unchanged: int
    errors: list[RowError]


class ImportReport(Counts):
    """What the whole file did (the answer to POST /candidates/import)."""
    rows: int
    duplicate_rows: list[int]
    ignored_columns: list[str]


class PartReport(ImportReport):
    """One part of a file imported: the workspace imports a file part by part to show its progress. `errors` are
    this part's; `file_errors` the rows that cannot be imported as written (the same for every part)."""
    people: int  # distinct addresses in the file
    done: int  # of them, handled once this part is done
    file_errors: list[RowError]


@dataclass
class DryRun:
    """What importing the file would do, nothing written; `parsed` holds the file's columns and rows."""
    report: ImportReport
    parsed: ParsedFile


@dataclass
class _Sorted:
    """One chunk's addresses sorted by what importing them does."""
    new: list[tuple[int, dict]] = field(default_factory=list)  # (row, candidate to create)
    updates: list[tuple[int, dict]] = field(default_factory=list)  # (row, candidate merged)
    befores: dict[str, dict] = field(default_factory=dict)  # updated candidates as they were
    history: list[tuple] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


class ImportService:
    def __init__(self, settings, candidates, tombstones, timeline, memberships):
        self.settings = settings
        self.memberships = memberships
        self.candidates = candidates
        self.tombstones = tombstones
        self.timeline = timeline

    def run(self, data: bytes | str, *, source: str = "csv_import", mapping: ColumnMap | None = None) -> ImportReport:
        parsed = parse_csv(data, mapping=mapping)
        plan = plan_import(parsed)
        result = _report(parsed, plan)
        for part in self._over_chunks(list(plan.people.items()), lambda chunk: self._chunk(chunk, source)):
            _add(result, part)
        result["errors"].sort(key=lambda e: e["row"])
        self._finished(result)
        return result

    def run_part(self, data: bytes | str, *, part: int, size: int, mapping: ColumnMap | None = None,
                 source: str = "csv_import") -> PartReport:
        """Imports the `part`-th `size` addresses of the file (in file order; 0 is the first part)."""
        parsed = parse_csv(data, mapping=mapping)
        plan = plan_import(parsed)
        people = list(plan.people.items())
        done = min(len(people), (part + 1) * size)
        result: PartReport = {**_report(parsed, plan), "errors": [], "people": len(people), "done": done,
                              "file_errors": plan.errors}
        for counts in self._over_chunks(people[part * size:done], lambda chunk: self._chunk(chunk, source)):
            _add(result, counts)
        result["errors"].sort(key=lambda e: e["row"])
        self._finished(result)
        return result

    def check(self, data: bytes | str, *, mapping: ColumnMap | None = None) -> DryRun:
        """A dry run: the counts and row errors importing the file would give, read from the store, nothing
        written (a race with another import or a sign-up may still change a row's outcome)."""
        parsed = parse_csv(data, mapping=mapping)
        plan = plan_import(parsed)
        result = _report(parsed, plan)
        for part in self._over_chunks(list(plan.people.items()), self._predict):
            _add(result, part)
        result["errors"].sort(key=lambda e: e["row"])
        return DryRun(result, parsed)

    def _over_chunks(self, people: list[tuple[str, tuple[int, dict]]],
                     work: Callable[[dict[str, tuple[int, dict]]], T]) -> list[T]:
        """`work` over chunks of CHUNK addresses; the first alone (it builds the SDK clients), the others share
        them on a few threads (threads starting together would each build one)."""
        chunks = [dict(people[start:start + CHUNK]) for start in range(0, len(people), CHUNK)]
        parts = [work(chunks[0])] if chunks else []
        if len(chunks) > 1:
            with ThreadPoolExecutor(max_workers=min(THREADS, len(chunks) - 1), thread_name_prefix="import") as pool:
                parts += pool.map(work, chunks[1:])
        return parts

    @staticmethod
    def _finished(result: ImportReport) -> None:
        logger().info("CSV import finished", extra={"import": {
            "rows": result["rows"], "created": result["created"], "updated": result["updated"],
            "unchanged": result["unchanged"], "errors": len(result["errors"])}})
        count("CandidatesImported", result["created"] + result["updated"])

    def _sort(self, rows: dict[str, tuple[int, dict]], source: str, now: str) -> _Sorted:
        """What importing each address of a chunk would do, from the store as it is (reads only)."""
        done = _Sorted()
        ids = self.candidates.ids_for_emails(rows)
        erased = self.tombstones.erased_among([e for e in rows if e not in ids])
        existing = self.candidates.batch_get(ids.values())
        for email, (row, profile) in rows.items():
            current = existing.get(ids.get(email, ""))
            if current is not None:
                merged = _merge_existing(current, profile)
                fields = changed_fields(current, merged)
                if not fields:
                    done.unchanged += 1
                    continue
                merged["updated_at"] = now
                done.updates.append((row, merged))
                done.befores[current["id"]] = current
                done.history.append((current["id"], "updated", {"fields": fields, "by": source}, now))
            elif email in erased:
                done.errors.append({"row": row, "error": ERASED})
            else:
                candidate = {"id": new_id("cand"), "email": email, "status": CandidateStatus.NOT_SUBSCRIBED,
                             "source": source, "created_at": now, "updated_at": now, "version": 1,
                             **{k: v for k, v in profile.items() if v not in (None, [])}}
                done.new.append((row, candidate))  # no timeline entry: created_at and source say it
        return done

    def _predict(self, rows: dict[str, tuple[int, dict]]) -> Counts:
        done = self._sort(rows, "csv_import", iso())
        return {"created": len(done.new), "updated": len(done.updates), "unchanged": done.unchanged,
                "errors": done.errors}

    def _chunk(self, rows: dict[str, tuple[int, dict]], source: str) -> Counts:
        """Imports one chunk of distinct addresses; returns its counts and row errors."""
        now = iso()
        done = self._sort(rows, source, now)
        result: Counts = {"created": 0, "updated": 0, "unchanged": done.unchanged, "errors": done.errors}
        new, updates, history, befores = done.new, done.updates, done.history, done.befores

        lost = {c["id"] for c in self.candidates.create_many([c for _, c in new])}
        result["created"] += len(new) - len(lost)
        lost_updates = {c["id"] for c in self.candidates.save_many([c for _, c in updates])}
        result["updated"] += len(updates) - len(lost_updates)
        retry = [(row, c) for row, c in new if c["id"] in lost] + [(row, c) for row, c in updates if c["id"] in lost_updates]
        history = [h for h in history if h[0] not in lost and h[0] not in lost_updates]
        self.timeline.add_many(history)
        self.memberships.apply(
            [(None, c) for _, c in new if c["id"] not in lost]
            + [(befores[c["id"]], dict(c, version=c["version"] + 1)) for _, c in updates if c["id"] not in lost_updates])
        for row, candidate in retry:  # lost a race with a sign-up or another import: one at a time
            self._one(row, candidate, rows[candidate["email"]][1], result, source)
        return result

    def _one(self, row: int, candidate: dict, profile: dict, result: Counts, source: str) -> None:
        for _ in range(5):
            current_id = self.candidates.id_for_email(candidate["email"])
            current = self.candidates.get(current_id) if current_id else None
            if current is None:
                try:
                    fresh = dict(candidate, id=new_id("cand"))
                    self.candidates.create(fresh)
                    self.memberships.apply([(None, fresh)])
                    result["created"] += 1
                    return
                except EmailTaken:
                    continue
            merged = _merge_existing(current, profile)
            fields = changed_fields(current, merged)
            if not fields:
                result["unchanged"] += 1
                return
            try:
                saved = self.candidates.save(dict(merged, updated_at=iso()))
            except VersionConflict:
                continue
            self.memberships.apply([(current, saved)])
            self.timeline.add(current["id"], "updated", {"fields": fields, "by": source})
            result["updated"] += 1
            return
        result["errors"].append({"row": row, "error": "the candidate kept changing during the import; retry"})


def _report(parsed: ParsedFile, plan: ImportPlan) -> ImportReport:
    """A report of nothing done yet, with the file's own errors."""
    return {"created": 0, "updated": 0, "unchanged": 0, "errors": list(plan.errors), "rows": len(parsed.rows),
            "duplicate_rows": plan.duplicate_rows, "ignored_columns": parsed.ignored_columns}


def _add(result: Counts, part: Counts) -> None:
    result["created"] += part["created"]
    result["updated"] += part["updated"]
    result["unchanged"] += part["unchanged"]
    result["errors"] += part["errors"]


def _merge_existing(current: dict, profile: dict) -> dict:
    incoming = dict(profile)
    if incoming.get("status") == CandidateStatus.NOT_SUBSCRIBED:
        del incoming["status"]  # a file never withdraws consent the person gave us; "unsubscribed" does
    incoming.pop("source", None)  # where we first met the person stays true (source of hire)
    return keep_opt_outs(current, merge_update(current, incoming))
