"""Phone numbers through the API: impossible ones are a 400 naming `phone` that stores nothing, valid ones are
stored in E.164 (read with the person's country), in every place a profile is written: the recruiter's upsert and
PATCH, the careers-page sign-up and the CSV import."""
import json

import pytest

from tests.app.helpers import body, form

CSV = {"Content-Type": "text/csv"}
IMPOSSIBLE = ["+44 123", "+999 1234 5678", "+1 415 555 0100 12345", "+0 20 7946 0958", "00 999 1234 5678",
              "+33 6 12 34 56 78 90"]


def people(client, auth):
    return body(client.http.get("/candidates", headers=auth))["items"]


def assert_phone_refused(response):
    assert response.status_code == 400, response.body
    error = body(response)["error"]
    assert error["code"] == "validation_error" and set(error["fields"]) == {"phone"}
    assert error["fields"]["phone"].startswith("must be a phone number")


@pytest.mark.parametrize("phone", IMPOSSIBLE)
def test_upsert_and_patch_refuse_impossible_numbers_and_change_nothing(client, auth, phone):
    refused = client.http.post("/candidates", headers=auth, body=json.dumps(
        {"email": "new@example.com", "first_name": "Ada", "phone": phone}))
    assert_phone_refused(refused)
    assert people(client, auth) == []

    made = body(client.http.post("/candidates", headers=auth, body=json.dumps(
        {"email": "ada@example.com", "phone": "020 7946 0958", "country": "GB"})))
    assert made["phone"] == "+442079460958"
    assert_phone_refused(client.http.patch(f"/candidates/{made['id']}", headers=auth,
                                           body=json.dumps({"phone": phone, "city": "Leeds"})))
    again = body(client.http.get(f"/candidates/{made['id']}", headers=auth))
    assert (again["phone"], again["city"]) == ("+442079460958", None)


@pytest.mark.parametrize("phone", IMPOSSIBLE)
def test_signup_refuses_impossible_numbers(client, auth, phone):
    assert_phone_refused(form(client, {"email": "s@example.com", "consent": "on", "phone": phone}))
    assert people(client, auth) == []


@pytest.mark.parametrize("phone, country, stored", [
    ("07911 123456", "GB", "+447911123456"), ("(415) 555-0100", "US", "+14155550100"),
    ("06 12 34 56 78", "fr", "+33612345678"), ("+49 30 1234567", "", "+49301234567"),
    ("020 7946 0958", "", "020 7946 0958"),  # national digits and no country: kept as typed
])
def test_signup_and_upsert_store_real_numbers_in_e164(client, auth, phone, country, stored):
    signup = form(client, {"email": "s@example.com", "consent": "on", "phone": phone, "country": country})
    assert signup.status_code == 202
    made = body(client.http.post("/candidates", headers=auth, body=json.dumps(
        {"email": "r@example.com", "phone": phone, "country": country})))
    assert made["phone"] == stored
    assert sorted(person["phone"] for person in people(client, auth)) == [stored, stored]


def test_csv_import_refuses_the_rows_with_impossible_numbers_only(client, auth):
    rows = ["email,phone,country", "good@example.com,07911 123456,GB"]
    rows += [f"bad{i}@example.com,{phone}," for i, phone in enumerate(IMPOSSIBLE)]
    result = body(client.http.post("/candidates/import", headers={**auth, **CSV}, body="\n".join(rows).encode()))
    assert result["created"] == 1
    assert len(result["errors"]) == len(IMPOSSIBLE)
    assert all("phone" in json.dumps(error) for error in result["errors"])
    assert [person["phone"] for person in people(client, auth)] == ["+447911123456"]
