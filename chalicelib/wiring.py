"""Builds services with their adapters on first use. A Lambda imports only what it touches."""
from __future__ import annotations

from functools import lru_cache

from .settings import get_settings


@lru_cache(maxsize=None)
def candidate_repo():
    from .store.candidates import CandidateRepository

    return CandidateRepository()


@lru_cache(maxsize=None)
def key_repo():
    from .store.keys import KeyRepository

    return KeyRepository()


@lru_cache(maxsize=None)
def timeline_repo():
    from .store.timeline import TimelineRepository

    return TimelineRepository()


@lru_cache(maxsize=None)
def send_repo():
    from .store.sends import SendRepository

    return SendRepository()


@lru_cache(maxsize=None)
def send_queue():
    from .aws.queue import Queue

    return Queue(get_settings().send_queue_name)


@lru_cache(maxsize=None)
def mailer():
    """Transactional mail (confirmations, the preference centre's, invitations, tests, forwarded replies)."""
    from .domain.vocabulary import MailStream

    return mailer_for(MailStream.TRANSACTIONAL)


@lru_cache(maxsize=None)
def mailer_for(stream):
    """The mailer sending with `stream`'s SES configuration set (campaigns: marketing or outreach by kind)."""
    from .aws.mailer import SesMailer
    from .domain.vocabulary import MailStream

    settings = get_settings()
    return SesMailer({MailStream.MARKETING: settings.ses_configuration_set,
                      MailStream.TRANSACTIONAL: settings.ses_transactional_configuration_set,
                      MailStream.OUTREACH: settings.ses_outreach_configuration_set}[stream])


@lru_cache(maxsize=None)
def deliverability():
    from .services.deliverability import DeliverabilityService

    return DeliverabilityService(get_settings(), stats_repo(), key_repo(), campaign_repo(), audit())


@lru_cache(maxsize=None)
def pool_repo():
    from .store.pools import PoolRepository

    return PoolRepository()


@lru_cache(maxsize=None)
def membership_repo():
    from .store.pools import MembershipRepository

    return MembershipRepository()


@lru_cache(maxsize=None)
def jobs_queue():
    from .aws.queue import Queue

    return Queue(get_settings().jobs_queue_name)


@lru_cache(maxsize=None)
def membership_sync():
    from .services.pools import MembershipSync

    return MembershipSync(pool_repo(), membership_repo())


@lru_cache(maxsize=None)
def pools():
    from .services.pools import PoolService

    return PoolService(get_settings(), pool_repo(), membership_repo(), candidate_repo(), key_repo(), jobs_queue())


@lru_cache(maxsize=None)
def job_repo():
    from .store.jobs import JobRepository

    return JobRepository()


@lru_cache(maxsize=None)
def jobs():
    from .services.jobs import JobService

    return JobService(job_repo(), pool_repo(), membership_repo(), candidate_repo(), key_repo())


@lru_cache(maxsize=None)
def tombstones():
    from .services.tombstones import Tombstones

    return Tombstones(get_settings(), key_repo())


@lru_cache(maxsize=None)
def signups():
    from .services.signups import SignupService

    return SignupService(get_settings(), candidate_repo(), key_repo(), timeline_repo(), send_queue(),
                         membership_sync(), tombstones())


@lru_cache(maxsize=None)
def candidates():
    from .services.candidates import CandidateService

    return CandidateService(get_settings(), candidate_repo(), tombstones(), timeline_repo(), membership_sync(),
                            pools(), membership_repo())


@lru_cache(maxsize=None)
def imports():
    from .services.imports import ImportService

    return ImportService(get_settings(), candidate_repo(), tombstones(), timeline_repo(), membership_sync())


@lru_cache(maxsize=None)
def privacy():
    from .services.privacy import PrivacyService
    from .store.outcomes import OutcomeRepository

    return PrivacyService(get_settings(), candidate_repo(), tombstones(), timeline_repo(), send_repo(),
                          membership_sync(), enrollment_repo(), OutcomeRepository(), audit())


@lru_cache(maxsize=None)
def api_keys():
    from .services.apikeys import ApiKeyService

    return ApiKeyService(key_repo())


@lru_cache(maxsize=None)
def template_repo():
    from .store.campaigns import TemplateRepository

    return TemplateRepository()


@lru_cache(maxsize=None)
def campaign_repo():
    from .store.campaigns import CampaignRepository

    return CampaignRepository()


@lru_cache(maxsize=None)
def enrollment_repo():
    from .store.campaigns import EnrollmentRepository

    return EnrollmentRepository()


@lru_cache(maxsize=None)
def campaign_sends():
    from .store.sends import CampaignSends

    return CampaignSends()


@lru_cache(maxsize=None)
def send_rate_limiter():
    from .services.ratelimit import SendRateLimiter

    return SendRateLimiter(key_repo(), get_settings().ses_max_rate)


@lru_cache(maxsize=None)
def campaign_sender():
    from .domain.vocabulary import MailStream
    from .services.sending.pipeline import CampaignSender, send_threads

    settings = get_settings()
    sender = CampaignSender(settings, campaign_repo(), template_repo(), candidate_repo(), campaign_sends(),
                            enrollment_repo(), job_repo(), mailer(), send_rate_limiter(), send_queue(), sms_sender(),
                            threads=send_threads(settings.ses_max_rate), stats=stats_repo(), timeline=timeline_repo(),
                            memberships=membership_sync(), keys=key_repo(), senders=senders(),
                            mailers={s: mailer_for(s) for s in (MailStream.MARKETING, MailStream.OUTREACH)},
                            deliverability=deliverability())
    return sender


@lru_cache(maxsize=None)
def stats_repo():
    from .store.stats import StatsRepository

    return StatsRepository()


@lru_cache(maxsize=None)
def tracking():
    from .services.tracking import TrackingService
    from .store.sends import TrackingSends

    return TrackingService(get_settings(), TrackingSends(), stats_repo(), candidate_repo(), timeline_repo(),
                           membership_sync(), jobs_queue(), sequence_exits())


@lru_cache(maxsize=None)
def ses_webhook():
    from .aws import sns_verify
    from .services.ses_events import SesWebhookService
    from .store.sends import TrackingSends

    return SesWebhookService(get_settings(), key_repo(), TrackingSends(), candidate_repo(), timeline_repo(),
                             membership_sync(), stats_repo(), sns_verify.verify, sns_verify.confirm_subscription,
                             sequence_exits(), replies(), deliverability())


@lru_cache(maxsize=None)
def preferences():
    from .services.preferences import PreferenceService

    return PreferenceService(get_settings(), candidate_repo(), timeline_repo(), send_repo(), membership_sync(),
                             privacy(), mailer(), key_repo())


@lru_cache(maxsize=None)
def sms_inbound():
    from .aws import sns_verify
    from .services.sms_inbound import SmsInboundService
    from .store.phones import PhoneLookup

    return SmsInboundService(get_settings(), key_repo(), PhoneLookup(), preferences(), sns_verify.verify,
                             sns_verify.confirm_subscription)


@lru_cache(maxsize=None)
def replies():
    from .services.replies import ReplyService
    from .store.sends import TrackingSends

    return ReplyService(get_settings(), key_repo(), TrackingSends(), candidate_repo(), timeline_repo(),
                        membership_sync(), stats_repo(), sequence_exits(), campaign_repo(), mailer(), senders())


@lru_cache(maxsize=None)
def sequence_exits():
    from .services.sequences import SequenceExits

    return SequenceExits(campaign_repo(), enrollment_repo())


@lru_cache(maxsize=None)
def ats():
    from .services.ats import AtsService
    from .store.outcomes import OutcomeRepository

    return AtsService(get_settings(), key_repo(), candidate_repo(), timeline_repo(), membership_sync(),
                      membership_repo(), job_repo(), OutcomeRepository(), send_repo(), stats_repo(),
                      sequence_exits(), campaign_repo(), tombstones(), silver=silver_medalists())


@lru_cache(maxsize=None)
def silver_medalists():
    from .services.silver_medalists import SilverMedalists

    return SilverMedalists(pools(), key_repo(), membership_repo(), jobs(), campaigns())


@lru_cache(maxsize=None)
def calendar():
    from .services.calendar import CalendarService

    return CalendarService(campaign_repo(), pools(), silver_medalists())


@lru_cache(maxsize=None)
def analytics():
    from .services.analytics import AnalyticsService
    from .store.outcomes import OutcomeRepository

    return AnalyticsService(campaign_repo(), stats_repo(), pool_repo(), membership_repo(), OutcomeRepository(),
                            job_repo(), key_repo())


@lru_cache(maxsize=None)
def sms_sender():
    from .aws.sms import SmsSender

    return SmsSender()


@lru_cache(maxsize=None)
def scheduler():
    from .services.scheduler import Scheduler

    return Scheduler(campaign_repo(), enrollment_repo(), membership_repo(), send_queue())


@lru_cache(maxsize=None)
def templates():
    from .services.templates import TemplateService

    return TemplateService(get_settings(), template_repo(), candidate_repo(), keys=key_repo(), jobs=jobs(),
                           mailer=mailer(), tombstones=tombstones())


@lru_cache(maxsize=None)
def reply_list():
    from .services.reply_list import ReplyList

    return ReplyList(campaign_repo(), timeline_repo(), candidate_repo())


@lru_cache(maxsize=None)
def permission():
    from .services.permission import PermissionService

    return PermissionService(get_settings(), candidate_repo(), campaign_repo(), timeline_repo(), stats_repo(),
                             membership_sync(), sequence_exits())


@lru_cache(maxsize=None)
def outreach():
    from .services.outreach import OutreachService

    return OutreachService(get_settings(), campaigns(), campaign_repo(), candidate_repo(), enrollment_repo(),
                           campaign_sends(), stats_repo(), timeline_repo(), senders(), templates(), key_repo())


@lru_cache(maxsize=None)
def senders():
    from .services.senders import Senders

    return Senders(get_settings(), user_repo(), mailer())


@lru_cache(maxsize=None)
def campaigns():
    from .services.campaigns import CampaignService

    return CampaignService(get_settings(), campaign_repo(), template_repo(), pool_repo(), candidate_repo(),
                           mailer(), templates(), jobs(), pools(), key_repo(), tombstones(), senders(),
                           deliverability=deliverability())


@lru_cache(maxsize=None)
def send_batches():
    from .services.sqs import SendBatches

    return SendBatches(send_worker())


@lru_cache(maxsize=None)
def job_batches():
    from .services.sqs import JobBatches

    # services looked up per message (as before): a jobs batch builds only what its messages need
    return JobBatches({"pool_rebuild": lambda m: pools().rebuild_step(m),
                       "pool_delete": lambda m: pools().delete_step(m),
                       "tracking": lambda m: tracking().record(m),
                       "engaged": lambda m: tracking().engaged(m),
                       "repermission": lambda m: retention().send(m),
                       "retention_erase": lambda m: retention().erase_due(m)})


@lru_cache(maxsize=None)
def send_worker():
    from .services.sending.worker import SendWorker

    return SendWorker(get_settings(), candidate_repo(), timeline_repo(), send_repo(), mailer(), signups(),
                      campaign_sender())


@lru_cache(maxsize=None)
def identity():
    from .aws.identity import CognitoIdentity

    return CognitoIdentity()


@lru_cache(maxsize=None)
def user_repo():
    from .store.users import UserRepository

    return UserRepository()


@lru_cache(maxsize=None)
def audit():
    from .services.audit import AuditService
    from .store.audit import AuditRepository

    return AuditService(AuditRepository(), get_settings().secret)


@lru_cache(maxsize=None)
def auth():
    from .aws.tokens import verify_access_token
    from .services.auth import AuthService

    settings = get_settings()
    return AuthService(identity=identity(), users=user_repo(), api_keys=api_keys(), keys=key_repo(),
                       verify_token=verify_access_token, audit=audit(), admin_email=settings.admin_email,
                       sign_in_limit=settings.sign_in_limit)


@lru_cache(maxsize=None)
def users():
    from .services.users import UserService

    settings = get_settings()
    return UserService(users=user_repo(), identity=identity(), mailer=mailer(), api_keys=api_keys(), auth=auth(),
                       from_email=settings.from_email, company=settings.company_name,
                       sign_in_url=f"{settings.public_url}/dashboard")


@lru_cache(maxsize=None)
def timeline_view():
    from .services.timeline_view import TimelineView

    return TimelineView(campaign_repo(), job_repo(), key_repo())


@lru_cache(maxsize=None)
def first_admin() -> bool:
    """Makes the first admin (CRM_ADMIN_EMAIL) if absent, inviting them by email; once per container. The local
    stack makes its admin at start, with the password it prints (crmlocal/stack.py)."""
    settings = get_settings()
    if settings.is_local:
        return False
    return users().ensure_admin(settings.admin_email, None)[1]


@lru_cache(maxsize=None)
def daily_jobs():
    from .services.daily import DailyJobs

    return DailyJobs(get_settings(), pools(), analytics(), candidate_repo(), privacy(), retention())


@lru_cache(maxsize=None)
def retention():
    from .services.retention import RetentionService
    from .store.retention import RetentionStore

    return RetentionService(get_settings(), candidate_repo(), RetentionStore(), privacy(), timeline_repo(), send_repo(),
                            mailer(), jobs_queue(), membership_sync())


def reset(clients: bool = True) -> None:
    """Forget every built service, and unless told otherwise every AWS client (tests)."""
    from .aws import clients as aws_clients

    for name, value in list(globals().items()):
        if hasattr(value, "cache_clear") and name != "get_settings":
            value.cache_clear()
    from .aws import tokens

    tokens.reset()  # the user pool's ids and keys (a test's emulated account makes a new pool)
    if not clients:
        return
    aws_clients.reset()
    try:
        from .store.connection import connection

        connection.cache_clear()
    except ImportError:
        pass
    try:
        from .aws.queue import queue_url

        queue_url.cache_clear()
    except ImportError:
        pass


@lru_cache(maxsize=None)
def doctor():
    """The deliverability doctor of the running stage (the Settings page, GET /doctor): SES v2 and DNS."""
    from .aws.doctor import gather
    from .services.doctor import DoctorService

    return DoctorService(get_settings(), gather)
