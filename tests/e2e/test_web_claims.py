"""One claim of each evidence-backed type filed in the website chat by an anonymous visitor
who sends the files while reporting (issue 12): each file is kept with the claim draft,
answers its question, moves to the claim at filing, and the claim is decided on it
(approved with the terms' payout; filed without sign-in, so a person still checks the
parcel is theirs before the money moves)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from cssecure.claims.demo import demo_parcels
from e2e.cases import cases, check_ticket
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
def test_a_claim_with_its_files_sent_in_the_chat_is_approved_on_them(
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
    # Anonymous: approved on the files, but flagged for a person to check the parcel is theirs.
    assert ticket["needs_agent"] is True
    filed = transcript.lines[-1]
    assert f"Covered: {ticket['payout_rmb']} RMB will be refunded" in filed, filed
    # No file missing and nothing to check: no promise of checks that are not listed.
    assert "Before any payout" not in filed and "checks below" not in filed, filed
    assert "first confirm that the parcel is yours" in filed, filed
    # The draft's files left the draft: they are the claim's now, nothing is kept loose.
    assert assistant.slots(visitor.conversation_id)["claim_draft_id"] is None
