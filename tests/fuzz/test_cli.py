"""The ``cssecure`` command under hostile input: ``assess``/``quote`` with any text on standard
input, ``parcels import`` with any CSV/JSON file, ``claims decide`` with any payout and note.

The command runs in-process through its real entry point (``cssecure.cli.main``): an
unhandled exception there is exactly the traceback a user would see, and fails the test.
Properties: the documented exit statuses only (0 done, 1 not found, 2 refused input),
a JSON answer or a one-line message, nothing half-done when refused.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from handoff.claims_fixtures import file_claim
from hypothesis import example, given
from hypothesis import strategies as st

from cssecure.claims.app import ClaimsApp
from cssecure.claims.db import upgrade
from cssecure.claims.demo import demo_parcels
from cssecure.cli import main
from cssecure.policy import FACT_NAMES

from .conftest import FUZZ, INJECTIONS, hostile_text, json_values

ROOT = Path(__file__).resolve().parents[2]
EXIT_OK, EXIT_NOT_FOUND, EXIT_REFUSED = 0, 1, 2
_parcel_numbers = itertools.count(1)


@dataclass
class Result:
    status: int
    out: str
    err: str


def cssecure(argv: list[str], stdin: str = "") -> Result:
    """Run ``cssecure ARGV`` in this process; SystemExit (argparse) becomes its status."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main(argv)
            except SystemExit as exc:
                status = exc.code if isinstance(exc.code, int) else EXIT_REFUSED
    finally:
        sys.stdin = saved
    return Result(status, out.getvalue(), err.getvalue())


# --- assess / quote ------------------------------------------------------------------------

# Values people type for dates and amounts, including the edges of what ``date`` and
# ``Decimal`` can hold.
ODD_DATES = st.sampled_from(
    ["0001-01-01", "9999-12-31", "9999-08-31", "2024-02-30", "2024-13-01", "1970-01-01",
     "2021-07-08", "2021-07-09", " 2024-01-31 ", "2024-1-5", "31/12/2024", "today", ""]
) | st.dates().map(date.isoformat)
ODD_AMOUNTS = st.sampled_from(
    ["0", "-0", "0.001", "-1", "1e400", "1E-400", "NaN", "Infinity", "1,000", "１２３",
     "10000", "10000.01", "  12.50 ", "0x10", "1_000"]
) | st.decimals(allow_nan=True, allow_infinity=True).map(str) | st.integers()
FACT_VALUES = st.one_of(
    json_values, ODD_DATES, ODD_AMOUNTS, st.booleans(),
    st.sampled_from(["damaged", "lost", "seized", "returned", "delayed", "agent",
                     "buy_it_yourself", "EMS", "China Post SAL", "DE", "Germany", "complete"]),
)
# A decidable lost claim (claims-spec section 2.4) with some facts replaced or removed: the
# rules run deep with odd values instead of stopping at the first missing fact.
LOST_CLAIM: dict[str, Any] = {
    "claim_type": "lost", "parcel_id": "P1", "insured": True, "order_type": "agent",
    "shipping_line": "EMS", "destination_country": "FR", "items_value": "300",
    "shipping_fee": "80", "insured_value": "380", "submitted_date": "2024-01-02",
    "shipped_date": "2024-01-05", "delivered_date": None, "report_date": "2024-07-01",
    "loss_proof": False,
}
claim_facts = st.one_of(
    st.dictionaries(st.sampled_from(FACT_NAMES), FACT_VALUES, max_size=len(FACT_NAMES)),
    st.builds(
        lambda changes, drop: {k: v for k, v in {**LOST_CLAIM, **changes}.items() if k != drop},
        st.dictionaries(st.sampled_from(FACT_NAMES), FACT_VALUES, max_size=3),
        st.sampled_from([*LOST_CLAIM, "none"]),
    ),
)
quote_input = st.fixed_dictionaries(
    {},
    optional={
        name: FACT_VALUES
        for name in ("insured_value", "items_value", "shipping_fee", "shipping_line",
                     "destination_country")
    },
)


def assert_engine_answer(command: str, result: Result) -> None:
    """Exit 0 with only answers, or 2 with an ``error`` for each refused element."""
    assert result.status in (EXIT_OK, EXIT_REFUSED), result
    assert "Traceback" not in result.err
    answer = json.loads(result.out)
    elements = answer if isinstance(answer, list) else [answer]
    errors = [e for e in elements if "error" in e]
    assert (result.status == EXIT_REFUSED) == bool(errors), result
    for element in elements:
        if "error" in element:
            assert isinstance(element["error"], str) and element["error"]
        elif command == "assess":
            assert element["decision"] in ("approve", "reject", "review")
            assert Decimal(element["payout_rmb"]) >= 0
        else:
            assert isinstance(element["insurable"], bool)


@FUZZ
@given(command=st.sampled_from(["assess", "quote"]), stdin=st.one_of(
    st.text(max_size=200),
    st.sampled_from(INJECTIONS),
    st.sampled_from(["", "{", "[", "[{}", '{"a": 1}}', "\ufeff{}", "null", "1e999999",
                     '{"insured_value": 1e999999999}']),
))
def test_any_text_on_stdin_gets_json_and_exit_0_or_2(command: str, stdin: str) -> None:
    assert_engine_answer(command, cssecure([command], stdin))


@FUZZ
@given(document=st.one_of(claim_facts, st.lists(claim_facts, max_size=4), json_values))
@example(document={**LOST_CLAIM, "shipped_date": "9999-12-31", "report_date": "9999-12-31",
                   "submitted_date": "9999-12-30"})
@example(document={**LOST_CLAIM, "claim_type": "delayed", "submitted_date": "9999-12-30",
                   "shipped_date": "9999-12-31", "report_date": "9999-12-31"})
def test_assess_any_facts_are_assessed_or_refused_by_name(document: Any) -> None:
    assert_engine_answer("assess", cssecure(["assess"], json.dumps(document)))


@FUZZ
@given(document=st.one_of(quote_input, st.lists(quote_input, max_size=4)))
def test_quote_any_amounts_are_quoted_or_refused_by_name(document: Any) -> None:
    assert_engine_answer("quote", cssecure(["quote"], json.dumps(document)))


def test_the_installed_command_answers_hostile_stdin_without_a_traceback() -> None:
    """The console script itself (not only ``main``): its own interpreter, real pipes."""
    binary = ROOT / ".venv" / "bin" / "cssecure"
    for stdin in ("{not json", '{"claim_type": "lost", "shipped_date": "9999-12-31"}', "\x00"):
        done = subprocess.run([str(binary), "assess"], input=stdin, capture_output=True,
                              text=True, timeout=60, check=False)
        assert done.returncode == EXIT_REFUSED, done
        assert "Traceback" not in done.stderr
        assert "error" in json.loads(done.stdout)


# --- parcels import and claims decide (a real SQLite claims database) ----------------------


@pytest.fixture(scope="module")
def claims_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClaimsApp]:
    """A migrated claims database with the demo parcels; the CLI finds it through the
    environment, as ``cssecure`` does."""
    var = tmp_path_factory.mktemp("cli-fuzz")
    url = f"sqlite:///{var / 'claims.db'}"
    upgrade(url)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CSSECURE_DATABASE_URL", url)
        env.setenv("CSSECURE_VAR_DIR", str(var))
        app = ClaimsApp(url, var / "evidence")
        app.import_parcels(demo_parcels(date.today()))
        try:
            yield app
        finally:
            app.dispose()


def _valid_row() -> dict[str, Any]:
    return {
        "parcel_id": "PF000001", "customer_id": "fuzz-customer", "order_type": "agent",
        "shipping_line": "EMS", "destination_country": "FR", "items_value": "300.00",
        "shipping_fee": "80.00", "insured": True, "insured_value": "380.00",
        "weight_kg": "1.0", "waterproof_selected": False, "submitted_date": "2024-01-02",
        "shipped_date": "2024-01-05", "delivered_date": None,
    }


# A valid parcel with some fields replaced by hostile values (and maybe unknown keys).
parcel_rows = st.builds(
    lambda changes: {**_valid_row(), **changes},
    st.dictionaries(
        st.sampled_from([*_valid_row(), "unknown_column", ""]), FACT_VALUES, max_size=4
    ),
)


def _csv(rows: list[dict[str, Any]]) -> str:
    import csv

    names = list(dict.fromkeys(k for row in rows for k in row)) or list(_valid_row())
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=names)
    writer.writeheader()
    for row in rows:
        # The csv module cannot write a NUL; raw bytes are covered by the free-text files.
        writer.writerow({k: "" if v is None else str(json.dumps(v) if isinstance(v, (list, dict))
                         else v).replace("\x00", "") for k, v in row.items()})
    return out.getvalue()


import_files = st.one_of(
    st.tuples(st.just(".json"), st.lists(parcel_rows, max_size=3).map(
        lambda rows: json.dumps(rows, default=str))),
    st.tuples(st.just(".csv"), st.lists(parcel_rows, max_size=3).map(_csv)),
    st.tuples(st.sampled_from([".json", ".csv", ".txt"]),
              st.one_of(st.text(max_size=300), st.sampled_from(INJECTIONS),
                        json_values.map(json.dumps))),
)


def _parcel_ids(app: ClaimsApp) -> dict[str, Any]:
    return {p["parcel_id"]: p for p in app.list_parcels()}


@FUZZ
@given(file=import_files, as_json=st.booleans())
def test_parcels_import_any_file_imports_all_or_nothing_with_a_clear_message(
    claims_db: ClaimsApp, tmp_path_factory: pytest.TempPathFactory, file: tuple[str, str],
    as_json: bool,
) -> None:
    suffix, text = file
    path = tmp_path_factory.mktemp("import") / f"parcels{suffix}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    before = _parcel_ids(claims_db)
    result = cssecure(["parcels", "import", str(path), *(["--json"] if as_json else [])])
    assert result.status in (EXIT_OK, EXIT_REFUSED), result
    assert "Traceback" not in result.err
    if result.status == EXIT_REFUSED:
        message = json.loads(result.out)["error"] if as_json else result.err
        assert message.strip()
        assert _parcel_ids(claims_db) == before  # nothing partial
    # Put the database back for the next example (an accepted file may change PF000001).
    claims_db.import_parcels(demo_parcels(date.today()))


DEEP_JSON = "[" * 5000 + "]" * 5000


def test_json_nested_thousands_deep_is_refused_as_malformed(
    claims_db: ClaimsApp, tmp_path: Path
) -> None:
    path = tmp_path / "parcels.json"
    path.write_text(f"[{DEEP_JSON}]")
    result = cssecure(["parcels", "import", str(path)])
    assert result.status == EXIT_REFUSED and "nested too deeply" in result.err
    filed = cssecure(["claims", "file", "P900001", "lost", f"--facts={DEEP_JSON}"])
    assert filed.status == EXIT_REFUSED and "nested too deeply" in filed.err
    for command in ("assess", "quote"):
        answer = cssecure([command], DEEP_JSON)
        assert answer.status == EXIT_REFUSED
        assert json.loads(answer.out) == {"error": "malformed JSON: nested too deeply"}


def test_an_unreadable_or_binary_import_file_is_refused_by_name(
    claims_db: ClaimsApp, tmp_path: Path
) -> None:
    binary = tmp_path / "parcels.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    result = cssecure(["parcels", "import", str(binary)])
    assert result.status == EXIT_REFUSED and "not UTF-8" in result.err
    missing = cssecure(["parcels", "import", str(tmp_path / "nope.json")])
    assert missing.status == EXIT_REFUSED and "cannot be read" in missing.err


payouts = st.one_of(ODD_AMOUNTS.map(str), hostile_text, st.just("250.00"), st.just("0.005"))
notes = st.one_of(hostile_text, st.just(""), st.just(" "))


@FUZZ
@given(payout=st.none() | payouts, note=notes, approve=st.booleans(), as_json=st.booleans())
def test_claims_decide_any_payout_and_note_decides_or_changes_nothing(
    claims_db: ClaimsApp, payout: str | None, note: str, approve: bool, as_json: bool
) -> None:
    # A new claim in review for each example (a parcel of its own: no idempotent reuse).
    claim = file_claim(claims_db.engine, parcel_id=f"PD{next(_parcel_numbers):06d}")
    reference = claim.reference
    before = claims_db.claim_detail(reference)
    argv = ["claims", "decide", reference, "--approve" if approve else "--reject",
            f"--note={note}", *([f"--payout={payout}"] if payout is not None else []),
            *(["--json"] if as_json else [])]
    result = cssecure(argv)
    assert result.status in (EXIT_OK, EXIT_REFUSED), result
    assert "Traceback" not in result.err
    after = claims_db.claim_detail(reference)
    assert after is not None and before is not None
    if result.status == EXIT_REFUSED:
        message = json.loads(result.out)["error"] if as_json else result.err
        assert message.strip()
        assert after["status"] == before["status"] and after["history"] == before["history"]
    else:
        assert after["status"] == ("approved" if approve else "rejected")
        assert any(note.strip() in h["note"] for h in after["history"])
        if approve and payout is not None:
            assert Decimal(after["payout_rmb"]) == Decimal(payout.strip())


def test_a_decision_on_an_unknown_claim_exits_1(claims_db: ClaimsApp) -> None:
    result = cssecure(["claims", "decide", "CS-2099-999999", "--reject", "--note=x"])
    assert result.status == EXIT_NOT_FOUND and result.err.startswith("error:")

