"""Admin commands of the claims store: ``cssecure db``, ``cssecure parcels``, ``cssecure claims``.

An entry point: ``ClaimsError`` becomes a message on standard error (or
``{"error": ...}`` with ``--json``) and an exit status: 1 not found, 2 refused input,
3 database unavailable.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cssecure.claims.errors import (
    ClaimNotFound,
    ClaimsError,
    ClaimsUnavailable,
    InvalidParcelData,
    ParcelNotFound,
)
from cssecure.claims.model import STATUSES
from cssecure.settings import Settings

if TYPE_CHECKING:
    from cssecure.claims.app import ClaimsApp

EXIT_OK, EXIT_NOT_FOUND, EXIT_REFUSED, EXIT_UNAVAILABLE = 0, 1, 2, 3


def register(subparsers: Any) -> None:
    """Add the ``db``, ``parcels`` and ``claims`` sub-commands to the ``cssecure`` parser."""
    db = subparsers.add_parser("db", help="claims database schema")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_sub.add_parser("upgrade", help="apply the migrations to CSSECURE_DATABASE_URL")
    up.add_argument("--revision", default="head", help="target revision (default: head)")
    up.set_defaults(handler=_db_upgrade)

    parcels = subparsers.add_parser("parcels", help="the agency's parcel records")
    p_sub = parcels.add_subparsers(dest="parcels_command", metavar="ACTION", required=True)
    imp = p_sub.add_parser("import", help="import parcels from a JSON or CSV file (all or nothing)")
    imp.add_argument("file", type=Path)
    _json_flag(imp)
    imp.set_defaults(handler=_parcels_import)
    seed = p_sub.add_parser("seed-demo", help="load the demo parcels (idempotent)")
    _json_flag(seed)
    seed.set_defaults(handler=_parcels_seed_demo)
    show = p_sub.add_parser("show", help="show one parcel")
    show.add_argument("parcel_id")
    _json_flag(show)
    show.set_defaults(handler=_parcels_show)
    plist = p_sub.add_parser("list", help="list the parcels in the claims database")
    plist.add_argument("--customer", help="only this customer's parcels")
    _json_flag(plist)
    plist.set_defaults(handler=_parcels_list)

    claims = subparsers.add_parser("claims", help="claim tickets")
    c_sub = claims.add_subparsers(dest="claims_command", metavar="ACTION", required=True)
    clist = c_sub.add_parser("list", help="list claims (waiting for an agent first)")
    clist.add_argument("--status", choices=STATUSES)
    clist.add_argument("--needs-agent", action="store_true", help="only claims waiting for one")
    _json_flag(clist)
    clist.set_defaults(handler=_claims_list)
    cshow = c_sub.add_parser("show", help="facts, assessment, status, history and evidence")
    cshow.add_argument("reference")
    _json_flag(cshow)
    cshow.set_defaults(handler=_claims_show)
    decide = c_sub.add_parser("decide", help="approve or reject a claim")
    decide.add_argument("reference")
    verdict = decide.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--approve", action="store_true")
    verdict.add_argument("--reject", action="store_true")
    decide.add_argument("--payout", help="RMB, when different from the rules' payout")
    decide.add_argument("--form", choices=("refund", "voucher"), help="payout form")
    decide.add_argument("--note", required=True, help="the reason, kept in the history")
    decide.add_argument("--agent", default="admin-cli", help="who decides (default admin-cli)")
    _json_flag(decide)
    decide.set_defaults(handler=_claims_decide)
    status = c_sub.add_parser(
        "set-status", help="move a claim along the workflow (e.g. paid, awaiting_evidence)"
    )
    status.add_argument("reference")
    status.add_argument("status", choices=STATUSES)
    status.add_argument("--note", required=True)
    status.add_argument("--agent", default="admin-cli")
    _json_flag(status)
    status.set_defaults(handler=_claims_set_status)
    cfile = c_sub.add_parser(
        "file", help="file a claim for a parcel on a customer's behalf (facts as JSON)"
    )
    cfile.add_argument("parcel_id")
    cfile.add_argument("claim_type", choices=("damaged", "lost", "seized", "returned", "delayed"))
    cfile.add_argument(
        "--facts", default="{}", help="JSON object of the facts the customer gave ('-': stdin)"
    )
    cfile.add_argument("--conversation", default="admin-cli", help="conversation id")
    cfile.add_argument(
        "-q", "--quiet", action="store_true",
        help="print only the claim's reference (for scripts: ref=$(cssecure claims file ... -q))",
    )
    _json_flag(cfile)
    cfile.set_defaults(handler=_claims_file)


def _json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")


def _app() -> ClaimsApp:
    from cssecure.claims.app import ClaimsApp  # the app module pulls in SQLAlchemy

    return ClaimsApp.from_settings(Settings.from_env())


def _run(args: argparse.Namespace, action: Callable[[], tuple[Any, str]]) -> int:
    """Run ``action`` (returning the JSON value and the text), print, map errors."""
    try:
        value, text = action()
    except ClaimsError as exc:
        status = EXIT_REFUSED
        if isinstance(exc, (ClaimNotFound, ParcelNotFound)):
            status = EXIT_NOT_FOUND
        elif isinstance(exc, ClaimsUnavailable):
            status = EXIT_UNAVAILABLE
        if getattr(args, "json", False):
            error: dict[str, Any] = {"error": str(exc)}
            if isinstance(exc, InvalidParcelData):
                error["problems"] = [{"line": line, "message": m} for line, m in exc.problems]
            print(json.dumps(error, indent=2))
        elif isinstance(exc, InvalidParcelData):
            print(f"error: {len(exc.problems)} problem(s), nothing imported:", file=sys.stderr)
            for line, message in exc.problems:
                print(f"  line {line}: {message}" if line else f"  {message}", file=sys.stderr)
        else:
            print(f"error: {exc}", file=sys.stderr)
        return status
    print(json.dumps(value, indent=2, ensure_ascii=False) if args.json else text)
    return EXIT_OK


# ---------------------------------------------------------------------------- db


def _db_upgrade(args: argparse.Namespace) -> int:
    from cssecure.claims import db

    settings = Settings.from_env()
    try:
        db.upgrade(settings.database_url, args.revision)
        revision = db.current_revision(settings.database_url)
    except Exception as exc:  # noqa: BLE001 - any failure is reported, never a traceback
        # Only the exception's class and first line: a URL with a password never gets out.
        first = str(exc).splitlines()[0] if str(exc) else ""
        print(f"error: migration failed: {type(exc).__name__}: {first}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    print(f"claims database at revision {revision}")
    return EXIT_OK


# ----------------------------------------------------------------------- parcels


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {what}" for what, n in counts.items())


def _parcels_import(args: argparse.Namespace) -> int:
    from cssecure.claims.importer import read_parcel_file

    def action() -> tuple[Any, str]:
        parcels = read_parcel_file(args.file)
        counts = _app().import_parcels(parcels)
        return counts, f"imported {len(parcels)} parcel(s): {_counts_text(counts)}"

    return _run(args, action)


def _parcels_seed_demo(args: argparse.Namespace) -> int:
    from cssecure.claims.demo import demo_parcels

    def action() -> tuple[Any, str]:
        counts = _app().import_parcels(demo_parcels(date.today()))
        return counts, f"demo parcels: {_counts_text(counts)}"

    return _run(args, action)


def _parcels_show(args: argparse.Namespace) -> int:
    def action() -> tuple[Any, str]:
        parcel = _app().parcel(args.parcel_id)
        if parcel is None:
            raise ParcelNotFound(args.parcel_id)
        return parcel, "\n".join(f"{k:20} {_text(v)}" for k, v in parcel.items())

    return _run(args, action)


PARCEL_COLUMNS = (
    "PARCEL", "CUSTOMER", "ORDER", "LINE", "TO", "INSURED RMB", "SUBMITTED", "SHIPPED",
    "DELIVERED",
)
CLAIM_COLUMNS = ("REFERENCE", "STATUS", "AGENT", "PARCEL", "TYPE", "PAYOUT RMB", "FILED (UTC)")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Rows under a header line, columns aligned (values shown as in ``_text``).

    Args:
        headers: the column titles.
        rows: one sequence of values per row, as many as ``headers``.

    Returns:
        The table as plain text lines (no trailing newline); empty cells are ``-``.
    """
    from tabulate import tabulate  # noqa: PLC0415 - only the list commands need it

    cells = [[_text(value) for value in row] for row in rows]
    # disable_numparse: "1100.00" stays "1100.00", parcel numbers stay text.
    return str(tabulate(cells, headers=list(headers), tablefmt="simple", disable_numparse=True))


def _parcels_list(args: argparse.Namespace) -> int:
    def action() -> tuple[Any, str]:
        parcels = _app().list_parcels(args.customer)
        rows = [
            (
                p["parcel_id"], p["customer_id"], p["order_type"], p["shipping_line"],
                p["destination_country"], p["insured_value"] if p["insured"] else "not insured",
                p["submitted_date"], p["shipped_date"], p["delivered_date"],
            )
            for p in parcels
        ]
        return parcels, table(PARCEL_COLUMNS, rows) if rows else "no parcels"

    return _run(args, action)


# ------------------------------------------------------------------------ claims


def _text(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _claims_list(args: argparse.Namespace) -> int:
    def action() -> tuple[Any, str]:
        claims = _app().list_claims(args.status, True if args.needs_agent else None)
        rows = [
            (
                c["reference"], c["status"], "waiting" if c["needs_agent"] else "",
                c["parcel_id"], c["claim_type"], c["payout_rmb"],
                c["created_at"][:16].replace("T", " "),
            )
            for c in claims
        ]
        return claims, table(CLAIM_COLUMNS, rows) if rows else "no claims"

    return _run(args, action)


def _claim_text(claim: dict[str, Any]) -> str:
    a = claim["assessment"]
    lines = [
        f"{claim['reference']}  {claim['claim_type']} claim for parcel {claim['parcel_id']}",
        f"status       {claim['status']}"
        + ("  (waiting for an agent)" if claim["needs_agent"] else ""),
        f"customer     {_text(claim['customer_id'])} via {claim['channel']} "
        f"(verified: {_text(claim['verified'])})",
        f"assessment   {a.get('decision')} {a.get('payout_rmb')} RMB {a.get('payout_form')} "
        f"(terms {a.get('terms_version')})",
        *(f"             - {reason}" for reason in a.get("reasons", [])),
        f"payout       {_text(claim['payout_rmb'])} {claim['payout_form']}",
        "facts",
        *(f"  {k:22} {_text(v)}" for k, v in sorted(claim["facts"].items())),
        "history",
        *(
            f"  {h['at'][:19]}  {h['actor']:20} {_text(h['from']):>17} -> {h['to']:17} {h['note']}"
            for h in claim["history"]
        ),
        "evidence" if claim["evidence"] else "evidence     none",
        *(
            f"  {e['evidence_id']}  {e['kind']:20} {e['content_type']:16} "
            f"{e['size_bytes']} bytes  {e['filename']}"
            for e in claim["evidence"]
        ),
    ]
    return "\n".join(lines)


def _claims_show(args: argparse.Namespace) -> int:
    def action() -> tuple[Any, str]:
        claim = _app().claim_detail(args.reference)
        if claim is None:
            raise ClaimNotFound(args.reference)
        return claim, _claim_text(claim)

    return _run(args, action)


def _claims_decide(args: argparse.Namespace) -> int:
    def action() -> tuple[Any, str]:
        claim = _app().decide(
            args.reference,
            approve=args.approve,
            note=args.note,
            agent=args.agent,
            payout_rmb=args.payout,
            payout_form=args.form,
        )
        return claim, _claim_text(claim)

    return _run(args, action)


def _claims_set_status(args: argparse.Namespace) -> int:
    def action() -> tuple[Any, str]:
        claim = _app().change_status(args.reference, args.status, agent=args.agent, note=args.note)
        return claim, _claim_text(claim)

    return _run(args, action)


def _claims_file(args: argparse.Namespace) -> int:
    from cssecure.claims.errors import InvalidClaim

    def action() -> tuple[Any, str]:
        raw = sys.stdin.read() if args.facts == "-" else args.facts
        try:
            given = json.loads(raw, parse_float=str)
        except json.JSONDecodeError as exc:
            raise InvalidClaim(f"--facts is not valid JSON: {exc.msg}") from None
        except RecursionError:  # json's answer to [[[[...]]]] thousands deep
            raise InvalidClaim("--facts is not valid JSON: nested too deeply") from None
        if not isinstance(given, dict):
            raise InvalidClaim("--facts must be a JSON object of claim facts.")
        app = _app()
        parcel = app.parcel(args.parcel_id)
        if parcel is None:
            raise ParcelNotFound(args.parcel_id)
        owner = parcel.pop("customer_id")
        facts = {"report_date": date.today().isoformat(), **parcel, **given}
        filed = app.file_claim(
            parcel_id=args.parcel_id,
            claim_type=args.claim_type,
            facts=facts,
            customer_id=owner,
            channel="cli",
            conversation_id=args.conversation,
            verified=True,
        )
        a = filed["assessment"]
        text = (
            f"{filed['reference']} {'filed' if filed['created'] else 'already open'}: "
            f"{filed['status']} ({a['decision']}, {a['payout_rmb']} RMB {a['payout_form']})"
        )
        return filed, filed["reference"] if args.quiet else text

    return _run(args, action)
