"""The named YAML case tables (tests/policy/cases/*.yaml), run two ways.

Every case runs through the Python API (``parse_facts`` + ``assess``, or ``quote``), and
every file runs once as a batch through the real ``cssecure`` command (a subprocess reading
the whole table as a JSON array), so the command path is checked case by case too.
The tables must contain every public worked example of claims-spec's policy-cases.yaml.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from cssecure.policy import InvalidFacts, assess, parse_facts, quote
from cssecure.policy.cli import QUOTE_FIELDS

CASES_DIR = Path(__file__).parent / "cases"
PUBLIC_CASES = Path(__file__).resolve().parents[3] / "shared" / "spec" / "policy-cases.yaml"
TERMS_TEXT = PUBLIC_CASES.with_name("cssecure-terms.txt")
SPEC_TEXT = PUBLIC_CASES.with_name("claims-spec.md")
CLAIM_FILES = ("lost", "seized", "damaged", "returned", "delayed")
CASE_FILES = (*CLAIM_FILES, "quote")
CSSECURE = Path(sys.executable).parent / "cssecure"


def load_table(stem: str) -> list[dict[str, Any]]:
    """The cases of one table, each with its command."""
    document = yaml.safe_load((CASES_DIR / f"{stem}.yaml").read_text(encoding="utf-8"))
    cases = document["cases"]
    for case in cases:
        case.setdefault("command", "quote" if stem == "quote" else "assess")
    return cases


def _all_cases() -> list[tuple[str, dict[str, Any]]]:
    return [(stem, case) for stem in CASE_FILES for case in load_table(stem)]


def _json_default(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON: {value!r}")


def to_json_text(value: object) -> str:
    """JSON as a client would send it: dates as ISO strings."""
    return json.dumps(value, default=_json_default)


def check(expect: dict[str, Any], output: dict[str, Any]) -> None:
    """Assert an output matches a case's expectations.

    ``error: true`` wants any error, ``error: <field>`` an error naming that field;
    ``reason: <phrase>`` wants a reason containing the phrase, ``reasons: [<phrase>, ...]``
    exactly that many reasons, each containing its phrase; other keys must be equal.
    """
    if "error" in expect:
        assert "error" in output, f"expected an error, got {output}"
        if expect["error"] is not True:
            assert output["error"].startswith(expect["error"]), output["error"]
        return
    assert "error" not in output, output
    for key, want in expect.items():
        if key == "reason":
            assert any(want in reason for reason in output["reasons"]), output["reasons"]
        elif key == "reasons":  # each phrase in its own reason, in this order
            assert len(output["reasons"]) == len(want), output["reasons"]
            for phrase, reason in zip(want, output["reasons"], strict=True):
                assert phrase in reason, output["reasons"]
        else:
            assert output[key] == want, f"{key}: {output[key]!r} != {want!r} in {output}"
    if "decision" in output:
        # Every decision says why, and every reason names the clause it rests on.
        assert output["reasons"], output
        assert all("terms:" in reason for reason in output["reasons"]), output["reasons"]
        if output["decision"] != "approve":
            assert (output["payout_rmb"], output["payout_form"]) == ("0.00", "none")


def run_python(case: dict[str, Any]) -> dict[str, Any]:
    """One case through the Python API."""
    data = case["input"]
    try:
        if case["command"] == "quote":
            return quote(**{name: data.get(name) for name in QUOTE_FIELDS}).to_json()
        return assess(parse_facts(data)).to_json()
    except InvalidFacts as exc:
        expected_field = case["expect"].get("error")
        if isinstance(expected_field, str):
            assert exc.field == expected_field
        return {"error": str(exc)}


@pytest.mark.parametrize(
    ("stem", "case"),
    [pytest.param(stem, case, id=f"{stem}: {case['name']}") for stem, case in _all_cases()],
)
def test_case_through_python_api(stem: str, case: dict[str, Any]) -> None:
    check(case["expect"], run_python(case))


@pytest.mark.parametrize("stem", CASE_FILES)
def test_table_through_cssecure_command(stem: str) -> None:
    cases = load_table(stem)
    (command,) = {case["command"] for case in cases}
    assert CSSECURE.exists(), f"{CSSECURE} is missing: install the project (pip install -e .)"
    done = subprocess.run(
        [str(CSSECURE), command],
        input=to_json_text([case["input"] for case in cases]),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    outputs = json.loads(done.stdout)
    assert len(outputs) == len(cases)
    for case, output in zip(cases, outputs, strict=True):
        try:
            check(case["expect"], output)
        except AssertionError as exc:
            raise AssertionError(f"{stem}: {case['name']}: {exc}") from exc
    any_error = any("error" in case["expect"] for case in cases)
    assert done.returncode == (2 if any_error else 0), done.stderr


def test_tables_have_unique_names_and_enough_own_cases() -> None:
    cases = _all_cases()
    names = [case["name"] for _, case in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    own = [case for _, case in cases if case.get("source") != "policy-cases.yaml"]
    assert len(own) >= 80
    for stem in CLAIM_FILES:
        for case in load_table(stem):
            if not case.get("skip_type_check"):  # a case about a wrong claim_type
                assert case["input"]["claim_type"] == stem, case["name"]


def test_every_public_worked_example_is_in_the_tables() -> None:
    assert PUBLIC_CASES.exists(), f"the public worked examples are missing: {PUBLIC_CASES}"
    public = yaml.safe_load(PUBLIC_CASES.read_text(encoding="utf-8"))
    ours = {case["name"]: case for _, case in _all_cases()}
    for example in public:
        copy = ours.get(example["name"])
        assert copy is not None, f"missing public case: {example['name']}"
        assert copy["input"] == example["input"], example["name"]
        assert copy["expect"] == example["expect"], example["name"]
        assert copy["command"] == example["command"], example["name"]


def _plain(text: str) -> str:
    """Text with its whitespace collapsed and typographic apostrophes made straight."""
    return " ".join(text.replace("\u2019", "'").split())


def test_competing_exceptions_quote_the_clause_that_decides() -> None:
    # Issue 20: where two exceptions compete, the case names both and quotes, verbatim, the
    # clause of the terms (or the sentence of the spec) that says which one decides.
    terms, spec = _plain(TERMS_TEXT.read_text("utf-8")), _plain(SPEC_TEXT.read_text("utf-8"))
    competing = [case for _, case in _all_cases() if "competing" in case]
    assert len(competing) >= 12
    for case in competing:
        assert len(case["competing"]) >= 2, case["name"]
        assert case.get("terms") or case.get("spec"), case["name"]
        if "terms" in case:
            assert _plain(case["terms"]) in terms, case["name"]
        if "spec" in case:
            assert _plain(case["spec"]) in spec, case["name"]
