"""Rendering is bounded: every way a template can make the worker spin or allocate is refused quickly,
with the part and the line; ordinary templates are untouched."""
import pytest

from chalicelib.domain import template_sandbox
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.templates import SAMPLE, render, validate_template

ABUSE = {  # on line 2 of the HTML
    "exponent tower": "{{ 9**9**9**9 }}",
    "big exponent": "{{ 2 ** 100000000 }}",
    "float overflow": "{{ 2.0 ** 100000 }}",
    "big multiplication": "{{ 99999999999 * 99999999999 }}",
    "nested ranges": "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
    "one range, reused": "{% set r = range(10000) %}{% for i in r %}{% for j in r %}{% endfor %}{% endfor %}",
    "nested loops over text": "{% set s = 'x' * 10000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}",
    "recursive loop": "{% for i in range(100) recursive %}{{ loop(range(100)) }}{% endfor %}",
    "string repetition": "{{ 'x' * 1000000000 }}",
    "list repetition": "{{ (['x' * 100000] * 10000) | join }}",
    "doubling with ~": "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}"
                       "{% endfor %}",
    "doubling with +": "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}"
                       "{% endfor %}",
    "center": "{{ 'x' | center(1000000000) }}",
    "indent": "{{ 'x' | indent(1000000000) }}",
    "indent many lines": "{{ ('a\\n' * 100000) | indent(1000) }}",
    "wordwrap": "{{ ('x ' * 50000) | wordwrap(2, wrapstring='-' * 1000) }}",
    "truncate": "{{ 'x' | truncate(100000000000000) }}",
    "format width": "{{ '%0999999999d' | format(1) }}",
    "format star": "{{ '%*d' | format(999999999, 1) }}",
    "str.format width": "{{ '{:>999999999}'.format(1) }}",
    "% width": "{{ '%999999999d' % 1 }}",
    "ljust": "{{ 'x'.ljust(999999999) }}",
    "replace": "{{ ('x' * 100000) | replace('x', 'y' * 1000) }}",
    "join separator": "{{ ('x' * 100000).join(range(5000) | map('string')) }}",
    "batch": "{{ [1] | batch(999999999, 'x') | list }}",
    "tojson indent": "{{ [1, [2, [3]]] | tojson(indent=999999999) }}",
    "lipsum": "{{ lipsum(1000000) }}",
    "recursive macro": "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
    "macro output": "{% macro m() %}{% for i in range(5000) %}{{ 'x' * 100000 }}{% endfor %}{% endmacro %}{{ m() }}",
    "set block": "{% set x %}{% for i in range(5000) %}{{ 'x' * 100000 }}{% endfor %}{% endset %}{{ x }}",
    "output": "{% for i in range(9000) %}{{ 'x' * 150000 }}{% endfor %}",
    "division by zero": "{{ 1 / 0 }}",
}


def html(line2: str) -> str:
    return "<p>Hello {{ candidate.first_name }}</p>\n" + line2 + "\n<p>Bye</p>"


def body(**parts):
    return {"name": "t", "category": "career_advice", "subject": "Hi", "html": "<p>Hi</p>", **parts}


def rendered(template, candidate=None):
    return render(template, candidate=candidate or SAMPLE["candidate"], job=SAMPLE["job"], company=SAMPLE["company"],
                  unsubscribe_url="https://x.example/u/1", preferences_url="https://x.example/u/1")


@pytest.mark.parametrize("name", sorted(ABUSE))
def test_abuse_is_refused_at_save_with_the_part_and_line(name):
    with pytest.raises(ValidationError) as caught:
        validate_template(body(html=html(ABUSE[name])))
    error = caught.value
    assert error.code in ("render_limit", "render_error"), error.to_dict()
    assert error.fields["html"].startswith("line 2: "), error.fields
    assert "html line 2" in error.message


@pytest.mark.parametrize("name", sorted(ABUSE))
def test_abuse_already_stored_is_refused_when_rendered(name):
    with pytest.raises(ValidationError) as caught:
        rendered(body(html=html(ABUSE[name])))
    assert caught.value.fields["html"].startswith("line 2: ")
    assert template_sandbox._local.budget is None  # nothing left over for the thread's next email


@pytest.mark.parametrize("part", ["subject", "text"])
def test_every_part_is_bounded(part):
    source = "Hi\n{% for i in range(9000) %}{{ 'y' * 100000 }}{% endfor %}" if part == "text" else \
        "Hi {% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}"
    with pytest.raises(ValidationError) as caught:
        validate_template(body(**{part: source}))
    assert caught.value.code == "render_limit" and part in caught.value.fields


def test_tags_reaching_for_other_templates_are_refused_with_the_line():
    for tag, source in [("include", "{% include 'x.html' %}"), ("import", "{% import 'x.html' as x %}"),
                        ("from ... import", "{% from 'x.html' import y %}"), ("extends", "{% extends 'x.html' %}")]:
        with pytest.raises(ValidationError) as caught:
            validate_template(body(html=html(source)))
        assert caught.value.fields["html"] == f"line 2: {{% {tag} %}} is not allowed: a template stands alone"


def test_sources_the_parser_cannot_take_are_a_validation_error():
    for source in ["{{ " + "9" * 5000 + " }}", "{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}",
                   "{{ " + "[" * 5000 + "]" * 5000 + " }}", "{{ x | no_such_filter }}"]:
        with pytest.raises(ValidationError) as caught:
            validate_template(body(html=source))
        assert "html" in caught.value.fields


def test_a_subject_too_long_once_rendered_is_refused():
    with pytest.raises(ValidationError) as caught:
        validate_template(body(subject="{% for i in range(250) %}word {% endfor %}"))
    assert caught.value.code == "render_limit"
    assert caught.value.fields["subject"] == "renders to 1249 characters; a subject is at most 998"
    # The same subject stored earlier: refused when rendered for a person (the sender skips them).
    with pytest.raises(ValidationError):
        rendered(body(subject="{% for i in range(250) %}word {% endfor %}"))
    assert rendered(body(subject="{{ 'word ' * 100 }}")).subject == ("word " * 100).strip()


def test_lines_are_those_of_the_html_as_written_when_its_css_was_inlined():
    source = ("<html><head><style>\np { color: red }\n</style></head>\n<body>\n<p>Hi</p>\n"
              "{{ 'x' | center(100000000) }}\n</body></html>")
    with pytest.raises(ValidationError) as caught:
        rendered(body(html=source))
    assert caught.value.fields["html"].startswith("line 6: center width")


def test_ordinary_templates_render_as_before():
    template = body(
        subject="{{ candidate.first_name | default('there') | title }}, {{ '%d' | format(3) }} roles",
        html=("<html><body>{% macro item(s) %}<li>{{ s | upper }}</li>{% endmacro %}"
              "<ul>{% for s in candidate.skills %}{{ item(s) }}{% endfor %}</ul>"
              "{% set ns = namespace(n=0) %}{% for i in range(100) %}{% set ns.n = ns.n + i %}{% endfor %}"
              "<p>{{ ns.n }} {{ 'ab' * 3 }} {{ 'x' | center(7) }} {{ '{:>4}'.format(7) }} {{ 2 ** 10 }}</p>"
              "<p>{{ candidate.skills | join(', ') }} {{ job.title | replace('Data', 'Big data') }}</p>"
              "{% for row in range(10) | batch(3) %}{{ row | length }}{% endfor %}</body></html>"),
    )
    assert validate_template(template)["html"] == template["html"]
    email = rendered(template)
    assert email.subject == "Ada, 3 roles"
    assert "<li>PYTHON</li><li>SQL</li>" in email.html
    assert "4950 ababab    x    " in email.html and "   7 1024" in email.html
    assert "python, sql Big data engineer" in email.html and "3331" in email.html


def test_limits_count_per_email_not_per_process():
    template = body(html="{% for i in range(6000) %}{% endfor %}<p>ok</p>")
    for _ in range(3):  # 18,000 iterations in all, 6,000 per email
        assert "ok" in rendered(template).html


def test_numbers_near_the_limits():
    assert "1000000000000000000" in rendered(body(html="{{ 10 ** 18 }}")).html
    with pytest.raises(ValidationError):
        rendered(body(html="{{ 10 ** 18 + 1 }}"))
    with pytest.raises(ValidationError):
        rendered(body(html="{{ ('9' * 4000) | int }}"))


def test_a_template_slow_within_every_other_limit_runs_out_of_time():
    slow = body(html="<p>x</p>\n{% for i in range(5000) %}{{ (range(9000) | list | sort | list) | length }}{% endfor %}")
    with pytest.raises(ValidationError) as caught:
        rendered(slow)
    assert caught.value.code == "render_limit"
    assert caught.value.fields["html"].startswith("line 2: rendering took more than")
