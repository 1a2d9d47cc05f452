"""Issue 7, handoff trigger "an assessment is review", through the running assistant: the
filed claim is marked as needing an agent, the support team's notification is queued, the
customer is told what happens next and by when, and the assistant keeps answering (it is
not paused: the customer may still add evidence; an agent's "take over" pauses it).

The customer sends the unboxing video and the photos in the website chat (issue 12: a "yes"
without the file would make the claim wait for the customer, ``awaiting_evidence``, not for
a person)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone

import pytest

from actions.services import decision_by
from cssecure.claims.demo import demo_parcels
from cssecure.claims.model import REVIEW_REASON, UNVERIFIED_REASON
from e2e.customer import file_claim
from e2e.stack import AssistantStack, walk_in_twin
from e2e.widget import WebChat

pytestmark = [pytest.mark.stack, pytest.mark.slow]


@pytest.fixture
def visitor(assistant: AssistantStack) -> Iterator[WebChat]:
    chat = WebChat(assistant)
    try:
        yield chat
    finally:
        chat.close()


def test_a_claim_in_review_goes_to_the_team_and_the_assistant_keeps_answering(
    assistant: AssistantStack, visitor: WebChat
) -> None:
    today = date.today()
    parcel = next(p for p in demo_parcels(today) if p.parcel_id == "P900005")
    sender = visitor.conversation_id
    transcript = file_claim(
        visitor.say,
        opening=f"my parcel {walk_in_twin(parcel.parcel_id, '92')} arrived damaged",
        claim_type="damaged",
        parcel=parcel,
        answers={
            "delivered_date": "2 days ago",
            "damage_kind": "broken",
            "usable_after_damage": "yes it still works, just ugly",
            "affected_items_value": "250 rmb",
        },
        files={"unboxing_video": "unboxing_video", "damage_photos": "photo"},
        send_file=visitor.send_file,
        today=today,
    )
    assert transcript.reference, str(transcript)
    filed = transcript.lines[-1]
    assert f"(by {decision_by(today):%A %d %B %Y})" in filed
    assert "a person will answer you here in this chat" in filed

    app = assistant.claims()
    try:
        ticket = app.claim_detail(transcript.reference)
        later = datetime.now(timezone.utc) + timedelta(days=1)
        with app.uow() as uow:
            queued = [dict(row["payload"]) for row in uow.outbox.pending(later)]
    finally:
        app.dispose()
    assert ticket is not None
    assert (ticket["decision"], ticket["status"], ticket["needs_agent"]) == (
        "review",
        "in_review",
        True,
    ), str(transcript)
    mine = [p for p in queued if p.get("reference") == transcript.reference]
    # The main reason first; filed without sign-in, the agent also checks whose parcel it is.
    assert [(p["conversation_id"], p["reason"]) for p in mine] == [
        (sender, f"{REVIEW_REASON}; {UNVERIFIED_REASON}")
    ]

    assert ticket["missing_evidence"] == [], ticket
    assert sorted(e["kind"] for e in ticket["evidence"]) == ["photo", "unboxing_video"]

    # Not paused: the next message is answered, and the tracker says so.
    assert visitor.say("thank you")
    assert assistant.tracker(sender)["paused"] is False
