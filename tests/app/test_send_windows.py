"""Send windows (issue: outreach, item 3): outside the window a send waits for its next opening in the candidate's
time, never skipped, and is counted as deferred; the campaign is sent when the last of them is."""
from datetime import datetime, timezone

import pytest

from tests.app.campaign_helpers import act, campaign, pool, subscriber, template
from tests.app.helpers import fixed_clock, body, outbox, tick

SATURDAY_NOON = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
MONDAY = {hour: datetime(2026, 11, 30, hour, 30, tzinfo=timezone.utc) for hour in range(24)}
WINDOW = {"start": "09:00", "end": "17:00", "days": ["mon", "tue", "wed", "thu", "fri"], "timezone": "candidate",
          "fallback_timezone": "Europe/London"}


@pytest.fixture
def clock(monkeypatch):
    return fixed_clock(monkeypatch, SATURDAY_NOON)


def due_now():
    """The send queue's delayed messages made visible: the time they wait for has come (the test moved the clock)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sqs.models import sqs_backends

    for queue in sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].queues.values():
        for message in queue._messages:
            message.delayed_until = 0.0


def waiting() -> list[dict]:
    """The bodies of the send queue's messages."""
    import json

    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sqs.models import sqs_backends

    queues = sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].queues
    return [json.loads(m.body) for name, queue in queues.items() if name.endswith("send") for m in queue._messages]


def recipients() -> list[str]:
    return sorted(address for item in outbox() for address in item["to"])


def test_a_window_defers_each_person_to_their_own_morning(client, auth, clock):
    from chalicelib import wiring

    tmpl = template(client, auth)
    audience = pool(client, auth)
    tick()
    people = [subscriber("berlin@example.com", skills=["go"], city="Berlin", country="DE"),
              subscriber("newyork@example.com", skills=["go"], timezone="America/New_York", country="DE"),
              subscriber("nowhere@example.com", skills=["go"])]  # no zone: the window's fallback, London
    made = campaign(client, auth, [audience["id"]], [{"template_id": tmpl["id"]}], send_window=WINDOW)
    assert made["send_window"] == WINDOW
    act(client, auth, made["id"], "schedule")
    tick()
    assert recipients() == []  # a Saturday: everyone waits, nobody is skipped
    assert wiring.campaigns().get(made["id"])["status"] == "sending"
    assert sorted(message["not_before"] for message in waiting()) == [
        "2026-11-30T08:00:00.000Z", "2026-11-30T09:00:00.000Z", "2026-11-30T14:00:00.000Z"]  # one per opening
    due_now()
    tick()  # still Saturday: the messages go round again, unsent
    assert recipients() == [] and len(waiting()) == 3
    review = wiring.campaigns().review(made["id"])
    assert review["emailable"] == 3  # waiting for the window is reachable
    report = body(client.http.get(f"/analytics/campaigns/{made['id']}", headers=auth))
    assert report["deferred"] == 3 and report["deferred_by_reason"] == {"outside_send_window": 3}

    for hour, expected in ((7, []), (8, ["berlin@example.com"]), (9, ["berlin@example.com", "nowhere@example.com"]),
                           (14, ["berlin@example.com", "newyork@example.com", "nowhere@example.com"])):
        clock["at"] = MONDAY[hour]
        due_now()
        tick()
        assert recipients() == expected, hour
    assert wiring.campaigns().get(made["id"])["status"] == "sent"
    sends = [s for person in people for s in wiring.send_repo().for_candidate(person["id"])]
    assert sorted(s["status"] for s in sends) == ["sent", "sent", "sent"]  # deferred, never skipped


def test_a_sequence_waits_for_the_window_and_counts_its_delay_from_the_send(client, auth, clock):
    from chalicelib import wiring

    tmpl = template(client, auth)
    audience = pool(client, auth)
    tick()
    person = subscriber("berlin@example.com", skills=["go"], city="Berlin", country="DE")
    made = campaign(client, auth, [audience["id"]], [{"template_id": tmpl["id"]},
                                                     {"template_id": tmpl["id"], "delay": "PT2H"}],
                    send_window=WINDOW)
    act(client, auth, made["id"], "schedule")
    tick()
    assert recipients() == []
    [enrollment] = wiring.enrollment_repo().get_many(made["id"], [person["id"]]).values()
    assert enrollment["step"] == 0 and enrollment["due_at"] == "2026-11-30T08:00:00.000Z"  # Monday 09:00 Berlin
    clock["at"] = MONDAY[8]
    tick()
    assert recipients() == ["berlin@example.com"]
    [enrollment] = wiring.enrollment_repo().get_many(made["id"], [person["id"]]).values()
    assert enrollment["step"] == 1 and enrollment["due_at"] == "2026-11-30T10:30:00.000Z"  # two hours after the send
