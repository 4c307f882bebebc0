"""An SES event whose message id finds no send: tied to the send its message tags name (a chunk's record is
written once all its sends answered, the event may come first), only if the tags are well formed and that send
carries no other message id."""
import json
import uuid
from datetime import timedelta

import pytest

from tests.app import sns_signing, test_ses_webhook
from tests.app.campaign_helpers import campaign_to_ada
from tests.app.helpers import body

TEXT = {"Content-Type": "text/plain; charset=UTF-8"}


trusted_cert = test_ses_webhook.trusted_cert  # the one fixture trusting the test signer (autouse)


@pytest.fixture
def sent(client, auth, monkeypatch):
    from chalicelib import wiring
    from chalicelib.services import scheduler

    monkeypatch.setattr(scheduler, "RECHECK", timedelta(0))
    ada, made = campaign_to_ada(client, auth)
    [send] = wiring.send_repo().for_candidate(ada["id"])
    tags = {"campaign_id": made["id"], "step": "0", "candidate_id": ada["id"]}
    return {"ada": ada, "campaign": made, "send": send, "tags": tags}


def deliver(client, fixture: str, message_id: str, tags: dict) -> dict:
    event = sns_signing.ses_event(fixture, message_id=message_id, email="ada@example.com")
    event["mail"]["tags"] = {name: [value] for name, value in tags.items()}
    response = client.http.post("/webhooks/ses", headers=TEXT,
                                body=json.dumps(sns_signing.notification(event, str(uuid.uuid4()))))
    assert response.status_code == 200, response.body
    return body(response)


def send_now(key: str) -> dict:
    from chalicelib.store.sends import TrackingSends

    return TrackingSends().get(key) or {}


def unrecorded(key: str) -> None:
    """The send as its claim left it: the worker has not written what SES answered."""
    from chalicelib.store.models import SendModel

    SendModel(key).update(actions=[SendModel.message_id.remove(), SendModel.status.set("claimed")])


def test_an_event_before_the_record_is_tied_to_the_send_its_tags_name(client, sent):
    key = sent["send"]["pk"]
    unrecorded(key)
    assert deliver(client, "event_delivery.json", "ses-not-recorded-yet", sent["tags"]) == {"status": "delivered"}
    assert send_now(key).get("delivered_at")


def test_tags_naming_a_send_of_another_message_are_not_followed(client, sent):
    key = sent["send"]["pk"]
    assert deliver(client, "event_delivery.json", "ses-some-other-email", sent["tags"]) == {"status": "unknown_send"}
    assert not send_now(key).get("delivered_at")


@pytest.mark.parametrize("bad", [{"step": "99"}, {"step": "-1"}, {"step": "0x0"}, {"step": "٠"},
                                 {"campaign_id": "camp_x#0#cand_y"}, {"candidate_id": "user_1"},
                                 {"candidate_id": None}, {"campaign_id": "camp_" + "a" * 500}])
def test_malformed_tags_find_nothing(client, sent, bad):
    key = sent["send"]["pk"]
    unrecorded(key)
    tags = {k: v for k, v in {**sent["tags"], **bad}.items() if v is not None}
    assert deliver(client, "event_delivery.json", "ses-not-recorded-yet", tags) == {"status": "unknown_send"}
    assert not send_now(key).get("delivered_at")
