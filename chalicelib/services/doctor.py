"""The deliverability doctor for the running stage: its sending setup and the checks of domain/doctor.py.

What `crm doctor` prints, for the workspace's Settings page and GET /doctor. The facts come through a port
(`Gatherer`: chalicelib/aws/doctor.py `gather`, SES v2 and DNS, each lookup and the whole run bounded in time),
so the page answers within API Gateway's 29 s. On the local stack there is no DNS to ask (its domains are
example.com placeholders) and the emulator has no SES account: those sources are skipped and say why.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ..domain.doctor import Check, DnsRecord, Facts, diagnose, needs_fixing

if TYPE_CHECKING:
    from ..settings import Settings

# The sources the local stack cannot answer, and why (crmcli/doctor.py says the same for `crm doctor`)
LOCAL_SKIPS = {"dns": "the local stack: its domains are example.com placeholders, with no DNS to ask",
               "account": "the local stack: the emulator has no SES account (sandbox, quota, suppression list)"}


class Gatherer(Protocol):
    def __call__(self, settings: Settings, *, skip: Mapping[str, str] | None = None) -> Facts:
        """The facts of `settings`' stage; the sources in `skip` (name -> why) are not asked."""


@dataclass(frozen=True)
class Diagnosis:
    domain: str
    checks: list[Check]
    skipped: dict[str, str]  # source ("identity", "account", "dns") -> why it was not gathered

    @property
    def needs_fixing(self) -> bool:
        return needs_fixing(self.checks)

    @property
    def records(self) -> list[DnsRecord]:
        """The DNS records to add: those of the checks to fix."""
        return [c.record for c in self.checks if c.status == "fix" and c.record is not None]


class DoctorService:
    def __init__(self, settings: Settings, gather: Gatherer):
        self._settings, self._gather = settings, gather

    def setup(self) -> dict:
        """How the stage sends, as its settings say (read at start, validated: chalicelib/settings.py)."""
        s = self._settings
        return {"stage": s.stage, "from_email": s.from_email, "sending_domain": s.sending_domain,
                "mail_from_domain": s.mail_from_domain, "reply_domain": s.reply_domain, "region": s.region,
                "ses_max_rate": s.ses_max_rate, "local": s.is_local,
                "configuration_sets": {"marketing": s.ses_configuration_set,
                                       "transactional": s.ses_transactional_configuration_set,
                                       "outreach": s.ses_outreach_configuration_set}}

    def diagnose(self) -> Diagnosis:
        facts = self._gather(self._settings, skip=LOCAL_SKIPS if self._settings.is_local else None)
        return Diagnosis(facts.domain, diagnose(facts), dict(facts.skipped))

    def report(self) -> dict:
        """GET /doctor's answer: every check, whether any must be fixed, and the sources not gathered."""
        found = self.diagnose()
        return {"domain": found.domain, "checks": [check_json(c) for c in found.checks],
                "needs_fixing": found.needs_fixing, "skipped": found.skipped}


def check_json(check: Check) -> dict:
    answer: dict = {"name": check.key, "title": check.title, "state": check.status, "detail": check.detail}
    if check.record is not None:  # a fix: the record to add; otherwise the record the check looks for
        r = check.record
        answer["record"] = {"purpose": r.purpose, "name": r.name, "type": r.type, "value": r.value, "line": r.line()}
    return answer
