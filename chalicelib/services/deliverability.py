"""The deliverability autopilot: rates counted as sends and SES events happen, campaigns and the account paused.

Counts: sends (the send pipeline, as SES takes each campaign email), permanent bounces and complaints (the SES
webhook, once per send) go to hourly buckets per mailbox provider in the stats table: `deliv#<scope>#<YYYYMMDD>`,
one item per hour of the day, for the account and for each campaign. A 7-day rate reads 8 keys of at most 24
small items each, never a scan.

Pauses: a campaign whose 7-day rates reach CRM_AUTOPAUSE_BOUNCE or CRM_AUTOPAUSE_COMPLAINT once it has
CRM_AUTOPAUSE_MIN_SENDS sends pauses (`paused_reason` bounce_rate or complaint_rate); the account's rates at half SES's
review levels pause every marketing campaign (`account`) and hold marketing messages in the send pipeline. What was
measured at that moment is kept (key store) and shown. Nothing lifts a pause but a person; after a person resumes,
the rates that paused start over at the next full hour (else the same bounces would pause it again at once).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from ..domain import clock
from ..domain.clock import iso, parse_iso
from ..domain.deliverability import (ACCOUNT_BOUNCE, ACCOUNT_COMPLAINT, PAUSE_WINDOW, WINDOWS, Figures, breach,
                                     bucket_start, counter_name, day_key, days_back, is_marketing, provider_of,
                                     rates, state, why)
from ..domain.errors import Conflict, Forbidden
from ..domain.vocabulary import CampaignStatus, MailboxProvider, PausedReason, Role
from ..observability import logger

ACCOUNT = "account"
ACCOUNT_PAUSE = "deliverability#account_pause"
PAGE = 100  # campaigns read at a time when the account pauses them all, or lists what is paused
AUTOMATIC = (PausedReason.BOUNCE_RATE, PausedReason.COMPLAINT_RATE, PausedReason.ACCOUNT)
RUNNING = (CampaignStatus.SCHEDULED, CampaignStatus.SENDING)


def _scope(campaign_id: str | None) -> str:
    return f"campaign#{campaign_id}" if campaign_id else ACCOUNT


class DeliverabilityService:
    def __init__(self, settings, stats, keys, campaigns, audit=None):
        self.settings = settings
        self.audit = audit  # services/audit.py: each automatic pause is in the audit log (no actor: the autopilot)
        self.stats = stats
        self.keys = keys
        self.campaigns = campaigns

    # ------------------------------------------------------------ counting

    def sent(self, campaign_id: str, addresses: list[str]) -> None:
        """Campaign emails SES took: counted, then the campaign checked (its sends may just have reached the
        minimum with its bounces already above the level)."""
        if addresses:
            self._add(campaign_id, "sent", addresses)
            self.check(campaign_id)

    def event(self, campaign_id: str, metric: str, address: str) -> None:
        """A permanent bounce (`bounced`) or a complaint (`complained`) of a campaign's send, counted once."""
        self._add(campaign_id, metric, [address])
        self.check(campaign_id)

    def _add(self, campaign_id: str, metric: str, addresses: list[str]) -> None:
        now = clock.utcnow()
        counts: dict[str, int] = {}
        for address in addresses:
            name = counter_name(metric, provider_of(address))
            counts[name] = counts.get(name, 0) + 1
        for scope in (ACCOUNT, _scope(campaign_id)):
            self.stats.add_at(f"deliv#{scope}#{day_key(now)}", now.hour, counts)

    def figures(self, campaign_id: str | None = None, since: datetime | None = None) -> dict[str, Figures]:
        """Each window's figures ("24h", "7d") of the account or a campaign, from the hour after `since` if given."""
        now = clock.utcnow()
        buckets = []
        for day in days_back(now, max(WINDOWS.values())):
            key = day_key(day)
            buckets += [(bucket_start(key, hour), counts)
                        for hour, counts in self.stats.slots(f"deliv#{_scope(campaign_id)}#{key}").items()]
        windows = {}
        for name, hours in WINDOWS.items():
            start = now - timedelta(hours=hours)
            windows[name] = Figures.of([counts for at, counts in buckets if at + timedelta(hours=1) > start
                                        and at <= now and (since is None or at > since)])
        return windows

    # ------------------------------------------------------------ pausing

    def check(self, campaign_id: str | None) -> None:
        """Pauses the campaign, and all marketing, if their rates reached the levels."""
        if campaign_id:
            self._check_campaign(campaign_id)
        if self.account_pause() is None:
            counts = self.figures(None, self._resumed(None))[PAUSE_WINDOW].total
            reason = breach(counts, ACCOUNT_BOUNCE, ACCOUNT_COMPLAINT, self.settings.autopause_account_min_sends)
            if reason is not None:
                self._pause_account(reason, rates(counts))

    def _check_campaign(self, campaign_id: str) -> None:
        campaign = self.campaigns.get(campaign_id)
        if campaign is None or campaign["status"] not in RUNNING:
            return
        counts = self.figures(campaign_id, self._resumed(campaign_id))[PAUSE_WINDOW].total
        reason = breach(counts, self.settings.autopause_bounce, self.settings.autopause_complaint,
                        self.settings.autopause_min_sends)
        if reason is not None:
            self._pause(campaign, reason, rates(counts))

    def _pause(self, campaign: dict, reason: PausedReason, measured: dict) -> bool:
        """Pauses a running campaign for `reason`, keeping what was measured; False if it changed meanwhile."""
        now = iso()
        if not self.campaigns.transition(campaign["id"], campaign["status"], CampaignStatus.PAUSED, due_at=None,
                                         paused_from=campaign["status"], paused_reason=reason, updated_at=now):
            return False
        detail = {"reason": reason, "at": now, **measured}
        self.keys.put(f"deliverability#pause#{campaign['id']}", data=detail, created_at=now)
        logger().warning("campaign paused automatically", extra={"campaign_id": campaign["id"], **detail})
        self._audited(reason, campaign["id"])
        return True

    def _audited(self, reason: PausedReason, target: str) -> None:
        if self.audit is not None:
            self.audit.record(None, action=f"autopause {reason}", target=target, ip=None)

    def _pause_account(self, reason: PausedReason, measured: dict) -> None:
        now = iso()
        if not self.keys.put_new(ACCOUNT_PAUSE, data={"reason": reason, "at": now, **measured}, created_at=now):
            return  # paused already (another event got there first)
        logger().warning("all marketing sending paused", extra={"reason": reason, **measured})
        self._audited(reason, ACCOUNT)
        for campaign in self._campaigns():
            if campaign["status"] in RUNNING and is_marketing(campaign):
                self._pause(campaign, PausedReason.ACCOUNT, {})

    def account_pause(self) -> dict | None:
        """What paused all marketing ({"reason", "at", "sent", "bounce", ...}), or None."""
        item = self.keys.get(ACCOUNT_PAUSE)
        return item["data"] if item else None

    def holds(self, campaign: dict) -> bool:
        """For the send pipeline: whether a running campaign's message waits, the account pause holding all
        marketing. The campaign is paused (`account`) the first time."""
        if not is_marketing(campaign) or self.account_pause() is None:
            return False
        if campaign["status"] in RUNNING:
            self._pause(campaign, PausedReason.ACCOUNT, {})
        return True

    # ------------------------------------------------------------ a person resumes

    def refuse_resume(self, campaign: dict) -> None:
        """A marketing campaign does not resume while the account pause holds (CampaignService.act)."""
        if is_marketing(campaign) and self.account_pause() is not None:
            raise Conflict("all marketing sending is paused for the account's bounce or complaint rate: an admin "
                           "resumes sending (POST /deliverability/resume) first", code="account_paused")

    def resumed(self, campaign_id: str | None) -> None:
        """A person resumed the campaign (or the account): its pause record goes, its rates count anew."""
        now = iso()
        self.keys.put(f"deliverability#resumed#{_scope(campaign_id)}", data={"at": now}, created_at=now)
        if campaign_id:
            self.keys.delete(f"deliverability#pause#{campaign_id}")

    def _resumed(self, campaign_id: str | None) -> datetime | None:
        item = self.keys.get(f"deliverability#resumed#{_scope(campaign_id)}")
        return parse_iso(item["data"]["at"]) if item and (item.get("data") or {}).get("at") else None

    def resume_account(self, role: Role, resume_campaign: Callable[[str], object]) -> dict:
        """An admin lifts the account pause: the campaigns it paused resume (`resume_campaign`, the campaign
        service's resume), campaigns paused for their own rates stay paused."""
        if role != Role.ADMIN:
            raise Forbidden("only an admin resumes the account's marketing sending", code="forbidden")
        pause = self.account_pause()
        if pause is None:
            raise Conflict("marketing sending is not paused", code="not_paused")
        self.keys.delete(ACCOUNT_PAUSE)
        self.resumed(None)
        logger().warning("marketing sending resumed by a person", extra={"paused": pause})
        resumed = []
        for campaign in self._campaigns():
            if campaign["status"] == CampaignStatus.PAUSED and campaign.get("paused_reason") == PausedReason.ACCOUNT:
                try:
                    resume_campaign(campaign["id"])
                    resumed.append(campaign["id"])
                except Conflict:  # it changed meanwhile: a person sees it on the page
                    continue
        return {"resumed": True, "campaigns": resumed, "paused": pause}

    # ------------------------------------------------------------ reading

    def pause_detail(self, campaign_id: str) -> dict | None:
        item = self.keys.get(f"deliverability#pause#{campaign_id}")
        return item["data"] if item else None

    def why(self, campaign: dict) -> str:
        """Why the campaign is paused, in words ("Paused automatically: bounce rate 6.1% after 230 sends")."""
        if campaign.get("status") != CampaignStatus.PAUSED:
            return ""
        reason = campaign.get("paused_reason")
        return why(reason, self.pause_detail(campaign["id"]) if reason in AUTOMATIC else None)

    def report(self) -> dict:
        """GET /deliverability."""
        pause = self.account_pause()
        windows = self.figures()
        paused = []
        for campaign in self._campaigns():
            if campaign["status"] == CampaignStatus.PAUSED:
                reason = campaign.get("paused_reason")
                detail = self.pause_detail(campaign["id"]) if reason in AUTOMATIC else None
                paused.append({"id": campaign["id"], "name": campaign["name"], "paused_reason": reason,
                               "paused_at": (detail or {}).get("at"), "measured": _measured(detail),
                               "why": why(reason, detail)})
        return {
            "state": state(pause is not None, windows[PAUSE_WINDOW].total, self.settings.autopause_account_min_sends),
            "rates": {name: rates(figures.total) for name, figures in windows.items()},
            "providers": {p: {**rates(windows["7d"].providers[p]), "24h": rates(windows["24h"].providers[p])}
                          for p in MailboxProvider},
            "paused_campaigns": paused,
            "account_paused_reason": pause["reason"] if pause else None,
            "account_paused": pause,
            "thresholds": self.thresholds(),
        }

    def thresholds(self) -> dict:
        settings = self.settings
        return {"campaign": {"bounce": settings.autopause_bounce, "complaint": settings.autopause_complaint,
                             "min_sends": settings.autopause_min_sends, "window": PAUSE_WINDOW},
                "account": {"bounce": ACCOUNT_BOUNCE, "complaint": ACCOUNT_COMPLAINT,
                            "min_sends": settings.autopause_account_min_sends, "window": PAUSE_WINDOW},
                "warning": {"bounce": ACCOUNT_BOUNCE / 2, "complaint": ACCOUNT_COMPLAINT / 2}}

    def _campaigns(self):
        cursor = None
        while True:
            items, cursor = self.campaigns.page(PAGE, cursor)
            yield from items
            if not cursor:
                return


def _measured(detail: dict | None) -> dict | None:
    if not detail or "sent" not in detail:
        return None
    return {k: detail.get(k) for k in ("sent", "bounced", "complained", "bounce", "complaint")}
