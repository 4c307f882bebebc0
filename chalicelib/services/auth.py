"""Who is asking: sign-in through the identity provider (Cognito), and every request's bearer (a Cognito
access token or an API key) turned into the team member it acts as, with that member's current role.

The role and the account's state are read from the users table on each request (cached briefly), not from
the token: a changed role or a disabled account takes effect within CACHE_SECONDS on every container (at
once on the one that made the change), not when the token expires. Signing out revokes the token presented
(its id is kept until it would have expired) and ends the member's Cognito sessions.
"""
from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from ..domain.accounts import NewPassword, Principal, SignIn, SignInResult
from ..domain.bodies import parse_body
from ..domain.clock import iso
from ..domain.errors import SignInRefused, Unauthorized
from ..domain.vocabulary import AuditOutcome, Role, UserStatus, Via

CACHE_SECONDS = 30
REVOKED = "signedout#"  # + a token's jti: a signed-out token (a keys-table item that expires with the token)
WINDOW = timedelta(minutes=15)  # failed sign-ins are counted per address and per client in this window
PER_CLIENT = 5  # a client (IP address) may fail this many times the per-address limit: an office shares one


class AuthService:
    def __init__(self, *, identity, users, api_keys, keys, verify_token, audit, admin_email: str,
                 sign_in_limit: int, clock=time.time) -> None:
        self.identity = identity
        self.users = users
        self.api_keys = api_keys
        self.keys = keys
        self.verify_token = verify_token
        self.audit = audit
        self.admin_email = admin_email
        self.limit = sign_in_limit
        self._clock = clock
        self._cache: dict[str, tuple[float, dict | None]] = {}

    # ------------------------------------------------------------ sign-in

    def sign_in(self, body: object, ip: str | None) -> dict:
        request = parse_body(SignIn, body)
        email = request.email.strip().lower()
        return self._answer(email, ip, lambda: self.identity.sign_in(email, request.password))

    def new_password(self, body: object, ip: str | None) -> dict:
        request = parse_body(NewPassword, body)
        email = request.email.strip().lower()
        return self._answer(email, ip, lambda: self.identity.new_password(email, request.session,
                                                                           request.new_password))

    def _answer(self, email: str, ip: str | None, attempt) -> dict:
        user = self.users.by_email(email)
        counters = self._counters(email, ip)
        if self._locked(counters) or user is None or user["status"] == UserStatus.DISABLED:
            if user is None or not self._locked(counters):
                self._failed(counters)  # an unknown address counts too: guessing addresses is what it stops
            self._record(user, "sign_in", ip, AuditOutcome.REFUSED)
            raise SignInRefused()
        try:
            result: SignInResult = attempt()
        except SignInRefused:
            self._failed(counters)
            self._record(user, "sign_in", ip, AuditOutcome.REFUSED)
            raise
        if result.challenge:
            return {"challenge": result.challenge, "session": result.session}
        if user["status"] == UserStatus.INVITED:
            user = {**user, "status": UserStatus.ACTIVE, "updated_at": iso()}
            self.users.save(user)
        self._record(user, "sign_in", ip, AuditOutcome.OK)
        return {"token": result.access_token, "expires_in": result.expires_in,
                "user": {name: user[name] for name in ("id", "email", "name", "role")}}

    def sign_out(self, principal: Principal) -> None:
        """The token this request came with stops working; an API key is not a session (revoke it instead)."""
        if principal.session:
            expires = datetime.fromtimestamp(principal.session_expires or self._clock() + 86400, timezone.utc)
            self.keys.put(REVOKED + principal.session, ref=principal.user_id, created_at=iso(), expires_at=expires)
            self._cache.pop(REVOKED + principal.session, None)
        self.identity.sign_out(principal.email)

    # ------------------------------------------------------------ every request

    def authenticate(self, bearer: str | None) -> Principal:
        """The member this request acts as, or Unauthorized."""
        if not bearer:
            raise Unauthorized("sign in, or send an API key, as 'Authorization: Bearer <token or key>'")
        if bearer.startswith("crm_"):
            key = self.api_keys.owner(bearer)
            if key is None:
                raise Unauthorized("this API key is not valid")
            user = self._user(key["user_id"]) if key["user_id"] else self._first_admin()
            return self._principal(user, Via.API_KEY)
        claims = self.verify_token(bearer)
        if claims is None:
            raise Unauthorized("the sign-in token is not valid or has expired: sign in again")
        session = str(claims.get("jti") or "")[:100]
        if session and self._cached(REVOKED + session, lambda: self.keys.get(REVOKED + session)):
            raise Unauthorized("signed out: sign in again")
        principal = self._principal(self._user_by_email(str(claims["username"])), Via.TOKEN)
        return replace(principal, session=session or None, session_expires=int(claims["exp"]))

    def _principal(self, user: dict | None, via: Via) -> Principal:
        if user is None or user["status"] == UserStatus.DISABLED:
            raise Unauthorized("this account is disabled or no longer exists")
        return Principal(user["id"], user["email"], user["name"], Role(user["role"]), via)

    def forget(self, user_id: str | None = None) -> None:
        """Drops cached members (after a change to one), so this container sees it at once."""
        self._cache.clear()

    def _user(self, user_id: str) -> dict | None:
        return self._cached(f"id:{user_id}", lambda: self.users.get(user_id))

    def _user_by_email(self, email: str) -> dict | None:
        return self._cached(f"email:{email}", lambda: self.users.by_email(email))

    def _first_admin(self) -> dict | None:
        """A key made before keys had owners acts as the first admin (CRM_ADMIN_EMAIL), who owns the stage."""
        return self._user_by_email(self.admin_email)

    def _cached(self, key: str, read) -> dict | None:
        now = self._clock()
        hit = self._cache.get(key)
        if hit and hit[0] > now:
            return hit[1]
        value = read()
        if len(self._cache) > 1000:
            self._cache.clear()
        self._cache[key] = (now + CACHE_SECONDS, value)
        return value

    # ------------------------------------------------------------ sign-in limits

    def _counters(self, email: str, ip: str | None) -> list[tuple[str, int]]:
        window = int(self._clock() // WINDOW.total_seconds())
        counters = [(f"signin#address#{email[:254]}#{window}", self.limit)]
        if ip:
            counters.append((f"signin#client#{ip[:64]}#{window}", self.limit * PER_CLIENT))
        return counters

    def _locked(self, counters: list[tuple[str, int]]) -> bool:
        for key, limit in counters:
            item = self.keys.get(key)
            if item and (item.get("count") or 0) >= limit:
                return True
        return False

    def _failed(self, counters: list[tuple[str, int]]) -> None:
        expires = datetime.fromtimestamp(self._clock(), timezone.utc) + WINDOW * 2
        for key, limit in counters:
            self.keys.hit(key, limit, expires)

    def _record(self, user: dict | None, action: str, ip: str | None, outcome: AuditOutcome) -> None:
        actor = Principal(user["id"], user["email"], user["name"], Role(user["role"]), Via.TOKEN) if user else None
        self.audit.record(actor, action=action, target=None, ip=ip, outcome=outcome)
