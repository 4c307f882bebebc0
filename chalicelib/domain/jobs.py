"""Jobs: what a job body may say. Jobs come from recruiters (API) and the ATS.

A job's text fields are read as a profile's are (candidates: one line, numbers as their text, skills as a
list or comma-separated text, remote as true/false/yes/no), so what the ATS sends reads the same.
"""
from __future__ import annotations

from typing import Annotated, Any, Callable

from pydantic import BeforeValidator, Field

from .bodies import ABSENT, Body, described, parse_as, problem_of
from .body_fields import ids_of
from .candidates import SENIORITIES, _list, _one_of, _text, parse_bool
from .countries import COUNTRY_ALIASES, ISO_COUNTRIES
from .skills import normalize_skill
from .text import is_web_url

FIELDS = ("title", "skills", "city", "country", "remote", "description", "seniority", "department", "pools", "url")


def _text_of(field: str, limit: int = 200) -> Callable[[Any], str | None]:
    return problem_of(lambda value: _text(value, field, limit))


def _country(value: Any) -> str | None:
    if value is None:
        return None
    country = value.strip().upper() if isinstance(value, str) else ""
    country = COUNTRY_ALIASES.get(country, country)
    if country not in ISO_COUNTRIES:
        raise described()
    return country


def _url(value: Any) -> str | None:
    # the link goes into job-alert emails: no whitespace, CR/LF or quotes (is_web_url)
    if value is not None and not is_web_url(value, 500):
        raise described()
    return value


class JobBody(Body):
    title: Annotated[str, BeforeValidator(_text_of("title"))] = Field(description="required")
    skills: Annotated[list[str], BeforeValidator(problem_of(lambda v: _list(v, "skills", normalize_skill)))] = ABSENT
    city: Annotated[str | None, BeforeValidator(_text_of("city"))] = ABSENT
    country: Annotated[str | None, BeforeValidator(_country)] = Field(
        ABSENT, description="must be an ISO 3166 alpha-2 code such as GB")
    remote: Annotated[bool | None, BeforeValidator(problem_of(lambda v: parse_bool(v, "remote")))] = ABSENT
    description: Annotated[str | None, BeforeValidator(_text_of("description", 10_000))] = ABSENT
    seniority: Annotated[str | None, BeforeValidator(problem_of(lambda v: _one_of(v, "seniority", SENIORITIES)))] = (
        ABSENT)
    department: Annotated[str | None, BeforeValidator(_text_of("department"))] = ABSENT
    pools: Annotated[list[str], BeforeValidator(ids_of("pool"))] = Field(ABSENT, description="a list of pool ids")
    url: Annotated[str | None, BeforeValidator(_url)] = Field(ABSENT, description="an http(s) link to the job posting")


def validate_job(body: object) -> dict:
    """The fields sent, normalized (a null country or url is left out)."""
    job = parse_as(JobBody, body, "invalid job")
    sent = {name: getattr(job, name) for name in FIELDS if name in job.model_fields_set}
    return {name: value for name, value in sent.items() if value is not None or name not in ("country", "url")}
