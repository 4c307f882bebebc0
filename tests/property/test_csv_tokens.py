"""Properties of the CSV reader and the tokens in links: whatever comes in, the answer is a result or
the documented error, never another exception; exports read back; altered tokens never verify."""
import base64
import hashlib
import hmac
import struct
from datetime import datetime

from hypothesis import assume, example, given, settings, strategies as st

from chalicelib.domain.csvio import export_header, export_rows, parse_csv
from chalicelib.domain.errors import CrmError
from chalicelib.domain.tokens import TokenError, TokenSigner
from chalicelib.domain.tracking import BadToken, Token, day_number, make_token, read_token

SECRET = "property-secret"
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

# ------------------------------------------------------------------ CSV: anything in

csv_like = st.text(alphabet=st.sampled_from(list('ab@.,;\t"\r\n \ufeff=é') + ["\x00", "\u2028", "\ud800"]),
                   max_size=400)


def parsed_or_documented_error(data) -> None:
    try:
        parsed = parse_csv(data)
    except CrmError as error:  # the documented answers: 400 (what is wrong with the file) or 413 (too many rows)
        assert error.status in (400, 413) and error.to_dict()["error"]["message"]
        assert len(error.message) < 300  # short, never an echo of the file
        return
    for row in parsed.rows:
        assert row.row >= 2 and (row.error is None) == (row.email is not None)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
@example(b"email" + b",x" * 300 + b"\n")
@example(b'email\n"' + b"x" * 300_000 + b'"')
def test_any_bytes_parse_or_get_the_documented_error(data):
    parsed_or_documented_error(data)


@settings(max_examples=300, deadline=None)
@given(st.one_of(csv_like, st.text(max_size=300)).map(lambda body: "Email,First name,Tags\n" + body))
def test_any_text_under_a_header_parses_or_gets_the_documented_error(text):
    parsed_or_documented_error(text)


# ------------------------------------------------------------------ CSV: export then import

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéøß", min_size=1, max_size=12)
# Text a spreadsheet would run as a formula is exported with a leading ' (CSV injection), so it does not
# come back unchanged by design; neither do list items holding the list separators , ; |.
name = st.lists(words, min_size=1, max_size=3).map(" ".join).map(str.title)
item = st.lists(words, min_size=1, max_size=2).map(" ".join)
profiles = st.fixed_dictionaries({}, optional={
    "first_name": name, "last_name": name, "city": name,
    "phone": st.from_regex(r"\+44 7[0-9]{3} [0-9]{6}", fullmatch=True),
    "country": st.sampled_from(["GB", "DE", "US", "NL", "FR"]),
    "remote_ok": st.booleans(), "sms_consent": st.booleans(),
    "skills": st.lists(item, max_size=4, unique=True), "roles": st.lists(item, max_size=3, unique=True),
    "tags": st.lists(item, max_size=3, unique=True),
    "linkedin_url": words.map(lambda w: f"https://www.linkedin.com/in/{w}"),
    "seniority": st.sampled_from(["junior", "mid", "senior", "lead"]),
    "stage": st.sampled_from(["applied", "interviewing", "hired"]),
    "last_contacted_at": st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1)).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.000Z")),
})


@settings(max_examples=150, deadline=None)
@given(st.lists(profiles, min_size=1, max_size=8))
def test_an_export_imports_back_to_the_same_people(raw_profiles):
    from chalicelib.domain.candidates import validate_profile

    people = [{"id": f"cand_{i}", "email": f"p{i}@example.com", **validate_profile(profile)}
              for i, profile in enumerate(raw_profiles)]
    parsed = parse_csv((export_header() + export_rows(people)).encode("utf-8"))
    assert [row.error for row in parsed.rows] == [None] * len(people)
    for person, row in zip(people, parsed.rows):
        kept = {k: v for k, v in person.items() if k not in ("id", "email") and v not in (None, [])}
        assert row.email == person["email"] and row.profile == kept


# ------------------------------------------------------------------ signed tokens (confirm links, forms)

signer = TokenSigner(SECRET, "property")


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), st.text(alphabet=B64URL + ".", max_size=120)))
@example("")
@example("..")
@example("\ud800.\ud800")
def test_any_text_is_a_payload_or_a_token_error(text):
    try:
        assert isinstance(signer.verify(text), dict)
    except TokenError as error:
        assert error.reason in ("invalid", "expired")


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from("ckrs"), st.text(max_size=20), min_size=1), st.data())
def test_a_signed_token_altered_in_any_one_character_never_verifies(payload, data):
    token = signer.sign(payload)
    assert signer.verify(token) == payload
    at = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.one_of(st.sampled_from(B64URL + "."), st.characters()))
    assume(replacement != token[at])
    altered = token[:at] + replacement + token[at + 1:]
    try:
        signer.verify(altered)
    except TokenError:
        return
    raise AssertionError(f"{altered!r} verified")


def test_every_one_character_change_of_a_signed_token_is_refused():
    token = signer.sign({"c": "cand_x", "r": "consent"})
    for at in range(len(token)):
        for replacement in B64URL + ".":
            if replacement != token[at]:
                altered = token[:at] + replacement + token[at + 1:]
                try:
                    signer.verify(altered)
                except TokenError:
                    continue
                raise AssertionError(f"{altered!r} verified")


# ------------------------------------------------------------------ tracking tokens (the links in campaign emails)

ulid_ids = st.binary(min_size=16, max_size=16).map(
    lambda raw: __import__("ulid").ULID.from_bytes(raw)).map(lambda u: str(u).lower())
tokens = st.builds(Token, kind=st.sampled_from("ocu"), campaign_id=ulid_ids.map("camp_".__add__),
                   step=st.integers(0, 255), candidate_id=ulid_ids.map("cand_".__add__), link=st.integers(0, 65535),
                   issued=st.integers(0, 65535))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=100), st.text(alphabet=B64URL, min_size=60, max_size=70)))
def test_any_text_is_a_tracking_token_or_bad_token(text):
    try:
        assert isinstance(read_token(SECRET, text), Token)
    except BadToken:
        pass


@settings(max_examples=300, deadline=None)
@given(tokens, st.data())
def test_tracking_tokens_read_back_and_never_verify_altered(token, data):
    text = make_token(SECRET, token)
    assert read_token(SECRET, text) == token
    at = data.draw(st.integers(0, len(text) - 1))
    replacement = data.draw(st.one_of(st.sampled_from(B64URL), st.characters()))
    assume(replacement != text[at])
    try:
        read_token(SECRET, text[:at] + replacement + text[at + 1:])
    except BadToken:
        return
    raise AssertionError("an altered tracking token verified")


def test_tokens_from_before_the_day_was_carried_still_read_and_age_from_their_campaign():
    from ulid import ULID

    campaign, candidate = ULID(), ULID()
    body = struct.pack(">B16sB16sH", 3, campaign.bytes, 0, candidate.bytes, 0)
    text = base64.urlsafe_b64encode(body + hmac.new(SECRET.encode(), body, hashlib.sha256).digest()[:12]).decode()
    token = read_token(SECRET, text.rstrip("="))
    assert token.kind == "u" and token.issued is None
    assert token.age_days(day_number(campaign.datetime) + 30) == 30
    made_today = read_token(SECRET, make_token(SECRET, Token("u", token.campaign_id, 0, token.candidate_id)))
    assert made_today.issued == day_number() and made_today.age_days() == 0
