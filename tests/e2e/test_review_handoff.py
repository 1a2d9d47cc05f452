"""Issue 7, handoff trigger "an assessment is review", through the running assistant: the
filed claim is marked as needing an agent, the support team's notification is queued, the
customer is told what happens next and by when, and the assistant keeps answering (it is
not paused: the customer may still add evidence; an agent's "take over" pauses it)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from actions.services import decision_by
from cssecure.claims.demo import demo_parcels
from cssecure.claims.model import REVIEW_REASON
from e2e.customer import file_claim
from e2e.stack import AssistantStack, walk_in_twin

pytestmark = [pytest.mark.stack, pytest.mark.slow]


def test_a_claim_in_review_goes_to_the_team_and_the_assistant_keeps_answering(
    assistant: AssistantStack,
) -> None:
    today = date.today()
    parcel = next(p for p in demo_parcels(today) if p.parcel_id == "P900005")
    sender = "e2e-review"
    transcript = file_claim(
        lambda text: assistant.say(sender, text),
        opening=f"my parcel {walk_in_twin(parcel.parcel_id)} arrived damaged",
        claim_type="damaged",
        parcel=parcel,
        answers={
            "delivered_date": "2 days ago",
            "unboxing_video": "yes, recorded from the sealed parcel",
            "damage_kind": "broken",
            "damage_photos": "yes",
            "usable_after_damage": "yes it still works, just ugly",
            "affected_items_value": "250 rmb",
        },
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
    assert [(p["conversation_id"], p["reason"]) for p in mine] == [(sender, REVIEW_REASON)]

    # Not paused: the next message is answered, and the tracker says so.
    assert assistant.say(sender, "thank you")
    assert assistant.tracker(sender)["paused"] is False
