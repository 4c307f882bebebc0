"""Who a campaign's emails come from: the company's address, or a recruiter (a team member, or a name and an
address), shown as "Ada Lovelace at Acme" <ada@acme.example> (CONTRACT: campaigns, `sender`).

The address must be one SES lets us send from: its own identity or its domain's is verified (the stage's
domain identity, infra/: any recruiter's address at it may send). That is checked when a campaign is
scheduled, so a campaign never starts sending as an address SES will refuse; a team member is read again
when their campaign's emails are built, so a renamed recruiter signs with their new name.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..domain.errors import Conflict
from ..domain.vocabulary import UserStatus


@dataclass(frozen=True)
class From:
    """A campaign's sender, resolved: the name shown (None: the company's alone) and the address."""
    name: str | None
    email: str
    user_id: str | None = None

    def display(self, company: str) -> str:
        """The From header's name: the recruiter's with the company's, else the company's."""
        return f"{self.name} at {company}" if self.name else company


class Senders:
    def __init__(self, settings, users, mailer):
        self.settings = settings
        self.users = users
        self.mailer = mailer

    def resolve(self, sender: dict | None) -> From:
        """The sender a campaign names (None: the company's own address). Conflict for a member who is gone."""
        if not sender:
            return From(None, self.settings.from_email)
        if sender.get("user_id"):
            user = self.users.get(sender["user_id"])
            if user is None or user.get("status") == UserStatus.DISABLED:
                raise Conflict("the sender is not an active team member", {"sender": "not an active team member"},
                               code="sender_unknown")
            return From(user.get("name") or None, user["email"], user["id"])
        return From(sender.get("name") or None, sender["email"])

    def check(self, sender: dict | None) -> From:
        """resolve(), and the address must be one SES sends from: Conflict `sender_unverified` if not."""
        resolved = self.resolve(sender)
        if resolved.email != self.settings.from_email and not self.mailer.sendable(resolved.email):
            domain = resolved.email.rsplit("@", 1)[-1]
            raise Conflict(f"{resolved.email} is not a verified SES identity", {
                "sender": f"verify {resolved.email} or its domain {domain} in SES before sending as it "
                          "(docs/deploying.md, the sending domain)"}, code="sender_unverified")
        return resolved
