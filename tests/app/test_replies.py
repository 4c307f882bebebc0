"""Replies through POST /webhooks/ses: the AWS sample of an SES receiving notification carrying a reply to a
campaign email, signed as SNS signs it, from the inbound topic (CRM_INBOUND_TOPIC_ARN); and the local outbox's
"Reply as the candidate", which goes through the same path."""
import json
from email import message_from_string, policy
from urllib.parse import urlencode

import pytest

from tests.app.helpers import body, outbox
from tests.app import test_ses_webhook
from tests.app.reply_helpers import INBOUND, post_reply, received, reply_to

# the SES webhook tests' fixtures: SNS deliveries signed with the test key are trusted (autouse); Ada's campaign email
trusted_cert, sent = test_ses_webhook.trusted_cert, test_ses_webhook.sent

QUOTELESS = "Yes, I'd love to hear more."


def campaign_email(sent_fixture) -> str:
    [email] = [e for e in outbox() if e["to"] == ["ada@example.com"]]
    return email["raw"]


def timeline(client, auth, candidate_id) -> list[dict]:
    return body(client.http.get(f"/candidates/{candidate_id}/timeline", headers=auth))["items"]


def analytics(client, auth, campaign_id) -> dict:
    return body(client.http.get(f"/analytics/campaigns/{campaign_id}", headers=auth))


def forwards() -> list[dict]:
    return [e for e in outbox() if "X-CRM-Forwarded: reply" in e["raw"]]


@pytest.mark.parametrize("encoding", ["UTF8", "BASE64"])
def test_a_reply_is_recorded_counted_and_forwarded(client, auth, sent, encoding):
    from chalicelib import wiring

    before = wiring.candidate_repo().get(sent["ada"]["id"]).get("engagement_score") or 0
    response = post_reply(client, received(reply_to(campaign_email(sent)), encoding=encoding))
    assert response.status_code == 200 and body(response) == {"status": "replied"}

    [entry] = [e for e in timeline(client, auth, sent["ada"]["id"]) if e["kind"] == "email_replied"]
    assert entry["data"]["text"] == QUOTELESS and entry["data"]["campaign_id"] == sent["campaign"]["id"]
    assert entry["data"]["from"] == "ada@example.com" and entry["data"]["subject"].startswith("Re: ")
    assert wiring.send_repo().for_candidate(sent["ada"]["id"])[0]["replied_at"]
    assert wiring.candidate_repo().get(sent["ada"]["id"])["engagement_score"] >= before + 6

    figures = analytics(client, auth, sent["campaign"]["id"])
    assert (figures["replied"], figures["rates"]["reply"]) == (1, 1.0)
    assert (figures["steps"][0]["replied"], figures["steps"][0]["rates"]["reply"]) == (1, 1.0)

    [forward] = forwards()
    parsed = message_from_string(forward["raw"], policy=policy.default)
    assert forward["to"] == ["talent@example.com"]  # the campaign has no sender of its own: CRM_FROM_EMAIL
    assert parsed["From"].addresses[0].addr_spec == "talent@example.com"
    assert str(parsed["Reply-To"]) == "ada@example.com" and parsed["In-Reply-To"] is None
    assert QUOTELESS in parsed.get_body(preferencelist=("plain",)).get_content()
    assert [a.get_filename() for a in parsed.iter_attachments()] == ["reply.eml"]


def test_the_same_email_twice_changes_nothing(client, auth, sent):
    notice = received(reply_to(campaign_email(sent)), ses_id="ses-1")
    assert body(post_reply(client, notice, sns_id="sns-1")) == {"status": "replied"}
    assert body(post_reply(client, notice, sns_id="sns-1")) == {"status": "duplicate"}  # SNS's retry
    assert body(post_reply(client, notice, sns_id="sns-2")) == {"status": "duplicate"}  # SES publishing it again
    assert analytics(client, auth, sent["campaign"]["id"])["replied"] == 1
    assert len(forwards()) == 1
    assert len([e for e in timeline(client, auth, sent["ada"]["id"]) if e["kind"] == "email_replied"]) == 1


def test_a_second_reply_is_on_the_timeline_but_counted_once(client, auth, sent):
    raw = campaign_email(sent)
    post_reply(client, received(reply_to(raw, "Tuesday works.")))
    post_reply(client, received(reply_to(raw, "Or Wednesday.")))
    texts = [e["data"]["text"] for e in timeline(client, auth, sent["ada"]["id"]) if e["kind"] == "email_replied"]
    assert sorted(texts) == ["Or Wednesday.", "Tuesday works."]
    assert analytics(client, auth, sent["campaign"]["id"])["replied"] == 1 and len(forwards()) == 2


def test_without_the_token_in_reply_to_matches_our_message_id_or_ses_id(client, auth, sent):
    raw = campaign_email(sent)
    answer = post_reply(client, received(reply_to(raw, to="jobs@reply.example.com")))
    assert body(answer) == {"status": "replied"}
    ses_style = f"<{sent['message_id']}@email.amazonses.com>"  # SES sends under its own Message-ID
    answer = post_reply(client, received(reply_to(raw, "Still keen.", to="jobs@reply.example.com",
                                                  in_reply_to=ses_style)))
    assert body(answer) == {"status": "replied"}
    texts = [e["data"]["text"] for e in timeline(client, auth, sent["ada"]["id"]) if e["kind"] == "email_replied"]
    assert sorted(texts) == sorted([QUOTELESS, "Still keen."])


def test_an_unknown_or_forged_token_is_ignored(client, auth, sent):
    raw = campaign_email(sent)
    address = reply_to(raw).decode().split("To: ")[1].split("\r\n")[0]
    token = address.split("+")[1].split("@")[0]
    forged = address.replace(token, token[:-1] + ("0" if token[-1] != "0" else "1"))
    for to in (forged, "someone@reply.example.com"):
        answer = post_reply(client, received(reply_to(raw, to=to, in_reply_to="<unknown@mail.example.com>")))
        assert answer.status_code == 200 and body(answer) == {"status": "unknown"}
    assert analytics(client, auth, sent["campaign"]["id"])["replied"] == 0
    assert not [e for e in timeline(client, auth, sent["ada"]["id"]) if e["kind"] == "email_replied"]
    assert forwards() == []


@pytest.mark.parametrize("verdict, status", [("spamVerdict", "ignored_spam"), ("virusVerdict", "ignored_virus")])
def test_a_failed_spam_or_virus_verdict_is_ignored(client, auth, sent, verdict, status):
    notice = received(reply_to(campaign_email(sent)), **{verdict: {"status": "FAILED"}})
    assert body(post_reply(client, notice)) == {"status": status}
    assert analytics(client, auth, sent["campaign"]["id"])["replied"] == 0 and forwards() == []


@pytest.mark.parametrize("header, subject", [("Auto-Submitted: auto-replied", None), ("X-Autoreply: yes", None),
                                             ("Precedence: auto_reply", None), ("X-Mailer: Outlook",
                                                                                "Automatic reply: Hi Ada")])
def test_an_automatic_reply_is_recorded_as_such_and_nothing_more(client, auth, sent, header, subject):
    notice = received(reply_to(campaign_email(sent), "I am away until Monday.", headers=(header,), subject=subject))
    assert body(post_reply(client, notice)) == {"status": "auto_replied"}
    kinds = [e["kind"] for e in timeline(client, auth, sent["ada"]["id"])]
    assert "auto_replied" in kinds and "email_replied" not in kinds
    figures = analytics(client, auth, sent["campaign"]["id"])
    assert (figures["replied"], figures["auto_replied"], figures["rates"]["reply"]) == (0, 1, 0.0)
    assert forwards() == []


def test_a_bounce_arriving_as_a_reply_and_our_own_forward_are_no_replies(client, auth, sent):
    raw = campaign_email(sent)
    daemon = reply_to(raw, "Delivery failed", sender="Mail Delivery System <MAILER-DAEMON@mx.example.com>")
    assert body(post_reply(client, received(daemon))) == {"status": "ignored_report"}
    report = reply_to(raw).replace(b"Content-Type: text/plain; charset=utf-8",
                                   b"Content-Type: multipart/report; report-type=delivery-status; boundary=x")
    assert body(post_reply(client, received(report))) == {"status": "ignored_report"}
    ours = reply_to(raw, headers=("X-CRM-Forwarded: reply",))
    assert body(post_reply(client, received(ours))) == {"status": "ignored_own"}
    assert analytics(client, auth, sent["campaign"]["id"])["replied"] == 0 and forwards() == []


def test_a_reply_to_the_forward_is_never_matched_again(client, auth, sent):
    post_reply(client, received(reply_to(campaign_email(sent))))
    [forward] = forwards()
    parsed = message_from_string(forward["raw"], policy=policy.default)
    # were the forward itself to reach the reply domain, or an answer to it citing it
    again = reply_to(forward["raw"].replace(f"Reply-To: {parsed['Reply-To']}", "Reply-To: <x@reply.example.com>"),
                     "Answering the forward", to="x@reply.example.com", sender="Recruiter <recruiter@example.com>")
    assert body(post_reply(client, received(again))) == {"status": "unknown"}
    assert analytics(client, auth, sent["campaign"]["id"])["replied"] == 1 and len(forwards()) == 1


def test_only_our_inbound_topic_and_a_true_signature_count(client, auth, sent):
    from tests.app import sns_signing
    from tests.app.reply_helpers import delivery

    notice = received(reply_to(campaign_email(sent)))
    # a receiving notification on the SES events topic is no reply
    assert body(post_reply(client, notice, topic=sns_signing.TOPIC)) == {"status": "ignored"}
    tampered = delivery(notice)
    tampered["Message"] = tampered["Message"].replace("Yes", "No")
    answer = client.http.post("/webhooks/ses", headers={"Content-Type": "text/plain"}, body=json.dumps(tampered))
    assert answer.status_code == 403 and body(answer)["error"]["code"] == "not_verified"
    other = post_reply(client, notice, topic="arn:aws:sns:us-east-1:000000000000:someone-elses")
    assert other.status_code == 403
    assert analytics(client, auth, sent["campaign"]["id"])["replied"] == 0


def test_the_inbound_topic_subscription_is_confirmed(client, monkeypatch):
    from chalicelib import wiring
    from tests.app import sns_signing

    confirmed = []
    monkeypatch.setattr(wiring.ses_webhook().inbox, "confirm", confirmed.append)
    envelope = dict(sns_signing.fixture("sns_envelope_subscription_confirmation.json"), TopicArn=INBOUND)
    answer = client.http.post("/webhooks/ses", headers={"Content-Type": "text/plain"},
                              body=json.dumps(sns_signing.sign(envelope)))
    assert answer.status_code == 200 and body(answer) == {"status": "subscription_confirmed"}
    assert confirmed == [envelope["SubscribeURL"]]


# ---------------------------------------------------------------- the local outbox's "Reply as the candidate"

@pytest.fixture
def local_signer(client, monkeypatch):
    """The stack trusts the certificate of its own kept signer (crmlocal/stack.py does so at start)."""
    from dataclasses import replace

    from chalicelib import wiring
    from chalicelib.aws import sns_verify
    from crmlocal.fake_sns import FakeSns

    service = wiring.ses_webhook()
    signer = FakeSns.kept(service.settings.data_dir)
    sns_verify.reset_cache()
    monkeypatch.setattr(service, "settings", replace(service.settings, sns_trusted_cert=signer.certificate_pem))
    yield signer
    sns_verify.reset_cache()


SAME_SITE = {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"}


def reply_form(client, message_id: str, text: str = "Sounds great", headers=None, **fields):
    return client.http.post("/dev/outbox", headers=headers or SAME_SITE,
                            body=urlencode({"id": message_id, "reply": text, **fields}))


def test_the_outbox_replies_as_the_candidate_through_the_webhook(client, auth, sent, local_signer):
    [email] = outbox()
    page = client.http.get(f"/dev/outbox?id={email['message_id']}").body.decode()
    assert "Reply as the candidate" in page and 'name="reply"' in page and "Out-of-office" in page
    answer = reply_form(client, email["message_id"])
    assert answer.status_code == 303
    page = client.http.get(answer.headers["Location"]).body.decode()
    assert "Reply received" in page
    [entry] = [e for e in timeline(client, auth, sent["ada"]["id"]) if e["kind"] == "email_replied"]
    assert entry["data"]["text"] == "Sounds great"
    assert analytics(client, auth, sent["campaign"]["id"])["replied"] == 1 and len(forwards()) == 1
    answer = reply_form(client, email["message_id"], "Away", out_of_office="on")
    assert "Automatic reply received" in client.http.get(answer.headers["Location"]).body.decode()
    assert "auto_replied" in [e["kind"] for e in timeline(client, auth, sent["ada"]["id"])]


def test_the_outbox_reply_form_refuses_other_sites_and_says_what_it_cannot_do(client, sent, local_signer,
                                                                               monkeypatch):
    from dataclasses import replace

    from chalicelib import wiring

    [email] = outbox()
    cross = reply_form(client, email["message_id"], headers={**SAME_SITE, "Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403 and body(cross)["error"]["code"] == "cross_site"
    empty = reply_form(client, email["message_id"], "  ")
    assert empty.status_code == 400 and "Write the reply first." in empty.body.decode()
    assert reply_form(client, "no-such-email").status_code == 404  # the outbox's page for a missing email
    service = wiring.ses_webhook()
    monkeypatch.setattr(service, "settings", replace(service.settings, sns_trusted_cert=""))
    refused = reply_form(client, email["message_id"])
    assert refused.status_code == 400 and "trusts another SNS certificate" in refused.body.decode()
    page = client.http.get(f"/dev/outbox?id={email['message_id']}&replied=bogus").body.decode()
    assert "Reply received" not in page and 'role="status"' not in page  # only outcomes the route names
