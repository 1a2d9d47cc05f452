"""The claims services the fast tests reached only through other folders (console, handoff,
channels), here on the real SQLite store: what the mutants of services.py showed unpinned
(issue 20). Each test names the rule it pins."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from cssecure.claims import orm, services
from cssecure.claims.app import ClaimsApp
from cssecure.claims.errors import ClaimNotFound, InvalidClaim
from cssecure.claims.model import REPORTED_AGAIN_REASON

from .support import file_lost, lost_facts, make_parcel


def _history(app: ClaimsApp, reference: str) -> list[tuple[str, str | None, str, str]]:
    detail = app.claim_detail(reference)
    assert detail is not None
    return [(h["actor"], h["from"], h["to"], h["note"]) for h in detail["history"]]


def _outbox(app: ClaimsApp) -> list[tuple[str, Any, Any]]:
    with app.engine.connect() as conn:
        rows = conn.execute(sa.select(orm.outbox).order_by(orm.outbox.c.id)).all()
    return [(r.topic, r.payload["reference"], r.payload["reason"]) for r in rows]


def test_reporting_an_open_claim_again_with_a_new_detail_notes_it_and_asks_a_person(
    app: ClaimsApp,
) -> None:
    first = file_lost(app, flag_for_agent=True)
    assert first["agent_reason"] is None  # approved for a signed-in owner: nobody asked
    again = file_lost(app, flag_for_agent=True, conversation_id="conv-2",
                      items_value="900.00", report_date="2024-07-11")
    assert (again["reference"], again["created"]) == (first["reference"], False)
    assert again["agent_reason"] == REPORTED_AGAIN_REASON
    assert _history(app, first["reference"])[-2:] == [
        ("customer via web", "approved", "approved", "reported again: items_value 900.00"),
        ("assistant", "approved", "approved", f"agent requested: {REPORTED_AGAIN_REASON}"),
    ]
    assert _outbox(app) == [("agent_requested", first["reference"], REPORTED_AGAIN_REASON)]


def test_reporting_again_with_nothing_new_but_the_day_changes_nothing(app: ClaimsApp) -> None:
    first = file_lost(app, flag_for_agent=True)
    before = _history(app, first["reference"])
    again = file_lost(app, flag_for_agent=True, conversation_id="conv-2",
                      report_date="2024-07-11")
    assert (again["created"], again["agent_reason"]) == (False, None)
    assert _history(app, first["reference"]) == before
    assert _outbox(app) == []


def test_reporting_again_without_the_assistant_notes_but_asks_nobody(app: ClaimsApp) -> None:
    first = file_lost(app)
    again = file_lost(app, conversation_id="conv-2", shipping_fee="250.00")
    assert (again["created"], again["agent_reason"]) == (False, None)
    assert _history(app, first["reference"])[-1] == (
        "customer via web", "approved", "approved", "reported again: shipping_fee 250.00"
    )
    assert _outbox(app) == []


def test_an_agent_hands_a_claim_back_and_notes_go_into_the_history(app: ClaimsApp) -> None:
    reference = file_lost(app)["reference"]
    app.request_agent(reference, "conv-1", "asked for a person")
    handed = app.hand_back(f" {reference.lower()} ", agent="agent-amy", note="answered")
    assert handed["needs_agent"] is False
    assert (handed["history"][-1]["actor"], handed["history"][-1]["note"]) == (
        "agent-amy", "handed back: answered"
    )
    noted = services.add_note(app.uow, reference.lower(), actor="agent-amy",
                              note="told the customer")
    assert (noted.history[-1].actor, noted.history[-1].note) == ("agent-amy", "told the customer")
    assert _history(app, reference)[-1] == (
        "agent-amy", "approved", "approved", "told the customer"
    )
    with pytest.raises(ClaimNotFound):
        services.add_note(app.uow, "CS-2026-000404", actor="agent-amy", note="x")


def test_a_claim_is_found_by_its_reference_in_any_case_and_spacing(app: ClaimsApp) -> None:
    reference = file_lost(app)["reference"]
    assert services.get_claim(app.uow, f"  {reference.lower()} ").reference == reference
    with pytest.raises(ClaimNotFound):
        services.get_claim(app.uow, "CS-2026-000404")


def test_the_room_left_on_a_parcel_is_read_from_the_store(app: ClaimsApp) -> None:
    reference = file_lost(app)["reference"]
    claim = services.get_claim(app.uow, reference)
    # Its own approval does not count against itself: the parcel's compensation limit.
    assert services.room_of(app.uow, claim) == Decimal("1000.00")


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("250", "250"), ("250.5", "250.5"), (" 250.50 ", "250.50"), (Decimal("0"), "0")],
)
def test_a_payout_typed_by_a_person_is_read_exactly(typed: Decimal | str, amount: str) -> None:
    assert str(services.parse_payout(typed)) == amount


@pytest.mark.parametrize(
    ("typed", "message"),
    [("-1", "payout: must not be negative (got -1)"),
     ("1.234", "payout: at most 2 decimal places (got 1.234)"),
     ("x", "payout: expected a number, got 'x'")],
)
def test_a_payout_that_is_no_amount_is_refused_saying_why(typed: str, message: str) -> None:
    with pytest.raises(InvalidClaim) as refused:
        services.parse_payout(typed)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    "payout", [{"payout_rmb": Decimal("10")}, {"payout_form": "refund"}],
    ids=["an amount", "a form"],
)
def test_a_rejection_carries_no_payout(app: ClaimsApp, payout: dict[str, Any]) -> None:
    reference = file_lost(app, loss_proof=False, report_date="2024-03-20")["reference"]
    app.change_status(reference, "in_review", agent="agent-amy", note="appeal")
    before = app.claim_detail(reference)
    with pytest.raises(InvalidClaim, match="^A rejection takes no payout.$"):
        services.decide(app.uow, reference, approve=False, note="no", actor="agent-amy",
                        **payout)
    assert app.claim_detail(reference) == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"claim_type": "stolen"},
         "Unknown claim type 'stolen'; expected one of damaged, lost, seized, returned, delayed."),
        ({"parcel_id": "bad id!"}, "'bad id!' is not a valid parcel number."),
        ({"customer_id": "bad id!"}, "'bad id!' is not a valid customer id."),
        ({"facts": {**lost_facts(), "parcel_id": "P9"}},
         "The facts name parcel_id 'P9', not 'P100001'."),
        ({"facts": {**lost_facts(), "claim_type": "seized"}},
         "The facts name claim_type 'seized', not 'lost'."),
    ],
)
def test_a_filing_with_bad_identifiers_is_refused_and_stores_nothing(
    app: ClaimsApp, changes: dict[str, Any], message: str
) -> None:
    request: dict[str, Any] = {
        "parcel_id": "P100001", "claim_type": "lost", "facts": lost_facts(),
        "customer_id": "cust-1", "channel": "web", "conversation_id": "conv-1",
        "verified": True, "parcel": None, **changes,
    }
    with pytest.raises(InvalidClaim) as refused:
        services.file_claim(app.uow, **request)
    assert str(refused.value) == message
    assert services.list_claims(app.uow) == []


def test_the_same_claim_is_the_filers_open_claim_of_that_type(app: ClaimsApp) -> None:
    reference = file_lost(app)["reference"]
    claim = services.get_claim(app.uow, reference)
    lost = {"claim_type": "lost"}
    assert services.same_claim(claim, lost, "cust-1", "conv-9") is True  # same customer
    assert services.same_claim(claim, {"claim_type": "delayed"}, "cust-1", "conv-1") is False
    assert services.same_claim(claim, lost, "cust-2", "conv-1") is False  # another customer
    app.change_status(reference, "withdrawn", agent="customer", note="found it")
    closed = services.get_claim(app.uow, reference)
    assert services.same_claim(closed, lost, "cust-1", "conv-1") is False


def test_an_anonymous_claim_is_the_same_claim_only_in_its_conversation(app: ClaimsApp) -> None:
    reference = file_lost(app, customer_id=None, verified=False)["reference"]
    claim = services.get_claim(app.uow, reference)
    lost = {"claim_type": "lost"}
    assert services.same_claim(claim, lost, None, "conv-1") is True
    assert services.same_claim(claim, lost, None, "conv-2") is False


def test_repeating_a_statement_the_record_overruled_is_nothing_new(app: ClaimsApp) -> None:
    # The record says 800.00 of goods; the customer says 900.00: the claim keeps the record's
    # value and the customer's as claimed. Saying 900.00 again reports nothing new.
    app.import_parcels([make_parcel()])
    first = file_lost(app, items_value="900.00", flag_for_agent=True)
    detail = app.claim_detail(first["reference"])
    assert detail is not None
    assert detail["fact_sources"]["items_value"]["claimed"] == "900.00"
    before = _history(app, first["reference"])
    outbox = _outbox(app)
    again = file_lost(app, items_value="900.00", flag_for_agent=True, conversation_id="conv-2",
                      report_date="2024-07-11")
    assert (again["reference"], again["created"], again["agent_reason"]) == (
        first["reference"], False, None
    )
    assert _history(app, first["reference"]) == before
    assert _outbox(app) == outbox
