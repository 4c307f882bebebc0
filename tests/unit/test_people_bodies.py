"""People-side request bodies as declared models (issue #12, item 4): each class of wrong input is a 400 in the
contract's error body naming the field, enum-typed fields hold to their enum, and no status is spelled as a
literal in the people-side code."""
import ast
import json
from enum import StrEnum
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from chalicelib.domain import vocabulary
from chalicelib.domain.ats import parse_event
from chalicelib.domain.candidates import (
    lift_reason, validate_new_candidate, validate_patch, validate_profile, validate_touchpoint,
)
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.pools import member_ids, validate_pool
from chalicelib.domain.signups import parse_signup
from chalicelib.domain.text import unsafe_reason
from chalicelib.domain.vocabulary import CandidateStatus, Stage

ORIGINS = ("https://careers.example.com",)
EVENT = {"id": "evt-1", "type": "application.created", "occurred_at": "2026-11-20T10:00:00Z",
         "data": {"email": "ada@example.com", "job_id": "j-1"}}

# (name, parse, a body that is accepted): each parse is what the route calls on the body it read.
BODIES = {
    "candidate": (validate_new_candidate, {"email": "ada@example.com", "first_name": "Ada"}),
    "patch": (validate_patch, {"first_name": "Ada"}),
    "touchpoint": (validate_touchpoint, {"channel": "phone", "summary": "Intro call"}),
    "lift": (lift_reason, {"reason": "confirmed the address by phone"}),
    "pool": (validate_pool, {"name": "Python", "kind": "static"}),
    "pool patch": (lambda body: validate_pool(body, existing_kind="static"), {"name": "Python"}),
    "members": (member_ids, {"candidate_ids": ["cand_1"]}),
    "signup": (lambda body: parse_signup(body, ORIGINS), {"email": "ada@example.com", "consent": "on"}),
    "ats": (parse_event, EVENT),
}


def refused(parse, body) -> dict:
    """The contract's error body for `body`, which must be a 400 validation_error."""
    with pytest.raises(ValidationError) as caught:
        parse(body)
    error = caught.value
    assert error.status == 400 and error.code == "validation_error"
    answer = error.to_dict()
    assert set(answer) == {"error"} and answer["error"]["message"]
    json.dumps(answer)  # what the route answers, as it answers it
    return answer["error"].get("fields", {})


@pytest.mark.parametrize("name", BODIES)
def test_each_body_takes_its_example(name):
    parse, body = BODIES[name]
    parse(body)


# ---------------------------------------------------------------- classes of wrong input, several payloads each

NUMBERS_FOR_TEXT = [
    ("pool", "name", 42), ("pool", "name", 1.5), ("pool", "description", 7), ("touchpoint", "summary", 3),
    ("touchpoint", "channel", 1), ("lift", "reason", 500), ("candidate", "email", 12345), ("signup", "email", 7),
    ("ats", "type", 7), ("ats", "occurred_at", 1732000000), ("pool", "kind", 0),
]
BOOLEANS_FOR_VALUES = [
    ("pool", "name", True), ("touchpoint", "channel", False), ("lift", "reason", True), ("ats", "id", True),
    ("candidate", "first_name", True), ("candidate", "country", False), ("candidate", "stage", True),
    ("members", "candidate_ids", True), ("ats", "data", True),
]
TEXT_FOR_STRUCTURES = [
    ("members", "candidate_ids", "cand_1"), ("ats", "data", "ada@example.com"), ("candidate", "remote_ok", "maybe"),
    ("candidate", "sms_consent", "perhaps"), ("candidate", "last_contacted_at", "yesterday"),
]
NULLS = [
    ("pool", "name", None), ("pool", "kind", None), ("pool patch", "name", None), ("touchpoint", "channel", None),
    ("lift", "reason", None), ("members", "candidate_ids", None), ("candidate", "email", None),
    ("signup", "email", None), ("signup", "consent", None), ("ats", "id", None), ("ats", "data", None),
    ("ats", "occurred_at", None),
]
OBJECTS = [
    ("pool", "name", {"text": "x"}), ("pool", "description", {"a": 1}), ("touchpoint", "summary", {"a": 1}),
    ("touchpoint", "at", {"when": "now"}), ("lift", "reason", {"why": "x"}), ("candidate", "first_name", {"a": 1}),
    ("candidate", "skills", {"python": True}), ("candidate", "phone", {"n": 1}), ("patch", "city", {"a": 1}),
    ("candidate", "status", {"a": 1}), ("signup", "email", {"a": 1}), ("signup", "redirect_to", {"url": "x"}),
    ("ats", "id", {"a": 1}), ("members", "candidate_ids", [{"id": "cand_1"}]),
]
HUGE = [
    ("candidate", "skills", [f"skill{i}" for i in range(1000)], "at most 100 items"),
    ("patch", "tags", ",".join(f"t{i}" for i in range(1000)), "at most 100 items"),
    ("members", "candidate_ids", [f"cand_{i}" for i in range(501)], "at most 500 per request"),
    ("candidate", "first_name", "x" * 10_000, "at most 200 characters"),
    ("pool", "description", "x" * 1001, "text of at most 1000 characters"),
    ("touchpoint", "summary", "x" * 2001, "text of at most 2000 characters"),
    ("lift", "reason", "x" * 501, "required: why the suppression may be lifted (at most 500 characters)"),
    ("members", "candidate_ids", ["cand_" + "x" * 5000], "a non-empty list of candidate ids"),
    ("ats", "id", "x" * 201, "required: the event's unique id (text or a whole number, at most 200 characters)"),
]


@pytest.mark.parametrize("name, field, value", NUMBERS_FOR_TEXT + BOOLEANS_FOR_VALUES + TEXT_FOR_STRUCTURES + NULLS
                         + OBJECTS)
def test_a_value_of_the_wrong_type_is_a_400_naming_the_field(name, field, value):
    parse, good = BODIES[name]
    assert field in refused(parse, {**good, field: value})


@pytest.mark.parametrize("name, field, value, problem", HUGE)
def test_huge_values_are_refused_with_their_bound(name, field, value, problem):
    parse, good = BODIES[name]
    assert refused(parse, {**good, field: value})[field] == problem


@pytest.mark.parametrize("name", ["candidate", "patch", "pool", "pool patch"])
@pytest.mark.parametrize("unknown", ["nickname", "Email", "first name", "rules "])
def test_unknown_fields_are_refused(name, unknown):
    parse, good = BODIES[name]
    assert refused(parse, {**good, unknown: "x"})[unknown] == "unknown field"


@pytest.mark.parametrize("name", ["touchpoint", "lift", "members", "signup", "ats"])
def test_bodies_described_as_open_ignore_other_fields(name):
    """openapi.json gives these additionalProperties (a form's submit button, an ATS's own fields): ignored."""
    parse, good = BODIES[name]
    parse({**good, "submit": "Join", "extra": {"a": [1, 2]}})


@pytest.mark.parametrize("body", [None, [], "x", 42, True, [{"email": "ada@example.com"}]])
@pytest.mark.parametrize("name", ["candidate", "patch", "touchpoint", "pool", "pool patch", "members", "ats"])
def test_a_body_that_is_not_an_object_is_a_400(name, body):
    parse, _ = BODIES[name]
    with pytest.raises(ValidationError) as caught:
        parse(body)
    assert caught.value.status == 400


def test_every_bad_field_is_named_at_once():
    fields = refused(validate_new_candidate, {"email": 5, "stage": "won", "skills": {}, "remote_ok": [], "x": 1})
    assert set(fields) == {"email", "stage", "skills", "remote_ok", "x"}
    fields = refused(validate_pool, {"name": None, "kind": "dynamic", "description": 5,
                                     "rules": {"field": "skills", "op": "gte", "value": 2}})
    assert set(fields) == {"name", "description", "rules.op"}


# ---------------------------------------------------------------- hostile text in pools, touchpoints and lifts

WRITTEN = [("pool", "name"), ("pool patch", "name"), ("pool", "description"), ("pool patch", "description"),
           ("touchpoint", "summary"), ("lift", "reason")]
CONTROLS = ["Ada\x00", "Ada\x1b[31m", "Ada\x7f", "Ada\x85", "Ada\u2028Lovelace", "\x0bAda\x0c"]
SURROGATES = ["Ada\ud800", "\udfff", "Ada\ud83d Lovelace"]


@pytest.mark.parametrize("name, field", WRITTEN)
@pytest.mark.parametrize("value", CONTROLS)
def test_control_characters_are_refused_in_every_text_a_recruiter_writes(name, field, value):
    parse, good = BODIES[name]
    assert refused(parse, {**good, field: value}) == {field: "must not contain control characters"
                                                      + (" or line breaks" if field == "name" else "")}


@pytest.mark.parametrize("name, field", WRITTEN)
@pytest.mark.parametrize("value", SURROGATES)
def test_lone_surrogates_are_refused_in_every_text_a_recruiter_writes(name, field, value):
    parse, good = BODIES[name]
    assert field in refused(parse, {**good, field: value})


@pytest.mark.parametrize("name", ["pool", "pool patch"])
@pytest.mark.parametrize("value", ["Backend\r\nengineers", "Backend\nengineers", "Backend\r", "\tBackend"])
def test_a_pool_name_is_one_line(name, value):
    parse, good = BODIES[name]
    assert refused(parse, {**good, "name": value}) == {"name": "must not contain control characters or line breaks"}


def test_line_breaks_stay_where_text_is_written_in_lines():
    """A touchpoint's summary and a pool's description are notes: their lines are kept; a lift's reason is one
    line on the record, its whitespace collapsed as a profile's text is."""
    assert validate_touchpoint({"channel": "note", "summary": "Called.\r\nCall back\tin May."}).summary == (
        "Called.\r\nCall back\tin May.")
    assert validate_pool({"name": "Backend engineers", "kind": "static",
                          "description": "Shortlist\nfor Q3"}).description == "Shortlist\nfor Q3"
    assert lift_reason({"reason": "confirmed\r\nby phone"}) == "confirmed by phone"


# ---------------------------------------------------------------- enum-typed fields

@pytest.mark.parametrize("value", ["won", "hired!", "offered", "Stage.HIRED", "applied,hired", "0"])
def test_stage_outside_the_enum_is_refused(value):
    assert refused(validate_patch, {"stage": value}) == {
        "stage": "must be one of applied, interviewing, offer, hired, rejected"}


@pytest.mark.parametrize("value", [s for s in CandidateStatus if s not in (CandidateStatus.NOT_SUBSCRIBED,
                                                                           CandidateStatus.UNSUBSCRIBED)]
                         + ["opted_out", "UNSUBSCRIBED!"])
def test_a_recruiter_sets_only_the_recruiter_statuses(value):
    assert refused(validate_patch, {"status": value}) == {"status": "must be one of not_subscribed, unsubscribed"}


@pytest.mark.parametrize("name, field, value, problem", [
    ("pool", "kind", "smart", "must be static or dynamic"),
    ("pool", "kind", "Static", "must be static or dynamic"),
    ("touchpoint", "channel", "pigeon", "must be one of linkedin, phone, meeting, note, email, event"),
    ("touchpoint", "channel", "sms", "must be one of linkedin, phone, meeting, note, email, event"),
])
def test_other_choices_hold_to_their_values(name, field, value, problem):
    parse, good = BODIES[name]
    assert refused(parse, {**good, field: value}) == {field: problem}


def test_an_ats_stage_change_holds_to_the_stages():
    event = {**EVENT, "type": "candidate.stage_changed", "data": {"email": "ada@example.com", "stage": "won"}}
    assert refused(parse_event, event) == {"data.stage": "one of applied, interviewing, offer, hired, rejected"}


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_stage_text_is_a_stage_as_people_spell_it_or_a_400(text):
    key = " ".join(text.split()).lower().replace(" ", "_")
    try:
        profile = validate_profile({"stage": text})
    except ValidationError as exc:
        assert set(exc.fields) == {"stage"} and (key not in tuple(Stage) or unsafe_reason(text))
        return
    assert profile["stage"] in (None, *Stage) and type(profile["stage"]) in (type(None), str)


def test_enum_values_come_back_as_their_plain_text():
    """Stored and answered as before: the text, not the member (a raw DynamoDB map takes exactly str)."""
    profile = validate_profile({"stage": "Interviewing", "status": "Not subscribed"})
    assert profile == {"stage": "interviewing", "status": "not_subscribed"}
    assert all(type(value) is str for value in profile.values())


def test_storable_turns_members_into_text_all_the_way_down():
    from chalicelib.store.convert import storable

    data = {"status": CandidateStatus.PENDING, "nested": [{"channel": vocabulary.Channel.EMAIL}], "n": 1}
    stored = storable(data)
    assert stored == data and type(stored["status"]) is str and type(stored["nested"][0]["channel"]) is str


# ---------------------------------------------------------------- no status spelled as a literal

PEOPLE_MODULES = [
    "domain/candidates.py", "domain/signups.py", "domain/pools.py", "domain/csvio.py", "domain/matching.py",
    "domain/suppression.py", "domain/engagement.py", "domain/search.py", "domain/ats.py", "domain/ses_events.py",
    "domain/tracking.py", "domain/body_fields.py", "services/candidates.py", "services/signups.py",
    "services/pools.py", "services/imports.py", "services/privacy.py", "services/tombstones.py", "services/ats.py",
    "services/ses_events.py", "services/tracking.py", "services/apikeys.py", "store/candidates.py", "store/pools.py",
    "store/timeline.py", "store/convert.py", "api/candidates.py", "api/signups.py", "api/pools.py",
    "api/webhooks.py", "api/tracking.py", "web/preferences.py", "web/pages.py",
]
# Statuses, stages, decisions' reasons and outcomes. Channel and the actions are left out of the general scan:
# "email" is also a field's name and "send" an SES event kind; a channel is checked where it is one (below).
STATUS_ENUMS = (vocabulary.CandidateStatus, vocabulary.Stage, vocabulary.CampaignStatus, vocabulary.EnrollmentStatus,
                vocabulary.SendStatus, vocabulary.DecisionReason, vocabulary.BatchOutcome)
STATUS_VALUES = {member.value for enum in STATUS_ENUMS for member in enum}
CHANNEL_VALUES = {member.value for member in vocabulary.Channel}
CHANNEL_KEYS = {"channel"}
STATUS_KEYS = {"status", "stage", "reason", "outcome"}


def _texts(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node
    elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        for item in node.elts:
            yield from _texts(item)


def literal_statuses(source: str) -> list[tuple[int, str]]:
    """(line, text) of each status spelled as a literal where the code compares, stores or lists one: either
    side of a comparison, a dict value, a status= / stage= / reason= argument, a tuple of statuses; a channel
    as the value of "channel". Metric names, timeline kinds and error codes are call arguments: not read."""
    found = []
    for node in ast.walk(ast.parse(source)):
        pairs: list[tuple[ast.AST, set]] = []
        if isinstance(node, ast.Compare):
            pairs += [(side, STATUS_VALUES) for side in (node.left, *node.comparators)]
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                named = key.value if isinstance(key, ast.Constant) else None
                pairs.append((value, STATUS_VALUES | (CHANNEL_VALUES if named in CHANNEL_KEYS else set())))
        elif isinstance(node, ast.keyword) and node.arg in STATUS_KEYS | CHANNEL_KEYS:
            pairs.append((node.value, STATUS_VALUES | (CHANNEL_VALUES if node.arg in CHANNEL_KEYS else set())))
        elif isinstance(node, (ast.Tuple, ast.Set, ast.List)):
            texts = [item.value for item in node.elts if isinstance(item, ast.Constant)]
            if texts and len(texts) == len(node.elts) and all(text in STATUS_VALUES for text in texts):
                pairs.append((node, STATUS_VALUES))
        found += [(text.lineno, text.value) for where, values in pairs for text in _texts(where)
                  if text.value in values]
    return sorted(set(found))


def test_the_scan_finds_what_it_looks_for():
    """Not vacuous: each form a status literal took before this change is found; other words are not."""
    source = '''
NEVER_LISTED = ("unsubscribed", "bounced", "complained")
if person.get("status") == "pending": pass
if stage in ("interviewing", "offer"): pass
candidate = {"status": "not_subscribed", "source": "sourced", "channel": "email", "email": email}
save(dict(candidate, status="subscribed"))
record(kind="email", metric="bounced")
count(send, "bounced")
fields = ("email", "first_name")
'''
    assert literal_statuses(source) == [(2, "bounced"), (2, "complained"), (2, "unsubscribed"), (3, "pending"),
                                        (4, "interviewing"), (4, "offer"), (5, "email"), (5, "not_subscribed"),
                                        (6, "subscribed")]


@pytest.mark.parametrize("module", PEOPLE_MODULES)
def test_no_status_is_spelled_as_a_literal(module):
    path = Path(__file__).resolve().parents[2] / "chalicelib" / module
    assert literal_statuses(path.read_text(encoding="utf-8")) == []


def test_the_scan_reads_every_enum_of_the_vocabulary_it_names():
    enums = {value for value in vars(vocabulary).values() if isinstance(value, type) and issubclass(value, StrEnum)}
    assert set(STATUS_ENUMS) <= enums and vocabulary.Channel in enums
