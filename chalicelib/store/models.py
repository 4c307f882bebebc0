"""PynamoDB models: the only place that knows table layouts.

Tables (names from settings, `<prefix>-<short>`):
- candidates: one item per person, keyed by id.
- keys: small keyed items with an optional TTL: email claims (one person per address), API key
  hashes, erased-address tombstones, rate-limit counters, replay guards.
- timeline: a person's history (consent records, touchpoints, imports...), newest first by sort key.
- sends: one item per email we decided to send, keyed by its at-most-once claim.
- users: the team's members (profile and role); their credentials live in the Cognito user pool.
- audit: who did what, when, from where; append-only.
- browse: the candidates' browse index (people by facet value, in the orders a list sorts by).
"""
from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from ..settings import get_settings

_settings = get_settings()


class _Meta:
    region = _settings.region


class CandidateModel(Model):
    class Meta(_Meta):
        table_name = _settings.table_name("candidates")
        billing_mode = "PAY_PER_REQUEST"

    id = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute()
    first_name = UnicodeAttribute(null=True)
    last_name = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    city = UnicodeAttribute(null=True)
    country = UnicodeAttribute(null=True)
    timezone = UnicodeAttribute(null=True)  # IANA: whose time a send window is read in
    remote_ok = BooleanAttribute(null=True)
    skills = ListAttribute(of=UnicodeAttribute, null=True)
    roles = ListAttribute(of=UnicodeAttribute, null=True)
    tags = ListAttribute(of=UnicodeAttribute, null=True)
    linkedin_url = UnicodeAttribute(null=True)
    portfolio_url = UnicodeAttribute(null=True)
    seniority = UnicodeAttribute(null=True)
    source = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    stage = UnicodeAttribute(null=True)
    furthest_stage = UnicodeAttribute(null=True)  # the furthest the ATS moved them: silver medalists (issue 18)
    sms_consent = BooleanAttribute(null=True)
    utm: MapAttribute[str, object] = MapAttribute(null=True)
    consent: MapAttribute[str, object] = MapAttribute(null=True)
    preferences: MapAttribute[str, object] = MapAttribute(null=True)
    engagement_score = NumberAttribute(null=True)
    engagement_at = UnicodeAttribute(null=True)  # when engagement_score was last brought up to date
    last_contacted_at = UnicodeAttribute(null=True)
    last_engaged_at = UnicodeAttribute(null=True)
    confirmed_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = NumberAttribute(default=1)
    # When marketing emails / SMS went out in the last 7 days: the frequency caps read these.
    marketing_sends = ListAttribute(of=UnicodeAttribute, null=True)
    sms_sends = ListAttribute(of=UnicodeAttribute, null=True)


class KeyModel(Model):
    class Meta(_Meta):
        table_name = _settings.table_name("keys")
        billing_mode = "PAY_PER_REQUEST"

    pk = UnicodeAttribute(hash_key=True)
    ref = UnicodeAttribute(null=True)
    # PynamoDB lets an attribute take any name; its stubs type Model.count (a query this model never runs) as a
    # method, so the table's "count" attribute reads to mypy as a bad override
    count = NumberAttribute(null=True)  # type: ignore[assignment]
    data: MapAttribute[str, object] = MapAttribute(null=True)
    created_at = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)


class TimelineModel(Model):
    class Meta(_Meta):
        table_name = _settings.table_name("timeline")
        billing_mode = "PAY_PER_REQUEST"

    candidate_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)  # "<ISO time>#<ulid>": sorts by time
    kind = UnicodeAttribute()
    at = UnicodeAttribute()
    data: MapAttribute[str, object] = MapAttribute(null=True)


class SendsByCandidate(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_candidate"
        projection = AllProjection()

    candidate_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class SendsByMessage(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_message"
        projection = KeysOnlyProjection()

    message_id = UnicodeAttribute(hash_key=True)


class SendModel(Model):
    class Meta(_Meta):
        table_name = _settings.table_name("sends")
        billing_mode = "PAY_PER_REQUEST"

    pk = UnicodeAttribute(hash_key=True)  # the at-most-once claim: "<campaign>#<step>#<candidate>"
    kind = UnicodeAttribute()  # confirmation, campaign
    candidate_id = UnicodeAttribute()
    status = UnicodeAttribute()  # claimed, sent, failed, skipped
    created_at = UnicodeAttribute()
    sent_at = UnicodeAttribute(null=True)
    message_id = UnicodeAttribute(null=True)
    subject = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    campaign_id = UnicodeAttribute(null=True)
    step = NumberAttribute(null=True)
    channel = UnicodeAttribute(null=True)
    category = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)  # why a send was skipped
    links = ListAttribute(of=UnicodeAttribute, null=True)  # index -> URL: click targets
    opened_at = UnicodeAttribute(null=True)  # first human open
    clicked_at = UnicodeAttribute(null=True)  # first human click
    opens = NumberAttribute(null=True)
    clicks = NumberAttribute(null=True)
    machine_opens = NumberAttribute(null=True)
    machine_clicks = NumberAttribute(null=True)
    unsubscribed_at = UnicodeAttribute(null=True)
    delivered_at = UnicodeAttribute(null=True)
    bounced_at = UnicodeAttribute(null=True)
    complained_at = UnicodeAttribute(null=True)
    delayed_at = UnicodeAttribute(null=True)
    own_message_id = UnicodeAttribute(null=True)  # the Message-ID we wrote (it carries the reply token)
    replied_at = UnicodeAttribute(null=True)  # the person's first reply (not an automatic one)
    variant = NumberAttribute(null=True)  # a subject test's subject this send carried (0-based)
    by_candidate = SendsByCandidate()
    by_message = SendsByMessage()


class PoolModel(Model):
    class Meta(_Meta):
        table_name = _settings.table_name("pools")
        billing_mode = "PAY_PER_REQUEST"

    id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    kind = UnicodeAttribute()  # static, dynamic
    description = UnicodeAttribute(null=True)
    rules = UnicodeAttribute(null=True)  # JSON text: kept exactly as written
    status = UnicodeAttribute()  # ready, rebuilding
    size = NumberAttribute(default=0)
    generation = NumberAttribute(default=1)  # bumped by every rules change; rebuild jobs carry it
    builtin = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    rebuilt_at = UnicodeAttribute(null=True)


class MembershipsByCandidate(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_candidate"
        projection = IncludeProjection(["joined_at"])

    candidate_id = UnicodeAttribute(hash_key=True)
    pool_id = UnicodeAttribute(range_key=True)


class MembershipsByJoined(GlobalSecondaryIndex):
    """Who joined a pool since a moment: continuous campaigns enrol newcomers from it."""

    class Meta:
        index_name = "by_joined"
        projection = KeysOnlyProjection()

    pool_id = UnicodeAttribute(hash_key=True)
    joined_at = UnicodeAttribute(range_key=True)


class MembershipModel(Model):
    """One person in one pool, carrying a copy of what listing, matching and sending read."""

    class Meta(_Meta):
        table_name = _settings.table_name("memberships")
        billing_mode = "PAY_PER_REQUEST"

    pool_id = UnicodeAttribute(hash_key=True)
    candidate_id = UnicodeAttribute(range_key=True)
    joined_at = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    first_name = UnicodeAttribute(null=True)
    last_name = UnicodeAttribute(null=True)
    city = UnicodeAttribute(null=True)
    country = UnicodeAttribute(null=True)
    remote_ok = BooleanAttribute(null=True)
    skills = ListAttribute(of=UnicodeAttribute, null=True)
    roles = ListAttribute(of=UnicodeAttribute, null=True)
    tags = ListAttribute(of=UnicodeAttribute, null=True)
    seniority = UnicodeAttribute(null=True)
    source = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    stage = UnicodeAttribute(null=True)
    preferences: MapAttribute[str, object] = MapAttribute(null=True)
    engagement_score = NumberAttribute(null=True)
    last_contacted_at = UnicodeAttribute(null=True)
    last_engaged_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)
    by_candidate = MembershipsByCandidate()
    by_joined = MembershipsByJoined()


class BrowseByName(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_name"
        projection = AllProjection()  # the filters read the copies the items carry

    pk = UnicodeAttribute(hash_key=True)
    name_key = UnicodeAttribute(range_key=True)


class BrowseByEngagement(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_engagement"
        projection = AllProjection()

    pk = UnicodeAttribute(hash_key=True)
    engagement_key = UnicodeAttribute(range_key=True)


class BrowseByContact(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_contact"
        projection = AllProjection()

    pk = UnicodeAttribute(hash_key=True)
    contact_key = UnicodeAttribute(range_key=True)


class BrowseModel(Model):
    """The browse index (store/browse.py): one item per person under "all", carrying a copy of what the filters
    read, and one per facet value they have ("skill#python", "city#berlin"...) carrying its keys and the copy's
    single values (status, stage, country, city, remote_ok). The sort key orders a partition by when the person was
    added; the indexes order it by name, and "all" by engagement and last contact."""

    class Meta(_Meta):
        table_name = _settings.table_name("browse")
        billing_mode = "PAY_PER_REQUEST"

    pk = UnicodeAttribute(hash_key=True)  # "all", or "<facet>#<value>"
    sk = UnicodeAttribute(range_key=True)  # "<created_at>#<candidate id>"
    name_key = UnicodeAttribute()  # "0<first last, folded>#<id>"; "1<address>#<id>" for a person without a name
    # "all" items only (sparse indexes)
    engagement_key = UnicodeAttribute(null=True)  # "<score, 13 characters>#<id>"
    contact_key = UnicodeAttribute(null=True)  # "<last_contacted_at>#<id>"; "#<id>" when never contacted
    # the copy: all of it on "all" items; status, stage, country, city and remote_ok on facet items too
    email = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)  # "first last" in lower case: what `q` looks in, with the address
    skills = ListAttribute(of=UnicodeAttribute, null=True)
    roles = ListAttribute(of=UnicodeAttribute, null=True)
    tags = ListAttribute(of=UnicodeAttribute, null=True)
    status = UnicodeAttribute(null=True)
    stage = UnicodeAttribute(null=True)
    country = UnicodeAttribute(null=True)
    city = UnicodeAttribute(null=True)  # case-folded
    remote_ok = BooleanAttribute(null=True)
    engagement = NumberAttribute(null=True)
    contacted = UnicodeAttribute(null=True)  # last_contacted_at
    by_name = BrowseByName()
    by_engagement = BrowseByEngagement()
    by_contact = BrowseByContact()


class JobModel(Model):
    class Meta(_Meta):
        table_name = _settings.table_name("jobs")
        billing_mode = "PAY_PER_REQUEST"

    id = UnicodeAttribute(hash_key=True)
    title = UnicodeAttribute()
    skills = ListAttribute(of=UnicodeAttribute, null=True)
    city = UnicodeAttribute(null=True)
    country = UnicodeAttribute(null=True)
    remote = BooleanAttribute(null=True)
    description = UnicodeAttribute(null=True)
    seniority = UnicodeAttribute(null=True)
    department = UnicodeAttribute(null=True)
    url = UnicodeAttribute(null=True)
    pools = ListAttribute(of=UnicodeAttribute, null=True)
    status = UnicodeAttribute()  # open, filled, closed
    source = UnicodeAttribute()  # api, ats
    external_id = UnicodeAttribute(null=True)  # the ATS's id, for job.opened / job.filled
    opened_at = UnicodeAttribute(null=True)
    filled_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class TemplateModel(Model):
    class Meta(_Meta):
        table_name = _settings.table_name("templates")
        billing_mode = "PAY_PER_REQUEST"

    id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    category = UnicodeAttribute()
    subject = UnicodeAttribute()
    html = UnicodeAttribute()
    text = UnicodeAttribute(null=True)
    builtin = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class CampaignsDue(GlobalSecondaryIndex):
    """Sparse: only items with work due carry `due_shard`/`due_at`; the scheduler queries each shard."""

    class Meta:
        index_name = "due"
        projection = KeysOnlyProjection()

    due_shard = UnicodeAttribute(hash_key=True)
    due_at = UnicodeAttribute(range_key=True)


class EnrollmentsDue(GlobalSecondaryIndex):
    """The same sparse index for sequence steps (an index class belongs to one model)."""

    class Meta:
        index_name = "due"
        projection = IncludeProjection(["step"])

    due_shard = UnicodeAttribute(hash_key=True)
    due_at = UnicodeAttribute(range_key=True)


class CampaignModel(Model):
    class Meta(_Meta):
        table_name = _settings.table_name("campaigns")
        billing_mode = "PAY_PER_REQUEST"

    id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    channel = UnicodeAttribute()
    category = UnicodeAttribute()
    definition = UnicodeAttribute()  # JSON: audience, steps, enrollment, exit_on, send_at
    status = UnicodeAttribute()  # draft, scheduled, sending, sent, paused, cancelled
    job_id = UnicodeAttribute(null=True)
    fanout = UnicodeAttribute(null=True)  # JSON checkpoint of the audience fan-out
    lease_until = UnicodeAttribute(null=True)  # one scheduler at a time works on a campaign
    due_shard = UnicodeAttribute(null=True)
    due_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    started_at = UnicodeAttribute(null=True)
    finished_at = UnicodeAttribute(null=True)
    enqueued = NumberAttribute(default=0)  # recipients put on the send queue by the fan-out
    processed = NumberAttribute(default=0)  # recipients the workers reached a decision for
    paused_from = UnicodeAttribute(null=True)
    paused_reason = UnicodeAttribute(null=True)  # domain/vocabulary.py PausedReason; none unless paused
    due = CampaignsDue()


class EnrollmentsByCandidate(GlobalSecondaryIndex):
    """A person's sequences: an application, a hire or a suppression ends them at once."""

    class Meta:
        index_name = "by_candidate"
        projection = KeysOnlyProjection()

    candidate_id = UnicodeAttribute(hash_key=True)
    campaign_id = UnicodeAttribute(range_key=True)


class EnrollmentModel(Model):
    """One person's place in a sequence: the step that comes next, and when."""

    class Meta(_Meta):
        table_name = _settings.table_name("enrollments")
        billing_mode = "PAY_PER_REQUEST"

    campaign_id = UnicodeAttribute(hash_key=True)
    candidate_id = UnicodeAttribute(range_key=True)
    step = NumberAttribute()  # index of the next step
    status = UnicodeAttribute()  # active, completed, exited
    reason = UnicodeAttribute(null=True)
    enrolled_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    due_shard = UnicodeAttribute(null=True)
    due_at = UnicodeAttribute(null=True)
    due = EnrollmentsDue()
    by_candidate = EnrollmentsByCandidate()


class OutcomeModel(Model):
    """Hiring outcomes from the ATS, by kind and time: what analytics counts over a period."""

    class Meta(_Meta):
        table_name = _settings.table_name("outcomes")
        billing_mode = "PAY_PER_REQUEST"

    kind = UnicodeAttribute(hash_key=True)  # application, offer_created, offer_accepted, offer_declined, hire, job_opened, job_filled
    sk = UnicodeAttribute(range_key=True)  # "<occurred_at>#<event id>"
    occurred_at = UnicodeAttribute()
    candidate_id = UnicodeAttribute(null=True)
    job_id = UnicodeAttribute(null=True)
    source = UnicodeAttribute(null=True)  # the candidate's source: careers_page, csv_import, sourced, ats...
    pools = ListAttribute(of=UnicodeAttribute, null=True)  # pools the person was in
    campaign_id = UnicodeAttribute(null=True)  # credited: a click within 30 days
    open_campaign_id = UnicodeAttribute(null=True)  # an open within 30 days (reported apart)
    days_to_fill = NumberAttribute(null=True)
    data: MapAttribute[str, object] = MapAttribute(null=True)


class StatsModel(Model):
    """Counters many events hit at once (a campaign's opens, clicks...), spread over shards.

    Attributes are counters named by metric and step (`opens`, `opens_s0`, ...), written with
    ADD through the low-level client (store/stats.py); the model declares only the keys.
    """

    class Meta(_Meta):
        table_name = _settings.table_name("stats")
        billing_mode = "PAY_PER_REQUEST"

    pk = UnicodeAttribute(hash_key=True)  # e.g. "campaign#camp_..."
    shard = NumberAttribute(range_key=True)


class UsersByEmail(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_email"
        projection = AllProjection()

    email = UnicodeAttribute(hash_key=True)


class UserModel(Model):
    """A team member. The Cognito user pool holds the credentials (its username is the email); this holds
    what the app decides with: the role, and whether the account is disabled, read on every request."""
    class Meta(_Meta):
        table_name = _settings.table_name("users")
        billing_mode = "PAY_PER_REQUEST"

    id = UnicodeAttribute(hash_key=True)  # user_<ulid>
    email = UnicodeAttribute()
    name = UnicodeAttribute()
    role = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    by_email = UsersByEmail()


class AuditByActor(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_actor"
        projection = AllProjection()

    actor_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class AuditByTarget(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_target"
        projection = AllProjection()

    target = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class AuditModel(Model):
    """One audit entry. All entries share one partition, sorted by time: a team writes a few per minute, far
    below a partition's 1,000 writes a second, and the log reads newest first in one query (ADR 7)."""
    class Meta(_Meta):
        table_name = _settings.table_name("audit")
        billing_mode = "PAY_PER_REQUEST"

    log = UnicodeAttribute(hash_key=True)  # always "audit"
    sk = UnicodeAttribute(range_key=True)  # "<ISO time>#<ulid>"
    at = UnicodeAttribute()
    actor_id = UnicodeAttribute()  # user id, or "anonymous" (a failed sign-in by an unknown address)
    actor_email = UnicodeAttribute(null=True)
    via = UnicodeAttribute(null=True)
    action = UnicodeAttribute()
    target = UnicodeAttribute(null=True)
    ip = UnicodeAttribute(null=True)
    outcome = UnicodeAttribute()
    by_actor = AuditByActor()
    by_target = AuditByTarget()


ALL_MODELS = (CandidateModel, KeyModel, TimelineModel, SendModel, PoolModel, MembershipModel, JobModel,
              TemplateModel, CampaignModel, EnrollmentModel, StatsModel, OutcomeModel, UserModel, AuditModel,
              BrowseModel)
TTL_ATTRIBUTES = {KeyModel: "expires_at"}
