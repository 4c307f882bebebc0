"""The recruiter dashboard in a real browser, on a real local stack with data made through the API:

people sign up and confirm (double opt-in) -> a dynamic pool gathers them -> a campaign is sent ->
opens (a person's and a mail proxy's) and a click -> the ATS reports applications, offers, a hire ->
costs and goals. Then the dashboard: sign in with the key, the overview, a campaign, a pool and a
candidate's timeline, each figure compared with what the API answers. Screenshots in build/.
"""
from __future__ import annotations

import email
import email.policy
import json
import re
import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from .support import API_KEY, BUILD, confirm_link, http, save_screenshot, unique_email

HUMAN = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
APPLE_PROXY = "Mozilla/5.0"  # Apple Mail Privacy Protection fetches pixels with exactly this agent
WAIT = 15  # seconds for the dashboard to show what it loaded
TIMINGS: dict[str, float] = {}


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now() -> datetime:
    return datetime.now(timezone.utc)


class Api:
    """The recruiter API of one stack, JSON in and out."""

    def __init__(self, stack):
        self.stack = stack

    def call(self, method: str, path: str, body=None, expect=(200, 201)) -> dict:
        headers = {"Authorization": f"Bearer {self.stack.api_key}", "Accept": "application/json"}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        result = http(method, self.stack.url + path, headers=headers, data=data, timeout=30)
        assert result.status in expect, f"{method} {path}: HTTP {result.status}: {result.text[:800]}"
        return result.json()

    def get(self, path: str) -> dict:
        return self.call("GET", path)

    def post(self, path: str, body=None) -> dict:
        return self.call("POST", path, body if body is not None else {})


def until(what: str, check, timeout: float = 30.0, tick=None):
    """check() until it returns something truthy, running the workers between tries."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        if tick:
            tick()
        time.sleep(0.3)


def email_links(message: dict) -> dict:
    parsed = email.message_from_string(message["raw"], policy=email.policy.default)
    html = parsed.get_body(preferencelist=("html",)).get_content()
    return {"pixel": re.search(r"/t/o/[\w-]+", html).group(0), "click": re.search(r"/t/c/[\w-]+", html).group(0)}


def ats(stack, event: dict) -> None:
    from chalicelib.domain.ats import signature

    secret = json.loads((stack.data_dir / "secrets.json").read_text())["CRM_ATS_SECRET"]
    raw = json.dumps(event).encode()
    stamp = int(time.time())
    result = http("POST", stack.url + "/webhooks/ats", data=raw, headers={
        "Content-Type": "application/json", "X-CRM-Signature": f"t={stamp},v1={signature(secret, stamp, raw)}"})
    assert result.status == 200, result.text


@pytest.fixture(scope="module")
def crm(stack_factory):
    """A stack of its own (the figures must be exactly ours) with a small, complete story in it."""
    started = time.monotonic()
    stack = stack_factory("dashboard")
    TIMINGS["stack start"] = time.monotonic() - started
    api = Api(stack)
    step = time.monotonic()

    template = api.post("/templates", {
        "name": "Python meetup", "category": "event_invite",
        "subject": "Hi {{ candidate.first_name | default('there') }}, join our Python meetup",
        "html": "<html><body><p>Hello {{ candidate.first_name | default('there') }},</p>"
                "<p><a href=\"https://meetup.example.com/python\">See the meetup</a></p></body></html>"})
    pool = api.post("/pools", {"name": "Python people", "kind": "dynamic", "description": "Everyone who knows Python",
                               "rules": {"field": "skills", "op": "contains_any", "value": ["python"]}})

    people = {}
    for first_name in ("Ada", "Grace", "Linus"):
        address = unique_email(first_name.lower())
        result = http("POST", stack.url + "/signups", data=urlencode({
            "email": address, "first_name": first_name, "last_name": "Tester", "skills": "Python, AWS",
            "city": "London", "consent": "on"}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
        assert result.status == 202, result.text
        people[first_name] = SimpleNamespace(email=address)
    for person in people.values():
        link = confirm_link(stack.wait_for_email(person.email), stack.url)
        assert http("GET", link).status == 200
        person.id = stack.candidates_with_email(person.email)[0]["id"]
    until("the pool to hold the three people", lambda: api.get(f"/pools/{pool['id']}")["size"] == 3
          and api.get(f"/pools/{pool['id']}")["status"] != "rebuilding", tick=stack.tick)
    TIMINGS["sign-ups, confirmations, pool"] = time.monotonic() - step
    step = time.monotonic()

    campaign = api.post("/campaigns", {"name": "Python meetup invitation", "channel": "email", "category": "event_invite",
                                       "audience": {"pools": [pool["id"]]}, "steps": [{"template_id": template["id"]}]})
    api.post(f"/campaigns/{campaign['id']}/schedule")

    def campaign_emails():
        found = {name: m for m in stack.outbox() for name, p in people.items()
                 if p.email in m["to"] and "meetup" in m["subject"]}
        return found if len(found) == 3 else None

    emails = until("the campaign's three emails", campaign_emails, tick=stack.tick)
    sent_seen = time.monotonic()
    # "sent" comes a minute later (the scheduler checks again before closing it); processed is enough
    until("the campaign's recipients to be processed",
          lambda: api.get(f"/campaigns/{campaign['id']}")["progress"] == {"enqueued": 3, "processed": 3}, tick=stack.tick)
    TIMINGS["campaign sent"] = time.monotonic() - step

    # opens: Ada and Grace themselves, Linus's through Apple's proxy (a machine); then Ada clicks.
    # Opens within 2 s and clicks within 10 s of sending count as machines: wait that long first.
    time.sleep(max(0.0, 2.5 - (time.monotonic() - sent_seen)))
    for name, agent in (("Ada", HUMAN), ("Grace", HUMAN), ("Linus", APPLE_PROXY)):
        result = http("GET", stack.url + email_links(emails[name])["pixel"], headers={"User-Agent": agent, "Accept": "image/webp,image/*,*/*;q=0.8"})
        assert result.status == 200 and result.headers["Content-Type"] == "image/gif", (email_links(emails[name]), result.status, result.text[:300])
    time.sleep(max(0.0, 10.5 - (time.monotonic() - sent_seen)))
    click = http("GET", stack.url + email_links(emails["Ada"])["click"], headers={"User-Agent": HUMAN})
    assert click.status in (301, 302, 303, 307), click.status

    # the ATS: a job opened 20 days ago; Ada applies, gets an offer, accepts, is hired; Grace declines hers
    opened = iso(now() - timedelta(days=20))
    events = [("job.opened", {"job_id": "ats-1", "title": "Python engineer", "skills": ["python"]}, opened),
              ("application.created", {"email": people["Ada"].email, "job_id": "ats-1"}, None),
              ("application.created", {"email": people["Grace"].email, "job_id": "ats-1"}, None),
              ("offer.created", {"email": people["Ada"].email, "job_id": "ats-1"}, None),
              ("offer.created", {"email": people["Grace"].email, "job_id": "ats-1"}, None),
              ("offer.declined", {"email": people["Grace"].email, "job_id": "ats-1"}, None),
              ("offer.accepted", {"email": people["Ada"].email, "job_id": "ats-1"}, None),
              ("candidate.hired", {"email": people["Ada"].email, "job_id": "ats-1"}, None),
              ("job.filled", {"job_id": "ats-1"}, None)]
    for n, (kind, data, at) in enumerate(events):
        ats(stack, {"id": f"e2e-dashboard-{n}", "type": kind, "occurred_at": at or iso(now()), "data": data})

    api.post("/costs", {"source": "careers_page", "amount": 1500, "currency": "USD",
                        "from": iso(now() - timedelta(days=30)), "to": iso(now())})
    api.post("/goals", {"name": "Hires from talent pools this quarter", "metric": "hires_from_pools", "target": 4,
                        "period": {"from": iso(now() - timedelta(days=30)), "to": iso(now() + timedelta(days=60))}})
    api.post("/goals", {"name": "Offer acceptance", "metric": "offer_acceptance_rate", "target": 0.8,
                        "period": {"from": iso(now() - timedelta(days=30)), "to": iso(now() + timedelta(days=30))}})
    api.post(f"/candidates/{people['Ada'].id}/touchpoints", {"channel": "phone", "summary": "Intro call about the platform team"})
    stack.tick()  # the daily job records pool sizes (the size history) and the workers drain
    until("the hire to be credited", lambda: api.get(f"/analytics/campaigns/{campaign['id']}")["hired"] == 1,
          tick=stack.tick)
    TIMINGS["opens, click, ATS, goals"] = time.monotonic() - step
    TIMINGS["data set-up in all"] = time.monotonic() - started
    return SimpleNamespace(stack=stack, api=api, campaign=campaign, pool=pool, people=people)


@pytest.fixture(scope="module", autouse=True)
def report_timings():
    yield
    BUILD.mkdir(parents=True, exist_ok=True)
    (BUILD / "dashboard-timings.json").write_text(json.dumps({k: round(v, 2) for k, v in TIMINGS.items()}, indent=2))


# ------------------------------------------------------------------ browser helpers

def by_testid(driver, name: str):
    return driver.find_element(By.CSS_SELECTOR, f'[data-testid="{name}"]')


def wait_for(driver, css: str, timeout: float = WAIT):
    try:
        return WebDriverWait(driver, timeout).until(lambda d: d.find_elements(By.CSS_SELECTOR, css))[0]
    except TimeoutException:
        raise AssertionError(f"{css} did not appear; the page says:\n{driver.find_element(By.TAG_NAME, 'body').text[:1500]}"
                             ) from None


def heading(driver) -> str:
    return driver.find_element(By.CSS_SELECTOR, "#view h1").text.strip()


def sign_in(driver, key: str) -> None:
    """With an API key: the option under the email and password."""
    option = wait_for(driver, "#api-key-option")
    if option.get_attribute("open") is None:
        option.find_element(By.TAG_NAME, "summary").click()
    field = driver.find_element(By.ID, "api-key")
    assert field.is_displayed()
    label = driver.find_element(By.CSS_SELECTOR, 'label[for="api-key"]')
    assert label.text == "API key"
    field.clear()
    field.send_keys(key)
    field.send_keys(Keys.ENTER)


def open_dashboard(driver, crm, route: str = "#/overview") -> None:
    """The dashboard at `route`, signed in (a new tab's session storage starts empty)."""
    driver.get(crm.stack.url + "/dashboard/classic" + route)
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script(
        "return !document.getElementById('signin').hidden || !document.getElementById('view').hidden"))
    if driver.find_element(By.ID, "signin").is_displayed():
        sign_in(driver, API_KEY)
    wait_for(driver, "#view .view h1")


def shown(driver, name: str) -> tuple[str, str | None]:
    element = wait_for(driver, f'[data-testid="{name}"]')
    return element.text.strip(), element.get_attribute("data-value")


def as_percent(rate) -> str:
    return "n/a" if rate is None else f"{rate * 100:.1f}%"


def assert_rate(driver, name: str, rate) -> None:
    text, value = shown(driver, name)
    if rate is None:
        assert value == "null", (name, value)
    else:
        assert value is not None and float(value) == rate, (name, value, rate)  # the figure itself, as a number
    if rate is None:
        assert text == "n/a", (name, text)
    else:  # JavaScript and Python may round a half differently: compare as numbers
        assert abs(float(text.rstrip("%")) - rate * 100) <= 0.05 + 1e-9, (name, text, rate)


def no_sideways_scroll(driver) -> None:
    widths = driver.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth, window.innerWidth];")
    assert widths[0] <= widths[1], f"the page scrolls sideways: scrollWidth {widths[0]} > clientWidth {widths[1]}"


# ------------------------------------------------------------------ tests

def test_sign_in_asks_for_the_key_and_refuses_a_wrong_one(crm, page):
    page.get(crm.stack.url + "/dashboard/classic")
    field = wait_for(page, "#api-key")
    assert page.find_element(By.ID, "signin").is_displayed()
    assert not page.find_element(By.ID, "nav").is_displayed()
    assert page.execute_script("return document.activeElement.id") == "signin-email"
    save_screenshot(page, "dashboard-signin")

    sign_in(page, "crm_not_a_real_key")
    message = wait_for(page, "#signin-message")
    WebDriverWait(page, WAIT).until(lambda d: "401" in d.find_element(By.ID, "signin-message").text)
    assert "not accepted" in message.text
    assert page.execute_script("return sessionStorage.getItem('talentcrm.apiKey')") is None

    sign_in(page, API_KEY)
    wait_for(page, "#view .view h1")
    assert heading(page) == "Overview"
    assert page.current_url.endswith("#/overview")
    assert page.execute_script("return sessionStorage.getItem('talentcrm.apiKey')") == API_KEY
    assert field.get_attribute("value") == ""

    # the key stops working (revoked): the next call brings the form back with a message
    page.execute_script("sessionStorage.setItem('talentcrm.apiKey', 'crm_revoked_key')")
    page.refresh()
    WebDriverWait(page, WAIT).until(lambda d: d.find_element(By.ID, "signin").is_displayed())
    WebDriverWait(page, WAIT).until(lambda d: "401" in d.find_element(By.ID, "signin-message").text)
    assert page.execute_script("return sessionStorage.getItem('talentcrm.apiKey')") is None

    sign_in(page, API_KEY)
    wait_for(page, "#view .view h1")
    page.find_element(By.ID, "sign-out").click()
    WebDriverWait(page, WAIT).until(lambda d: d.find_element(By.ID, "signin").is_displayed())
    assert "signed out" in page.find_element(By.ID, "signin-message").text
    assert page.execute_script("return sessionStorage.getItem('talentcrm.apiKey')") is None


def labelled(driver, name: str):
    """The input whose visible label reads `name` (the contract's accessible names)."""
    [label] = [lab for lab in driver.find_elements(By.TAG_NAME, "label") if lab.text.strip() == name
               and lab.is_displayed()]
    return driver.find_element(By.ID, label.get_attribute("for"))


def test_a_team_member_signs_in_with_email_and_password_and_chooses_a_password(crm, page):
    email = unique_email("member")
    made = http("POST", crm.stack.url + "/users", headers={"Authorization": f"Bearer {API_KEY}",
                                                           "Content-Type": "application/json"},
                data=json.dumps({"email": email, "name": "Mira Member", "role": "viewer",
                                 "temporary_password": "Temporary-pass-1"}).encode())
    assert made.status == 201, made.text
    page.get(crm.stack.url + "/dashboard/classic")
    wait_for(page, "#signin-email")
    labelled(page, "Email").send_keys(email)
    labelled(page, "Password").send_keys("wrong-password-1A!")
    page.find_element(By.XPATH, '//button[normalize-space()="Sign in"]').click()
    WebDriverWait(page, WAIT).until(lambda d: "Wrong email or password" in d.find_element(By.ID, "signin-message").text)

    labelled(page, "Password").clear()
    labelled(page, "Password").send_keys("Temporary-pass-1")
    page.find_element(By.XPATH, '//button[normalize-space()="Sign in"]').click()
    WebDriverWait(page, WAIT).until(lambda d: d.find_element(By.ID, "new-password-form").is_displayed())
    save_screenshot(page, "dashboard-new-password")
    labelled(page, "New password").send_keys("Mira-own-password-2")
    page.find_element(By.XPATH, '//button[normalize-space()="Set password"]').click()
    wait_for(page, "#view .view h1")
    WebDriverWait(page, WAIT).until(lambda d: d.find_element(By.ID, "who").is_displayed())
    assert page.find_element(By.ID, "who").text == "Mira Member · viewer"
    token = page.execute_script("return sessionStorage.getItem('talentcrm.apiKey')")
    assert token and not token.startswith("crm_")
    page.find_element(By.ID, "sign-out").click()
    WebDriverWait(page, WAIT).until(lambda d: d.find_element(By.ID, "signin").is_displayed())
    # the token was revoked, not only forgotten by the tab
    WebDriverWait(page, WAIT).until(lambda d: http("GET", crm.stack.url + "/me", headers={
        "Authorization": f"Bearer {token}"}).status == 401)


def test_overview_shows_goals_figures_and_charts(crm, page):
    started = time.monotonic()
    open_dashboard(page, crm, "#/overview")
    wait_for(page, '[data-testid="overview-hires"]')
    TIMINGS["overview shown (browser)"] = time.monotonic() - started
    overview = crm.api.get("/analytics/overview")
    goals = crm.api.get("/goals")["items"]

    assert heading(page) == "Overview"
    assert page.find_element(By.CSS_SELECTOR, 'nav a[aria-current="page"]').text == "Overview"
    for name, value in (("overview-hires", overview["hires"]), ("overview-applications", overview["applications"]),
                        ("overview-hires-from-pools", overview["hires_from_pools"])):
        text, data_value = shown(page, name)
        assert (text, data_value) == (str(value), str(value)), name
    assert (overview["hires"], overview["applications"], overview["hires_from_pools"]) == (1, 2, 1)
    assert_rate(page, "overview-pool-share", overview["source_of_hire"]["pool_share"])
    assert_rate(page, "overview-offer-acceptance-pool", overview["offer_acceptance"]["pool"])
    assert float(shown(page, "overview-time-to-fill")[1]) == overview["time_to_fill_days"]["all"] == 20
    assert shown(page, "overview-cost-per-hire")[0] == f"{overview['cost_per_hire']['all']['cost_per_hire']:,.2f}"

    shown_goals = page.find_elements(By.CSS_SELECTOR, '[data-testid="goal"]')
    assert [g.find_element(By.TAG_NAME, "h3").text for g in shown_goals] == [g["name"] for g in goals]
    assert [g.get_attribute("data-status") for g in shown_goals] == [g["progress"]["status"] for g in goals]
    bar = shown_goals[0].find_element(By.CSS_SELECTOR, '[role="progressbar"]')
    assert bar.get_attribute("aria-valuenow") == str(round(goals[0]["progress"]["progress"] * 100))

    for chart in ("chart-hiring-funnel", "chart-source-of-hire", "chart-categories", "chart-offer-acceptance"):
        svg = by_testid(page, chart).find_element(By.TAG_NAME, "svg")
        assert svg.get_attribute("role") == "img"
        assert svg.find_element(By.TAG_NAME, "title").get_attribute("textContent"), chart
        assert svg.find_elements(By.TAG_NAME, "rect"), chart
    funnel = by_testid(page, "chart-hiring-funnel").find_element(By.TAG_NAME, "desc").get_attribute("textContent")
    assert funnel == "Applications 2, Offers decided 2, Offers accepted 1, Hires 1", funnel
    categories = page.find_element(By.CSS_SELECTOR, '[data-testid="categories"] tbody').text
    assert "Event invite" in categories and as_percent(overview["campaigns_by_category"]["event_invite"]["rates"]["open"]) in categories
    save_screenshot(page, "dashboard-overview")
    no_sideways_scroll(page)

    # another period: the form changes the hash, the view follows (and nothing was hired then)
    page.execute_script("document.getElementById('period-from').value = '2020-01-01';"
                        "document.getElementById('period-to').value = '2020-03-31';")
    page.find_element(By.CSS_SELECTOR, "form.period button[type=submit]").click()
    WebDriverWait(page, WAIT).until(lambda d: "from=2020-01-01" in d.current_url)
    WebDriverWait(page, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="overview-hires"]')
                                    and by_testid(d, "overview-hires").text == "0")
    assert "1 Jan 2020" in page.find_element(By.CSS_SELECTOR, ".subtitle").text


def test_campaign_detail_matches_the_api(crm, page):
    open_dashboard(page, crm, "#/overview")
    page.find_element(By.CSS_SELECTOR, 'nav a[data-view="campaigns"]').click()
    link = wait_for(page, '[data-testid="campaign-list"] a')
    assert link.text == "Python meetup invitation"
    save_screenshot(page, "dashboard-campaigns")
    started = time.monotonic()
    link.click()
    wait_for(page, '[data-testid="campaign-sent"]')
    TIMINGS["campaign shown (browser)"] = time.monotonic() - started
    assert page.current_url.endswith("#/campaigns/" + crm.campaign["id"])
    figures = crm.api.get(f"/analytics/campaigns/{crm.campaign['id']}")

    assert heading(page) == "Python meetup invitation"
    assert shown(page, "campaign-sent") == (str(figures["sent"]), str(figures["sent"]))
    assert figures["sent"] == 3
    assert_rate(page, "campaign-open-rate", figures["rates"]["open"])
    assert_rate(page, "campaign-click-rate", figures["rates"]["click"])
    assert_rate(page, "campaign-click-to-open-rate", figures["rates"]["click_to_open"])
    for name, key in (("campaign-delivered", "delivered"), ("campaign-opened", "opened"), ("campaign-clicked", "clicked"),
                      ("campaign-applied", "applied"), ("campaign-hired", "hired"), ("campaign-human-opens", "opens"),
                      ("campaign-human-clicks", "clicks")):
        assert shown(page, name)[1] == str(figures[key]), name
    assert shown(page, "campaign-machine-opens")[1] == str(figures["machine"]["opens"])
    assert (figures["opened"], figures["clicked"], figures["machine"]["opens"], figures["hired"]) == (2, 1, 1, 1)

    funnel = by_testid(page, "chart-campaign-funnel").find_element(By.TAG_NAME, "svg")
    assert funnel.find_element(By.TAG_NAME, "desc").get_attribute("textContent") == (
        f"Sent {figures['sent']}, Delivered {figures['delivered']}, Opened {figures['opened']}, "
        f"Clicked {figures['clicked']}, Applied {figures['applied']}, Hired {figures['hired']}")
    series = by_testid(page, "chart-campaign-series").find_element(By.TAG_NAME, "svg")
    assert series.find_elements(By.TAG_NAME, "circle"), "the hourly series has points"
    rows = page.find_elements(By.CSS_SELECTOR, '[data-testid="chart-campaign-series"] details tbody tr')
    assert len(rows) == len(figures["series"])
    steps = page.find_elements(By.CSS_SELECTOR, '[data-testid="campaign-steps"] tbody tr')
    assert len(steps) == len(figures["steps"]) == 1
    save_screenshot(page, "dashboard-campaign")
    no_sideways_scroll(page)

    # the view can be linked and reloaded
    page.refresh()
    wait_for(page, '[data-testid="campaign-sent"]')
    assert heading(page) == "Python meetup invitation"


def test_pool_view_matches_the_api(crm, page):
    open_dashboard(page, crm, "#/pools")
    link = WebDriverWait(page, WAIT).until(lambda d: [a for a in d.find_elements(By.CSS_SELECTOR, '[data-testid="pool-list"] a')
                                                      if a.text == "Python people"])[0]
    link.send_keys(Keys.ENTER)  # keyboard operable
    wait_for(page, '[data-testid="pool-size"]')
    figures = crm.api.get(f"/analytics/pools/{crm.pool['id']}")
    assert heading(page) == "Python people"
    assert shown(page, "pool-size") == (str(figures["size"]), str(figures["size"]))
    assert figures["size"] == 3
    assert shown(page, "pool-applications")[1] == str(figures["applications"])
    assert shown(page, "pool-hires")[1] == str(figures["hires"])
    assert_rate(page, "pool-engaged-share", figures["engaged_90d_share"])
    assert_rate(page, "pool-radio-silence-share", figures["radio_silence_share"])
    assert by_testid(page, "chart-pool-shares").find_elements(By.CSS_SELECTOR, "svg rect")
    if figures["size_history"]:
        assert by_testid(page, "chart-pool-history").find_elements(By.CSS_SELECTOR, "svg circle")
    save_screenshot(page, "dashboard-pool")
    no_sideways_scroll(page)


def test_candidate_search_profile_and_timeline(crm, page):
    ada = crm.people["Ada"]
    open_dashboard(page, crm, "#/candidates")
    search = wait_for(page, "#candidate-q")
    assert page.find_element(By.CSS_SELECTOR, 'label[for="candidate-q"]').text
    search.send_keys(ada.email)
    search.send_keys(Keys.ENTER)
    link = wait_for(page, '[data-testid="candidate-results"] a')
    assert "q=" in page.current_url
    assert link.text == "Ada Tester"
    link.click()
    wait_for(page, '[data-testid="timeline"]')
    timeline = crm.api.get(f"/candidates/{ada.id}/timeline?limit=50")["items"]
    entries = page.find_elements(By.CSS_SELECTOR, '[data-testid="timeline-entry"]')
    assert [e.get_attribute("data-kind") for e in entries] == [item["kind"] for item in timeline]
    kinds = {item["kind"] for item in timeline}
    assert {"consent", "touchpoint", "candidate_hired"} <= kinds, kinds
    text = page.find_element(By.CSS_SELECTOR, '[data-testid="timeline"]').text
    assert "Phone: Intro call about the platform team" in text
    assert "Consent confirmed" in text
    assert by_testid(page, "candidate-email").text == ada.email
    save_screenshot(page, "dashboard-candidate")


def test_readable_on_a_phone(crm, page):
    page.set_window_size(390, 844)
    try:
        assert page.execute_script("return window.innerWidth") == 390
        open_dashboard(page, crm, "#/overview")
        wait_for(page, '[data-testid="chart-hiring-funnel"] svg')
        no_sideways_scroll(page)
        svg_width = page.execute_script(
            "return document.querySelector('[data-testid=chart-hiring-funnel] svg').getBoundingClientRect().width")
        assert svg_width <= 390
        save_screenshot(page, "dashboard-phone")
        for route, ready in ((f"#/campaigns/{crm.campaign['id']}", "campaign-sent"), (f"#/pools/{crm.pool['id']}", "pool-size"),
                             (f"#/candidates/{crm.people['Ada'].id}", "timeline")):
            page.get(crm.stack.url + "/dashboard/classic" + route)
            wait_for(page, f'[data-testid="{ready}"]')
            no_sideways_scroll(page)
        save_screenshot(page, "dashboard-phone-candidate")
        page.get(crm.stack.url + "/dashboard/classic#/campaigns/" + crm.campaign["id"])
        wait_for(page, '[data-testid="campaign-sent"]')
        save_screenshot(page, "dashboard-phone-campaign")
    finally:
        page.set_window_size(1280, 900)


def test_keyboard_focus_is_visible_and_views_switch_with_links(crm, page):
    open_dashboard(page, crm, "#/overview")
    links = page.find_elements(By.CSS_SELECTOR, "nav a")
    assert [a.text for a in links] == ["Overview", "Campaigns", "Pools", "Candidates"]
    assert all(a.get_attribute("href").split("/dashboard/classic")[1].startswith("#/") for a in links)
    links[2].send_keys(Keys.ENTER)
    wait_for(page, '[data-testid="pool-list"]')
    # focus moved to the new view's heading; the next Tab reaches something that draws a visible outline
    assert page.execute_script("return document.activeElement.tagName") == "H1"
    ActionChains(page).send_keys(Keys.TAB).perform()
    outline = page.execute_script("const s = getComputedStyle(document.activeElement);"
                                  "return [document.activeElement.tagName, s.outlineStyle, s.outlineWidth];")
    assert outline[1] != "none" and outline[2] != "0px", outline


def test_the_real_server_refuses_path_tricks(crm):
    for path in ("/dashboard/assets/..%2Fapp.py", "/dashboard/assets/..%2F..%2F..%2Fapp.py",
                 "/dashboard/assets/%2e%2e%2fapp.py", "/dashboard/assets/nope.js"):
        result = http("GET", crm.stack.url + path)
        assert result.status in (403, 404), (path, result.status)
        assert b"import" not in result.body, path
    assert http("GET", crm.stack.url + "/dashboard/assets/app.js").status == 200
