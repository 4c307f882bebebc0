"""The product's typed vocabulary: every status, decision and outcome as an enum, in one place.

StrEnum members are strings (`CandidateStatus.SUBSCRIBED == "subscribed"`), so what is stored in DynamoDB,
answered in JSON and written in the contract stays the same text; the code names each value once, here.
"""
from __future__ import annotations

from enum import StrEnum


class CandidateStatus(StrEnum):
    """Marketing permission (CONTRACT: candidate `status`)."""
    PENDING = "pending"  # awaiting double opt-in
    SUBSCRIBED = "subscribed"
    NOT_SUBSCRIBED = "not_subscribed"  # no marketing consent: sourced, imported, from the ATS
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


# Statuses only the system sets (from a confirmation or an SES event), never a recruiter or a CSV.
SYSTEM_STATUSES = (CandidateStatus.PENDING, CandidateStatus.SUBSCRIBED, CandidateStatus.BOUNCED,
                   CandidateStatus.COMPLAINED)
# Statuses that end all mail; only a recorded lift undoes bounced/complained.
SUPPRESSED_STATUSES = (CandidateStatus.BOUNCED, CandidateStatus.COMPLAINED)


class Stage(StrEnum):
    """Where the ATS has the person (CONTRACT: candidate `stage`)."""
    APPLIED = "applied"
    INTERVIEWING = "interviewing"
    OFFER = "offer"
    HIRED = "hired"
    REJECTED = "rejected"


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    PAUSED = "paused"
    CANCELLED = "cancelled"


class CampaignAction(StrEnum):
    """`POST /campaigns/{id}/{action}`."""
    SCHEDULE = "schedule"
    PAUSE = "pause"
    RESUME = "resume"
    CANCEL = "cancel"
    TEST = "test"


class CampaignKind(StrEnum):
    """What a campaign is for (CONTRACT: campaigns `kind`): who it may reach and how its email is built."""
    CAMPAIGN = "campaign"  # marketing: subscribed people only
    PERMISSION_REQUEST = "permission_request"  # people without consent: one email asking them to join
    OUTREACH = "outreach"  # one-to-one (POST /outreach): a recruiter writes to hand-picked people


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class StepCondition(StrEnum):
    ALWAYS = "always"
    NOT_OPENED = "not_opened"
    NOT_CLICKED = "not_clicked"


class EnrollmentMode(StrEnum):
    ONCE = "once"
    CONTINUOUS = "continuous"


class EnrollmentStatus(StrEnum):
    """A person's place in a sequence."""
    ACTIVE = "active"
    EXITED = "exited"
    COMPLETED = "completed"


class SendStatus(StrEnum):
    """A send record: claimed before the provider is called, then what became of it."""
    CLAIMED = "claimed"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"


class DecisionAction(StrEnum):
    """Whether a person gets a step now (domain.campaigns.decide)."""
    SEND = "send"
    SKIP = "skip"
    DEFER = "defer"
    EXIT = "exit"


class DecisionReason(StrEnum):
    """Why a person does not get a step now; recorded on skip records and enrollments."""
    ERASED = "erased"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"
    HIRED = "hired"
    APPLIED = "applied"
    CLICKED = "clicked"
    REPLIED = "replied"  # the person answered one of the campaign's emails (a person's reply, not an automatic one)
    OUTSIDE_SEND_WINDOW = "outside_send_window"  # deferred to the send window's next opening
    AWAITING_SUBJECT_WINNER = "awaiting_subject_winner"  # outside a subject test's group: waits for its winner
    CANCELLED = "cancelled"
    NOT_SUBSCRIBED = "not_subscribed"
    NO_CONSENT = "no_consent"
    CATEGORY_OPT_OUT = "category_opt_out"
    OPENED_PREVIOUS_STEP = "opened_previous_step"
    CLICKED_PREVIOUS_STEP = "clicked_previous_step"
    FREQUENCY_CAP = "frequency_cap"
    QUIET_HOURS = "quiet_hours"
    ALREADY_CLAIMED = "already_claimed"
    CHANGING = "changing"  # the person kept changing during the claim: decided again later
    NO_SMS_CONSENT = "no_sms_consent"  # an SMS step: the person never agreed to texts
    NO_PHONE = "no_phone"  # an SMS step: no valid number, or none we can place in time
    # permission requests and one-to-one outreach (issue 18)
    OBJECTED = "objected"  # the person objected to being contacted: never asked or written to again
    HAS_CONSENT = "has_consent"  # a permission request: the person already gave marketing consent
    ASKED_RECENTLY = "asked_recently"  # a permission request within CRM_PERMISSION_REQUEST_MONTHS
    IN_OUTREACH = "in_outreach"  # outreach: the person is in another open outreach sequence
    RECENTLY_CONTACTED = "recently_contacted"  # outreach: contacted by any channel within 7 days
    DAILY_CAP = "daily_cap"  # outreach: the sender's CRM_OUTREACH_DAILY_CAP for the day is used
    NOT_FOUND = "not_found"  # outreach: no such person (or erased)
    # The person's own choices on their page (/u/{token}; domain/preferences.py)
    PAUSED_BY_PERSON = "paused_by_person"  # they paused everything until a date
    CHANNEL_OPT_OUT = "channel_opt_out"  # they turned this channel (email or SMS) off
    MONTHLY_CAP = "monthly_cap"  # their own "at most N emails a month" is reached


class SmsKeyword(StrEnum):
    """What a text message sent to us asks for (domain/sms_keywords.py)."""
    STOP = "stop"  # no more texts
    START = "start"  # texts again (only after an earlier consent)
    HELP = "help"  # AWS answers it; we do nothing


class PausedReason(StrEnum):
    """Why a campaign is paused (CONTRACT: GET /campaigns/{id} `paused_reason`); only a person resumes it."""
    MANUAL = "manual"  # a recruiter paused it
    BOUNCE_RATE = "bounce_rate"  # its bounces reached CRM_AUTOPAUSE_BOUNCE
    COMPLAINT_RATE = "complaint_rate"  # its complaints reached CRM_AUTOPAUSE_COMPLAINT
    ACCOUNT = "account"  # all marketing sending paused account-wide


class MailboxProvider(StrEnum):
    """Whose mailboxes a recipient's address is at (CONTRACT: GET /deliverability `providers`)."""
    GMAIL = "gmail"
    YAHOO = "yahoo"  # Yahoo and AOL
    OUTLOOK = "outlook"  # Outlook.com, Hotmail, Live, MSN
    OTHER = "other"


class MailStream(StrEnum):
    """Which SES configuration set an email goes out with (kept apart so one cannot spoil the other's standing)."""
    MARKETING = "marketing"  # campaigns and permission requests
    TRANSACTIONAL = "transactional"  # confirmations, the preference centre's mails, invitations, tests
    OUTREACH = "outreach"  # one-to-one outreach (campaign kind `outreach`)


class DeliverabilityState(StrEnum):
    """GET /deliverability `state`."""
    OK = "ok"
    WARNING = "warning"  # a rate above half its pause level
    PAUSED = "paused"  # marketing sending paused account-wide


class Category(StrEnum):
    """What a template or campaign is about; a person may opt out of each (CONTRACT: templates)."""
    COMPANY_NEWS = "company_news"
    INDUSTRY_INSIGHTS = "industry_insights"
    CAREER_ADVICE = "career_advice"
    JOB_ALERT = "job_alert"
    EVENT_INVITE = "event_invite"


class BatchOutcome(StrEnum):
    """What a send-queue message did with each recipient, summed in its report (the order is the report's)."""
    SENT = "sent"
    SKIPPED = "skipped"
    DEFERRED = "deferred"
    EXITED = "exited"
    RETRY = "retry"
    FAILED = "failed"


class JobStatus(StrEnum):
    OPEN = "open"
    FILLED = "filled"  # the ATS said so (job.filled)


class PoolStatus(StrEnum):
    READY = "ready"
    REBUILDING = "rebuilding"  # a rules change is being applied to everyone (members may lag)
    ERROR = "error"  # its rules cannot be evaluated: membership upkeep skips it until they are fixed


class OutcomeKind(StrEnum):
    """A hiring outcome the ATS reported (the outcomes table's key): written by its events, read by analytics."""
    APPLICATION = "application"
    OFFER_CREATED = "offer_created"
    OFFER_ACCEPTED = "offer_accepted"
    OFFER_DECLINED = "offer_declined"
    HIRE = "hire"
    JOB_OPENED = "job_opened"
    JOB_FILLED = "job_filled"


class GoalMetric(StrEnum):
    """What a goal measures (CONTRACT: goals); domain/analytics.py GOAL_METRICS says how."""
    POOL_HIRE_SHARE = "pool_hire_share"
    HIRES_FROM_POOLS = "hires_from_pools"
    TIME_TO_FILL_DAYS = "time_to_fill_days"
    OFFER_ACCEPTANCE_RATE = "offer_acceptance_rate"
    COST_PER_HIRE = "cost_per_hire"
    CAMPAIGN_APPLICATIONS = "campaign_applications"


class GoalStatus(StrEnum):
    """Where a goal stands (its `progress.status`)."""
    NO_DATA = "no_data"
    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    BEHIND = "behind"


class Role(StrEnum):
    """What a team member may do (CONTRACT: users); chalicelib/domain/roles.py says exactly what."""
    ADMIN = "admin"  # everything, users and keys included
    RECRUITER = "recruiter"  # all recruiting work; not users, keys or the audit log
    VIEWER = "viewer"  # reads only; no exports of personal data, no erasure


class UserStatus(StrEnum):
    INVITED = "invited"  # has a temporary password, has not signed in yet
    ACTIVE = "active"
    DISABLED = "disabled"


class Via(StrEnum):
    """How a request proved who sent it."""
    TOKEN = "token"  # a Cognito access token from sign-in
    API_KEY = "api_key"  # a key that belongs to a user and acts with that user's role


class AuditOutcome(StrEnum):
    OK = "ok"
    REFUSED = "refused"  # the role may not (403), or a sign-in that failed


class RetentionAction(StrEnum):
    """What retention does with a person (domain/retention.py): the daily job's step and the report's lists."""
    NONE = "none"  # within retention
    ASK = "repermission_due"  # subscribed, retention over: one re-permission email
    AWAIT = "awaiting_answer"  # the email went out; the answer's deadline has not passed
    ERASE = "erasure_due"  # no answer by the deadline, or no consent at the end of retention
    KEPT = "kept"  # no consent, retention over, but a recruiter kept them (with a reason)
