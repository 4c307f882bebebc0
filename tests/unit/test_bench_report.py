"""docs/benchmarks.md is rendered from build/bench.json (tests/bench/report.py): every figure, once, in one row."""
from __future__ import annotations

import pytest

from tests.bench.__main__ import GROUPS

from tests.bench.report import DESCRIPTIONS, render


def bench(figures: dict, groups: list[str], **meta) -> dict:
    per_figure = {name: {"group": groups[0], "unit": "ms", "note": f"note of {name}"} for name in figures}
    return {**figures, "meta": {"date": "2026-11-28T06:00:00+00:00", "groups": groups, "options": [],
                                "figures": per_figure, "info": {}, "problems": [], "failed_groups": {}, **meta}}


def figure_rows(page: str) -> list[str]:
    table = page.split("## Figures", 1)[1].split("\n## ", 1)[0]
    return [line for line in table.splitlines() if line.startswith("| `")]


@pytest.mark.parametrize("figures", [
    {"cold_import_ratio": 0.23},
    {"signup_p95_ms": 22.3, "signup_p50_ms": 15.4, "an_unknown_figure_ms": 3},
    {"aws_calls_per_1k": {"ses": 1000, "sqs": 2}, "aws_calls_per_1k_ses": 1000, "rule_eval_us": 1.04},
])
def test_every_figure_is_one_row_with_what_it_measures(figures):
    rows = figure_rows(render(bench(figures, ["cold_import"])))
    assert [row.split("`")[1] for row in rows] == list(figures)
    for name, row in zip(figures, rows):
        assert (DESCRIPTIONS.get(name) or f"note of {name}").split("`")[0][:30] in row


@pytest.mark.parametrize("text", ["a | b", "two\nlines", "pipe|and\r\nbreak", "  spaced  "])
def test_a_note_or_unit_never_breaks_the_table(text):
    data = bench({"an_unknown_figure_ms": 1}, ["signup"])
    data["meta"]["figures"]["an_unknown_figure_ms"].update(note=text, unit=text)
    rows = figure_rows(render(data))
    assert len(rows) == 1
    assert rows[0].replace("\\|", "").count("|") == 7  # six cells


@pytest.mark.parametrize("groups, command", [
    (["cold_import"], "`python -m tests.bench --only cold_import`"),
    (["signup", "tracking"], "`python -m tests.bench --only signup,tracking`"),
    (list(GROUPS), "`python -m tests.bench`"),
])
def test_the_page_says_which_run_produced_it(groups, command):
    page = render(bench({"cold_import_ratio": 0.2}, groups))
    assert command in page
    assert "2026-11-28T06:00:00+00:00" in page
    assert ("not run:" in page) == (len(groups) < len(GROUPS))


def test_problems_and_failed_groups_are_on_the_page():
    page = render(bench({"cold_import_ratio": 0.2}, ["cold_import", "campaigns"],
                        problems=["campaigns: 3 emails short"], failed_groups={"campaigns": "exit status 1"}))
    problems = page.split("## Problems the run reported", 1)[1]
    assert "campaigns: 3 emails short" in problems and "campaigns failed: exit status 1" in problems
    assert "None." in render(bench({"cold_import_ratio": 0.2}, ["cold_import"])).split("## Problems")[1]
