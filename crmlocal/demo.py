"""`make demo`: a fresh local stack with four months of a team's story in it, told through the public interfaces.

The local clock (POST /dev/clock) goes back four months and forwards a month at a time, the schedules and
queues running (POST /dev/tick) after each step: sign-ups through the careers form (confirmed from the outbox)
spread over the months, a CSV import and a permission request some of its people join, dynamic pools, a monthly
newsletter, opens and clicks through the real tracking links, a job opened, applied for and filled through
signed ATS events, and three days ago a two-step sequence with a bounce and a complaint through signed SNS
messages. Then the clock returns to real time, the funnel, the overview and the deliverability rates are
printed with what to look at, and the stack keeps running so the workspace can be opened.
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
from datetime import datetime, timedelta, timezone
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
    # CRM_DEMO_DIR: the test runs the demo in a folder of its own (deleted first, like .local-demo)
    data_dir = Path(os.environ.get("CRM_DEMO_DIR") or root / ".local-demo")
    shutil.rmtree(data_dir, ignore_errors=True)
    from .fake_sns import FakeSns

    # the stack's own signer (kept in the data folder): the demo's SES events and the outbox's "Reply as the
    # candidate" are signed alike, and the stack trusts that one certificate
    sns = FakeSns.kept(data_dir)
    os.environ.update(CRM_STAGE="local", CRM_DATA_DIR=str(data_dir),
                      CRM_COMPANY_NAME=os.environ.get("CRM_COMPANY_NAME", "Acme Robotics"))
    from .stack import LocalStack

    print(f"Starting a fresh local stack for the demo (data in {data_dir.name})...", flush=True)
    stack = LocalStack(root, quiet=True).start()
    settings = stack.settings
    api = Api(f"http://127.0.0.1:{settings.port}", settings.api_key)
    try:
        community = story(api, settings, sns)
    except Exception as exc:
        print(f"\nThe demo stopped: {exc!r}", file=sys.stderr, flush=True)
        stack.stop()
        sys.exit(1)
    back = history_start()
    base = f"http://127.0.0.1:{settings.port}"
    print(f"""
What to look at (four months of history, the clock on real time again):
  Overview        {base}/dashboard?from={back}   (the four months: hires, time to fill, campaigns)
  Calendar        {base}/dashboard/calendar   (Previous month: each month's newsletter, the permission request)
  Pool growth     {base}/dashboard/pools/{community}   (the talent community's size over the months)
  Deliverability  {base}/dashboard/deliverability   (the last 7 days' bounce and complaint rates)

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


def settle(api: Api) -> list[dict]:
    """Ticks until nothing moves (the stack's own runtime loop may hold a batch while a tick drains); the outbox."""
    seen = len(outbox(api))
    for _ in range(8):  # a step's work takes one or two ticks; bounded
        done = tick(api)
        items = outbox(api)
        if len(items) == seen and not any(q["received"] for q in done["queues"].values()):
            return items
        seen = len(items)
    return items


def set_clock(api: Api, **operation) -> datetime:
    """POST /dev/clock: moves the whole stack's clock; the app's time it answers."""
    from chalicelib.domain.clock import parse_iso

    return parse_iso(api.call("POST", "/dev/clock", operation, auth=False)["now"])


def sign_up(api: Api, people) -> None:
    """The careers form, then the confirmation link of each person's email (double opt-in)."""
    before = {item["message_id"] for item in outbox(api)}
    for first, last, user, skills, city, country, remote in people:
        status, _ = api.call("POST", "/signups", urlencode({
            "email": f"{user}@example.com", "consent": "on", "first_name": first, "last_name": last,
            "skills": skills, "city": city, "country": country, "remote_ok": remote, "utm_source": "demo"}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
            auth=False, raw=True)
        assert status == 202, status
    for item in settle(api):
        found = re.search(r"https?://\S+/signups/confirm\?token=\S+", text_part(item["raw"]))
        if item["message_id"] not in before and found:
            api.call("GET", found.group(0).replace(api.base, ""), auth=False, raw=True)
    say(f"{', '.join(p[0] for p in people)} signed up on the careers page and confirmed (double opt-in)")


def links(item: dict) -> tuple[str, str]:
    """An email's open pixel and first tracked link."""
    message = message_from_string(item["raw"], policy=policy.default)
    html = message.get_body(preferencelist=("html",)).get_content()
    return re.search(r"/t/o/[\w-]+", html).group(0), re.search(r"/t/c/[\w-]+", text_part(item["raw"])).group(0)


def engage(api: Api, sent: list[dict], openers: tuple[str, ...], clickers: tuple[str, ...]) -> tuple[int, int]:
    """People open and click a while after the email arrived (the clock moves on: people read later); how many
    opened and clicked."""
    set_clock(api, advance="PT2H")
    by_person = {item["to"][0]: item for item in sent}
    reached = [user for user in openers if f"{user}@example.com" in by_person]
    for user in reached:
        pixel, click = links(by_person[f"{user}@example.com"])
        api.call("GET", pixel, headers=HUMAN, auth=False, raw=True)
        if user in clickers:
            api.call("GET", click, headers=HUMAN, auth=False, raw=True)
    return len(reached), len(set(reached) & set(clickers))


def story(api: Api, settings, sns) -> str:
    """The story, month by month; the talent community pool's id."""
    real_start = time.monotonic()
    now = set_clock(api, now=story_month(0))
    print(f"\nThe clock goes back to {now:%d %B %Y}; the story runs month by month up to today", flush=True)

    print(f"\n{now:%B %Y}: the talent community starts", flush=True)
    sign_up(api, PEOPLE[:3])
    pools = {name: api.call("POST", "/pools", {"name": name, "kind": "dynamic", "rules": rules})
             for name, rules in POOLS.items()}
    newsletter = api.call("POST", "/templates", NEWSLETTER)
    settle(api)
    say("pools: " + ", ".join(pools))
    monthly_newsletter(api, now, newsletter, pools, ("ada", "alan"), ("ada",))

    now = set_clock(api, now=story_month(1))
    print(f"\n{now:%B %Y}: an import, a permission request, a job opens", flush=True)
    sign_up(api, PEOPLE[3:5])
    rows = ["E-mail,First name,Last name,Skills,City,Country"] + [
        f"sourced{i}@example.com,Person{i},Sourced,\"python; {'react' if i % 2 else 'sql'}\",Berlin,DE" for i in range(20)]
    result = api.call("POST", "/candidates/import", "\n".join(rows).encode(), headers={"Content-Type": "text/csv"})
    say(f"a spreadsheet imported: {result['created']} people without consent (never emailed by campaigns)")
    settle(api)
    ask_permission(api, pools["Imported contacts"], joiners=4)
    monthly_newsletter(api, now, newsletter, pools, ("ada", "alan", "katherine"), ("ada", "katherine"))
    opened = ats(api, settings, "job.opened", {"job_id": "ats-101", "title": "Senior Python engineer",
                                               "skills": ["python", "aws"], "department": "Engineering"})
    say("the ATS opened a job: Senior Python engineer")

    now = set_clock(api, now=story_month(2))
    print(f"\n{now:%B %Y}: more sign-ups, an application and three weeks later a hire", flush=True)
    sign_up(api, PEOPLE[5:])
    monthly_newsletter(api, now, newsletter, pools, ("ada", "alan", "guido", "sourced1"), ("ada", "guido"))
    ats(api, settings, "application.created", {"email": "ada@example.com", "job_id": "ats-101"})
    say("Ada applied for the job (she clicked this month's newsletter)")
    set_clock(api, advance="P3W")
    for kind in ("offer.created", "offer.accepted", "candidate.hired"):
        ats(api, settings, kind, {"email": "ada@example.com", "job_id": "ats-101"})
    filled = ats(api, settings, "job.filled", {"job_id": "ats-101"})
    say(f"Ada got an offer, accepted and was hired: the job filled in {(filled - opened).days // 7} weeks")

    now = set_clock(api, now=story_month(3))
    print(f"\n{now:%B %Y}: the newsletter goes on", flush=True)
    monthly_newsletter(api, now, newsletter, pools, ("katherine", "guido", "sourced10"), ("katherine",))

    now = set_clock(api, now=(datetime.now(timezone.utc) - timedelta(days=3)).strftime("%Y-%m-%dT09:00:00Z"))
    print(f"\n{now:%B %Y} (three days ago): a sequence, a bounce and a complaint", flush=True)
    monthly_newsletter(api, now, newsletter, pools, ("alan", "linus", "sourced0"), ("alan",))
    campaign = sequence(api, pools["Python engineers"], settings, sns)
    say(f"the sequence's reminder went to: {', '.join(campaign['reminded']) or 'nobody'}")

    now = set_clock(api, reset=True)
    settle(api)  # today's pool sizes and daily figures, on real time
    print(f"\nThe clock is back on real time ({now:%d %B %Y}); the story took "
          f"{time.monotonic() - real_start:.0f} seconds", flush=True)
    summary(api, campaign)
    return pools["Talent community"]["id"]


MONTHS_BACK = 4  # the story starts early in the month four months back, and ends three days ago


def history_start() -> str:
    """The first day of the story's first month (YYYY-MM-DD): where the overview's period starts."""
    today = datetime.now(timezone.utc)
    year, month = divmod(today.year * 12 + today.month - 1 - MONTHS_BACK, 12)
    return f"{year:04d}-{month + 1:02d}-01"


def story_month(n: int) -> str:
    """The clock at the story's month n (0: four months back): early on the 5th, so each step has a month."""
    first = history_start()
    year, month = divmod(int(first[:4]) * 12 + int(first[5:7]) - 1 + n, 12)
    return f"{year:04d}-{month + 1:02d}-05T09:00:00Z"


POOLS = {"Talent community": {"field": "status", "op": "eq", "value": "subscribed"},
         "Python engineers": {"field": "skills", "op": "contains_any", "value": ["python"]},
         "Open to remote": {"field": "remote_ok", "op": "eq", "value": True},
         "Imported contacts": {"field": "source", "op": "in", "value": ["csv_import", "import"]}}
NEWSLETTER = {"name": "Monthly newsletter", "category": "company_news",
              "subject": "{{ candidate.first_name | default('Hi') }}, this month at {{ company.name }}",
              "html": "<html><body><p>Hi {{ candidate.first_name | default('there') }},</p><p>What our teams built "
                      "this month, and the roles we are opening. <a href=\"https://careers.example.com/news\">"
                      "Read more</a>.</p></body></html>"}


def monthly_newsletter(api: Api, now: datetime, template: dict, pools: dict, openers, clickers) -> None:
    """This month's newsletter to the talent community, sent, then read by some."""
    name = f"Newsletter, {now:%B %Y}"
    made = api.call("POST", "/campaigns", {
        "name": name, "channel": "email", "category": "company_news",
        "audience": {"pools": [pools["Talent community"]["id"]]}, "steps": [{"template_id": template["id"]}]})
    before = {item["message_id"] for item in outbox(api)}
    api.call("POST", f"/campaigns/{made['id']}/schedule", b"")
    sent = [i for i in settle(api) if "this month at" in i["subject"] and i["message_id"] not in before]
    opened, clicked = engage(api, sent, openers, clickers)
    say(f"{name}: sent to {len(sent)} subscribers; {opened} opened, {clicked} clicked")


def ask_permission(api: Api, audience: dict, joiners: int) -> None:
    """A permission request to the imported people; a few press "Join the talent community"."""
    template = api.call("POST", "/templates", {
        "name": "May we keep in touch?", "category": "career_advice", "subject": "May we keep in touch?",
        "html": "<html><body><p>Hi {{ candidate.first_name | default('there') }},</p><p>Our Python team is growing "
                "and we think you would like to hear about it. May we keep in touch?</p></body></html>"})
    made = api.call("POST", "/campaigns", {
        "name": "May we keep in touch?", "kind": "permission_request", "channel": "email", "category": "career_advice",
        "audience": {"pools": [audience["id"]]}, "steps": [{"template_id": template["id"]}]})
    api.call("POST", f"/campaigns/{made['id']}/schedule", b"")
    asked = [i for i in settle(api) if i["subject"] == "May we keep in touch?"]
    set_clock(api, advance="P1D")
    for item in sorted(asked, key=lambda i: i["to"][0])[:joiners]:
        join = re.search(r"https?://\S+(/community/join/[\w.\-]+)", text_part(item["raw"])).group(1)
        api.call("GET", join, auth=False, raw=True)  # the page asks once more...
        api.call("POST", join, b"", auth=False, raw=True)  # ...and the person presses the button
    settle(api)
    say(f"a permission request asked {len(asked)} imported people; {min(joiners, len(asked))} joined the community")


def ats(api: Api, settings, kind: str, data: dict) -> datetime:
    """A signed ATS webhook, happening now on the story's clock (the signature's time is real time); when."""
    from chalicelib.domain.ats import signature
    from chalicelib.domain.clock import iso, parse_iso

    at = parse_iso(api.call("GET", "/dev/clock", auth=False)["now"])
    raw = json.dumps({"id": f"demo-ats-{kind}-{data.get('email', data['job_id'])}", "type": kind,
                      "occurred_at": iso(at), "data": data}).encode()
    stamp = int(time.time())
    api.call("POST", "/webhooks/ats", raw, auth=False, headers={
        "Content-Type": "application/json", "X-CRM-Signature": f"t={stamp},v1={signature(settings.ats_secret, stamp, raw)}"})
    return at


def sequence(api: Api, audience: dict, settings, sns) -> dict:
    """The two-step sequence: step 1, a scanner's click, people's opens and clicks, SES's deliveries, a bounce and
    a complaint, then a day later the reminder to those who did not open. The campaign, with `reminded`."""
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
        "name": "Python roles", "channel": "email", "category": "career_advice",
        "audience": {"pools": [audience["id"]]}, "enrollment": "once",
        "steps": [{"template_id": first["id"], "delay": "P0D"},
                  {"template_id": second["id"], "delay": "P1D", "condition": "not_opened"}]})
    api.call("POST", f"/campaigns/{campaign['id']}/schedule", b"")
    sent = [i for i in settle(api) if "Python roles at" in i["subject"]]
    say(f"the sequence's step 1 went to {len(sent)} subscribed Python engineers")
    api.call("GET", links(sent[0])[1], headers={"User-Agent": "Mimecast URL scanner"}, auth=False, raw=True)
    say("a mail security scanner clicked a link on delivery (counted as machine activity)")
    opened, clicked = engage(api, sent, ("alan", "katherine", "guido"), ("alan",))
    api.call("GET", links(next(i for i in sent if i["to"][0].startswith("margaret")))[0],
             headers={"User-Agent": "Mozilla/5.0", "Accept": "image/*"}, auth=False, raw=True)
    say(f"{opened} people opened, {clicked} clicked; one Apple Mail Privacy Protection open (machine)")
    ses_events(api, campaign, settings, sns)
    set_clock(api, advance="P1D")
    campaign["reminded"] = sorted(i["to"][0] for i in settle(api) if i["subject"] == "In case you missed it")
    return campaign


def ses_events(api: Api, campaign: dict, settings, sns) -> None:
    """Deliveries, a bounce and a complaint, as SES reports them through signed SNS messages."""
    from chalicelib.domain.clock import iso

    sends = {}
    for user in ("alan", "katherine", "guido", "grace", "margaret"):
        person = api.call("GET", f"/candidates?q={user}@")["items"][0]
        export = api.call("GET", f"/candidates/{person['id']}/export")
        sends[user] = next(s for s in export["sends"] if s.get("campaign_id") == campaign["id"])
    now = iso(set_clock(api, advance="PT1M"))
    deliveries = [{"eventType": "Delivery", "mail": {"messageId": sends[user]["message_id"],
                                                     "destination": [f"{user}@example.com"]},
                   "delivery": {"recipients": [f"{user}@example.com"], "timestamp": now}}
                  for user in ("alan", "katherine", "guido", "margaret")]
    bounce = {"eventType": "Bounce", "mail": {"messageId": sends["grace"]["message_id"], "destination": ["grace@example.com"],
                                              "timestamp": sends["grace"]["sent_at"]},
              "bounce": {"bounceType": "Permanent", "bounceSubType": "General", "feedbackId": "demo-bounce",
                         "bouncedRecipients": [{"emailAddress": "grace@example.com", "status": "5.1.1"}]}}
    complaint = {"notificationType": "Complaint", "mail": {"messageId": sends["margaret"]["message_id"],
                                                           "destination": ["margaret@example.com"]},
                 "complaint": {"feedbackId": "demo-complaint", "complaintFeedbackType": "abuse",
                               "complainedRecipients": [{"emailAddress": "margaret@example.com"}]}}
    answers = []
    for n, event in enumerate(deliveries + [bounce, complaint]):
        envelope = sns.notification(json.dumps(event), topic_arn=settings.ses_topic_arn, message_id=f"demo-sns-{n}",
                                    version="2")
        answers.append(api.call("POST", "/webhooks/ses", json.dumps(envelope).encode(),
                                headers={"Content-Type": "text/plain"}, auth=False)["status"])
    say(f"SES reported {len(deliveries)} deliveries, Grace's address bounced, Margaret complained "
        f"(signed SNS messages: {', '.join(sorted(set(answers)))})")


def summary(api: Api, campaign: dict) -> None:
    figures = api.call("GET", f"/analytics/campaigns/{campaign['id']}")
    print("\nFunnel for \"Python roles\"", flush=True)
    for name in ("audience", "sent", "delivered", "bounced", "complained", "opened", "clicked", "unsubscribed",
                 "applied", "hired"):
        print(f"  {name:<13}{figures[name]:>5}")
    print("  machine opens / clicks:", figures["machine"]["opens"], "/", figures["machine"]["clicks"])
    overview = api.call("GET", f"/analytics/overview?from={history_start()}")
    print("\nOverview (the last four months)", flush=True)
    print(f"  hires {overview['hires']}, from talent pools {overview['hires_from_pools']}"
          f" ({overview['source_of_hire']['pool_share'] or 0:.0%}), applications {overview['applications']}")
    print(f"  median time to fill: {overview['time_to_fill_days']['all']} days")
    rates = api.call("GET", "/deliverability")
    week = rates["rates"]["7d"]
    print(f"\nDeliverability (7 days): {week['sent']} sent, bounce {week['bounce'] or 0:.1%}, "
          f"complaint {week['complaint'] or 0:.1%}; state {rates['state']}", flush=True)


if __name__ == "__main__":
    main()
