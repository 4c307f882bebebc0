"""People, pools and templates for campaign tests, made through the services."""
import json

from tests.app.helpers import body


def subscriber(email, **fields):
    """A person who confirmed marketing consent (as if they had clicked the confirm link)."""
    from chalicelib import wiring
    from chalicelib.domain.clock import iso

    person, _ = wiring.candidates().upsert({"email": email, **fields})
    before, after = wiring.candidate_repo().update(person["id"], lambda c: dict(
        c, status="subscribed", confirmed_at=iso(), consent={"marketing": True, "confirmed_at": iso()}))
    wiring.membership_sync().apply([(before, after)])
    return after


def template(client, auth, **overrides):
    payload = {"name": "Hello", "category": "career_advice",
               "subject": "Hi {{ candidate.first_name | default('there') }}",
               "html": "<html><body><p>Hello {{ candidate.first_name | default('there') }}</p>"
                       "<p><a href=\"https://blog.example.com/post?id=1\">Read the post</a></p></body></html>",
               **overrides}
    response = client.http.post("/templates", headers=auth, body=json.dumps(payload))
    assert response.status_code == 201, response.body
    return body(response)


def pool(client, auth, rules=None, name="Everyone with skills"):
    rules = rules or {"field": "skills", "op": "exists"}
    response = client.http.post("/pools", headers=auth, body=json.dumps({"name": name, "kind": "dynamic", "rules": rules}))
    assert response.status_code == 201, response.body
    return body(response)


def campaign(client, auth, pools, steps, **overrides):
    payload = {"name": "Campaign", "channel": "email", "category": "career_advice",
               "audience": {"pools": pools}, "steps": steps, **overrides}
    response = client.http.post("/campaigns", headers=auth, body=json.dumps(payload))
    assert response.status_code == 201, response.body
    return body(response)


def act(client, auth, campaign_id, action, status=200):
    response = client.http.post(f"/campaigns/{campaign_id}/{action}", headers=auth, body=b"")
    assert response.status_code == status, response.body
    return body(response)


def scheduled_broadcast(client, auth, emails, **fields) -> tuple[list[dict], dict]:
    """A broadcast to everyone with skills, scheduled, not yet sent: (its subscribers, the campaign).
    Each address becomes a subscribed person with skills ["go"] and `fields`."""
    from tests.app.helpers import tick

    tmpl = template(client, auth)
    audience = pool(client, auth)
    tick()
    people = [subscriber(email, skills=["go"], **fields) for email in emails]
    made = campaign(client, auth, [audience["id"]], [{"template_id": tmpl["id"]}])
    act(client, auth, made["id"], "schedule")
    return people, made


def campaign_to_ada(client, auth) -> tuple[dict, dict]:
    """One broadcast, sent to one subscribed person (Ada): (ada, campaign)."""
    from tests.app.helpers import tick

    [ada], made = scheduled_broadcast(client, auth, ["ada@example.com"], first_name="Ada")
    tick()
    return ada, made


def email_links(email: dict) -> dict:
    """The click, pixel and unsubscribe paths of a campaign email from the outbox."""
    import re

    from tests.app.helpers import decoded, text_part

    raw = decoded(email["raw"])
    return {"click": re.search(r"/t/c/[\w-]+", text_part(email["raw"])).group(0),
            "pixel": re.search(r"/t/o/[\w-]+", raw).group(0),
            "unsubscribe": re.search(r"List-Unsubscribe: <http://127\.0\.0\.1:8000(/u/[\w-]+)>", raw).group(1)}
