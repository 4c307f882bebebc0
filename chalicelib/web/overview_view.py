"""The workspace's overview as people read it: GET /analytics/overview's figures in words, and its charts.

Pure: the analytics service's answer in, the page's values out (figures with their units and currency, charts as
SVG with the same numbers as tables). What the first dashboard's overview showed (chalicelib/web/dashboard/app.js,
`renderOverview`), figure for figure.
"""
from __future__ import annotations

from datetime import date

from ..domain.currencies import format_money
from .charts import Bar, Group, Step, bar_chart, funnel_chart

RATES = (("Open rate", "open", "blue"), ("Click rate", "click", "amber"), ("Reply rate", "reply", "teal"),
         ("Application rate", "application", "green"))


# ---------------------------------------------------------------- figures in words

def number(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate * 100:.1f}%"


def days(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,g} days"


def plural(count: int, word: str) -> str:
    return f"{number(count)} {word}{'' if count == 1 else 's'}"


def humanize(name: str) -> str:
    """`event_invite` as "Event invite"."""
    words = " ".join(str(name or "").replace("_", " ").replace(".", " ").split())
    return words[:1].upper() + words[1:]


def day(text: str) -> str:
    """An ISO time's day as "1 Jan 2026"."""
    try:
        moment = date.fromisoformat(text[:10])
    except ValueError:
        return text
    return f"{moment.day} {moment:%b %Y}"


# ---------------------------------------------------------------- the page's values

def stats(data: dict) -> list[dict]:
    """The hiring figures: (label, value, note, testid) as the first dashboard showed them."""
    costs = data["cost_per_hire"]["all"]
    ttf = data["time_to_fill_days"]
    offers = data["offer_acceptance"]
    return [
        _stat("Applications", number(data["applications"]), "applications"),
        _stat("Hires", number(data["hires"]), "hires"),
        _stat("Hires from talent pools", number(data["hires_from_pools"]), "hires-from-pools"),
        _stat("Pool share of hires", percent(data["source_of_hire"]["pool_share"]), "pool-share"),
        _stat("Median time to fill", days(ttf["all"]), "time-to-fill", plural(ttf["jobs_filled"], "job") + " filled"),
        _stat("Offer acceptance, pool", percent(offers["pool"]), "offer-acceptance-pool"),
        _stat("Offer acceptance, other", percent(offers["other"]), "offer-acceptance-other"),
        _stat("Cost per hire", format_money(costs["cost_per_hire"], costs.get("currency")), "cost-per-hire",
              format_money(costs["cost"], costs.get("currency")) + " spent"),
        _stat("Pool people ever hired", number(data["pool_candidates_hired_ever"]), "pool-hired-ever", "all time"),
    ]


def _stat(label: str, value: str, testid: str, note: str | None = None) -> dict:
    return {"label": label, "value": value, "testid": "overview-" + testid, "note": note}


def charts(data: dict) -> dict[str, dict]:
    """Each chart: its SVG, caption and the numbers as a table (headers, rows whose first cell heads the row)."""
    return {"funnel": hiring_funnel(data), "source": source_of_hire(data), "time_to_fill": time_to_fill(data),
            "offers": offer_acceptance(data), "categories": campaigns_by_category(data)}


def hiring_funnel(data: dict) -> dict:
    offers = data["offer_acceptance"]
    counts = (("Applications", data["applications"], "blue"),
              ("Offers decided", offers["accepted"] + offers["declined"], "teal"),
              ("Offers accepted", offers["accepted"], "purple"), ("Hires", data["hires"], "green"))
    steps, rows = [], []
    for index, (label, value, tone) in enumerate(counts):
        # conversion from the nearest earlier step that has people: a step with nobody divides nothing
        base = next((earlier for earlier in reversed(counts[:index]) if earlier[1]), None)
        share = f"{percent(value / base[1])} of {base[0].lower()}" if base else ""
        steps.append(Step(label, value, f"{label}: {number(value)}" + (f" · {share}" if share else ""), tone))
        rows.append([label, number(value), share or "n/a"])
    return {"id": "chart-hiring-funnel", "title": "Hiring funnel",
            "caption": "Applications to hires in the period: " + ", ".join(
                f"{label.lower()} {number(value)}" for label, value, _ in counts) + ".",
            "svg": funnel_chart("chart-hiring-funnel-svg", "Hiring funnel: applications to hires", steps),
            "headers": ["Step", "People", "Conversion"], "rows": rows}


def source_of_hire(data: dict) -> dict:
    source = data["source_of_hire"]
    groups = [Group("Talent pools", (Bar("Hires", source["talent_pools"], number(source["talent_pools"]), "teal"),)),
              Group("Other", (Bar("Hires", source["other"], number(source["other"]), "slate"),))]
    return {"id": "chart-source-of-hire", "title": "Source of hire",
            "caption": "Hires from talent pools and from elsewhere.",
            "svg": bar_chart("chart-source-of-hire-svg", "Source of hire", groups),
            "headers": ["Source", "Hires"], "rows": [[group.label, group.bars[0].text] for group in groups],
            "by_source": [[humanize(name), number(count)] for name, count in source["by_source"].items()]}


def time_to_fill(data: dict) -> dict:
    ttf = data["time_to_fill_days"]
    figures = (("Pool hires", ttf["pool_hires"], "teal"), ("Other hires", ttf["other"], "slate"),
               ("All", ttf["all"], "blue"))
    groups = [Group(label, (Bar("Median days", value, days(value), tone),)) for label, value, tone in figures]
    return {"id": "chart-time-to-fill", "title": "Time to fill",
            "caption": f"Median days from job opened to filled ({plural(ttf['jobs_filled'], 'job')} filled).",
            "svg": bar_chart("chart-time-to-fill-svg", "Median time to fill in days", groups),
            "headers": ["Hires", "Median time to fill"], "rows": [[label, days(value)] for label, value, _ in figures]}


def offer_acceptance(data: dict) -> dict:
    offers = data["offer_acceptance"]
    figures = (("Talent pool candidates", offers["pool"], "teal"), ("Other candidates", offers["other"], "slate"))
    groups = [Group(label, (Bar("Acceptance", value, percent(value), tone),)) for label, value, tone in figures]
    return {"id": "chart-offer-acceptance", "title": "Offer acceptance",
            "caption": f"Accepted offers among decided offers: {number(offers['accepted'])} accepted, "
                       f"{number(offers['declined'])} declined.",
            "svg": bar_chart("chart-offer-acceptance-svg", "Offer acceptance rate", groups, scale=1),
            "headers": ["Candidates", "Acceptance"], "rows": [[label, percent(value)] for label, value, _ in figures]}


def campaigns_by_category(data: dict) -> dict:
    categories = data["campaigns_by_category"]
    groups = [Group(humanize(name), tuple(Bar(label, row["rates"].get(key), percent(row["rates"].get(key)), tone)
                                          for label, key, tone in RATES))
              for name, row in categories.items()]
    rows = [[humanize(name), number(row["campaigns"]), number(row["sent"]), number(row["opened"]),
             number(row["clicked"]), number(row["replied"]), number(row["applied"]), number(row["hired"]),
             *(percent(row["rates"].get(key)) for _, key, _ in RATES)] for name, row in categories.items()]
    return {"id": "chart-categories", "title": "Campaigns by category",
            "caption": "Open, click, reply and application rates of campaigns started in the period, by category.",
            "svg": bar_chart("chart-categories-svg", "Campaign rates by category", groups, scale=1) if groups else None,
            "headers": ["Category", "Campaigns", "Sent", "Opened", "Clicked", "Replied", "Applied", "Hired",
                        *(label for label, _, _ in RATES)], "rows": rows}


def cost_rows(data: dict) -> list[list[str]]:
    """Cost per hire by source, then all sources, each amount with its currency."""
    costs = data["cost_per_hire"]
    names = [name for name in costs if name != "all"]
    return [[("All sources" if name == "all" else humanize(name)),
             format_money(costs[name]["cost"], costs[name].get("currency")), number(costs[name]["hires"]),
             format_money(costs[name]["cost_per_hire"], costs[name].get("currency"))]
            for name in [*names, "all"]] if names else []


def other_currencies(data: dict) -> str:
    """What was spent in other currencies (never converted, so not in the cost per hire), in words."""
    return ", ".join(format_money(amount, code) for code, amount in (data.get("costs_in_other_currencies") or
                                                                     {}).items())
