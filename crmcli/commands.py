"""`crm`: the command line for recruiters and operators, over the HTTP API.

Exit codes: 0 done, 1 the API answered with an error, 2 usage, files or connection, 130 interrupted.
`crm apikey ...` and `crm dlq ...` are crmcli.operators's operator commands (AWS directly, no HTTP);
`crm doctor` is crmcli.doctor's (the sending domain's DNS and SES account, for a stage).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from . import views
from .client import ApiError, Client, CliError, HttpTransport, Transport, resolve_api_key, resolve_endpoint

DELEGATED = ("apikey", "admin", "dlq")
EXAMPLES = """examples:
  crm import people.csv --errors errors.csv        (again with --resume after an interruption)
  crm pools create --name "Python people" --rules '{"field": "skills", "op": "contains_any", "value": ["python"]}'
  crm pools create --name "Shortlist" --static          crm pools create --name "London" --rules rules.json
  crm campaigns create campaign.json && crm campaigns schedule camp_...
  crm stats campaign camp_...          crm candidates search --skill python --json

endpoint: --endpoint or CRM_ENDPOINT (default http://127.0.0.1:8000, the local stack);
API key: --api-key or CRM_API_KEY; for the local stack, its secrets.json: in $CRM_DATA_DIR, else where
  the last `make run` or `make demo` recorded it (~/.config/talent-crm/local.json), else in .local here.
exit codes: 0 done, 1 API error, 2 usage or connection problem, 130 interrupted."""


class Context:
    def __init__(self, args: argparse.Namespace, transport: Transport | None):
        self.args = args
        self._transport = transport
        self._client: Client | None = None

    @property
    def client(self) -> Client:
        if self._client is None:
            endpoint = resolve_endpoint(self.args.endpoint)
            key = resolve_api_key(self.args.api_key, endpoint)
            transport = self._transport or HttpTransport(endpoint, timeout=self.args.timeout)
            self._client = Client(transport, key)
        return self._client

    def show(self, data: Any, view: Callable[[Any], str]) -> int:
        if self.args.json:
            print(json.dumps(data, indent=2, ensure_ascii=False))
            return 0
        try:
            text = view(data)
        except (KeyError, TypeError, AttributeError, ValueError):  # a shape this crm does not know yet
            text = views.generic(data)
        print(text)
        return 0

    def listing(self, path: str, view: Callable[[list], str], **query) -> int:
        args = self.args
        items, cursor = self.client.list(path, limit=500 if args.all else args.limit, cursor=args.cursor,
                                         follow=args.all, **query)
        if args.json:
            print(json.dumps({"items": items, "next_cursor": cursor}, indent=2, ensure_ascii=False))
            return 0
        print(view(items) if items else "(none)")
        if cursor:
            print(f"more: --cursor {cursor}  (or --all)", file=sys.stderr)
        return 0


def _id(value: str) -> str:
    """An id as one path segment, whatever was typed."""
    return quote(value.strip(), safe="")


def load_json(value: str, what: str) -> Any:
    """Inline JSON ('{...}'), '-' for stdin, or a file's path."""
    text, source = value, "the argument"
    if value == "-":
        text, source = sys.stdin.read(), "stdin"
    elif not value.lstrip().startswith(("{", "[")):
        try:
            text, source = Path(value).read_text(encoding="utf-8-sig"), value
        except OSError as error:
            raise CliError(f"cannot read {what} from {value}: {error.strerror or error}") from None
    try:
        return json.loads(text)
    except ValueError as error:
        raise CliError(f"{what} in {source} is not valid JSON: {error}") from None


# ------------------------------------------------------------------------------ commands

def cmd_import(ctx: Context, args) -> int:
    from .importer import Importer

    return Importer(ctx.client).run(Path(args.file), chunk_rows=args.chunk_rows,
                                    errors=Path(args.errors) if args.errors else None, resume=args.resume,
                                    retries=args.retries, as_json=args.json)


def cmd_pools_list(ctx: Context, args) -> int:
    return ctx.listing("/pools", views.pools)


def cmd_pools_create(ctx: Context, args) -> int:
    body: dict[str, Any] = {"name": args.name, "kind": "static" if args.static else "dynamic"}
    if args.rules is not None:
        body["rules"] = load_json(args.rules, "rules")
    if args.description:
        body["description"] = args.description
    pool = ctx.client.post("/pools", body)
    if args.json:
        return ctx.show(pool, views.generic)
    later = ", filling in the background" if pool.get("kind") == "dynamic" else ""
    print(f"created pool {pool.get('id')} \"{pool.get('name')}\" ({pool.get('kind')}{later})")
    return 0


def cmd_pools_show(ctx: Context, args) -> int:
    return ctx.show(ctx.client.get(f"/pools/{_id(args.id)}"), views.pool)


def cmd_pools_members(ctx: Context, args) -> int:
    return ctx.listing(f"/pools/{_id(args.id)}/members", lambda items: views.people(items, joined=True))


def cmd_campaigns_list(ctx: Context, args) -> int:
    return ctx.listing("/campaigns", views.campaigns)


def cmd_campaigns_show(ctx: Context, args) -> int:
    return ctx.show(ctx.client.get(f"/campaigns/{_id(args.id)}"), views.campaign)


def cmd_campaigns_create(ctx: Context, args) -> int:
    made = ctx.client.post("/campaigns", load_json(args.file, "the campaign"))
    if args.json:
        return ctx.show(made, views.generic)
    steps = len(made.get("steps") or [])
    print(f"created campaign {made.get('id')} \"{made.get('name')}\" ({made.get('status')}, {steps} step(s))\n"
          f"next: crm campaigns test {made.get('id')} --email you@example.com; "
          f"crm campaigns schedule {made.get('id')}")
    return 0


def cmd_campaigns_act(ctx: Context, args) -> int:
    made = ctx.client.post(f"/campaigns/{_id(args.id)}/{args.action}")
    if args.json:
        return ctx.show(made, views.generic)
    print(f"campaign {made.get('id')} is {made.get('status')}")
    return 0


def cmd_campaigns_test(ctx: Context, args) -> int:
    body: dict[str, Any] = {"email": args.email}
    if args.step is not None:
        body["step"] = args.step
    sent = ctx.client.post(f"/campaigns/{_id(args.id)}/test", body)
    if args.json:
        return ctx.show(sent, views.generic)
    print(f"sent a test of step {args.step or 0} to {sent.get('to')}: {sent.get('subject')}")
    return 0


def cmd_templates_list(ctx: Context, args) -> int:
    return ctx.listing("/templates", views.templates)


def cmd_templates_create(ctx: Context, args) -> int:
    body = load_json(args.file, "the template")
    for name in ("html", "text"):
        given = getattr(args, name)
        if given:
            try:
                body[name] = Path(given).read_text(encoding="utf-8-sig")
            except OSError as error:
                raise CliError(f"cannot read --{name} {given}: {error.strerror or error}") from None
    made = ctx.client.post("/templates", body)
    if args.json:
        return ctx.show(made, views.generic)
    print(f"created template {made.get('id')} \"{made.get('name')}\" ({made.get('category')})")
    return 0


def cmd_stats_campaign(ctx: Context, args) -> int:
    return ctx.show(ctx.client.get(f"/analytics/campaigns/{_id(args.id)}"), views.campaign_stats)


def cmd_stats_pool(ctx: Context, args) -> int:
    return ctx.show(ctx.client.get(f"/analytics/pools/{_id(args.id)}"), views.pool_stats)


def cmd_stats_overview(ctx: Context, args) -> int:
    return ctx.show(ctx.client.get("/analytics/overview", **{"from": args.start, "to": args.end}), views.overview)


def cmd_goals_list(ctx: Context, args) -> int:
    data = ctx.client.get("/goals")
    return ctx.show(data, lambda d: views.goals(d.get("items") or []) if d.get("items") else "(none)")


def cmd_candidates_search(ctx: Context, args) -> int:
    return ctx.listing("/candidates", views.people, q=args.q, skill=args.skill, pool=args.pool)


def cmd_delegated(ctx: Context, args) -> int:
    return delegate([args.group, *args.rest])


def delegate(argv: list[str]) -> int:
    from . import operators

    try:
        return operators.main(argv) or 0
    except SystemExit as done:  # argparse: --help (0) or a usage error (2)
        return done.code if isinstance(done.code, int) else 2


# ------------------------------------------------------------------------------ parser

def _common(default: bool) -> argparse.ArgumentParser:
    """Options accepted before or after the command (after it, they only count when given)."""
    none = None if default else argparse.SUPPRESS
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--endpoint", default=none, help="API base URL (CRM_ENDPOINT; default http://127.0.0.1:8000)")
    common.add_argument("--api-key", default=none, help="recruiter API key (CRM_API_KEY)")
    common.add_argument("--json", action="store_true", default=False if default else argparse.SUPPRESS,
                        help="print the API's JSON instead of a table")
    common.add_argument("--timeout", type=float, default=120.0 if default else argparse.SUPPRESS,
                        help="seconds to wait for each answer (default 120)")
    return common


def _positive(limit: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not 1 <= value <= limit:
            raise argparse.ArgumentTypeError(f"must be from 1 to {limit:,}")
        return value
    return parse


def build_parser() -> argparse.ArgumentParser:
    common = _common(default=False)
    parser = argparse.ArgumentParser(prog="crm", parents=[_common(default=True)], epilog=EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     description="Talent CRM from the command line: imports, pools, campaigns, stats.")
    groups = parser.add_subparsers(dest="group", required=True, metavar="COMMAND")

    def leaf(parent, name: str, handler, help_text: str, paged: bool = False) -> argparse.ArgumentParser:
        command = parent.add_parser(name, parents=[common], help=help_text, description=help_text)
        command.set_defaults(handler=handler)
        if paged:
            command.add_argument("--limit", type=_positive(500), default=50, help="items per page (default 50)")
            command.add_argument("--cursor", help="the page after this cursor")
            command.add_argument("--all", action="store_true", help="every page")
        return command

    def group(name: str, help_text: str):
        return groups.add_parser(name, help=help_text, description=help_text).add_subparsers(
            dest="action", required=True, metavar="ACTION")

    imp = leaf(groups, "import", cmd_import, "import people from a CSV file of any size, in chunks, resumably")
    imp.add_argument("file", help="a CSV file (UTF-8, with or without BOM; , ; or tab separated)")
    imp.add_argument("--chunk-rows", type=_positive(10_000), default=1000, help="rows per request (default 1000)")
    imp.add_argument("--errors", metavar="FILE", help="write rows that were not imported here (CSV: row, error, cells)")
    imp.add_argument("--resume", action="store_true", help="continue after the last chunk an interrupted run finished")
    imp.add_argument("--retries", type=int, default=3,
                     help="tries again per chunk on timeouts, 429 and 5xx (default 3)")

    pools = group("pools", "talent pools")
    leaf(pools, "list", cmd_pools_list, "pools with kind, status and size", paged=True)
    create = leaf(pools, "create", cmd_pools_create, "a static pool, or a dynamic one from rules")
    create.add_argument("--name", required=True)
    create.add_argument("--description")
    kind = create.add_mutually_exclusive_group(required=True)
    kind.add_argument("--static", action="store_true", help="members are added by hand")
    kind.add_argument("--rules", metavar="FILE.json|JSON", help="rules as a file, '-' for stdin, or inline JSON")
    leaf(pools, "show", cmd_pools_show, "one pool with its rules").add_argument("id")
    leaf(pools, "members", cmd_pools_members, "people in a pool", paged=True).add_argument("id")

    campaigns = group("campaigns", "campaigns: broadcasts and sequences")
    leaf(campaigns, "list", cmd_campaigns_list, "campaigns with status and progress", paged=True)
    leaf(campaigns, "show", cmd_campaigns_show, "one campaign with its steps").add_argument("id")
    leaf(campaigns, "create", cmd_campaigns_create, "a draft campaign from the contract's JSON body").add_argument(
        "file", metavar="FILE.json", help="the campaign as a file, '-' for stdin, or inline JSON")
    for action, text in (("schedule", "send at send_at (or now)"), ("pause", "hold sending"),
                         ("resume", "go on after a pause"), ("cancel", "stop for good")):
        command = leaf(campaigns, action, cmd_campaigns_act, text)
        command.add_argument("id")
        command.set_defaults(action=action)
    test = leaf(campaigns, "test", cmd_campaigns_test, "send one test copy (outside the statistics)")
    test.add_argument("id")
    test.add_argument("--email", required=True, help="where the test goes")
    test.add_argument("--step", type=int, help="which step (default 0)")

    templates = group("templates", "email templates")
    leaf(templates, "list", cmd_templates_list, "templates", paged=True)
    tcreate = leaf(templates, "create", cmd_templates_create,
                   "a template from JSON: name, category, subject, html, text?")
    tcreate.add_argument("file", metavar="FILE.json", help="the template as a file, '-' for stdin, or inline JSON")
    tcreate.add_argument("--html", metavar="FILE", help="take the HTML from this file")
    tcreate.add_argument("--text", metavar="FILE", help="take the text part from this file")

    stats = group("stats", "analytics")
    leaf(stats, "campaign", cmd_stats_campaign, "a campaign's funnel, in total and per step").add_argument("id")
    leaf(stats, "pool", cmd_stats_pool, "a pool's health").add_argument("id")
    overview = leaf(stats, "overview", cmd_stats_overview, "hires, time to fill, costs, offers, campaigns by category")
    overview.add_argument("--from", dest="start", metavar="DATE", help="ISO 8601 (default 90 days ago)")
    overview.add_argument("--to", dest="end", metavar="DATE", help="ISO 8601 (default now)")

    goals = group("goals", "hiring goals")
    leaf(goals, "list", cmd_goals_list, "goals with progress")

    candidates = group("candidates", "people")
    search = leaf(candidates, "search", cmd_candidates_search, "find people (table: id, email, name, status, stage)",
                  paged=True)
    search.add_argument("--q", help="text in the name or email")
    search.add_argument("--skill", help="a skill (aliases apply: k8s = kubernetes)")
    search.add_argument("--pool", help="only members of this pool")

    for name, text in (("apikey", "API keys: create --name N [--user EMAIL] | list | revoke ID (operators)"),
                       ("admin", "the first admin (CRM_ADMIN_EMAIL), made and invited if absent (operators)"),
                       ("dlq", "dead-letter queues: status | redrive --queue send|jobs (operators)"),
                       ("doctor", "the sending domain: DNS records, DMARC alignment, SES account, unsubscribe headers "
                                  "[--stage dev] [--received FILE.eml] (operators)")):
        command = groups.add_parser(name, help=text, add_help=False, description=text)
        command.add_argument("rest", nargs=argparse.REMAINDER)
        command.set_defaults(handler=cmd_delegated)
    return parser


def main(argv: list[str] | None = None, *, transport: Transport | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in DELEGATED:
        return delegate(argv)
    if argv and argv[0] == "doctor":
        from .doctor import main as doctor

        return doctor(argv[1:])
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else 2
    try:
        return args.handler(Context(args, transport), args) or 0
    except ApiError as error:
        print("crm: " + error.describe(), file=sys.stderr)
        return error.exit_code
    except CliError as error:
        print(f"crm: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("crm: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `crm ... | head`: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
