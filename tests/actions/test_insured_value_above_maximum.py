"""An insured value above what the parcel's line and destination can be insured for is kept
(the customer's figure; the engine caps the payout) but the customer is told the maximum at
once (issue 14 trial: "50000 RMB" was accepted without a word). Terms "Maximum Insured
Value"; claims-spec.md 2.2: 10,000 RMB, China Post SAL to Germany 2,000 RMB + the shipping fee.
"""

from __future__ import annotations

from typing import Any

import pytest
from dialogue_support import lost_recent_slots, make_tracker, run, slot_events, texts

from actions.claim import ABOVE_MAXIMUM, ValidateClaimForm
from cssecure.claims.app import ClaimsApp
from cssecure.i18n.catalog import tr


def _answer(slots: dict[str, Any], amount: str, domain: dict[str, Any]) -> tuple[Any, list[str]]:
    slots = {**slots, "insured_value": None, "requested_slot": "insured_value"}
    tracker = make_tracker(slots, text=f"{amount} RMB", intent="inform",
                           candidates={"insured_value": f"{amount} RMB"},
                           active_loop="claim_form")
    events, messages = run(ValidateClaimForm(), tracker, domain)
    return slot_events(events).get("insured_value"), texts(messages)


def _notice(amount: str, maximum: str, language: str = "en") -> str:
    from actions.texts import money_text

    return tr(language, ABOVE_MAXIMUM, amount=money_text(amount, language),
              maximum=money_text(maximum, language))


@pytest.mark.parametrize(
    ("amount", "noticed"),
    [("10000.00", False), ("10000.01", True), ("50000", True), ("500", False)],
)
def test_the_general_maximum_at_the_limit_and_one_cent_over(
    claims_app: ClaimsApp, domain: dict[str, Any], amount: str, noticed: bool
) -> None:
    stored, messages = _answer(lost_recent_slots(), amount, domain)
    assert stored == f"{float(amount):.2f}"  # kept as given: the engine caps the payout
    assert messages == ([_notice(stored, "10000.00")] if noticed else [])


@pytest.mark.parametrize(("amount", "noticed"), [("2180.00", False), ("2180.01", True)])
def test_sal_to_germany_has_its_own_maximum(
    claims_app: ClaimsApp, domain: dict[str, Any], amount: str, noticed: bool
) -> None:
    slots = lost_recent_slots(shipping_line="China Post SAL", destination_country="DE",
                              shipping_fee="180.00")
    stored, messages = _answer(slots, amount, domain)
    assert stored == amount
    assert messages == ([_notice(amount, "2180.00")] if noticed else [])


@pytest.mark.parametrize("language", ["de", "fr", "es", "it", "nl", "pl", "pt"])
def test_the_notice_is_in_the_customers_language(
    claims_app: ClaimsApp, domain: dict[str, Any], language: str
) -> None:
    _, messages = _answer(lost_recent_slots(language=language), "50000", domain)
    assert messages == [_notice("50000.00", "10000.00", language)]
    assert "{" not in messages[0] and "Noted" not in messages[0]
