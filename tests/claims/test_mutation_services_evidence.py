"""Evidence in the claims services, on the real SQLite store: files kept outside a claim
(``hold_evidence``), moved to a claim (``assign_evidence``, filing with a draft), and the
duplicate check read again (``current_evidence``). What the mutants of services.py showed
unpinned (issue 20). Each test names the rule it pins."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime, timezone
from typing import Any

import pytest
from web.evidence_media import HTML_BEHIND_MOOV, jpeg_with_exif

from cssecure.claims import services
from cssecure.claims.app import ClaimsApp
from cssecure.claims.errors import ClaimNotFound, EvidenceRejected, InvalidClaim
from cssecure.claims.model import EvidenceItem

from .support import make_parcel

DELIVERED = date(2024, 4, 15)
TAKEN = datetime(2024, 4, 16, 9, 30, tzinfo=timezone.utc)
PHOTO = jpeg_with_exif(TAKEN, ("Apple", "iPhone 13"))
OTHER_PHOTO = jpeg_with_exif(TAKEN, ("Apple", "iPhone 14"))
DAMAGE = {"damage_kind": "broken", "report_date": "2024-04-16", "affected_items_value": "300.00",
          "usable_after_damage": False, "unboxing_video": False, "damage_photos": False}
NOWHERE = ("ok", "not on any other claim")
HELD_ELSEWHERE = "another conversation's files not yet on a claim"


@pytest.fixture
def store(app: ClaimsApp) -> ClaimsApp:
    app.import_parcels([
        make_parcel(parcel_id="P500001", delivered_date=DELIVERED),
        make_parcel(parcel_id="P500002", delivered_date=DELIVERED, customer_id="cust-2"),
    ])
    return app


def _claim(app: ClaimsApp, parcel_id: str, customer: str | None, conversation: str,
           draft_id: str | None = None, **said: Any) -> str:
    filed = app.file_claim(
        parcel_id=parcel_id, claim_type="damaged", facts={**DAMAGE, **said},
        customer_id=customer,
        channel="web", conversation_id=conversation, verified=customer is not None,
        flag_for_agent=False, draft_id=draft_id,
    )
    return str(filed["reference"])


def _checks(item: EvidenceItem | dict[str, Any]) -> dict[str, tuple[str, str]]:
    checks = item.checks if isinstance(item, EvidenceItem) else item["checks"]
    return {str(c["name"]): (str(c["outcome"]), str(c["detail"])) for c in checks}


def _items(app: ClaimsApp, reference: str) -> list[EvidenceItem]:
    return list(services.get_claim(app.uow, reference).evidence)


def _flag(*places: str) -> tuple[str, str]:
    return ("flag", "the same file is on " + ", ".join(sorted(places)))


# --- current_evidence: the duplicate check made again, nothing else changed ---------------


def test_the_first_claim_of_a_file_sent_twice_names_the_second_when_read_again(
    store: ClaimsApp,
) -> None:
    a = _claim(store, "P500001", "cust-1", "conv-1")
    b = _claim(store, "P500002", "cust-2", "conv-2")
    store.attach_evidence(a, "photo", "a.jpg", PHOTO, "web")
    store.attach_evidence(b, "photo", "b.jpg", PHOTO, "web")
    # The same bytes kept for conv-1 (a's own conversation) are not "elsewhere" for a.
    store.attach_loose_evidence("conv-1", "cust-1", "photo", "c.jpg", PHOTO, "web")
    [stored_a], [stored_b] = _items(store, a), _items(store, b)
    assert _checks(stored_a)["duplicate"] == NOWHERE  # as recorded when it arrived
    assert _checks(stored_b)["duplicate"] == _flag(a)

    [now_a] = services.current_evidence(store.uow, services.get_claim(store.uow, a))
    [now_b] = services.current_evidence(store.uow, services.get_claim(store.uow, b))
    dup_a = {"name": "duplicate", "outcome": "flag", "detail": _flag(b)[1]}
    dup_b = {"name": "duplicate", "outcome": "flag", "detail": _flag(a, HELD_ELSEWHERE)[1]}
    assert now_a == dataclasses.replace(stored_a, checks=tuple(
        dup_a if c["name"] == "duplicate" else c for c in stored_a.checks))
    assert now_b == dataclasses.replace(stored_b, checks=tuple(
        dup_b if c["name"] == "duplicate" else c for c in stored_b.checks))
    assert _items(store, a) == [stored_a]  # the read side stores nothing


def test_a_file_stored_before_files_were_checked_is_read_as_it_was(store: ClaimsApp) -> None:
    a = _claim(store, "P500001", "cust-1", "conv-1")
    b = _claim(store, "P500002", "cust-2", "conv-2")
    store.attach_evidence(a, "photo", "a.jpg", PHOTO, "web")
    store.attach_evidence(b, "photo", "b.jpg", PHOTO, "web")
    claim = services.get_claim(store.uow, a)
    unchecked = dataclasses.replace(claim.evidence[0], checks=())
    claim.evidence[:] = [unchecked]
    assert services.current_evidence(store.uow, claim) == [unchecked]


# --- hold_evidence --------------------------------------------------------------------


@pytest.mark.parametrize("conversation", ["", "c" * 201], ids=["none", "201-characters"])
def test_a_file_kept_outside_a_claim_needs_a_conversation_of_at_most_200_characters(
    store: ClaimsApp, conversation: str
) -> None:
    with pytest.raises(InvalidClaim) as refused:
        services.hold_evidence(store.uow, store.evidence_store, conversation_id=conversation,
                               customer_id=None, draft_id=None, kind="photo", filename="a.jpg",
                               data=PHOTO, source_channel="web")
    assert str(refused.value) == "A conversation id (at most 200 characters) is required."


def test_a_conversation_of_200_characters_may_keep_a_file(store: ClaimsApp) -> None:
    kept = store.attach_loose_evidence("c" * 200, None, "photo", "a.jpg", PHOTO, "web")
    assert kept["created"] is True


def test_a_malformed_draft_id_is_refused_saying_so(store: ClaimsApp) -> None:
    with pytest.raises(InvalidClaim) as refused:
        services.hold_evidence(store.uow, store.evidence_store, conversation_id="conv-1",
                               customer_id=None, draft_id="bad id!", kind="photo",
                               filename="a.jpg", data=PHOTO, source_channel="web")
    assert str(refused.value) == "'bad id!' is not a valid claim draft id."


def test_a_draft_keeps_a_file_once_per_bytes_and_kind(store: ClaimsApp) -> None:
    first = store.attach_draft_evidence("conv-1", "dr-1", "photo", "a.jpg", PHOTO, "web")
    again = store.attach_draft_evidence("conv-1", "dr-1", "photo", "a2.jpg", PHOTO, "web")
    other_bytes = store.attach_draft_evidence("conv-1", "dr-1", "photo", "b.jpg", OTHER_PHOTO,
                                              "web")
    other_kind = store.attach_draft_evidence("conv-1", "dr-1", "other", "a.jpg", PHOTO, "web")
    assert (first["created"], again["created"]) == (True, False)
    assert again["evidence_id"] == first["evidence_id"]
    assert (other_bytes["created"], other_kind["created"]) == (True, True)
    assert len({first["evidence_id"], other_bytes["evidence_id"], other_kind["evidence_id"]}) == 3
    assert store.draft_evidence_kinds("conv-1", "dr-1") == ["photo", "photo", "other"]


def test_a_file_kept_twice_in_one_conversation_is_no_duplicate_but_in_another_it_is(
    store: ClaimsApp,
) -> None:
    store.attach_loose_evidence("conv-1", "cust-1", "photo", "a.jpg", PHOTO, "web")
    same = store.attach_loose_evidence("conv-1", "cust-1", "photo", "a.jpg", PHOTO, "web")
    other = store.attach_loose_evidence("conv-2", "cust-1", "photo", "a.jpg", PHOTO, "web")
    assert _checks(same)["duplicate"] == NOWHERE
    assert _checks(other)["duplicate"] == _flag(HELD_ELSEWHERE)


def test_an_evidence_id_is_ev_and_16_random_characters(store: ClaimsApp) -> None:
    kept = store.attach_loose_evidence("conv-1", None, "photo", "a.jpg", PHOTO, "web")
    assert re.fullmatch(r"ev_[A-Za-z0-9_-]{16}", kept["evidence_id"])


def test_an_unreadable_video_is_refused_naming_the_file(store: ClaimsApp) -> None:
    with pytest.raises(EvidenceRejected) as refused:
        store.attach_loose_evidence("conv-1", None, "unboxing_video", "clip.mov",
                                    HTML_BEHIND_MOOV, "web")
    assert str(refused.value).startswith(
        "The file 'clip.mov' could not be opened as a video: ")


# --- attach_evidence: the claim's own files and its conversation's are not elsewhere ------


def test_the_same_bytes_as_another_kind_on_one_claim_are_no_duplicate(store: ClaimsApp) -> None:
    a = _claim(store, "P500001", "cust-1", "conv-1")
    store.attach_loose_evidence("conv-1", "cust-1", "photo", "kept.jpg", PHOTO, "web")
    photo = store.attach_evidence(a, "photo", "a.jpg", PHOTO, "web")
    other = store.attach_evidence(a, "other", "a.jpg", PHOTO, "web")
    assert _checks(photo)["duplicate"] == NOWHERE
    assert _checks(other)["duplicate"] == NOWHERE


# --- assign_evidence: whose kept file may move to which claim ----------------------------


def test_a_signed_in_customer_moves_their_file_from_another_conversation(
    store: ClaimsApp,
) -> None:
    a = _claim(store, "P500001", "cust-1", "conv-1")
    kept = store.attach_loose_evidence("conv-7", "cust-1", "photo", "a.jpg", PHOTO, "telegram")
    moved = store.assign_evidence(kept["evidence_id"], a, conversation_id="conv-8",
                                  customer_id="cust-1")
    assert [e["evidence_id"] for e in moved["evidence"]] == [kept["evidence_id"]]


def test_another_signed_in_customer_cannot_take_a_kept_file(store: ClaimsApp) -> None:
    b = _claim(store, "P500002", "cust-2", "conv-2")
    kept = store.attach_loose_evidence("conv-7", "cust-1", "photo", "a.jpg", PHOTO, "web")
    with pytest.raises(ClaimNotFound):
        store.assign_evidence(kept["evidence_id"], b, conversation_id="conv-2",
                              customer_id="cust-2")
    assert _items(store, b) == []


def test_an_anonymous_file_stays_in_its_conversation(store: ClaimsApp) -> None:
    anonymous = _claim(store, "P500002", None, "conv-8")
    kept = store.attach_loose_evidence("conv-7", None, "photo", "a.jpg", PHOTO, "web")
    with pytest.raises(ClaimNotFound):
        store.assign_evidence(kept["evidence_id"], anonymous, conversation_id="conv-8",
                              customer_id=None)
    assert _items(store, anonymous) == []


def test_a_drafts_file_cannot_be_assigned(store: ClaimsApp) -> None:
    a = _claim(store, "P500001", "cust-1", "conv-1")
    kept = store.attach_draft_evidence("conv-1", "dr-1", "photo", "a.jpg", PHOTO, "web",
                                       customer_id="cust-1")
    with pytest.raises(ClaimNotFound):
        store.assign_evidence(kept["evidence_id"], a, conversation_id="conv-1",
                              customer_id="cust-1")


def test_an_anonymous_file_moves_in_its_conversation_checked_for_the_claim(
    store: ClaimsApp,
) -> None:
    anonymous = _claim(store, "P500002", None, "conv-8")
    kept = store.attach_loose_evidence("conv-8", None, "photo", "a.jpg", PHOTO, "web")
    assert _checks(kept)["delivery"][1] == "the delivery date is not known yet"
    store.assign_evidence(kept["evidence_id"], anonymous, conversation_id="conv-8",
                          customer_id=None)
    [item] = _items(store, anonymous)
    assert item.evidence_id == kept["evidence_id"]
    checks = _checks(item)
    assert checks["duplicate"] == NOWHERE  # itself, kept for this conversation until now
    assert checks["delivery"] == ("ok", "recorded 2024-04-16 09:30 UTC, delivered 2024-04-15")


def test_a_kept_file_joining_a_claim_that_has_its_bytes_is_no_duplicate(
    store: ClaimsApp,
) -> None:
    a = _claim(store, "P500001", "cust-1", "conv-1")
    store.attach_evidence(a, "photo", "a.jpg", PHOTO, "web")
    kept = store.attach_loose_evidence("conv-1", "cust-1", "other", "a.jpg", PHOTO, "web")
    store.assign_evidence(kept["evidence_id"], a, conversation_id="conv-1", customer_id="cust-1")
    assert [_checks(item)["duplicate"] for item in _items(store, a)] == [NOWHERE, NOWHERE]


def test_a_drafts_file_is_checked_again_when_its_claim_is_filed(store: ClaimsApp) -> None:
    b = _claim(store, "P500002", "cust-2", "conv-2")
    kept = store.attach_draft_evidence("conv-1", "dr-1", "photo", "a.jpg", PHOTO, "web",
                                       customer_id="cust-1")
    assert _checks(kept)["duplicate"] == NOWHERE
    store.attach_evidence(b, "photo", "b.jpg", PHOTO, "web")  # the same bytes, afterwards
    a = _claim(store, "P500001", "cust-1", "conv-1", draft_id="dr-1")
    [item] = _items(store, a)
    assert _checks(item)["duplicate"] == _flag(b)


def test_reporting_a_claim_again_brings_the_drafts_files_checked_for_it(
    store: ClaimsApp,
) -> None:
    # Open (waiting for the files it says exist), so a second report joins it.
    a = _claim(store, "P500001", "cust-1", "conv-1", unboxing_video=True, damage_photos=True)
    store.attach_draft_evidence("conv-1", "dr-2", "photo", "a.jpg", PHOTO, "web",
                                customer_id="cust-1")
    again = store.file_claim(
        parcel_id="P500001", claim_type="damaged",
        facts={**DAMAGE, "unboxing_video": True, "damage_photos": True,
               "report_date": "2024-04-17", "affected_items_value": "350.00",
               "damage_kind": "water"},
        customer_id="cust-1", channel="web", conversation_id="conv-1", verified=True,
        flag_for_agent=False, draft_id="dr-2",
    )
    assert (again["reference"], again["created"]) == (a, False)
    [item] = _items(store, a)
    checks = _checks(item)
    assert checks["duplicate"] == NOWHERE  # itself, kept for this conversation until now
    assert checks["delivery"] == ("ok", "recorded 2024-04-16 09:30 UTC, delivered 2024-04-15")
    history = services.get_claim(store.uow, a).history
    assert history[-1].note == "reported again: affected_items_value 350.00, damage_kind water"
