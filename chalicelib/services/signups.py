"""Careers-page sign-ups with double opt-in."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from ..domain.candidates import merge_fill, merge_update
from ..domain.clock import iso, new_id, utcnow
from ..domain.emails import email_hash, mask_email
from ..domain.errors import EmailTaken, RateLimited
from ..domain.signups import SignupRequest
from ..domain.suppression import is_suppressed, signup_status
from ..domain.tokens import TokenError, TokenSigner
from ..domain.vocabulary import CandidateStatus, Channel
from ..observability import count, logger

CONFIRMATIONS_PER_ADDRESS_PER_DAY = 5  # so our form cannot be used to flood someone's inbox


@dataclass
class ClientInfo:
    ip: str
    user_agent: str | None = None
    referer: str | None = None


class SignupService:
    def __init__(self, settings, candidates, keys, timeline, send_queue, memberships, tombstones):
        self.settings = settings
        self.memberships = memberships
        self.candidates = candidates
        self.keys = keys
        self.tombstones = tombstones
        self.timeline = timeline
        self.send_queue = send_queue
        self.signer = TokenSigner(settings.secret, "confirm")

    def submit(self, request: SignupRequest, client: ClientInfo) -> None:
        if request.honeypot:
            logger().info("sign-up honeypot filled: ignored", extra={"ip_hash": _hash(client.ip)})
            count("SignupHoneypot")
            return
        now = utcnow()
        window_end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        ip_key = f"rate#signup#{_hash(client.ip)}#{now:%Y%m%d%H}"
        if not self.keys.hit(ip_key, self.settings.signup_limit, window_end):
            raise RateLimited("too many sign-ups from this address; try again later",
                              retry_after=int((window_end - now).total_seconds()))

        candidate = self._find_or_create(request, iso(now))
        if is_suppressed(candidate):  # the same answer as anyone gets; no email, nothing of the form kept
            self.timeline.add(candidate["id"], "signup_suppressed", {"status": candidate["status"]}, at=iso(now))
            logger().info("sign-up by a suppressed address: no email", extra={"candidate_id": candidate["id"]})
            count("SignupSuppressed")
            return
        consent = self.timeline.add(candidate["id"], "consent", {
            "status": CandidateStatus.PENDING,
            "channel": Channel.EMAIL,
            "consent_version": request.consent_version or self.settings.consent_version,
            "form_id": request.form_id,
            "page": request.page or client.referer,
            "ip": client.ip,
            "user_agent": (client.user_agent or "")[:500] or None,
            "utm": request.utm or None,
            "sms_consent": request.profile.get("sms_consent"),
            "profile": _storable(request.profile),
        }, at=iso(now))

        day_key = f"rate#confirm#{email_hash(request.email, self.settings.secret)[:32]}#{now:%Y%m%d}"
        if self.keys.hit(day_key, CONFIRMATIONS_PER_ADDRESS_PER_DAY, now + timedelta(days=1)):
            self.send_queue.send({"type": "confirmation", "candidate_id": candidate["id"],
                                  "consent_id": consent["id"]})
        else:
            logger().warning("confirmation emails per day reached", extra={"candidate_id": candidate["id"]})
        count("SignupAccepted")

    def _find_or_create(self, request: SignupRequest, now: str) -> dict:
        existing_id = self.candidates.id_for_email(request.email)
        if existing_id is None:
            candidate = {
                "id": new_id("cand"), "email": request.email, "status": CandidateStatus.PENDING,
                "source": "careers_page", "utm": request.utm or None,
                "created_at": now, "updated_at": now, "version": 1,
                **request.profile,
            }
            candidate["sms_consent"] = None  # given only with the confirmation
            try:
                self.candidates.create(candidate)
                self.memberships.apply([(None, candidate)])
                logger().info("sign-up created a candidate", extra={"candidate_id": candidate["id"]})
                return candidate
            except EmailTaken as taken:
                existing_id = taken.candidate_id  # a parallel sign-up or import won the race
        return self._update(existing_id, lambda current: self._merge_signup(current, request, now))

    def _merge_signup(self, current: dict, request: SignupRequest, now: str) -> dict:
        if is_suppressed(current):
            return current
        profile = {k: v for k, v in request.profile.items() if k != "sms_consent"}
        merged = merge_fill(current, profile)
        merged["status"] = signup_status(current.get("status"))  # an unsubscribed person stays so until they confirm
        if not current.get("utm") and request.utm:
            merged["utm"] = request.utm
        merged["updated_at"] = now
        return merged

    def _update(self, candidate_id: str, change) -> dict:
        result = self.candidates.update(candidate_id, change)
        if result is None:
            raise RuntimeError(f"email claim points at missing candidate {candidate_id}")
        before, after = result
        if after is not before:
            self.memberships.apply([(before, after)])
        return after

    def confirm_url(self, candidate_id: str, consent_id: str) -> str:
        token = self.signer.sign({"c": candidate_id, "e": consent_id})
        return f"{self.settings.public_url}/signups/confirm?token={token}"

    def confirm(self, token: str) -> dict:
        """Marks the sign-up confirmed and the person subscribed. Idempotent. Raises TokenError."""
        payload = self.signer.verify(token, self.settings.confirm_ttl_seconds)
        candidate_id, consent_id = payload.get("c"), payload.get("e")
        if not isinstance(candidate_id, str) or not isinstance(consent_id, str):
            raise TokenError("invalid")
        consent = self.timeline.get(candidate_id, consent_id)
        if consent is None or consent["kind"] != "consent" or self.candidates.get(candidate_id) is None:
            raise TokenError("invalid")  # erased since, or never ours
        data = consent["data"]
        if data.get("confirmed_at"):
            return self.candidates.get(candidate_id)
        now = iso()

        def apply(current: dict) -> dict:
            if is_suppressed(current):  # bounced or complained since: only a recruiter's recorded lift
                return current
            merged = merge_update(current, data.get("profile") or {})
            merged.update(
                status=CandidateStatus.SUBSCRIBED, confirmed_at=now, updated_at=now,
                consent={
                    "marketing": True, "channel": Channel.EMAIL, "given_at": consent["at"],
                    "confirmed_at": now, "consent_version": data.get("consent_version"),
                    "source": "careers_page", "form_id": data.get("form_id"), "record_id": consent_id,
                },
            )
            if data.get("sms_consent") is not None:
                merged["sms_consent"] = data["sms_consent"]
            return merged

        candidate = self._update(candidate_id, apply)
        if is_suppressed(candidate):
            logger().info("confirmation by a suppressed person: status kept", extra={"candidate_id": candidate_id})
            return candidate
        self.timeline.update_data(candidate_id, consent_id, dict(data, status="confirmed", confirmed_at=now))
        self.tombstones.lift(candidate["email"])
        logger().info("sign-up confirmed", extra={"candidate_id": candidate_id})
        count("SignupConfirmed")
        return candidate


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def _storable(profile: dict) -> dict:
    return {k: v for k, v in profile.items() if v is not None}


__all__ = ["SignupService", "ClientInfo", "TokenError", "mask_email"]
