"""Settings a deployed stage must not keep from the examples: `make package` refuses them (issue 16, item 7).

`.chalice/config.json` ships example values (example.com addresses, domains and URLs) and the settings have
local defaults (the public URL http://127.0.0.1:8000, admin@example.com). A stage deployed with one of them
sends mail from a domain nobody owns, links to a host nobody serves, or invites nobody as its first admin, so
the synthesis of a deployed stage stops and names each setting to set. The secrets are not among them: they
are never in the config (`make deploy` keeps them in SSM Parameter Store, see infra/deploy.py).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

# RFC 2606 / RFC 6761: names reserved for examples and tests, never anybody's real domain.
RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_TLDS = ("test", "example", "invalid", "localhost", "local")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "0.0.0.0", "::1")


def _domain_problem(domain: str) -> str | None:
    domain = domain.lower().rstrip(".")
    if any(domain == d or domain.endswith("." + d) for d in RESERVED_DOMAINS):
        return f"{domain} is an example domain"
    if domain.rpartition(".")[2] in RESERVED_TLDS or domain in LOCAL_HOSTS:
        return f"{domain} is not a public domain"
    return None


def _url_problem(url: str) -> str | None:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host in LOCAL_HOSTS:
        return f"{url} is the local stack's address"
    problem = _domain_problem(host)
    if problem:
        return problem
    if parts.scheme != "https":
        return f"{url} is not https"
    return None


def placeholder_problems(settings: Any) -> dict[str, str]:
    """Setting -> why its value is a placeholder, for a stage's settings (chalicelib.settings.Settings)."""
    problems: dict[str, str | None] = {
        "CRM_PUBLIC_URL": _url_problem(settings.public_url),
        "CRM_FROM_EMAIL": _domain_problem(settings.from_email.rpartition("@")[2]),
        "CRM_ALLOWED_ORIGINS": next(filter(None, map(_url_problem, settings.allowed_origins)), None)
        if settings.allowed_origins else "empty: no careers site may post sign-ups",
        "CRM_REPLY_DOMAIN": _domain_problem(settings.reply_domain),
        "CRM_MAIL_FROM_DOMAIN": _domain_problem(settings.mail_from_domain),
        "CRM_ADMIN_EMAIL": _domain_problem(settings.admin_email.rpartition("@")[2]),
        "CRM_ALARM_EMAIL": _domain_problem(settings.alarm_email.rpartition("@")[2]) if settings.alarm_email else None,
    }
    if settings.mail_from_domain == "bounce." + settings.sending_domain:
        problems["CRM_MAIL_FROM_DOMAIN"] = None  # the default follows CRM_FROM_EMAIL: setting that one is enough
    values = {"CRM_PUBLIC_URL": settings.public_url, "CRM_FROM_EMAIL": settings.from_email,
              "CRM_ALLOWED_ORIGINS": ",".join(settings.allowed_origins), "CRM_REPLY_DOMAIN": settings.reply_domain,
              "CRM_MAIL_FROM_DOMAIN": settings.mail_from_domain, "CRM_ADMIN_EMAIL": settings.admin_email,
              "CRM_ALARM_EMAIL": settings.alarm_email}
    return {name: f"{values[name]!r}: {problem}" for name, problem in problems.items() if problem}


def refusal(stage: str, problems: dict[str, str]) -> str:
    lines = [f"stage {stage} still has placeholder settings: set each in .chalice/config.json, "
             f'"stages": {{"{stage}": {{"environment_variables": {{...}}}}}} (docs/deploying.md, Settings):']
    lines += [f"  {name}: {problem}" for name, problem in problems.items()]
    lines.append("(to check the template of the example config only: make package ALLOW_PLACEHOLDERS=1)")
    return "\n".join(lines)
