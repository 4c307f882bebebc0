"""`make demo`: a fresh local stack with a story in it, told through the public interfaces.

Sign-ups through the careers form (confirmed from the outbox), a CSV import, dynamic pools, a
two-step sequence, opens and clicks through the real tracking links, a bounce and a complaint
through signed SNS messages, an application and a hire through signed ATS events; then the
funnel and the overview. The stack keeps running so the dashboard can be opened.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import sys
import threading
import time
import urllib.error
import urllib.request
from email import message_from_string, policy
from pathlib import Path
from urllib.parse import urlencode

PEOPLE = [("Ada", "Lovelace", "ada", "python, aws", "London", "GB", "yes"),
          ("Grace", "Hopper", "grace", "python, cobol", "New York", "US", ""),
          ("Alan", "Turing", "alan", "python, ml", "Manchester", "GB", "yes"),
          ("Katherine", "Johnson", "katherine", "python, fortran", "Hampton", "US", "yes"),
          ("Linus", "Torvalds", "linus", "c, linux", "Portland", "US", ""),
          ("Margaret", "Hamilton", "margaret", "python, go", "Boston", "US", "yes"),
          ("Guido", "van Rossum", "guido", "python", "Amsterdam", "NL", "yes")]
HUMAN = {"User-Agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15",
         "Accept": "image/webp,image/*,*/*;q=0.8"}


class Api:
    def __init__(self, base: str, key: str):
        self.base, self.key = base, key

    def call(self, method: str, path: str, body=None, *, headers=None, auth=True, raw=False):
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={
            **({"Authorization": f"Bearer {self.key}"} if auth else {}),
            **({"Content-Type": "application/json"} if data is not None and not isinstance(body, bytes) else {}),
            **(headers or {})})
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=60) as response:
                payload = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            payload, status = error.read(), error.code
            if status >= 400 and status != 404 and not raw:
                raise RuntimeError(f"{method} {path} -> {status}: {payload[:300]!r}") from None
        return (status, payload) if raw else json.loads(payload or b"null")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def say(text: str) -> None:
    print(f"  {text}", flush=True)


def text_part(raw: str) -> str:
    return message_from_string(raw, policy=policy.default).get_body(preferencelist=("plain",)).get_content()


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    os.chdir(root)
    data_dir = root / ".local-demo"
    shutil.rmtree(data_dir, ignore_errors=True)
    from .fake_sns import FakeSns

    # the stack's own signer (kept in the data folder): the demo's SES events and the outbox's "Reply as the
    # candidate" are signed alike, and the stack trusts that one certificate
    sns = FakeSns.kept(data_dir)
    os.environ.update(CRM_STAGE="local", CRM_DATA_DIR=str(data_dir),
                      CRM_COMPANY_NAME=os.environ.get("CRM_COMPANY_NAME", "Acme Robotics"))
    from .stack import LocalStack

    print("Starting a fresh local stack for the demo (data in .local-demo)...", flush=True)
    stack = LocalStack(root, quiet=True).start()
    settings = stack.settings
    api = Api(f"http://127.0.0.1:{settings.port}", settings.api_key)
    try:
        story(api, settings, sns)
    except Exception as exc:
        print(f"\nThe demo stopped: {exc}", file=sys.stderr, flush=True)
        stack.stop()
        sys.exit(1)
    print(f"""
The stack is still running:
  Workspace      http://127.0.0.1:{settings.port}/dashboard   (sign in as {settings.admin_email}, password
                 {settings.admin_password}, or use the API key {settings.api_key})
  Local outbox   http://127.0.0.1:{settings.port}/dev/outbox
Press Ctrl-C to stop.""", flush=True)
    done = threading.Event()
    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    stack.stop()


def tick(api: Api) -> dict:
    return api.call("POST", "/dev/tick", b"", auth=False)


def outbox(api: Api) -> list[dict]:
    return api.call("GET", "/dev/outbox.json", auth=False)["items"]


def story(api: Api, settings, sns) -> None:
    from chalicelib.domain.clock import iso, utcnow

    print("\n1. Sign-ups through the careers form", flush=True)
    for first, last, user, skills, city, country, remote in PEOPLE:
        status, _ = api.call("POST", "/signups", urlencode({
            "email": f"{user}@example.com", "consent": "on", "first_name": first, "last_name": last,
            "skills": skills, "city": city, "country": country, "remote_ok": remote, "utm_source": "demo"}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
            auth=False, raw=True)
        assert status == 202, status
    tick(api)
    for item in outbox(api):
        link = re.search(r"https?://\S+/signups/confirm\?token=\S+", text_part(item["raw"])).group(0)
        api.call("GET", link.replace(api.base, ""), auth=False, raw=True)
    say(f"{len(PEOPLE)} people signed up and confirmed (double opt-in)")

    print("2. A CSV import from a spreadsheet", flush=True)
    rows = ["E-mail,First name,Last name,Skills,City,Country"] + [
        f"sourced{i}@example.com,Person{i},Sourced,\"python; {'react' if i % 2 else 'sql'}\",Berlin,DE" for i in range(20)]
    result = api.call("POST", "/candidates/import", "\n".join(rows).encode(), headers={"Content-Type": "text/csv"})
    say(f"imported: {result['created']} created, {result['updated']} updated, {len(result['errors'])} errors")

    print("3. Dynamic pools", flush=True)
    python = api.call("POST", "/pools", {"name": "Python engineers", "kind": "dynamic",
                                         "rules": {"field": "skills", "op": "contains_any", "value": ["python"]}})
    remote = api.call("POST", "/pools", {"name": "Open to remote", "kind": "dynamic",
                                         "rules": {"field": "remote_ok", "op": "eq", "value": True}})
    tick(api)
    for pool in (python, remote):
        fresh = api.call("GET", f"/pools/{pool['id']}")
        say(f"{fresh['name']}: {fresh['size']} people ({fresh['status']})")

    print("4. A two-step sequence", flush=True)
    first = api.call("POST", "/templates", {
        "name": "Python roles", "category": "career_advice",
        "subject": "{{ candidate.first_name | default('Hi') }}, Python roles at {{ company.name }}",
        "html": "<html><body><p>Hi {{ candidate.first_name | default('there') }},</p><p>We are growing our Python "
                "team. <a href=\"https://careers.example.com/python\">See the roles</a>.</p></body></html>"})
    second = api.call("POST", "/templates", {
        "name": "Python roles, reminder", "category": "career_advice", "subject": "In case you missed it",
        "html": "<html><body><p>Our Python roles are still open: "
                "<a href=\"https://careers.example.com/python\">have a look</a>.</p></body></html>"})
    campaign = api.call("POST", "/campaigns", {
        "name": "Python roles, Q4", "channel": "email", "category": "career_advice",
        "audience": {"pools": [python["id"]]}, "enrollment": "once",
        "steps": [{"template_id": first["id"], "delay": "P0D"},
                  {"template_id": second["id"], "delay": "PT20S", "condition": "not_opened"}]})
    api.call("POST", f"/campaigns/{campaign['id']}/schedule", b"")
    tick(api)
    sent = [i for i in outbox(api) if "Python roles at" in i["subject"]]
    say(f"step 1 sent to {len(sent)} subscribed people (sourced people are not emailed)")

    print("5. Opens and clicks through the tracking links", flush=True)
    by_person = {item["to"][0]: item for item in sent}
    def links(item):
        message = message_from_string(item["raw"], policy=policy.default)
        html = message.get_body(preferencelist=("html",)).get_content()
        return re.search(r"/t/o/[\w-]+", html).group(0), re.search(r"/t/c/[\w-]+", text_part(item["raw"])).group(0)
    scanner_link = links(sent[0])[1]
    api.call("GET", scanner_link, headers={"User-Agent": "Mimecast URL scanner"}, auth=False, raw=True)
    say("a mail security scanner clicked a link on delivery (counted as machine activity)")
    time.sleep(11)  # people read before they click; scanners do not
    for user in ("ada", "alan", "katherine"):
        pixel, click = links(by_person[f"{user}@example.com"])
        api.call("GET", pixel, headers=HUMAN, auth=False, raw=True)
        if user != "katherine":
            api.call("GET", click, headers=HUMAN, auth=False, raw=True)
    api.call("GET", links(by_person["margaret@example.com"])[0], headers={"User-Agent": "Mozilla/5.0", "Accept": "image/*"},
             auth=False, raw=True)
    say("3 people opened, 2 clicked; one Apple Mail Privacy Protection open (machine)")

    print("6. Deliveries, a bounce and a complaint, as SES reports them through SNS", flush=True)
    sends = {}
    for user in ("ada", "alan", "katherine", "guido", "grace", "margaret"):
        person = api.call("GET", f"/candidates?q={user}@")["items"][0]
        export = api.call("GET", f"/candidates/{person['id']}/export")
        sends[user] = next(s for s in export["sends"] if s.get("campaign_id") == campaign["id"])
    bounce = {"eventType": "Bounce", "mail": {"messageId": sends["grace"]["message_id"], "destination": ["grace@example.com"],
                                              "timestamp": sends["grace"]["sent_at"]},
              "bounce": {"bounceType": "Permanent", "bounceSubType": "General", "feedbackId": "demo-bounce",
                         "bouncedRecipients": [{"emailAddress": "grace@example.com", "status": "5.1.1"}]}}
    complaint = {"notificationType": "Complaint", "mail": {"messageId": sends["margaret"]["message_id"],
                                                           "destination": ["margaret@example.com"]},
                 "complaint": {"feedbackId": "demo-complaint", "complaintFeedbackType": "abuse",
                               "complainedRecipients": [{"emailAddress": "margaret@example.com"}]}}
    deliveries = [{"eventType": "Delivery", "mail": {"messageId": sends[user]["message_id"],
                                                     "destination": [f"{user}@example.com"]},
                   "delivery": {"recipients": [f"{user}@example.com"], "timestamp": iso(utcnow())}}
                  for user in ("ada", "alan", "katherine", "guido", "margaret")]
    for n, event in enumerate(deliveries + [bounce, complaint]):
        envelope = sns.notification(json.dumps(event), topic_arn=settings.ses_topic_arn, message_id=f"demo-sns-{n}",
                                    version="2")
        answer = api.call("POST", "/webhooks/ses", json.dumps(envelope).encode(), headers={"Content-Type": "text/plain"},
                          auth=False)
        say(f"SNS message {n + 1}: {answer['status']}")

    print("7. An application and a hire, from the ATS", flush=True)
    from datetime import timedelta

    from chalicelib.domain.ats import signature

    secret = settings.ats_secret
    opened_at = iso(utcnow() - timedelta(days=23))
    for n, (kind, data) in enumerate([
            ("job.opened", {"job_id": "ats-101", "title": "Senior Python engineer", "skills": ["python", "aws"],
                            "department": "Engineering"}),
            ("application.created", {"email": "ada@example.com", "job_id": "ats-101"}),
            ("offer.created", {"email": "ada@example.com", "job_id": "ats-101"}),
            ("offer.accepted", {"email": "ada@example.com", "job_id": "ats-101"}),
            ("candidate.hired", {"email": "ada@example.com", "job_id": "ats-101"}),
            ("job.filled", {"job_id": "ats-101"})]):
        occurred = opened_at if kind == "job.opened" else iso(utcnow())
        raw = json.dumps({"id": f"demo-ats-{n}", "type": kind, "occurred_at": occurred, "data": data}).encode()
        stamp = int(time.time())
        api.call("POST", "/webhooks/ats", raw, auth=False,
                 headers={"Content-Type": "application/json", "X-CRM-Signature": f"t={stamp},v1={signature(secret, stamp, raw)}"})
    say("Ada applied, got an offer, accepted and was hired (credited to the campaign she clicked)")

    print("8. The sequence's second step goes to those who did not open", flush=True)
    time.sleep(21)
    tick(api)
    reminders = [i["to"][0] for i in outbox(api) if i["subject"] == "In case you missed it"]
    say(f"reminder sent to: {', '.join(sorted(reminders)) or 'nobody'}")
    tick(api)

    figures = api.call("GET", f"/analytics/campaigns/{campaign['id']}")
    print("\nFunnel for \"Python roles, Q4\"", flush=True)
    for name in ("audience", "sent", "delivered", "bounced", "complained", "opened", "clicked", "unsubscribed",
                 "applied", "hired"):
        print(f"  {name:<13}{figures[name]:>5}")
    print("  machine opens / clicks:", figures["machine"]["opens"], "/", figures["machine"]["clicks"])
    print("  rates:", ", ".join(f"{k} {v:.0%}" for k, v in figures["rates"].items() if v is not None))
    overview = api.call("GET", "/analytics/overview")
    print("\nOverview (last 90 days)", flush=True)
    print(f"  hires {overview['hires']}, from talent pools {overview['hires_from_pools']}"
          f" ({overview['source_of_hire']['pool_share'] or 0:.0%})")
    print(f"  applications {overview['applications']}, offer acceptance (pool) "
          f"{overview['offer_acceptance']['pool'] if overview['offer_acceptance']['pool'] is not None else 'n/a'}")
    print(f"  median time to fill: {overview['time_to_fill_days']['all']} days")


if __name__ == "__main__":
    main()
