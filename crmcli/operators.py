"""Operator commands: API keys (each belongs to a team member and acts with that member's role), the first
admin, and dead-letter queues.

    python -m crmcli.operators apikey create --name "Jane's scripts" --user jane@example.com
    python -m crmcli.operators apikey list
    python -m crmcli.operators apikey revoke key_...
    python -m crmcli.operators admin   (the first admin, CRM_ADMIN_EMAIL: made and invited if absent)
    python -m crmcli.operators dlq status
    python -m crmcli.operators dlq redrive --queue send

Locally (CRM_STAGE unset or `local`) it talks to the running `make run` stack's emulator (the data folder:
CRM_DATA_DIR, else the one the last stack started recorded, crmlocal/stack_record.py, else .local); for a
deployed stage set CRM_STAGE (and AWS credentials/region) and it writes to that stage's table.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _environment() -> None:
    if os.environ.get("CRM_STAGE", "local") == "local":
        from crmlocal.stack import prepare_environment
        from crmlocal.stack_record import recorded_stack

        # CRM_DATA_DIR unset: the last stack started (from any folder), unless CRM_AWS_PORT names another
        record = None if os.environ.get("CRM_DATA_DIR") else recorded_stack()
        if record is not None and os.environ.get("CRM_AWS_PORT", str(record.aws_port)) == str(record.aws_port):
            os.environ.update(CRM_DATA_DIR=str(record.data_dir), CRM_AWS_PORT=str(record.aws_port))
        prepare_environment(Path.cwd())


def _reachable() -> bool:
    import socket

    from chalicelib.settings import get_settings

    settings = get_settings()
    if not settings.is_local:
        return True
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", settings.aws_port)) == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="crm", description="Talent CRM operator commands")
    groups = parser.add_subparsers(dest="group", required=True)
    keys = groups.add_parser("apikey", help="recruiter API keys").add_subparsers(dest="action", required=True)
    create = keys.add_parser("create", help="make a new key; it is shown once")
    create.add_argument("--name", required=True, help="who or what uses the key")
    create.add_argument("--user", help="the team member (email) the key acts as; default: the first admin, "
                                       "CRM_ADMIN_EMAIL")
    keys.add_parser("list", help="keys by id and name (never the key)")
    revoke = keys.add_parser("revoke", help="stop a key from working")
    revoke.add_argument("key_id")
    groups.add_parser("admin", help="make the first admin (CRM_ADMIN_EMAIL) if absent; an invitation goes out")
    dlq = groups.add_parser("dlq", help="dead-letter queues").add_subparsers(dest="action", required=True)
    dlq.add_parser("status", help="messages waiting in each queue and its dead-letter queue")
    redrive = dlq.add_parser("redrive", help="move dead letters back onto their queue")
    redrive.add_argument("--queue", choices=("send", "jobs"), default="send")
    args = parser.parse_args(argv)

    _environment()
    if not _reachable():
        print("The local stack is not running: start it with `make run` in another terminal.", file=sys.stderr)
        return 2
    from chalicelib import wiring

    if args.group == "dlq":
        return _dlq(args)
    if args.group == "admin":
        return _admin()
    service = wiring.api_keys()
    if args.action == "create":
        from chalicelib.settings import get_settings

        email = (args.user or get_settings().admin_email).strip().lower()
        owner = wiring.user_repo().by_email(email)
        if owner is None:
            print(f"no team member {email}: an admin adds them first (POST /users)", file=sys.stderr)
            return 1
        created = service.create(args.name.strip() or "recruiter", user_id=owner["id"])
        print(f"id:   {created['id']}\nname: {created['name']}\nkey:  {created['key']}\n"
              f"acts as: {owner['email']} ({owner['role']})\nKeep the key now: only its hash is stored.")
    elif args.action == "list":
        owners = {user["id"]: user["email"] for user in wiring.user_repo().all()}
        for key in service.list():
            owner = owners.get(key["user_id"] or "", "the first admin" if not key["user_id"] else "deleted member")
            print(f"{key['id']}  {key['hint']}  {key['created_at']}  {key['name']}  ({owner})")
    elif args.action == "revoke":
        if not service.revoke(args.key_id):
            print(f"no key {args.key_id}", file=sys.stderr)
            return 1
        print(f"revoked {args.key_id}")
    return 0


def _admin() -> int:
    from chalicelib import wiring
    from chalicelib.settings import get_settings

    settings = get_settings()
    password = settings.admin_password if settings.is_local else None  # a deployed admin gets an invitation
    admin, made = wiring.users().ensure_admin(settings.admin_email, password)
    print(f"{'made' if made else 'already there'}: {admin['email']} ({admin['id']}, {admin['role']})"
          + ("; an invitation with a temporary password went to that address" if made and not password else ""))
    return 0


def _dlq(args) -> int:
    from chalicelib.aws.queue import depth, redrive
    from chalicelib.settings import get_settings

    settings = get_settings()
    names = {"send": settings.send_queue_name, "jobs": settings.jobs_queue_name}
    if args.action == "status":
        for short, name in names.items():
            print(f"{short:5} queue {depth(name):6}   dead letters {depth(name + '-dlq'):6}")
        return 0
    name = names[args.queue]
    result = redrive(name)
    print(f"moved {result.moved} message(s) from {name}-dlq back to {name}")
    if result.failed:
        print(f"{result.failed} message(s) could not be re-sent ({', '.join(result.errors)}); they stay in {name}-dlq: "
              "run the redrive again", file=sys.stderr)
    if result.not_deleted:
        print(f"{result.not_deleted} message(s) were re-sent but are still in {name}-dlq; a later redrive re-sends "
              "them (harmless: sends are claimed)", file=sys.stderr)
    return 1 if result.failed or result.not_deleted else 0


if __name__ == "__main__":
    sys.exit(main())
