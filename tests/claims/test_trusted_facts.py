"""Money is decided on trusted facts only (issue 12), through the claims service.

Each reproduction of the issue, generalised to its kind: every fact the agency's record
holds, every evidence fact, every pair of claim types, anonymous and signed-in filers.
The service is the real one on SQLite and PostgreSQL; nothing of ours is mocked.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from web.evidence_media import undated_video

from cssecure.channels.evidence import (
    ConversationClaims,
    EvidenceTarget,
    awaited_kinds,
    evidence_kind,
)
from cssecure.claims.app import ClaimsApp
from cssecure.claims.errors import ClaimNotFound, InvalidClaim, InvalidTransition
from cssecure.claims.model import (
    DISAGREEMENT_REASON,
    EVIDENCE_CHECK_REASON,
    LINKED_REASON,
    REPORTED_AGAIN_REASON,
    SUPERSEDED_REASON,
    UNVERIFIED_REASON,
)
from cssecure.policy import payout_limit
from cssecure.policy.registry import REGISTRY

from .support import make_parcel

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
MP4 = undated_video()  # readable (an unreadable video is refused), not dated
PDF = b"%PDF-1.7\n" + b"\x00" * 32
FILES = {
    "unboxing_video": ("unboxing.mp4", MP4),
    "photo": ("damage.jpg", JPEG),
    "customs_letter": ("letter.pdf", PDF),
    "carrier_confirmation": ("carrier.pdf", PDF),
    "value_proof": ("order.pdf", PDF),
}

# One parcel on which every claim type would be approved on its own (delivered after 74
# days in transit, reported the day after delivery).
PARCEL = "P300001"
RECORD: dict[str, Any] = {
    "parcel_id": PARCEL,
    "delivered_date": date(2024, 4, 15),
}
REPORT = "2024-04-16"
STATEMENTS: dict[str, dict[str, Any]] = {
    "lost": {"loss_proof": True},
    "seized": {"seizure_proof": True, "seizure_extent": "complete"},
    "damaged": {
        "unboxing_video": True,
        "damage_kind": "broken",
        "damage_photos": True,
        "usable_after_damage": False,
        "affected_items_value": "300.00",
    },
    "returned": {"voucher_used_before": False},
    "delayed": {},
}
# The files that prove the "yes" answers above.
PROOF: dict[str, tuple[str, ...]] = {
    "lost": ("carrier_confirmation",),
    "seized": ("customs_letter",),
    "damaged": ("unboxing_video", "photo"),
    "returned": (),
    "delayed": (),
}
PAYOUT = {"lost": "1000.00", "seized": "1000.00", "damaged": "300.00", "returned": "200.00",
          "delayed": "40.00"}
CLAIM_TYPES = tuple(STATEMENTS)


def record_facts() -> dict[str, Any]:
    """What the customer would say if they said exactly what the record says."""
    parcel = make_parcel(**RECORD)
    facts = {k: v for k, v in parcel.facts().items() if k != "weight_kg"}
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in facts.items()}


@pytest.fixture
def store(app: ClaimsApp) -> ClaimsApp:
    """The claims app with the parcel on the agency's record (owner cust-1)."""
    app.import_parcels([make_parcel(**RECORD)])
    return app


def file(
    app: ClaimsApp,
    claim_type: str,
    *,
    conversation: str = "conv-1",
    customer_id: str | None = "cust-1",
    files: tuple[str, ...] | None = None,
    **said: Any,
) -> dict[str, Any]:
    """File a claim as the assistant does, with the files sent while reporting it."""
    draft = f"dr_{conversation}_{claim_type}"
    for kind in PROOF[claim_type] if files is None else files:
        name, data = FILES[kind]
        app.attach_draft_evidence(conversation, draft, kind, name, data, "web")
    facts = {**record_facts(), **STATEMENTS[claim_type], "report_date": REPORT, **said}
    return app.file_claim(
        parcel_id=PARCEL,
        claim_type=claim_type,
        facts=facts,
        customer_id=customer_id,
        channel="web",
        conversation_id=conversation,
        verified=customer_id is not None,
        flag_for_agent=True,
        draft_id=draft,
    )


@pytest.mark.parametrize("claim_type", CLAIM_TYPES)
def test_each_claim_type_on_trusted_facts_is_decided_at_its_payout(
    store: ClaimsApp, claim_type: str
) -> None:
    """On the record alone the engine's approval stands; one resting on files the customer
    sent waits for a person to look at them (a file's type proves nothing of its content)."""
    filed = file(store, claim_type)
    assert filed["assessment"]["payout_rmb"] == PAYOUT[claim_type]
    assert filed["disagreements"] == [] and filed["missing_evidence"] == []
    if PROOF[claim_type]:
        assert (filed["status"], filed["agent_reason"]) == ("in_review", EVIDENCE_CHECK_REASON)
        approved = store.decide(filed["reference"], approve=True, note="files checked",
                                agent="alice")
        assert approved["payout_rmb"] == PAYOUT[claim_type]
    else:
        assert (filed["status"], filed["agent_reason"]) == ("approved", None)


# ---------------------------------------------------------- the record beats a word


def _another(name: str, value: Any) -> Any:
    """A value of the fact that differs from the record's."""
    fact = REGISTRY.facts[name]
    if fact.type == "money":
        return str(Decimal(str(value)) * 10)
    if fact.type == "bool":
        return not value
    if fact.type == "date":
        return "2024-04-14" if value is None else (
            date.fromisoformat(str(value)) - timedelta(days=1)
        ).isoformat()
    if fact.type == "choice":
        return next(v for v in fact.values if v != value)
    if fact.type == "line":
        return "DHL"
    if fact.type == "country":
        return "DE"
    raise AssertionError(f"no other value for {name}")


RECORD_FACTS = [f.name for f in REGISTRY.record_facts if f.name not in ("parcel_id", "weight_kg")]


@pytest.mark.parametrize("name", RECORD_FACTS)
@pytest.mark.parametrize("claim_type", CLAIM_TYPES)
def test_a_statement_against_the_record_never_pays_on_the_customers_word(
    store: ClaimsApp, claim_type: str, name: str
) -> None:
    """Signed in, the customer "corrects" a fact the record holds: the record is used,
    the statement kept as claimed, and a person decides (reproduction 1, every fact)."""
    recorded = record_facts()[name]
    claimed = _another(name, recorded)
    filed = file(store, claim_type, **{name: claimed})
    assert filed["status"] == "in_review"
    assert filed["agent_reason"] == DISAGREEMENT_REASON
    assert filed["disagreements"] == [name]
    detail = store.claim_detail(filed["reference"])
    assert detail is not None and detail["payout_rmb"] is None and detail["needs_agent"]
    source = detail["fact_sources"][name]
    assert source["source"] == "record" and source["claimed"] == claimed
    assert detail["facts"].get(name) == source["value"]


@pytest.mark.parametrize("customer_id", ["cust-1", None], ids=["signed-in", "anonymous"])
def test_the_issues_insured_value_trick_is_held_for_a_person(
    store: ClaimsApp, customer_id: str | None
) -> None:
    filed = file(store, "lost", customer_id=customer_id, conversation="c-trick",
                 insured_value="10000.00", items_value="9800.00")
    assert filed["status"] == "in_review"
    # The person checks the facts, and for an anonymous customer the ownership too.
    assert filed["agent_reason"] == (
        DISAGREEMENT_REASON if customer_id else f"{DISAGREEMENT_REASON}; {UNVERIFIED_REASON}"
    )
    assert sorted(filed["disagreements"]) == ["insured_value", "items_value"]
    # Were it approved, it would be on the record's 1000.00, never 10000.00.
    assert filed["assessment"]["payout_rmb"] == "1000.00"


def test_an_uninsured_parcel_said_to_be_insured_is_not_paid(app: ClaimsApp) -> None:
    app.import_parcels([make_parcel(**RECORD, insured=False, insured_value=None)])
    filed = file(app, "lost", insured=True, insured_value="1000.00")
    assert filed["assessment"]["decision"] == "reject"
    assert filed["status"] == "in_review" and filed["agent_reason"] == DISAGREEMENT_REASON


def test_a_late_damage_report_cannot_be_made_timely_by_moving_the_delivery(
    app: ClaimsApp,
) -> None:
    app.import_parcels([make_parcel(**{**RECORD, "delivered_date": date(2024, 4, 6)})])
    filed = file(app, "damaged", delivered_date="2024-04-15")  # "delivered yesterday"
    assert filed["assessment"]["decision"] == "reject"  # 10 days late on the record
    assert filed["status"] == "in_review" and filed["disagreements"] == ["delivered_date"]


def test_a_claim_the_record_makes_need_an_unasked_fact_is_filed_for_a_person(
    store: ClaimsApp,
) -> None:
    """Issue 13 review: "arrived two weeks ago" (late: settled without the unboxing video)
    against a record of yesterday made filing fail with "unboxing_video ... is missing" and
    nothing was filed. Now it is filed, undecided, for a person to complete; nothing paid."""
    said = {k: v for k, v in STATEMENTS["damaged"].items() if k != "unboxing_video"}
    facts = {**record_facts(), **said, "report_date": REPORT, "delivered_date": "2024-04-02"}
    facts.pop("unboxing_video", None)
    filed = store.file_claim(
        parcel_id=PARCEL, claim_type="damaged", facts=facts, customer_id=None,
        channel="web", conversation_id="anon-late", verified=False, flag_for_agent=True,
    )
    assert filed["assessment"]["decision"] == "review"
    assert filed["status"] == "in_review" and filed["assessment"]["payout_rmb"] == "0.00"
    assert filed["disagreements"] == ["delivered_date"]
    assert "_" not in filed["assessment"]["reasons"][0]


def test_a_missing_fact_without_any_disagreement_is_still_refused(store: ClaimsApp) -> None:
    """The other side: facts simply missing (no record said otherwise) are refused."""
    facts = {**record_facts(), "report_date": REPORT}
    with pytest.raises(InvalidClaim, match="is missing"):
        store.file_claim(
            parcel_id=PARCEL, claim_type="damaged", facts=facts, customer_id="cust-1",
            channel="web", conversation_id="c-missing", verified=True, flag_for_agent=True,
        )


def test_the_affected_goods_never_weigh_more_than_the_recorded_parcel(app: ClaimsApp) -> None:
    app.import_parcels([make_parcel(**RECORD, order_type="buy_it_yourself")])
    filed = file(app, "damaged", order_type="buy_it_yourself", value_proof=True,
                 biy_marked_correctly=True, weight_kg="9", files=(
                     "unboxing_video", "photo", "value_proof"))
    assert filed["disagreements"] == ["weight_kg"]
    assert filed["status"] == "in_review"


# ---------------------------------------------------- evidence is a file, not a word


EVIDENCE_CASES = [
    ("unboxing_video", "damaged"),
    ("damage_photos", "damaged"),
    ("seizure_proof", "seized"),
    ("loss_proof", "lost"),
]


def test_every_evidence_fact_of_the_registry_is_covered_here() -> None:
    covered = {name for name, _ in EVIDENCE_CASES} | {"value_proof"}
    assert covered == {f.name for f in REGISTRY.evidence_facts}


@pytest.mark.parametrize(("name", "claim_type"), EVIDENCE_CASES)
def test_yes_without_the_file_waits_for_it_and_pays_nothing(
    store: ClaimsApp, name: str, claim_type: str
) -> None:
    proving = set(REGISTRY.facts[name].proven_by)
    sent = tuple(k for k in PROOF[claim_type] if k not in proving)
    filed = file(store, claim_type, files=sent)
    assert filed["status"] == "awaiting_evidence"
    due = (date.fromisoformat(REPORT) + timedelta(days=14)).isoformat()
    assert [(m["fact"], m["due"]) for m in filed["missing_evidence"]] == [(name, due)]
    assert set(filed["missing_evidence"][0]["kinds"]) == proving
    detail = store.claim_detail(filed["reference"])
    assert detail is not None and detail["payout_rmb"] is None
    assert detail["fact_sources"][name]["source"] == "customer"
    # The file arrives: ticked off, proven by evidence, and a person checks it (no payout).
    kind = REGISTRY.facts[name].proven_by[0]
    store.attach_evidence(filed["reference"], kind, *FILES[kind], "web")
    after = store.claim_detail(filed["reference"])
    assert after is not None
    assert after["status"] == "in_review" and after["missing_evidence"] == []
    assert after["fact_sources"][name]["source"] == "evidence"
    assert after["payout_rmb"] is None
    assert after["needs_agent"] is True  # a person is asked to check it


def test_value_proof_of_a_buy_it_yourself_order_needs_its_file(app: ClaimsApp) -> None:
    app.import_parcels([make_parcel(**RECORD, order_type="buy_it_yourself")])
    said = {"order_type": "buy_it_yourself", "value_proof": True, "biy_marked_correctly": True}
    waiting = file(app, "lost", conversation="c-1", **said)
    assert waiting["status"] == "awaiting_evidence"
    assert [m["fact"] for m in waiting["missing_evidence"]] == ["value_proof"]


def test_a_no_is_taken_at_its_word(store: ClaimsApp) -> None:
    filed = file(store, "damaged", files=("photo",), unboxing_video=False)
    assert filed["status"] == "rejected" and filed["missing_evidence"] == []


def test_files_of_another_conversations_draft_prove_nothing(store: ClaimsApp) -> None:
    store.attach_draft_evidence("someone-else", "dr_conv-1_lost", "carrier_confirmation",
                                "c.pdf", PDF, "web")
    filed = file(store, "lost", files=())
    assert filed["status"] == "awaiting_evidence"


def test_the_drafts_files_move_to_the_claim_when_it_is_filed(store: ClaimsApp) -> None:
    filed = file(store, "damaged")
    detail = store.claim_detail(filed["reference"])
    assert detail is not None
    assert sorted(e["kind"] for e in detail["evidence"]) == ["photo", "unboxing_video"]
    assert store.draft_evidence_kinds("conv-1", "dr_conv-1_damaged") == []


def test_a_file_sent_outside_any_claim_is_kept_until_the_customer_says_which(
    store: ClaimsApp,
) -> None:
    filed = file(store, "lost", files=())
    kept = store.attach_loose_evidence("conv-7", "cust-1", "carrier_confirmation", "c.pdf",
                                       PDF, "telegram")
    assert kept["loose"] is True
    before = store.claim_detail(filed["reference"])
    assert before is not None and before["evidence"] == []  # never guessed
    with pytest.raises(ClaimNotFound):  # another customer cannot take it
        store.assign_evidence(kept["evidence_id"], filed["reference"],
                              conversation_id="conv-8", customer_id="cust-2")
    moved = store.assign_evidence(kept["evidence_id"], filed["reference"],
                                  conversation_id="conv-7", customer_id="cust-1")
    assert [e["evidence_id"] for e in moved["evidence"]] == [kept["evidence_id"]]
    assert moved["status"] == "in_review" and moved["missing_evidence"] == []


# ------------------------------------------------------ several claims on one parcel


@pytest.mark.parametrize(("first", "second"), list(itertools.permutations(CLAIM_TYPES, 2)))
def test_a_second_claim_on_the_same_parcel_goes_to_a_person_linked_to_the_first(
    store: ClaimsApp, first: str, second: str
) -> None:
    one = file(store, first)
    two = file(store, second)
    assert one["agent_reason"] in (None, EVIDENCE_CHECK_REASON)
    assert two["status"] == "in_review" and two["agent_reason"] == LINKED_REASON
    assert two["linked_claims"] == [one["reference"]]


def test_a_rejected_claim_does_not_hold_the_next_one(store: ClaimsApp) -> None:
    rejected = file(store, "damaged", files=("photo",), unboxing_video=False)
    assert rejected["status"] == "rejected"
    assert file(store, "returned")["status"] == "approved"


def test_the_issues_three_claims_never_pay_more_than_the_parcel_allows(
    store: ClaimsApp,
) -> None:
    refs = [file(store, t)["reference"] for t in ("lost", "delayed", "returned")]
    limit = payout_limit(store.claim_detail(refs[0])["facts"])  # type: ignore[index]
    assert limit == Decimal("1240.00")  # 1000 compensation + 200 voucher + 40 delay refund
    store.decide(refs[0], approve=True, note="carrier letter checked", agent="alice")
    for ref in refs[1:]:
        try:
            store.decide(ref, approve=True, note="checked", agent="alice",
                         payout_rmb="1000.00")
        except InvalidTransition as exc:
            assert "exceeds" in str(exc)
    approved = [store.claim_detail(r) for r in refs]
    total = sum(Decimal(c["payout_rmb"]) for c in approved if c and c["payout_rmb"])
    assert total <= limit


@pytest.mark.parametrize(
    ("claim_type", "at_the_limit"),
    [("delayed", "40.00"), ("returned", "200.00"), ("damaged", None), ("seized", None)],
)
def test_each_kind_of_payout_has_its_own_room_after_a_lost_parcel_was_paid(
    store: ClaimsApp, claim_type: str, at_the_limit: str | None
) -> None:
    """The voucher and the delay refund are their own (reviewer's finding): a lost parcel's
    compensation cannot grow into them, nor a second compensation claim into anything."""
    lost = file(store, "lost")
    store.decide(lost["reference"], approve=True, note="checked", agent="alice")
    other = file(store, claim_type, conversation="conv-2")
    if at_the_limit is None:  # compensation is used up: nothing, not even 0.01
        with pytest.raises(InvalidTransition, match="exceeds"):
            store.decide(other["reference"], approve=True, note="x", agent="alice",
                         payout_rmb="0.01")
        return
    over = str(Decimal(at_the_limit) + Decimal("0.01"))
    with pytest.raises(InvalidTransition, match="exceeds"):
        store.decide(other["reference"], approve=True, note="x", agent="alice", payout_rmb=over)
    done = store.decide(other["reference"], approve=True, note="x", agent="alice",
                        payout_rmb=at_the_limit)
    assert done["payout_rmb"] == at_the_limit


def test_a_lost_parcels_compensation_never_takes_the_voucher_or_delay_room(
    store: ClaimsApp,
) -> None:
    squatter = file(store, "lost", customer_id=None, conversation="stranger")
    owner = file(store, "lost", conversation="owner")
    store.decide(owner["reference"], approve=True, note="checked", agent="alice")
    # The stranger's claim (superseded) cannot be paid the 240.00 the voucher and the delay
    # refund would leave: compensation is used up.
    with pytest.raises(InvalidTransition, match="exceeds"):
        store.decide(squatter["reference"], approve=True, note="x", agent="alice",
                     payout_rmb="240.00")


# ---------------------------------------------------- unverified never blocks the owner


def test_an_anonymous_claim_never_blocks_the_signed_in_owner(store: ClaimsApp) -> None:
    squatter = file(store, "returned", customer_id=None, conversation="stranger")
    store.decide(squatter["reference"], approve=True, note="looked fine", agent="alice")
    owner = file(store, "returned", conversation="owner")
    assert owner["created"] is True and owner["reference"] != squatter["reference"]
    assert owner["status"] == "approved" and owner["agent_reason"] is None
    linked = store.claim_detail(squatter["reference"])
    assert linked is not None and linked["needs_agent"]
    assert linked["linked_claims"] == [owner["reference"]]
    assert any(SUPERSEDED_REASON in h["note"] for h in linked["history"])
    # The stranger's approval is taken back (no money had moved): the parcel's limit is
    # the owner's, and the two never both stand approved.
    assert (linked["status"], linked["payout_rmb"]) == ("in_review", None)


def test_an_approved_anonymous_lost_claim_does_not_use_up_the_owners_limit(
    store: ClaimsApp,
) -> None:
    squatter = file(store, "lost", customer_id=None, conversation="stranger")
    # Not signed in: never approved on filing; here a person approved it.
    assert (squatter["status"], squatter["agent_reason"]) == (
        "in_review", f"{EVIDENCE_CHECK_REASON}; {UNVERIFIED_REASON}")
    store.decide(squatter["reference"], approve=True, note="looked fine", agent="alice")
    owner = file(store, "lost", conversation="owner")
    assert (owner["status"], owner["agent_reason"]) == ("in_review", EVIDENCE_CHECK_REASON)
    approved = store.decide(owner["reference"], approve=True, note="checked", agent="alice")
    assert approved["payout_rmb"] == "1000.00"  # the stranger's approval was taken back


def test_two_anonymous_claims_on_one_parcel_both_go_to_a_person(store: ClaimsApp) -> None:
    first = file(store, "lost", customer_id=None, conversation="anon-1")
    second = file(store, "lost", customer_id=None, conversation="anon-2")
    assert second["created"]
    assert second["agent_reason"] == f"{LINKED_REASON}; {UNVERIFIED_REASON}"
    # The other filer's claim is linked for the agent, but never named to this customer.
    assert (second["linked_claims"], second["others_linked"]) == ([], 1)
    detail = store.claim_detail(second["reference"])
    assert detail is not None and detail["linked_claims"] == [first["reference"]]


def test_the_same_anonymous_conversation_filing_again_gets_its_ticket(store: ClaimsApp) -> None:
    first = file(store, "lost", customer_id=None, conversation="anon-1")
    again = file(store, "lost", customer_id=None, conversation="anon-1", report_date="2024-04-17")
    assert (again["created"], again["reference"]) == (False, first["reference"])


def test_reporting_an_open_claim_again_adds_the_new_details_and_files_for_a_person(
    store: ClaimsApp,
) -> None:
    """A second damaged item on a parcel with an open damaged claim (reviewer's finding):
    nothing is lost, the files and the new value join the open claim, and a person looks."""
    first = file(store, "damaged")
    again = file(store, "damaged", conversation="conv-2", affected_items_value="600.00")
    assert (again["created"], again["reference"]) == (False, first["reference"])
    assert again["agent_reason"] == REPORTED_AGAIN_REASON
    detail = store.claim_detail(first["reference"])
    assert detail is not None and detail["needs_agent"]
    assert len(detail["evidence"]) == 4  # both reports' video and photo
    assert any("reported again: affected_items_value 600.00" in h["note"]
               for h in detail["history"])
    assert store.draft_evidence_kinds("conv-2", "dr_conv-2_damaged") == []


def test_a_retry_of_the_same_report_changes_nothing(store: ClaimsApp) -> None:
    first = file(store, "returned")
    again = file(store, "returned", files=())
    assert (again["created"], again["agent_reason"]) == (False, None)
    detail = store.claim_detail(first["reference"])
    assert detail is not None and len(detail["history"]) == 2 and not detail["needs_agent"]


@pytest.mark.parametrize(("claim_type", "name", "media", "content_type", "expected"), [
    ("seized", "seizure_proof", "document", "application/pdf", "customs_letter"),
    ("seized", "seizure_proof", "photo", "image/jpeg", "customs_letter"),
    ("lost", "loss_proof", "document", "application/pdf", "carrier_confirmation"),
    ("damaged", "unboxing_video", "video", "video/mp4", "unboxing_video"),
])
def test_a_file_sent_without_words_after_filing_is_what_the_claim_waits_for(
    store: ClaimsApp, claim_type: str, name: str, media: str, content_type: str,
    expected: str,
) -> None:
    """Issue 15 review: after "I'll send it later" the customer sends the customs letter
    with the chat's attach button (no kind, no caption); it was stored as "other" and the
    claim waited for its letter until the deadline."""
    proving = set(REGISTRY.facts[name].proven_by)
    filed = file(store, claim_type,
                 files=tuple(k for k in PROOF[claim_type] if k not in proving))
    assert filed["status"] == "awaiting_evidence"
    target = EvidenceTarget("claim", filed["reference"])
    awaited = awaited_kinds(store, target, ConversationClaims(claim_ref=filed["reference"]))
    assert set(awaited) == proving
    kind = evidence_kind(media, None, content_type, awaited)
    assert kind == expected
    store.attach_evidence(filed["reference"], kind, *FILES[expected], "web")
    after = store.claim_detail(filed["reference"])
    assert after is not None and after["missing_evidence"] == []


def test_a_file_sent_without_words_to_a_claim_waiting_for_nothing_keeps_its_own_kind(
    store: ClaimsApp,
) -> None:
    filed = file(store, "seized")  # every file sent: nothing awaited
    target = EvidenceTarget("claim", filed["reference"])
    awaited = awaited_kinds(store, target, ConversationClaims(claim_ref=filed["reference"]))
    assert awaited == ()
    assert evidence_kind("document", None, "application/pdf", awaited) == "other"
    assert evidence_kind("photo", None, None, awaited) == "photo"
