"""Integration tests of the claims service on SQLite and PostgreSQL (through ClaimsApp)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from cssecure.claims import orm, services
from cssecure.claims.app import ClaimsApp
from cssecure.claims.errors import (
    ClaimsUnavailable,
    ConcurrentUpdate,
    EvidenceRejected,
    InvalidClaim,
    InvalidTransition,
)
from cssecure.claims.model import LINKED_REASON, NOT_ON_RECORD_REASON

from .support import file_lost, lost_facts, make_parcel
from .test_evidence import JPEG, PNG

# ------------------------------------------------------------------------ filing


def test_filing_stores_the_facts_and_the_engines_assessment(app: ClaimsApp) -> None:
    filed = file_lost(app)
    assert filed["created"] is True
    assert filed["reference"] == f"CS-{filed['reference'][3:7]}-000001"
    assert filed["status"] == "approved"
    assert filed["assessment"]["decision"] == "approve"
    assert filed["assessment"]["payout_rmb"] == "1000.00"
    assert filed["assessment"]["terms_version"]
    claim = app.claim_detail(filed["reference"])
    assert claim is not None
    assert claim["facts"]["items_value"] == "800.00" and claim["facts"]["loss_proof"] is False
    # Every stored fact says where it came from (issue 12): the record, or the customer.
    assert claim["fact_sources"]["items_value"]["source"] == "record"
    assert claim["fact_sources"]["loss_proof"]["source"] == "customer"
    assert claim["fact_sources"]["items_value"]["value"] == "800.00"
    assert claim["fact_sources"]["items_value"]["at"].startswith(claim["created_at"][:10])
    assert claim["payout_rmb"] == "1000.00" and claim["payout_form"] == "refund"
    assert [(h["from"], h["to"]) for h in claim["history"]] == [
        (None, "submitted"),
        ("submitted", "approved"),
    ]


@pytest.mark.parametrize("verified", [True, False])
def test_a_parcel_not_on_the_record_is_never_approved_on_the_customers_word(
    app: ClaimsApp, verified: bool
) -> None:
    """Issue 14 trial: a made-up parcel number was assessed "approve 1000 RMB" with every
    fact, "insured" included, from the customer alone. The engine's decision is kept for
    the agent; the claim waits for a person, who is told why, and nothing is paid."""
    filed = file_lost(app, on_record=False, flag_for_agent=True, verified=verified,
                      **({} if verified else {"customer_id": None}))
    assert filed["assessment"]["decision"] == "approve"
    assert filed["status"] == "in_review"
    assert filed["agent_reason"].startswith(NOT_ON_RECORD_REASON)
    claim = app.claim_detail(filed["reference"])
    assert claim is not None
    assert claim["payout_rmb"] is None
    assert claim["fact_sources"]["insured"]["source"] == "customer"
    assert claim["needs_agent"] is True
    # A second claim on the same unknown parcel is held for the link, and still says so.
    second = file_lost(app, on_record=False, flag_for_agent=True, verified=False,
                       customer_id=None, conversation_id="conv-other")
    assert second["status"] == "in_review"
    assert NOT_ON_RECORD_REASON in second["agent_reason"]
    assert LINKED_REASON in second["agent_reason"]


@pytest.mark.parametrize("on_record", [True, False])
def test_the_summary_says_a_person_checks_a_parcel_not_on_the_record(
    app: ClaimsApp, on_record: bool
) -> None:
    """The preview the customer confirms holds what the filing holds: a signed-in
    customer's approval on a parcel the agency knows is paid; on one it does not know, a
    person confirms it first."""
    if on_record:
        app.import_parcels([make_parcel()])
    preview = app.preview_claim(parcel_id="P100001", facts=lost_facts(claim_type="lost"),
                                customer_id="cust-1",
                                conversation_id="conv-1", verified=True)
    assert preview["assessment"]["decision"] == "approve"
    assert preview["held"] is (not on_record)


def test_filing_again_returns_the_open_ticket(app: ClaimsApp) -> None:
    first = file_lost(app, loss_proof=False, report_date="2024-04-01")  # too early: reject
    assert first["status"] == "rejected"
    second = file_lost(app, conversation_id="conv-2", report_date="2024-07-10")
    third = file_lost(app, conversation_id="conv-3", report_date="2024-07-11")
    assert second["created"] and not third["created"]
    assert third["reference"] == second["reference"] != first["reference"]
    assert third["assessment"] == second["assessment"]


def test_a_retried_request_finds_its_closed_ticket(app: ClaimsApp) -> None:
    first = file_lost(app, loss_proof=False, report_date="2024-04-01")
    retry = file_lost(app, loss_proof=False, report_date="2024-04-01")
    assert first["status"] == "rejected"
    assert (retry["reference"], retry["created"]) == (first["reference"], False)
    # Months later the customer may file again: a new request, a new ticket.
    later = file_lost(app, loss_proof=False, report_date="2024-07-15")
    assert later["created"] and later["status"] == "approved"


def test_references_count_up_without_gaps(app: ClaimsApp) -> None:
    refs = [file_lost(app, parcel_id=f"P10000{i}")["reference"] for i in range(1, 4)]
    assert [r[-6:] for r in refs] == ["000001", "000002", "000003"]
    assert file_lost(app, parcel_id="P100001")["reference"] == refs[0]  # open: same ticket
    assert file_lost(app, parcel_id="P100004")["reference"].endswith("000004")


def test_a_parcel_on_another_account_cannot_be_claimed(app: ClaimsApp) -> None:
    app.import_parcels([make_parcel(customer_id="someone-else")])
    with pytest.raises(InvalidClaim, match="not on your account"):
        file_lost(app)
    assert app.list_claims() == []


def test_an_anonymous_customer_files_an_owned_parcel_unverified(app: ClaimsApp) -> None:
    app.import_parcels([make_parcel(customer_id="someone-else")])
    filed = file_lost(app, customer_id=None, verified=False)
    assert filed["created"]
    shown = app.claim_detail(filed["reference"])
    assert shown["verified"] is False
    assert shown["customer_id"] is None


def test_facts_the_engine_refuses_store_nothing(app: ClaimsApp) -> None:
    with pytest.raises(InvalidClaim, match="items_value"):
        file_lost(app, items_value="-5", on_record=False)
    with pytest.raises(InvalidClaim, match="The facts name parcel_id 'P999', not 'P100001'"):
        app.file_claim(
            parcel_id="P100001",
            claim_type="lost",
            facts={**lost_facts(), "parcel_id": "P999"},
            customer_id="cust-1",
            channel="web",
            conversation_id="c",
            verified=True,
        )
    assert app.list_claims() == []


# ---------------------------------------------------------------------- reading


def test_customers_see_only_their_own_claims(app: ClaimsApp) -> None:
    ref = file_lost(app)["reference"]
    mine = app.get_claim(ref, "cust-1")
    assert mine is not None and mine["facts"]["parcel_id"] == "P100001"
    assert "stored_name" not in str(mine)
    assert app.get_claim(ref, "cust-2") is None
    assert app.get_claim(ref) == {"reference": ref, "status": "approved", "open": True}
    assert app.get_claim("CS-2099-999999", "cust-1") is None
    assert app.get_claim("not a reference", "cust-1") is None
    assert [c["reference"] for c in app.claims_for_customer("cust-1")] == [ref]
    assert app.claims_for_customer("cust-2") == []


def test_lookup_parcel_shows_facts_only_to_the_owner(app: ClaimsApp) -> None:
    app.import_parcels([make_parcel()])
    facts = app.lookup_parcel("P100001", "cust-1")
    assert facts is not None
    assert facts["items_value"] == "800.00" and facts["shipped_date"] == "2024-02-03"
    assert "customer_id" not in facts
    assert app.lookup_parcel("P100001") == {"parcel_id": "P100001", "exists": True}
    assert app.lookup_parcel("P100001", "cust-2") is None
    assert app.lookup_parcel("P999999", "cust-1") is None
    assert app.lookup_parcel("../../etc", "cust-1") is None


def test_parcel_import_is_idempotent_and_updates(app: ClaimsApp) -> None:
    assert app.import_parcels([make_parcel()]) == {"added": 1, "updated": 0, "unchanged": 0}
    assert app.import_parcels([make_parcel()]) == {"added": 0, "updated": 0, "unchanged": 1}
    changed = make_parcel(delivered_date=make_parcel().shipped_date)
    assert app.import_parcels([changed]) == {"added": 0, "updated": 1, "unchanged": 0}
    parcel = app.parcel("P100001")
    assert parcel is not None and parcel["delivered_date"] == "2024-02-03"


# ----------------------------------------------------------------------- changes


def test_decide_reject_and_reopen_keep_the_whole_history(app: ClaimsApp) -> None:
    ref = file_lost(app, loss_proof=False, report_date="2024-03-20")["reference"]
    app.request_agent(ref, "conv-1", "customer disagrees")
    reopened = app.change_status(ref, "in_review", agent="agent-amy", note="appeal: new letter")
    assert reopened["status"] == "in_review" and reopened["needs_agent"] is True
    decided = app.decide(
        ref, approve=True, note="carrier letter seen", agent="agent-amy", payout_rmb="999.99"
    )
    assert decided["status"] == "approved" and decided["payout_rmb"] == "999.99"
    assert decided["needs_agent"] is False  # deciding hands the claim back
    paid = app.change_status(ref, "paid", agent="cashier", note="transfer 42")
    steps = [(h["actor"], h["from"], h["to"]) for h in paid["history"]]
    assert steps == [
        ("customer via web", None, "submitted"),
        ("rules-engine", "submitted", "rejected"),
        ("assistant", "rejected", "rejected"),
        ("agent-amy", "rejected", "in_review"),
        ("agent-amy", "in_review", "approved"),
        ("agent-amy", "approved", "approved"),
        ("cashier", "approved", "paid"),
    ]
    assert paid["open"] is False


def test_a_refused_decision_changes_nothing(app: ClaimsApp) -> None:
    ref = file_lost(app)["reference"]
    before = app.claim_detail(ref)
    with pytest.raises(InvalidTransition, match="cannot go from approved to rejected"):
        app.decide(ref, approve=False, note="no", agent="amy")
    with pytest.raises(InvalidClaim, match="payout: must not be negative"):
        app.decide(ref, approve=True, note="x", agent="amy", payout_rmb="-1")
    assert app.claim_detail(ref) == before


def test_a_stale_copy_cannot_overwrite_a_newer_change(app: ClaimsApp, database_url: str) -> None:
    ref = file_lost(app)["reference"]
    with app.uow() as stale:
        claim = stale.claims.get(ref)
        assert claim is not None
        if database_url.startswith("sqlite"):
            # SQLite serializes transactions (BEGIN IMMEDIATE), so the other writer can
            # only be simulated: it bumps the version as any saved change does.
            stale.claims.connection.execute(
                orm.claims.update().values(version=orm.claims.c.version + 1)
            )
        else:
            app.change_status(ref, "withdrawn", agent="customer", note="found it")
        claim.transition("in_review", actor="agent", note="look", at=claim.updated_at)
        with pytest.raises(ConcurrentUpdate, match="changed by someone else"):
            stale.commit()
    detail = app.claim_detail(ref)
    assert detail is not None
    assert detail["status"] == ("approved" if database_url.startswith("sqlite") else "withdrawn")
    assert detail["history"][-1]["note"] != "look"


def test_request_agent_flags_the_claim_and_queues_one_notification(app: ClaimsApp) -> None:
    ref = file_lost(app)["reference"]
    app.request_agent(ref, "conv-1", "asked for a person")
    app.request_agent(None, "conv-9", "stuck")
    detail = app.claim_detail(ref)
    assert detail is not None and detail["needs_agent"] is True
    assert app.list_claims(needs_agent=True)[0]["reference"] == ref
    with app.engine.connect() as conn:
        rows = conn.execute(sa.select(orm.outbox).order_by(orm.outbox.c.id)).all()
    assert [(r.topic, r.payload["reference"], r.payload["reason"]) for r in rows] == [
        ("agent_requested", ref, "asked for a person"),
        ("agent_requested", None, "stuck"),
    ]


@pytest.mark.parametrize("changes, flagged", [
    ({}, False),  # approved for a signed-in customer
    ({"verified": False, "customer_id": None}, True),  # approved, anonymous: owner check
    # A buy-it-yourself order without proof of value: review.
    ({"order_type": "biy", "value_proof": False, "biy_marked_correctly": True}, True),
])
def test_the_assistants_filing_flags_a_claim_needing_a_person_in_one_transaction(
    app: ClaimsApp, changes: dict[str, object], flagged: bool
) -> None:
    filed = file_lost(app, flag_for_agent=True, **changes)
    detail = app.claim_detail(filed["reference"])
    assert detail is not None and detail["needs_agent"] is flagged
    with app.engine.connect() as conn:
        rows = conn.execute(sa.select(orm.outbox)).all()
    expected = filed["agent_reason"]
    assert (expected is not None) is flagged
    assert [(r.topic, r.payload["reference"], r.payload["reason"]) for r in rows] == (
        [("agent_requested", filed["reference"], expected)] if flagged else []
    )
    # Filing again finds the ticket and asks nobody twice.
    again = file_lost(app, flag_for_agent=True, **changes)
    assert (again["created"], again["agent_reason"]) == (False, None)
    with app.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(orm.outbox)).scalar() == (
            1 if flagged else 0
        )


def test_staff_filing_flags_nobody(app: ClaimsApp) -> None:
    # Review, filed without flag_for_agent (the admin command line).
    filed = file_lost(app, order_type="biy", value_proof=False, biy_marked_correctly=True)
    assert filed["assessment"]["decision"] == "review" and filed["agent_reason"] is None
    detail = app.claim_detail(filed["reference"])
    assert detail is not None and detail["needs_agent"] is False


def test_request_agent_for_an_unknown_claim_queues_nothing(app: ClaimsApp) -> None:
    with pytest.raises(Exception, match="No claim"):
        app.request_agent("CS-2026-000404", "conv-1", "help")
    with app.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(orm.outbox)).scalar() == 0


# ---------------------------------------------------------------------- evidence


def test_evidence_is_stored_privately_and_recorded(app: ClaimsApp, tmp_path: Path) -> None:
    ref = file_lost(app)["reference"]
    stored = app.attach_evidence(ref, "photo", "box.jpg", JPEG, "telegram")
    assert stored["created"] and stored["content_type"] == "image/jpeg"
    assert stored["evidence_id"].startswith("ev_")
    again = app.attach_evidence(ref, "photo", "box-again.jpg", JPEG, "telegram")
    assert (again["evidence_id"], again["created"]) == (stored["evidence_id"], False)
    record, path = app.evidence_path(ref, stored["evidence_id"])
    assert path.read_bytes() == JPEG and path.parent == tmp_path / "evidence"
    assert "box" not in path.name  # random name, not the customer's
    detail = app.claim_detail(ref)
    assert detail is not None and detail["evidence"] == [record]
    assert detail["history"][-1]["note"].startswith("evidence received: photo")


def test_refused_evidence_leaves_no_file_and_no_record(app: ClaimsApp, tmp_path: Path) -> None:
    ref = file_lost(app)["reference"]
    with pytest.raises(EvidenceRejected, match="must be one of"):
        app.attach_evidence(ref, "unboxing_video", "video.mp4", PNG, "web")
    app.change_status(ref, "withdrawn", agent="customer", note="found it")
    with pytest.raises(InvalidTransition, match="takes no more evidence"):
        app.attach_evidence(ref, "photo", "a.jpg", JPEG, "web")
    evidence_dir = tmp_path / "evidence"
    assert not evidence_dir.exists() or list(evidence_dir.iterdir()) == []
    detail = app.claim_detail(ref)
    assert detail is not None and detail["evidence"] == []


def test_evidence_bytes_are_removed_when_the_commit_fails(
    app: ClaimsApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = file_lost(app)["reference"]

    def refuse(self: object) -> None:
        raise ConcurrentUpdate("simulated collision")

    monkeypatch.setattr(services.UnitOfWork, "commit", refuse)
    with pytest.raises(ConcurrentUpdate):
        app.attach_evidence(ref, "photo", "a.jpg", JPEG, "web")
    assert list((tmp_path / "evidence").iterdir()) == []


# ------------------------------------------------------------------ availability


def test_the_app_opens_nothing_until_used(tmp_path: Path) -> None:
    app = ClaimsApp(f"sqlite:///{tmp_path / 'sub' / 'claims.db'}", tmp_path / "ev")
    assert not (tmp_path / "sub").exists() and not (tmp_path / "ev").exists()
    with pytest.raises(ClaimsUnavailable, match="run `cssecure db upgrade`"):
        app.list_claims()


def test_an_unreachable_database_is_reported_as_unavailable(tmp_path: Path) -> None:
    app = ClaimsApp(
        "postgresql+psycopg2://nobody@127.0.0.1:1/none",
        tmp_path,
        engine_options={"connect_args": {"connect_timeout": 2}},
    )
    with pytest.raises(ClaimsUnavailable, match="cannot be reached"):
        app.lookup_parcel("P1", "c")
    with pytest.raises(ClaimsUnavailable, match="cannot be reached"):
        file_lost(app, on_record=False)


def test_money_survives_the_database_exactly(app: ClaimsApp) -> None:
    app.import_parcels([make_parcel(items_value=Decimal("1234567890.12"))])
    parcel = app.parcel("P100001")
    assert parcel is not None and parcel["items_value"] == "1234567890.12"
