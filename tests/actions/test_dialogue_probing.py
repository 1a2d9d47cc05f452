"""Anonymous probing (issue 16, point 7): a customer who is not signed in learns nothing
about which parcel numbers exist nor about other people's claims on a parcel. The same
conversation on a parcel that exists and on one that does not gets the same words; the
summary of an anonymous claim never mentions someone else's claim."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from dialogue_support import ALICE, DAMAGED, LOST_RECENT, make_tracker, run, slot_events, texts

from actions.claim import ValidateClaimForm
from actions.texts import checks_text
from cssecure.claims.app import ClaimsApp

TODAY = date.today()


def _ask_parcel(parcel_id: str, **identity: Any) -> tuple[dict[str, Any], list[str]]:
    tracker = make_tracker(
        {"claim_type": "damaged", "report_date": TODAY.isoformat(), **identity},
        text=parcel_id,
        candidates={"parcel_id": parcel_id},
    )
    events, messages = run(ValidateClaimForm(), tracker, {})
    return slot_events(events), texts(messages)


@pytest.mark.parametrize("unknown", ["P999991", "P12345", "PX-7777777"])
def test_an_anonymous_customer_gets_the_same_answer_for_a_parcel_that_does_not_exist(
    claims_app: ClaimsApp, unknown: str
) -> None:
    known_slots, known_said = _ask_parcel(DAMAGED)
    unknown_slots, unknown_said = _ask_parcel(unknown)
    number = unknown.replace("-", "").upper()
    assert [t.replace(DAMAGED, "#") for t in known_said] == [
        t.replace(number, "#") for t in unknown_said
    ]
    assert known_slots["requested_slot"] == unknown_slots["requested_slot"] == "insured"
    assert unknown_slots["parcel_looked_up"] == number
    assert "one of ours" not in " ".join(known_said)


def test_a_signed_in_customer_is_still_told_a_parcel_is_not_on_their_account(
    claims_app: ClaimsApp,
) -> None:
    slots, said = _ask_parcel("P999991", customer_id=ALICE, verified=True, channel="web")
    assert slots["parcel_id"] is None
    assert said[0].startswith("I can't find parcel P999991 on your account.")


@pytest.mark.parametrize(("show_record", "mentioned"), [(True, True), (False, False)])
def test_someone_elses_claim_on_the_parcel_is_only_mentioned_to_a_signed_in_owner(
    show_record: bool, mentioned: bool
) -> None:
    preview = {"linked_claims": [], "others_linked": 1, "parcel_id": LOST_RECENT}
    text = checks_text(preview, show_record=show_record)
    assert ("another claim on this parcel" in text) is mentioned, text
