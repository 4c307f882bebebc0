"""Talent CRM: route and event declarations only. Each hands over to a service in chalicelib."""
import gc

from chalice import Chalice, Rate

from chalicelib import wiring
from chalicelib.http import (
    ALL_TYPES,
    Api,
    html_response,
    json_response,
    page,
    page_params,
    read_json,
)
from chalicelib.settings import get_settings

# Every SDK call allocates thousands of short-lived containers: at CPython's default threshold (700)
# the cyclic collector ran ~600 times in a local tick that sends 500 campaign emails, about a tenth of
# the process's CPU. What lives as long as the Lambda (modules, the app) is frozen out of its sight
# at the end of this file.
gc.set_threshold(10_000, 10, 10)

settings = get_settings()
app = Chalice(app_name="talent-crm")
app.api.binary_types.append("image/*")  # mail clients ask for the open pixel as image/*
api = Api(app, lambda key: wiring.api_keys().verify(key))


def _request():
    return app.current_request


# ---------------------------------------------------------------- public

@app.route("/health", methods=["GET"])
@api.public
def health():
    return {"status": "ok"}


@app.route("/openapi.json", methods=["GET"])
@api.public
def openapi_description():
    from chalice import Response

    from chalicelib.web.openapi import document

    return Response(body=document(), status_code=200,
                    headers={"Content-Type": "application/json", "Cache-Control": "public, max-age=300"})


@app.route("/signups", methods=["POST"], content_types=ALL_TYPES)
@api.public
def signup():
    from chalicelib.routes import signups as signups_http

    return signups_http.submit(_request(), settings)


@app.route("/signups", methods=["OPTIONS"], content_types=ALL_TYPES)
@api.public
def signup_preflight():
    from chalicelib.routes import signups as signups_http

    return signups_http.preflight(_request(), settings)


@app.route("/signups/confirm", methods=["GET"])
@api.public
def signup_confirm():
    from chalicelib.routes import signups as signups_http

    return signups_http.confirm(_request(), settings)


@app.route("/t/o/{token}", methods=["GET"])
@api.public
def track_open(token):
    from chalicelib.routes import tracking as tracking_http

    return tracking_http.pixel(_request(), token)


@app.route("/t/c/{token}", methods=["GET", "HEAD"])
@api.public
def track_click(token):
    from chalicelib.routes import tracking as tracking_http

    return tracking_http.redirect(_request(), token)


@app.route("/u/{token}", methods=["GET"])
@api.public
def preferences_page(token):
    from chalicelib.routes import tracking as tracking_http

    return tracking_http.preferences(_request(), token, settings)


@app.route("/u/{token}", methods=["POST"], content_types=ALL_TYPES)
@api.public
def preferences_save(token):
    from chalicelib.routes import tracking as tracking_http

    return tracking_http.save_preferences(_request(), token, settings)


@app.route("/webhooks/ses", methods=["POST"], content_types=ALL_TYPES)
@api.public
def ses_webhook():
    from chalicelib.http import raw_body

    status, answer = wiring.ses_webhook().receive(raw_body(_request(), 256 * 1024))
    return json_response(answer, status)


@app.route("/webhooks/ats", methods=["POST"], content_types=ALL_TYPES)
@api.public
def ats_webhook():
    from chalicelib.http import raw_body

    request = _request()
    return json_response(wiring.ats().receive(raw_body(request, 256 * 1024), request.headers.get("x-crm-signature")))


@app.route("/dashboard", methods=["GET"])
@api.public
def dashboard():
    from chalicelib.routes import dashboard as dashboard_http

    return dashboard_http.page(_request())


@app.route("/dashboard/assets/{name}", methods=["GET"])
@api.public
def dashboard_asset(name):
    from chalicelib.routes import dashboard as dashboard_http

    return dashboard_http.asset(name)


@app.route("/careers", methods=["GET"])
@api.public
def careers():
    from chalicelib.web.pages import careers_page

    return html_response(careers_page(settings.public_url, settings.company_name, settings.consent_version))


@app.route("/careers/thanks", methods=["GET"])
@api.public
def careers_thanks():
    from chalicelib.web.pages import page as html_page

    return html_response(html_page("Check your inbox", "We sent you an email. Click the link in it to "
                                   "confirm, and you are in."))


# ---------------------------------------------------------------- candidates (recruiters)

@app.route("/candidates", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def candidate_upsert():
    from chalicelib.domain.candidates import public_view

    candidate, created = wiring.candidates().upsert(read_json(_request()))
    return json_response(public_view(candidate), 201 if created else 200)


@app.route("/candidates", methods=["GET"])
@api.recruiter
def candidate_search():
    params = _request().query_params or {}
    limit, cursor = page_params(_request())
    return json_response(page(*wiring.candidates().search(
        skill=params.get("skill"), q=params.get("q"), pool=params.get("pool"), limit=limit, cursor=cursor)))


@app.route("/candidates/import", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def candidate_import():
    from chalicelib.routes import candidates as candidates_http

    return candidates_http.import_csv(_request())


@app.route("/candidates/export.csv", methods=["GET"])
@api.recruiter
def candidate_export_csv():
    from chalicelib.routes import candidates as candidates_http

    return candidates_http.export_csv(_request())


@app.route("/candidates/{candidate_id}", methods=["GET"])
@api.recruiter
def candidate_get(candidate_id):
    from chalicelib.domain.candidates import public_view

    return json_response(public_view(wiring.candidates().get(candidate_id)))


@app.route("/candidates/{candidate_id}", methods=["PATCH"], content_types=ALL_TYPES)
@api.recruiter
def candidate_patch(candidate_id):
    from chalicelib.domain.candidates import public_view

    return json_response(public_view(wiring.candidates().patch(candidate_id, read_json(_request()))))


@app.route("/candidates/{candidate_id}", methods=["DELETE"])
@api.recruiter
def candidate_erase(candidate_id):
    return json_response(wiring.privacy().erase(candidate_id))


@app.route("/candidates/{candidate_id}/export", methods=["GET"])
@api.recruiter
def candidate_export(candidate_id):
    return json_response(wiring.privacy().export(candidate_id))


@app.route("/candidates/{candidate_id}/timeline", methods=["GET"])
@api.recruiter
def candidate_timeline(candidate_id):
    limit, cursor = page_params(_request())
    return json_response(page(*wiring.candidates().timeline_page(candidate_id, limit, cursor)))


@app.route("/candidates/{candidate_id}/touchpoints", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def candidate_touchpoint(candidate_id):
    return json_response(wiring.candidates().add_touchpoint(candidate_id, read_json(_request())), 201)


@app.route("/candidates/{candidate_id}/lift-suppression", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def candidate_lift_suppression(candidate_id):
    from chalicelib.domain.candidates import public_view

    return json_response(public_view(wiring.candidates().lift_suppression(candidate_id, read_json(_request()))))


# ---------------------------------------------------------------- pools

@app.route("/pools", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def pool_create():
    return json_response(wiring.pools().create(read_json(_request())), 201)


@app.route("/pools", methods=["GET"])
@api.recruiter
def pool_list():
    return json_response(page(*wiring.pools().list(*page_params(_request()))))


@app.route("/pools/{pool_id}", methods=["GET"])
@api.recruiter
def pool_get(pool_id):
    return json_response(wiring.pools().get(pool_id))


@app.route("/pools/{pool_id}", methods=["PATCH"], content_types=ALL_TYPES)
@api.recruiter
def pool_patch(pool_id):
    return json_response(wiring.pools().patch(pool_id, read_json(_request())))


@app.route("/pools/{pool_id}", methods=["DELETE"])
@api.recruiter
def pool_delete(pool_id):
    return json_response(wiring.pools().delete(pool_id))


@app.route("/pools/{pool_id}/members", methods=["GET"])
@api.recruiter
def pool_members(pool_id):
    return json_response(page(*wiring.pools().members(pool_id, *page_params(_request()))))


@app.route("/pools/{pool_id}/members", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def pool_add_members(pool_id):
    return json_response(wiring.pools().add_members(pool_id, read_json(_request())))


@app.route("/pools/{pool_id}/members/{candidate_id}", methods=["DELETE"])
@api.recruiter
def pool_remove_member(pool_id, candidate_id):
    return json_response(wiring.pools().remove_member(pool_id, candidate_id))


# ---------------------------------------------------------------- jobs

@app.route("/jobs", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def job_create():
    return json_response(wiring.jobs().create(read_json(_request())), 201)


@app.route("/jobs/{job_id}", methods=["GET"])
@api.recruiter
def job_get(job_id):
    service = wiring.jobs()
    return json_response(service.view(service.get(job_id)))


@app.route("/jobs/{job_id}/matches", methods=["GET"])
@api.recruiter
def job_matches(job_id):
    limit, _ = page_params(_request())
    pool = (_request().query_params or {}).get("pool")
    return json_response(page(wiring.jobs().matches(job_id, pool=pool, limit=limit), None))


@app.route("/jobs/{job_id}/alert", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def job_alert(job_id):
    return json_response(wiring.campaigns().job_alert(job_id), 201)


# ---------------------------------------------------------------- templates

@app.route("/templates", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def template_create():
    return json_response(wiring.templates().create(read_json(_request())), 201)


@app.route("/templates", methods=["GET"])
@api.recruiter
def template_list():
    return json_response(page(*wiring.templates().list(*page_params(_request()))))


@app.route("/templates/{template_id}", methods=["GET"])
@api.recruiter
def template_get(template_id):
    service = wiring.templates()
    return json_response(service.view(service.get(template_id)))


@app.route("/templates/{template_id}", methods=["PATCH"], content_types=ALL_TYPES)
@api.recruiter
def template_patch(template_id):
    return json_response(wiring.templates().patch(template_id, read_json(_request())))


@app.route("/templates/{template_id}/preview", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def template_preview(template_id):
    return json_response(wiring.templates().preview(template_id, read_json(_request())))


# ---------------------------------------------------------------- campaigns

@app.route("/campaigns", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def campaign_create():
    return json_response(wiring.campaigns().create(read_json(_request())), 201)


@app.route("/campaigns", methods=["GET"])
@api.recruiter
def campaign_list():
    return json_response(page(*wiring.campaigns().list(*page_params(_request()))))


@app.route("/campaigns/{campaign_id}", methods=["GET"])
@api.recruiter
def campaign_get(campaign_id):
    service = wiring.campaigns()
    return json_response(service.view(service.get(campaign_id)))


@app.route("/campaigns/{campaign_id}/{action}", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def campaign_action(campaign_id, action):
    from chalicelib.domain.errors import NotFound

    if action == "test":
        return json_response(wiring.campaigns().test(campaign_id, read_json(_request())))
    if action not in ("schedule", "pause", "resume", "cancel"):
        raise NotFound(f"no action {action}; use schedule, pause, resume, cancel or test")
    return json_response(wiring.campaigns().act(campaign_id, action))


# ---------------------------------------------------------------- analytics

@app.route("/analytics/campaigns/{campaign_id}", methods=["GET"])
@api.recruiter
def analytics_campaign(campaign_id):
    return json_response(wiring.analytics().campaign(campaign_id))


@app.route("/analytics/pools/{pool_id}", methods=["GET"])
@api.recruiter
def analytics_pool(pool_id):
    return json_response(wiring.analytics().pool(pool_id))


@app.route("/analytics/overview", methods=["GET"])
@api.recruiter
def analytics_overview():
    params = _request().query_params or {}
    return json_response(wiring.analytics().overview(params.get("from"), params.get("to")))


@app.route("/goals", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def goal_create():
    return json_response(wiring.analytics().add_goal(read_json(_request())), 201)


@app.route("/goals", methods=["GET"])
@api.recruiter
def goal_list():
    return json_response(page(wiring.analytics().goals(), None))


@app.route("/costs", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def cost_create():
    return json_response(wiring.analytics().add_cost(read_json(_request())), 201)


@app.route("/costs", methods=["GET"])
@api.recruiter
def cost_list():
    params = _request().query_params or {}
    return json_response(page(wiring.analytics().costs_in(params.get("from"), params.get("to")), None))


# ---------------------------------------------------------------- events

@app.on_sqs_message(queue=settings.send_queue_name, batch_size=10)
def send_worker(event):
    from chalicelib.services.sqs import process_send_batch

    # the SQS event carries this invocation's context (app.lambda_context is set for routes only)
    remaining = getattr(event.context, "get_remaining_time_in_millis", None) or (lambda: 60_000)
    return process_send_batch(event.to_dict(), remaining)


@app.on_sqs_message(queue=settings.jobs_queue_name, batch_size=5)
def jobs_worker(event):
    from chalicelib.services.sqs import process_jobs_batch

    return process_jobs_batch(event.to_dict())


@app.schedule(Rate(1, unit=Rate.MINUTES))
def scheduler(event):
    return wiring.scheduler().tick()


@app.schedule(Rate(1, unit=Rate.DAYS))
def daily(event):
    from chalicelib.services.privacy import expire_pending

    pools = wiring.pools()
    return {"builtin_pools_created": pools.ensure_builtin(),
            "pool_sizes_recorded": wiring.analytics().record_pool_sizes(),
            "pending_expired": expire_pending(settings, wiring.candidate_repo(), wiring.privacy()),
            "pools_refreshed": pools.refresh_time_based()}


# ---------------------------------------------------------------- local stack only

if settings.is_local:
    @app.route("/dev/tick", methods=["POST"], content_types=ALL_TYPES)
    @api.public
    def dev_tick():
        import sys

        from chalicelib.local.runtime import tick

        return json_response(tick(sys.modules[__name__]))

    @app.route("/dev/outbox.json", methods=["GET"])
    @api.public
    def dev_outbox_json():
        from chalicelib.local.outbox import outbox

        return json_response({"items": outbox()})

    @app.route("/dev/outbox", methods=["GET"])
    @api.public
    def dev_outbox():
        from chalicelib.local.outbox import outbox_html

        return html_response(outbox_html())


gc.freeze()  # the modules and the app, loaded once per Lambda: never garbage
