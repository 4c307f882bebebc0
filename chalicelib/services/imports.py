"""CSV import: batched reads and writes, so 10,000 rows take seconds, not minutes.

Each chunk of 100 addresses costs about: one BatchGet of email claims, one of tombstones, one of
existing people, then transactions of 50 new people (claim + person) or 100 updates, and batch
writes of timeline entries. Unchanged rows cost no write, so re-running a file changes nothing.

Chunks hold distinct addresses and run on a few threads: a chunk spends most of its time waiting
on DynamoDB, so while one waits another prepares its writes (a file's duplicate addresses were
merged before chunking, and a race with a sign-up is settled per address by the email claim).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TypedDict

from ..domain.candidates import changed_fields, merge_update
from ..domain.clock import iso, new_id
from ..domain.csvio import parse_csv
from ..domain.errors import EmailTaken, VersionConflict
from ..domain.suppression import keep_opt_outs
from ..domain.vocabulary import CandidateStatus
from ..observability import count, logger

CHUNK = 100
THREADS = 4  # chunks in flight at once


class RowError(TypedDict):
    row: int
    error: str


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


class ImportService:
    def __init__(self, settings, candidates, tombstones, timeline, memberships):
        self.settings = settings
        self.memberships = memberships
        self.candidates = candidates
        self.tombstones = tombstones
        self.timeline = timeline

    def run(self, data: bytes | str, *, source: str = "csv_import") -> ImportReport:
        parsed = parse_csv(data)
        result: ImportReport = {"created": 0, "updated": 0, "unchanged": 0, "errors": [], "rows": len(parsed.rows),
                  "duplicate_rows": [], "ignored_columns": parsed.ignored_columns}
        by_email: dict[str, tuple[int, dict]] = {}
        for row in parsed.rows:
            if row.error or row.email is None:  # parse_csv gives each row either an error or an email
                result["errors"].append({"row": row.row, "error": row.error or "email: missing"})
            elif row.email in by_email:  # the same person twice in one file: later cells win
                first_row, profile = by_email[row.email]
                by_email[row.email] = (first_row, merge_update(profile, row.profile))
                result["duplicate_rows"].append(row.row)
            else:
                by_email[row.email] = (row.row, row.profile)
        emails = list(by_email)
        chunks = [{e: by_email[e] for e in emails[start:start + CHUNK]} for start in range(0, len(emails), CHUNK)]
        parts = [self._chunk(chunks[0], source)] if chunks else []  # alone: it builds the SDK clients
        if len(chunks) > 1:  # the others share (threads starting together would each build one)
            with ThreadPoolExecutor(max_workers=min(THREADS, len(chunks) - 1), thread_name_prefix="import") as pool:
                parts += pool.map(lambda chunk: self._chunk(chunk, source), chunks[1:])
        for part in parts:
            result["created"] += part["created"]
            result["updated"] += part["updated"]
            result["unchanged"] += part["unchanged"]
            result["errors"] += part["errors"]
        result["errors"].sort(key=lambda e: e["row"])
        logger().info("CSV import finished", extra={"import": {
            "rows": result["rows"], "created": result["created"], "updated": result["updated"],
            "unchanged": result["unchanged"], "errors": len(result["errors"])}})
        count("CandidatesImported", result["created"] + result["updated"])
        return result

    def _chunk(self, rows: dict[str, tuple[int, dict]], source: str) -> Counts:
        """Imports one chunk of distinct addresses; returns its counts and row errors."""
        result: Counts = {"created": 0, "updated": 0, "unchanged": 0, "errors": []}
        now = iso()
        ids = self.candidates.ids_for_emails(rows)
        erased = self.tombstones.erased_among([e for e in rows if e not in ids])
        existing = self.candidates.batch_get(ids.values())
        new, updates, history, befores = [], [], [], {}
        for email, (row, profile) in rows.items():
            current = existing.get(ids.get(email, ""))
            if current is not None:
                merged = _merge_existing(current, profile)
                fields = changed_fields(current, merged)
                if not fields:
                    result["unchanged"] += 1
                    continue
                merged["updated_at"] = now
                updates.append((row, merged))
                befores[current["id"]] = current
                history.append((current["id"], "updated", {"fields": fields, "by": source}, now))
            elif email in erased:
                result["errors"].append({"row": row, "error": "email: erased at the person's request; not re-added"})
            else:
                candidate = {"id": new_id("cand"), "email": email, "status": CandidateStatus.NOT_SUBSCRIBED,
                             "source": source, "created_at": now, "updated_at": now, "version": 1,
                             **{k: v for k, v in profile.items() if v not in (None, [])}}
                new.append((row, candidate))  # no timeline entry: created_at and source say it

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


def _merge_existing(current: dict, profile: dict) -> dict:
    incoming = dict(profile)
    if incoming.get("status") == CandidateStatus.NOT_SUBSCRIBED:
        del incoming["status"]  # a file never withdraws consent the person gave us; "unsubscribed" does
    incoming.pop("source", None)  # where we first met the person stays true (source of hire)
    return keep_opt_outs(current, merge_update(current, incoming))
