"""The claims services the fast tests reached only through other folders (console, handoff,
channels), here on the real SQLite store: what the mutants of services.py showed unpinned
(issue 20). Each test names the rule it pins."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from cssecure.claims import orm, services
from cssecure.claims.app import ClaimsApp
from cssecure.claims.errors import ClaimNotFound, InvalidClaim, InvalidTransition
from cssecure.claims.model import EXPOSURE_REASON, REPORTED_AGAIN_REASON, SUPERSEDED_REASON

from .support import file_lost, lost_facts, make_parcel, record_of

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32


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


# --- the team's notification, the staff queue, decisions (issue 20, second round) ---------


def _payloads(app: ClaimsApp) -> list[tuple[str, dict[str, Any]]]:
    with app.engine.connect() as conn:
        rows = conn.execute(sa.select(orm.outbox).order_by(orm.outbox.c.id)).all()
    return [(r.topic, dict(r.payload)) for r in rows]


def _file(app: ClaimsApp, **changes: Any) -> services.Filed:
    """``services.file_claim`` of a lost claim for ``cust-1`` on parcel P100001, whose
    record holds what the claim says of it (``parcel`` may be given: None, no record)."""
    request: dict[str, Any] = {
        "parcel_id": "P100001", "claim_type": "lost", "facts": lost_facts(),
        "customer_id": "cust-1", "channel": "web", "conversation_id": "conv-1",
        "verified": True, **changes,
    }
    if "parcel" not in request:
        request["parcel"] = record_of(request["parcel_id"], request["customer_id"],
                                      request["facts"])
    return services.file_claim(app.uow, **request)


def test_the_teams_notification_names_the_claim_and_the_conversation(app: ClaimsApp) -> None:
    reference = file_lost(app)["reference"]
    app.request_agent(reference, "conv-5", "asked for a person")
    app.request_agent(None, "conv-6", "no claim yet")
    assert _payloads(app) == [
        ("agent_requested", {
            "reference": reference, "conversation_id": "conv-5", "reason": "asked for a person",
            "parcel_id": "P100001", "claim_type": "lost", "status": "approved",
            "channel": "web"}),
        ("agent_requested", {
            "reference": None, "conversation_id": "conv-6", "reason": "no claim yet"}),
    ]


def test_the_staff_queue_filters_by_status_and_by_waiting_for_a_person(app: ClaimsApp) -> None:
    approved = file_lost(app)["reference"]
    rejected = file_lost(app, "P100002", report_date="2024-03-20")["reference"]
    app.request_agent(rejected, "conv-1", "asked for a person")
    refs = [c.reference for c in services.list_claims(app.uow)]
    assert sorted(refs) == sorted([approved, rejected])
    assert [c.reference for c in services.list_claims(app.uow, status="approved")] == [approved]
    assert [c.reference for c in services.list_claims(app.uow, status="rejected")] == [rejected]
    assert [c.reference for c in services.list_claims(app.uow, needs_agent=True)] == [rejected]
    assert [c.reference for c in services.list_claims(app.uow, needs_agent=False)] == [approved]


def test_an_approval_keeps_the_payout_form_the_person_chose(app: ClaimsApp) -> None:
    reference = file_lost(app, report_date="2024-03-20")["reference"]  # rejected: too early
    app.change_status(reference, "in_review", agent="agent-amy", note="appeal")
    app.request_agent(reference, "conv-1", "asked for a person")
    claim = services.decide(app.uow, reference, approve=True, note="ok", actor="agent-amy",
                            payout_rmb=Decimal("150.00"), payout_form="voucher")
    assert (claim.status, claim.payout_rmb, claim.payout_form) == (
        "approved", Decimal("150.00"), "voucher")
    # Deciding answers the request for a person.
    assert claim.needs_agent is False
    assert _history(app, reference)[-1] == (
        "agent-amy", "approved", "approved", "handed back: decided")


def test_a_refund_cannot_be_recorded_as_a_voucher(app: ClaimsApp) -> None:
    reference = file_lost(app)["reference"]
    with pytest.raises(InvalidTransition) as refused:
        services.change_status(app.uow, reference, "voucher_issued", actor="agent-amy", note="")
    assert str(refused.value) == (
        f"Claim {reference} was approved as a refund; record it as paid, not voucher_issued."
    )
    assert services.get_claim(app.uow, reference).status == "approved"


def test_a_filing_key_is_the_hash_of_the_request_in_one_canonical_form() -> None:
    facts = {"b": 2, "a": "x"}
    canonical = '["P1","lost","conv-1",{"a":"x","b":2}]'
    assert services.filing_key("P1", "lost", "conv-1", facts) == (
        hashlib.sha256(canonical.encode()).hexdigest())
    assert services.filing_key("P1", "lost", "conv-1", {"a": "x", "b": 2}) == (
        services.filing_key("P1", "lost", "conv-1", facts))


def test_an_assessment_keeps_the_engines_warnings() -> None:
    facts = {**lost_facts(insured_value="1500.00"), "claim_type": "lost", "parcel_id": "P1"}
    assert services.assess_facts(facts)["warnings"] == ["over_insured"]
    assert services.assess_facts({**lost_facts(), "claim_type": "lost"})["warnings"] == []


def test_importing_parcels_counts_each_outcome(app: ClaimsApp) -> None:
    first = [make_parcel(), make_parcel(parcel_id="P100002")]
    assert services.import_parcels(app.uow, first) == {"added": 2, "updated": 0, "unchanged": 0}
    again = [make_parcel(), make_parcel(parcel_id="P100002", items_value="700.00"),
             make_parcel(parcel_id="P100003")]
    assert services.import_parcels(app.uow, again) == {"added": 1, "updated": 1, "unchanged": 1}


def test_the_service_clock_is_utc() -> None:
    assert services.utcnow().tzinfo is timezone.utc


def test_kept_files_older_than_one_day_go_with_keep_days_1(app: ClaimsApp) -> None:
    kept = app.attach_loose_evidence("conv-1", None, "photo", "a.jpg", JPEG, "web")
    received = datetime.fromisoformat(kept["received_at"])
    later = received + timedelta(days=1, seconds=1)
    assert services.expire_held_evidence(app.uow, app.evidence_store, keep_days=1,
                                         now=lambda: later) == 1
    assert app.loose_evidence(kept["evidence_id"], "conv-1") is None


# --- filing: the defaults, the refusals, superseding ------------------------------------


def test_a_filing_flags_nobody_unless_asked(app: ClaimsApp) -> None:
    filed = _file(app, customer_id=None, verified=False)  # anonymous: a person would check
    assert filed.agent_reason is None and filed.claim.needs_agent is False
    flagged = _file(app, parcel_id="P100002", customer_id=None, verified=False,
                    flag_for_agent=True)
    assert flagged.agent_reason is not None
    assert _history(app, flagged.claim.reference)[-1][0] == "assistant"


def test_facts_that_cannot_be_stored_are_refused_saying_why(app: ClaimsApp) -> None:
    with pytest.raises(InvalidClaim) as refused:
        _file(app, facts={**lost_facts(), "items_value": object()})
    assert str(refused.value) == (
        "Cannot store the facts: items_value: object cannot be stored as a fact.")
    with pytest.raises(InvalidClaim) as settled:
        services.settle_claim({**lost_facts(), "claim_type": "lost", "loss_proof": object()},
                              parcel=None, evidence_kinds=[])
    assert str(settled.value) == (
        "Cannot store the facts: loss_proof: object cannot be stored as a fact.")
    assert services.list_claims(app.uow) == []


def test_a_second_owner_of_an_open_claim_is_told_in_a_sentence(app: ClaimsApp) -> None:
    _file(app)
    with pytest.raises(InvalidClaim) as refused:
        _file(app, customer_id="cust-2", conversation_id="conv-2")
    assert str(refused.value) == (
        "There is already an open lost claim for parcel P100001 from another account. If it "
        "is yours, continue where you filed it or sign in with that account; otherwise a "
        "person from our team can help.")


def test_an_anonymous_filer_is_told_of_their_own_linked_claims(app: ClaimsApp) -> None:
    first = _file(app, customer_id=None, verified=False)
    second = _file(app, claim_type="delayed", customer_id=None, verified=False,
                   facts=lost_facts(claim_type="delayed"))
    assert second.own_linked == (first.claim.reference,)
    other = _file(app, customer_id=None, verified=False, conversation_id="conv-2")
    assert other.claim.linked_claims == [first.claim.reference, second.claim.reference]
    assert other.own_linked == ()


def test_a_filing_decides_with_the_assessor_it_is_given(app: ClaimsApp) -> None:
    def by_hand(facts: Any) -> dict[str, Any]:
        return {**services.assess_facts(facts), "reasons": ["checked by hand"]}

    filed = _file(app, assessor=by_hand)
    assert services.get_claim(app.uow, filed.claim.reference).assessment["reasons"] == [
        "checked by hand"]


def test_a_strangers_paid_claim_still_counts_against_the_owners_room(app: ClaimsApp) -> None:
    # Superseded, but its money has moved: the owner's claim may pay only what is left.
    stranger = _file(app, customer_id=None, verified=False, conversation_id="conv-9").claim
    app.decide(stranger.reference, approve=True, note="checked", agent="agent-amy")
    app.change_status(stranger.reference, "paid", agent="agent-amy", note="")
    owner = _file(app).claim
    assert owner.linked_claims == []
    assert (owner.status, owner.hold_reason) == ("in_review", EXPOSURE_REASON)


def test_the_owners_claim_supersedes_a_strangers_and_tells_the_team(app: ClaimsApp) -> None:
    stranger = _file(app, customer_id=None, verified=False, conversation_id="conv-9")
    owner = _file(app)
    assert (owner.claim.linked_claims, owner.own_linked) == ([], ())
    history = _history(app, stranger.claim.reference)
    assert history[-1][0] == "assistant"
    superseded = [p for t, p in _payloads(app) if p["reference"] == stranger.claim.reference]
    assert [(p["conversation_id"], p["reason"], p["claim_type"]) for p in superseded] == [
        ("conv-9", SUPERSEDED_REASON, "lost")]
    assert all(t == "agent_requested" for t, _ in _payloads(app))


def test_a_signed_in_filers_own_unverified_claim_is_linked_not_superseded(
    app: ClaimsApp,
) -> None:
    earlier = _file(app, claim_type="delayed", verified=False,
                    facts=lost_facts(claim_type="delayed")).claim
    settled = services.settle_claim(
        {**lost_facts(), "claim_type": "lost", "parcel_id": "P100001"}, parcel=None,
        evidence_kinds=[], others=[earlier], customer_id="cust-1", conversation_id="conv-2",
        verified=True,
    )
    assert (settled.superseded, settled.linked_claims) == ([], [earlier.reference])


def test_settling_without_a_filer_supersedes_nothing(app: ClaimsApp) -> None:
    stranger = _file(app, customer_id=None, verified=False, conversation_id="conv-9").claim
    settled = services.settle_claim(
        {**lost_facts(), "claim_type": "lost", "parcel_id": "P100001"}, parcel=None,
        evidence_kinds=[], others=[stranger])
    assert (settled.superseded, settled.linked_claims) == ([], [stranger.reference])


def test_an_approved_claim_of_the_same_filer_counts_against_the_room(app: ClaimsApp) -> None:
    approved = _file(app).claim
    assert approved.status == "approved" and approved.payout_rmb == Decimal("1000.00")
    settled = services.settle_claim(
        {**lost_facts(), "claim_type": "damaged", "parcel_id": "P100001"}, parcel=None,
        evidence_kinds=[], others=[approved], customer_id="cust-1", conversation_id="conv-1",
        verified=True,
    )
    assert settled.payout_room == Decimal("0.00")



def test_a_repeated_overruled_statement_does_not_hide_a_new_detail_after_it(
    app: ClaimsApp,
) -> None:
    app.import_parcels([make_parcel()])
    first = file_lost(app, items_value="900.00")  # the record's 800.00 wins; 900.00 claimed
    again = file_lost(app, items_value="900.00", insured_value="1100.00",
                      conversation_id="conv-2", report_date="2024-07-11")
    assert (again["reference"], again["created"]) == (first["reference"], False)
    assert _history(app, first["reference"])[-1][3] == "reported again: insured_value 1100.00"


def test_the_parcels_total_binds_when_an_earlier_claim_was_paid_on_other_facts(
    app: ClaimsApp,
) -> None:
    # The return was filed saying a 300.00 fee (voucher 300.00), the record agreeing;
    # the loss says 200.00, whose limits are 1000.00 compensation and 1240.00 in all.
    returned = _file(app, claim_type="returned", facts=lost_facts(
        claim_type="returned", shipping_fee="300.00", insured_value="1100.00",
        voucher_used_before=False)).claim
    assert (returned.status, returned.payout_rmb) == ("approved", Decimal("300.00"))
    settled = services.settle_claim(
        {**lost_facts(), "claim_type": "lost", "parcel_id": "P100001"}, parcel=None,
        evidence_kinds=[], others=[returned], customer_id="cust-1", conversation_id="conv-1",
        verified=True,
    )
    assert settled.payout_room == Decimal("940.00")  # 1240.00 - 300.00, below 1000.00
