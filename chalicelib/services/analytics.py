"""Analytics: campaign funnels, pool health, hiring overview, goals. Every figure comes from the
counters and outcome records the events wrote; nothing here writes except goals and costs."""
from __future__ import annotations

from collections import Counter, defaultdict

from ..domain.analytics import (
    GOAL_METRICS,
    by_source,
    cost_currency,
    funnel,
    goal_currency,
    goal_progress,
    hourly_series,
    in_currency,
    median,
    period,
    ratio,
    reporting_currency,
    validate_cost,
    validate_goal,
    with_answers,
)
from ..domain.campaigns import kind_of
from ..domain.clock import iso, new_id, utcnow
from ..domain.errors import NotFound
from ..domain.vocabulary import CampaignKind, DecisionReason, GoalMetric, OutcomeKind
from .pool_figures import PoolFigures


def period_bounds(start: str | None, end: str | None) -> tuple[str, str]:
    """A query's [from, to] (default: the last 90 days)."""
    return period(start, end, utcnow())


def skips_by_reason(totals: Counter, suffix: str = "", kind: str = "skipped") -> dict[str, int]:
    """The skips (or deferrals: kind "deferred") the workers counted by reason (suffix `_s0` for one step), most
    first. Skips counted before reasons were (a campaign sent by an older version) are `unrecorded`."""
    counts = {str(reason): int(totals.get(f"{kind}_{reason}{suffix}", 0)) for reason in DecisionReason}
    counts = {reason: n for reason, n in counts.items() if n}
    unrecorded = int(totals.get(f"{kind}{suffix}", 0)) - sum(counts.values())
    if unrecorded > 0:
        counts["unrecorded"] = unrecorded
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


class AnalyticsService:
    def __init__(self, campaigns, stats, pools, memberships, outcomes, jobs, keys):
        self.campaigns = campaigns
        self.stats = stats
        self.pools = pools
        self.memberships = memberships
        self.outcomes = outcomes
        self.jobs = jobs
        self.keys = keys
        self.pool_figures = PoolFigures(memberships, keys)

    # ------------------------------------------------------------ campaigns

    def campaign(self, campaign_id: str) -> dict:
        campaign = self.campaigns.get(campaign_id)
        if campaign is None:
            raise NotFound(f"no campaign {campaign_id}")
        totals = self.stats.totals(f"campaign#{campaign_id}")
        figures = {
            "campaign_id": campaign_id, "name": campaign["name"], "category": campaign["category"] or None,
            "status": campaign["status"], "audience": int(campaign.get("enqueued") or 0),
            **funnel(totals), "skipped_by_reason": skips_by_reason(totals),
            "deferred_by_reason": skips_by_reason(totals, kind="deferred"),
            "steps": [{"step": i, **funnel(totals, f"_s{i}"), "skipped_by_reason": skips_by_reason(totals, f"_s{i}"),
                       "deferred_by_reason": skips_by_reason(totals, f"_s{i}", kind="deferred"),
                       **self._subject_test(campaign, i, totals)} for i in range(len(campaign["steps"]))],
            "series": hourly_series(totals, campaign.get("started_at")),
        }
        if kind_of(campaign) == CampaignKind.PERMISSION_REQUEST:  # its answers, in all, for its step, per source
            figures = with_answers(figures, totals)
            figures["steps"] = [with_answers(step, totals, "_s0") for step in figures["steps"]]
            figures["sources"] = by_source(totals)
        return {**figures, "kind": kind_of(campaign)}

    def _subject_test(self, campaign: dict, step: int, totals: Counter) -> dict:
        """A step's subject test: each subject's funnel (sent, opened, clicked, replied, applied and the rates) and
        the winner once picked (its index; null while the test runs or without a winner rule)."""
        subjects = campaign["steps"][step].get("subjects") or []
        if not subjects:
            return {}
        winner = ((self.keys.get(f"subjectwinner#{campaign['id']}#{step}") or {}).get("data") or {}).get("variant")
        return {"subjects": [{"subject": subject, **funnel(totals, f"_s{step}_v{v}")}
                             for v, subject in enumerate(subjects)], "winner": winner}

    def funnels(self, campaign_ids: list[str]) -> dict[str, dict]:
        """Each campaign's funnel (sent, and the rates: open, click, reply...): a list of campaigns shows them (one
        read each)."""
        return {campaign_id: funnel(self.stats.totals(f"campaign#{campaign_id}")) for campaign_id in campaign_ids}

    # ------------------------------------------------------------ pools

    def pool(self, pool_id: str, budget_seconds: float | None = None) -> dict:
        """A pool's figures. Its members' are counted to the end (the API), or for at most `budget_seconds` going
        on from the last request's count (the workspace's pool page: `complete` false while it polls)."""
        pool = self.pools.get(pool_id)
        if pool is None:
            raise NotFound(f"no pool {pool_id}")
        members = self.pool_figures.count(pool, budget_seconds)
        size, engaged, contacted = members["size"], members["engaged_90d"], members["contacted_90d"]
        stale = members["stale_profiles"]
        applications = [o for o in self.outcomes.all_of(OutcomeKind.APPLICATION) if pool_id in (o.get("pools") or [])]
        hires = [o for o in self.outcomes.all_of(OutcomeKind.HIRE) if pool_id in (o.get("pools") or [])]
        credited = self.stats.totals(f"pool#{pool_id}")
        history = (self.keys.get(f"poolsizes#{pool_id}") or {}).get("data") or {}
        return {
            "pool_id": pool_id, "name": pool["name"], "size": size,
            "size_history": [{"date": day, "size": int(value)} for day, value in sorted(history.items())],
            "engaged_90d": engaged, "engaged_90d_share": ratio(engaged, size),
            "contacted_90d": contacted, "radio_silence": size - contacted, "radio_silence_share": ratio(size - contacted, size),
            "stale_profiles": stale, "stale_share": ratio(stale, size),
            "applications": len(applications), "hires": len(hires),
            "credited_to_campaigns": {"applied": int(credited.get("applied", 0)), "hired": int(credited.get("hired", 0))},
            "complete": members["complete"], "as_of": members["as_of"],
        }

    def record_pool_sizes(self) -> int:
        """Daily: each pool's size, for `size_history`."""
        day = iso()[:10]
        pools = self.pools.all()
        for pool in pools:
            self.keys.set_entry(f"poolsizes#{pool['id']}", day, int(pool.get("size") or 0))
        return len(pools)

    # ------------------------------------------------------------ overview

    def overview(self, start: str | None, end: str | None) -> dict:
        start, end = period_bounds(start, end)
        hires = self.outcomes.between(OutcomeKind.HIRE, start, end)
        pool_hires = [h for h in hires if h.get("pools")]
        from_pool_candidates = {h["candidate_id"] for h in self.outcomes.all_of(OutcomeKind.HIRE) if h.get("pools")}
        filled = self.outcomes.between(OutcomeKind.JOB_FILLED, start, end)
        pool_jobs = {h.get("job_id") for h in self.outcomes.all_of(OutcomeKind.HIRE) if h.get("pools")}
        ttf_pool = [f["days_to_fill"] for f in filled if f.get("job_id") in pool_jobs and f.get("days_to_fill") is not None]
        ttf_other = [f["days_to_fill"] for f in filled if f.get("job_id") not in pool_jobs and f.get("days_to_fill") is not None]

        accepted = self.outcomes.between(OutcomeKind.OFFER_ACCEPTED, start, end)
        declined = self.outcomes.between(OutcomeKind.OFFER_DECLINED, start, end)

        def acceptance(from_pool: bool) -> float | None:
            yes = sum(1 for o in accepted if bool(o.get("pools")) == from_pool)
            no = sum(1 for o in declined if bool(o.get("pools")) == from_pool)
            return ratio(yes, yes + no)

        hires_by_source = Counter(h.get("source") or "unknown" for h in hires)
        return {
            "from": start, "to": end,
            "hires": len(hires), "hires_from_pools": len(pool_hires),
            "source_of_hire": {"talent_pools": len(pool_hires), "other": len(hires) - len(pool_hires),
                               "pool_share": ratio(len(pool_hires), len(hires)),
                               "by_source": dict(sorted(hires_by_source.items()))},
            "time_to_fill_days": {"pool_hires": median(ttf_pool), "other": median(ttf_other),
                                  "all": median(ttf_pool + ttf_other), "jobs_filled": len(filled)},
            **_cost_figures(self.costs(start, end), hires_by_source),
            "offer_acceptance": {"pool": acceptance(True), "other": acceptance(False),
                                 "accepted": len(accepted), "declined": len(declined)},
            "applications": len(self.outcomes.between(OutcomeKind.APPLICATION, start, end)),
            "campaigns_by_category": self._categories(start, end),
            "pool_candidates_hired_ever": len(from_pool_candidates),
        }

    def _categories(self, start: str, end: str) -> dict:
        totals: dict[str, Counter] = defaultdict(Counter)
        campaigns, cursor = [], None
        while True:
            page, cursor = self.campaigns.page(100, cursor)
            campaigns += page
            if not cursor:
                break
        for campaign in campaigns:
            if not campaign.get("started_at") or not start <= campaign["started_at"] <= end:
                continue
            totals[campaign["category"]]["campaigns"] += 1
            totals[campaign["category"]].update(self.stats.totals(f"campaign#{campaign['id']}"))
        result = {}
        for category, counts in sorted(totals.items()):
            figures = funnel(counts)
            result[category] = {"campaigns": counts["campaigns"], "sent": figures["sent"], "opened": figures["opened"],
                                "clicked": figures["clicked"], "replied": figures["replied"],
                                "applied": figures["applied"], "hired": figures["hired"], "rates": figures["rates"]}
        return result

    # ------------------------------------------------------------ costs and goals

    def cost_summary(self, start: str | None, end: str | None) -> dict:
        """A period's costs and the overview's cost per hire (the workspace's costs), without the rest of it."""
        start, end = period_bounds(start, end)
        hires = self.outcomes.between(OutcomeKind.HIRE, start, end)
        costs = self.costs(start, end)
        return {"from": start, "to": end, "costs": sorted(costs, key=lambda c: (c["from"], c["id"]), reverse=True),
                **_cost_figures(costs, Counter(h.get("source") or "unknown" for h in hires))}

    def add_cost(self, body: object) -> dict:
        cost = {"id": new_id("cost"), **validate_cost(body, utcnow())}
        self.keys.put(f"cost#{cost['id']}", ref=cost["id"], created_at=iso(), data=cost)
        return cost

    def costs_in(self, start: str | None, end: str | None) -> list[dict]:
        """GET /costs: the costs of a period (default the last 90 days)."""
        return self.costs(*period_bounds(start, end))

    def costs(self, start: str, end: str) -> list[dict]:
        """Costs whose period overlaps [start, end], counted whole."""
        return [item["data"] for item in self.keys.with_prefix("cost#")
                if item["data"].get("from", "") <= end and item["data"].get("to", "") >= start]

    def add_goal(self, body: object) -> dict:
        fields = validate_goal(body, utcnow())
        direction, cumulative, _ = GOAL_METRICS[fields["metric"]]
        goal = {"id": new_id("goal"), **fields, "direction": direction, "cumulative": cumulative, "created_at": iso()}
        self.keys.put(f"goal#{goal['id']}", ref=goal["id"], created_at=goal["created_at"], data=goal)
        return self._with_progress(goal)

    def goals(self) -> list[dict]:
        goals = sorted((item["data"] for item in self.keys.with_prefix("goal#")), key=lambda g: g["created_at"])
        return [self._with_progress(goal) for goal in goals]

    def goal_value(self, goal: dict) -> float | None:
        start, end = goal["period"]["from"], min(goal["period"]["to"], iso())
        metric = goal["metric"]
        if metric in (GoalMetric.POOL_HIRE_SHARE, GoalMetric.HIRES_FROM_POOLS):
            hires = self.outcomes.between(OutcomeKind.HIRE, start, end)
            from_pools = sum(1 for h in hires if h.get("pools"))
            return float(from_pools) if metric == GoalMetric.HIRES_FROM_POOLS else ratio(from_pools, len(hires))
        if metric == GoalMetric.TIME_TO_FILL_DAYS:
            filled = self.outcomes.between(OutcomeKind.JOB_FILLED, start, end)
            department = goal.get("filters", {}).get("department")
            if department:
                filled = [f for f in filled if ((self.jobs.get(f["job_id"]) or {}).get("department") or "").lower()
                          == department.lower()]
            return median([f["days_to_fill"] for f in filled if f.get("days_to_fill") is not None])
        if metric == GoalMetric.OFFER_ACCEPTANCE_RATE:
            yes = len(self.outcomes.between(OutcomeKind.OFFER_ACCEPTED, start, end))
            no = len(self.outcomes.between(OutcomeKind.OFFER_DECLINED, start, end))
            return ratio(yes, yes + no)
        if metric == GoalMetric.COST_PER_HIRE:
            hires = len(self.outcomes.between(OutcomeKind.HIRE, start, end))
            spend = sum(c["amount"] for c in in_currency(self.costs(start, end), goal_currency(goal) or ""))
            return round(spend / hires, 2) if hires else None
        if metric == GoalMetric.CAMPAIGN_APPLICATIONS:
            applications = self.outcomes.between(OutcomeKind.APPLICATION, start, end)
            return float(sum(1 for a in applications if a.get("campaign_id")))
        return None

    def _with_progress(self, goal: dict) -> dict:
        money = {"currency": currency} if (currency := goal_currency(goal)) else {}
        return {**goal, **money, "progress": goal_progress(goal, self.goal_value(goal), utcnow())}


def _cost_figures(costs: list[dict], hires_by_source: Counter) -> dict:
    """Cost per hire by source and in all, in one currency (the one most costs are in); what was spent in others
    is totalled apart, never converted."""
    currency = reporting_currency(costs)
    spend: Counter = Counter()
    for cost in in_currency(costs, currency):
        spend[cost["source"]] += cost["amount"]
    hires = sum(hires_by_source.values())
    by_source = {source: {"cost": round(spend[source], 2), "hires": hires_by_source.get(source, 0),
                          "cost_per_hire": round(spend[source] / hires_by_source[source], 2)
                          if hires_by_source.get(source) else None, "currency": currency}
                 for source in sorted(set(spend) | set(hires_by_source))}
    total = sum(spend.values())
    return {"cost_per_hire": {**by_source, "all": {"cost": round(total, 2), "hires": hires,
                                                   "cost_per_hire": round(total / hires, 2) if hires else None,
                                                   "currency": currency}},
            "currency": currency, "costs_in_other_currencies": _other_currencies(costs, currency)}


def _other_currencies(costs: list[dict], currency: str) -> dict[str, float]:
    """What was spent in currencies other than the overview's, by currency: left out of its sums, not lost."""
    totals: Counter = Counter()
    for cost in costs:
        if cost_currency(cost) != currency:
            totals[cost_currency(cost)] += cost["amount"]
    return {code: round(amount, 2) for code, amount in sorted(totals.items())}
