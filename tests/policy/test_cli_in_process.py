"""The ``cssecure assess``/``quote`` commands in process (issue 20): the subprocess tests
(test_cases.py, test_bad_input.py) run the installed command, which mutation testing cannot
change; these run the same entry point, ``cli.run`` and its argparse handler, here."""

from __future__ import annotations

import argparse
import io
import json

import pytest

from cssecure.policy import cli

QUOTE = {"insurable": True, "premium_rmb": "6.00", "max_insurable_rmb": "10000.00",
         "warnings": []}


@pytest.mark.parametrize(
    ("command", "text", "answer", "status"),
    [
        ("quote", '{"insured_value": 200}', QUOTE, 0),
        ("quote", "[]", [], 0),
        ("quote", '[{"insured_value": 200}, {"insured_value": 200}]', [QUOTE, QUOTE], 0),
        ("quote", '[{"insured_value": 200}, 5, {"insured_value": -1}]',
         [QUOTE, {"error": "each element must be a JSON object, got 5"},
          {"error": "insured_value (the insured amount): must not be negative, got -1"}], 2),
        ("quote", '{"insured_value": NaN}',
         {"error": "insured_value (the insured amount): must be a finite amount, "
                   "got Decimal('NaN')"}, 2),
        ("assess", "5", {"error": "expected a JSON object or an array of objects"}, 2),
        ("assess", "[" * 100000, {"error": "malformed JSON: nested too deeply"}, 2),
        ("assess", '{"claim_type": "lost", "insured": false}',
         {"decision": "reject", "payout_rmb": "0.00", "payout_form": "none",
          "eligible_from": None,
          "reasons": ["This parcel was shipped without CSSecure insurance, so the plan does "
                      "not cover it (terms: \"Usage & Instructions\")."]}, 0),
    ],
    ids=["object", "empty-array", "array", "array-with-errors", "nan", "scalar", "too-deep",
         "assess"],
)
def test_run(command: str, text: str, answer: object, status: int) -> None:
    assert cli.run(command, text) == (answer, status)


def test_malformed_json_says_where() -> None:
    answer, status = cli.run("assess", "{")
    assert status == 2
    assert answer == {"error": "malformed JSON: Expecting property name enclosed in double "
                               "quotes: line 1 column 2 (char 1)"}


def test_money_in_json_is_read_exactly_not_as_a_float() -> None:
    # As a float 100.00000000000000001 is 100.0: not over-insured; exactly, it is.
    text = '{"insured_value": 100.00000000000000001, "items_value": 100, "shipping_fee": 0}'
    answer, _ = cli.run("quote", text)
    assert answer["warnings"] == ["over_insured"]  # type: ignore[index]


@pytest.mark.parametrize("command", ["assess", "quote"])
def test_the_sub_commands_read_stdin_and_print_json(
    command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser(prog="cssecure")
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args([command])
    assert args.handler is cli._handle
    text = '{"insured_value": 200}' if command == "quote" else '{"claim_type": "lost"}'
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    status = args.handler(args)
    out = capsys.readouterr().out
    assert out.endswith("}\n") and out.startswith("{\n  ")
    answer = json.loads(out)
    if command == "quote":
        assert (answer, status) == (QUOTE, 0)
    else:
        assert status == 2 and answer["error"].startswith("insured (")
