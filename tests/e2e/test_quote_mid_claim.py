"""Issue 5 digression, through the running assistant: a quote asked in the middle of a
claim without an amount asks for the amount, quotes it, and the claim carries on with the
question it had asked."""

from __future__ import annotations

import pytest

from actions.questions import question_text
from e2e.stack import AssistantStack

pytestmark = [pytest.mark.stack, pytest.mark.slow]


def test_a_quote_without_an_amount_mid_claim_asks_it_then_the_claim_resumes(
    assistant: AssistantStack,
) -> None:
    sender = "e2e-quote"
    pending = question_text("insured", "lost")

    def say(text: str) -> str:
        return "\n".join(str(m.get("text")) for m in assistant.say(sender, text))

    assert pending in say("my parcel P910001 is lost")
    asked = say("can you give me an insurance quote for my next parcel?")
    assert "What value do you want to insure, in RMB?" in asked, asked
    assert "Then we carry on with your claim." in asked
    quoted = say("800 rmb")
    assert "Insuring 800.00 RMB costs 24.00 RMB." in quoted, quoted
    assert quoted.rstrip().endswith(pending), quoted
