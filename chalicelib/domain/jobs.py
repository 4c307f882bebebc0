"""Jobs: what a job body may say. Jobs come from recruiters (API) and, later, the ATS."""
from __future__ import annotations

from .candidates import SENIORITIES, _list, _one_of, _text, parse_bool
from .clock import is_id
from .countries import COUNTRY_ALIASES, ISO_COUNTRIES
from .errors import ValidationError
from .skills import normalize_skill
from .text import is_web_url

FIELDS = ("title", "skills", "city", "country", "remote", "description", "seniority", "department", "pools", "url")


def validate_job(body: object) -> dict:
    if not isinstance(body, dict):
        raise ValidationError("body must be a JSON object")
    problems = {name: "unknown field" for name in sorted(set(body) - set(FIELDS))}
    job: dict = {}
    checks = {
        "title": lambda v: _text(v, "title"),
        "city": lambda v: _text(v, "city"),
        "description": lambda v: _text(v, "description", 10_000),
        "department": lambda v: _text(v, "department"),
        "seniority": lambda v: _one_of(v, "seniority", SENIORITIES),
        "remote": lambda v: parse_bool(v, "remote"),
    }
    for name, check in checks.items():
        if name in body:
            try:
                job[name] = check(body[name])
            except ValidationError as exc:
                problems.update(exc.fields)
    if not job.get("title"):
        problems["title"] = "required"
    if "skills" in body:
        try:
            job["skills"] = _list(body["skills"], "skills", normalize_skill)
        except ValidationError as exc:
            problems.update(exc.fields)
    if body.get("country") is not None:
        country = body["country"].strip().upper() if isinstance(body["country"], str) else ""
        country = COUNTRY_ALIASES.get(country, country)
        if country not in ISO_COUNTRIES:
            problems["country"] = "must be an ISO 3166 alpha-2 code such as GB"
        job["country"] = country
    if body.get("url") is not None:
        url = body["url"]
        # the link goes into job-alert emails: no whitespace, CR/LF or quotes (is_web_url)
        if not is_web_url(url, 500):
            problems["url"] = "an http(s) link to the job posting"
        else:
            job["url"] = url
    if "pools" in body:
        pools = body["pools"]
        if not isinstance(pools, list) or not all(is_id(p, "pool") for p in pools):
            problems["pools"] = "a list of pool ids"
        else:
            job["pools"] = list(dict.fromkeys(pools))
    if problems:
        raise ValidationError("invalid job: " + ", ".join(sorted(problems)), problems)
    return job
