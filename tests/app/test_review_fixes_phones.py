"""Finding 4: a STOP is never missed because a number was stored as typed. A national number stored without a
country is placed (E.164) when the person's country is set later; a number stored as typed with a country (before
that fix) is still matched by the STOP from its E.164 form."""
import json

from tests.app.helpers import body
from tests.app.test_sms_webhook import PHONE, deliver, person, text, trusted_cert  # noqa: F401 - its fixture

TYPED = "020 7946 0958"


def made(client, auth, **fields) -> str:
    answer = client.http.post("/candidates", headers={**auth, "Content-Type": "application/json"},
                              body=json.dumps({"email": "grace@example.com", "first_name": "Grace", **fields}))
    assert answer.status_code in (200, 201), answer.body
    return body(answer)["id"]


def test_setting_the_country_places_a_national_number_and_its_stop_is_heard(client, auth):
    from chalicelib import wiring

    grace = made(client, auth, phone=TYPED)
    assert person(grace)["phone"] == TYPED  # no country: kept as typed
    patched = client.http.patch(f"/candidates/{grace}", headers={**auth, "Content-Type": "application/json"},
                                body=json.dumps({"country": "GB"}))
    assert patched.status_code == 200 and body(patched)["phone"] == PHONE
    wiring.candidate_repo().update(grace, lambda c: dict(c, sms_consent=True))
    assert body(deliver(client, text("STOP"))) == {"status": "opted_out"}
    assert person(grace)["sms_consent"] is False


def test_a_number_stored_as_typed_with_a_country_is_matched(client, auth):
    from chalicelib import wiring

    grace = made(client, auth)
    wiring.candidate_repo().update(grace, lambda c: dict(c, phone=TYPED, country="GB", sms_consent=True))
    assert body(deliver(client, text("STOP"))) == {"status": "opted_out"}
    assert person(grace)["sms_consent"] is False
