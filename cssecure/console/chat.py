"""The conversation as an agent reads it: a chat, oldest at the top, newest at the bottom.

Built from a Rasa tracker's events (the same events as
:func:`cssecure.handoff.transcript.transcript_from_events`, which stays the plain-text
transcript of the handoff service), with what a support desk needs on top:

* a button tap reads as the button's label ("Yes", "Crease or dent"), never as its payload
  (``/affirm``, ``/inform{"choice": "crease"}``): the payload is matched against the
  buttons the assistant offered last, the widget's "I'll send it later" under an evidence
  question included (its label in the conversation's language, as the customer saw it:
  "Ich sende es später");
* a file the customer sent (the channels' ``/inform{"evidence_kind", "evidence_id"}``
  notice) is a file message that names the evidence item, so the page can show its
  thumbnail;
* every message says who spoke: the customer, the assistant or an agent (by name).

Pure functions, no I/O: texts stay verbatim and the template escapes them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from cssecure.handoff.service import held_by
from cssecure.handoff.transcript import (
    AGENT,
    ASSISTANT,
    CUSTOMER,
    SYSTEM,
    TranscriptLine,
    transcript_from_events,
)
from cssecure.i18n import DEFAULT_LANGUAGE

_INTENT = re.compile(r"[A-Za-z0-9_]+")

# How a line was produced: typed text, a tapped button, a file, or a system note.
TYPED = "typed"
BUTTON = "button"
FILE = "file"
NOTE = "note"

# Intents a tap may send when the button offered is gone from the events (a new session):
# their plain meaning instead of the payload.
_INTENT_WORDS = {
    "affirm": "Yes",
    "deny": "No",
    "human_handoff": "Talk to a person",
    "greet": "Hello",
    "goodbye": "Goodbye",
    "restart": "Start again",
    "stop": "Stop",
}

# The web widget's "I'll send it later" under an evidence question, per language: the
# label the customer tapped (cssecure/web/static/cssecure-widget-evidence.js, LABELS.later;
# tests/console/test_chat.py checks the two agree). Its payload is the question's
# ``custom.evidence_request.later_payload`` (actions/claim.py).
LATER_LABELS = {
    "en": "I'll send it later",
    "de": "Ich sende es später",
    "fr": "Je l'enverrai plus tard",
    "es": "Lo enviaré más tarde",
    "it": "Lo invierò più tardi",
    "nl": "Ik stuur het later",
    "pl": "Wyślę to później",
    "pt": "Envio mais tarde",
}
LATER_CHOICE = {"choice": "later"}


def later_label(language: str | None) -> str:
    """The widget's "I'll send it later" in ``language`` (English when unknown)."""
    return LATER_LABELS.get(language or DEFAULT_LANGUAGE, LATER_LABELS[DEFAULT_LANGUAGE])


@dataclass(frozen=True)
class ChatMessage:
    """One bubble of the chat.

    Attributes:
        speaker: ``customer``, ``assistant``, ``agent`` or ``system``.
        text: what the speaker said, in words (a tap is the button's label).
        kind: ``typed``, ``button`` (the customer tapped one), ``file`` (the customer
            sent an evidence file) or ``note`` (a system line).
        at: when (UTC), if the event had a timestamp.
        agent: the agent's name on ``agent`` messages.
        buttons: the labels of the buttons the assistant offered with this message.
        evidence_id: the evidence item a ``file`` message stands for.
        evidence_kind: its kind (``photo``, ``unboxing_video``...).
    """

    speaker: str
    text: str
    kind: str
    at: datetime | None = None
    agent: str | None = None
    buttons: tuple[str, ...] = ()
    evidence_id: str | None = None
    evidence_kind: str | None = None

    @property
    def who(self) -> str:
        """The speaker's name as the page shows it."""
        if self.speaker == AGENT:
            return f"Agent {self.agent}" if self.agent else "Agent"
        return {CUSTOMER: "Customer", ASSISTANT: "Assistant", SYSTEM: ""}.get(self.speaker, "")


def parse_payload(text: str) -> tuple[str, dict[str, Any]] | None:
    """``"/inform{\\"choice\\": \\"crease\\"}"`` -> ``("inform", {"choice": "crease"})``.

    Returns:
        The intent and its entities, or ``None`` when ``text`` is not an intent payload
        (typed text, or a payload whose entities are not a JSON object).
    """
    text = text.strip()
    if not text.startswith("/") or len(text) < 2:
        return None
    brace = text.find("{")
    intent = text[1:brace] if brace >= 0 else text[1:]
    if not _INTENT.fullmatch(intent):
        return None
    if brace < 0:
        return intent, {}
    try:
        entities = json.loads(text[brace:])
    except ValueError:
        return None
    if not isinstance(entities, dict):
        return None
    return intent, entities


def _offered(event: Mapping[str, Any], language: str | None = None) -> list[tuple[str, str]]:
    """The (title, payload) pairs of the buttons a bot event offered, with an evidence
    question's "I'll send it later" (``custom.evidence_request.later_payload``) labelled in
    ``language``."""
    data = event.get("data") or {}
    if not isinstance(data, Mapping):
        return []
    pairs = []
    for button in data.get("buttons") or []:
        if isinstance(button, Mapping):
            pairs.append((str(button.get("title") or ""), str(button.get("payload") or "")))
    custom = data.get("custom")
    request = custom.get("evidence_request") if isinstance(custom, Mapping) else None
    later = request.get("later_payload") if isinstance(request, Mapping) else None
    if isinstance(later, str) and later:
        pairs.append((later_label(language), later))
    return pairs


def button_label(text: str, offered: Iterable[tuple[str, str]]) -> str | None:
    """The label of the offered button whose payload ``text`` is (same intent, same
    entities, whatever the JSON's spacing); ``None`` when no offered button matches."""
    sent = parse_payload(text)
    if sent is None:
        return None
    for title, payload in offered:
        if title and parse_payload(payload) == sent:
            return title
    return None


def _fallback_words(intent: str, entities: Mapping[str, Any], language: str | None) -> str:
    """Words for a payload no offered button explains (its button was in an older session)."""
    if intent in _INTENT_WORDS and not entities:
        return _INTENT_WORDS[intent]
    if intent == "inform" and dict(entities) == LATER_CHOICE:
        return later_label(language)
    if entities:
        values = ", ".join(str(v).replace("_", " ") for v in entities.values())
        return f"Chose: {values}"
    return intent.replace("_", " ").capitalize()


def _customer_message(
    event: Mapping[str, Any], offered: list[tuple[str, str]], language: str | None
) -> ChatMessage:
    text = str(event.get("text") or "")
    at = _line_at(event)
    metadata = event.get("metadata") or {}
    edited = isinstance(metadata, Mapping) and bool(metadata.get("edited"))
    payload = parse_payload(text)
    if payload is not None:
        intent, entities = payload
        if entities.get("evidence_id"):
            kind = str(entities.get("evidence_kind") or "file")
            return ChatMessage(
                CUSTOMER, f"Sent a file: {kind.replace('_', ' ')}", FILE, at,
                evidence_id=str(entities["evidence_id"]), evidence_kind=kind,
            )
        label = button_label(text, offered) or _fallback_words(intent, entities, language)
        return ChatMessage(CUSTOMER, label, BUTTON, at)
    return ChatMessage(CUSTOMER, ("(edited) " if edited else "") + text, TYPED, at)


def _line_at(event: Mapping[str, Any]) -> datetime | None:
    ts = event.get("timestamp")
    if isinstance(ts, (int, float)) and not isinstance(ts, bool):
        return datetime.fromtimestamp(ts, tz=timezone.utc)
    return None


def _from_line(line: TranscriptLine) -> ChatMessage:
    kind = NOTE if line.speaker == SYSTEM else TYPED
    return ChatMessage(line.speaker, line.text, kind, line.at, line.agent, line.buttons)


def chat_from_events(events: Iterable[Mapping[str, Any]]) -> list[ChatMessage]:
    """The chat of a conversation, oldest first (the page shows the newest at the bottom).

    Customer events are read here (taps and files in words); every other event is read
    by the handoff transcript, so both views agree on what the assistant and agents said.
    """
    messages: list[ChatMessage] = []
    offered: list[tuple[str, str]] = []
    # The conversation's language as it stood (its ``language`` slot): a tap's label is
    # the one the customer saw.
    language: str | None = None
    for event in events:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == "language":
            value = event.get("value")
            language = value if isinstance(value, str) else None
        if kind == "user":
            messages.append(_customer_message(event, offered, language))
            continue
        if kind == "bot":
            buttons = _offered(event, language)
            if buttons:
                offered = buttons
        messages.extend(_from_line(line) for line in transcript_from_events([event]))
    return messages


def customer_message_count(messages: Iterable[ChatMessage]) -> int:
    """How many messages the customer sent (the live page sounds when it grows)."""
    return sum(1 for m in messages if m.speaker == CUSTOMER)


def _paused(events: Iterable[Mapping[str, Any]]) -> bool:
    """Whether the assistant is paused after ``events``: the latest pause, resume or reset
    decides (as Rasa's tracker does)."""
    paused = False
    for event in events:
        kind = event.get("event")
        if kind == "pause":
            paused = True
        elif kind in ("resume", "session_started", "restart"):
            paused = False
    return paused


def assistant_state(events: list[dict[str, Any]]) -> str:
    """What the assistant does in a conversation, in words for the agent: answering the
    customer, waiting with them for a person, or quiet because an agent holds the
    conversation (the console's take over, an agent's reply or a kept decision)."""
    if not _paused(events):
        return (
            "The assistant answers this customer. It stops as soon as an agent writes to "
            "them or takes the conversation over."
        )
    agent = held_by(events)
    if agent:
        return (
            f"The assistant is quiet: {agent} is talking to the customer until it is "
            "handed back."
        )
    return (
        "The assistant is quiet: the customer waits for a person (they get only its waiting "
        "notices)."
    )
