"""The person's own page (/u/{token}): what we hold about them, and their choices, changed by themselves.

Every change is one conditional update of the person (store: version checked, retried) and a timeline entry;
the rules that read the choices when sending are in domain/preferences.py. Topics and "unsubscribe from
everything" stay with the tracking service (services/tracking.py `set_preferences`), which one-click uses too.
"Delete me" sends a confirmation email at most once an hour; its link erases through the GDPR erasure.
"""
from __future__ import annotations

from datetime import timedelta

from ..domain.clock import iso, utcnow
from ..domain.erasure import erase_code, erase_code_valid, erasure_email
from ..domain.errors import RateLimited, ValidationError
from ..domain.messages import build_mime
from ..domain.preferences import (CHANNELS, channels_off, emails_this_month, monthly_cap, pause_end, paused_until,
                                  read_monthly)
from ..domain.vocabulary import CandidateStatus, Channel
from ..observability import count, logger
from .ports import Refused

SOURCE = "preference_page"
YEAR = timedelta(days=365)


class PreferenceService:
    def __init__(self, settings, candidates, timeline, sends, memberships, privacy, mailer, keys):
        self.settings = settings
        self.candidates = candidates
        self.timeline = timeline
        self.sends = sends
        self.memberships = memberships
        self.privacy = privacy
        self.mailer = mailer
        self.keys = keys

    # ------------------------------------------------------------ what we hold

    def held(self, candidate: dict) -> dict:
        """What the page shows besides the person's fields: consent records, and their messages of the last year."""
        cutoff = iso(utcnow() - YEAR)
        sent = [s for s in self.sends.for_candidate(candidate["id"]) if (s.get("sent_at") or "") >= cutoff]
        history = self.timeline.all(candidate["id"])
        return {
            "consents": [e for e in history if e["kind"] == "consent"],
            "emails_last_year": sum(1 for s in sent if s.get("channel") != Channel.SMS),
            "texts_last_year": sum(1 for s in sent if s.get("channel") == Channel.SMS),
            "emails_this_month": len(emails_this_month(candidate, utcnow())),
            "paused_until": paused_until(candidate, utcnow()),
            "channels_off": channels_off(candidate),
            "monthly_cap": monthly_cap(candidate),
            "sms_possible": self.sms_possible(candidate),
        }

    def export(self, candidate_id: str) -> dict:
        return self.privacy.export(candidate_id)

    @staticmethod
    def sms_possible(candidate: dict) -> bool:
        """Texts can be turned on from the page only by someone with a phone who agreed to texts before."""
        preferences = candidate.get("preferences") or {}
        had = candidate.get("sms_consent") is True or (preferences.get("sms_opt_out") or {}).get("had_consent")
        return bool(candidate.get("phone")) and bool(had)

    # ------------------------------------------------------------ choices

    def set_frequency(self, candidate_id: str, text: str) -> dict | None:
        try:
            cap = read_monthly(text)
        except ValueError as exc:
            raise ValidationError.field("max_per_month", str(exc)) from None
        return self._change(candidate_id, {"max_per_month": cap}, "frequency_chosen", {"max_per_month": cap})

    def pause(self, candidate_id: str, choice: str) -> dict | None:
        try:
            until = pause_end(choice, utcnow())
        except ValueError as exc:
            raise ValidationError.field("pause", str(exc)) from None
        return self._change(candidate_id, {"paused_until": until}, "paused_by_person", {"paused_until": until})

    def resume(self, candidate_id: str) -> dict | None:
        return self._change(candidate_id, {"paused_until": None}, "pause_ended", {})

    def set_channels(self, candidate_id: str, wanted: list[str], source: str = SOURCE) -> dict | None:
        """`wanted`: the channels to keep on. Texts are left alone for someone with no phone (the page offers no
        choice then); back on only for someone who agreed to texts before."""
        if any(c not in CHANNELS for c in wanted):
            raise ValidationError.field("channels", "email or sms")
        current = self.candidates.get(candidate_id)
        if current is None:
            return None
        texts_on = Channel.SMS not in channels_off(current)
        if current.get("phone") and (Channel.SMS in wanted) != texts_on:
            if not texts_on and not self.sms_possible(current):
                raise ValidationError.field("channels", "texts can only be turned on again after an earlier consent")
            self.sms(candidate_id, on=not texts_on, source=source)
        email_on = Channel.EMAIL in wanted
        if email_on == (Channel.EMAIL not in channels_off(current)):
            return self.candidates.get(candidate_id)
        return self._change(candidate_id, lambda p: {"channels_off": [
            c for c in p.get("channels_off") or [] if c != Channel.EMAIL] + ([] if email_on else [Channel.EMAIL])},
            "channels_chosen", {"email": email_on})

    def sms(self, candidate_id: str, *, on: bool, source: str, detail: dict | None = None) -> str:
        """Texts off (recorded: when, how, whether they had agreed before) or back on (only after an earlier
        consent). Returns what happened: opted_out, opted_in, unchanged, no_consent_before, no_candidate."""
        now = iso()
        outcome = {"value": "unchanged"}

        def change(current: dict) -> dict:
            outcome["value"] = "unchanged"  # this attempt's (the update retries on a concurrent write)
            preferences = dict(current.get("preferences") or {})
            stopped = preferences.get("sms_opt_out") or {}
            off = [c for c in preferences.get("channels_off") or [] if c != Channel.SMS]
            if not on:
                if current.get("sms_consent") is False and stopped:
                    return current  # a replayed or repeated STOP
                had = current.get("sms_consent") is True or bool(stopped.get("had_consent"))
                preferences.update(channels_off=off + [Channel.SMS], updated_at=now,
                                   sms_opt_out={"at": now, "source": source, "had_consent": had})
                outcome["value"] = "opted_out"
                return dict(current, sms_consent=False, preferences=preferences, updated_at=now)
            consented = current.get("sms_consent") is True
            if consented and Channel.SMS not in (preferences.get("channels_off") or []):
                return current
            if not consented and not stopped.get("had_consent"):
                outcome["value"] = "no_consent_before"
                return current
            preferences.update(channels_off=off, updated_at=now, sms_opt_out=None)
            outcome["value"] = "opted_in"
            return dict(current, sms_consent=True, preferences=preferences, updated_at=now)

        result = self.candidates.update(candidate_id, change)
        if result is None:
            return "no_candidate"
        if result[1] is not result[0]:
            self.memberships.apply([result])
            self.timeline.add(candidate_id, "sms_opt_out" if not on else "sms_opt_in",
                              {"source": source, **(detail or {})}, at=now)
            logger().info("SMS choice changed", extra={"candidate_id": candidate_id, "source": source, "on": on})
        return outcome["value"]

    def _change(self, candidate_id: str, values, kind: str, record: dict) -> dict | None:
        """Sets `values` (a dict, or a function of the current preferences giving one) in the person's preferences;
        on their timeline as `kind` (frequency_chosen, paused_by_person, pause_ended, channels_chosen)."""
        now = iso()

        def change(current: dict) -> dict:
            preferences = dict(current.get("preferences") or {})
            preferences.update(values(preferences) if callable(values) else values)
            preferences.update(updated_at=now, source=SOURCE)
            return dict(current, preferences=preferences, updated_at=now)

        result = self.candidates.update(candidate_id, change)
        if result is None:
            return None
        self.memberships.apply([result])
        self.timeline.add(candidate_id, kind, {"source": SOURCE, **record}, at=now)
        return result[1]

    # ------------------------------------------------------------ delete me

    def request_erasure(self, candidate: dict, erase_url) -> str:
        """Emails the confirmation link (`erase_url(code)` makes it), at most once an hour. Returns "sent".
        RateLimited when one went this hour; a refused email raises too (nothing is erased without it)."""
        now = utcnow()
        if candidate.get("status") == CandidateStatus.BOUNCED:
            raise ValidationError.field("erase", "we cannot email your address (it bounced); please contact us")
        window_end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        if not self.keys.hit(f"rate#erase#{candidate['id']}#{now:%Y%m%d%H}", 1, window_end):
            raise RateLimited("we sent you the confirmation email already; it can be sent again within the hour",
                              retry_after=int((window_end - now).total_seconds()))
        url = erase_url(erase_code(self.settings.secret, candidate["id"], now))
        subject, text, html_body = erasure_email(confirm_url=url, company=self.settings.company_name)
        raw = build_mime(from_email=self.settings.from_email, from_name=self.settings.company_name,
                         to=candidate["email"], subject=subject, text=text, html_body=html_body)
        try:
            message_id = self.mailer.send_raw(from_email=self.settings.from_email, to=candidate["email"], raw=raw,
                                              tags={"kind": "erasure_confirmation"})
        except Refused as refused:
            logger().warning("erasure confirmation not sent", extra={"candidate_id": candidate["id"],
                                                                      "code": refused.code})
            raise RateLimited("we could not send the email just now; please try again in a few minutes",
                              retry_after=300) from None
        self.timeline.add(candidate["id"], "erasure_requested", {"source": SOURCE, "message_id": message_id,
                                                                "subject": subject}, at=iso(now))
        count("ErasureRequested")
        return "sent"

    def erase_code_valid(self, candidate_id: str, code: str) -> bool:
        return erase_code_valid(self.settings.secret, code, candidate_id, utcnow())

    def erase(self, candidate_id: str) -> dict:
        logger().info("erased at the person's own request", extra={"candidate_id": candidate_id})
        return self.privacy.erase(candidate_id)

