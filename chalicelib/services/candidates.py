"""Recruiter use cases on candidates: upsert, read, patch, search and browse, touchpoints, timeline."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from ..domain.candidates import (
    apply_patch,
    changed_fields,
    lift_reason,
    merge_update,
    public_view,
    validate_new_candidate,
    validate_patch,
    validate_touchpoint,
)
from ..domain.clock import iso, new_id, utcnow
from ..domain.errors import Conflict, EmailTaken, NotFound, ValidationError, VersionConflict
from ..domain.pools import member_view
from ..domain.search import BrowseFilter, BrowsePage, Sort
from ..domain.suppression import SUPPRESSED, keep_opt_outs, weakens
from ..domain.vocabulary import CandidateStatus
from ..observability import logger
from .ports import TimelineStore


NOT_CONTACT = "note"  # the one touchpoint channel that is not a conversation with the person


class CandidateService:
    def __init__(self, settings, candidates, tombstones, timeline: TimelineStore, memberships, pools, members):
        self.settings = settings
        self.memberships = memberships  # keeps the pools current as people change
        self.pools = pools  # the pool service: a pool's members, when a search is within one
        self.members = members  # memberships as stored: a pool's export reads the copies they carry
        self.candidates = candidates
        self.tombstones = tombstones
        self.timeline = timeline

    def get(self, candidate_id: str) -> dict:
        candidate = self.candidates.get(candidate_id)
        if candidate is None:
            raise NotFound(f"no candidate {candidate_id}")
        return candidate

    def upsert(self, body: object) -> tuple[dict, bool]:
        """(candidate, created). Existing people are merged: new values win, nothing is blanked."""
        email, profile = validate_new_candidate(body)
        now = iso()
        existing_id = self.candidates.id_for_email(email)
        if existing_id is None:
            self.tombstones.refuse_erased(email)
            candidate = {
                "id": new_id("cand"), "email": email, "status": CandidateStatus.NOT_SUBSCRIBED, "source": "sourced",
                "created_at": now, "updated_at": now, "version": 1, **_set(profile),
            }
            try:
                self.candidates.create(candidate)
                self.memberships.apply([(None, candidate)])
                self.timeline.add(candidate["id"], "created", {"source": candidate["source"], "by": "api"}, at=now)
                return candidate, True
            except EmailTaken as taken:
                existing_id = taken.candidate_id
        candidate = self._change(existing_id, lambda c: keep_opt_outs(c, merge_update(c, profile)), "updated", now)
        return candidate, False

    def patch(self, candidate_id: str, body: object) -> dict:
        current = self.get(candidate_id)
        patch = validate_patch(body, known_country=current.get("country"))  # a national number, read in their country
        if weakens(current.get("status"), patch.get("status")):
            raise _opt_out_kept(current["status"])

        def patched(c: dict) -> dict:
            if weakens(c.get("status"), patch.get("status")):  # became so since the check above
                raise _opt_out_kept(c["status"])
            return apply_patch(c, patch)

        return self._change(candidate_id, patched, "updated", iso())

    def edit_tags(self, candidate_id: str, *, add: list[str], remove: list[str]) -> dict:
        """Tags added and removed against the person as stored at the write (two recruiters tagging at once both
        keep their tags). The tags added are checked as a PATCH's; ValidationError names `tags`."""
        added = validate_patch({"tags": add})["tags"] if add else []

        def edited(c: dict) -> dict:
            kept = [tag for tag in c.get("tags") or [] if tag not in remove]
            tags = kept + [tag for tag in added if tag not in kept]
            return apply_patch(c, validate_patch({"tags": tags}))

        self.get(candidate_id)
        return self._change(candidate_id, edited, "updated", iso())

    def lift_suppression(self, candidate_id: str, body: object) -> dict:
        """A recruiter lifts a bounce or complaint suppression, with a reason, on the record. The
        person becomes `not_subscribed`: marketing email needs their own consent again."""
        reason = lift_reason(body)
        current = self.get(candidate_id)
        if current.get("status") not in SUPPRESSED:
            raise Conflict(f"the person is {current.get('status')}, not suppressed", {"status": "not suppressed"},
                           code="not_suppressed")
        now = iso()

        def lifted(c: dict) -> dict:
            return dict(c, status=CandidateStatus.NOT_SUBSCRIBED) if c.get("status") in SUPPRESSED else c

        after = self._change(candidate_id, lifted, None, now)
        self.timeline.add(candidate_id, "suppression_lifted",
                          {"previous_status": current["status"], "reason": reason, "by": "api"}, at=now)
        logger().info("suppression lifted", extra={"candidate_id": candidate_id, "previous": current["status"]})
        return after

    def _change(self, candidate_id: str, change, kind: str | None, now: str) -> dict:
        def changed(current: dict) -> dict:
            updated = change(current)
            return dict(updated, updated_at=now) if changed_fields(current, updated) else current

        try:
            result = self.candidates.update(candidate_id, changed)
        except VersionConflict:
            raise Conflict("the candidate is being changed by someone else; try again") from None
        if result is None:
            raise NotFound(f"no candidate {candidate_id}")
        before, after = result
        if after is not before:
            self.memberships.apply([(before, after)])
        if kind and after is not before:
            self.timeline.add(candidate_id, kind, {"fields": _profile_changes(before, after), "by": "api"}, at=now)
        return after

    def search(self, *, skill: str | None, q: str | None, pool: str | None, limit: int,
               cursor: str | None) -> tuple[list[dict], str | None]:
        """Public views of people by skill and text in name or email, within a pool if named (browse's filters)."""
        found = self.browse({"skill": skill or "", "q": q or "", "pool": pool or ""}, limit=limit, cursor=cursor)
        return found.items, found.next_cursor

    def browse(self, query: Mapping[str, str] | None, *, limit: int, cursor: str | None = None,
               before: str | None = None, now: datetime | None = None) -> BrowsePage:
        """A page of people who pass the filters in `query` (domain/search.py BrowseFilter: q, skill, role, tag,
        pool, status, stage, country, city, remote, engagement, last_contact), in its `sort` order, after
        `cursor`, or before `before` (the page before it).

        Reads grow with the page, not the table: the browse index (store/browse.py; docs/architecture.md), or a
        pool's memberships. Items are public views of current people; within a pool, the members' views (the
        copies memberships carry, as GET /pools/{id}/members shows them).
        """
        flt = BrowseFilter.parse(query)
        sort = _sort(query, flt)
        if flt.pool is not None:
            self.pools.get(flt.pool)  # a pool that is not there: 404
        now = now or utcnow()
        listing = self.candidates.browse(flt, sort, limit=limit, cursor=before or cursor, backwards=before is not None,
                                         now=now)
        if before is not None and listing.reached_start and len(listing.items) < limit:
            listing = self.candidates.browse(flt, sort, limit=limit, cursor=None, backwards=False, now=now)
        view = member_view if flt.pool is not None else public_view
        return BrowsePage([view(item) for item in listing.items], listing.next_cursor, listing.previous_cursor,
                          listing.read, listing.indexed, sort)

    def build_browse_index(self, pages: int | None = None) -> bool:
        """The browse index's backfill, `pages` steps of it (None: to the end). True once everyone is in it.
        Lists also advance it a step each until it is done (lazily); this is the one-off job that finishes it."""
        done, steps = False, 0
        while not done and (pages is None or steps < pages):
            done, steps = self.candidates.browse_backfill_step(), steps + 1
        return done

    def add_touchpoint(self, candidate_id: str, body: object) -> dict:
        touchpoint = validate_touchpoint(body)
        channel, summary, at = touchpoint.channel, touchpoint.summary, touchpoint.at or iso()
        self.get(candidate_id)

        def contacted(current: dict) -> dict:
            from ..domain.clock import parse_iso
            from ..domain.engagement import add_event

            updated = dict(current)
            # a conversation (LinkedIn, a call, a meeting, an email, an event) is contact: outreach waits a week
            # after it (domain/outreach.py); a recruiter's note about the person is not
            if channel != NOT_CONTACT and (current.get("last_contacted_at") or "") < at:
                updated["last_contacted_at"] = at
            if (current.get("engagement_at") or "") <= at:  # a conversation is engagement too
                updated["engagement_score"] = add_event(current.get("engagement_score"), current.get("engagement_at"),
                                                        "touchpoint", parse_iso(at))
                updated["engagement_at"] = at
            return updated

        self._change(candidate_id, contacted, None, iso())
        entry = self.timeline.add(candidate_id, "touchpoint", {"channel": channel, "summary": summary}, at=at)
        logger().info("touchpoint recorded", extra={"candidate_id": candidate_id, "channel": channel})
        return entry

    def timeline_page(self, candidate_id: str, limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
        self.get(candidate_id)
        return self.timeline.page(candidate_id, limit=limit, cursor=cursor)

    def export_rows(self, pool: str | None):
        """Everyone, or a pool's members (from the copies they carry: no read per person)."""
        if pool:
            self.pools.get(pool)
            return ({"id": item["candidate_id"], **item} for item in self.members.iterate(pool))
        return self.candidates.iterate()


def _sort(query: Mapping[str, str] | None, flt: BrowseFilter) -> Sort:
    """The order asked for. A pool lists its members by when they were added (oldest first unless asked
    otherwise: its order before lists could be sorted); everyone else, newest first by default."""
    given = (query or {}).get("sort") or None
    sort = Sort.parse(given if isinstance(given, str) else None)
    if flt.pool is None:
        return sort
    if sort.key != "added":
        raise ValidationError.field("sort", "within a pool, people are listed by when they were added (added, -added)")
    return sort if given else Sort("added", descending=False)


def _opt_out_kept(status: str) -> Conflict:
    if status in SUPPRESSED:
        return Conflict(f"the person is {status}: lift the suppression explicitly first "
                        "(POST /candidates/{id}/lift-suppression with a reason)", {"status": f"{status}: suppressed"},
                        code="suppressed")
    return Conflict("the person unsubscribed: only their own confirmed sign-up opts them back in",
                    {"status": "unsubscribed by the person"}, code="unsubscribed")


def _profile_changes(before: dict, after: dict) -> list[str]:
    return [f for f in changed_fields(before, after) if f not in ("updated_at", "version")]


def _set(profile: dict) -> dict:
    return {k: v for k, v in profile.items() if v is not None and v != []}



