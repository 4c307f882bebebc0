"""Property tests of the parsers hostile input reaches first (issue #11, class 6): for any input, a parsed
result that is safe to store, or the documented 4xx error; nothing else, ever."""
import json
import math
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from hypothesis import given, settings, strategies as st

from chalicelib.domain import jsonbody
from chalicelib.domain.errors import CrmError, ValidationError

EXAMPLES = settings(max_examples=300, deadline=None)

# Text of any code point, lone surrogates included (hypothesis leaves them out unless asked).
any_char = st.characters(codec=None, blacklist_categories=())
any_text = st.text(any_char, max_size=40)
surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)

# JSON the strict reader must accept as it is.
safe_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
safe_numbers = (st.integers(-jsonbody.MAX_INT, jsonbody.MAX_INT)
                | st.floats(-jsonbody.MAX_FLOAT, jsonbody.MAX_FLOAT, allow_nan=False).filter(
                    lambda x: x == 0 or abs(x) >= jsonbody.MIN_FLOAT))
safe_json = st.recursive(
    st.none() | st.booleans() | safe_numbers | safe_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(safe_text.filter(lambda k: len(k) <= 200),
                                                                         children, max_size=4),
    max_leaves=20)

# JSON-ish values of every type, including what the reader must refuse.
wild_leaf = (st.none() | st.booleans() | st.integers() | st.floats() | any_text
             | st.sampled_from(["2026-11-20T10:00:00Z", "0001-01-01T00:00:00+01:00", "ada@example.com", "Bounce"]))
wild_json = st.recursive(wild_leaf, lambda children: st.lists(children, max_size=3)
                         | st.dictionaries(any_text, children, max_size=3), max_leaves=12)


def storable(value, depth=1) -> bool:
    """What DynamoDB and the logs can take: UTF-8 strings, numbers in range, bounded nesting."""
    if isinstance(value, str):
        value.encode("utf-8")
        return True
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return abs(value) <= jsonbody.MAX_INT
    if isinstance(value, float):
        return math.isfinite(value) and (value == 0 or jsonbody.MIN_FLOAT <= abs(value) <= jsonbody.MAX_FLOAT)
    if isinstance(value, list):
        return depth <= jsonbody.MAX_DEPTH and all(storable(v, depth + 1) for v in value)
    return (depth <= jsonbody.MAX_DEPTH and all(storable(k) for k in value)
            and all(storable(v, depth + 1) for v in value.values()))


def refused_as_json(call) -> bool:
    try:
        call()
    except ValidationError as exc:
        assert exc.code == "invalid_json" and exc.fields
        return True
    return False


# ---------------------------------------------------------------- the strict JSON reader

@EXAMPLES
@given(st.binary(max_size=300) | st.text(any_char, max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_bytes_parse_to_something_storable_or_invalid_json(raw):
    try:
        value = jsonbody.loads(raw)
    except ValidationError as exc:
        assert exc.code == "invalid_json" and exc.status == 400
        return
    assert storable(value)


@EXAMPLES
@given(st.text(st.sampled_from('[]{}",:0123456789.eE-+ \\truefalsnNaIiy'), max_size=200))
def test_json_shaped_text_parses_or_is_invalid_json(text):
    try:
        value = jsonbody.loads(text)
    except ValidationError as exc:
        assert exc.code == "invalid_json"
        return
    assert storable(value)


@EXAMPLES
@given(safe_json)
def test_what_is_within_bounds_round_trips(value):
    assert jsonbody.loads(json.dumps(value)) == value
    assert jsonbody.loads(json.dumps(value, ensure_ascii=False).encode()) == value
    assert jsonbody.check(value) is value


@EXAMPLES
@given(safe_json, surrogates, st.booleans())
def test_a_lone_surrogate_anywhere_is_refused(value, bad, as_key):
    wrapped = {bad: value} if as_key else [value, {"x": ["a" + bad]}]
    assert refused_as_json(lambda: jsonbody.loads(json.dumps(wrapped)))
    assert refused_as_json(lambda: jsonbody.check(wrapped))


@EXAMPLES
@given(st.integers(jsonbody.MAX_DEPTH + 1, 50_000), st.sampled_from(["[]", '{"a":}']))
def test_nesting_beyond_the_bound_is_refused_without_recursion(depth, brackets):
    opening, closing = (brackets[0], brackets[1]) if brackets == "[]" else ('{"a":', "}")
    text = opening * depth + ("1" if brackets != "[]" else "") + closing * depth
    assert refused_as_json(lambda: jsonbody.loads(text))


@EXAMPLES
@given(st.integers().filter(lambda n: abs(n) > jsonbody.MAX_INT)
       | st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1e-200", "1" * 41]))
def test_numbers_out_of_range_are_refused(number):
    assert refused_as_json(lambda: jsonbody.loads(f'{{"n": {number}}}'))


# ---------------------------------------------------------------- dates

@EXAMPLES
@given(any_text | st.sampled_from(["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-14:00", "20260101", "2026-W01-1",
                                   "1900-01-01T00:00:00+00:01", "2200-12-31T23:59:59-00:30", "2026-01-01T00:00:00Z"])
       | st.datetimes(timezones=st.timezones() | st.none()).map(datetime.isoformat))
def test_parse_iso_gives_a_utc_time_in_range_or_value_error(text):
    from chalicelib.domain.clock import MAX_YEAR, MIN_YEAR, iso, parse_iso

    try:
        moment = parse_iso(text)
    except ValueError:
        return
    assert moment.tzinfo is timezone.utc and MIN_YEAR <= moment.year <= MAX_YEAR
    # the arithmetic done on such times (windows, caps, durations of years) stays in range
    for delta in (timedelta(days=30), timedelta(days=7), timedelta(days=3650)):
        iso(moment - delta), iso(moment + delta)
    assert parse_iso(iso(moment)) == moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@EXAMPLES
@given(wild_leaf | st.lists(wild_leaf, max_size=2))
def test_parse_time_gives_an_iso_time_or_a_validation_error(value):
    from chalicelib.domain.candidates import parse_time
    from chalicelib.domain.clock import parse_iso

    try:
        result = parse_time(value, "at")
    except ValidationError as exc:
        assert list(exc.fields) == ["at"]
        return
    assert result is None or parse_iso(result)


# ---------------------------------------------------------------- the sign-up form

form_fields = st.sampled_from(["email", "consent", "first_name", "city", "skills", "tags", "linkedin_url",
                               "redirect_to", "utm_source", "form_id", "website", "country", "phone"])
form_values = st.text(any_char, max_size=30).map(lambda t: t.encode("utf-8", "surrogatepass"))


@st.composite
def form_bodies(draw):
    from urllib.parse import quote_from_bytes

    pairs = draw(st.lists(st.tuples(form_fields, form_values | st.binary(max_size=10)), max_size=8))
    pairs = [("email", b"form@example.com"), ("consent", b"on")] + pairs if draw(st.booleans()) else pairs
    return "&".join(f"{name}={quote_from_bytes(value)}" for name, value in pairs).encode()


@EXAMPLES
@given(form_bodies() | st.binary(max_size=200))
def test_any_sign_up_form_is_a_clean_sign_up_or_a_4xx(raw):
    from chalicelib.domain.signups import parse_signup
    from chalicelib.domain.text import is_web_url, unsafe_reason
    from chalicelib.http import read_form_or_json

    request = SimpleNamespace(raw_body=raw, headers={"content-type": "application/x-www-form-urlencoded"})
    try:
        signup = parse_signup(read_form_or_json(request, 16 * 1024), ("https://careers.example.com",))
    except CrmError as exc:
        assert 400 <= exc.status < 500 and exc.to_dict()["error"]["message"]
        return
    assert signup.redirect_to is None or is_web_url(signup.redirect_to, dotted_host=False)
    texts = [signup.email, *signup.utm.values(), signup.form_id or "", signup.page or "", signup.consent_version or ""]
    texts += [v for v in signup.profile.values() if isinstance(v, str)]
    texts += [item for v in signup.profile.values() if isinstance(v, list) for item in v]
    assert all(unsafe_reason(text, single_line=True) is None for text in texts), texts


# ---------------------------------------------------------------- webhooks: SNS envelope, SES event, ATS event

SNS_KEYS = st.sampled_from(["Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion",
                            "Signature", "SigningCertURL", "SubscribeURL", "Token", "Other"])
SNS_TYPES = st.sampled_from(["Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation", "Other"])


@EXAMPLES
@given(st.dictionaries(SNS_KEYS, wild_json | SNS_TYPES, max_size=8) | wild_json)
def test_any_sns_envelope_is_well_typed_or_a_400(envelope):
    from chalicelib.domain.sns import TEXT_FIELDS, TYPES, parse_envelope, string_to_sign

    try:
        raw = json.dumps(envelope).encode()
    except ValueError:  # a NaN key or the like: send Python's text anyway
        raw = repr(envelope).encode("utf-8", "surrogatepass")
    try:
        parsed = parse_envelope(raw)
    except ValidationError as exc:
        assert exc.status == 400
        return
    assert parsed["Type"] in TYPES
    assert all(isinstance(parsed[name], str) for name in TEXT_FIELDS if parsed.get(name) is not None)
    try:
        string_to_sign(parsed).decode("utf-8")
    except Exception as exc:  # noqa: BLE001 - only "not verified" may come out of it
        assert type(exc).__name__ == "NotVerified"


SES_KEYS = st.sampled_from(["eventType", "notificationType", "mail", "messageId", "destination", "tags", "timestamp",
                            "bounce", "bounceType", "bouncedRecipients", "emailAddress", "feedbackId", "complaint",
                            "complainedRecipients", "delivery", "recipients", "deliveryDelay", "delayedRecipients",
                            "reject", "reason", "failure", "errorMessage", "open", "click"])
SES_LEAVES = wild_leaf | st.sampled_from(list(__import__("chalicelib.domain.ses_events", fromlist=["KINDS"]).KINDS))
ses_json = st.recursive(SES_LEAVES, lambda children: st.lists(children, max_size=3)
                        | st.dictionaries(SES_KEYS, children, max_size=5), max_leaves=25)


@EXAMPLES
@given(st.dictionaries(SES_KEYS, ses_json, max_size=6))
def test_any_ses_event_parses_to_a_well_typed_event(message):
    from chalicelib.domain.clock import parse_iso
    from chalicelib.domain.ses_events import KINDS, parse_ses_event

    event = parse_ses_event(message)  # never raises
    assert event.kind in set(KINDS.values()) | {"unknown"}
    assert isinstance(event.raw_type, str)
    assert event.message_id is None or isinstance(event.message_id, str) and len(event.message_id) <= 300
    assert all(isinstance(r, str) for r in event.recipients) and len(event.recipients) <= 100
    assert event.at is None or parse_iso(event.at)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in event.tags.items())
    assert event.detail is None or isinstance(event.detail, str)


ATS_KEYS = st.sampled_from(["id", "type", "occurred_at", "data", "email", "job_id", "offer_id", "stage", "title"])
ATS_LEAVES = wild_leaf | st.sampled_from(["application.created", "job.opened", "candidate.stage_changed",
                                          "interviewing"])
ats_json = st.recursive(ATS_LEAVES, lambda children: st.lists(children, max_size=3)
                        | st.dictionaries(ATS_KEYS, children, max_size=6), max_leaves=20)


@EXAMPLES
@given(ats_json | st.binary(max_size=100))
def test_any_ats_event_is_well_typed_or_a_400(data):
    from chalicelib.domain.ats import parse_event
    from chalicelib.domain.clock import parse_iso

    try:
        event = parse_event(data)
    except ValidationError as exc:
        assert exc.status == 400 and exc.fields
        return
    assert isinstance(event["id"], str) and isinstance(event["type"], str) and parse_iso(event["occurred_at"])
    assert isinstance(event["data"], dict) and storable(event["data"])
    for name in ("job_id", "offer_id", "email", "stage"):
        assert event["data"].get(name) is None or isinstance(event["data"][name], str)
