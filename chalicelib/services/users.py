"""The team's members: an admin invites, changes roles, disables and deletes; the first admin is made at start.

Cognito holds the credentials (identity port); the users table holds the role and the state the app decides
with. A new member gets a temporary password by email, sent by the app's own mailer (so locally it lands in
the outbox), unless the admin typed one to hand over themselves.
"""
from __future__ import annotations

from ..domain.accounts import NewApiKey, NewUser, Principal, UserChange, invitation_email, temporary_password
from ..domain.bodies import parse_body
from ..domain.clock import iso, new_id
from ..domain.errors import Conflict, NotFound
from ..domain.messages import build_mime
from ..domain.vocabulary import Role, UserStatus

VIEW = ("id", "email", "name", "role", "status", "created_at", "updated_at")
TEMPORARY_PASSWORD_DAYS = 7  # the pool's TemporaryPasswordValidityDays (infra/)


def view(user: dict) -> dict:
    return {name: user.get(name) for name in VIEW}


class UserService:
    def __init__(self, *, users, identity, mailer, api_keys, auth, from_email: str, company: str,
                 sign_in_url: str) -> None:
        self.users = users
        self.identity = identity
        self.mailer = mailer
        self.api_keys = api_keys
        self.auth = auth
        self.from_email = from_email
        self.company = company
        self.sign_in_url = sign_in_url

    def create(self, body: object) -> dict:
        request = parse_body(NewUser, body)
        return self._create(request.email, request.name, request.role, request.temporary_password)

    def _create(self, email: str, name: str, role: Role, password: str | None) -> dict:
        """`password`: the temporary password the admin typed; None: one is made and sent by email."""
        if self.users.by_email(email):
            raise Conflict(f"{email} already has an account", {"email": "already has an account"},
                           code="user_exists")
        invite = password is None
        password = password or temporary_password()
        self.identity.create_user(email, name, password)
        now = iso()
        user = {"id": new_id("user"), "email": email, "name": name, "role": role, "status": UserStatus.INVITED,
                "created_at": now, "updated_at": now}
        self.users.create(user)
        if invite:
            self._invite(user, password)
        return view(user)

    def _invite(self, user: dict, password: str) -> None:
        subject, text, html = invitation_email(name=user["name"], company=self.company, email=user["email"],
                                               sign_in_url=self.sign_in_url, password=password,
                                               valid_days=TEMPORARY_PASSWORD_DAYS)
        raw = build_mime(from_email=self.from_email, from_name=self.company, to=user["email"], subject=subject,
                         text=text, html_body=html)
        self.mailer.send_raw(from_email=self.from_email, to=user["email"], raw=raw, tags={"kind": "invitation"})

    def list(self) -> list[dict]:
        return [view(user) for user in sorted(self.users.all(), key=lambda u: (u["created_at"], u["id"]))]

    def get(self, user_id: str) -> dict:
        user = self.users.get(user_id)
        if user is None:
            raise NotFound(f"no user {user_id}")
        return user

    def change(self, user_id: str, body: object, by: Principal) -> dict:
        request = parse_body(UserChange, body)
        user = self.get(user_id)
        role = request.role or Role(user["role"])
        disabled = request.disabled if request.disabled is not None else user["status"] == UserStatus.DISABLED
        if user_id == by.user_id and (role is not Role.ADMIN or disabled):
            raise Conflict("you cannot demote or disable yourself: ask another admin", code="own_account")
        if (role is not Role.ADMIN or disabled) and self._last_admin(user):
            raise Conflict("the last active admin must stay an active admin", code="last_admin")
        was_disabled = user["status"] == UserStatus.DISABLED
        if disabled != was_disabled:
            self.identity.set_enabled(user["email"], not disabled)
        status = UserStatus.DISABLED if disabled else (
            UserStatus(user["status"]) if not was_disabled else UserStatus.ACTIVE)
        user = {**user, "role": role, "status": status, "updated_at": iso()}
        self.users.save(user)
        self.auth.forget()
        return view(user)

    def delete(self, user_id: str, by: Principal) -> None:
        user = self.get(user_id)
        if user_id == by.user_id:
            raise Conflict("you cannot delete your own account: ask another admin", code="own_account")
        if self._last_admin(user):
            raise Conflict("the last active admin cannot be deleted", code="last_admin")
        self.identity.delete_user(user["email"])
        self.api_keys.revoke_owned_by(user_id)
        self.users.delete(user_id)
        self.auth.forget()

    def _last_admin(self, user: dict) -> bool:
        if user["role"] != Role.ADMIN or user["status"] == UserStatus.DISABLED:
            return False
        admins = [u for u in self.users.all() if u["role"] == Role.ADMIN and u["status"] != UserStatus.DISABLED]
        return len(admins) <= 1

    def create_key(self, body: object, by: Principal) -> dict:
        """An API key for a member (by default the admin asking); shown once, acting with that member's role."""
        request = parse_body(NewApiKey, body)
        owner = self.get(request.user_id) if request.user_id else self.get(by.user_id)
        return self.api_keys.create(request.name, user_id=owner["id"])

    def ensure_admin(self, email: str, password: str | None) -> tuple[dict, bool]:
        """The first admin (CRM_ADMIN_EMAIL), made if absent: (the member, whether made now).

        With a password (the local stack's: CRM_ADMIN_PASSWORD, or generated and kept in CRM_DATA_DIR) that is
        the admin's password, set at every start so the printed one works; without one (a deployed stage) an
        invitation with a temporary password goes out by email."""
        existing = self.users.by_email(email)
        made = existing is None
        user = existing or self.users.get(self._create(email, email.split("@", 1)[0], Role.ADMIN, password)["id"])
        if password and user is not None:
            self.identity.set_password(email, password)
            if user["status"] == UserStatus.INVITED:
                user = {**user, "status": UserStatus.ACTIVE, "updated_at": iso()}
                self.users.save(user)
        return view(user or {}), made
