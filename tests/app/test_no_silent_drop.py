"""Class 5 of the hostile-input review: a person who changes between the worker's read and its
claim is read and decided again, never dropped. Every recipient ends sent, skipped with a reason,
or deferred (and then sent), and the counts add up to the audience."""
import json

import pytest

from tests.app.campaign_helpers import scheduled_broadcast
from tests.app.helpers import body, outbox, tick


@pytest.fixture(autouse=True)
def prompt_queues(monkeypatch):
    from datetime import timedelta

    from chalicelib.services import scheduler
    from chalicelib.services.sending import recorder

    monkeypatch.setattr(scheduler, "RECHECK", timedelta(0))
    monkeypatch.setattr(recorder, "RETRY_QUEUE_DELAY", 0)  # a deferred person comes back at once


def _change_after_read(monkeypatch, changes: dict):
    """Applies `changes` (candidate id -> change of the stored person) right after the sender read them."""
    from chalicelib import wiring

    sender = wiring.campaign_sender()
    original = sender._read_chunk

    def read_then_change(campaign, step, ids):
        read = original(campaign, step, ids)
        for candidate_id, change in list(changes.items()):
            if candidate_id in ids:
                wiring.candidate_repo().update(candidate_id, change)
                del changes[candidate_id]
        return read

    monkeypatch.setattr(sender, "_read_chunk", read_then_change)


def _keep_changing(monkeypatch, candidate_id: str, times: int):
    """The person changes just before each of the next `times` claims that include them."""
    from chalicelib import wiring

    sends = wiring.campaign_sends()
    original = sends.claim
    left = [times]

    def claim(entries):
        if left[0] and any(e["candidate_id"] == candidate_id for e in entries):
            left[0] -= 1
            wiring.candidate_repo().update(candidate_id, lambda c: dict(c, city=f"City {left[0]}"))
        return original(entries)

    monkeypatch.setattr(sends, "claim", claim)
    return left


def _emails_to(address: str) -> list[dict]:
    return [item for item in outbox() if address in item["to"]]


def test_people_changed_between_read_and_claim_are_decided_again(client, auth, monkeypatch):
    from chalicelib import wiring
    from chalicelib.domain.tracking import send_key
    from chalicelib.services.sending.claims import RECLAIMS

    people, made = scheduled_broadcast(client, auth, ["edited@example.com", "left@example.com",
                                                      "calm@example.com", "restless@example.com",
                                                      "erased@example.com"])
    edited, left, calm, restless, erased = people
    _change_after_read(monkeypatch, {
        edited["id"]: lambda c: dict(c, city="Lisbon"),                    # still eligible: sent
        left["id"]: lambda c: dict(c, status="unsubscribed"),              # no longer eligible: skipped
    })
    rounds = _keep_changing(monkeypatch, restless["id"], RECLAIMS + 1)  # outlasts the re-reads: deferred
    original_read = wiring.campaign_sender()._read_chunk

    def read_then_erase(campaign, step, ids):
        read = original_read(campaign, step, ids)
        if erased["id"] in ids and wiring.candidate_repo().get(erased["id"]):
            wiring.privacy().erase(erased["id"])
        return read

    monkeypatch.setattr(wiring.campaign_sender(), "_read_chunk", read_then_erase)
    tick()

    assert rounds[0] == 0
    assert len(_emails_to("edited@example.com")) == 1
    assert len(_emails_to("calm@example.com")) == 1
    assert len(_emails_to("restless@example.com")) == 1  # deferred, back through the queue, then sent
    assert _emails_to("left@example.com") == [] and _emails_to("erased@example.com") == []

    sends = wiring.campaign_sends().get_many([send_key(made["id"], 0, p["id"]) for p in people])
    by_person = {s["candidate_id"]: s for s in sends.values()}
    assert by_person[left["id"]]["status"] == "skipped" and by_person[left["id"]]["reason"] == "unsubscribed"
    assert {by_person[p["id"]]["status"] for p in (edited, calm, restless)} == {"sent"}

    assert erased["id"] not in by_person  # skipped, counted, and no trace of the erased person kept

    stats = body(client.http.get(f"/analytics/campaigns/{made['id']}", headers=auth))
    assert stats["sent"] == 3 and stats["audience"] == 5
    tick()  # the scheduler sees every recipient processed
    campaign = body(client.http.get(f"/campaigns/{made['id']}", headers=auth))
    assert campaign["progress"]["processed"] == campaign["progress"]["enqueued"] == 5
    assert campaign["status"] == "sent"


def test_a_redelivered_message_sends_nothing_twice_and_drops_nobody(client, auth, monkeypatch):
    """Claims lost to an earlier delivery are not mistaken for changes: no second email."""
    from chalicelib import wiring

    people, made = scheduled_broadcast(client, auth, [f"p{i}@example.com" for i in range(4)])
    tick()
    assert len(outbox()) == 4
    message = {"type": "campaign", "campaign_id": made["id"], "step": 0, "recipients": [p["id"] for p in people]}
    assert wiring.campaign_sender().handle(message).startswith("done")
    tick()
    assert len(outbox()) == 4
    assert json.loads(client.http.get(f"/analytics/campaigns/{made['id']}", headers=auth).body)["sent"] == 4
