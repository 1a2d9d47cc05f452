"""A scripted customer: answers whatever the assistant asks from a table of facts.

The customer knows its parcel (a demo parcel's record) and the answers of its case in
``claims.yml``. Each turn it reads the assistant's messages, recognises the question by
its exact wording (``actions.questions.question_text``, the text the form sends), and
answers it in a customer's words, or, for a question its ``files`` answer (a customer on a
channel with uploads), by sending that evidence file instead of typing. Anything else the
assistant says in place of a question (a re-prompt after a misunderstood answer, an
apology, silence) ends the conversation as a failure: the test then shows the whole
transcript.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from actions.questions import QUESTIONS, question_text
from cssecure.claims.model import Parcel
from cssecure.policy import country_name

# What the summary ends with (actions/claim.py, ActionAskClaimConfirmed).
FILE_IT_PROMPTS = ("Shall I file this claim?", "Do you still want me to file it?")
# What it asks after a "no" to the summary.
CORRECT_PROMPT = "Which detail should I correct?"
REFERENCE = re.compile(r"Reference: (CS-\d{4}-\d{6})\.")
_TODAY_MINUS = re.compile(r"\{today-(\d+)\}")


def say_date(day: date) -> str:
    """A date as customers write it: ``3 March 2026``."""
    return f"{day.day} {day:%B %Y}"


def expand(text: str, today: date) -> str:
    """Replace ``{today-N}`` in a scripted answer by that date in words."""
    return _TODAY_MINUS.sub(lambda m: say_date(today - timedelta(days=int(m.group(1)))), text)


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


# How a customer words the facts the agency's record holds (an anonymous customer is
# asked them all). Several money and weight spellings on purpose: "rmb", "¥", "yuan", "kg".
PARCEL_ANSWERS: dict[str, Callable[[Parcel], str]] = {
    "insured": lambda p: "yes I did" if p.insured else "no",
    "order_type": lambda p: (
        "it was a normal agent order" if p.order_type == "agent" else "buy it yourself"
    ),
    "shipping_line": lambda p: p.shipping_line,
    "destination_country": lambda p: country_name(p.destination_country),
    "items_value": lambda p: f"{p.items_value} rmb",
    "shipping_fee": lambda p: f"¥{p.shipping_fee}",
    "insured_value": lambda p: f"{p.insured_value} yuan",
    "weight_kg": lambda p: f"{p.weight_kg}kg",
    "waterproof_selected": lambda p: _yes_no(p.waterproof_selected),
    "submitted_date": lambda p: say_date(p.submitted_date),
    "shipped_date": lambda p: say_date(p.shipped_date) if p.shipped_date else "not shipped",
    "delivered_date": lambda p: (
        "it was never delivered" if p.delivered_date is None else say_date(p.delivered_date)
    ),
}


@dataclass
class Transcript:
    """The conversation as it happened."""

    lines: list[str] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)
    reference: str | None = None
    customer_messages: int = 0

    def __str__(self) -> str:
        return "\n".join(self.lines)

    @property
    def summary(self) -> str:
        """The assistant's last summary before filing (the message asking to file it)."""
        return next(
            line[2:]
            for line in reversed(self.lines)
            if line.startswith("< ") and any(prompt in line for prompt in FILE_IT_PROMPTS)
        )


class ConversationFailed(AssertionError):
    """The assistant said something the script cannot answer; the message has the transcript."""


def recognise(messages: Sequence[Mapping[str, Any]], claim_type: str | None) -> str | None:
    """The fact the assistant asks for in its latest messages, ``"confirm"`` for the
    summary, ``"correct"`` when it asks which detail to correct, or ``None``."""
    for message in reversed(messages):
        text = str(message.get("text") or "")
        for slot in QUESTIONS:
            if question_text(slot, claim_type) in text:
                return slot
        if any(prompt in text for prompt in FILE_IT_PROMPTS):
            return "confirm"
        if CORRECT_PROMPT in text:
            return "correct"
    return None


def file_claim(
    say: Callable[[str], list[dict[str, Any]]],
    *,
    opening: str,
    claim_type: str,
    parcel: Parcel,
    answers: Mapping[str, str],
    today: date,
    max_messages: int = 30,
    files: Mapping[str, str] | None = None,
    send_file: Callable[[str], list[dict[str, Any]]] | None = None,
    confirmations: Sequence[str] = ("yes please file it",),
    corrections: Sequence[str] = (),
    opening_file: str | None = None,
) -> Transcript:
    """Talk until the claim is filed; returns the transcript with the reference.

    Args:
        files: fact -> evidence kind: asked that fact, the customer sends a file of the kind
            with ``send_file`` (which returns the assistant's replies) instead of typing.
        confirmations: the answers to the summary's "Shall I file this claim?", in turn (the
            last one repeats): e.g. ``("no", "yes")`` to correct a detail first.
        corrections: what the customer says, in turn, when asked which detail to correct.
        opening_file: start by sending a file of this kind instead of saying ``opening``
            (to answer a question asked before this call).

    Raises:
        ConversationFailed: the assistant asked something twice, asked what the script
            has no answer for, or said anything that is neither a question nor the
            filing confirmation.
    """
    files = files or {}
    confirms, fixes = list(confirmations), list(corrections)
    if (files or opening_file) and send_file is None:
        raise ValueError("a customer with files needs a channel that takes uploads")
    transcript = Transcript()
    text: str | None = None if opening_file else expand(opening, today)
    kind: str | None = opening_file
    while transcript.customer_messages < max_messages:
        transcript.customer_messages += 1
        if text is not None:
            transcript.lines.append(f"> {text}")
            replies = say(text)
        else:
            assert send_file is not None and kind is not None
            transcript.lines.append(f"> [sends a file: {kind}]")
            replies = send_file(kind)
        transcript.lines += [f"< {m.get('text')}" for m in replies]
        for message in replies:
            found = REFERENCE.search(str(message.get("text") or ""))
            if found:
                transcript.reference = found.group(1)
                return transcript
        asked = recognise(replies, claim_type)
        if asked is None:
            raise ConversationFailed(f"no question recognised:\n{transcript}")
        if asked in transcript.asked and asked not in ("confirm", "correct"):
            raise ConversationFailed(f"asked {asked} twice (answer not understood):\n{transcript}")
        transcript.asked.append(asked)
        text, kind = None, None
        if asked in files:
            kind = files[asked]
        elif asked == "confirm":
            text = confirms.pop(0) if len(confirms) > 1 else confirms[0]
        elif asked == "correct":
            if not fixes:
                raise ConversationFailed(f"the script has nothing to correct:\n{transcript}")
            text = fixes.pop(0)
        elif asked in answers:
            text = expand(answers[asked], today)
        elif asked in PARCEL_ANSWERS:
            text = PARCEL_ANSWERS[asked](parcel)
        else:
            raise ConversationFailed(f"the script has no answer for {asked}:\n{transcript}")
    raise ConversationFailed(f"not filed after {max_messages} messages:\n{transcript}")


def talk_until_asked(
    say: Callable[[str], list[dict[str, Any]]],
    *,
    opening: str,
    claim_type: str,
    parcel: Parcel,
    answers: Mapping[str, str],
    wanted: str,
    max_messages: int = 20,
) -> list[dict[str, Any]]:
    """Answer the assistant's questions until it asks ``wanted``; the replies asking it."""
    text = opening
    for _ in range(max_messages):
        replies = say(text)
        asked = recognise(replies, claim_type)
        if asked == wanted:
            return replies
        if asked in answers:
            text = answers[asked]
        elif asked in PARCEL_ANSWERS:
            text = PARCEL_ANSWERS[asked](parcel)
        else:
            raise AssertionError(f"unexpected question {asked}: {replies}")
    raise AssertionError(f"{wanted} never asked")
