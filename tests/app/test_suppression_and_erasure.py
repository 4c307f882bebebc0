"""Classes 1 and 2 of the hostile-input review.

1. Suppression is sticky: bounced and complained people get no email from any path (sign-up,
   import, API, test sends, campaigns) until a recruiter lifts it, on the record; an unsubscribed
   person opts back in only through their own confirmation.
2. Erasure is honoured by every path that can create a person (API, import, ATS; the person's own
   sign-up is the documented way back), and no enrollment or outcome keeps the erased id.
"""
import json

import pytest

from tests.app import ats_signing
from tests.app.campaign_helpers import act, campaign, pool, subscriber, template
from tests.app.helpers import body, confirm_link, form, outbox, tick

SUPPRESSED = ["bounced", "complained"]


def _person_with_status(client, auth, email: str, status: str) -> dict:
    """A subscribed person whose status an email event then set (as the SES webhook does)."""
    from chalicelib import wiring

    person = subscriber(email, first_name="Sam", skills=["go"])
    before, after = wiring.candidate_repo().update(person["id"], lambda c: dict(c, status=status))
    wiring.membership_sync().apply([(before, after)])
    return after


def _status(client, auth, candidate_id):
    return body(client.http.get(f"/candidates/{candidate_id}", headers=auth))["status"]


def _emails_to(address):
    tick()
    return [item for item in outbox() if address in item["to"]]


# ------------------------------------------------------------ class 1: sticky suppression

@pytest.mark.parametrize("status", SUPPRESSED)
def test_a_suppressed_address_signing_up_gets_no_email_and_stays_suppressed(client, auth, status):
    person = _person_with_status(client, auth, f"{status}@example.com", status)
    for fields in ({"first_name": "Someone"}, {"skills": "python", "city": "Paris"}, {}):
        response = form(client, {"email": person["email"], "consent": "on", **fields})
        assert response.status_code == 202  # the same answer anyone gets: no way to probe
    assert _status(client, auth, person["id"]) == status
    assert _emails_to(person["email"]) == []
    again = body(client.http.get(f"/candidates/{person['id']}", headers=auth))
    assert again["first_name"] == "Sam" and again.get("city") is None  # nothing the form typed was kept


@pytest.mark.parametrize("status", SUPPRESSED)
def test_no_import_upsert_or_edit_lifts_a_suppression(client, auth, status):
    person = _person_with_status(client, auth, f"{status}@example.com", status)
    for row_status in ("not_subscribed", "unsubscribed", "subscribed", "pending", ""):
        csv = f"email,first_name,status\n{person['email']},Samuel,{row_status}\n"
        imported = client.http.post("/candidates/import", headers={**auth, "Content-Type": "text/csv"}, body=csv)
        assert imported.status_code == 200, imported.body
        assert _status(client, auth, person["id"]) == status
    for new_status in ("not_subscribed", "unsubscribed"):
        upsert = client.http.post("/candidates", headers=auth, body=json.dumps({"email": person["email"],
                                                                                "status": new_status}))
        assert upsert.status_code == 200 and body(upsert)["status"] == status
        patched = client.http.patch(f"/candidates/{person['id']}", headers=auth,
                                    body=json.dumps({"status": new_status}))
        assert patched.status_code == 409 and body(patched)["error"]["code"] == "suppressed"
    assert _status(client, auth, person["id"]) == status
    assert body(client.http.get(f"/candidates/{person['id']}", headers=auth))["first_name"] == "Samuel"


@pytest.mark.parametrize("status", SUPPRESSED)
def test_test_sends_and_campaigns_never_reach_a_suppressed_person(client, auth, status):
    person = _person_with_status(client, auth, f"{status}@example.com", status)
    made = campaign(client, auth, [pool(client, auth)["id"]], [{"template_id": template(client, auth)["id"]}])
    for address in (person["email"], person["email"].upper(), f"  {person['email']} "):
        response = client.http.post(f"/campaigns/{made['id']}/test", headers=auth, body=json.dumps({"email": address}))
        assert response.status_code == 409 and body(response)["error"]["code"] == "suppressed"
    tick()
    act(client, auth, made["id"], "schedule")
    assert _emails_to(person["email"]) == []


def test_only_a_recorded_lift_ends_a_suppression_and_consent_is_still_needed(client, auth):
    person = _person_with_status(client, auth, "lifted@example.com", "bounced")
    path = f"/candidates/{person['id']}/lift-suppression"
    for bad in ({}, {"reason": ""}, {"reason": 3}, {"reason": "x" * 501}, []):
        response = client.http.post(path, headers=auth, body=json.dumps(bad))
        assert response.status_code == 400 and _status(client, auth, person["id"]) == "bounced"
    lifted = client.http.post(path, headers=auth, body=json.dumps({"reason": "new mailbox, confirmed by phone"}))
    assert lifted.status_code == 200 and body(lifted)["status"] == "not_subscribed"  # not subscribed: no consent
    timeline = body(client.http.get(f"/candidates/{person['id']}/timeline", headers=auth))["items"]
    entry = next(e for e in timeline if e["kind"] == "suppression_lifted")
    assert entry["data"]["previous_status"] == "bounced" and entry["data"]["reason"].startswith("new mailbox")
    again = client.http.post(path, headers=auth, body=json.dumps({"reason": "twice"}))
    assert again.status_code == 409
    # from here on the ordinary way: their own confirmed sign-up
    form(client, {"email": person["email"], "consent": "on"})
    client.http.get(confirm_link(person["email"]).split("8000", 1)[1])
    assert _status(client, auth, person["id"]) == "subscribed"


def test_an_unsubscribed_person_stays_unsubscribed_until_they_confirm(client, auth):
    from chalicelib import wiring

    person = _person_with_status(client, auth, "gone@example.com", "unsubscribed")
    form(client, {"email": person["email"], "consent": "on", "first_name": "Gone"})
    assert _status(client, auth, person["id"]) == "unsubscribed"  # not pending: someone else may have typed it
    patched = client.http.patch(f"/candidates/{person['id']}", headers=auth, body=json.dumps({"status": "not_subscribed"}))
    assert patched.status_code == 409 and body(patched)["error"]["code"] == "unsubscribed"
    made = campaign(client, auth, [pool(client, auth)["id"]], [{"template_id": template(client, auth)["id"]}])
    tick()
    act(client, auth, made["id"], "schedule")
    link = confirm_link(person["email"])  # their confirmation email is the only one they get
    received = _emails_to(person["email"])
    assert len(received) == 1 and "/signups/confirm?token=" in received[0]["raw"]
    assert client.http.get(link.split("8000", 1)[1]).status_code == 200
    assert _status(client, auth, person["id"]) == "subscribed"
    assert wiring.candidate_repo().get(person["id"])["consent"]["marketing"] is True


def test_a_suppression_that_arrives_before_the_confirmation_holds(client, auth):
    from chalicelib import wiring

    form(client, {"email": "late@example.com", "consent": "on"})
    link = confirm_link("late@example.com")
    candidate_id = wiring.candidate_repo().id_for_email("late@example.com")
    wiring.candidate_repo().update(candidate_id, lambda c: dict(c, status="complained"))
    client.http.get(link.split("8000", 1)[1])
    assert _status(client, auth, candidate_id) == "complained"


# ------------------------------------------------------------ class 2: erasure honoured everywhere

def _erase(client, auth, email):
    from chalicelib import wiring

    person = subscriber(email, first_name="Erin", skills=["go"])
    assert client.http.delete(f"/candidates/{person['id']}", headers=auth).status_code == 200
    assert wiring.candidate_repo().id_for_email(email) is None
    return person


def _nobody_at(email):
    from chalicelib import wiring

    return wiring.candidate_repo().id_for_email(email) is None


def test_no_path_but_the_person_brings_an_erased_person_back(client, auth):
    email = "erin@example.com"
    _erase(client, auth, email)
    for variant in (email, email.upper(), f" {email} "):
        response = client.http.post("/candidates", headers=auth, body=json.dumps({"email": variant, "first_name": "E"}))
        assert response.status_code == 409 and body(response)["error"]["code"] == "erased"
        csv = f"email,first_name\n{variant.strip()},Erin\n"
        imported = body(client.http.post("/candidates/import", headers={**auth, "Content-Type": "text/csv"}, body=csv))
        assert imported["created"] == 0 and "erased" in imported["errors"][0]["error"]
    for n, kind in enumerate(("application.created", "candidate.stage_changed", "offer.created", "candidate.hired")):
        event = {"id": f"evt_erased_{n}", "type": kind, "occurred_at": "2026-11-01T10:00:00Z",
                 "data": {"email": email.upper(), "first_name": "Erin", "last_name": "Doe", "job_id": "J1",
                          "stage": "interviewing"}}
        response = ats_signing.signed(client, event)
        assert response.status_code == 200 and body(response)["status"] == "ignored_erased"
    test_campaign = campaign(client, auth, [pool(client, auth)["id"]], [{"template_id": template(client, auth)["id"]}])
    test_send = client.http.post(f"/campaigns/{test_campaign['id']}/test", headers=auth, body=json.dumps({"email": email}))
    assert test_send.status_code == 409 and body(test_send)["error"]["code"] == "erased"
    assert _nobody_at(email)
    # the person themself may come back: a new profile, confirmed by them, lifts the tombstone
    form(client, {"email": email, "consent": "on"})
    client.http.get(confirm_link(email).split("8000", 1)[1])
    assert not _nobody_at(email)
    assert client.http.post("/candidates", headers=auth, body=json.dumps({"email": email})).status_code == 200


def test_erasure_leaves_no_id_in_enrollments_or_outcomes(client, auth):
    from chalicelib import wiring
    from chalicelib.store.models import EnrollmentModel, OutcomeModel

    person = subscriber("seq@example.com", first_name="Sequoia", skills=["go"])
    audience = pool(client, auth)
    tick()
    steps = [{"template_id": template(client, auth)["id"]}, {"template_id": template(client, auth)["id"], "delay": "P3D"}]
    made = campaign(client, auth, [audience["id"]], steps)
    act(client, auth, made["id"], "schedule")
    tick()
    for n, kind in enumerate(("application.created", "offer.created", "candidate.hired")):
        ats_signing.signed(client, {"id": f"evt_seq_{n}", "type": kind, "occurred_at": f"2026-11-0{n + 1}T10:00:00Z",
                                    "data": {"email": "seq@example.com", "job_id": "J9"}})
    assert list(EnrollmentModel.by_candidate.query(person["id"]))
    hires_before = len(wiring.analytics().outcomes.all_of("hire"))
    assert client.http.delete(f"/candidates/{person['id']}", headers=auth).status_code == 200
    assert list(EnrollmentModel.by_candidate.query(person["id"])) == []
    assert [o for o in OutcomeModel.scan() if o.candidate_id == person["id"]] == []
    assert len(wiring.analytics().outcomes.all_of("hire")) == hires_before  # the hire still counts
    tick()  # the sequence's next step finds nobody to send to and writes nothing back
    assert list(EnrollmentModel.by_candidate.query(person["id"])) == []


@pytest.mark.parametrize("status", SUPPRESSED)
def test_a_confirmation_queued_before_a_suppression_is_not_sent(client, auth, status):
    from chalicelib import wiring

    person = subscriber(f"queued-{status}@example.com", skills=["go"])
    assert form(client, {"email": person["email"], "consent": "on"}).status_code == 202  # queued, not yet sent
    wiring.candidate_repo().update(person["id"], lambda c: dict(c, status=status))
    assert _emails_to(person["email"]) == []
