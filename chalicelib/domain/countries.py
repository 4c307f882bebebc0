"""Countries: ISO 3166-1 alpha-2 codes and each country's time zones, from the tz database.

Both come from the `tzdata` package (a runtime dependency, zoneinfo's data source where the OS has
none, as in Lambda): iso3166.tab lists the codes, zone.tab each country's zones, in its order
("geographic, most populous zones first where that does not contradict geography": not a ranking).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import tzdata


def _rows(name: str) -> list[list[str]]:
    # A path beside the package, not importlib.resources: that imports zipfile and tempfile (15-30 ms a cold start)
    text = (Path(tzdata.__file__).parent / "zoneinfo" / name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


ISO_COUNTRIES = frozenset(row[0] for row in _rows("iso3166.tab"))
# Common spellings people type into a spreadsheet.
COUNTRY_ALIASES = {"UK": "GB", "USA": "US", "UNITED KINGDOM": "GB", "UNITED STATES": "US",
                   "GERMANY": "DE", "FRANCE": "FR", "IRELAND": "IE", "NETHERLANDS": "NL", "SPAIN": "ES",
                   "CANADA": "CA", "INDIA": "IN", "AUSTRALIA": "AU", "POLAND": "PL", "ENGLAND": "GB"}


def country_code(value: object) -> str | None:
    """The ISO code for "gb", " GB ", "UK", "United Kingdom"; None for anything else."""
    if not value or not isinstance(value, str):
        return None
    code = value.strip().upper()
    code = COUNTRY_ALIASES.get(code, code)
    return code if code in ISO_COUNTRIES else None


@lru_cache(maxsize=1)
def _zones_by_country() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for row in _rows("zone.tab"):
        table.setdefault(row[0], []).append(row[2])
    return {country: tuple(zones) for country, zones in table.items()}


def country_zones(code: str | None) -> tuple[str, ...]:
    """The IANA zones of an ISO country, in zone.tab's order; () for none (uninhabited BV and HM)."""
    return _zones_by_country().get(code or "", ())


@lru_cache(maxsize=1)
def most_populous_zones() -> frozenset[str]:
    """zonenow.tab: for each set of clocks that agree from now on, the zone of its most populous place."""
    return frozenset(row[2] for row in _rows("zonenow.tab"))
