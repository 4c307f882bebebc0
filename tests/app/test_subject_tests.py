"""Subject tests (issue: outreach, item 4): each recipient gets one of a step's subjects, chosen stably; with a
winner rule the test group goes first, the rest wait for the winner and all get it; analytics per subject."""
from datetime import datetime, timedelta, timezone

import pytest

from tests.app.campaign_helpers import act, campaign, email_links, pool, subscriber, template
from tests.app.helpers import fixed_clock, body, outbox, tick
from tests.app.test_send_windows import due_now

HUMAN = {"User-Agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/605.1.15"}
START = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)
SUBJECTS = ["Hello {{ candidate.first_name | default('there') }}", "A role you might like"]


@pytest.fixture
def clock(monkeypatch):
    return fixed_clock(monkeypatch, START)


def audience(client, auth, count):
    made = pool(client, auth)
    tick()
    return made, [subscriber(f"p{i}@example.com", first_name=f"P{i}", skills=["go"]) for i in range(count)]


def subjects_by_address() -> dict[str, str]:
    from email import message_from_string, policy

    return {item["to"][0]: message_from_string(item["raw"], policy=policy.default)["Subject"] for item in outbox()}


def test_each_recipient_gets_one_subject_stably_and_the_analytics_split_by_subject(client, auth, clock):
    from chalicelib import wiring

    tmpl = template(client, auth)
    made_pool, people = audience(client, auth, 30)
    made = campaign(client, auth, [made_pool["id"]], [{"template_id": tmpl["id"], "subjects": SUBJECTS}])
    act(client, auth, made["id"], "schedule")
    tick()
    got = subjects_by_address()
    assert len(got) == 30
    sends = {s["candidate_id"]: s for p in people for s in wiring.send_repo().for_candidate(p["id"])}
    for person in people:  # the subject recorded is the one sent, the variant its index
        variant = sends[person["id"]]["variant"]
        assert got[person["email"]] == ("A role you might like" if variant == 1 else f"Hello {person['first_name']}")
    report = body(client.http.get(f"/analytics/campaigns/{made['id']}", headers=auth))
    split = report["steps"][0]["subjects"]
    assert [s["subject"] for s in split] == SUBJECTS and report["steps"][0]["winner"] is None
    assert sum(s["sent"] for s in split) == 30 and all(s["sent"] > 0 for s in split)
    first = next(a for a, subject in got.items() if subject == "A role you might like")
    clock["at"] = START + timedelta(minutes=5)  # a person's click, not a scanner's at delivery
    client.http.get(email_links(next(i for i in outbox() if i["to"] == [first]))["click"], headers=HUMAN)
    tick()
    split = body(client.http.get(f"/analytics/campaigns/{made['id']}", headers=auth))["steps"][0]["subjects"]
    assert (split[0]["clicked"], split[1]["clicked"]) == (0, 1) and split[1]["rates"]["click"] > 0


def test_the_winner_goes_to_everyone_else_after_the_wait(client, auth, clock):
    from chalicelib import wiring

    tmpl = template(client, auth)
    made_pool, people = audience(client, auth, 40)
    step = {"template_id": tmpl["id"], "subjects": SUBJECTS,
            "winner": {"metric": "clicks", "test_share": 0.5, "after": "PT1H"}}
    made = campaign(client, auth, [made_pool["id"]], [step])
    act(client, auth, made["id"], "schedule")
    tick()
    tested = subjects_by_address()
    assert 8 <= len(tested) <= 32  # the test group, about half
    for address, subject in tested.items():  # clicks on the second subject only
        if subject == "A role you might like":
            clock["at"] = START + timedelta(minutes=5)
            client.http.get(email_links(next(i for i in outbox() if i["to"] == [address]))["click"], headers=HUMAN)
    tick()
    assert len(subjects_by_address()) == len(tested)  # the rest wait for the winner
    assert wiring.campaigns().get(made["id"])["status"] == "sending"

    clock["at"] = START + timedelta(hours=1, minutes=1)
    due_now()
    tick()
    everyone = subjects_by_address()
    assert len(everyone) == 40
    assert {everyone[a] for a in everyone if a not in tested} == {"A role you might like"}  # the winner
    report = body(client.http.get(f"/analytics/campaigns/{made['id']}", headers=auth))
    assert report["steps"][0]["winner"] == 1 and report["sent"] == 40
    assert wiring.campaigns().get(made["id"])["status"] == "sent"
