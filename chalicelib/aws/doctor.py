"""Gathers what chalicelib/domain/doctor.py judges: the SES identity and account (SES v2) and the DNS records.

Every source can be switched off or can fail without stopping the rest: what was not gathered is named in
`Facts.skipped` and its checks come out `skipped`. DNS goes through a resolver object with dnspython's
`resolve(name, rdtype)` (tests pass a stub: no network).
"""
from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from typing import Any

from ..domain.doctor import Account, Facts, Identity, sample_campaign_email
from ..settings import Settings
from .clients import quick_client

NOT_FOUND = "NotFoundException"
# DNS time: each lookup (retries included), and all of a run's (about seven lookups)
QUERY_SECONDS = 2.0
DNS_SECONDS = 10.0
DNS_SILENT = "DNS did not answer any lookup (timeout or no resolver reachable): try again later"


def gather(settings: Settings, *, ses: Any = None, resolver: Any = None, received: bytes | None = None,
           skip: Mapping[str, str] | None = None) -> Facts:
    """The facts for `settings`' stage. `ses`: an sesv2 client (default: the app's); `resolver`: dnspython's
    default resolver unless given; `skip`: sources not to ask ("dns", "account") -> why."""
    ses = ses if ses is not None else quick_client("sesv2")  # a person waits on the answer
    skipped: dict[str, str] = dict(skip or {})
    identity = _attempt(lambda: _identity(ses, settings.sending_domain), "identity", skipped)
    account = None if "account" in skipped else _attempt(lambda: _account(ses), "account", skipped)
    facts = Facts(
        from_email=settings.from_email, mail_from_domain=settings.mail_from_domain,
        reply_domain=settings.reply_domain, region=settings.region, ses_max_rate=settings.ses_max_rate,
        identity=identity, account=account, received=received, skipped=skipped, local=settings.is_local,
        sample=sample_campaign_email(settings.from_email, settings.public_url, settings.reply_domain,
                                     settings.company_name),
    )
    if "dns" in skipped:
        return facts
    resolver = resolver if resolver is not None else _default_resolver()
    answers = {(r.name, r.type): lookup(resolver, r.name, r.type) for r in facts.records()}
    if all(found is None for found in answers.values()):  # no DNS at all: its checks say skipped, and why
        return dataclasses.replace(facts, skipped={**skipped, "dns": DNS_SILENT})
    return dataclasses.replace(facts, dns=answers)


def _attempt(gather_one: Callable[[], Any], name: str, skipped: dict[str, str]) -> Any:
    """One source's facts; an error (no credentials, no permission, the emulator lacking the call) skips it."""
    try:
        return gather_one()
    except Exception as exc:  # noqa: BLE001 - reported as a skipped check, never a crash of the doctor
        skipped[name] = f"could not read it: {_describe(exc)}"
        return None


def _describe(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        return f"{response['Error'].get('Code')}: {response['Error'].get('Message')}"
    return f"{type(exc).__name__}: {exc}"


def _identity(ses: Any, domain: str) -> Identity | None:
    try:
        found = ses.get_email_identity(EmailIdentity=domain)
    except Exception as exc:
        if getattr(exc, "response", {}).get("Error", {}).get("Code") == NOT_FOUND:
            return None
        raise
    dkim = found.get("DkimAttributes") or {}
    mail_from = found.get("MailFromAttributes") or {}
    return Identity(
        domain=domain, dkim_tokens=tuple(dkim.get("Tokens") or ()), dkim_status=dkim.get("Status", "NOT_STARTED"),
        key_length=dkim.get("CurrentSigningKeyLength"), mail_from_domain=mail_from.get("MailFromDomain"),
        mail_from_status=mail_from.get("MailFromDomainStatus"),
    )


def _account(ses: Any) -> Account:
    found = ses.get_account()
    return Account(
        production_access=bool(found.get("ProductionAccessEnabled")),
        max_send_rate=float((found.get("SendQuota") or {}).get("MaxSendRate") or 0),
        suppressed_reasons=tuple((found.get("SuppressionAttributes") or {}).get("SuppressedReasons") or ()),
    )


def _default_resolver() -> Any:
    import dns.resolver

    resolver = dns.resolver.Resolver()
    resolver.timeout = resolver.lifetime = QUERY_SECONDS
    return _Bounded(resolver, DNS_SECONDS)


class _Bounded:
    """dnspython's resolver with a deadline for all the lookups of one run: the workspace's Settings page runs the
    doctor inside a request, which API Gateway ends at 29 s. A lookup past the deadline fails like a timeout."""

    def __init__(self, resolver: Any, seconds: float):
        self._resolver, self._deadline = resolver, time.monotonic() + seconds

    def resolve(self, name: str, rdtype: str) -> Any:
        import dns.exception

        left = self._deadline - time.monotonic()
        if left <= 0:
            raise dns.exception.Timeout(timeout=0.0)
        return self._resolver.resolve(name, rdtype, lifetime=min(QUERY_SECONDS, left))


def lookup(resolver: Any, name: str, rdtype: str) -> tuple[str, ...] | None:
    """The answers as text (an empty tuple: no such record); None when the lookup itself failed."""
    import dns.exception
    import dns.resolver

    try:
        return tuple(rdata.to_text() for rdata in resolver.resolve(name, rdtype))
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return ()
    except dns.exception.DNSException:
        return None
