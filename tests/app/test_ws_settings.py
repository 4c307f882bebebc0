"""The workspace's Settings page and GET /doctor: the sending setup and the deliverability doctor's checks.

The facts come from a stub gatherer (no network, no AWS) except where the test says it asks the emulator."""
from __future__ import annotations

import json

import pytest

from chalicelib.domain import doctor as d
from tests.app.helpers import WORKSPACE_FORM, workspace_session
from tests.app.test_ws_team import signed_in_as

DOMAIN, MAIL_FROM, REPLY, REGION = "talent.test", "bounce.talent.test", "reply.talent.test", "eu-west-1"
TOKENS = ("aaaa1111", "bbbb2222", "cccc3333")
HTMX = {"HX-Request": "true"}


def published(missing=()) -> dict:
    """Every record the domain needs, as dnspython writes answers, but those `missing` ((name, type) pairs)."""
    answers = {}
    for record in d.sending_records(DOMAIN, MAIL_FROM, REPLY, REGION, TOKENS):
        answers[(record.name, record.type)] = (f'"{record.value}"' if record.type == "TXT" else record.value + ".",)
    return {key: (() if key in missing else value) for key, value in answers.items()}


class StubGatherer:
    """The port (services/doctor.py Gatherer): hand-made facts; remembers what it was asked to skip."""

    def __init__(self, dns=None, skipped=None, account=True):
        self.dns, self.skipped, self.account, self.asked = dns, skipped or {}, account, []

    def __call__(self, settings, *, skip=None):
        self.asked.append(dict(skip or {}))
        return d.Facts(
            from_email=f"jobs@{DOMAIN}", mail_from_domain=MAIL_FROM, reply_domain=REPLY, region=REGION,
            ses_max_rate=14, identity=d.Identity(DOMAIN, TOKENS, "SUCCESS", "RSA_2048_BIT", MAIL_FROM, "SUCCESS"),
            account=d.Account(True, 50.0, ("BOUNCE", "COMPLAINT")) if self.account else None,
            dns=self.dns, skipped=self.skipped,
            sample=d.sample_campaign_email(f"jobs@{DOMAIN}", "https://careers.talent.test", REPLY, "Talent"))


@pytest.fixture
def gatherer(monkeypatch):
    """Installs a stub gatherer behind wiring.doctor(); set its `dns`/`skipped`/`account` in the test."""
    from chalicelib import wiring
    from chalicelib.services.doctor import DoctorService

    stub = StubGatherer(dns=published())
    service = DoctorService(wiring.get_settings(), stub)
    monkeypatch.setattr(wiring, "doctor", lambda: service)
    return stub


def text(answer) -> str:
    return " ".join(answer.body.decode().split())


DMARC = (f"_dmarc.{DOMAIN}", "TXT")
DMARC_LINE = f'_dmarc.{DOMAIN}. TXT "v=DMARC1; p=none; rua=mailto:dmarc@{DOMAIN}"'


# ---------------------------------------------------------------- the page

def test_the_page_shows_the_sending_setup_and_runs_no_check_until_asked(client, gatherer):
    from chalicelib.settings import get_settings

    settings = get_settings()
    session = workspace_session(client)
    answer = client.http.get("/dashboard/settings", headers=session)
    assert answer.status_code == 200
    html = text(answer)
    for words in ("<h1>Settings</h1>", settings.from_email, settings.sending_domain, settings.mail_from_domain,
                  settings.reply_domain, settings.region, settings.ses_configuration_set,
                  settings.ses_transactional_configuration_set, settings.ses_outreach_configuration_set,
                  f"{settings.ses_max_rate:g} emails a second", "CRM_SES_MAX_RATE", ">Run checks</button>",
                  'aria-current="page">Settings<', "/dashboard/assets/settings.css"):
        assert words in html, words
    assert gatherer.asked == [] and "style=" not in html
    assert ">Settings</a>" in text(client.http.get("/dashboard", headers=session))  # in an admin's navigation


def test_run_checks_shows_each_check_and_the_record_to_add(client, gatherer):
    gatherer.dns = published(missing=[DMARC])
    session = workspace_session(client)
    part = client.http.get("/dashboard/settings/checks", headers={**session, **HTMX})
    assert part.status_code == 200
    html = text(part)
    assert "<html" not in html  # htmx swaps the checks in
    assert "1 to fix" in html and "badge-check-fix" in html and html.count("badge-check-ok") >= 8
    assert f"<code>_dmarc.{DOMAIN}</code>" in html and "<code>TXT</code>" in html
    assert f"<code>v=DMARC1; p=none; rua=mailto:dmarc@{DOMAIN}</code>" in html
    assert DMARC_LINE.replace('"', "&#34;") in html
    assert gatherer.asked == [{"dns": "the local stack: its domains are example.com placeholders, with no DNS to ask",
                               "account": "the local stack: the emulator has no SES account (sandbox, quota, "
                                          "suppression list)"}]
    whole = client.http.get("/dashboard/settings/checks", headers=session)  # no script: the whole page
    assert whole.status_code == 200 and "<h1>Settings</h1>" in text(whole) and "1 to fix" in text(whole)


def test_skipped_sources_are_named_with_why(client, gatherer):
    gatherer.dns, gatherer.account = None, False
    gatherer.skipped = {"dns": "the local stack: no DNS to ask", "account": "the emulator has no SES account"}
    html = text(client.http.get("/dashboard/settings/checks", headers={**workspace_session(client), **HTMX}))
    assert "Not checked here" in html and "<strong>DNS</strong>: the local stack: no DNS to ask" in html
    assert "<strong>SES account</strong>: the emulator has no SES account" in html
    assert "Nothing to fix." in html and "badge-check-skipped" in html and "Add this record" not in html


def test_against_the_emulator_the_page_says_what_is_skipped_locally(client):
    """No stub: the real adapter asks the emulator; locally DNS and the SES account are skipped, and say why."""
    html = text(client.http.get("/dashboard/settings/checks", headers={**workspace_session(client), **HTMX}))
    assert "example.com placeholders, with no DNS to ask" in html
    assert "the emulator has no SES account" in html and "Skipped" in html


# ---------------------------------------------------------------- GET /doctor

def test_get_doctor_answers_the_checks_as_json(client, auth, gatherer):
    gatherer.dns = published(missing=[DMARC])
    answer = client.http.get("/doctor", headers=auth)
    assert answer.status_code == 200
    report = json.loads(answer.body)
    assert report["needs_fixing"] is True and report["skipped"] == {} and report["domain"] == DOMAIN
    checks = {c["name"]: c for c in report["checks"]}
    dmarc = checks[f"dns:_dmarc.{DOMAIN}:TXT"]
    assert dmarc["state"] == "fix" and dmarc["record"]["line"] == DMARC_LINE
    assert dmarc["record"]["name"] == f"_dmarc.{DOMAIN}" and dmarc["record"]["type"] == "TXT"
    assert checks["sandbox"] == {"name": "sandbox", "title": "SES account out of the sandbox", "state": "ok",
                                 "detail": "production access granted"}
    assert {c["state"] for c in report["checks"]} <= {"ok", "fix", "warn", "skipped"}
    gatherer.dns = published()
    assert json.loads(client.http.get("/doctor", headers=auth).body)["needs_fixing"] is False


# ---------------------------------------------------------------- roles and hostile input

@pytest.mark.parametrize("role", ["recruiter", "viewer"])
def test_only_admins_run_the_doctor(client, gatherer, role):
    other = signed_in_as(client, f"{role}@example.com", role)
    assert ">Settings</a>" not in text(client.http.get("/dashboard", headers=other))
    for path in ("/dashboard/settings", "/dashboard/settings/checks", "/doctor"):
        answer = client.http.get(path, headers=other)
        assert answer.status_code == 403, path
    assert json.loads(client.http.get("/doctor", headers=other).body)["error"]["code"] == "forbidden"
    assert gatherer.asked == []


def test_signed_out_the_page_asks_to_sign_in(client, gatherer):
    assert client.http.get("/dashboard/settings").status_code in (302, 303)
    assert client.http.get("/doctor").status_code == 401
    assert gatherer.asked == []


HOSTILE = [
    ("unknown parameter", "?stage=prod"),
    ("control characters", "?x=%00"),
    ("lone surrogate", "?x=%ED%A0%80"),
    ("huge", "?x=" + "a" * 5000),
    ("repeated", "?x=1&x=2"),
]


@pytest.mark.parametrize("query", [h[1] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_hostile_parameters_are_400_and_run_nothing(client, auth, gatherer, query):
    session = workspace_session(client)
    for path in ("/dashboard/settings", "/dashboard/settings/checks"):
        answer = client.http.get(path + query, headers=session)
        assert answer.status_code == 400, (path, answer.status_code)
        assert "<h1" in answer.body.decode()  # the error as a page
    answer = client.http.get("/doctor" + query, headers=auth)
    assert answer.status_code == 400 and json.loads(answer.body)["error"]["code"]
    assert gatherer.asked == []


def test_writes_are_not_routes(client, auth, gatherer):
    session = workspace_session(client)
    assert client.http.post("/dashboard/settings/checks", headers={**session, **WORKSPACE_FORM},
                            body="").status_code in (403, 405)
    assert client.http.post("/doctor", headers=auth, body="{}").status_code in (403, 405)
    assert gatherer.asked == []
