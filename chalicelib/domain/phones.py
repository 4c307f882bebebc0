"""Phone numbers: read, checked and placed (country, time zones) by `phonenumbers`, Google's libphonenumber data.

Which build: the full `phonenumbers` (pinned in requirements.txt), not `phonenumberslite`. Lite lacks the time
zones of number prefixes, and those are what tell a +1 415 number (Los Angeles) from a +1 212 one (New York).
`du -sh` of the installed package: 48 MB with pip's bytecode, 23 MB of source (most of it geocoder and carrier
data, never imported here), against 5.3 MB and 2.8 MB for lite; in the Lambda zip 22 MB unzipped, 2.5 MB zipped
(of 73 MB and 29 MB in all: well within Lambda's 250 MB). Importing it takes about 15 ms (lite: the same), so it is
imported on first use: a Lambda that touches no phone number never pays for it.

Three answers, by how sure the number is:
- valid (a number in a range that is in service): written in E.164 (+ and digits), and the only kind texted;
- possible (the right length for its country, but a range the data doesn't know as in service: new ranges,
  numbers reserved for drama) or unplaceable (national digits and no country to read them with): kept as typed;
- impossible (no such calling code, too short or too long for the country): refused, with the reason.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from .countries import country_code

if TYPE_CHECKING:  # pragma: no cover
    from phonenumbers import PhoneNumber

# What people type: digits, an optional leading "+", spaces and the punctuation of written numbers.
# Letters ("ext", vanity numbers), which phonenumbers would read, are refused.
_PHONE_CHARS = re.compile(r"^\+?[0-9 ().\-/]+$")
_UNKNOWN_ZONE = "Etc/Unknown"
_NON_GEOGRAPHIC = "001"  # phonenumbers' region for +800, +881, ...: numbers of no country


class ImpossiblePhone(ValueError):
    """A number that no country could have; str() is the reason, for the person who typed it."""


@lru_cache(maxsize=1)
def _lib():
    import phonenumbers  # lazily: see the module docstring

    return phonenumbers


def _parse_reason(error_type: int) -> str:
    error = _lib().NumberParseException
    # NOT_A_NUMBER: fewer than 3 digits (the characters were checked before)
    return {error.INVALID_COUNTRY_CODE: "no country has that calling code", error.TOO_LONG: "too long"}.get(
        error_type, "too short")


def _length_reason(result: int, number: "PhoneNumber") -> str:
    result_ = _lib().ValidationResult
    reason = {result_.INVALID_COUNTRY_CODE: "no country has that calling code", result_.TOO_LONG: "too long",
              result_.INVALID_LENGTH: "the wrong number of digits"}.get(result, "too short")
    return f"{reason} for +{number.country_code}"


def parse_phone(text: str, country: object) -> "PhoneNumber | None":
    """`text` read as dialled in `country` (an ISO code or alias) when it has no "+"; "(0)" is ignored.

    None when it can't be placed: national digits and no country. Raises ImpossiblePhone.
    """
    pn = _lib()
    text = text.strip().replace("(0)", "")  # "+44 (0)20 ...": the trunk 0 written for national callers
    if not _PHONE_CHARS.match(text):
        raise ImpossiblePhone("must be a phone number (digits, spaces and + ( ) . - /)")
    region = country_code(country)
    if region is None and not text.startswith("+"):
        digits = re.sub(r"\D", "", text)
        if not digits.startswith("00"):
            return None
        text = "+" + digits[2:]  # "0044 ...": the international prefix of most countries
    try:
        number = pn.parse(text, region)
    except pn.NumberParseException as exc:
        raise ImpossiblePhone(f"must be a phone number: {_parse_reason(exc.error_type)}") from None
    result = pn.is_possible_number_with_reason(number)
    # A number too short to dial from elsewhere is fine as typed for local calls, not with its calling code.
    local = result == pn.ValidationResult.IS_POSSIBLE_LOCAL_ONLY and not text.startswith("+")
    if result != pn.ValidationResult.IS_POSSIBLE and not local:
        raise ImpossiblePhone(f"must be a phone number: {_length_reason(result, number)}")
    return number


def _e164(number: "PhoneNumber") -> str:
    pn = _lib()
    return pn.format_number(number, pn.PhoneNumberFormat.E164)


def normalize_phone(raw: object, country: object) -> str | None:
    """E.164 for a valid number as typed (read with `country`'s conventions when it has no "+"), else None.

    "+44 (0)20 7946 0958", "0044 20 7946 0958" and, with country GB, "020 7946 0958" all give "+442079460958".
    """
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        number = parse_phone(raw, country)
    except ImpossiblePhone:
        return None
    if number is None or not _lib().is_valid_number(number):
        return None
    return _e164(number)


def profile_phone(text: str, country: object) -> str:
    """What a profile stores: E.164 for a valid number, else the text as typed. Raises ImpossiblePhone.

    A possible number the data doesn't know is kept, not refused: libphonenumber's ranges trail the
    numbering plans, and a new range is a real person's number. It is never texted (normalize_phone).
    """
    number = parse_phone(text, country)
    if number is not None and _lib().is_valid_number(number):
        return _e164(number)
    return text


def _valid(phone_e164: str | None) -> "PhoneNumber | None":
    if not phone_e164 or not isinstance(phone_e164, str) or not phone_e164.startswith("+"):
        return None
    try:
        number = parse_phone(phone_e164, None)
    except ImpossiblePhone:
        return None
    return number if number is not None and _lib().is_valid_number(number) else None


def country_for_phone(phone_e164: str | None) -> str | None:
    """The ISO country of a valid international number (+7 7xx: KZ, +1 416: CA); None for none."""
    number = _valid(phone_e164)
    if number is None:
        return None
    region = _lib().region_code_for_number(number)
    return None if region in (None, _NON_GEOGRAPHIC) else region


def zones_for_phone(phone_e164: str | None) -> tuple[str, ...]:
    """The zones libphonenumber gives a valid number's prefix (one for +1 415; many for a mobile); () if none."""
    number = _valid(phone_e164)
    if number is None:
        return ()
    from phonenumbers import timezone  # lazily, as the package

    return tuple(zone for zone in timezone.time_zones_for_number(number) if zone != _UNKNOWN_ZONE)
