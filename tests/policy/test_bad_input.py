"""Bad input: every kind of invalid input of claims-spec section 3 gets a clear error naming
the field, through the Python API and through the ``cssecure`` command (exit status 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from cssecure.policy import InvalidFacts, cancellation_refund, parse_facts, quote
from cssecure.policy.cli import run

CSSECURE = [sys.executable, "-m", "cssecure.cli"]
LOST = {
    "claim_type": "lost",
    "parcel_id": "P700001",
    "insured": True,
    "order_type": "agent",
    "shipping_line": "EMS",
    "destination_country": "FR",
    "items_value": 800,
    "shipping_fee": 200,
    "insured_value": 1000,
    "submitted_date": "2024-02-01",
    "shipped_date": "2024-02-03",
    "delivered_date": None,
    "report_date": "2024-03-20",
    "loss_proof": True,
}
DAMAGED = {
    **LOST,
    "claim_type": "damaged",
    "delivered_date": "2024-03-10",
    "report_date": "2024-03-11",
    "unboxing_video": True,
    "damage_photos": True,
    "damage_kind": "broken",
    "usable_after_damage": False,
    "affected_items_value": 300,
}


def _cssecure(command: str, text: str) -> tuple[Any, int]:
    done = subprocess.run(
        [*CSSECURE, command], input=text, capture_output=True, text=True, timeout=60, check=False
    )
    return json.loads(done.stdout), done.returncode


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"insured_value": None}, "insured_value", "is missing"),
        ({"shipped_date": None, "loss_proof": False}, "shipped_date", "is missing"),
        ({"items_value": -5}, "items_value", "must not be negative"),
        ({"shipping_fee": "-0.01"}, "shipping_fee", "must not be negative"),
        ({"claim_type": "stolen"}, "claim_type", "must be one of damaged, lost, seized"),
        ({"claim_type": None}, "claim_type", "is missing"),
        ({"shipped_date": "2024-01-31"}, "shipped_date", "is before submitted_date"),
        ({"report_date": "2024-02-02"}, "report_date", "is before shipped_date"),
        ({"report_date": "2024-01-15", "shipped_date": "2024-02-03"}, "report_date", "is before"),
        ({"delivered_date": "2024-02-02"}, "delivered_date", "is before shipped_date"),
        ({"delivered_date": "2024-03-21"}, "report_date", "is before delivered_date"),
        ({"submitted_date": "1 Feb 2024"}, "submitted_date", "must be a date like"),
        ({"insured": "maybe"}, "insured", "must be true or false"),
        ({"destination_country": "Atlantis"}, "destination_country", "unknown country"),
        ({"order_type": "wholesale"}, "order_type", "must be one of agent, buy_it_yourself"),
        ({"insured_value": "NaN"}, "insured_value", "must be a finite amount"),
        ({"insured_value": "1e30"}, "insured_value", "too large"),
        ({"items_value": [800]}, "items_value", "must be an amount"),
    ],
)
def test_invalid_claim_facts_name_the_field(
    changes: dict[str, Any], field: str, words: str
) -> None:
    facts = {**LOST, **changes}
    with pytest.raises(InvalidFacts) as caught:
        parse_facts(facts)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field} (")  # the field, then its plain-word label
    assert words in str(caught.value)


def test_damage_facts_are_checked_too() -> None:
    with pytest.raises(
        InvalidFacts, match=r"^affected_items_value .*more than the value of all the goods"
    ):
        parse_facts({**DAMAGED, "affected_items_value": 800.01})
    with pytest.raises(InvalidFacts, match=r"^damage_kind .*must be one of broken, water"):
        parse_facts({**DAMAGED, "damage_kind": "dented"})


def test_facts_that_are_not_an_object_are_refused() -> None:
    with pytest.raises(InvalidFacts, match="expected an object of claim facts"):
        parse_facts(["lost"])  # type: ignore[arg-type]


def test_invalid_quote_input_names_the_field() -> None:
    with pytest.raises(InvalidFacts) as caught:
        quote(None)
    assert caught.value.field == "insured_value"
    with pytest.raises(InvalidFacts) as caught:
        quote(100, shipping_line="SAL", destination_country="Germany")
    assert caught.value.field == "shipping_fee"


def test_a_batch_answers_valid_elements_and_flags_invalid_ones() -> None:
    batch = [LOST, {**LOST, "items_value": -1}, "not an object", DAMAGED]
    outputs, status = _cssecure("assess", json.dumps(batch))
    assert status == 2
    assert outputs[0]["decision"] == "approve" and outputs[0]["payout_rmb"] == "1000.00"
    assert outputs[1] == {
        "error": "items_value (the value of the goods): must not be negative, got -1"
    }
    assert outputs[2]["error"].startswith("each element must be a JSON object")
    assert outputs[3]["decision"] == "approve" and outputs[3]["payout_rmb"] == "300.00"


def test_a_single_valid_object_prints_one_assessment_and_exits_0() -> None:
    output, status = _cssecure("assess", json.dumps(LOST))
    assert status == 0
    assert output == {
        "decision": "approve",
        "payout_rmb": "1000.00",
        "payout_form": "refund",
        "eligible_from": None,
        "reasons": output["reasons"],
    }
    assert output["reasons"]


def test_a_single_invalid_object_prints_an_error_and_exits_2() -> None:
    output, status = _cssecure("assess", json.dumps({**LOST, "claim_type": "stolen"}))
    assert status == 2
    assert output["error"].startswith("claim_type")


@pytest.mark.parametrize("text", ["{", "", "{'claim_type': 'lost'}", "[1, 2", "lost"])
def test_malformed_json_is_an_error_with_exit_2(text: str) -> None:
    for command in ("assess", "quote"):
        output, status = _cssecure(command, text)
        assert status == 2
        assert output["error"].startswith("malformed JSON")


@pytest.mark.parametrize("text", ["42", '"lost"', "null", "true"])
def test_json_that_is_not_an_object_or_array_is_an_error(text: str) -> None:
    output, status = run("assess", text)
    assert status == 2
    assert output == {"error": "expected a JSON object or an array of objects"}


def test_quote_command_object_and_array() -> None:
    output, status = _cssecure("quote", '{"insured_value": 200}')
    assert (status, output) == (
        0,
        {"insurable": True, "premium_rmb": "6.00", "max_insurable_rmb": "10000.00", "warnings": []},
    )
    outputs, status = _cssecure("quote", '[{"insured_value": 200}, {"insured_value": -1}]')
    assert status == 2
    assert outputs[0]["premium_rmb"] == "6.00"
    assert outputs[1]["error"].startswith("insured_value")


def test_json_numbers_are_read_exactly() -> None:
    # As binary floats 0.7 + 0.1 < 0.8, which would wrongly flag 0.8 as over-insured.
    output, status = run(
        "quote", json.dumps({"insured_value": 0.8, "items_value": 0.7, "shipping_fee": 0.1})
    )
    assert status == 0
    assert output == {
        "insurable": True,
        "premium_rmb": "0.02",
        "max_insurable_rmb": "10000.00",
        "warnings": [],
    }


def test_an_empty_batch_is_an_empty_answer() -> None:
    assert run("assess", "[]") == ([], 0)


def test_the_command_help_lists_both_commands() -> None:
    done = subprocess.run([*CSSECURE, "--help"], capture_output=True, text=True, check=True)
    assert "assess" in done.stdout and "quote" in done.stdout


def test_cancellation_refund_before_and_after_shipping() -> None:
    before = cancellation_refund("6", shipped=False)
    after = cancellation_refund("6", shipped=True)
    assert (str(before.amount_rmb), before.refunded_to) == ("6.00", "account")
    assert (str(after.amount_rmb), after.refunded_to) == ("0.00", "none")
    assert "Cancellation & Refunds" in before.reason and "Cancellation & Refunds" in after.reason
    with pytest.raises(InvalidFacts) as caught:
        cancellation_refund(-1, shipped=False)
    assert caught.value.field == "premium_paid"
