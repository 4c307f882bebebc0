"""A reply ends a sequence, end to end on the emulated AWS account: a two-step sequence goes out, the candidate
replies to step 1 through SES receiving's SNS notification (signed, on the inbound topic), and step 2 never goes to
them; an out-of-office reply to step 1 leaves the other person in the sequence, who gets step 2."""
from tests.app import test_sequences, test_ses_webhook
from tests.app.campaign_helpers import act, campaign, pool, subscriber, template
from tests.app.helpers import body, outbox, tick
from tests.app.reply_helpers import post_reply, received, reply_to

# fixtures: the scheduler looks again at once (autouse), the clock moves on (later), SNS trust (autouse)
prompt_scheduler, later, trusted_cert = test_sequences.prompt_scheduler, test_sequences.later, test_ses_webhook.trusted_cert


def emails_to(address: str) -> list[dict]:
    return [email for email in outbox() if email["to"] == [address]]


def test_a_reply_ends_the_sequence_and_an_out_of_office_does_not(client, auth, later):
    from chalicelib import wiring

    first = template(client, auth, name="first", subject="Step one")
    second = template(client, auth, name="second", subject="Step two")
    audience = pool(client, auth)
    tick()
    ada = subscriber("ada@example.com", skills=["go"], first_name="Ada")
    bob = subscriber("bob@example.com", skills=["go"], first_name="Bob")
    made = campaign(client, auth, [audience["id"]], [{"template_id": first["id"]},
                                                      {"template_id": second["id"], "delay": "P2D"}])
    assert "replied" in made["exit_on"]  # the default
    act(client, auth, made["id"], "schedule")
    tick()
    [to_ada], [to_bob] = emails_to("ada@example.com"), emails_to("bob@example.com")

    answer = post_reply(client, received(reply_to(to_ada["raw"], "Yes, let's talk.")))
    assert body(answer) == {"status": "replied"}
    away = reply_to(to_bob["raw"], "Away until Monday", sender="Bob <bob@example.com>",
                    headers=("Auto-Submitted: auto-replied",), subject="Out of Office: Step one")
    assert body(post_reply(client, received(away, encoding="BASE64"))) == {"status": "auto_replied"}

    state = wiring.enrollment_repo().get_many(made["id"], [ada["id"], bob["id"]])
    assert (state[ada["id"]]["status"], state[ada["id"]]["reason"]) == ("exited", "replied")
    assert state[bob["id"]]["status"] == "active"

    later(days=2, minutes=1)
    tick()
    tick()
    assert [e["subject"] for e in emails_to("ada@example.com")] == ["Step one"]  # step 2 never sent
    assert sorted(e["subject"] for e in emails_to("bob@example.com")) == ["Step one", "Step two"]
    assert [e["to"] for e in outbox() if "X-CRM-Forwarded" in e["raw"]] == [["talent@example.com"]]

    figures = body(client.http.get(f"/analytics/campaigns/{made['id']}", headers=auth))
    assert (figures["replied"], figures["auto_replied"], figures["rates"]["reply"]) == (1, 1, 0.3333)  # of 3 emails
    assert [(s["replied"], s["sent"]) for s in figures["steps"]] == [(1, 2), (0, 1)]
    timeline = body(client.http.get(f"/candidates/{ada['id']}/timeline", headers=auth))["items"]
    assert [e["data"]["text"] for e in timeline if e["kind"] == "email_replied"] == ["Yes, let's talk."]
