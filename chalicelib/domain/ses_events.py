"""SES events in either format (event publishing `eventType`, older `notificationType`), made one.

Every field is read by type: SES sends well-formed events, so a field of the wrong type is dropped
(and named in `ignored`) rather than failing the event. A bounce with a garbled timestamp still
suppresses the address; only what cannot be read is left out.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .clock import iso, parse_iso

KINDS = {
    "Send": "send", "Delivery": "delivery", "Bounce": "bounce", "Complaint": "complaint", "Reject": "reject",
    "Open": "open", "Click": "click", "DeliveryDelay": "delivery_delay", "Rendering Failure": "rendering_failure",
    "RenderingFailure": "rendering_failure", "Subscription": "subscription",
}
MAX_RECIPIENTS = 100  # SES sends to at most 50 per message
MAX_TEXT = 1000
MAX_ID = 300  # message and feedback ids become parts of DynamoDB keys (at most 2048 bytes)


@dataclass
class SesEvent:
    kind: str  # one of KINDS' values, or "unknown"
    raw_type: str
    message_id: str | None
    recipients: list[str] = field(default_factory=list)  # the addresses this event is about
    permanent: bool = False  # bounces
    feedback_id: str | None = None
    at: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    detail: str | None = None
    ignored: list[str] = field(default_factory=list)  # fields left out because of their type or value


class _Reader:
    """Typed reads of one SES message; what has the wrong type is noted and read as missing."""

    def __init__(self) -> None:
        self.ignored: list[str] = []

    def _wrong(self, where: str) -> None:
        self.ignored.append(where)

    def section(self, parent: dict, name: str, where: str = "") -> dict:
        value = parent.get(name)
        if value is None or isinstance(value, dict):
            return value or {}
        self._wrong(where + name)
        return {}

    def text(self, parent: dict, name: str, where: str = "", limit: int = MAX_TEXT) -> str | None:
        value = parent.get(name)
        if value is None or (isinstance(value, str) and len(value) <= limit):
            return value or None
        self._wrong(where + name)
        return None

    def _list(self, parent: dict, name: str, where: str) -> list:
        """The list at `name`: [] when absent, and when it is not a list (noted)."""
        value = parent.get(name)
        if value is None or isinstance(value, list):
            return value or []
        self._wrong(where + name)
        return []

    def texts(self, parent: dict, name: str, where: str = "") -> list[str]:
        value = self._list(parent, name, where)
        good = [item for item in value[:MAX_RECIPIENTS] if isinstance(item, str) and len(item) <= MAX_TEXT]
        if len(good) != len(value):
            self._wrong(where + name)
        return good

    def addresses(self, parent: dict, name: str, where: str) -> list[str]:
        """[{"emailAddress": ...}, ...] as the addresses."""
        value = self._list(parent, name, where)
        found = [self.text(item, "emailAddress", f"{where}{name}[].") for item in value[:MAX_RECIPIENTS]
                 if isinstance(item, dict)]
        if len(found) != len(value):
            self._wrong(where + name)
        return [address for address in found if address]

    def time(self, parent: dict, name: str, where: str = "") -> str | None:
        value = self.text(parent, name, where)
        if value is None:
            return None
        try:
            return iso(parse_iso(value))
        except ValueError:
            self._wrong(where + name)
            return None

    def tags(self, mail: dict) -> dict[str, str]:
        tags = self.section(mail, "tags", "mail.")
        result = {}
        for name, values in tags.items():
            value = values[0] if isinstance(values, list) and values else values
            if isinstance(value, str) and len(value) <= MAX_TEXT:
                result[name] = value
            else:
                self._wrong(f"mail.tags.{name}"[:200])
        return result


def parse_ses_event(message: dict) -> SesEvent:
    read = _Reader()
    raw_type = read.text(message, "eventType") or read.text(message, "notificationType") or ""
    kind = KINDS.get(raw_type, "unknown")
    mail = read.section(message, "mail")
    event = SesEvent(kind=kind, raw_type=raw_type, message_id=read.text(mail, "messageId", "mail.", MAX_ID),
                     tags=read.tags(mail), recipients=read.texts(mail, "destination", "mail."),
                     at=read.time(mail, "timestamp", "mail."))
    if kind == "bounce":
        bounce = read.section(message, "bounce")
        event.permanent = read.text(bounce, "bounceType", "bounce.") == "Permanent"
        event.recipients = read.addresses(bounce, "bouncedRecipients", "bounce.")
        event.feedback_id = read.text(bounce, "feedbackId", "bounce.", MAX_ID)
        event.at = read.time(bounce, "timestamp", "bounce.") or event.at
        event.detail = f"{read.text(bounce, 'bounceType', 'bounce.')}/{read.text(bounce, 'bounceSubType', 'bounce.')}"
    elif kind == "complaint":
        complaint = read.section(message, "complaint")
        event.recipients = read.addresses(complaint, "complainedRecipients", "complaint.")
        event.feedback_id = read.text(complaint, "feedbackId", "complaint.", MAX_ID)
        event.at = read.time(complaint, "timestamp", "complaint.") or event.at
        event.detail = read.text(complaint, "complaintFeedbackType", "complaint.")
    elif kind == "delivery":
        delivery = read.section(message, "delivery")
        event.recipients = read.texts(delivery, "recipients", "delivery.") or event.recipients
        event.at = read.time(delivery, "timestamp", "delivery.") or event.at
    elif kind == "delivery_delay":
        delay = read.section(message, "deliveryDelay")
        event.recipients = read.addresses(delay, "delayedRecipients", "deliveryDelay.") or event.recipients
        event.at = read.time(delay, "timestamp", "deliveryDelay.") or event.at
        event.detail = read.text(delay, "delayType", "deliveryDelay.")
    elif kind == "reject":
        event.detail = read.text(read.section(message, "reject"), "reason", "reject.")
    elif kind == "rendering_failure":
        event.detail = read.text(read.section(message, "failure"), "errorMessage", "failure.")
    elif kind in ("open", "click"):
        event.at = read.time(read.section(message, kind), "timestamp", f"{kind}.") or event.at
    event.ignored = list(dict.fromkeys(read.ignored))
    return event
