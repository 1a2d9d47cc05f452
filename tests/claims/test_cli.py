"""The admin commands end to end: ``cssecure db|parcels|claims ...`` on a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cssecure.claims.model import PARCEL_FIELDS
from cssecure.cli import main
from cssecure.settings import PROJECT_ROOT

GOOD_CSV = (
    ",".join(PARCEL_FIELDS)
    + "\nP1,c-1,agent,EMS,DE,100.00,20.00,true,120.00,1.5,false,2024-01-01,2024-01-02,"
    + "\nP2,c-2,buy_it_yourself,China Post SAL,Germany,2000,300,yes,2300,5,no,2024-01-01,,\n"
)


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> Any:
    """Run ``cssecure ARGS`` in-process on the test database; returns (status, stdout, stderr)."""
    monkeypatch.setenv("CSSECURE_DATABASE_URL", database_url)
    monkeypatch.setenv("CSSECURE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("CSSECURE_AGENCY_API_URL", raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        status = main(list(argv))
        out, err = capsys.readouterr()
        return status, out, err

    return run


def test_seed_demo_is_idempotent_and_covers_every_claim_type(cli: Any) -> None:
    status, out, _ = cli("parcels", "seed-demo", "--json")
    assert status == 0 and json.loads(out) == {"added": 12, "updated": 0, "unchanged": 0}
    status, out, _ = cli("parcels", "seed-demo", "--json")
    assert json.loads(out) == {"added": 0, "updated": 0, "unchanged": 12}
    status, out, _ = cli("parcels", "list", "--json")
    parcels = json.loads(out)
    assert {p["order_type"] for p in parcels} == {"agent", "buy_it_yourself"}
    assert any(
        p["shipping_line"] == "China Post SAL" and p["destination_country"] == "DE" for p in parcels
    )
    assert all(p["customer_id"].startswith("demo-") for p in parcels)


@pytest.mark.parametrize(
    ("parcel_id", "claim_type", "facts", "decision"),
    [
        ("P900001", "lost", {"loss_proof": False}, "approve"),
        ("P900002", "lost", {"loss_proof": False}, "reject"),
        ("P900003", "seized", {"seizure_extent": "complete", "seizure_proof": True}, "approve"),
        (
            "P900004",
            "damaged",
            {
                "unboxing_video": True,
                "damage_photos": True,
                "damage_kind": "broken",
                "usable_after_damage": False,
                "original_packaging": True,
                "affected_items_value": "300",
            },
            "approve",
        ),
        ("P900006", "returned", {"voucher_used_before": False}, "approve"),
        ("P900008", "delayed", {}, "approve"),
        ("P900009", "delayed", {}, "reject"),
    ],
)
def test_demo_parcels_give_the_decisions_they_demonstrate(
    cli: Any, parcel_id: str, claim_type: str, facts: dict[str, Any], decision: str
) -> None:
    cli("parcels", "seed-demo")
    status, out, err = cli(
        "claims", "file", parcel_id, claim_type, "--facts", json.dumps(facts), "--json"
    )
    assert status == 0, err
    assert json.loads(out)["assessment"]["decision"] == decision


def test_a_claims_life_from_the_command_line(cli: Any) -> None:
    cli("parcels", "seed-demo")
    status, out, _ = cli(
        "claims",
        "file",
        "P900003",
        "seized",
        "--facts",
        '{"seizure_extent": "complete", "seizure_proof": false}',
        "--json",
    )
    filed = json.loads(out)
    ref = filed["reference"]
    assert status == 0 and filed["status"] == "awaiting_evidence"

    status, out, _ = cli("claims", "list", "--status", "awaiting_evidence", "--json")
    assert [c["reference"] for c in json.loads(out)] == [ref]
    status, out, _ = cli("claims", "list", "--status", "paid", "--json")
    assert json.loads(out) == []

    status, out, err = cli("claims", "decide", ref, "--approve", "--note", "letter seen")
    assert status == 2 and "needs a payout above 0.00" in err

    status, out, _ = cli(
        "claims",
        "decide",
        ref,
        "--approve",
        "--payout",
        "1500",
        "--note",
        "customs letter seen",
        "--agent",
        "amy",
        "--json",
    )
    assert status == 0 and json.loads(out)["payout_rmb"] == "1500.00"
    status, out, _ = cli("claims", "set-status", ref, "paid", "--note", "transfer 7", "--json")
    assert json.loads(out)["status"] == "paid"

    status, out, _ = cli("claims", "show", ref, "--json")
    shown = json.loads(out)
    assert shown["facts"]["seizure_proof"] is False
    assert shown["assessment"]["decision"] == "review"
    assert [(h["actor"], h["to"]) for h in shown["history"]] == [
        ("customer via cli", "submitted"),
        ("rules-engine", "awaiting_evidence"),
        ("amy", "approved"),
        ("admin-cli", "paid"),
    ]
    assert shown["evidence"] == []
    status, out, _ = cli("claims", "show", ref)
    assert "amy" in out and "awaiting_evidence -> approved" in out

    status, _, err = cli("claims", "decide", ref, "--reject", "--note", "too late")
    assert status == 2 and "cannot go from paid to rejected" in err


def test_not_found_is_status_1(cli: Any) -> None:
    status, out, _ = cli("claims", "show", "CS-2026-000999", "--json")
    assert status == 1 and "No claim" in json.loads(out)["error"]
    status, _, err = cli("parcels", "show", "P404")
    assert status == 1 and "P404" in err


def test_a_good_csv_imports_and_shows(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "parcels.csv"
    path.write_text(GOOD_CSV)
    status, out, err = cli("parcels", "import", str(path))
    assert status == 0, err
    assert out.strip() == "imported 2 parcel(s): 2 added, 0 updated, 0 unchanged"
    status, out, _ = cli("parcels", "show", "P2", "--json")
    shown = json.loads(out)
    assert shown["order_type"] == "buy_it_yourself" and shown["insured_value"] == "2300.00"
    assert shown["shipped_date"] is None and shown["customer_id"] == "c-2"


def test_a_bad_file_reports_each_row_and_imports_nothing(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "parcels.json"
    path.write_text(
        '[\n  {"parcel_id": "P1", "order_type": "agent", "shipping_line": "EMS",\n'
        '   "destination_country": "DE", "items_value": 10, "shipping_fee": 2,\n'
        '   "insured": false, "submitted_date": "2024-01-01"},\n'
        '  {"parcel_id": "P2", "order_type": "agent", "shipping_line": "EMS",\n'
        '   "destination_country": "DE", "items_value": -1, "shipping_fee": 2,\n'
        '   "insured": false, "submitted_date": "2024-01-01"}\n]\n'
    )
    status, out, err = cli("parcels", "import", str(path))
    assert status == 2
    assert "line 5: items_value: must not be negative" in err
    assert "nothing imported" in err
    status, out, _ = cli("parcels", "list", "--json")
    assert json.loads(out) == []  # P1 was valid but not imported alone


def test_db_upgrade_through_the_installed_command(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CSSECURE_VAR_DIR": str(tmp_path / "var"),
        "CSSECURE_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
    }
    command = [sys.executable, "-m", "cssecure.cli"]
    first = subprocess.run(
        [*command, "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("claims database at revision")
    again = subprocess.run(
        [*command, "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    assert again.returncode == 0 and again.stdout == first.stdout
    listed = subprocess.run(
        [*command, "claims", "list", "--json"],
        env=env,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    assert listed.returncode == 0 and json.loads(listed.stdout) == []


def test_commands_on_an_unmigrated_database_say_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setenv("CSSECURE_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    assert main(["claims", "list"]) == 3
    assert "run `cssecure db upgrade`" in capsys.readouterr().err
