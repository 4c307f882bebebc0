"""SMS rules: where a person is (time zone), when they must not be texted, and their number in E.164.

Pure Python: time zones come from the standard `zoneinfo` (with the `tzdata` package as its data
source where the OS has none, as in Lambda). A person's zone is guessed from `country` and `city`;
when `country` is missing it is taken from the phone number's calling code.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from .countries import COUNTRY_ALIASES

# Decisions and the reasons for skipping, as stored on send records and counted in reports.
SEND = "send"
SKIP = "skip"
DEFER = "defer"
NO_SMS_CONSENT = "no_sms_consent"
NOT_SUBSCRIBED = "not_subscribed"
NO_PHONE = "no_phone"
SKIP_REASONS = (NO_SMS_CONSENT, NOT_SUBSCRIBED, NO_PHONE)

QUIET_START_HOUR = 22
QUIET_END_HOUR = 8
DEFAULT_ZONE = "UTC"

# Each ISO 3166 country's zone; for countries with several, the one most people live in.
COUNTRY_ZONES: dict[str, str] = {
    "AD": "Europe/Andorra", "AE": "Asia/Dubai", "AF": "Asia/Kabul", "AG": "America/Antigua",
    "AI": "America/Anguilla", "AL": "Europe/Tirane", "AM": "Asia/Yerevan", "AO": "Africa/Luanda",
    "AQ": "Antarctica/McMurdo", "AR": "America/Argentina/Buenos_Aires", "AS": "Pacific/Pago_Pago",
    "AT": "Europe/Vienna", "AU": "Australia/Sydney", "AW": "America/Aruba", "AX": "Europe/Mariehamn",
    "AZ": "Asia/Baku", "BA": "Europe/Sarajevo", "BB": "America/Barbados", "BD": "Asia/Dhaka",
    "BE": "Europe/Brussels", "BF": "Africa/Ouagadougou", "BG": "Europe/Sofia", "BH": "Asia/Bahrain",
    "BI": "Africa/Bujumbura", "BJ": "Africa/Porto-Novo", "BL": "America/St_Barthelemy",
    "BM": "Atlantic/Bermuda", "BN": "Asia/Brunei", "BO": "America/La_Paz", "BQ": "America/Kralendijk",
    "BR": "America/Sao_Paulo", "BS": "America/Nassau", "BT": "Asia/Thimphu", "BV": "Europe/Oslo",
    "BW": "Africa/Gaborone", "BY": "Europe/Minsk", "BZ": "America/Belize", "CA": "America/Toronto",
    "CC": "Indian/Cocos", "CD": "Africa/Kinshasa", "CF": "Africa/Bangui", "CG": "Africa/Brazzaville",
    "CH": "Europe/Zurich", "CI": "Africa/Abidjan", "CK": "Pacific/Rarotonga", "CL": "America/Santiago",
    "CM": "Africa/Douala", "CN": "Asia/Shanghai", "CO": "America/Bogota", "CR": "America/Costa_Rica",
    "CU": "America/Havana", "CV": "Atlantic/Cape_Verde", "CW": "America/Curacao",
    "CX": "Indian/Christmas", "CY": "Asia/Nicosia", "CZ": "Europe/Prague", "DE": "Europe/Berlin",
    "DJ": "Africa/Djibouti", "DK": "Europe/Copenhagen", "DM": "America/Dominica",
    "DO": "America/Santo_Domingo", "DZ": "Africa/Algiers", "EC": "America/Guayaquil",
    "EE": "Europe/Tallinn", "EG": "Africa/Cairo", "EH": "Africa/El_Aaiun", "ER": "Africa/Asmara",
    "ES": "Europe/Madrid", "ET": "Africa/Addis_Ababa", "FI": "Europe/Helsinki", "FJ": "Pacific/Fiji",
    "FK": "Atlantic/Stanley", "FM": "Pacific/Chuuk", "FO": "Atlantic/Faroe", "FR": "Europe/Paris",
    "GA": "Africa/Libreville", "GB": "Europe/London", "GD": "America/Grenada", "GE": "Asia/Tbilisi",
    "GF": "America/Cayenne", "GG": "Europe/Guernsey", "GH": "Africa/Accra", "GI": "Europe/Gibraltar",
    "GL": "America/Nuuk", "GM": "Africa/Banjul", "GN": "Africa/Conakry", "GP": "America/Guadeloupe",
    "GQ": "Africa/Malabo", "GR": "Europe/Athens", "GS": "Atlantic/South_Georgia",
    "GT": "America/Guatemala", "GU": "Pacific/Guam", "GW": "Africa/Bissau", "GY": "America/Guyana",
    "HK": "Asia/Hong_Kong", "HM": "Indian/Kerguelen", "HN": "America/Tegucigalpa",
    "HR": "Europe/Zagreb", "HT": "America/Port-au-Prince", "HU": "Europe/Budapest",
    "ID": "Asia/Jakarta", "IE": "Europe/Dublin", "IL": "Asia/Jerusalem", "IM": "Europe/Isle_of_Man",
    "IN": "Asia/Kolkata", "IO": "Indian/Chagos", "IQ": "Asia/Baghdad", "IR": "Asia/Tehran",
    "IS": "Atlantic/Reykjavik", "IT": "Europe/Rome", "JE": "Europe/Jersey", "JM": "America/Jamaica",
    "JO": "Asia/Amman", "JP": "Asia/Tokyo", "KE": "Africa/Nairobi", "KG": "Asia/Bishkek",
    "KH": "Asia/Phnom_Penh", "KI": "Pacific/Tarawa", "KM": "Indian/Comoro", "KN": "America/St_Kitts",
    "KP": "Asia/Pyongyang", "KR": "Asia/Seoul", "KW": "Asia/Kuwait", "KY": "America/Cayman",
    "KZ": "Asia/Almaty", "LA": "Asia/Vientiane", "LB": "Asia/Beirut", "LC": "America/St_Lucia",
    "LI": "Europe/Vaduz", "LK": "Asia/Colombo", "LR": "Africa/Monrovia", "LS": "Africa/Maseru",
    "LT": "Europe/Vilnius", "LU": "Europe/Luxembourg", "LV": "Europe/Riga", "LY": "Africa/Tripoli",
    "MA": "Africa/Casablanca", "MC": "Europe/Monaco", "MD": "Europe/Chisinau",
    "ME": "Europe/Podgorica", "MF": "America/Marigot", "MG": "Indian/Antananarivo",
    "MH": "Pacific/Majuro", "MK": "Europe/Skopje", "ML": "Africa/Bamako", "MM": "Asia/Yangon",
    "MN": "Asia/Ulaanbaatar", "MO": "Asia/Macau", "MP": "Pacific/Saipan", "MQ": "America/Martinique",
    "MR": "Africa/Nouakchott", "MS": "America/Montserrat", "MT": "Europe/Malta",
    "MU": "Indian/Mauritius", "MV": "Indian/Maldives", "MW": "Africa/Blantyre",
    "MX": "America/Mexico_City", "MY": "Asia/Kuala_Lumpur", "MZ": "Africa/Maputo",
    "NA": "Africa/Windhoek", "NC": "Pacific/Noumea", "NE": "Africa/Niamey", "NF": "Pacific/Norfolk",
    "NG": "Africa/Lagos", "NI": "America/Managua", "NL": "Europe/Amsterdam", "NO": "Europe/Oslo",
    "NP": "Asia/Kathmandu", "NR": "Pacific/Nauru", "NU": "Pacific/Niue", "NZ": "Pacific/Auckland",
    "OM": "Asia/Muscat", "PA": "America/Panama", "PE": "America/Lima", "PF": "Pacific/Tahiti",
    "PG": "Pacific/Port_Moresby", "PH": "Asia/Manila", "PK": "Asia/Karachi", "PL": "Europe/Warsaw",
    "PM": "America/Miquelon", "PN": "Pacific/Pitcairn", "PR": "America/Puerto_Rico",
    "PS": "Asia/Hebron", "PT": "Europe/Lisbon", "PW": "Pacific/Palau", "PY": "America/Asuncion",
    "QA": "Asia/Qatar", "RE": "Indian/Reunion", "RO": "Europe/Bucharest", "RS": "Europe/Belgrade",
    "RU": "Europe/Moscow", "RW": "Africa/Kigali", "SA": "Asia/Riyadh", "SB": "Pacific/Guadalcanal",
    "SC": "Indian/Mahe", "SD": "Africa/Khartoum", "SE": "Europe/Stockholm", "SG": "Asia/Singapore",
    "SH": "Atlantic/St_Helena", "SI": "Europe/Ljubljana", "SJ": "Arctic/Longyearbyen",
    "SK": "Europe/Bratislava", "SL": "Africa/Freetown", "SM": "Europe/San_Marino",
    "SN": "Africa/Dakar", "SO": "Africa/Mogadishu", "SR": "America/Paramaribo", "SS": "Africa/Juba",
    "ST": "Africa/Sao_Tome", "SV": "America/El_Salvador", "SX": "America/Lower_Princes",
    "SY": "Asia/Damascus", "SZ": "Africa/Mbabane", "TC": "America/Grand_Turk", "TD": "Africa/Ndjamena",
    "TF": "Indian/Kerguelen", "TG": "Africa/Lome", "TH": "Asia/Bangkok", "TJ": "Asia/Dushanbe",
    "TK": "Pacific/Fakaofo", "TL": "Asia/Dili", "TM": "Asia/Ashgabat", "TN": "Africa/Tunis",
    "TO": "Pacific/Tongatapu", "TR": "Europe/Istanbul", "TT": "America/Port_of_Spain",
    "TV": "Pacific/Funafuti", "TW": "Asia/Taipei", "TZ": "Africa/Dar_es_Salaam", "UA": "Europe/Kyiv",
    "UG": "Africa/Kampala", "UM": "Pacific/Midway", "US": "America/New_York",
    "UY": "America/Montevideo", "UZ": "Asia/Tashkent", "VA": "Europe/Vatican",
    "VC": "America/St_Vincent", "VE": "America/Caracas", "VG": "America/Tortola",
    "VI": "America/St_Thomas", "VN": "Asia/Ho_Chi_Minh", "VU": "Pacific/Efate",
    "WF": "Pacific/Wallis", "WS": "Pacific/Apia", "YE": "Asia/Aden", "YT": "Indian/Mayotte",
    "ZA": "Africa/Johannesburg", "ZM": "Africa/Lusaka", "ZW": "Africa/Harare",
}

# Cities (and state or province codes, as in "Austin, TX") of countries with several zones.
# Written in any case and with or without accents; see _key() for how text is matched.
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
        "Australia/Darwin": "darwin, NT",
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
    "CD": {"Africa/Lubumbashi": "lubumbashi, goma, bukavu, kisangani, mbuji-mayi, kananga"},
    "CL": {"America/Punta_Arenas": "punta arenas", "Pacific/Easter": "easter island, hanga roa"},
    "MN": {"Asia/Hovd": "hovd, khovd"},
    "ES": {"Atlantic/Canary": "las palmas, las palmas de gran canaria, santa cruz de tenerife, "
                              "tenerife, gran canaria, lanzarote"},
    "PT": {"Atlantic/Madeira": "funchal, madeira", "Atlantic/Azores": "ponta delgada, azores"},
    "EC": {"Pacific/Galapagos": "galapagos, puerto ayora"},
    "NZ": {"Pacific/Chatham": "chatham islands"},
}

# ITU calling codes. Codes are prefix-free, so a number's country code is found by its prefix.
CALLING_CODES: dict[str, str] = {
    "AD": "376", "AE": "971", "AF": "93", "AG": "1", "AI": "1", "AL": "355", "AM": "374", "AO": "244",
    "AQ": "672", "AR": "54", "AS": "1", "AT": "43", "AU": "61", "AW": "297", "AX": "358", "AZ": "994",
    "BA": "387", "BB": "1", "BD": "880", "BE": "32", "BF": "226", "BG": "359", "BH": "973", "BI": "257",
    "BJ": "229", "BL": "590", "BM": "1", "BN": "673", "BO": "591", "BQ": "599", "BR": "55", "BS": "1",
    "BT": "975", "BV": "47", "BW": "267", "BY": "375", "BZ": "501", "CA": "1", "CC": "61", "CD": "243",
    "CF": "236", "CG": "242", "CH": "41", "CI": "225", "CK": "682", "CL": "56", "CM": "237", "CN": "86",
    "CO": "57", "CR": "506", "CU": "53", "CV": "238", "CW": "599", "CX": "61", "CY": "357", "CZ": "420",
    "DE": "49", "DJ": "253", "DK": "45", "DM": "1", "DO": "1", "DZ": "213", "EC": "593", "EE": "372",
    "EG": "20", "EH": "212", "ER": "291", "ES": "34", "ET": "251", "FI": "358", "FJ": "679", "FK": "500",
    "FM": "691", "FO": "298", "FR": "33", "GA": "241", "GB": "44", "GD": "1", "GE": "995", "GF": "594",
    "GG": "44", "GH": "233", "GI": "350", "GL": "299", "GM": "220", "GN": "224", "GP": "590", "GQ": "240",
    "GR": "30", "GS": "500", "GT": "502", "GU": "1", "GW": "245", "GY": "592", "HK": "852", "HM": "672",
    "HN": "504", "HR": "385", "HT": "509", "HU": "36", "ID": "62", "IE": "353", "IL": "972", "IM": "44",
    "IN": "91", "IO": "246", "IQ": "964", "IR": "98", "IS": "354", "IT": "39", "JE": "44", "JM": "1",
    "JO": "962", "JP": "81", "KE": "254", "KG": "996", "KH": "855", "KI": "686", "KM": "269", "KN": "1",
    "KP": "850", "KR": "82", "KW": "965", "KY": "1", "KZ": "7", "LA": "856", "LB": "961", "LC": "1",
    "LI": "423", "LK": "94", "LR": "231", "LS": "266", "LT": "370", "LU": "352", "LV": "371", "LY": "218",
    "MA": "212", "MC": "377", "MD": "373", "ME": "382", "MF": "590", "MG": "261", "MH": "692", "MK": "389",
    "ML": "223", "MM": "95", "MN": "976", "MO": "853", "MP": "1", "MQ": "596", "MR": "222", "MS": "1",
    "MT": "356", "MU": "230", "MV": "960", "MW": "265", "MX": "52", "MY": "60", "MZ": "258", "NA": "264",
    "NC": "687", "NE": "227", "NF": "672", "NG": "234", "NI": "505", "NL": "31", "NO": "47", "NP": "977",
    "NR": "674", "NU": "683", "NZ": "64", "OM": "968", "PA": "507", "PE": "51", "PF": "689", "PG": "675",
    "PH": "63", "PK": "92", "PL": "48", "PM": "508", "PN": "64", "PR": "1", "PS": "970", "PT": "351",
    "PW": "680", "PY": "595", "QA": "974", "RE": "262", "RO": "40", "RS": "381", "RU": "7", "RW": "250",
    "SA": "966", "SB": "677", "SC": "248", "SD": "249", "SE": "46", "SG": "65", "SH": "290", "SI": "386",
    "SJ": "47", "SK": "421", "SL": "232", "SM": "378", "SN": "221", "SO": "252", "SR": "597", "SS": "211",
    "ST": "239", "SV": "503", "SX": "1", "SY": "963", "SZ": "268", "TC": "1", "TD": "235", "TF": "262",
    "TG": "228", "TH": "66", "TJ": "992", "TK": "690", "TL": "670", "TM": "993", "TN": "216", "TO": "676",
    "TR": "90", "TT": "1", "TV": "688", "TW": "886", "TZ": "255", "UA": "380", "UG": "256", "UM": "1",
    "US": "1", "UY": "598", "UZ": "998", "VA": "39", "VC": "1", "VE": "58", "VG": "1", "VI": "1",
    "VN": "84", "VU": "678", "WF": "681", "WS": "685", "YE": "967", "YT": "262", "ZA": "27", "ZM": "260",
    "ZW": "263",
}
# Shared codes: the country a bare number is assumed to be from when the profile names none.
_CODE_PRIMARY = {"1": "US", "7": "RU", "44": "GB", "47": "NO", "61": "AU", "64": "NZ", "39": "IT",
                 "212": "MA", "262": "RE", "358": "FI", "500": "FK", "590": "GP", "599": "CW", "672": "NF"}
COUNTRY_FOR_CODE: dict[str, str] = {
    **{code: country for country, code in sorted(CALLING_CODES.items(), reverse=True)}, **_CODE_PRIMARY
}

# How national numbers are written. Default: a trunk "0" dropped in international form.
_NANP = frozenset(c for c, code in CALLING_CODES.items() if code == "1")
_TRUNK = {"HU": "06", "RU": "8", "KZ": "8"}
_KEEPS_LEADING_ZERO = frozenset({"IT", "SM", "VA"})  # the 0 is part of the number (+39 06 ...)
# Countries whose national numbers have no trunk prefix: +<code><national number>.
_NO_TRUNK = frozenset({
    "AD", "BH", "CR", "CY", "CZ", "DK", "EE", "ES", "GR", "GT", "HK", "HN", "IS", "KW", "LV", "MC", "MO",
    "MT", "MX", "NI", "NO", "OM", "PA", "PL", "PT", "QA", "SG", "SV",
})
# Length of the national (significant) number where it is fixed enough to tell a national number
# from the same number written internationally without the "+", or with a trunk prefix left off.
_NATIONAL_LENGTHS = {
    "AD": (6, 6), "BH": (8, 8), "CR": (8, 8), "CY": (8, 8), "CZ": (9, 9), "DK": (8, 8), "EE": (7, 8),
    "ES": (9, 9), "GR": (10, 10), "GT": (8, 8), "HK": (8, 8), "HN": (8, 8), "IS": (7, 9), "KW": (8, 8),
    "LV": (8, 8), "MC": (8, 9), "MO": (8, 8), "MT": (8, 8), "MX": (10, 10), "NI": (8, 8), "NO": (8, 8),
    "OM": (8, 8), "PA": (7, 8), "PL": (9, 9), "PT": (9, 9), "QA": (8, 8), "SG": (8, 8), "SV": (8, 8),
    "AU": (9, 9), "BR": (10, 11), "CH": (9, 9), "CN": (10, 11), "FR": (9, 9), "GB": (9, 10),
    "IN": (10, 10), "JP": (9, 10), "KE": (9, 9), "KZ": (10, 10), "NG": (10, 10), "NL": (9, 9),
    "PH": (10, 10), "PK": (10, 10), "RU": (10, 10), "TR": (10, 10), "ZA": (9, 9),
}
_EXIT = {"AU": "0011", "JP": "010"} | {c: "011" for c in _NANP}  # default "00"
_PHONE_CHARS = re.compile(r"^\+?[0-9 ().\-/]+$")
_MIN_DIGITS, _MAX_DIGITS = 8, 15


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


def _country(country: str | None) -> str | None:
    if not country or not isinstance(country, str):
        return None
    code = country.strip().upper()
    code = COUNTRY_ALIASES.get(code, code)
    return code if code in COUNTRY_ZONES else None


def timezone_for(country: str | None, city: str | None) -> str:
    """The IANA zone for a country (ISO alpha-2) and optional free-text city; "UTC" if unknown."""
    code = _country(country)
    if code is None:
        return DEFAULT_ZONE
    cities = CITY_ZONES.get(code)
    if cities and city and isinstance(city, str):
        # "San Francisco", "San Francisco, CA", "Austin (TX)", "Calgary / AB"
        parts = [_key(part) for part in re.split(r"[,;/()|]", city)]
        parts = [part for part in parts if part]
        for candidate in [_key(city)] + parts:
            if candidate in cities:
                return cities[candidate]
    return COUNTRY_ZONES[code]


@lru_cache(maxsize=None)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


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


def next_allowed(now_utc: datetime, zone: str, start_hour: int = QUIET_START_HOUR,
                 end_hour: int = QUIET_END_HOUR) -> datetime:
    """The first moment (UTC) outside quiet hours: `now_utc` itself, or the next end_hour:00 local."""
    now = _utc(now_utc)
    if not _quiet_hour(now.astimezone(_zone(zone)).hour, start_hour, end_hour):
        return now
    tz = _zone(zone)
    day = now.astimezone(tz).date()
    for offset in range(4):  # today's end_hour has passed in the evening part; zones skipped days
        local = datetime.combine(day + timedelta(days=offset), time(end_hour), tzinfo=tz)
        moment = local.astimezone(timezone.utc)
        if moment > now and not _quiet_hour(moment.astimezone(tz).hour, start_hour, end_hour):
            return moment
    raise AssertionError(f"no allowed time found in {zone} after {now.isoformat()}")  # pragma: no cover


def normalize_phone(raw: str | None, country: str | None) -> str | None:
    """E.164 ("+" and 8 to 15 digits) from a number as typed, or None when that can't be done safely.

    "+44 (0)20 7946 0958", "0044 20 7946 0958" and, with country GB, "020 7946 0958" all give
    "+442079460958". National numbers are read with the conventions of `country`: its exit code
    (00, 011 in NANP, 0011 in AU, 010 in JP), trunk prefix (0; 06 in HU; 8 in RU and KZ; none in
    NANP, ES, PT, ...; kept in IT) and, where fixed, the national number's length, which also tells
    "7911 123456" (GB, trunk left off) from "447911123456" ("+" left off). Anything else is None.
    """
    if not raw or not isinstance(raw, str):
        return None
    text = raw.strip().replace("(0)", "")
    if not text or not _PHONE_CHARS.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    code = _country(country)
    if text.startswith("+"):
        number = digits
    elif code and digits.startswith(_EXIT.get(code, "00")):
        number = digits[len(_EXIT.get(code, "00")):]
    elif code is None and digits.startswith("00"):
        number = digits[2:]
    elif code is None:
        return None
    elif code in _NANP:
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        if len(digits) != 10 or digits[0] in "01":
            return None
        number = "1" + digits
    else:
        number = _national_to_international(digits, code)
        if number is None:
            return None
    if not (_MIN_DIGITS <= len(number) <= _MAX_DIGITS) or number[0] == "0":
        return None
    if country_for_phone("+" + number) is None:
        return None
    return "+" + number


def _national_to_international(digits: str, country: str) -> str | None:
    calling = CALLING_CODES[country]
    if country in _KEEPS_LEADING_ZERO:
        return calling + digits
    trunk = None if country in _NO_TRUNK else _TRUNK.get(country, "0")
    lengths = _NATIONAL_LENGTHS.get(country)
    if lengths is None:  # lengths vary: only a trunk prefix or the calling code tells
        if trunk and digits.startswith(trunk):
            return calling + digits[len(trunk):]
        return digits if digits.startswith(calling) else None
    low, high = lengths
    if trunk and digits.startswith(trunk) and low <= len(digits) - len(trunk) <= high:
        return calling + digits[len(trunk):]
    if low <= len(digits) <= high and not digits.startswith("0"):
        return calling + digits  # no trunk prefix (none in the country, or left off)
    if digits.startswith(calling) and low <= len(digits) - len(calling) <= high:
        return digits  # written internationally without the "+"
    return None


def country_for_phone(phone_e164: str | None) -> str | None:
    """The country of an E.164 number's calling code (for shared codes, the largest country)."""
    if not phone_e164 or not phone_e164.startswith("+"):
        return None
    digits = phone_e164[1:]
    for length in (1, 2, 3):
        country = COUNTRY_FOR_CODE.get(digits[:length])
        if country:
            return country
    return None


def zone_for_candidate(candidate: dict) -> str:
    """The zone from country and city, with the phone's calling code standing in for a missing country."""
    country = _country(candidate.get("country"))
    if country is None:
        country = country_for_phone(normalize_phone(candidate.get("phone"), None))
    return timezone_for(country, candidate.get("city"))


def sms_eligibility(candidate: dict, now_utc: datetime) -> tuple[str, str | datetime | None]:
    """("send", None), ("skip", reason) or ("defer", next allowed moment in UTC).

    Checked in order: SMS consent, subscription status, a usable phone number, quiet hours.
    """
    if candidate.get("sms_consent") is not True:
        return SKIP, NO_SMS_CONSENT
    if candidate.get("status") != "subscribed":
        return SKIP, NOT_SUBSCRIBED
    if normalize_phone(candidate.get("phone"), candidate.get("country")) is None:
        return SKIP, NO_PHONE
    zone = zone_for_candidate(candidate)
    if is_quiet(now_utc, zone):
        return DEFER, next_allowed(now_utc, zone)
    return SEND, None
