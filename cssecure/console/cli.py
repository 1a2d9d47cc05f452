"""``cssecure agents ...`` (console accounts) and ``cssecure notify deliver``.

Passwords are read from a prompt without echo, or from standard input with
``--password-stdin`` (for scripts); never from the command line, where other users of
the machine could read them in the process list and the shell history would keep them.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
from typing import Any

from cssecure.settings import Settings


def register(subparsers: Any) -> None:
    """Add the ``agents`` and ``notify`` command groups."""
    agents = subparsers.add_parser("agents", help="agent console accounts")
    actions = agents.add_subparsers(dest="agents_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="create an agent account (asks for the password)")
    add.add_argument("name", help="agent name: 2-32 lowercase letters, digits, '.', '_', '-'")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add.set_defaults(handler=_add)
    passwd = actions.add_parser("passwd", help="set a new password (ends the agent's sessions)")
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true")
    passwd.set_defaults(handler=_passwd)
    disable = actions.add_parser("disable", help="stop an agent from signing in")
    disable.add_argument("name")
    disable.set_defaults(handler=_disable)
    enable = actions.add_parser("enable", help="let a disabled agent sign in again")
    enable.add_argument("name")
    enable.set_defaults(handler=_enable)
    listing = actions.add_parser("list", help="list agent accounts")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_list)

    notify = subparsers.add_parser("notify", help="support-team notifications")
    notify_actions = notify.add_subparsers(dest="notify_command", metavar="ACTION", required=True)
    deliver = notify_actions.add_parser("deliver", help="send due notifications to the webhook")
    deliver.add_argument("--once", action="store_true", help="one pass, then exit")
    deliver.set_defaults(handler=_deliver)


def _directory() -> Any:
    from cssecure.claims.db import create_engine
    from cssecure.console.accounts import AgentDirectory

    return AgentDirectory(create_engine(Settings.from_env().database_url))


def _read_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        print(
            "No terminal to ask for the password: use --password-stdin and pipe it in.",
            file=sys.stderr,
        )
        return None
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat the password: ") != first:
        print("The passwords differ; nothing was changed.", file=sys.stderr)
        return None
    return first


def _account_command(args: argparse.Namespace, action: Any, done: str) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from cssecure.console.accounts import AccountError

    try:
        action(_directory())
    except AccountError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(
            "The claims database cannot be used "
            f"({type(exc).__name__}); run `cssecure db upgrade` first.",
            file=sys.stderr,
        )
        return 1
    print(done)
    return 0


def _add(args: argparse.Namespace) -> int:
    password = _read_password(args)
    if password is None:
        return 2
    return _account_command(
        args,
        lambda d: d.add_agent(args.name, password),
        f"Agent {args.name.strip().lower()} added; they can sign in at /console/.",
    )


def _passwd(args: argparse.Namespace) -> int:
    password = _read_password(args)
    if password is None:
        return 2
    return _account_command(
        args, lambda d: d.set_password(args.name, password), "Password changed."
    )


def _disable(args: argparse.Namespace) -> int:
    return _account_command(args, lambda d: d.set_active(args.name, False), "Agent disabled.")


def _enable(args: argparse.Namespace) -> int:
    return _account_command(args, lambda d: d.set_active(args.name, True), "Agent enabled.")


def _list(args: argparse.Namespace) -> int:
    agents = _directory().list_agents()
    if args.json:
        print(json.dumps(agents, indent=2))
    else:
        for agent in agents:
            state = "active" if agent["active"] else "disabled"
            print(f"{agent['name']:<32} {state:<8} since {agent['created_at']}")
    return 0


def _deliver(args: argparse.Namespace) -> int:
    from cssecure.claims.db import create_engine
    from cssecure.notify.worker import POLL_INTERVAL, NotConfigured, build_worker

    settings = Settings.from_env()
    try:
        worker = build_worker(settings, create_engine(settings.database_url))
    except NotConfigured as exc:
        print(str(exc), file=sys.stderr)
        return 2
    while True:
        report = worker.deliver_due()
        print(
            f"delivered {report.delivered}, failed {report.failed}, pending {report.pending}",
            flush=True,
        )
        if args.once:
            return 0 if report.failed == 0 else 1
        time.sleep(POLL_INTERVAL.total_seconds())
