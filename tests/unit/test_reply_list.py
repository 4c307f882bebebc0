"""A campaign's replies listed (services/reply_list.py) on the in-memory fakes: each reply filed under its campaign
(ids only), read back with the person's own entry, newest first and paged; erasure blanks the filing, and a reply
whose person is gone leaves the list."""
import pytest

from chalicelib.domain.errors import NotFound, ValidationError
from chalicelib.services.reply_list import ReplyList, file_reply, partition, unlist
from tests.fakes import InMemoryCandidates, InMemoryTimeline

CAMPAIGN = "camp_1"


class Campaigns:
    def get(self, campaign_id):
        return {"id": campaign_id} if campaign_id == CAMPAIGN else None


@pytest.fixture
def world():
    people, timeline = InMemoryCandidates(), InMemoryTimeline()
    for n in range(3):
        people.create({"id": f"cand_{n}", "email": f"p{n}@example.com", "first_name": f"P{n}", "status": "subscribed",
                       "version": 1})
    return people, timeline, ReplyList(Campaigns(), timeline, people)


def reply(timeline, candidate_id, text, at, step=0):
    entry = timeline.add(candidate_id, "email_replied", {"campaign_id": CAMPAIGN, "step": step, "subject": "Re: Hi",
                                                         "text": text, "from": "x@example.com"}, at=at)
    file_reply(timeline, entry, candidate_id, CAMPAIGN, step)
    return entry


def test_a_filing_holds_ids_only_and_the_entry_names_it(world):
    people, timeline, _ = world
    entry = reply(timeline, "cand_0", "Hello", "2026-01-01T10:00:00.000Z", step=1)
    [filed] = timeline.all(partition(CAMPAIGN))
    assert filed["data"] == {"candidate_id": "cand_0", "entry": entry["id"], "step": 1}
    assert filed["at"] == entry["at"]
    stored = timeline.get("cand_0", entry["id"])["data"]
    assert stored["listed_as"] == filed["id"] and stored["text"] == "Hello"


def test_replies_are_listed_newest_first_a_page_at_a_time(world):
    people, timeline, replies = world
    for n in range(3):
        reply(timeline, f"cand_{n}", f"Reply {n}", f"2026-01-0{n + 1}T10:00:00.000Z", step=n)
    first, cursor = replies.page(CAMPAIGN, 2, None)
    assert [r["text"] for r in first] == ["Reply 2", "Reply 1"] and cursor
    assert first[0] == {"candidate_id": "cand_2", "name": "P2", "email": "p2@example.com",
                        "at": "2026-01-03T10:00:00.000Z", "step": 2, "subject": "Re: Hi", "text": "Reply 2"}
    rest, cursor = replies.page(CAMPAIGN, 2, cursor)
    assert [r["text"] for r in rest] == ["Reply 0"] and cursor is None


def test_erasure_blanks_the_filing_and_the_reply_leaves_the_list(world):
    people, timeline, replies = world
    entry = reply(timeline, "cand_0", "Erase me", "2026-01-01T10:00:00.000Z")
    reply(timeline, "cand_1", "Keep me", "2026-01-02T10:00:00.000Z")
    assert unlist(timeline, timeline.all("cand_0")) == 1
    filed = timeline.get(partition(CAMPAIGN), timeline.get("cand_0", entry["id"])["data"]["listed_as"])
    assert filed["data"] == {"erased": True}
    assert [r["text"] for r in replies.page(CAMPAIGN, 10, None)[0]] == ["Keep me"]
    people.delete(people.get("cand_1"))  # a person gone another way: their reply is not listed either
    assert replies.page(CAMPAIGN, 10, None)[0] == []


def test_other_entries_and_unfiled_replies_are_left_alone(world):
    people, timeline, _ = world
    timeline.add("cand_0", "email_replied", {"campaign_id": CAMPAIGN, "text": "before filing existed"})
    timeline.add("cand_0", "touchpoint", {"channel": "note", "listed_as": "x"})
    assert unlist(timeline, timeline.all("cand_0")) == 0


def test_an_unknown_campaign_and_another_lists_cursor_are_refused(world):
    people, timeline, replies = world
    with pytest.raises(NotFound):
        replies.page("camp_unknown", 10, None)
    for n in range(2):
        reply(timeline, f"cand_{n}", "a", f"2026-01-0{n + 1}T10:00:00.000Z")
    timeline.add("cand_0", "touchpoint", {})
    _, of_a_person = timeline.page("cand_0", limit=1, cursor=None)
    with pytest.raises(ValidationError):
        replies.page(CAMPAIGN, 1, of_a_person)
