"""A campaign's replies, newest first: who answered, when, and what they wrote (the workspace's campaign page,
GET /analytics/campaigns/{id}/replies).

A person's reply is kept on their own timeline (`email_replied`, with the text: services/replies.py). To list a
campaign's replies without reading everyone's timeline, each reply is also filed under its campaign: an entry in
the timeline table under the partition "replies#<campaign id>" (never a person's: their ids are cand_...), holding
the person's id and their entry's id, never the text. The text is read from the person's timeline when listed, so
an erased person's reply leaves the list with their timeline; erasure also blanks the filing (the person's entry
names it: `listed_as`), so not even their id stays.
"""
from __future__ import annotations

from ..domain.errors import NotFound
from .ports import TimelineStore

FILING = "reply"
MAX_PAGE = 100


def partition(campaign_id: str) -> str:
    return f"replies#{campaign_id}"


def file_reply(timeline: TimelineStore, entry: dict, candidate_id: str, campaign_id: str, step: int) -> None:
    """Files a person's `email_replied` entry under its campaign, and names the filing on the entry."""
    filed = timeline.add(partition(campaign_id), FILING,
                         {"candidate_id": candidate_id, "entry": entry["id"], "step": step}, at=entry["at"])
    timeline.update_data(candidate_id, entry["id"], {**entry["data"], "listed_as": filed["id"]})


def unlist(timeline: TimelineStore, history: list[dict]) -> int:
    """Erasure: blanks the filings of the person's replies (`history`: their timeline, read before it goes)."""
    blanked = 0
    for entry in history:
        data = entry["data"] if isinstance(entry.get("data"), dict) else {}
        if entry.get("kind") == "email_replied" and data.get("listed_as") and data.get("campaign_id"):
            timeline.update_data(partition(str(data["campaign_id"])), str(data["listed_as"]), {"erased": True})
            blanked += 1
    return blanked


class ReplyList:
    def __init__(self, campaigns, timeline: TimelineStore, candidates):
        self.campaigns = campaigns
        self.timeline = timeline
        self.candidates = candidates

    def page(self, campaign_id: str, limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
        """Up to `limit` replies, newest first, each {candidate_id, name, email, at, step, subject, text}, and the
        cursor of the next page. A reply whose person was erased since is left out (a page may be short)."""
        if self.campaigns.get(campaign_id) is None:
            raise NotFound(f"no campaign {campaign_id}")
        filed, next_cursor = self.timeline.page(partition(campaign_id), limit=min(limit, MAX_PAGE), cursor=cursor)
        pointers = [entry["data"] for entry in filed
                    if isinstance(entry.get("data"), dict) and entry["data"].get("candidate_id")]
        people = self.candidates.batch_get([str(p["candidate_id"]) for p in pointers])
        replies = []
        for pointer in pointers:
            person = people.get(str(pointer["candidate_id"]))
            entry = self.timeline.get(person["id"], str(pointer.get("entry"))) if person else None
            if entry is not None:
                replies.append(_reply(person, entry))
        return replies, next_cursor


def _reply(person: dict, entry: dict) -> dict:
    data = entry.get("data") or {}
    name = " ".join(str(person[k]) for k in ("first_name", "last_name") if person.get(k))
    return {"candidate_id": person["id"], "name": name or None, "email": person.get("email"), "at": entry["at"],
            "step": int(data.get("step") or 0), "subject": data.get("subject") or None, "text": data.get("text") or ""}
