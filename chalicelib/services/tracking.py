"""Opens, clicks and unsubscribes from the links in campaign emails.

On the request path an open or a click costs one read and at most two DynamoDB writes (the send,
a sharded campaign counter); the person's engagement is updated in the background (jobs queue).
A storage error never fails the person: the pixel or the redirect is still answered, and the
event goes to the jobs queue to be recorded later.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..domain.clock import iso
from ..domain.analytics import counters, hour_key, within_series
from ..domain.engagement import machine_click, machine_open
from ..domain.templates import CATEGORIES
from ..domain.tracking import BadToken, Token, read_token
from ..domain.vocabulary import CandidateStatus, DecisionReason
from ..observability import count, logger

# How long an email's /u/ link works, from the day it was sent. Choosing categories (which can opt a
# person back in) for 90 days; unsubscribing from everything, one-click included, for a year (RFC 8058
# mail clients need 60 days at least, and unsubscribing must never be harder than subscribing).
PREFERENCES_DAYS = 90
UNSUBSCRIBE_DAYS = 365


@dataclass(frozen=True)
class PreferenceLink:
    """A valid /u/ link: whose it is, and what it may still do at its age."""
    token: Token
    candidate: dict

    @property
    def can_choose(self) -> bool:
        return self.token.age_days() <= PREFERENCES_DAYS

    @property
    def can_unsubscribe(self) -> bool:
        return self.token.age_days() <= UNSUBSCRIBE_DAYS


class TrackingService:
    def __init__(self, settings, sends, stats, candidates, timeline, memberships, jobs_queue, exits=None):
        self.settings = settings
        self.exits = exits
        self.sends = sends
        self.stats = stats
        self.candidates = candidates
        self.timeline = timeline
        self.memberships = memberships
        self.jobs_queue = jobs_queue

    def token(self, text: str, kind: str) -> Token | None:
        try:
            token = read_token(self.settings.secret, text)
        except BadToken:
            return None
        return token if token.kind == kind else None

    # ------------------------------------------------------------ opens and clicks

    def open(self, text: str, *, user_agent: str | None, ip: str | None) -> None:
        token = self.token(text, "o")
        if token is None:
            return
        event = {"type": "tracking", "kind": "open", "key": token.send_key, "campaign_id": token.campaign_id,
                 "step": token.step, "candidate_id": token.candidate_id, "at": iso(),
                 "user_agent": (user_agent or "")[:300], "ip": ip, "method": "GET"}
        self._record_safely(event)

    def click(self, text: str, *, user_agent: str | None, ip: str | None, method: str = "GET") -> str | None:
        """The link's target, or None for a token we did not make (never a redirect then)."""
        token = self.token(text, "c")
        if token is None:
            return None
        try:
            send = self.sends.get(token.send_key)
        except Exception:
            logger().exception("click: reading the send failed; sending the person to the careers page")
            return f"{self.settings.public_url}/careers"
        links = (send or {}).get("links") or []
        if token.link >= len(links):
            return None
        event = {"type": "tracking", "kind": "click", "key": token.send_key, "campaign_id": token.campaign_id,
                 "step": token.step, "candidate_id": token.candidate_id, "at": iso(), "link": token.link,
                 "user_agent": (user_agent or "")[:300], "ip": ip, "method": method,
                 "sent_at": send.get("sent_at")}
        self._record_safely(event)
        return links[token.link]

    def _record_safely(self, event: dict) -> None:
        try:
            self.record(event)
        except Exception:
            logger().exception("tracking event not recorded now; queued for later",
                               extra={"kind": event["kind"], "campaign_id": event["campaign_id"]})
            try:
                self.jobs_queue.send(event)
            except Exception:
                logger().exception("tracking event lost: the jobs queue refused it too")

    def record(self, event: dict) -> str:
        """Counts one open or click (also the jobs worker's retry). Returns human or machine."""
        from ..domain.clock import parse_iso

        now = parse_iso(event["at"])
        sent_at = event.get("sent_at")
        if event["kind"] == "open":
            if sent_at is None:
                send = self.sends.get(event["key"])
                sent_at = (send or {}).get("sent_at")
            machine = machine_open(event.get("user_agent"), event.get("ip"), sent_at, now)
        else:
            machine = machine_click(event.get("user_agent"), event.get("method", "GET"), sent_at, now)
        first, variant = self.sends.count(event["key"], event["kind"], event["at"], machine)
        metric = event["kind"] + "s"
        step = event["step"]
        counts = counters(f"{metric}_machine", step) if machine else {
            **counters(metric, step, variant), **(counters(f"{metric}_unique", step, variant) if first else {})}
        if not machine and within_series(sent_at, event["at"]):  # the hourly series of the first 7 days
            counts[f"{metric}_{hour_key(event['at'])}"] = 1
        self.stats.add(f"campaign#{event['campaign_id']}", counts)
        if not machine:
            self.jobs_queue.send({"type": "engaged", "candidate_id": event["candidate_id"], "kind": event["kind"],
                                  "at": event["at"], "first": first, "campaign_id": event["campaign_id"],
                                  "step": step})
        count("EmailOpened" if event["kind"] == "open" else "EmailClicked")
        return "machine" if machine else "human"

    def engaged(self, message: dict) -> str:
        """Background: the person's engagement score and last_engaged_at (pools follow)."""
        from ..domain.clock import parse_iso
        from ..domain.engagement import add_event

        at = message["at"]
        now = parse_iso(at)

        def change(current: dict) -> dict:
            score = add_event(current.get("engagement_score"), current.get("engagement_at"), message["kind"], now)
            last = max(current.get("last_engaged_at") or "", at)
            return dict(current, engagement_score=score, engagement_at=at, last_engaged_at=last)

        result = self.candidates.update(message["candidate_id"], change)
        if result is None:
            return "skipped:no_candidate"
        self.memberships.apply([result])
        if message.get("first"):  # the person's first open / click of this email, on their timeline
            kind = "email_opened" if message["kind"] == "open" else "email_clicked"
            self.timeline.add(message["candidate_id"], kind,
                              {"campaign_id": message.get("campaign_id"), "step": message.get("step")}, at=at)
        return "updated"

    # ------------------------------------------------------------ unsubscribe and preferences

    def person(self, text: str) -> PreferenceLink | None:
        token = self.token(text, "u")
        if token is None:
            return None
        candidate = self.candidates.get(token.candidate_id)
        return PreferenceLink(token, candidate) if candidate else None

    def form_token(self, link: PreferenceLink) -> str:
        """The preference form's hidden field: signed for this link's send, checked when the form comes back."""
        return self._form_signer().sign({"k": link.token.send_key})

    def form_token_valid(self, link: PreferenceLink, text: str) -> bool:
        from ..domain.tokens import TokenError

        try:
            return self._form_signer().verify(text).get("k") == link.token.send_key
        except TokenError:
            return False

    def _form_signer(self):
        from ..domain.tokens import TokenSigner

        return TokenSigner(self.settings.secret, "preference-form")

    def unsubscribe_all(self, token: Token, source: str) -> None:
        self.set_preferences(token, categories=[], everything=True, source=source)

    def set_preferences(self, token: Token, *, categories: list[str], everything: bool, source: str) -> dict:
        """categories: those the person still wants. Effective for every send that claims after this."""
        wanted = [c for c in categories if c in CATEGORIES]
        now = iso()

        def change(current: dict) -> dict:
            updated = dict(current)
            # the person's other choices (how often, channels, a pause: domain/preferences.py) stay as they were
            updated["preferences"] = {**(current.get("preferences") or {}), "unsubscribed_all": everything,
                                      "unsubscribed_categories": [] if everything else
                                      [c for c in CATEGORIES if c not in wanted],
                                      "updated_at": now, "source": source}
            if everything and current.get("status") in (CandidateStatus.SUBSCRIBED, CandidateStatus.PENDING):
                updated["status"] = CandidateStatus.UNSUBSCRIBED
            elif not everything and wanted and current.get("status") == CandidateStatus.UNSUBSCRIBED and \
                    (current.get("consent") or {}).get("marketing"):
                updated["status"] = CandidateStatus.SUBSCRIBED  # the person opted back in from their own link
            return dict(updated, updated_at=now)

        result = self.candidates.update(token.candidate_id, change)
        if result is None:
            return {}
        before, after = result
        self.memberships.apply([(before, after)])
        self.timeline.add(token.candidate_id, "unsubscribed" if everything else "preferences", {
            "source": source, "campaign_id": token.campaign_id, "step": token.step,
            "unsubscribed_categories": after["preferences"]["unsubscribed_categories"]}, at=now)
        if everything and self.exits:
            self.exits.end(token.candidate_id, DecisionReason.UNSUBSCRIBED)
        if everything and self.sends.mark_unsubscribed(token.send_key, now):
            self.stats.add(f"campaign#{token.campaign_id}", {"unsubscribed": 1, f"unsubscribed_s{token.step}": 1})
        logger().info("preferences changed", extra={"candidate_id": token.candidate_id, "source": source,
                                                     "everything": everything})
        return after
