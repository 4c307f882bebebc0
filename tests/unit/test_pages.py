"""The public HTML pages (careers, confirm/thanks, preference centre) come from Jinja2 templates with autoescape:
any text a value holds shows as that text, never as markup, and the pages keep their elements and names."""
import re
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import given, settings, strategies as st

from chalicelib.http import content_security_policy
from chalicelib.web import pages, preferences
from chalicelib.web.pages import careers_page, page
from chalicelib.web.preferences import (erase_confirm_page, erase_request_page, preference_page,
                                        unsubscribe_only_page)

WEB = Path(pages.__file__).parent
# Text that would be markup, entities, attribute breakers or template syntax if it were not escaped.
marks = st.sampled_from(list("<>&\"'/=ab ç—{}%#\u00a0"))
hostile = st.text(alphabet=marks | st.characters(codec="utf-8", categories=["L", "P", "S"]), max_size=40)


class Parsed(HTMLParser):
    """Elements (tag, attribute names) and the texts: text nodes and attribute values, entities decoded."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements, self.texts = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, tuple(name for name, _ in attrs)))
        self.texts += [value for _, value in attrs if value]

    def handle_data(self, data):
        self.texts.append(data)


def shape(html: str) -> list:
    return Parsed(html).elements


RENDERERS = {
    "page": lambda text: page(text, text),
    "careers": lambda text: careers_page("https://careers.example.com" + text, text, text),
    "preferences": lambda text: preference_page("https://x.example/p?t=" + text, {}, text, text, form_token=text),
    "preferences, all off": lambda text: preference_page("https://x/p", {"status": "unsubscribed"}, text),
    "old link": lambda text: unsubscribe_only_page("https://x/p?t=" + text, text, text),
    "old link, done": lambda text: unsubscribe_only_page("https://x/p", text, text, saved=text + "."),
    "delete me": lambda text: erase_request_page("https://x/p?t=" + text, "https://x/p", text, text, text, text),
    "delete me, confirm": lambda text: erase_confirm_page("https://x/p?t=" + text, text, text),
    "own page, all held": lambda text: preference_page(
        "https://x/p", {"first_name": text, "city": text, "skills": [text], "phone": "+442079460958",
                        "sms_consent": True, "consent": {"marketing": True, "given_at": "2026-01-02T00:00:00Z"}},
        text, text, form_token=text, error=text,
        held={"sms_possible": True, "monthly_cap": 4, "paused_until": "2027-01-01T00:00:00Z", "consents": []}),
}


@settings(max_examples=60, deadline=None)
@given(text=hostile)
def test_any_value_is_text_in_every_page_never_markup(text):
    for name, render in RENDERERS.items():
        html = render(text)
        assert shape(html) == shape(render("Acme" if text else "")), name  # the same elements, whatever the text
        if text.strip():
            assert any(text.strip() in found for found in Parsed(html).texts), name
        assert "<script" not in html.lower(), name


def test_the_markup_is_in_templates_rendered_with_autoescape():
    assert pages._environment().autoescape is True
    assert {path.name for path in (WEB / "templates").glob("*.html")} >= {
        "careers.html", "layout.html", "message.html", "preferences.html"}
    for module in (pages, preferences):  # no HTML written in Python (f-strings with hand escaping)
        assert not re.search(r"<(/?[a-z]+)[ >]", Path(module.__file__).read_text()), module.__name__


def test_pages_keep_their_names_and_controls():
    prefs = preference_page("https://x/p", {"preferences": {"unsubscribed_categories": ["job_alert"]}}, "Acme",
                            "Saved.", form_token="tok")
    assert '<p class="saved" role="status">Saved.</p>' in prefs
    assert "<legend>Emails from Acme</legend>" in prefs and "<title>Your details and choices — Acme</title>" in prefs
    assert re.findall(r'name="categories" value="(\w+)" checked', prefs) == [
        "company_news", "industry_insights", "career_advice", "event_invite"]
    assert '<input type="hidden" name="form_token" value="tok">' in prefs
    assert re.findall(r'<button class="(\w+)" type="submit" name="action" value="(\w+)">', prefs) == [
        ("primary", "save"), ("secondary", "unsubscribe_all")]
    for control in ("Pause for 3 months", "Pause for 6 months", "Save topics", "Save how often", "Save channels",
                    "Download my data (JSON)", "Delete me", 'name="max_per_month" value="none" checked'):
        assert control in prefs, control
    assert 'name="categories" value="job_alert" checked' not in preference_page(
        "https://x/p", {"preferences": {"unsubscribed_all": True}}, "Acme")
    old = unsubscribe_only_page("https://x/p", "Acme", "tok")
    assert "This link has expired" in old and 'value="unsubscribe_all">Unsubscribe from everything' in old
    assert "<form" not in unsubscribe_only_page("https://x/p", "Acme", "tok", saved="Done.")
    careers = careers_page("https://c.example", "Acme", "v3")
    for name in ('for="email"', 'id="consent"', 'action="https://c.example/signups"', "(Consent wording v3)",
                 "I agree that Acme may email me", 'name="website" tabindex="-1"'):
        assert name in careers


@given(text=hostile)
@settings(max_examples=20, deadline=None)
def test_every_style_block_is_allowed_by_the_policy_and_no_script_is_inline(text):
    for render in RENDERERS.values():
        html = render(text)
        styles = re.findall(r"<style>(.*?)</style>", html, re.S)
        assert styles and content_security_policy(html).count("'sha256-") == len(set(styles))
        assert "style=" not in html and "<script" not in html.lower() and " on" not in shape_attributes(html)


def shape_attributes(html: str) -> str:
    return " ".join(" " + name for _, names in shape(html) for name in names)
