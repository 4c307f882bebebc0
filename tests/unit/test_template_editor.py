"""The template editor's pure helpers: problems placed on their lines, merge fields added where they belong."""
import pytest

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.templates import Problem, located_problems, with_merge_field

TEMPLATE = {"subject": "Hi {{ candidate.nick }}", "html": "<html><body>\n<p>{{ jobz }}</p>\n</body></html>",
            "text": "one\ntwo {{ candidate.nick }}\n{{ jobz }}"}


def test_unknown_variables_are_found_on_their_lines():
    problems = located_problems({"text": "unknown variables: candidate.nick, jobz",
                                 "subject": "unknown variables: candidate.nick"}, TEMPLATE)
    assert problems == [Problem("subject", 1, "unknown variable candidate.nick", "Hi {{ candidate.nick }}"),
                        Problem("text", 2, "unknown variable candidate.nick", "two {{ candidate.nick }}"),
                        Problem("text", 3, "unknown variable jobz", "{{ jobz }}")]


def test_lines_said_by_the_checks_are_kept_and_others_have_none():
    problems = located_problems({"html": "line 2: unexpected '}'", "name": "required text",
                                 "text": "line 4 of the text made from the HTML: x"}, TEMPLATE)
    assert problems == [Problem("name", None, "required text"),
                        Problem("html", 2, "unexpected '}'", "<p>{{ jobz }}</p>"),
                        Problem("text", None, "line 4 of the text made from the HTML: x")]
    assert located_problems({"html": "line 99: too far"}, TEMPLATE) == [Problem("html", 99, "too far", None)]


def test_a_merge_field_goes_before_the_body_end_or_at_the_end():
    assert with_merge_field(TEMPLATE, "html", "company.name")["html"].endswith(
        "</p>\n{{ company.name }}</body></html>")
    assert with_merge_field({"subject": "Hi  "}, "subject", "job.title")["subject"] == "Hi {{ job.title }}"
    assert with_merge_field({"subject": ""}, "subject", "job.title")["subject"] == "{{ job.title }}"
    assert with_merge_field({"text": "x"}, "text", "unsubscribe_url")["text"] == "x{{ unsubscribe_url }}"
    assert with_merge_field({"html": "<p>x</p>"}, "html", "job.id")["html"] == "<p>x</p>{{ job.id }}"


@pytest.mark.parametrize("part, name", [("html", "candidate.password"), ("name", "job.id"), ("", ""),
                                        ("html", "{{ x }}")])
def test_unknown_merge_fields_and_parts_are_refused(part, name):
    with pytest.raises(ValidationError):
        with_merge_field(TEMPLATE, part, name)
