"""Talent CRM: registers the HTTP API's blueprints (chalicelib/api/) and declares the event handlers.

Every handler hands over to a service in chalicelib.
"""
# First, before anything allocates: the collector's thresholds then hold for the imports below too.
from chalicelib import gc_tuning
# Second, before any setting is read: a deployed stage's secrets from SSM Parameter Store (no-op locally).
from chalicelib.aws import parameters  # noqa: F401

from chalice import Chalice, Rate

from chalicelib import wiring
from chalicelib.api import analytics, campaigns, candidates, jobs, meta, pools, signups, templates, tracking
from chalicelib.api import users, webhooks, workspace
from chalicelib.api import ws_campaigns, ws_candidates, ws_goals, ws_import, ws_jobs, ws_pools, ws_profile, ws_team
from chalicelib.api import ws_templates
from chalicelib.api import calendar, silver_medalists, ws_calendar
from chalicelib.api import deliverability, ws_deliverability
from chalicelib.api import sms_webhook
from chalicelib.api import community, outreach
from chalicelib.api import retention, ws_retention
from chalicelib.api import doctor, ws_settings
from chalicelib.http import chalice_answers_in_contract_format
from chalicelib.settings import get_settings

settings = get_settings()
app = Chalice(app_name="talent-crm")
app.api.binary_types.append("image/*")  # mail clients ask for the open pixel as image/*
# Browser uploads reach the app as the bytes sent (API Gateway would otherwise re-encode what is not UTF-8 before
# our checks). Not text/csv: binary types apply to answers too, and CSV downloads are text.
app.api.binary_types.append("multipart/form-data")
app.register_middleware(chalice_answers_in_contract_format, "http")
for feature in (meta, signups, tracking, webhooks, workspace, users, candidates, pools, jobs, templates, campaigns,
                analytics, ws_candidates, ws_profile, ws_import, ws_pools, ws_templates, ws_campaigns, ws_jobs, ws_goals, ws_team,
                calendar, silver_medalists, ws_calendar, deliverability, ws_deliverability, sms_webhook,
                retention, ws_retention, community, outreach, doctor, ws_settings):
    app.register_blueprint(feature.routes)
if settings.is_local:  # CRM_STAGE is exactly `local`: a deployed stage has neither the /dev routes nor the tooling
    from chalicelib.api import local_only

    app.register_blueprint(local_only.routes)


# ---------------------------------------------------------------- events

@app.on_sqs_message(queue=settings.send_queue_name, batch_size=10)
def send_worker(event):
    # the SQS event carries this invocation's context (app.lambda_context is set for routes only)
    remaining = getattr(event.context, "get_remaining_time_in_millis", None) or (lambda: 60_000)
    return wiring.send_batches().process(event.to_dict(), remaining)


@app.on_sqs_message(queue=settings.jobs_queue_name, batch_size=5)
def jobs_worker(event):
    return wiring.job_batches().process(event.to_dict())


@app.schedule(Rate(1, unit=Rate.MINUTES))
def scheduler(event):
    wiring.first_admin()  # a new stage's CRM_ADMIN_EMAIL gets an account and an invitation (once per container)
    wiring.silver_medalists().ensure()  # the built-in Silver medalists pool, made again if it was deleted
    return wiring.scheduler().tick()


@app.schedule(Rate(1, unit=Rate.DAYS))
def daily(event):
    return wiring.daily_jobs().run()


gc_tuning.freeze_loaded()
