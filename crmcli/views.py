"""What read commands print: tables for people, pools, campaigns, templates, analytics and goals.

Each view takes the API's JSON; `--json` skips these and prints that JSON as it came.
"""
from __future__ import annotations

import json

from chalicelib.domain.currencies import format_money

from .tables import cell, flatten, key_values, pct, render, when

COUNTS = ("sent", "delivered", "bounced", "complained", "opened", "clicked", "replied", "auto_replied",
          "unsubscribed", "applied", "hired", "skipped", "deferred")
RATES = (("open", "open"), ("click", "click"), ("reply", "reply"), ("click_to_open", "click to open"),
         ("bounce", "bounce"), ("unsubscribe", "unsubscribe"), ("application", "application"))


def _name(person: dict) -> str:
    return " ".join(p for p in (person.get("first_name"), person.get("last_name")) if p) or "-"


def people(items: list[dict], joined: bool = False) -> str:
    headers = ["id", "email", "name", "status", "stage"] + (["joined"] if joined else [])
    rows = [[p.get("id"), p.get("email"), _name(p), p.get("status"), p.get("stage")]
            + ([when(p.get("joined_at"))] if joined else []) for p in items]
    return render(headers, rows)


def pools(items: list[dict]) -> str:
    return render(["id", "name", "kind", "status", "size", "updated"],
                  [[p.get("id"), p.get("name"), p.get("kind"), p.get("status"), p.get("size"),
                    when(p.get("updated_at"))] for p in items])


def pool(data: dict) -> str:
    fields = [(k, when(data.get(k)) if k.endswith("_at") else data.get(k))
              for k in ("id", "name", "kind", "description", "status", "size", "generation", "builtin",
                        "created_at", "updated_at", "rebuilt_at") if k in data]
    text = key_values(fields)
    if data.get("rules") is not None:
        text += "\nrules\n" + "\n".join("  " + line for line in json.dumps(data["rules"], indent=2).splitlines())
    return text


def campaigns(items: list[dict]) -> str:
    def progress(c: dict) -> str:
        figures = c.get("progress") or {}
        return f"{figures.get('processed', 0):,}/{figures.get('enqueued', 0):,}"

    return render(["id", "name", "status", "channel", "category", "steps", "send_at", "processed"],
                  [[c.get("id"), c.get("name"), c.get("status"), c.get("channel"), c.get("category"),
                    len(c.get("steps") or []), when(c.get("send_at")), progress(c)] for c in items],
                  right={5, 7})


def campaign(data: dict) -> str:
    pairs = [(k, when(data.get(k)) if k.endswith("_at") else data.get(k))
             for k in ("id", "name", "status", "channel", "category", "enrollment", "send_at", "created_at",
                       "started_at", "finished_at", "job_id")]
    audience = data.get("audience") or {}
    pairs += [("audience", audience.get("pools")), ("excluded", audience.get("exclude_pools")),
              ("exit on", data.get("exit_on")), ("progress", "{processed} processed of {enqueued} enqueued".format(
                  **{"processed": 0, "enqueued": 0, **(data.get("progress") or {})}))]
    steps = render(["step", "template", "delay", "condition"],
                   [[i, s.get("template_id"), s.get("delay"), s.get("condition")]
                    for i, s in enumerate(data.get("steps") or [])])
    return key_values(pairs) + "\n\n" + steps


def templates(items: list[dict]) -> str:
    return render(["id", "name", "category", "subject", "updated"],
                  [[t.get("id"), t.get("name"), t.get("category"), t.get("subject"), when(t.get("updated_at"))]
                   for t in items])


def campaign_stats(data: dict) -> str:
    steps = data.get("steps") or []
    headers = ["", "total"] + [f"step {s.get('step', i)}" for i, s in enumerate(steps)]
    counts = [["audience", data.get("audience")] + ["-"] * len(steps)]
    counts += [[name, data.get(name, 0)] + [s.get(name, 0) for s in steps] for name in COUNTS]
    counts += [["opens (all)", data.get("opens", 0)] + [s.get("opens", 0) for s in steps],
               ["clicks (all)", data.get("clicks", 0)] + [s.get("clicks", 0) for s in steps],
               ["machine opens", (data.get("machine") or {}).get("opens", 0)]
               + [(s.get("machine") or {}).get("opens", 0) for s in steps],
               ["machine clicks", (data.get("machine") or {}).get("clicks", 0)]
               + [(s.get("machine") or {}).get("clicks", 0) for s in steps]]
    rates = [[label + " rate", pct((data.get("rates") or {}).get(key))]
             + [pct((s.get("rates") or {}).get(key)) for s in steps] for key, label in RATES]
    right = set(range(1, len(headers)))
    label = max(len(row[0]) for row in counts + rates)
    for row in counts + rates:
        row[0] = row[0].ljust(label)  # both tables line up
    title = (f"{data.get('campaign_id', '')}  {data.get('name', '')}  ({data.get('category', '-')}, "
             f"{data.get('status', '-')})")
    return (title + "\n\n" + render(headers, counts, right=right) + "\n\n"
            + render(["rates"] + headers[1:], rates, right=right))


def pool_stats(data: dict) -> str:
    def share(count: str, ratio: str) -> str:
        return f"{cell(data.get(count))}  ({pct(data.get(ratio))})"

    credited = data.get("credited_to_campaigns") or {}
    text = f"{data.get('pool_id', '')}  {data.get('name', '')}\n\n" + key_values([
        ("size", data.get("size")),
        ("engaged in 90 days", share("engaged_90d", "engaged_90d_share")),
        ("contacted in 90 days", data.get("contacted_90d")),
        ("not contacted in 90 days", share("radio_silence", "radio_silence_share")),
        ("profiles stale (12 months)", share("stale_profiles", "stale_share")),
        ("applications", data.get("applications")),
        ("hires", data.get("hires")),
        ("credited to campaigns",
         f"applied {cell(credited.get('applied', 0))}, hired {cell(credited.get('hired', 0))}"),
    ])
    history = (data.get("size_history") or [])[-14:]
    if history:
        text += "\n\nsize history\n" + render(["date", "size"], [[h.get("date"), h.get("size")] for h in history])
    return text


def overview(data: dict) -> str:
    source = data.get("source_of_hire") or {}
    ttf = data.get("time_to_fill_days") or {}
    offers = data.get("offer_acceptance") or {}
    parts = [f"{when(data.get('from'))} to {when(data.get('to'))} (UTC)", key_values([
        ("hires", data.get("hires")),
        ("from talent pools", f"{cell(data.get('hires_from_pools'))}  ({pct(source.get('pool_share'))})"),
        ("applications", data.get("applications")),
        ("time to fill, median days", f"pool hires {cell(ttf.get('pool_hires'))}, other {cell(ttf.get('other'))}, "
                                      f"all {cell(ttf.get('all'))} ({cell(ttf.get('jobs_filled'))} jobs filled)"),
        ("offer acceptance", f"pool {pct(offers.get('pool'))}, other {pct(offers.get('other'))} "
                             f"({cell(offers.get('accepted'))} accepted, {cell(offers.get('declined'))} declined)"),
    ])]
    by_source = source.get("by_source") or {}
    if by_source:
        parts.append("hires by source\n" + render(["source", "hires"], sorted(by_source.items())))
    costs = data.get("cost_per_hire") or {}
    if costs:
        parts.append("cost per hire\n" + render(
            ["source", "cost", "hires", "cost per hire"],
            [[name, _money(c.get("cost"), c.get("currency")), c.get("hires"),
              _money(c.get("cost_per_hire"), c.get("currency"))] for name, c in costs.items()],
            right={1, 2, 3}))
    categories = data.get("campaigns_by_category") or {}
    if categories:
        parts.append("campaigns by category\n" + render(
            ["category", "campaigns", "sent", "opened", "clicked", "replied", "applied", "hired", "open rate",
             "click rate", "reply rate"],
            [[name, c.get("campaigns"), c.get("sent"), c.get("opened"), c.get("clicked"), c.get("replied"),
              c.get("applied"), c.get("hired")] + [pct((c.get("rates") or {}).get(k)) for k in ("open", "click", "reply")]
             for name, c in categories.items()], right=set(range(1, 11))))
    return "\n\n".join(parts)


def _money(amount, currency: str | None) -> str:
    """An amount with its currency code, as the API's overview and the workspace write it ("1,500.00 EUR")."""
    return "-" if amount is None else format_money(amount, currency)


def goals(items: list[dict]) -> str:
    def value(number, goal: dict) -> str:
        metric = goal.get("metric") or ""
        if number is None:
            return "-"
        if metric == "cost_per_hire":
            return _money(number, goal.get("currency"))
        return pct(number) if metric.endswith(("_share", "_rate")) else cell(number)

    rows = []
    for g in items:
        progress = g.get("progress") or {}
        target = ("≤ " if g.get("direction") == "down" else "≥ ") + value(g.get("target"), g)
        rows.append([g.get("name"), g.get("metric") or "", target,
                     value(progress.get("value"), g), pct(progress.get("progress")), progress.get("status"),
                     when((g.get("period") or {}).get("to"))[:10]])
    return render(["goal", "metric", "target", "now", "progress", "status", "deadline"], rows, right={3, 4})


def generic(data) -> str:
    """Anything else (or a shape a view did not expect): dotted keys and values."""
    if isinstance(data, dict):
        return key_values(flatten(data))
    return cell(data)
