"""Fault-injection suite: the send path's invariants under SES, DynamoDB and SQS faults, crashes and timeouts.

Each scenario prints its row (pytest -s); the run's rows and their totals go to build/faults.json, which
docs/benchmarks.md cites.
"""
import json
from pathlib import Path

import pytest

from tests.fault.harness import Queue, fan_out, wrap_ports
from tests.fault.injector import FaultInjector

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "build" / "faults.json"
CHUNK = 3  # recipients per chunk here (50 in production): a few people span several chunks and messages
PER_MESSAGE = 6  # recipients per queue message here (100 in production)
COLUMNS = ("duplicated", "sent_to_ineligible", "unreported", "unknown", "unknown_emailed", "reached", "reported",
           "dead_letters", "crashes", "invocations", "analytics_sent")

_rows: dict[str, dict] = {}


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    """Chunks and messages of a few people, retries and deferrals back at once, the scheduler's recheck at once."""
    from datetime import timedelta

    from chalicelib.services import scheduler
    from chalicelib.services.sending import pipeline, recorder

    monkeypatch.setattr(pipeline, "CHUNK", CHUNK)
    monkeypatch.setattr(scheduler, "RECIPIENTS_PER_MESSAGE", PER_MESSAGE)
    monkeypatch.setattr(scheduler, "RECHECK", timedelta(0))
    monkeypatch.setattr(recorder, "RETRY_QUEUE_DELAY", 0)


@pytest.fixture
def audience(client, auth):
    """A scheduled broadcast, fanned out onto the send queue: 12 eligible people, 3 ineligible (unsubscribed,
    never confirmed, bounced) who share the audience's pool."""
    from chalicelib import wiring
    from tests.app.campaign_helpers import campaign, pool, subscriber, template
    from tests.app.helpers import tick

    tmpl = template(client, auth)
    everyone = pool(client, auth)
    tick()
    eligible = [subscriber(f"p{i:02d}@example.com", skills=["go"], first_name=f"P{i}")["id"] for i in range(12)]
    ineligible = []
    for email, status in (("gone@example.com", "unsubscribed"), ("bounced@example.com", "bounced")):
        person = subscriber(email, skills=["go"])
        before, after = wiring.candidate_repo().update(person["id"], lambda c, s=status: dict(c, status=s))
        wiring.membership_sync().apply([(before, after)])
        ineligible.append(person["id"])
    pending, _ = wiring.candidates().upsert({"email": "pending@example.com", "skills": ["go"]})
    ineligible.append(pending["id"])
    made = campaign(client, auth, [everyone["id"]], [{"template_id": tmpl["id"]}])
    response = client.http.post(f"/campaigns/{made['id']}/schedule", headers=auth, body=b"")
    assert response.status_code == 200, response.body
    fan_out()
    return {"campaign": made, "eligible": eligible, "ineligible": ineligible, "client": client, "auth": auth}


@pytest.fixture
def faults(client, monkeypatch):
    injector = FaultInjector()
    wrap_ports(monkeypatch, injector)
    return injector


@pytest.fixture
def queue(audience, faults):
    """The send queue's Lambda, once the campaign is fanned out: calls count from here."""
    faults.calls.clear()
    faults.trace.clear()
    return Queue(faults)


def record(row) -> None:
    """A scenario's row: printed, kept for build/faults.json."""
    data = row.row()
    data["detail"] = {k: v for k, v in data["detail"].items() if k != "unknown_ids"}
    _rows[row.scenario] = data
    print("\n" + " ".join(f"{name}={data[name]}" for name in COLUMNS) + f" {data['detail']} [{row.scenario}]")


def pytest_sessionfinish(session):
    if not _rows:
        return
    RESULTS.parent.mkdir(exist_ok=True)
    scenarios = dict(_rows)  # this run's scenarios only: a figure never outlives the test that made it
    totals = {name: sum(int(s.get(name) or 0) for s in scenarios.values())
              for name in ("duplicated", "sent_to_ineligible", "unreported", "unknown", "crashes")}
    totals["scenarios"] = len(scenarios)
    totals["most_unknown_per_scenario"] = max(int(s.get("unknown") or 0) for s in scenarios.values())
    RESULTS.write_text(json.dumps({"scenarios": dict(sorted(scenarios.items())), "totals": totals,
                                   "chunk": CHUNK, "recipients_per_message": PER_MESSAGE}, indent=1) + "\n")
    width = max(len(name) for name in scenarios)
    lines = [f"{'scenario':<{width}} " + " ".join(f"{c[:10]:>10}" for c in COLUMNS)]
    lines += [f"{name:<{width}} " + " ".join(f"{s.get(c, ''):>10}" for c in COLUMNS) for name, s in
              sorted(_rows.items())]
    print("\nFault scenarios (build/faults.json):\n" + "\n".join(lines))
