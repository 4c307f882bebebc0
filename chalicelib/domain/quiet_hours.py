"""SMS rules: where a person is (time zone), when they must not be texted, and their number in E.164.

Sources, no hand tables of countries or calling codes:
- phone numbers by the full `phonenumbers` package (not `phonenumberslite`: lite lacks the time zones of number
  prefixes; `du -sh` 48 MB against 5.3 MB for lite, 2.5 MB of the zipped Lambda; imported on first use, about
  15 ms), through chalicelib/domain/phones.py;
- zones by the tz database: `zoneinfo` with the `tzdata` package (its zone.tab names each country's zones).

A person's zone comes from their country (or, when missing, their phone number's) and is narrowed, where the
country has several, by their city (the table below, then the tz database's own city names) and by their
number's prefix (+1 415: Los Angeles). Zones that keep the same UTC offsets over the coming year count as one
(Berlin and Busingen). Where that leaves several, the zone is unknown, and no source ranks a country's zones
by population, so none is guessed: a text goes out only at a time that is day in every zone the person may be
in, and not at all where there is no such time (zones too far apart) or no zone (a number of no country).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .countries import country_code, country_zones, most_populous_zones
from .phones import country_for_phone, normalize_phone, zones_for_phone
from .vocabulary import CandidateStatus, DecisionAction, DecisionReason

__all__ = [  # normalize_phone and country_for_phone are imported from here by the send worker and tests
    "SEND", "SKIP", "DEFER", "NO_SMS_CONSENT", "NOT_SUBSCRIBED", "NO_PHONE", "SKIP_REASONS", "CITY_ZONES",
    "country_for_phone", "normalize_phone", "possible_zones", "timezone_for", "zones_for_candidate",
    "zone_for_candidate", "is_quiet", "quiet_anywhere", "next_allowed", "first_allowed", "sms_eligibility",
]

# Decisions and the reasons for skipping, as stored on send records and counted in reports.
SEND = DecisionAction.SEND
SKIP = DecisionAction.SKIP
DEFER = DecisionAction.DEFER
NO_SMS_CONSENT = DecisionReason.NO_SMS_CONSENT
NOT_SUBSCRIBED = DecisionReason.NOT_SUBSCRIBED
NO_PHONE = DecisionReason.NO_PHONE  # no valid number, or none we can place in time
SKIP_REASONS = (NO_SMS_CONSENT, NOT_SUBSCRIBED, NO_PHONE)

QUIET_START_HOUR = 22
QUIET_END_HOUR = 8
_SAME_ZONE_DAYS = 366  # zones whose offsets agree at noon UTC on each of these days count as one

# Cities (and state or province codes, as in "Austin, TX") of countries with several zones: the tz database
# names one city a zone, phonenumbers none. Written in any case and with or without accents; see _key().
_CITY_ZONES_SOURCE: dict[str, dict[str, str]] = {
    "US": {
        "America/New_York": "new york, new york city, nyc, manhattan, brooklyn, queens, bronx, boston, "
                            "cambridge, philadelphia, pittsburgh, washington dc, baltimore, "
                            "atlanta, miami, orlando, tampa, jacksonville, charlotte, raleigh, durham, "
                            "richmond, newark, jersey city, hoboken, columbus, cleveland, cincinnati, "
                            "buffalo, hartford, providence, stamford, "
                            "NY, MA, PA, DC, MD, GA, FL, NC, SC, VA, NJ, OH, CT, RI, DE, VT, NH, ME, WV",
        "America/Detroit": "detroit, ann arbor, grand rapids, MI",
        "America/Indiana/Indianapolis": "indianapolis, IN",
        "America/Kentucky/Louisville": "louisville, KY",
        "America/Chicago": "chicago, austin, dallas, houston, san antonio, fort worth, plano, "
                           "minneapolis, saint paul, saint louis, kansas city, nashville, memphis, "
                           "new orleans, milwaukee, madison, omaha, oklahoma city, tulsa, des moines, "
                           "birmingham, little rock, "
                           "IL, TX, MN, MO, TN, LA, WI, IA, KS, NE, OK, AL, AR, MS, ND, SD",
        "America/Denver": "denver, boulder, colorado springs, salt lake city, provo, albuquerque, "
                          "el paso, CO, UT, NM, WY, MT",
        "America/Boise": "boise, ID",
        "America/Phoenix": "phoenix, scottsdale, tempe, mesa, chandler, tucson, AZ",
        "America/Los_Angeles": "los angeles, san francisco, sf, san jose, oakland, berkeley, "
                               "palo alto, mountain view, sunnyvale, santa clara, cupertino, menlo park, "
                               "redwood city, san mateo, sacramento, san diego, irvine, santa monica, "
                               "pasadena, seattle, redmond, bellevue, kirkland, tacoma, portland, "
                               "las vegas, reno, CA, WA, OR, NV",
        "America/Anchorage": "anchorage, fairbanks, juneau, AK",
        "Pacific/Honolulu": "honolulu, hilo, maui, HI",
    },
    "CA": {
        "America/Toronto": "toronto, ottawa, montreal, quebec, quebec city, mississauga, hamilton, "
                           "kitchener, waterloo, london, gatineau, laval, brampton, markham, "
                           "ON, QC",
        "America/Vancouver": "vancouver, victoria, surrey, burnaby, richmond, kelowna, BC",
        "America/Edmonton": "calgary, edmonton, yellowknife, AB, NT",
        "America/Winnipeg": "winnipeg, MB",
        "America/Regina": "regina, saskatoon, SK",
        "America/Halifax": "halifax, charlottetown, NS, PE",
        "America/Moncton": "moncton, fredericton, saint john, NB",
        "America/St_Johns": "saint johns, NL",
        "America/Whitehorse": "whitehorse, YT",
    },
    "AU": {
        "Australia/Sydney": "sydney, newcastle, wollongong, canberra, NSW, ACT",
        "Australia/Melbourne": "melbourne, geelong, VIC",
        "Australia/Brisbane": "brisbane, gold coast, sunshine coast, cairns, townsville, QLD",
        "Australia/Adelaide": "adelaide, SA",
        "Australia/Perth": "perth, fremantle, WA",
        "Australia/Hobart": "hobart, launceston, TAS",
        "Australia/Darwin": "darwin, alice springs, NT",
    },
    "BR": {
        "America/Sao_Paulo": "sao paulo, rio de janeiro, rio, belo horizonte, brasilia, curitiba, "
                             "porto alegre, florianopolis, campinas, goiania, vitoria",
        "America/Bahia": "salvador",
        "America/Recife": "recife",
        "America/Fortaleza": "fortaleza, natal, sao luis, teresina",
        "America/Belem": "belem",
        "America/Manaus": "manaus",
        "America/Cuiaba": "cuiaba",
        "America/Campo_Grande": "campo grande",
        "America/Porto_Velho": "porto velho",
        "America/Rio_Branco": "rio branco",
        "America/Noronha": "fernando de noronha",
    },
    "RU": {
        "Europe/Moscow": "moscow, moskva, москва, saint petersburg, санкт-петербург, kazan, "
                         "nizhny novgorod, rostov-on-don, voronezh, sochi, krasnodar",
        "Europe/Kaliningrad": "kaliningrad",
        "Europe/Samara": "samara",
        "Asia/Yekaterinburg": "yekaterinburg, ekaterinburg, екатеринбург, chelyabinsk, perm, ufa, tyumen",
        "Asia/Omsk": "omsk",
        "Asia/Novosibirsk": "novosibirsk, новосибирск",
        "Asia/Krasnoyarsk": "krasnoyarsk",
        "Asia/Irkutsk": "irkutsk",
        "Asia/Yakutsk": "yakutsk",
        "Asia/Vladivostok": "vladivostok, khabarovsk",
        "Asia/Magadan": "magadan",
        "Asia/Kamchatka": "petropavlovsk-kamchatsky",
    },
    "MX": {
        "America/Mexico_City": "mexico city, ciudad de mexico, cdmx, guadalajara, puebla, leon, queretaro",
        "America/Monterrey": "monterrey",
        "America/Tijuana": "tijuana, mexicali, ensenada",
        "America/Hermosillo": "hermosillo",
        "America/Mazatlan": "mazatlan, culiacan, la paz",
        "America/Chihuahua": "chihuahua",
        "America/Ciudad_Juarez": "ciudad juarez, juarez",
        "America/Cancun": "cancun, playa del carmen, tulum",
        "America/Merida": "merida",
    },
    "ID": {
        "Asia/Jakarta": "jakarta, bandung, surabaya, semarang, yogyakarta, medan, palembang, bekasi, "
                        "tangerang, depok",
        "Asia/Pontianak": "pontianak",
        "Asia/Makassar": "makassar, denpasar, bali, balikpapan, manado, banjarmasin",
        "Asia/Jayapura": "jayapura, ambon",
    },
    "CN": {"Asia/Shanghai": "beijing, shanghai, shenzhen, guangzhou, chengdu, hangzhou, wuhan, nanjing, "
                            "xian, chongqing, tianjin, suzhou",
           "Asia/Urumqi": "urumqi, kashgar"},
    "CD": {"Africa/Kinshasa": "kinshasa, matadi, mbandaka",
           "Africa/Lubumbashi": "lubumbashi, goma, bukavu, kisangani, mbuji-mayi, kananga"},
    "CL": {"America/Santiago": "santiago, valparaiso, vina del mar, concepcion, antofagasta, temuco",
           "America/Punta_Arenas": "punta arenas", "Pacific/Easter": "easter island, hanga roa"},
    "MN": {"Asia/Ulaanbaatar": "ulaanbaatar, ulan bator, erdenet, darkhan", "Asia/Hovd": "hovd, khovd"},
    "ES": {"Europe/Madrid": "madrid, barcelona, valencia, seville, sevilla, zaragoza, malaga, murcia, palma, "
                            "palma de mallorca, bilbao, alicante, cordoba, valladolid, vigo, granada, a coruna",
           "Atlantic/Canary": "las palmas, las palmas de gran canaria, santa cruz de tenerife, "
                              "tenerife, gran canaria, lanzarote"},
    "PT": {"Europe/Lisbon": "lisbon, lisboa, porto, braga, coimbra, faro, aveiro, setubal",
           "Atlantic/Madeira": "funchal, madeira", "Atlantic/Azores": "ponta delgada, azores"},
    "EC": {"America/Guayaquil": "quito, guayaquil, cuenca", "Pacific/Galapagos": "galapagos, puerto ayora"},
    "NZ": {"Pacific/Auckland": "auckland, wellington, christchurch, hamilton, tauranga, dunedin, "
                               "palmerston north, napier, nelson, queenstown",
           "Pacific/Chatham": "chatham islands"},
}


def _key(text: str) -> str:
    """Lower case, accents and punctuation dropped, spaces collapsed, "st"/"st." read as "saint"."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).replace("'", "").replace("’", "")
    words = re.sub(r"[^\w]+", " ", text).split()
    return " ".join("saint" if word in ("st", "ste") else word for word in words)


def _build_city_zones() -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
    for country, zones in _CITY_ZONES_SOURCE.items():
        for zone, names in zones.items():
            for name in names.split(","):
                table.setdefault(country, {})[_key(name)] = zone
    return table


CITY_ZONES = _build_city_zones()


@lru_cache(maxsize=None)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=None)
def _offsets(name: str) -> tuple[timedelta | None, ...] | None:
    """The zone's UTC offset at noon UTC on each of the coming days; None for a name the tz database lacks."""
    try:
        tz = _zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    noon = datetime.now(timezone.utc).replace(hour=12, minute=0, second=0, microsecond=0)
    return tuple((noon + timedelta(days=day)).astimezone(tz).utcoffset() for day in range(_SAME_ZONE_DAYS))


def _distinct(zones: tuple[str, ...]) -> tuple[str, ...]:
    """One zone of each group that keeps the same offsets (Europe/Berlin, not Europe/Busingen too), in order.

    Named by the group's most populous place where the tz database gives it (Sydney, not Hobart), else its first.
    """
    popular = most_populous_zones()
    groups: dict[object, str] = {}
    for zone in zones:
        offsets = _offsets(zone)
        if offsets is None:
            continue
        if offsets not in groups or (zone in popular and groups[offsets] not in popular):
            groups[offsets] = zone  # a group keeps its first place in the order
    return tuple(groups.values())


def _city_zone(country: str, city: object) -> str | None:
    """The zone named by a city or state code ("San Francisco", "Austin, TX", "Calgary / AB"), or None."""
    if not city or not isinstance(city, str):
        return None
    names = dict(CITY_ZONES.get(country, {}))
    for zone in country_zones(country):  # the tz database's own exemplar cities: "Cordoba", "Hovd", ...
        names.setdefault(_key(zone.rsplit("/", 1)[-1].replace("_", " ")), zone)
    parts = [_key(part) for part in re.split(r"[,;/()|]", city)]
    for candidate in [_key(city)] + [part for part in parts if part]:
        if candidate in names:
            return names[candidate]
    return None


def possible_zones(country: object, city: object = None, phone_e164: str | None = None) -> tuple[str, ...]:
    """The zones a person may be in: one when known, several when not, () when there is no country to go by.

    `country` is an ISO code or alias (the phone number's country when missing); `phone_e164` a number in E.164.
    """
    code = country_code(country) or country_for_phone(phone_e164)
    zones = _distinct(country_zones(code))
    if code is None or len(zones) <= 1:  # no country has no zones
        return zones
    by_city = _city_zone(code, city)
    if by_city:
        return (by_city,)
    by_phone = {_offsets(zone) for zone in zones_for_phone(phone_e164)}
    return tuple(zone for zone in zones if _offsets(zone) in by_phone) or zones


def timezone_for(country: object, city: object = None, phone_e164: str | None = None) -> str | None:
    """The IANA zone for a country (ISO alpha-2 or alias), city and number; None when unknown (see above)."""
    zones = possible_zones(country, city, phone_e164)
    return zones[0] if len(zones) == 1 else None


def zones_for_candidate(candidate: dict) -> tuple[str, ...]:
    """possible_zones() of a profile: country and city, with the phone number standing in for a missing country."""
    phone = normalize_phone(candidate.get("phone"), candidate.get("country"))
    return possible_zones(candidate.get("country"), candidate.get("city"), phone)


def zone_for_candidate(candidate: dict) -> str | None:
    zones = zones_for_candidate(candidate)
    return zones[0] if len(zones) == 1 else None


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _quiet_hour(hour: int, start_hour: int, end_hour: int) -> bool:
    if start_hour == end_hour:
        return False
    if start_hour < end_hour:
        return start_hour <= hour < end_hour
    return hour >= start_hour or hour < end_hour  # the window spans midnight


def is_quiet(now_utc: datetime, zone: str, start_hour: int = QUIET_START_HOUR,
             end_hour: int = QUIET_END_HOUR) -> bool:
    """Whether the local time in `zone` is inside [start_hour, end_hour) (naive means UTC)."""
    return _quiet_hour(_utc(now_utc).astimezone(_zone(zone)).hour, start_hour, end_hour)


def quiet_anywhere(now_utc: datetime, zones: tuple[str, ...], start_hour: int = QUIET_START_HOUR,
                   end_hour: int = QUIET_END_HOUR) -> bool:
    return any(is_quiet(now_utc, zone, start_hour, end_hour) for zone in zones)


def first_allowed(now_utc: datetime, zones: tuple[str, ...], start_hour: int = QUIET_START_HOUR,
                  end_hour: int = QUIET_END_HOUR) -> datetime | None:
    """The first moment (UTC) outside quiet hours in every zone: `now_utc`, or some zone's next end_hour:00 local.

    None when there is none in the next days: the zones are too far apart to share a day.
    """
    now = _utc(now_utc)
    if not quiet_anywhere(now, zones, start_hour, end_hour):
        return now
    ends = []
    for zone in zones:
        tz = _zone(zone)
        day = now.astimezone(tz).date()
        for offset in range(4):  # today's end_hour has passed in the evening part; zones skipped days
            local = datetime.combine(day + timedelta(days=offset), time(end_hour), tzinfo=tz)
            ends.append(local.astimezone(timezone.utc))
    for moment in sorted(ends):
        if moment > now and not quiet_anywhere(moment, zones, start_hour, end_hour):
            return moment
    return None


def next_allowed(now_utc: datetime, zone: str, start_hour: int = QUIET_START_HOUR,
                 end_hour: int = QUIET_END_HOUR) -> datetime:
    """The first moment (UTC) outside quiet hours: `now_utc` itself, or the next end_hour:00 local."""
    moment = first_allowed(now_utc, (zone,), start_hour, end_hour)
    if moment is None:  # pragma: no cover - one zone always has a day
        raise AssertionError(f"no allowed time found in {zone} after {_utc(now_utc).isoformat()}")
    return moment


def sms_eligibility(candidate: dict, now_utc: datetime) -> tuple[DecisionAction, DecisionReason | datetime | None]:
    """("send", None), ("skip", reason) or ("defer", next allowed moment in UTC).

    Checked in order: SMS consent, subscription status, a valid phone number, quiet hours in every zone the
    person may be in (a number we cannot place in any zone, or only in zones that never share a day, is no_phone).
    """
    if candidate.get("sms_consent") is not True:
        return SKIP, NO_SMS_CONSENT
    if candidate.get("status") != CandidateStatus.SUBSCRIBED:
        return SKIP, NOT_SUBSCRIBED
    if normalize_phone(candidate.get("phone"), candidate.get("country")) is None:
        return SKIP, NO_PHONE
    zones = zones_for_candidate(candidate)
    moment = first_allowed(now_utc, zones) if zones else None
    if moment is None:
        return SKIP, NO_PHONE
    if moment == _utc(now_utc):
        return SEND, None
    return DEFER, moment
