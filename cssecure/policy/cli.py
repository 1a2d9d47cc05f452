"""``cssecure assess`` and ``cssecure quote``: the engine on standard input/output (spec section 3).

Both read one JSON object, or an array of them, and print the result (or an array of
results, in order). An invalid element prints ``{"error": "..."}`` naming the field, the
valid ones are still answered, and the exit status is 2 if any element was invalid;
malformed JSON prints one ``{"error": ...}`` and exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from cssecure.policy.engine import assess, parse_facts, quote
from cssecure.policy.facts import InvalidFacts

EXIT_OK = 0
EXIT_INVALID = 2

QUOTE_FIELDS = (
    "insured_value",
    "items_value",
    "shipping_fee",
    "shipping_line",
    "destination_country",
)


def _assess_one(element: Mapping[str, Any]) -> dict[str, object]:
    return assess(parse_facts(element)).to_json()


def _quote_one(element: Mapping[str, Any]) -> dict[str, object]:
    return quote(**{name: element.get(name) for name in QUOTE_FIELDS}).to_json()


_HANDLERS: dict[str, Callable[[Mapping[str, Any]], dict[str, object]]] = {
    "assess": _assess_one,
    "quote": _quote_one,
}


def run(command: str, text: str) -> tuple[object, int]:
    """Answer a command's JSON input.

    Args:
        command: ``assess`` or ``quote``.
        text: The JSON read from standard input.

    Returns:
        The JSON-able answer and the exit status.
    """
    try:
        # Decimals, not floats: 0.1 RMB must stay exactly 0.1.
        document = json.loads(text, parse_float=Decimal, parse_constant=Decimal)
    except json.JSONDecodeError as exc:
        return {"error": f"malformed JSON: {exc}"}, EXIT_INVALID
    except RecursionError:
        # json gives up on very deep nesting ([[[[...]]]]) with RecursionError, not a decode error.
        return {"error": "malformed JSON: nested too deeply"}, EXIT_INVALID
    if isinstance(document, dict):
        answer, valid = _answer(command, document)
        return answer, EXIT_OK if valid else EXIT_INVALID
    if isinstance(document, list):
        answers = [_answer(command, element) for element in document]
        status = EXIT_OK if all(valid for _, valid in answers) else EXIT_INVALID
        return [answer for answer, _ in answers], status
    return {"error": "expected a JSON object or an array of objects"}, EXIT_INVALID


def _answer(command: str, element: object) -> tuple[dict[str, object], bool]:
    if not isinstance(element, dict):
        return {"error": f"each element must be a JSON object, got {element!r}"}, False
    try:
        return _HANDLERS[command](element), True
    except InvalidFacts as exc:
        return {"error": str(exc)}, False


def _handle(args: argparse.Namespace) -> int:
    answer, status = run(args.command, sys.stdin.read())
    json.dump(answer, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return status


def register(subparsers: Any) -> None:
    """Add the ``assess`` and ``quote`` sub-commands to the ``cssecure`` parser."""
    assess_parser = subparsers.add_parser(
        "assess",
        help="assess claims: JSON claim facts (object or array) on stdin, assessments on stdout",
        description=(
            "Read a JSON object of claim facts, or an array of them, on standard input and "
            "print each assessment as JSON. Exit status 2 if any element is invalid."
        ),
    )
    assess_parser.set_defaults(handler=_handle)
    quote_parser = subparsers.add_parser(
        "quote",
        help="quote premiums: JSON {insured_value, ...} (object or array) on stdin",
        description=(
            "Read {insured_value, items_value?, shipping_fee?, shipping_line?, "
            "destination_country?} (or an array) on standard input and print each quote."
        ),
    )
    quote_parser.set_defaults(handler=_handle)
