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
    add.add_argument(
        "--role", choices=("agent", "supervisor"), default="agent",
        help="supervisors also see the dashboard, canned replies and data requests",
    )
    add.set_defaults(handler=_add)
    role = actions.add_parser("role", help="give an agent another role (ends their sessions)")
    role.add_argument("name")
    role.add_argument("role", choices=("agent", "supervisor"))
    role.set_defaults(handler=_role)
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

    customers = subparsers.add_parser("customers", help="customers' data requests (GDPR)")
    customer_actions = customers.add_subparsers(
        dest="customers_command", metavar="ACTION", required=True
    )
    export = customer_actions.add_parser(
        "export", help="everything held about a customer as one ZIP archive"
    )
    export.add_argument("customer_id")
    export.add_argument("--out", required=True, help="the archive to write (not overwritten)")
    export.add_argument("--by", required=True, help="who asks (recorded in the manifest)")
    export.set_defaults(handler=_export)
    erase = customer_actions.add_parser(
        "erase",
        help="erase a customer's personal data (the claims' financial record is kept under "
        "a pseudonym)",
    )
    erase.add_argument("customer_id")
    erase.add_argument("--by", required=True, help="who erases (recorded in the desk's log)")
    erase.add_argument(
        "--confirm", metavar="CUSTOMER_ID",
        help="the customer id again (else it is asked for on the terminal)",
    )
    erase.set_defaults(handler=_erase)

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
        lambda d: d.add_agent(args.name, password, args.role),
        f"Agent {args.name.strip().lower()} added; they can sign in at /console/.",
    )


def _passwd(args: argparse.Namespace) -> int:
    password = _read_password(args)
    if password is None:
        return 2
    return _account_command(
        args, lambda d: d.set_password(args.name, password), "Password changed."
    )


def _role(args: argparse.Namespace) -> int:
    return _account_command(
        args, lambda d: d.set_role(args.name, args.role), f"{args.name} is now {args.role}."
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
            print(
                f"{agent['name']:<32} {agent['role']:<10} {state:<8} since {agent['created_at']}"
            )
    return 0


def _export(args: argparse.Namespace) -> int:
    """Exit 0: written; 1: nothing held about the customer; 2: the file exists."""
    from pathlib import Path

    from cssecure.claims.db import create_engine
    from cssecure.claims.evidence import EvidenceFileStore
    from cssecure.claims.unit_of_work import UnitOfWork
    from cssecure.console.data_requests import NoSuchCustomer, export_customer
    from cssecure.console.erasure import CustomerStores
    from cssecure.handoff.rasa_api import RasaConversations

    settings = Settings.from_env()
    out = Path(args.out)
    engine = create_engine(settings.database_url)
    conversations = RasaConversations(settings.rasa_url, settings.rasa_token)
    stores = CustomerStores.from_settings(settings)
    try:
        file = out.open("xb")  # never overwrites; created 0600 below (personal data)
    except FileExistsError:
        print(f"{out} exists; nothing was written.", file=sys.stderr)
        return 2
    try:
        with file:
            out.chmod(0o600)
            manifest = export_customer(
                target=file, engine=engine, uow_factory=lambda: UnitOfWork(engine),
                evidence=EvidenceFileStore(settings.evidence_dir),
                events=conversations.events, customer_id=args.customer_id,
                requested_by=args.by, tracker=stores.tracker, keys=stores.keys,
            )
    except NoSuchCustomer as exc:
        out.unlink()
        print(str(exc), file=sys.stderr)
        return 1
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    print(f"Written {out} ({out.stat().st_size} bytes, {len(manifest['claims'])} claims, "
          f"{len(manifest['not_included'])} parts not included).")
    return 0


def _erase(args: argparse.Namespace) -> int:
    """Exit 0: erased; 1: nothing (left) to erase; 2: not confirmed or a bad id; 3: a
    store failed (what was done stays done: run the command again)."""
    from sqlalchemy.exc import SQLAlchemyError

    from cssecure.claims.db import create_engine
    from cssecure.claims.evidence import EvidenceFileStore
    from cssecure.console.erasure import (
        CustomerStores,
        InvalidCustomerId,
        NothingToErase,
        check_customer_id,
        erase_customer,
    )

    try:
        customer_id = check_customer_id(args.customer_id)
    except InvalidCustomerId as exc:
        print(str(exc), file=sys.stderr)
        return 2
    confirm = args.confirm
    if confirm is None:
        if not sys.stdin.isatty():
            print("No terminal to confirm on: give --confirm CUSTOMER_ID.", file=sys.stderr)
            return 2
        confirm = input("This cannot be undone. Type the customer id again to confirm: ")
    if confirm.strip() != customer_id:
        print("The ids differ; nothing was erased.", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    stores = CustomerStores.from_settings(settings)
    try:
        report = erase_customer(
            engine=create_engine(settings.database_url),
            evidence=EvidenceFileStore(settings.evidence_dir),
            tracker=stores.tracker, keys=stores.keys, customer_id=customer_id,
            erased_by=args.by,
        )
    except NothingToErase as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except (SQLAlchemyError, OSError) as exc:
        print(
            f"The erase stopped ({type(exc).__name__}); what was erased stays erased: run "
            "the command again once the database and the tracker store can be reached.",
            file=sys.stderr,
        )
        return 3
    print(f"Erased; the claims' financial record is kept under {report.pseudonym}.")
    print(report.summary())
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
