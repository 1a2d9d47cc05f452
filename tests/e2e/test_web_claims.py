"""One claim of each evidence-backed type filed in the website chat by an anonymous visitor
who sends the files while reporting (issue 12): each file is kept with the claim draft,
answers its question, moves to the claim at filing, and the claim is decided on it (the
engine approves with the terms' payout). Nothing is paid on filing (issue 12 review): the
approval rests on files the customer sent, and the claim was filed without sign-in, so a
person checks the files and that the parcel is theirs; that person then approves it with
the terms' payout."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from cssecure.claims.demo import demo_parcels
from e2e.cases import approve_as_agent, cases, check_ticket
from e2e.customer import file_claim
from e2e.stack import AssistantStack, walk_in_twin
from e2e.widget import WebChat

pytestmark = [pytest.mark.stack, pytest.mark.slow]

WEB_CASES = cases("web")


@pytest.fixture
def visitor(assistant: AssistantStack) -> Iterator[WebChat]:
    chat = WebChat(assistant)
    try:
        yield chat
    finally:
        chat.close()


def test_the_website_table_sends_a_file_for_each_evidence_backed_claim_type() -> None:
    assert sorted(case["claim_type"] for case in WEB_CASES) == ["damaged", "lost", "seized"]
    assert all(case["files"] for case in WEB_CASES)


@pytest.mark.parametrize("case", WEB_CASES, ids=[c["claim_type"] for c in WEB_CASES])
def test_a_claim_with_its_files_sent_in_the_chat_is_held_for_a_person_who_approves_it(
    assistant: AssistantStack, visitor: WebChat, case: dict[str, Any]
) -> None:
    today = date.today()
    parcel = next(p for p in demo_parcels(today) if p.parcel_id == case["demo_parcel"])
    twin = walk_in_twin(parcel.parcel_id, "92")
    assert visitor.verified is False

    transcript = file_claim(
        visitor.say,
        opening=case["opening"].replace("{parcel}", twin),
        claim_type=case["claim_type"],
        parcel=parcel,
        answers=case["answers"],
        files=case["files"],
        send_file=visitor.send_file,
        today=today,
    )

    ticket = check_ticket(
        assistant, case, transcript, parcel=parcel, parcel_id=twin, channel="web",
        conversation_id=visitor.conversation_id, today=today,
    )
    # Held for a person: the files to check and, filed without sign-in, whose parcel it is.
    payout = case["expect"]["agent_approves"]["payout_rmb"]
    held = (
        f"On what you told me, the terms give {payout} RMB; a person from our claims team "
        "checks it before anything is paid."
    )
    assert held in transcript.summary, transcript.summary
    filed = transcript.lines[-1]
    assert held in filed, filed
    assert "Covered:" not in filed and "will be refunded" not in filed, filed
    # No file missing and nothing listed to check: no promise of checks that are not listed.
    assert "Before any payout" not in filed and "checks below" not in filed, filed
    assert "a person will answer you here in this chat" in filed, filed
    assert "first confirm that the parcel is yours" in filed, filed
    # The draft's files left the draft: they are the claim's now, nothing is kept loose.
    assert assistant.slots(visitor.conversation_id)["claim_draft_id"] is None

    # A person checks the files and the ownership and approves: the terms' payout.
    approve_as_agent(assistant, case, ticket["reference"])
