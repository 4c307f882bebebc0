"""A campaign sends as a recruiter: the address must be a verified SES identity (its own or its domain's),
checked when the campaign is scheduled, not at send time."""
import json

from tests.app.campaign_helpers import campaign, pool, template
from tests.app.helpers import body


def schedule(client, auth, campaign_id):
    return client.http.post(f"/campaigns/{campaign_id}/schedule", headers=auth, body=b"")


def verify(identity: str) -> None:
    import boto3

    boto3.client("sesv2", region_name="us-east-1").create_email_identity(EmailIdentity=identity)


def test_the_mailer_knows_what_ses_sends_from(aws):
    from chalicelib.aws.mailer import SesMailer

    mailer = SesMailer(None)
    assert not mailer.sendable("ada@recruiters.example")
    verify("recruiters.example")
    assert mailer.sendable("ada@recruiters.example") and mailer.sendable("bob@recruiters.example")
    verify("solo@elsewhere.example")
    assert mailer.sendable("solo@elsewhere.example") and not mailer.sendable("other@elsewhere.example")


def test_an_unverified_sender_is_refused_at_scheduling_and_nothing_changes(client, auth):
    from chalicelib import wiring

    made = campaign(client, auth, [pool(client, auth)["id"]], [{"template_id": template(client, auth)["id"]}],
                    sender={"name": "Ada Lovelace", "email": "ada@unverified.example"})
    assert made["sender"] == {"name": "Ada Lovelace", "email": "ada@unverified.example"}
    refused = schedule(client, auth, made["id"])
    assert refused.status_code == 409 and body(refused)["error"]["code"] == "sender_unverified"
    assert "unverified.example" in body(refused)["error"]["fields"]["sender"]
    assert wiring.campaigns().get(made["id"])["status"] == "draft"
    verify("unverified.example")
    assert schedule(client, auth, made["id"]).status_code == 200


def test_a_team_member_sends_as_themselves_and_a_gone_one_is_refused(client, auth):
    from chalicelib import wiring
    from chalicelib.settings import get_settings

    domain = get_settings().from_email.rsplit("@", 1)[-1]
    verify(domain)
    user = wiring.users().create({"email": f"grace@{domain}", "name": "Grace Hopper", "role": "recruiter"})
    resolved = wiring.senders().resolve({"user_id": user["id"]})
    assert (resolved.name, resolved.email) == ("Grace Hopper", f"grace@{domain}")
    assert resolved.display("Acme") == "Grace Hopper at Acme"
    made = campaign(client, auth, [pool(client, auth)["id"]], [{"template_id": template(client, auth)["id"]}],
                    sender={"user_id": user["id"]})
    missing = campaign(client, auth, [pool(client, auth, name="b")["id"]],
                       [{"template_id": template(client, auth)["id"]}],
                       sender={"user_id": "user_01hzzzzzzzzzzzzzzzzzzzzzzz"})
    assert schedule(client, auth, made["id"]).status_code == 200
    gone = schedule(client, auth, missing["id"])
    assert gone.status_code == 409 and body(gone)["error"]["code"] == "sender_unknown"
    assert json.loads(gone.body)["error"]["fields"] == {"sender": "not an active team member"}


def test_the_emails_come_from_the_recruiter_at_the_company(client, auth):
    from email import message_from_string, policy

    from chalicelib.settings import get_settings
    from tests.app.campaign_helpers import act, subscriber
    from tests.app.helpers import outbox, tick

    settings = get_settings()
    domain = settings.from_email.rsplit("@", 1)[-1]
    audience = pool(client, auth)
    tick()
    subscriber("candidate@example.org", skills=["go"])
    made = campaign(client, auth, [audience["id"]], [{"template_id": template(client, auth)["id"]}],
                    sender={"name": "Ada Lovelace", "email": f"ada@{domain}"})
    act(client, auth, made["id"], "schedule")
    tick()
    [email] = [item for item in outbox() if item["to"] == ["candidate@example.org"]]
    header = message_from_string(email["raw"], policy=policy.default)["From"]
    assert header.addresses[0].display_name == f"Ada Lovelace at {settings.company_name}"
    assert header.addresses[0].addr_spec == f"ada@{domain}"
