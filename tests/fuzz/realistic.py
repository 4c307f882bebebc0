"""Real objects for generated requests to reach: without them nearly every id or token is unknown (404).

`seed(url, key)` builds, through the API as a recruiter and careers-page visitors would, confirmed
subscribers who got a campaign email (its click, open and preference tokens, its SES message id),
pools, a template, a job and campaigns. `make_realistic(case, seeds)` then puts those ids and tokens into most generated cases
that carry a well-formed id (the rest keep theirs: unknown ids are tested too), and signs most webhook
bodies so the handlers behind the signature checks run. Every choice hangs on a checksum of the
generated value, so a derandomized run makes the same requests each time.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass, field
from email import message_from_string, policy
from pathlib import Path

from chalicelib.domain.sns import NotVerified

ID = re.compile(r"^(cand|pool|tmpl|job|camp)_[0-9a-z]{26}$")
PATH_IDS = {"candidate_id": "cand", "pool_id": "pool", "job_id": "job", "template_id": "tmpl", "campaign_id": "camp"}
TOKEN_OF_PATH = {"/t/c/{token}": "click", "/t/o/{token}": "open", "/u/{token}": "preferences"}
SES_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ses-events"
SES_EVENTS = ("event_delivery.json", "event_open.json", "event_click.json", "event_bounce_permanent.json",
              "event_complaint.json", "event_delivery_delay.json", "event_reject.json", "event_send.json",
              "notification_bounce_without_dsn.json", "notification_delivery.json")
SES_TOPIC = "arn:aws:sns:us-east-1:000000000000:crm-ses-events"  # CRM_SES_TOPIC_ARN's default


@dataclass
class Seeds:
    ids: dict[str, list[str]] = field(default_factory=dict)  # prefix -> ids that stay
    disposable: dict[str, list[str]] = field(default_factory=dict)  # prefix -> ids a DELETE may remove
    tokens: dict[str, str] = field(default_factory=dict)  # click, open, preferences, confirm
    reader: str = ""  # the subscriber no PATCH may touch: job alerts and test sends need someone emailable
    ses_message_id: str = ""  # the SES id of the bouncer's campaign email
    ses_email: str = ""


def _call(url: str, method: str, path: str, body=None, key: str | None = None, content_type="application/json"):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    headers = {"Content-Type": content_type, "Accept": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            text = answer.read().decode()
    except urllib.error.HTTPError as error:
        raise AssertionError(f"seeding: {method} {path} answered {error.code}: {error.read()[:500]!r}") from None
    return json.loads(text) if text.startswith(("{", "[")) else text


def _links(raw: str) -> str:
    """The decoded text and HTML of a MIME message (links appear as sent, transfer encoding undone)."""
    message = message_from_string(raw, policy=policy.default)
    return "\n".join(part.get_content() for part in message.walk() if part.get_content_maintype() == "text")


def _from_outbox(url: str, to: str, pattern: str) -> tuple[str, re.Match]:
    for item in _call(url, "GET", "/dev/outbox.json")["items"]:
        found = re.search(pattern, _links(item["raw"]))
        if to in item["to"] and found:
            return item["message_id"], found
    raise AssertionError(f"seeding: no email to {to} with {pattern}")


def _subscriber(url: str, key: str, email: str) -> tuple[str, str]:
    """A careers-page sign-up, confirmed from its email: a subscriber's id (and the confirm token)."""
    _call(url, "POST", "/signups", {"email": email, "consent": True, "first_name": "Seed", "skills": ["python"],
                                    "city": "London", "country": "GB"})
    _call(url, "POST", "/dev/tick")
    _, confirm = _from_outbox(url, email, r"/signups/confirm\?token=([A-Za-z0-9_.\-]+)")
    _call(url, "GET", f"/signups/confirm?token={confirm.group(1)}")
    return _call(url, "GET", f"/candidates?q={email}", key=key)["items"][0]["id"], confirm.group(1)


def seed(url: str, key: str) -> Seeds:
    """Three subscribers, so that one stays subscribed whatever the run does to the others: the reader's
    email gives the click and open tokens, the leaver's the preference page (one-click unsubscribes them),
    the bouncer's send is what the signed SES events are about (bounces, complaints)."""
    reader, leaver, bouncer = (f"seed.{name}@example.com" for name in ("reader", "leaver", "bouncer"))
    seeds = Seeds(ses_email=bouncer)

    def api(method, path, body=None):
        return _call(url, method, path, body, key)

    subscribers = []
    for email in (reader, leaver, bouncer):
        candidate_id, seeds.tokens["confirm"] = _subscriber(url, key, email)
        subscribers.append(candidate_id)
    seeds.reader = subscribers[0]
    people = [api("POST", "/candidates", {"email": f"seed.{n}@example.com", "first_name": f"Seed {n}",
                                          "skills": ["python", "aws"], "city": "Leeds", "country": "GB"})["id"]
              for n in range(2)]
    seeds.ids["cand"] = [*subscribers, *people]
    seeds.disposable["cand"] = [api("POST", "/candidates", {"email": f"seed.erasable.{n}@example.com"})["id"]
                                for n in range(4)]

    static = api("POST", "/pools", {"name": "Seed static", "kind": "static"})["id"]
    api("POST", f"/pools/{static}/members", {"candidate_ids": seeds.ids["cand"]})
    dynamic = api("POST", "/pools", {"name": "Seed dynamic", "kind": "dynamic",
                                     "rules": {"field": "skills", "op": "contains_any", "value": ["python"]}})["id"]
    seeds.ids["pool"] = [static, dynamic]
    seeds.disposable["pool"] = [api("POST", "/pools", {"name": f"Seed erasable {n}", "kind": "static"})["id"]
                                for n in range(3)]

    template = api("POST", "/templates", {
        "name": "Seed news", "category": "company_news", "subject": "Hello {{ candidate.first_name }}",
        "html": '<html><body><p>Hi {{ candidate.first_name | default("there") }},</p>'
                '<p><a href="https://example.com/jobs">Our jobs</a></p></body></html>'})["id"]
    seeds.ids["tmpl"] = [template]
    seeds.ids["job"] = [api("POST", "/jobs", {"title": "Seed engineer", "skills": ["python"], "city": "London",
                                              "country": "GB", "pools": [static, dynamic]})["id"]]

    sent = api("POST", "/campaigns", {"name": "Seed sent", "category": "company_news",
                                      "audience": {"pools": [static]}, "steps": [{"template_id": template}]})["id"]
    api("POST", f"/campaigns/{sent}/schedule")
    _call(url, "POST", "/dev/tick")
    draft = api("POST", "/campaigns", {"name": "Seed draft", "category": "company_news",
                                       "audience": {"pools": [dynamic]},
                                       "steps": [{"template_id": template},
                                                 {"template_id": template, "delay": "P2D",
                                                  "condition": "not_opened"}]})["id"]
    seeds.ids["camp"] = [sent, draft]

    seeds.tokens["click"] = _from_outbox(url, reader, r"/t/c/([A-Za-z0-9_.\-]+)")[1].group(1)
    seeds.tokens["open"] = _from_outbox(url, reader, r"/t/o/([A-Za-z0-9_.\-]+)")[1].group(1)
    seeds.tokens["preferences"] = _from_outbox(url, leaver, r"/u/([A-Za-z0-9_.\-]+)")[1].group(1)
    seeds.ses_message_id = _from_outbox(url, bouncer, r"/t/c/")[0]
    return seeds


# ---------------------------------------------------------------- cases

def _pick(value: object, options: list, salt: str = ""):
    """One of `options`, or None (keep the generated value) for about one case in four. `salt` (the
    whole case) spreads the choice over cases that share a value, such as the coverage phase's."""
    digest = zlib.crc32((salt + repr(value)).encode())
    if not options or digest % 4 == 0:
        return None
    return options[digest // 4 % len(options)]


def _swap_ids(value, seeds: Seeds, salt: str):
    """Well-formed ids anywhere in a body, mostly swapped for seeded ones of the same kind."""
    if isinstance(value, dict):
        return {k: _swap_ids(v, seeds, salt) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap_ids(v, seeds, salt) for v in value]
    if isinstance(value, str) and ID.match(value):
        return _pick(value, seeds.ids.get(value.split("_")[0], []), salt) or value
    return value


def make_realistic(case, seeds: Seeds, *, ats_secret: str, sns_signer) -> None:
    path = case.operation.path
    method = case.method.upper()
    salt = repr((case.path_parameters, case.query, case.body))
    for name, value in (case.path_parameters or {}).items():
        prefix = PATH_IDS.get(name)
        if prefix and isinstance(value, str) and ID.match(value):
            # DELETE /candidates/{id} and /pools/{id} erase: they get objects of their own
            erasing = method == "DELETE" and path.count("{") == 1
            options = (seeds.disposable if erasing else seeds.ids).get(prefix, [])
            if method == "PATCH":  # a PATCH may unsubscribe: never the reader
                options = [option for option in options if option != seeds.reader]
            case.path_parameters[name] = _pick(value, options, salt) or value
        elif name == "token" and path in TOKEN_OF_PATH:
            case.path_parameters[name] = _pick(value, [seeds.tokens[TOKEN_OF_PATH[path]]], salt) or value
    for name, value in (case.query or {}).items():
        if name == "pool" and isinstance(value, str) and ID.match(value):
            case.query[name] = _pick(value, seeds.ids["pool"], salt) or value
        elif name == "token" and path == "/signups/confirm":
            case.query[name] = _pick(value, [seeds.tokens["confirm"]], salt) or value
    if isinstance(case.body, (dict, list)) and case.media_type == "application/json":
        case.body = _swap_ids(case.body, seeds, salt)
    if path == "/webhooks/ats" and isinstance(case.body, dict) and _pick(case.body, [True]):
        _sign_ats(case, ats_secret)
    if path == "/webhooks/ses" and isinstance(case.body, dict) and _pick(case.body, [True]):
        _sign_sns(case, seeds, sns_signer)


def _sign_ats(case, secret: str) -> None:
    """The body as bytes with a valid X-CRM-Signature, so the event itself is handled."""
    raw = json.dumps(case.body).encode()
    stamp = int(time.time())
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + raw, hashlib.sha256).hexdigest()
    case.body = raw
    case.headers = {**(case.headers or {}), "X-CRM-Signature": f"t={stamp},v1={digest}"}


def _sign_sns(case, seeds: Seeds, signer) -> None:
    """A notification from our topic, signed with the key the stack trusts (CRM_SNS_TRUSTED_CERT), that
    carries an SES sample event about the seeded send. SubscriptionConfirmation stays unsigned: confirming
    would call out to SNS."""
    envelope = case.body
    if envelope.get("Type") not in ("Notification", "UnsubscribeConfirmation"):
        return
    sample = _pick(envelope, list(SES_EVENTS))
    if sample:
        event = json.loads((SES_FIXTURES / sample).read_text())
        event["mail"]["messageId"] = seeds.ses_message_id
        event["mail"]["destination"] = [seeds.ses_email]
        envelope = dict(envelope, Message=json.dumps(event))
    envelope = dict(envelope, TopicArn=SES_TOPIC)
    envelope.pop("SigningCertURL", None)
    version = envelope.get("SignatureVersion") if envelope.get("SignatureVersion") in ("1", "2") else "1"
    try:
        case.body = signer.sign(envelope, version)
    except NotVerified:  # a signed field is missing or not text: SNS would not send it; keep it unsigned
        pass
