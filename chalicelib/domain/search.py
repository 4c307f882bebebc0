"""What a recruiter looks for in people: a skill and a piece of a name or an address (PeopleSearch, the pools'
member search), and the browse filters and sort orders of GET /candidates and the workspace's candidate list
(BrowseFilter, Sort). Validated here; the store turns them into its own query (services never build one).

The facets a person is indexed under (`facet_values`) are a rule of this module too: the store keeps one index
item per facet value, and a filter reads the partition of its most selective facet (FACET_ORDER).
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .clock import iso
from .countries import country_code
from .errors import ValidationError
from .skills import normalize_skill, normalize_tag
from .text import unsafe_reason
from .vocabulary import CandidateStatus, Stage

# Indexed facets, the most selective first: a browse reads the partition of the first one it filters on and
# checks the others on the items it reads. A guess from how recruiting data is spread (a tag or a city holds a
# few percent of people, a country or a status tens of percent); remote (yes or no) is never selective enough
# to deserve its own items.
FACET_ORDER = ("tag", "city", "role", "stage", "skill", "status", "country")
# The browse parameters a list URL carries (GET /candidates, /dashboard/candidates), besides paging.
FILTER_PARAMS = ("q", "skill", "role", "tag", "pool", "status", "stage", "country", "city", "remote", "engagement",
                 "last_contact")
SORTS = ("added", "name", "engagement", "last_contact")
# Statuses most people have (everyone imported or sourced is not subscribed; sign-ups become subscribed): never
# selective, so not worth an index item per person; a filter on one reads everyone and checks the status.
BROAD_STATUSES = (CandidateStatus.NOT_SUBSCRIBED.value, CandidateStatus.SUBSCRIBED.value)
MAX_FILTER_CHARS = 200
MAX_DAYS = 3650
MAX_ENGAGEMENT = 1e9  # the bound pool rules hold scores to (domain/rules.py MAX_NUMBER)
_CONTACT = re.compile(r"(over_)?([0-9]{1,4})d")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class PeopleSearch:
    skill: str | None = None  # normalized through the alias table
    text: str | None = None  # lower case, at least 2 characters

    @classmethod
    def parse(cls, skill: str | None, q: str | None) -> "PeopleSearch":
        text = q.strip().lower() if q else None
        if text is not None and len(text) < 2:
            raise ValidationError.field("q", "at least 2 characters")
        return cls(normalize_skill(skill) if skill else None, text or None)

    @property
    def empty(self) -> bool:
        return self.skill is None and self.text is None


def normalize_city(city: object) -> str | None:
    """A city as the index holds it: case and spacing do not matter ("New  York" is "new york")."""
    if not isinstance(city, str):
        return None
    return _SPACES.sub(" ", city.strip()).casefold() or None


def sortable_name(first: object, last: object) -> str:
    """"First Last" as it sorts: accents folded (é with e), case folded; "" for a person without a name."""
    text = " ".join(part for part in (first, last) if isinstance(part, str) and part.strip())
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _SPACES.sub(" ", folded.casefold()).strip()[:150]  # bounded: it goes into an index key


def search_text(person: Mapping) -> tuple[str, str]:
    """(address, "first last") in lower case: what a text search (`q`) looks in."""
    name = " ".join(str(person.get(part) or "") for part in ("first_name", "last_name")).strip()
    return str(person.get("email") or "").lower(), name.lower()


def facet_values(person: Mapping) -> list[tuple[str, str]]:
    """Each (facet, value) a person is found under: every skill, role and tag, their status (unless a broad one),
    stage, country and city. Stored lists are normalized already; normalized again so a value typed around the
    API still meets its filter."""
    values: list[tuple[str, str]] = []
    for facet, name, normal in (("skill", "skills", normalize_skill), ("role", "roles", normalize_tag),
                                ("tag", "tags", normalize_tag)):
        seen = {normal(v) for v in person.get(name) or () if isinstance(v, str)}
        values += [(facet, v) for v in sorted(seen) if v]
    for facet in ("status", "stage", "country"):
        if isinstance(person.get(facet), str) and person[facet] and not (
                facet == "status" and person[facet] in BROAD_STATUSES):
            values.append((facet, str(person[facet])))
    city = normalize_city(person.get("city"))
    if city:
        values.append(("city", city))
    return values


@dataclass(frozen=True)
class Contact:
    """Last contact as a filter: within the last `days`, not within them (never contacted included), or never."""
    kind: str  # within, over, never
    days: int = 0

    @classmethod
    def parse(cls, text: str) -> "Contact":
        if text == "never":
            return cls("never")
        found = _CONTACT.fullmatch(text)
        days = int(found.group(2)) if found else 0
        if not found or not 1 <= days <= MAX_DAYS:
            raise ValidationError.field("last_contact", f"one of never, <days>d (within them) or over_<days>d "
                                                        f"(not within them), days from 1 to {MAX_DAYS}")
        return cls("over" if found.group(1) else "within", days)

    @property
    def text(self) -> str:
        return "never" if self.kind == "never" else f"{'over_' if self.kind == 'over' else ''}{self.days}d"

    def cutoff(self, now: datetime) -> str:
        return iso(now - timedelta(days=self.days))

    def matches(self, last_contacted_at: object, now: datetime) -> bool:
        last = last_contacted_at if isinstance(last_contacted_at, str) and last_contacted_at else None
        if self.kind == "never":
            return last is None
        if self.kind == "within":
            return last is not None and last >= self.cutoff(now)
        return last is None or last < self.cutoff(now)


@dataclass(frozen=True)
class Sort:
    """An order of a list: `added` (when the person was added), `name`, `engagement`, `last_contact`; descending
    when written with a leading "-" (`-added`, newest first, is the default)."""
    key: str = "added"
    descending: bool = True

    @classmethod
    def parse(cls, text: str | None) -> "Sort":
        if text is None or text == "":
            return cls()
        key = text[1:] if text.startswith("-") else text
        if key not in SORTS:
            raise ValidationError.field("sort", "one of " + ", ".join(SORTS) + ", each with a leading - for descending")
        return cls(key, text.startswith("-"))

    @property
    def text(self) -> str:
        return ("-" if self.descending else "") + self.key

    def flipped(self) -> "Sort":
        return Sort(self.key, not self.descending)


@dataclass(frozen=True)
class BrowseFilter:
    """The filters of a list of people. Text is normalized as stored (skills through the alias table, tags and
    roles in lower case, cities case-folded, countries as ISO codes); None: not filtered on."""
    skill: str | None = None
    role: str | None = None
    tag: str | None = None
    status: str | None = None
    stage: str | None = None
    country: str | None = None
    city: str | None = None
    remote: bool | None = None
    engagement: float | None = None  # at least this score
    contact: Contact | None = None
    text: str | None = None  # in the address or the name, lower case
    pool: str | None = None  # within this pool's members
    params: dict = field(default_factory=dict, compare=False)  # as given, for links that keep the filters

    @classmethod
    def parse(cls, query: Mapping[str, str] | None) -> "BrowseFilter":
        """The filters in a query (GET parameters; an empty value is no filter). Every problem is named."""
        given = {name: query[name] for name in FILTER_PARAMS if query and isinstance(query.get(name), str)}
        given = {name: value.strip() for name, value in given.items() if value.strip()}
        values: dict[str, object] = {}
        problems: dict[str, str] = {}
        for name, value in given.items():
            try:
                values[_FIELD.get(name, name)] = _PARSERS[name](value)
            except ValidationError as error:
                problems.update(error.fields or {name: error.message})
        if problems:
            raise ValidationError("invalid filters: " + ", ".join(sorted(problems)), problems)
        return cls(**values, params=given)  # type: ignore[arg-type]

    @property
    def empty(self) -> bool:
        return not self.params

    def facets(self) -> list[tuple[str, str]]:
        """The indexed facets filtered on, the most selective first (FACET_ORDER; a broad status is not one)."""
        return [(facet, getattr(self, facet)) for facet in FACET_ORDER if getattr(self, facet) is not None
                and not (facet == "status" and self.status in BROAD_STATUSES)]

    def matches(self, person: Mapping, now: datetime) -> bool:
        """Whether a person (a candidate, or a pool membership's copy of one) passes every filter."""
        lists = {"skill": ("skills", normalize_skill), "role": ("roles", normalize_tag), "tag": ("tags", normalize_tag)}
        for facet, (name, normal) in lists.items():
            wanted = getattr(self, facet)
            if wanted is not None and wanted not in {normal(v) for v in person.get(name) or () if isinstance(v, str)}:
                return False
        for facet in ("status", "stage", "country"):
            if getattr(self, facet) is not None and person.get(facet) != getattr(self, facet):
                return False
        if self.city is not None and normalize_city(person.get("city")) != self.city:
            return False
        if self.remote is not None and person.get("remote_ok") is not self.remote:
            return False
        if self.engagement is not None and _score(person.get("engagement_score")) < self.engagement:
            return False
        if self.contact is not None and not self.contact.matches(person.get("last_contacted_at"), now):
            return False
        if self.text is not None and not any(self.text in part for part in search_text(person)):
            return False
        return True


def _score(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _checked(name: str, value: str) -> str:
    if len(value) > MAX_FILTER_CHARS:
        raise ValidationError.field(name, f"at most {MAX_FILTER_CHARS} characters")
    if problem := unsafe_reason(value, single_line=True):
        raise ValidationError.field(name, problem)
    return value


def _item(name: str, normal):
    def parse(value: str) -> str:
        text = normal(_checked(name, value))
        if len(text) > 100:  # no skill, role or tag is longer (domain/candidates.py)
            raise ValidationError.field(name, "at most 100 characters")
        return text
    return parse


def _choice(name: str, allowed: tuple[str, ...]):
    def parse(value: str) -> str:
        key = _SPACES.sub("_", _checked(name, value).lower()).replace("-", "_")
        if key not in allowed:
            raise ValidationError.field(name, "one of " + ", ".join(allowed))
        return key
    return parse


def _country(value: str) -> str:
    code = country_code(_checked("country", value))
    if code is None:
        raise ValidationError.field("country", "an ISO 3166 alpha-2 code such as GB")
    return code


def _city(value: str) -> str:
    return normalize_city(_checked("city", value)) or ""


def _remote(value: str) -> bool:
    text = _checked("remote", value).lower()
    if text in ("yes", "true", "1", "y", "on"):
        return True
    if text in ("no", "false", "0", "n", "off"):
        return False
    raise ValidationError.field("remote", "yes or no")


def _engagement(value: str) -> float:
    try:
        number = float(_checked("engagement", value))
    except ValueError:
        number = math.nan
    if not 0 <= number <= MAX_ENGAGEMENT:  # NaN fails this too
        raise ValidationError.field("engagement", f"a number from 0 to {MAX_ENGAGEMENT:.0f} (the lowest score)")
    return number


def _text(value: str) -> str:
    text = _checked("q", value).lower()
    if len(text) < 2:
        raise ValidationError.field("q", "at least 2 characters")
    return text


def _pool(value: str) -> str:
    return _checked("pool", value)


_PARSERS = {
    "q": _text, "skill": _item("skill", normalize_skill), "role": _item("role", normalize_tag),
    "tag": _item("tag", normalize_tag), "pool": _pool,
    "status": _choice("status", tuple(s.value for s in CandidateStatus)),
    "stage": _choice("stage", tuple(s.value for s in Stage)),
    "country": _country, "city": _city, "remote": _remote, "engagement": _engagement,
    "last_contact": lambda value: Contact.parse(_checked("last_contact", value)),
}
_FIELD = {"q": "text", "last_contact": "contact"}  # parameter name -> BrowseFilter field


@dataclass(frozen=True)
class BrowsePage:
    """A page of a list of people: the items, the cursors on either side (None: nothing that way), what it read.

    `indexed` is False while the browse index is being built (the list then comes from a scan, unsorted)."""
    items: list
    next_cursor: str | None = None
    previous_cursor: str | None = None
    read: int = 0
    indexed: bool = True
    sort: Sort = field(default_factory=Sort)
