"""SES events in either format (event publishing `eventType`, older `notificationType`), made one."""
from __future__ import annotations

from dataclasses import dataclass, field

KINDS = {
    "Send": "send", "Delivery": "delivery", "Bounce": "bounce", "Complaint": "complaint", "Reject": "reject",
    "Open": "open", "Click": "click", "DeliveryDelay": "delivery_delay", "Rendering Failure": "rendering_failure",
    "RenderingFailure": "rendering_failure", "Subscription": "subscription",
}


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


def parse_ses_event(message: dict) -> SesEvent:
    raw_type = message.get("eventType") or message.get("notificationType") or ""
    kind = KINDS.get(raw_type, "unknown")
    mail = message.get("mail") or {}
    tags = {name: (values[0] if isinstance(values, list) and values else values)
            for name, values in (mail.get("tags") or {}).items()}
    event = SesEvent(kind=kind, raw_type=raw_type, message_id=mail.get("messageId"), tags=tags,
                     recipients=list(mail.get("destination") or []), at=mail.get("timestamp"))
    if kind == "bounce":
        bounce = message.get("bounce") or {}
        event.permanent = bounce.get("bounceType") == "Permanent"
        event.recipients = [r.get("emailAddress") for r in bounce.get("bouncedRecipients") or [] if r.get("emailAddress")]
        event.feedback_id, event.at = bounce.get("feedbackId"), bounce.get("timestamp") or event.at
        event.detail = f"{bounce.get('bounceType')}/{bounce.get('bounceSubType')}"
    elif kind == "complaint":
        complaint = message.get("complaint") or {}
        event.recipients = [r.get("emailAddress") for r in complaint.get("complainedRecipients") or [] if r.get("emailAddress")]
        event.feedback_id, event.at = complaint.get("feedbackId"), complaint.get("timestamp") or event.at
        event.detail = complaint.get("complaintFeedbackType")
    elif kind == "delivery":
        delivery = message.get("delivery") or {}
        event.recipients = list(delivery.get("recipients") or event.recipients)
        event.at = delivery.get("timestamp") or event.at
    elif kind == "delivery_delay":
        delay = message.get("deliveryDelay") or {}
        event.recipients = [r.get("emailAddress") for r in delay.get("delayedRecipients") or [] if r.get("emailAddress")] \
            or event.recipients
        event.at, event.detail = delay.get("timestamp") or event.at, delay.get("delayType")
    elif kind == "reject":
        event.detail = (message.get("reject") or {}).get("reason")
    elif kind == "rendering_failure":
        event.detail = (message.get("failure") or {}).get("errorMessage")
    elif kind in ("open", "click"):
        detail = message.get(kind) or {}
        event.at = detail.get("timestamp") or event.at
    return event
