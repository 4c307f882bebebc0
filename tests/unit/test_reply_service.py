"""services/replies.py on the in-memory fakes (tests/fakes.py) and small stand-ins for the rest: what a reply
does, in which order, and what a failure part way leaves for SNS's retry."""
import base64
from email import message_from_bytes, policy
from types import SimpleNamespace

import pytest

from chalicelib.domain.clock import new_id
from chalicelib.domain.replies import make_reply_token, reply_message_id
from chalicelib.domain.tracking import send_key
from chalicelib.services.ports import Refused
from chalicelib.services.replies import ReplyService
from tests.fakes import InMemoryCandidates, InMemoryKeys, InMemoryTimeline

SECRET = "test-secret"
DOMAIN = "reply.example.com"


class Sends:
    """TrackingSends' part the reply service uses."""

    def __init__(self, items: list[dict]):
        self.items = {item["pk"]: dict(item) for item in items}

    def get(self, key):
        return dict(self.items[key]) if key in self.items else None

    def by_message(self, message_id):
        return next((dict(i) for i in self.items.values() if i.get("message_id") == message_id), None)

    def mark_first(self, key, attribute, now, **also):
        if key not in self.items or self.items[key].get(attribute):
            return False
        self.items[key].update({attribute: now, **also})
        return True


class Stats:
    def __init__(self):
        self.counts: dict[str, int] = {}

    def add(self, key, counts):
        for name, value in counts.items():
            self.counts[name] = self.counts.get(name, 0) + value


class Mailer:
    def __init__(self):
        self.sent: list[dict] = []
        self.refusal: Refused | None = None

    def send_raw(self, *, from_email, to, raw, tags=None):
        if self.refusal:
            raise self.refusal
        self.sent.append({"from": from_email, "to": to, "raw": raw, "tags": tags})
        return "ses-fwd"


class Exits:
    def __init__(self):
        self.ended: list[tuple] = []

    def end(self, candidate_id, reason):
        self.ended.append((candidate_id, reason))
        return ["camp_other"]


@pytest.fixture
def world():
    people, campaign_id = InMemoryCandidates(), new_id("camp")
    ada = {"id": new_id("cand"), "email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace",
           "status": "subscribed", "version": 1}
    people.create(dict(ada))
    send = {"pk": send_key(campaign_id, 1, ada["id"]), "campaign_id": campaign_id, "step": 1,
            "candidate_id": ada["id"], "message_id": "ses-0001"}
    campaigns = {campaign_id: {"id": campaign_id, "name": "Go engineers"}}
    settings = SimpleNamespace(secret=SECRET, reply_domain=DOMAIN, from_email="talent@example.com",
                               company_name="Acme")
    parts = SimpleNamespace(keys=InMemoryKeys(), sends=Sends([send]), candidates=people, timeline=InMemoryTimeline(),
                            memberships=SimpleNamespace(apply=lambda changes: None), stats=Stats(), exits=Exits(),
                            campaigns=SimpleNamespace(get=campaigns.get), mailer=Mailer())
    from chalicelib.services.senders import Senders

    service = ReplyService(settings, parts.keys, parts.sends, parts.candidates, parts.timeline, parts.memberships,
                           parts.stats, parts.exits, parts.campaigns, parts.mailer, Senders(settings, None, None))
    token = make_reply_token(SECRET, campaign_id, 1, ada["id"])
    return SimpleNamespace(service=service, ada=ada, send=send, token=token, definitions=campaigns, **vars(parts))


def notice(to: str, *, headers: str = "", ses_id: str = "ses-in-1", sender: str = "ada@example.com") -> dict:
    raw = (f"From: {sender}\r\nTo: {to}\r\nSubject: Re: Go\r\n{headers}\r\n"
           "I'm in.\r\n\r\nOn Mon, Acme <talent@example.com> wrote:\r\n> Go?\r\n").encode()
    return {"notificationType": "Received", "receipt": {"recipients": [to], "action": {"encoding": "BASE64"}},
            "mail": {"messageId": ses_id}, "content": base64.b64encode(raw).decode()}


def test_a_reply_does_everything_once(world):
    assert world.service.receive(notice(f"reply+{world.token}@{DOMAIN}")) == "replied"
    assert world.sends.items[world.send["pk"]]["replied_at"]
    assert world.stats.counts == {"replied": 1, "replied_s1": 1}
    assert world.exits.ended == [(world.ada["id"], "replied")]
    [entry] = world.timeline.all(world.ada["id"])
    assert (entry["kind"], entry["data"]["text"], entry["data"]["step"]) == ("email_replied", "I'm in.", 1)
    assert world.candidates.get(world.ada["id"])["engagement_score"] == 6.0
    [forward] = world.mailer.sent
    assert forward["to"] == "talent@example.com" and forward["tags"]["kind"] == "reply_forward"
    parsed = message_from_bytes(forward["raw"], policy=policy.default)
    assert parsed["From"].addresses[0].display_name == "Ada Lovelace via Acme"  # her email gave no name
    assert "Ada Lovelace <ada@example.com> replied to the campaign “Go engineers”, step 2:\n\nI'm in." in \
        parsed.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert world.service.receive(notice(f"reply+{world.token}@{DOMAIN}")) == "duplicate"
    assert len(world.mailer.sent) == 1 and world.stats.counts["replied"] == 1


def test_the_forward_goes_to_the_campaigns_sender_and_answers_go_to_who_wrote(world):
    world.definitions[world.send["campaign_id"]]["sender"] = {"name": "Rita", "email": "rita@example.com"}
    world.service.receive(notice(f"reply+{world.token}@{DOMAIN}", sender="Ada <ada.work@example.org>"))
    [forward] = world.mailer.sent
    assert forward["to"] == "rita@example.com" and forward["from"] == "talent@example.com"
    assert b"Reply-To: ada.work@example.org" in forward["raw"]


def test_a_refused_forward_leaves_the_reply_recorded(world):
    world.mailer.refusal = Refused("MessageRejected", "no", retryable=False)
    assert world.service.receive(notice(f"reply+{world.token}@{DOMAIN}")) == "replied"
    assert world.timeline.all(world.ada["id"]) and world.stats.counts["replied"] == 1


def test_a_failure_part_way_leaves_the_email_to_be_done_again(world, monkeypatch):
    def broken(candidate_id, kind, data, at=None):
        raise RuntimeError("the timeline is down")

    monkeypatch.setattr(world.timeline, "add", broken)
    with pytest.raises(RuntimeError):
        world.service.receive(notice(f"reply+{world.token}@{DOMAIN}"))
    monkeypatch.undo()
    assert world.service.receive(notice(f"reply+{world.token}@{DOMAIN}")) == "replied"  # SNS's retry
    assert world.stats.counts["replied"] == 1 and len(world.timeline.all(world.ada["id"])) == 1


def test_message_ids_match_when_the_address_has_no_token(world):
    ours = reply_message_id(world.token, "example.com", "n1")
    assert world.service.receive(notice(f"hello@{DOMAIN}", headers=f"In-Reply-To: {ours}\r\n")) == "replied"
    ses = notice(f"hello@{DOMAIN}", headers="References: <x@y> <ses-0001@email.amazonses.com>\r\n", ses_id="ses-in-2")
    assert world.service.receive(ses) == "replied"
    assert len(world.timeline.all(world.ada["id"])) == 2 and world.stats.counts["replied"] == 1


def test_erased_people_unknown_tokens_and_our_own_mail_are_ignored(world):
    other = make_reply_token(SECRET, new_id("camp"), 0, new_id("cand"))  # well signed, no such send
    assert world.service.receive(notice(f"reply+{other}@{DOMAIN}")) == "unknown"
    assert world.service.receive(notice(f"reply+{world.token}@{DOMAIN}", sender="talent@example.com",
                                        ses_id="s2")) == "ignored_own"
    assert world.service.receive(notice(f"reply+{world.token}@{DOMAIN}", sender=f"x@{DOMAIN}",
                                        ses_id="s3")) == "ignored_own"
    world.candidates.delete(world.candidates.get(world.ada["id"]))
    assert world.service.receive(notice(f"reply+{world.token}@{DOMAIN}", ses_id="s4")) == "unknown"
    assert world.service.receive({"notificationType": "AMAZON_SES_SETUP_NOTIFICATION"}) == "ignored"
    assert world.service.receive({"notificationType": "Received", "content": None}) == "ignored_no_content"
    assert world.mailer.sent == [] and world.stats.counts == {}


def test_an_automatic_reply_only_goes_on_the_timeline(world):
    auto = notice(f"reply+{world.token}@{DOMAIN}", headers="Auto-Submitted: auto-replied\r\n")
    assert world.service.receive(auto) == "auto_replied"
    [entry] = world.timeline.all(world.ada["id"])
    assert entry["kind"] == "auto_replied" and entry["data"]["reason"] == "Auto-Submitted: auto-replied"
    assert world.exits.ended == [] and world.mailer.sent == [] and world.stats.counts == {
        "auto_replied": 1, "auto_replied_s1": 1}
    assert "replied_at" not in world.sends.items[world.send["pk"]]
