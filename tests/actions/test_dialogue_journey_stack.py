"""Issue 17 through the trained assistant (NLU + dialogue + action server): a damaged claim
whose photos come later, "No" at the summary, then filed as it is.

Reproduction: "not yet, I can take some tomorrow" at the photos question got "That's not
something I can help with, sorry"; the damage kind was asked after "creased"; after "No",
"nothing to correct, please file it" and "yes" were refused.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from dialogue_stack import ALICE_WEB, claims_with_action_server, patched_agent, turn

pytestmark = [pytest.mark.slow, pytest.mark.stack]

NOT_HELPING = "not something I can help with"


def _answer(question: str, said_no: bool) -> str:
    """What the customer answers to the assistant's last question."""
    q = question.lower()
    if "shall i file" in q or "still want me to file" in q:
        return "yes" if said_no else "no"
    if "which detail should i correct" in q:
        return "nothing to correct, please file it"
    if "photo" in q:
        return "not yet, I can take some tomorrow"
    if "video" in q:
        return "yes, I have the video"
    if "usable" in q:
        return "no, it can't be used"
    if "packaging" in q:
        return "yes"
    if "value" in q or "worth" in q:
        return "300 rmb"
    return "yes"


async def _journey(model: Path, webhook: str) -> tuple[list[str], list[str], str | None]:
    agent = await patched_agent(model, webhook)
    sender = f"journey-{time.time_ns()}"
    sent: list[str] = []
    replies: list[str] = []
    text = "hi, my parcel P900004 arrived and the vase is creased"
    said_no = False
    for _ in range(14):
        said = await turn(agent, sender, text, ALICE_WEB)
        sent.append(text)
        # A question's file request (custom.evidence_request) comes as a message of its own.
        bodies = [str(m["text"]) for m in said if m.get("text")]
        replies += bodies
        joined = "\n".join(bodies)
        if "Reference: CS-" in joined:
            return sent, replies, joined.split("Reference: ", 1)[1].split(".", 1)[0]
        said_no = said_no or text == "no"
        text = _answer(bodies[-1] if bodies else "", said_no)
    return sent, replies, None


def test_a_damaged_claim_with_photos_later_and_no_at_the_summary_is_filed(
    trained_model: Path,
) -> None:
    model = trained_model
    with claims_with_action_server() as (app, webhook):
        sent, replies, reference = asyncio.run(_journey(model, webhook))
        said = "\n".join(replies)
        transcript = "\n".join(f"> {s}" for s in sent) + "\n" + said
        assert reference is not None, transcript
        assert NOT_HELPING not in said, transcript
        assert "What happened to the goods?" not in said, transcript  # "creased" was said
        assert "not yet, I can take some tomorrow" in sent, transcript
        assert "nothing to correct, please file it" in sent, transcript
        claim = app.get_claim(reference, ALICE_WEB["customer_id"])
        assert claim is not None
        assert claim["facts"]["damage_kind"] == "crease"
        assert claim["status"] == "awaiting_evidence", transcript


async def _press_rating(model: Path, webhook: str, sender: str, payload: str) -> list[str]:
    agent = await patched_agent(model, webhook)
    return [str(m.get("text") or "") for m in await turn(agent, sender, payload, ALICE_WEB)]


def test_the_closing_ratings_button_is_stored_with_the_claim_through_the_assistant(
    trained_model: Path,
) -> None:
    model = trained_model
    from handoff.claims_fixtures import file_claim

    from cssecure.claims import services
    from cssecure.notify.customer_updates import csat_buttons

    with claims_with_action_server() as (app, webhook):
        sender = f"rating-{time.time_ns()}"
        claim = file_claim(app.engine, parcel_id="P900004", conversation_id=sender,
                           decision="approve", payout="300.00", needs_agent=False)
        services.change_status(app.uow, claim.reference, "paid", actor="cli", note="paid")
        (four,) = [b for b in csat_buttons(claim.reference) if b["title"] == "4"]
        said = asyncio.run(_press_rating(model, webhook, sender, four["payload"]))
        assert said == [
            "Thank you for your answer! Write here any time if you need more help."
        ], said
        notes = [h.note for h in services.get_claim(app.uow, claim.reference).history]
        assert notes[-1] == "csat: 4/5"
