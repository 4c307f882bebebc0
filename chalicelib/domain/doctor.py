"""The sending domain's health, computed from gathered facts: `crm doctor` prints it, the workspace can show it.

Pure: `diagnose(facts)` takes what an adapter gathered (chalicelib/aws/doctor.py: SES v2 and DNS) and returns
one `Check` per rule, each `ok`, `fix` (must be fixed: `crm doctor` exits non-zero), `warn` (advised) or
`skipped` (the fact could not be gathered, e.g. no DNS for the local stack's example.com), with the exact
DNS record to add where one is missing. `sending_records()` is also what infra/resources.py outputs.

The rules (sources in ../shared DELIVERABILITY.md): Easy DKIM with 2048-bit keys (three CNAMEs), a custom MAIL
FROM subdomain (MX + SPF) so that SPF aligns with From, a DMARC record (p=none to start, with rua reports),
the reply domain's MX to SES receiving; DMARC alignment (relaxed: same organizational domain) of the From
domain with DKIM's d= domain and the MAIL FROM domain; an account out of the SES sandbox whose rate covers
CRM_SES_MAX_RATE; the account-level suppression list on for bounces and complaints; and one-click unsubscribe
(RFC 8058) in the campaign email as the app builds it, on a received copy inside the DKIM-signed headers.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from typing import Literal

Status = Literal["ok", "fix", "warn", "skipped"]
SPF_VALUE = "v=spf1 include:amazonses.com ~all"
UNSUBSCRIBE_HEADERS = ("List-Unsubscribe", "List-Unsubscribe-Post")
ONE_CLICK = "List-Unsubscribe=One-Click"
RSA_2048 = "RSA_2048_BIT"
REQUIRED_SUPPRESSION = ("BOUNCE", "COMPLAINT")
# Second-level labels under which registrations sit one label deeper (example.co.uk): enough for relaxed
# alignment between names of one organization without shipping the public suffix list.
_SECOND_LEVEL = {"co", "com", "net", "org", "gov", "ac", "edu", "ltd", "plc", "ne", "or", "go"}


@dataclass(frozen=True)
class DnsRecord:
    purpose: str
    name: str
    type: str  # CNAME, MX, TXT
    value: str  # as written in a zone: MX with its priority, TXT without quotes

    def line(self) -> str:
        value = f'"{self.value}"' if self.type == "TXT" else self.value
        return f"{self.name}. {self.type} {value}"


def dmarc_value(domain: str) -> str:
    return f"v=DMARC1; p=none; rua=mailto:dmarc@{domain}"


def dkim_record(token: str, domain: str) -> DnsRecord:
    return DnsRecord("DKIM (Easy DKIM key)", f"{token}._domainkey.{domain}", "CNAME", f"{token}.dkim.amazonses.com")


def sending_records(domain: str, mail_from_domain: str, reply_domain: str, region: str,
                    dkim_tokens: Sequence[str] = ()) -> list[DnsRecord]:
    """Every record to publish for sending from `domain` through SES in `region` (a name, or `${AWS::Region}`)."""
    return [
        *(dkim_record(token, domain) for token in dkim_tokens),
        DnsRecord("MAIL FROM: bounces come back to SES", mail_from_domain, "MX",
                  f"10 feedback-smtp.{region}.amazonses.com"),
        DnsRecord("MAIL FROM: SPF, aligned with From", mail_from_domain, "TXT", SPF_VALUE),
        DnsRecord("DMARC, to start (move to p=quarantine once reports are clean)", f"_dmarc.{domain}", "TXT",
                  dmarc_value(domain)),
        DnsRecord("replies: SES receiving on the reply domain", reply_domain, "MX",
                  f"10 inbound-smtp.{region}.amazonaws.com"),
    ]


@dataclass(frozen=True)
class Identity:
    """The SES domain identity of the From domain (sesv2 get_email_identity)."""
    domain: str
    dkim_tokens: tuple[str, ...] = ()
    dkim_status: str = "NOT_STARTED"  # SUCCESS, PENDING, FAILED, TEMPORARY_FAILURE, NOT_STARTED
    key_length: str | None = None  # RSA_2048_BIT, RSA_1024_BIT
    mail_from_domain: str | None = None
    mail_from_status: str | None = None  # SUCCESS, PENDING, FAILED, TEMPORARY_FAILURE


@dataclass(frozen=True)
class Account:
    """The SES account (sesv2 get_account)."""
    production_access: bool
    max_send_rate: float
    suppressed_reasons: tuple[str, ...]


@dataclass(frozen=True)
class Facts:
    from_email: str
    mail_from_domain: str
    reply_domain: str
    region: str
    ses_max_rate: float
    identity: Identity | None = None  # None: absent (or not gathered: see skipped)
    account: Account | None = None
    # (name, type) -> answers (None: that lookup failed); the whole map None: DNS not looked up
    dns: Mapping[tuple[str, str], tuple[str, ...] | None] | None = None
    sample: bytes | None = None  # a campaign email as the app builds it (domain/campaign_email.py)
    received: bytes | None = None  # optional: a delivered copy, to read the DKIM signature's h= list
    skipped: Mapping[str, str] = field(default_factory=dict)  # "identity" | "account" | "dns" -> why
    local: bool = False  # the local stack: its http:// links are expected, not a fault

    @property
    def domain(self) -> str:
        return self.from_email.rpartition("@")[2].lower()

    def records(self) -> list[DnsRecord]:
        tokens = self.identity.dkim_tokens if self.identity else ()
        return sending_records(self.domain, self.mail_from_domain, self.reply_domain, self.region, tokens)


@dataclass(frozen=True)
class Check:
    key: str
    title: str
    status: Status
    detail: str
    record: DnsRecord | None = None  # the record to add, when that is the fix


def needs_fixing(checks: Sequence[Check]) -> bool:
    return any(check.status == "fix" for check in checks)


def diagnose(facts: Facts) -> list[Check]:
    return [
        _identity_check(facts),
        *_dns_checks(facts),
        _alignment_check(facts),
        *_account_checks(facts),
        _unsubscribe_check(facts),
        _signed_headers_check(facts),
    ]


# ---------------------------------------------------------------------------------------------- identity

def _identity_check(facts: Facts) -> Check:
    title = f"SES domain identity {facts.domain} with Easy DKIM"
    if "identity" in facts.skipped:
        return Check("identity", title, "skipped", facts.skipped["identity"])
    identity = facts.identity
    if identity is None:
        return Check("identity", title, "fix", f"SES has no identity {facts.domain}: deploy the stack (infra/ "
                                                "declares it) in this account and region")
    if identity.dkim_status != "SUCCESS" and facts.local:
        return Check("identity", title, "skipped", f"the emulator holds the identity {identity.domain} but signs "
                                                    f"nothing (DKIM {identity.dkim_status}); a deployed stage's is checked")
    if identity.dkim_status != "SUCCESS":
        return Check("identity", title, "fix", f"DKIM is {identity.dkim_status}: publish the three DKIM CNAMEs below; "
                                                "SES checks them for up to 72 hours")
    if identity.key_length not in (None, RSA_2048):
        return Check("identity", title, "warn", f"DKIM keys are {identity.key_length}; Gmail advises 2048 bits "
                                                "(the template asks for RSA_2048_BIT)")
    return Check("identity", title, "ok", f"DKIM verified ({identity.key_length or 'key length unknown'})")


# ---------------------------------------------------------------------------------------------- DNS

def _dns_checks(facts: Facts) -> list[Check]:
    records = facts.records()
    if facts.dns is None:
        why = facts.skipped.get("dns", "DNS was not looked up")
        return [Check(f"dns:{r.name}:{r.type}", f"{r.purpose}: {r.name} {r.type}", "skipped", why, r) for r in records]
    return [_dns_check(record, facts.dns.get((record.name, record.type))) for record in records]


def _dns_check(record: DnsRecord, answers: tuple[str, ...] | None) -> Check:
    key, title = f"dns:{record.name}:{record.type}", f"{record.purpose}: {record.name} {record.type}"
    if answers is None:
        return Check(key, title, "warn", "the lookup failed (timeout or server failure): try again", record)
    problem = _record_problem(record, [_normal(a) for a in answers])
    if problem is None:
        return Check(key, title, "ok", "published")
    return Check(key, title, "fix", f"{problem}; add: {record.line()}", record)


def _normal(answer: str) -> str:
    """An answer as dnspython writes it: quoted TXT strings joined, names without the root dot, lower case
    except inside TXT."""
    text = answer.strip()
    if text.startswith('"'):
        return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', text))
    return text.lower().rstrip(".")


def _record_problem(record: DnsRecord, answers: list[str]) -> str | None:
    if record.type in ("CNAME", "MX"):
        wanted = record.value.split()[-1].lower()
        found = [a.split()[-1] for a in answers]
        if wanted in found:
            return None
        return f"points at {', '.join(found)}" if found else "missing"
    if record.name.startswith("_dmarc."):
        dmarc = [a for a in answers if a.lower().startswith("v=dmarc1")]
        if len(dmarc) > 1:
            return "more than one DMARC record (receivers then ignore them all)"
        return None if dmarc else "missing"
    spf = [a for a in answers if a.lower().startswith("v=spf1")]
    if len(spf) > 1:
        return "more than one SPF record (SPF then fails); keep one"
    if not spf:
        return "missing"
    return None if "include:amazonses.com" in spf[0].lower() else f"{spf[0]!r} does not include amazonses.com"


# ---------------------------------------------------------------------------------------------- alignment

def organizational_domain(name: str) -> str:
    labels = name.lower().rstrip(".").split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL else 2
    return ".".join(labels[-keep:])


def relaxed_aligned(a: str, b: str) -> bool:
    """DMARC relaxed alignment: both names under the same organizational domain."""
    return organizational_domain(a) == organizational_domain(b)


def _alignment_check(facts: Facts) -> Check:
    title = "DMARC alignment (relaxed) of From with DKIM d= and MAIL FROM"
    # Easy DKIM signs with d= the identity's domain; SES's default MAIL FROM is amazonses.com, never aligned.
    dkim_domain = facts.identity.domain if facts.identity else None
    mail_from = (facts.identity.mail_from_domain if facts.identity and facts.identity.mail_from_domain
                 else facts.mail_from_domain)
    spf_ok = relaxed_aligned(facts.domain, mail_from) and mail_from != facts.domain
    dkim_ok = dkim_domain is not None and relaxed_aligned(facts.domain, dkim_domain)
    said = f"From {facts.domain}, DKIM d={dkim_domain or '(no identity)'}, MAIL FROM {mail_from}"
    if spf_ok and dkim_ok:
        return Check("alignment", title, "ok", said)
    if not spf_ok and not dkim_ok and "identity" not in facts.skipped:
        return Check("alignment", title, "fix", f"{said}: neither aligns, DMARC fails; set CRM_MAIL_FROM_DOMAIN to "
                                                 f"a subdomain of {facts.domain} and deploy the identity")
    if not spf_ok:
        return Check("alignment", title, "fix", f"{said}: MAIL FROM must be a subdomain of {facts.domain} "
                                                 "(CRM_MAIL_FROM_DOMAIN); Gmail and Outlook want SPF aligned too")
    if "identity" in facts.skipped:
        return Check("alignment", title, "skipped", f"{said}: SPF aligns; DKIM unknown ({facts.skipped['identity']})")
    return Check("alignment", title, "fix", f"{said}: the DKIM domain must be {facts.domain} or under it")


# ---------------------------------------------------------------------------------------------- account

def _account_checks(facts: Facts) -> list[Check]:
    titles = {"sandbox": "SES account out of the sandbox", "quota": "SES send rate covers CRM_SES_MAX_RATE",
              "suppression": "account suppression list: bounces and complaints"}
    if facts.account is None:
        why = facts.skipped.get("account", "the SES account was not read")
        return [Check(key, title, "skipped", why) for key, title in titles.items()]
    account = facts.account
    checks = [Check("sandbox", titles["sandbox"], "ok", "production access granted") if account.production_access
              else Check("sandbox", titles["sandbox"], "fix",
                         "still in the sandbox (verified recipients only, 200 a day): request production access in "
                         "the SES console (Account dashboard) or `aws sesv2 put-account-details`")]
    if account.max_send_rate >= facts.ses_max_rate:
        checks.append(Check("quota", titles["quota"], "ok",
                            f"SES allows {account.max_send_rate:g}/s; CRM_SES_MAX_RATE is {facts.ses_max_rate:g}"))
    else:
        checks.append(Check("quota", titles["quota"], "fix",
                            f"SES allows {account.max_send_rate:g}/s but CRM_SES_MAX_RATE is {facts.ses_max_rate:g}: "
                            f"set CRM_SES_MAX_RATE to {account.max_send_rate:g} or ask AWS for a higher quota"))
    missing = [r for r in REQUIRED_SUPPRESSION if r not in account.suppressed_reasons]
    checks.append(Check("suppression", titles["suppression"], "ok", "BOUNCE and COMPLAINT") if not missing else
                  Check("suppression", titles["suppression"], "fix",
                        f"{' and '.join(missing)} not suppressed: `aws sesv2 put-account-suppression-attributes "
                        "--suppressed-reasons BOUNCE COMPLAINT`"))
    return checks


# ---------------------------------------------------------------------------------------------- unsubscribe

def _unsubscribe_check(facts: Facts) -> Check:
    title = "one-click unsubscribe headers in a campaign email (RFC 8058)"
    if facts.sample is None:
        return Check("unsubscribe", title, "skipped", "no sample email was built")
    problem = unsubscribe_problem(facts.sample)
    if problem:
        return Check("unsubscribe", title, "warn" if facts.local and "https" in problem else "fix", problem)
    return Check("unsubscribe", title, "ok", "List-Unsubscribe (https) and List-Unsubscribe-Post: "
                                             "List-Unsubscribe=One-Click, once each, in the message SES is given")


def sample_campaign_email(from_email: str, public_url: str, reply_domain: str, company: str) -> bytes:
    """A campaign email to a made-up person, built by the app's own builder as the send path builds one."""
    from .campaign_email import Sender, build_campaign_email
    from .clock import new_id

    sender = Sender(public_url=public_url, secret="doctor-sample", from_email=from_email,
                    company={"name": company, "careers_url": public_url, "address": ""})
    template = {"subject": "Roles at {{ company.name }}", "html": "<p>Hello {{ candidate.first_name }}</p>"}
    candidate = {"id": new_id("cand"), "email": "someone@example.org", "first_name": "Sam"}
    return build_campaign_email(sender, template, candidate=candidate, job=None, campaign_id=new_id("camp"), step=0,
                                reply_domain=reply_domain).raw


def unsubscribe_problem(raw: bytes) -> str | None:
    message = message_from_bytes(raw, policy=policy.compat32)
    unsubscribe, post = (message.get_all(name) or [] for name in UNSUBSCRIBE_HEADERS)
    if len(unsubscribe) != 1 or len(post) != 1:
        return f"List-Unsubscribe {len(unsubscribe)}x and List-Unsubscribe-Post {len(post)}x: each must be there once"
    if not re.search(r"<https://[^>\s]+>", str(unsubscribe[0])):
        return "List-Unsubscribe has no https URL (one-click needs one; CRM_PUBLIC_URL must be https)"
    if str(post[0]).strip() != ONE_CLICK:
        return f"List-Unsubscribe-Post must be exactly {ONE_CLICK!r}"
    return None


def signed_headers(raw: bytes, domain: str) -> list[str] | None:
    """The h= list of the message's DKIM signature whose d= aligns with `domain` (lower case); None: none."""
    message = message_from_bytes(raw, policy=policy.compat32)
    for signature in message.get_all("DKIM-Signature") or []:
        tags = dict(_tag(part) for part in re.sub(r"\s+", "", str(signature)).split(";") if "=" in part)
        if tags.get("d") and relaxed_aligned(tags["d"], domain):
            return [name.lower() for name in tags.get("h", "").split(":") if name]
    return None


def _tag(part: str) -> tuple[str, str]:
    name, _, value = part.partition("=")
    return name.lower(), value


def _signed_headers_check(facts: Facts) -> Check:
    title = "unsubscribe headers inside the DKIM-signed headers (h=)"
    if facts.received is None:
        return Check("signed_headers", title, "skipped",
                     "SES adds the DKIM signature when it sends, so only a delivered copy shows its h= list: send a "
                     "test (`crm campaigns test ID --email you@gmail.com`), save the original (Gmail: Show "
                     "original, Download) and run `crm doctor --received FILE.eml`")
    signed = signed_headers(facts.received, facts.domain)
    if signed is None:
        return Check("signed_headers", title, "fix", f"the copy has no DKIM signature with d= aligned with "
                                                      f"{facts.domain}: Easy DKIM is not signing (see the identity)")
    missing = [name for name in UNSUBSCRIBE_HEADERS if name.lower() not in signed]
    if missing:
        return Check("signed_headers", title, "fix", f"h= lacks {', '.join(missing)}: Gmail and Yahoo then ignore "
                                                      "one-click unsubscribe")
    return Check("signed_headers", title, "ok", "h= names List-Unsubscribe and List-Unsubscribe-Post")
