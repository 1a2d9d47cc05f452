"""Issue 13 through the running assistant: what the customer meant, never a silent misreading.

Each test replays one of the issue's reproductions on the shared stack (trained model with
the real NLU, Rasa server, action server, claims database), over REST as an anonymous
customer, on a parcel of its own:

- an answer inside the form that the classifier reads as another request ("agent" at the
  order-type question; a parcel number with "tracking" in the message) is taken as the
  answer, while a real request at the same question still reaches its rule;
- facts the opening message states (the line, the delivery day, the damage, a seizure
  letter) are not asked again, and the summary shows them;
- an ambiguous numeric date is asked back with a button per reading, and the button's
  answer is the one stored;
- an amount in euros is offered converted with its rate, date and source;
- a compound opening ("lost parcel. it was a buy it yourself order") starts the lost claim
  with the order type already known.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from actions.questions import question_text
from e2e.customer import file_claim, recognise, talk_until_asked
from e2e.stack import AssistantStack, own_parcel

pytestmark = [pytest.mark.stack, pytest.mark.slow]

TODAY = date.today()
_numbers = itertools.count(1)


def sender(name: str) -> str:
    return f"e2e-t13-{name}-{next(_numbers)}"


def texts(replies: list[dict[str, Any]]) -> str:
    return "\n".join(str(r.get("text") or "") for r in replies)


def ambiguous_day() -> tuple[str, date, date]:
    """A date written month-first ("10/09/2026") whose day-first reading is also a real,
    past day within the last 100 days: (text, month-first reading, day-first reading)."""
    for back in range(1, 100):
        month_first = TODAY - timedelta(days=back)
        if month_first.day > 12 or month_first.day == month_first.month:
            continue
        day_first = date(month_first.year, month_first.day, month_first.month)
        if TODAY - timedelta(days=100) <= day_first <= TODAY:
            text = f"{month_first.month:02d}/{month_first.day:02d}/{month_first.year}"
            return text, month_first, day_first
    raise AssertionError("no ambiguous date in the last 100 days")  # pragma: no cover


@pytest.fixture
def walk_in(assistant: AssistantStack) -> Iterator[Any]:
    """A parcel of the test's own with no owner (the REST customer is anonymous)."""
    numbers = itertools.count(1)

    def make(demo_id: str, prefix: str, **changes: Any) -> Any:
        return own_parcel(assistant, demo_id, f"{prefix}{next(numbers):02d}", None, **changes)

    yield make


def test_agent_at_the_order_type_question_is_an_agent_order_not_a_handoff(
    assistant: AssistantStack, walk_in: Any
) -> None:
    """The issue's reproduction: "agent" (how customers name a normal CSSBuy order) handed
    the chat to a person and paused it."""
    parcel = walk_in("P900003", "P9400")
    who = sender("agent")
    say = lambda text: assistant.say(who, text)  # noqa: E731
    talk_until_asked(say, opening=f"customs seized my parcel {parcel.parcel_id}",
                     claim_type="seized", parcel=parcel, answers={}, wanted="order_type")
    replies = say("agent")
    said = texts(replies)
    assert "take over" not in said and "person from our support team" not in said, said
    asked = recognise(replies, "seized")
    assert asked not in (None, "order_type"), said
    assert assistant.slots(who)["order_type"] == "agent"
    # A real request at the next question still reaches its rule.
    handoff = texts(say("I want to talk to a real person please"))
    assert "person from our support team" in handoff, handoff


def test_a_parcel_number_with_labels_does_not_switch_a_seized_claim_to_lost(
    assistant: AssistantStack, walk_in: Any
) -> None:
    parcel = walk_in("P900003", "P9401")
    who = sender("labels")
    replies = assistant.say(who, "customs seized my parcel")
    assert recognise(replies, "seized") == "parcel_id", texts(replies)
    replies = assistant.say(who, f"parcel id {parcel.parcel_id}, tracking EE123456789CN")
    said = texts(replies)
    assert "Understood: a lost parcel claim" not in said, said
    slots = assistant.slots(who)
    assert (slots["claim_type"], slots["parcel_id"]) == ("seized", parcel.parcel_id), said


def test_facts_in_the_opening_message_are_not_asked_again(
    assistant: AssistantStack, walk_in: Any
) -> None:
    """The issue's reproductions: "my DHL parcel" was asked which line, "arrived yesterday"
    the delivery date; the damage named in the opening was asked too."""
    parcel = walk_in("P900004", "P9402", shipping_line="DHL")
    who = sender("volunteered")
    transcript = file_claim(
        lambda text: assistant.say(who, text),
        opening=f"my DHL parcel {parcel.parcel_id} arrived yesterday and the box was crushed",
        claim_type="damaged",
        parcel=parcel,
        answers={
            "unboxing_video": "yes",
            "damage_photos": "yes",
            "original_packaging": "yes, in the shoebox",
            "usable_after_damage": "no it doesn't work",
            "affected_items_value": "300 rmb",
        },
        today=TODAY,
    )
    assert transcript.reference, str(transcript)
    assert not {"shipping_line", "delivered_date", "damage_kind"} & set(transcript.asked), (
        str(transcript)
    )
    assert "Noted from your message:" in str(transcript)
    summary = transcript.summary
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    assert "DHL" in summary and yesterday in summary and "creased" in summary, summary


def test_a_seizure_letter_mentioned_in_the_opening_is_not_asked_for_again(
    assistant: AssistantStack, walk_in: Any
) -> None:
    parcel = walk_in("P900003", "P9403")
    who = sender("letter")
    talk_until_asked(
        lambda text: assistant.say(who, text),
        opening=f"customs seized my parcel {parcel.parcel_id}, I got a seizure letter",
        claim_type="seized", parcel=parcel, answers={}, wanted="seizure_extent",
    )
    slots = assistant.slots(who)
    assert slots["seizure_proof"] is True
    # "Yes" is the customer's word until the letter arrives (issue 12's trust rules).
    assert not slots.get("evidence_received")


def test_an_ambiguous_date_is_asked_back_and_the_button_decides(
    assistant: AssistantStack, walk_in: Any
) -> None:
    """The issue's reproduction: "10/09/2026" from a US customer was stored as 10 September."""
    text, month_first, day_first = ambiguous_day()
    parcel = walk_in(
        "P900004", "P9404",
        submitted_date=TODAY - timedelta(days=130), shipped_date=TODAY - timedelta(days=125),
        delivered_date=month_first,
    )
    who = sender("date")
    say = lambda message: assistant.say(who, message)  # noqa: E731
    talk_until_asked(say, opening=f"my parcel {parcel.parcel_id} arrived damaged",
                     claim_type="damaged", parcel=parcel, answers={}, wanted="delivered_date")
    replies = say(text)
    question = replies[-1]
    assert "Did you mean" in str(question.get("text")), texts(replies)
    payloads = [b["payload"] for b in question.get("buttons") or []]
    assert payloads == [f'/inform{{"date":"{day_first.isoformat()}"}}',
                        f'/inform{{"date":"{month_first.isoformat()}"}}'], payloads
    assert assistant.slots(who)["delivered_date"] is None  # nothing stored on a guess
    after = say(payloads[1])
    assert assistant.slots(who)["delivered_date"] == month_first.isoformat(), texts(after)
    assert recognise(after, "damaged") not in (None, "delivered_date"), texts(after)


def test_an_amount_in_euros_is_offered_converted_with_its_rate(
    assistant: AssistantStack, walk_in: Any
) -> None:
    parcel = walk_in("P900004", "P9405")
    who = sender("euros")
    say = lambda message: assistant.say(who, message)  # noqa: E731
    talk_until_asked(
        say, opening=f"my parcel {parcel.parcel_id} arrived yesterday, the lamp is smashed",
        claim_type="damaged", parcel=parcel,
        answers={"unboxing_video": "yes", "damage_photos": "yes",
                 "usable_after_damage": "no it doesn't work"},
        wanted="affected_items_value",
    )
    replies = say("about 40 euros")
    said = texts(replies)
    assert "per euro" in said and "reference rate of" in said, said
    (button,) = replies[-1]["buttons"]
    assert button["payload"].startswith('/inform{"amount":"') and '"currency":"RMB"' in button[
        "payload"
    ], button
    say(button["payload"])
    stored = assistant.slots(who)["affected_items_value"]
    assert stored is not None and stored in button["payload"], stored


def test_a_compound_opening_starts_the_right_claim_with_what_it_says(
    assistant: AssistantStack,
) -> None:
    """The issue's reproduction: "lost parcel. it was a buy it yourself order" got a menu."""
    who = sender("compound")
    replies = assistant.say(who, "lost parcel. it was a buy it yourself order")
    slots = assistant.slots(who)
    assert slots["claim_type"] == "lost", texts(replies)
    assert slots["order_type"] == "buy_it_yourself", texts(replies)
    assert recognise(replies, "lost") == "parcel_id", texts(replies)
    assert question_text("parcel_id", "lost") in texts(replies)
