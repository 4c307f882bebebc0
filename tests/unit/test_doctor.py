"""crm doctor's judgement (chalicelib/domain/doctor.py) from hand-made facts, and its adapter and CLI with a stub
resolver and a stub SES client: no network, no AWS."""
from __future__ import annotations

import dataclasses
import json
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import doctor as d

DOMAIN, MAIL_FROM, REPLY, REGION = "talent.test", "bounce.talent.test", "reply.talent.test", "eu-west-1"
TOKENS = ("aaaa1111", "bbbb2222", "cccc3333")


def published(changes: dict | None = None) -> dict:
    """DNS answers as dnspython writes them, for every record the domain needs (`changes`: (name, type) -> answers)."""
    answers = {}
    for record in d.sending_records(DOMAIN, MAIL_FROM, REPLY, REGION, TOKENS):
        value = f'"{record.value}"' if record.type == "TXT" else record.value + "."
        answers[(record.name, record.type)] = (value,)
    answers.update(changes or {})
    return answers


def sample() -> bytes:
    return d.sample_campaign_email(f"jobs@{DOMAIN}", "https://careers.talent.test", REPLY, "Talent")


def healthy(**changes) -> d.Facts:
    facts = d.Facts(
        from_email=f"jobs@{DOMAIN}", mail_from_domain=MAIL_FROM, reply_domain=REPLY, region=REGION, ses_max_rate=14,
        identity=d.Identity(DOMAIN, TOKENS, "SUCCESS", "RSA_2048_BIT", MAIL_FROM, "SUCCESS"),
        account=d.Account(True, 50.0, ("BOUNCE", "COMPLAINT")), dns=published(), sample=sample())
    return dataclasses.replace(facts, **changes)


def by_key(checks) -> dict[str, d.Check]:
    return {c.key: c for c in checks}


def test_a_healthy_domain_has_nothing_to_fix():
    checks = d.diagnose(healthy())
    assert not d.needs_fixing(checks)
    assert {c.status for c in checks} == {"ok", "skipped"}  # skipped: no delivered copy given
    assert [c.key for c in checks if c.status == "skipped"] == ["signed_headers"]


def test_the_records_are_the_ones_ses_and_dmarc_need():
    lines = [r.line() for r in d.sending_records(DOMAIN, MAIL_FROM, REPLY, REGION, TOKENS)]
    assert lines == [
        "aaaa1111._domainkey.talent.test. CNAME aaaa1111.dkim.amazonses.com",
        "bbbb2222._domainkey.talent.test. CNAME bbbb2222.dkim.amazonses.com",
        "cccc3333._domainkey.talent.test. CNAME cccc3333.dkim.amazonses.com",
        "bounce.talent.test. MX 10 feedback-smtp.eu-west-1.amazonses.com",
        'bounce.talent.test. TXT "v=spf1 include:amazonses.com ~all"',
        '_dmarc.talent.test. TXT "v=DMARC1; p=none; rua=mailto:dmarc@talent.test"',
        "reply.talent.test. MX 10 inbound-smtp.eu-west-1.amazonaws.com",
    ]


@pytest.mark.parametrize("record", d.sending_records(DOMAIN, MAIL_FROM, REPLY, REGION, TOKENS),
                         ids=lambda r: f"{r.name}-{r.type}")
def test_each_missing_record_is_a_fix_naming_the_exact_record(record):
    checks = d.diagnose(healthy(dns=published({(record.name, record.type): ()})))
    [broken] = [c for c in checks if c.status == "fix"]
    assert broken.record == record and record.line() in broken.detail and "missing" in broken.detail


@pytest.mark.parametrize("answers, problem", [
    (('"v=spf1 include:amazonses.com ~all"', '"v=spf1 -all"'), "more than one SPF"),
    (('"v=spf1 include:_spf.google.com ~all"',), "does not include amazonses.com"),
    (('"some-verification=1"',), "missing"),
])
def test_spf_problems(answers, problem):
    check = by_key(d.diagnose(healthy(dns=published({(MAIL_FROM, "TXT"): answers}))))[f"dns:{MAIL_FROM}:TXT"]
    assert check.status == "fix" and problem in check.detail


def test_split_txt_strings_and_any_dmarc_policy_pass():
    dns = published({(MAIL_FROM, "TXT"): ('"v=spf1 include:amazon" "ses.com ~all"',),
                       (f"_dmarc.{DOMAIN}", "TXT"): ('"v=DMARC1; p=reject"',)})
    assert not d.needs_fixing(d.diagnose(healthy(dns=dns)))


def test_a_cname_elsewhere_and_a_failed_lookup():
    name = f"{TOKENS[0]}._domainkey.{DOMAIN}"
    checks = by_key(d.diagnose(healthy(dns=published({(name, "CNAME"): ("old.dkim.example.net.",)}))))
    assert checks[f"dns:{name}:CNAME"].status == "fix" and "old.dkim.example.net" in checks[f"dns:{name}:CNAME"].detail
    checks = by_key(d.diagnose(healthy(dns=published({(name, "CNAME"): None}))))
    assert checks[f"dns:{name}:CNAME"].status == "warn"


def test_no_identity_dkim_pending_and_1024_bit_keys():
    assert by_key(d.diagnose(healthy(identity=None)))["identity"].status == "fix"
    pending = dataclasses.replace(healthy().identity, dkim_status="PENDING")
    assert by_key(d.diagnose(healthy(identity=pending)))["identity"].status == "fix"
    short = dataclasses.replace(healthy().identity, key_length="RSA_1024_BIT")
    assert by_key(d.diagnose(healthy(identity=short)))["identity"].status == "warn"
    assert by_key(d.diagnose(healthy(identity=pending, local=True)))["identity"].status == "skipped"


def test_alignment():
    assert by_key(d.diagnose(healthy()))["alignment"].status == "ok"
    elsewhere = dataclasses.replace(healthy().identity, mail_from_domain="bounce.other.test")
    check = by_key(d.diagnose(healthy(identity=elsewhere)))["alignment"]
    assert check.status == "fix" and "CRM_MAIL_FROM_DOMAIN" in check.detail
    other = d.Identity("other.test", TOKENS, "SUCCESS", "RSA_2048_BIT", "bounce.other.test", "SUCCESS")
    assert "neither aligns" in by_key(d.diagnose(healthy(identity=other)))["alignment"].detail


@pytest.mark.parametrize("account, key, words", [
    (d.Account(False, 50.0, ("BOUNCE", "COMPLAINT")), "sandbox", "production access"),
    (d.Account(True, 1.0, ("BOUNCE", "COMPLAINT")), "quota", "CRM_SES_MAX_RATE to 1"),
    (d.Account(True, 50.0, ("BOUNCE",)), "suppression", "COMPLAINT not suppressed"),
    (d.Account(True, 50.0, ()), "suppression", "--suppressed-reasons BOUNCE COMPLAINT"),
])
def test_account_problems(account, key, words):
    checks = d.diagnose(healthy(account=account))
    assert [c.key for c in checks if c.status == "fix"] == [key]
    assert words in by_key(checks)[key].detail


def test_skipped_sources_say_why_and_fix_nothing():
    facts = healthy(dns=None, account=None, skipped={"dns": "no DNS here", "account": "no account here"})
    checks = d.diagnose(facts)
    assert not d.needs_fixing(checks)
    assert {c.detail for c in checks if c.status == "skipped"} >= {"no DNS here", "no account here"}


def test_the_apps_campaign_email_carries_one_click_unsubscribe():
    assert d.unsubscribe_problem(sample()) is None
    without = sample().replace(b"List-Unsubscribe-Post:", b"X-Was-Post:")
    assert "List-Unsubscribe-Post 0x" in d.unsubscribe_problem(without)
    http = d.sample_campaign_email(f"jobs@{DOMAIN}", "http://127.0.0.1:8000", REPLY, "Talent")
    assert "https" in d.unsubscribe_problem(http)
    assert by_key(d.diagnose(healthy(sample=http)))["unsubscribe"].status == "fix"
    assert by_key(d.diagnose(healthy(sample=http, local=True)))["unsubscribe"].status == "warn"


def signed_copy(h: str, domain: str = DOMAIN) -> bytes:
    signature = (f"DKIM-Signature: v=1; a=rsa-sha256; q=dns/txt; c=relaxed/simple;\r\n s=aaaa1111; d={domain};"
                 f" t=1;\r\n h={h};\r\n bh=x; b=y\r\n")
    ses = "DKIM-Signature: v=1; a=rsa-sha256; d=amazonses.com; h=From:To:Subject; bh=x; b=y\r\n"
    return (signature + ses).encode() + sample()


def test_the_signed_headers_of_a_delivered_copy():
    good = signed_copy("From:To:Subject:List-Unsubscribe:\r\n\tList-Unsubscribe-Post:Date")
    assert d.signed_headers(good, DOMAIN)[-2:] == ["list-unsubscribe-post", "date"]
    assert by_key(d.diagnose(healthy(received=good)))["signed_headers"].status == "ok"
    lacking = by_key(d.diagnose(healthy(received=signed_copy("From:To:List-Unsubscribe"))))["signed_headers"]
    assert lacking.status == "fix" and "List-Unsubscribe-Post" in lacking.detail
    foreign = by_key(d.diagnose(healthy(received=signed_copy("From", domain="other.test"))))["signed_headers"]
    assert foreign.status == "fix" and "no DKIM signature" in foreign.detail


label = st.from_regex(r"[a-z][a-z0-9]{0,10}", fullmatch=True)
names = st.lists(label, min_size=2, max_size=5).map(".".join)


@given(names, st.lists(label, max_size=3))
def test_a_subdomain_is_aligned_with_its_domain(name, more):
    sub = ".".join([*more, name])
    assert d.relaxed_aligned(sub, name) and d.relaxed_aligned(name, sub)
    assert d.organizational_domain(d.organizational_domain(name)) == d.organizational_domain(name)


@given(label, label, st.sampled_from(["com", "org", "test", "uk"]))
def test_different_registered_domains_are_not_aligned(a, b, tld):
    if a != b:
        assert not d.relaxed_aligned(f"mail.{a}.{tld}", f"{b}.{tld}")


@given(st.sampled_from(d.sending_records(DOMAIN, MAIL_FROM, REPLY, REGION, TOKENS)),
       st.sampled_from([(), None, ("x.example.net.",)]))
def test_breaking_one_record_flags_that_record_only(record, answers):
    checks = d.diagnose(healthy(dns=published({(record.name, record.type): answers})))
    flagged = {c.key for c in checks if c.status in ("fix", "warn")}
    if record.type == "TXT" and answers == ("x.example.net.",):  # a TXT that is neither SPF nor DMARC
        assert flagged <= {f"dns:{record.name}:{record.type}"}
    else:
        assert flagged == {f"dns:{record.name}:{record.type}"}


# ------------------------------------------------------------------------------ the adapter and the CLI

class StubRdata:
    def __init__(self, text: str):
        self.text = text

    def to_text(self) -> str:
        return self.text


class StubResolver:
    """dnspython's resolve(name, rdtype) over a dict; no network."""

    def __init__(self, answers: dict):
        self.answers, self.asked = answers, []

    def resolve(self, name, rdtype):
        import dns.resolver

        self.asked.append((name, rdtype))
        found = self.answers.get((name, rdtype))
        if not found:
            raise dns.resolver.NXDOMAIN()
        return [StubRdata(text) for text in found]


class StubSes:
    def __init__(self, production=True, rate=50.0, reasons=("BOUNCE", "COMPLAINT")):
        self.account = {"ProductionAccessEnabled": production, "SendQuota": {"MaxSendRate": rate},
                        "SuppressionAttributes": {"SuppressedReasons": list(reasons)}}

    def get_email_identity(self, EmailIdentity):
        assert EmailIdentity == DOMAIN
        return {"DkimAttributes": {"Tokens": list(TOKENS), "Status": "SUCCESS",
                                   "CurrentSigningKeyLength": "RSA_2048_BIT"},
                "MailFromAttributes": {"MailFromDomain": MAIL_FROM, "MailFromDomainStatus": "SUCCESS"}}

    def get_account(self):
        return self.account


@pytest.fixture
def stage_settings(tmp_path, monkeypatch):
    """A deployed stage `qa` of a project whose .chalice/config.json sends from talent.test."""
    from chalicelib.settings import get_settings
    from crmcli import doctor

    (tmp_path / ".chalice").mkdir()
    (tmp_path / ".chalice" / "config.json").write_text(json.dumps({"stages": {"qa": {"environment_variables": {
        "CRM_STAGE": "qa", "CRM_FROM_EMAIL": f"jobs@{DOMAIN}", "CRM_REPLY_DOMAIN": REPLY,
        "CRM_PUBLIC_URL": "https://careers.talent.test"}}}}))
    monkeypatch.setattr(doctor, "PROJECT_DIR", tmp_path)
    kept = dict(os.environ)
    monkeypatch.setenv("AWS_REGION", REGION)
    yield
    os.environ.clear()
    os.environ.update(kept)
    get_settings.cache_clear()


def test_the_cli_prints_what_to_fix_and_exits_1(stage_settings, capsys):
    from crmcli.doctor import main

    resolver = StubResolver(published({(f"_dmarc.{DOMAIN}", "TXT"): ()}))
    assert main(["--stage", "qa"], ses=StubSes(rate=5.0), resolver=resolver) == 1
    out = capsys.readouterr().out
    assert "FIX   DMARC" in out and f'_dmarc.{DOMAIN}. TXT "v=DMARC1; p=none; rua=mailto:dmarc@{DOMAIN}"' in out
    assert "CRM_SES_MAX_RATE" in out and "2 to fix." in out
    assert (f"{TOKENS[0]}._domainkey.{DOMAIN}", "CNAME") in resolver.asked


def test_the_cli_exits_0_when_all_is_well_and_speaks_json(stage_settings, capsys):
    from crmcli.commands import main as crm

    from crmcli import doctor

    assert doctor.main(["--stage", "qa", "--json"], ses=StubSes(), resolver=StubResolver(published())) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["fix"] is False and report["domain"] == DOMAIN
    assert crm(["doctor", "--stage", "nope"]) == 2  # through `crm`: an unknown stage stops with a message
    assert "no stage 'nope'" in capsys.readouterr().err


def test_an_unreadable_ses_account_is_skipped_not_a_crash(stage_settings, capsys):
    from crmcli.doctor import main

    class Denied(StubSes):
        def get_account(self):
            raise PermissionError("AccessDenied")

    assert main(["--stage", "qa"], ses=Denied(), resolver=StubResolver(published())) == 0
    assert "could not read it: PermissionError: AccessDenied" in capsys.readouterr().out


def test_against_the_emulator_the_checks_it_cannot_make_are_skipped(aws):
    """What `crm doctor` does against `make run`: the emulator's identity, no DNS, no account; nothing to fix."""
    from chalicelib.aws.doctor import gather
    from chalicelib.settings import get_settings
    from chalicelib.services.doctor import LOCAL_SKIPS

    facts = gather(get_settings(), skip=LOCAL_SKIPS)
    checks = by_key(d.diagnose(facts))
    assert facts.local and not d.needs_fixing(checks.values())
    assert checks["identity"].status == "skipped" and "emulator" in checks["identity"].detail
    assert checks["sandbox"].detail == LOCAL_SKIPS["account"]
    assert all(c.status == "skipped" for k, c in checks.items() if k.startswith("dns:"))
    assert checks["alignment"].status == "ok"
