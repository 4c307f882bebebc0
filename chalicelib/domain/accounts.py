"""Team accounts: who is asking (a Principal), what each role may do, the bodies of the user routes,
and the invitation email. Pure: the services bring Cognito, the tables and the clock."""
from __future__ import annotations

import html
import secrets
import string
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, Field

from .bodies import CHOICE, Body
from .emails import normalize_email
from .errors import ValidationError
from .text import unsafe_reason
from .vocabulary import Role, Via

READ_METHODS = frozenset({"GET", "HEAD"})
# Routes only an admin may use (path templates as the router names them; a prefix covers what is under it).
ADMIN_ROUTES = ("/users", "/audit", "/apikeys", "/dashboard/team", "/deliverability/resume",
                "/dashboard/deliverability/resume", "/doctor", "/dashboard/settings")
# Every signed-in member may: their own account.
OWN_ACCOUNT = frozenset({("GET", "/me"), ("POST", "/auth/sign-out")})
# Reads that hand out a person's data in bulk or in full: refused to viewers.
PERSONAL_EXPORTS = frozenset({"/candidates/export.csv", "/candidates/{candidate_id}/export",
                              "/dashboard/candidates/{candidate_id}/export", "/dashboard/candidates/export.csv"})
# Erasure: its audit entry names the person by the audit log's pseudonym, never by the erased id.
ERASURES = frozenset({("DELETE", "/candidates/{candidate_id}"), ("POST", "/dashboard/candidates/{candidate_id}/erase")})
# POSTs that change nothing (previews, counts, a form re-drawn): role rules apply, the audit log skips them (a
# live preview posts on every pause in typing).
CHANGE_NOTHING = frozenset({
    ("POST", "/pools/preview"), ("POST", "/templates/preview"), ("POST", "/templates/{template_id}/preview"),
    ("POST", "/dashboard/import/preview"), ("POST", "/dashboard/templates/preview"),
    ("POST", "/dashboard/templates/insert"), ("POST", "/dashboard/pools/builder"),
})
# Reads that the audit log records with the writes: a full profile, and the exports.
AUDITED_READS = PERSONAL_EXPORTS | {"/candidates/{candidate_id}", "/candidates/{candidate_id}/timeline",
                                    "/dashboard/candidates/{candidate_id}"}


@dataclass(frozen=True)
class Principal:
    """The signed-in team member a request acts as."""
    user_id: str
    email: str
    name: str
    role: Role
    via: Via
    session: str | None = None  # a token's id (jti): sign-out refuses that token from then on
    session_expires: int | None = None  # when that token expires anyway (unix seconds)

    def view(self) -> dict:
        return {"id": self.user_id, "email": self.email, "name": self.name, "role": self.role}


@dataclass(frozen=True)
class SignInResult:
    """What the identity provider answered a right password: a token, or the first sign-in's challenge."""
    access_token: str | None = None
    expires_in: int = 0
    challenge: str | None = None
    session: str | None = None


def _admin_route(route: str) -> bool:
    return any(route == prefix or route.startswith(prefix + "/") for prefix in ADMIN_ROUTES)


def may(role: Role, method: str, route: str) -> bool:
    """Whether `role` may call `method route` (route: the path template, e.g. /candidates/{candidate_id})."""
    if (method, route) in OWN_ACCOUNT or role is Role.ADMIN:
        return True
    if _admin_route(route):
        return False
    if role is Role.VIEWER:
        return method in READ_METHODS and route not in PERSONAL_EXPORTS
    return True


def audited(method: str, route: str) -> bool:
    """Writes, and the reads of one person's full data."""
    if (method, route) in CHANGE_NOTHING:
        return False
    return method not in READ_METHODS or route in AUDITED_READS


# ---------------------------------------------------------------- bodies

def _email(value: str) -> str:
    try:
        return normalize_email(value)
    except ValidationError as error:  # a model's validator speaks ValueError; bodies.py puts it on the field
        raise ValueError(next(iter(error.fields.values()), error.message)) from None


def _name(value: str) -> str:
    reason = unsafe_reason(value, single_line=True)
    if reason or not value.strip():
        raise ValueError(reason or "required")
    return " ".join(value.split())


def _password(value: str) -> str:
    if reason := password_problem(value):
        raise ValueError(reason)
    return value


Email = Annotated[str, Field(max_length=254, description="an email address"), AfterValidator(_email)]
Name = Annotated[str, Field(min_length=1, max_length=100, description="text of 1 to 100 characters"),
                 AfterValidator(_name)]
Password = Annotated[str, Field(min_length=1, max_length=256, description="a password"), AfterValidator(_password)]
# Cognito's own limit is 256; our policy (password_problem) is the pool's policy, declared in infra/.
MIN_PASSWORD = 12


def password_problem(password: str) -> str | None:
    """The user pool's policy, said before Cognito says it less clearly (infra/ declares the same policy)."""
    if len(password) < MIN_PASSWORD:
        return f"at least {MIN_PASSWORD} characters"
    if any(ord(c) < 32 or ord(c) == 127 for c in password):
        return "no control characters"
    kinds = (any(c.islower() for c in password), any(c.isupper() for c in password),
             any(c.isdigit() for c in password), any(not c.isalnum() for c in password))
    if not all(kinds):
        return "a lower-case and an upper-case letter, a digit and a symbol"
    return None


class NewUser(Body):
    email: Email
    name: Name
    role: Annotated[Role, CHOICE] = Field(description="admin, recruiter or viewer")
    temporary_password: Password | None = None


class UserChange(Body):
    role: Annotated[Role, CHOICE] | None = Field(None, description="admin, recruiter or viewer")
    disabled: bool | None = Field(None, description="true or false")


class NewApiKey(Body):
    name: Name
    user_id: str | None = Field(None, pattern=r"^user_[0-9a-z]{26}$", description="a team member's id")


class SignIn(Body):
    email: str = Field(min_length=1, max_length=254, description="an email address")
    password: str = Field(min_length=1, max_length=256, description="a password")


class NewPassword(Body):
    email: str = Field(min_length=1, max_length=254, description="an email address")
    session: str = Field(min_length=1, max_length=4096, description="the session the sign-in answered")
    new_password: Password


def temporary_password() -> str:
    """Meets the pool's policy (one of each kind), from the system's CSPRNG."""
    kinds = (string.ascii_lowercase, string.ascii_uppercase, string.digits, "!#%+-=?@^_")
    chars = [secrets.choice(kind) for kind in kinds] + [
        secrets.choice("".join(kinds)) for _ in range(16 - len(kinds))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def invitation_email(*, name: str, company: str, sign_in_url: str, email: str,
                     password: str, valid_days: int) -> tuple[str, str, str]:
    """(subject, text, html): who invited you is not said (the admin's name is not the point), the temporary
    password is, with where to use it and until when."""
    subject = f"Your {company} Talent CRM account"
    text = (f"Hi {name},\n\nAn account was made for you in {company}'s Talent CRM.\n\n"
            f"Sign in at {sign_in_url}\nEmail: {email}\nTemporary password: {password}\n\n"
            f"You will choose your own password when you first sign in. The temporary password works for "
            f"{valid_days} days.\n")
    e = html.escape
    body = ("<!doctype html><html><body style=\"font-family:Arial,sans-serif;color:#1f2933;line-height:1.5\">"
            f"<p>Hi {e(name)},</p><p>An account was made for you in {e(company)}'s Talent CRM.</p>"
            f"<p>Sign in at <a href=\"{e(sign_in_url)}\">{e(sign_in_url)}</a><br>Email: {e(email)}<br>"
            f"Temporary password: <code>{e(password)}</code></p>"
            f"<p>You will choose your own password when you first sign in. The temporary password works for "
            f"{valid_days} days.</p></body></html>")
    return subject, text, body
