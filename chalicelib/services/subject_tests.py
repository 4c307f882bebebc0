"""A step's subject test as it runs: when it began and, once its wait is over, its winner (domain/subject_tests.py).

Both are kept in the key store, written once (put_new): the first claim of a test recipient starts the test; the
first worker to find the wait over picks the winner from the campaign's counters (sent, clicked and replied per
variant) and every other worker reads that same winner. Read once per step per invocation.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from ..domain.clock import iso, parse_iso
from ..domain.durations import parse_duration
from ..domain.analytics import funnel
from ..domain.subject_tests import pick_winner

KEPT_FOR = timedelta(days=400)  # a campaign's test is read back for its analytics


class SubjectTests:
    def __init__(self, keys, stats):
        self.keys = keys
        self.stats = stats
        self._winners: dict[tuple[str, int], int | None] = {}
        self._started: dict[tuple[str, int], str | None] = {}

    def forget(self) -> None:
        """A new invocation reads the tests again."""
        self._winners, self._started = {}, {}

    def started_at(self, campaign: dict, step: int) -> str | None:
        key = (campaign["id"], step)
        if key not in self._started:  # read once per invocation, "not started" too (start() forgets it)
            kept = self.keys.get(f"subjecttest#{campaign['id']}#{step}")
            self._started[key] = ((kept or {}).get("data") or {}).get("started_at")
        return self._started[key]

    def start(self, campaign: dict, step: int, now: datetime) -> None:
        """The test's first send: its wait counts from now (later calls change nothing)."""
        if self.started_at(campaign, step) is None:
            self.keys.put_new(f"subjecttest#{campaign['id']}#{step}", data={"started_at": iso(now)},
                              created_at=iso(now), expires_at=now + KEPT_FOR)
            self._started.pop((campaign["id"], step), None)

    def ends_at(self, campaign: dict, step: int, now: datetime) -> datetime:
        """When the test's wait is over (a test not started yet: counted from now)."""
        rule = campaign["steps"][step]["winner"]
        began = self.started_at(campaign, step)
        return parse_duration(rule["after"]).after(parse_iso(began) if began else now)

    def winner(self, campaign: dict, step: int, now: datetime) -> int | None:
        """The winning variant, or None while the test runs (or the step has no winner rule)."""
        definition = campaign["steps"][step]
        if not definition.get("winner") or not definition.get("subjects"):
            return None
        key = (campaign["id"], step)
        if key not in self._winners:  # once per invocation, "no winner yet" too: never a read per recipient
            self._winners[key] = self._decided(campaign, step, now)
        return self._winners[key]

    def _decided(self, campaign: dict, step: int, now: datetime) -> int | None:
        name = f"subjectwinner#{campaign['id']}#{step}"
        kept = ((self.keys.get(name) or {}).get("data") or {}).get("variant")
        if isinstance(kept, int):
            return kept
        if self.started_at(campaign, step) is None or now < self.ends_at(campaign, step, now):
            return None
        definition = campaign["steps"][step]
        totals = self.stats.totals(f"campaign#{campaign['id']}")
        results = [funnel(totals, f"_s{step}_v{v}") for v in range(len(definition["subjects"]))]
        chosen = pick_winner(results, definition["winner"]["metric"])
        self.keys.put_new(name, data={"variant": chosen, "decided_at": iso(now),
                                      "sent": [r["sent"] for r in results]},
                          created_at=iso(now), expires_at=now + KEPT_FOR)
        kept = ((self.keys.get(name) or {}).get("data") or {}).get("variant")  # another worker's, if it won
        return kept if isinstance(kept, int) else chosen
