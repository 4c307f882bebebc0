"""tests/bench/monthly.py: the monthly estimate in docs/deploying.md, from build/bench.json's figures."""
from __future__ import annotations

from tests.bench.monthly import estimate, render


def test_the_benchmarks_monthly_figures_are_taken_and_the_rest_added():
    rows = estimate({"monthly_cost_usd_100k_emails": 11.0, "monthly_cost_usd_1m_emails": 110.0,
                     "ses_events_per_s": 100.0})
    small, large = rows
    assert small["parts"]["sending"] == 11.0 and large["parts"]["sending"] == 110.0
    for row in rows:
        assert row["total"] == round(sum(row["parts"].values()), 2)
        assert all(value >= 0 for value in row["parts"].values())
    # the SES events scale with the emails; CloudWatch's alarms and metrics do not
    assert large["parts"]["ses_events"] > 9 * small["parts"]["ses_events"] > 0
    assert large["parts"]["cloudwatch"] < 2 * small["parts"]["cloudwatch"]


def test_without_cost_figures_it_says_so_and_counts_ses_at_least():
    rows = estimate({})
    assert rows[0]["parts"]["sending"] == 10.0 and "no cost figures" in rows[0]["source"]
    rows = estimate({"overhead_cost_ratio": 0.5})
    assert rows[1]["parts"]["sending"] > 150.0 and "overhead_cost_ratio" in rows[1]["source"]
    assert "**total**" in render(rows)
