"""Minor finding: "Keep me" writes the consent record only once the consent is renewed: a person who unsubscribed
between the link's check and the renewal gets no false consent entry on their timeline."""
from tests.app.campaign_helpers import subscriber
from tests.app.helpers import body
from tests.app.test_retention import advance, emails_to, link_in, real_time_after, tick  # noqa: F401 - its fixture


def test_a_keep_that_renews_nothing_records_no_consent(client, auth, monkeypatch):
    from chalicelib.store.candidates import CandidateRepository

    ada = subscriber("ada@example.com")
    advance(client, "P25M")
    tick(client)
    token = link_in(emails_to("ada@example.com")[0], "keep").split("token=", 1)[1]
    update, raced = CandidateRepository.update, []

    def unsubscribed_first(self, candidate_id, change, *args, **kwargs):
        if candidate_id == ada["id"] and not raced:  # they unsubscribe while their click is on its way
            raced.append(update(self, candidate_id, lambda c: dict(c, status="unsubscribed")))
        return update(self, candidate_id, change, *args, **kwargs)

    monkeypatch.setattr(CandidateRepository, "update", unsubscribed_first)
    client.http.post("/retention/keep", headers={"Content-Type": "application/x-www-form-urlencoded"},
                     body=f"token={token}")
    person = body(client.http.get(f"/candidates/{ada['id']}", headers=auth))
    assert person["status"] == "unsubscribed" and (person.get("consent") or {}).get("source") != "repermission"
    timeline = body(client.http.get(f"/candidates/{ada['id']}/timeline", headers=auth))["items"]
    assert not [e for e in timeline if e["kind"] == "consent" and e["data"].get("source") == "repermission"]


def test_a_keep_records_the_consent_and_ties_it_to_the_renewed_consent(client, auth):
    ada = subscriber("ada@example.com")
    advance(client, "P25M")
    tick(client)
    token = link_in(emails_to("ada@example.com")[0], "keep").split("token=", 1)[1]
    kept = client.http.post("/retention/keep", headers={"Content-Type": "application/x-www-form-urlencoded"},
                            body=f"token={token}")
    assert kept.status_code == 200
    person = body(client.http.get(f"/candidates/{ada['id']}", headers=auth))
    timeline = body(client.http.get(f"/candidates/{ada['id']}/timeline", headers=auth))["items"]
    [record] = [e for e in timeline if e["kind"] == "consent" and e["data"].get("source") == "repermission"]
    assert person["consent"]["source"] == "repermission" and person["consent"]["record_id"] == record["id"]
