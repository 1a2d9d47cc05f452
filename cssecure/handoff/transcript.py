"""The conversation transcript an agent reads, built from a Rasa tracker's events.

Only what people said is kept (customer, assistant, agent) plus the handoff markers
(paused / resumed); Rasa's internal events (slots, actions, loops) are noise to an agent.
A customer's edited message (Telegram) reads "(edited) ..."; the assistant's automatic
answers while the customer waits for a person are assistant lines like any other.
Texts are kept verbatim: escaping is the renderer's job, and it always escapes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

CUSTOMER = "customer"
ASSISTANT = "assistant"
AGENT = "agent"
SYSTEM = "system"

# The channels' push endpoints record an agent's message as a bot event with this
# metadata (cssecure/channels: ``{"sender": "agent", "agent_name": ...}``).
AGENT_SENDER = "agent"


@dataclass(frozen=True)
class TranscriptLine:
    """One line of the transcript.

    Attributes:
        speaker: ``customer``, ``assistant``, ``agent`` or ``system``.
        text: what was said (verbatim, unescaped).
        at: when (UTC), if the event had a timestamp.
        agent: the agent's name for ``agent`` lines.
        buttons: titles of quick-reply buttons the assistant offered.
    """

    speaker: str
    text: str
    at: datetime | None
    agent: str | None = None
    buttons: tuple[str, ...] = ()


def _at(event: Mapping[str, Any]) -> datetime | None:
    ts = event.get("timestamp")
    if isinstance(ts, (int, float)):
        return datetime.fromtimestamp(ts, tz=timezone.utc)
    return None


def transcript_from_events(events: Iterable[Mapping[str, Any]]) -> list[TranscriptLine]:
    """Turn Rasa tracker events into transcript lines, oldest first."""
    lines: list[TranscriptLine] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            text = event.get("text") or ""
            # Channels send evidence as "/inform{...}" intents: show that plainly.
            if text.startswith("/"):
                text = "[sent evidence or pressed a button] " + text
            metadata = event.get("metadata") or {}
            if isinstance(metadata, dict) and metadata.get("edited"):
                text = "(edited) " + text
            lines.append(TranscriptLine(CUSTOMER, text, _at(event)))
        elif kind == "bot":
            data = event.get("data") or {}
            metadata = event.get("metadata") or {}
            buttons = tuple(
                str(b.get("title", "")) for b in (data.get("buttons") or []) if isinstance(b, dict)
            )
            text = event.get("text") or ""
            if data.get("image"):
                text = (text + f" [image: {data['image']}]").strip()
            if isinstance(metadata, dict) and metadata.get("sender") == AGENT_SENDER:
                name = metadata.get("agent_name")
                lines.append(
                    TranscriptLine(AGENT, text, _at(event), agent=str(name) if name else None)
                )
            elif text or buttons:
                lines.append(TranscriptLine(ASSISTANT, text, _at(event), buttons=buttons))
        elif kind == "pause":
            metadata = event.get("metadata") or {}
            by_agent = isinstance(metadata, dict) and metadata.get("sender") == AGENT_SENDER
            name = metadata.get("agent_name") if by_agent else None
            text = (
                f"Assistant paused: {name or 'an agent'} took over."
                if by_agent
                else "Assistant paused: a person takes over."
            )
            if isinstance(metadata, dict) and metadata.get("carried_over"):
                # cssecure.handoff.waiting.carried_pause: the same handoff, a new session.
                text = (
                    f"Assistant still paused in the new session: {name or 'an agent'} holds "
                    "the conversation."
                    if by_agent
                    else "Assistant still paused in the new session: the customer still "
                    "waits for a person."
                )
            lines.append(TranscriptLine(SYSTEM, text, _at(event)))
        elif kind == "resume":
            metadata = event.get("metadata") or {}
            text = (
                "Assistant resumed: the customer chose to continue with the assistant "
                "(still in the queue)."
                if isinstance(metadata, dict) and metadata.get("by") == "customer"
                else "Assistant resumed."
            )
            lines.append(TranscriptLine(SYSTEM, text, _at(event)))
        elif kind == "rewind" and (event.get("metadata") or {}).get("edited_message"):
            lines.append(
                TranscriptLine(
                    SYSTEM,
                    "The customer edited the message above: the assistant went back and "
                    "read the edited text instead.",
                    _at(event),
                )
            )
        elif kind == "session_started":
            lines.append(TranscriptLine(SYSTEM, "New session started.", _at(event)))
    return lines


def latest_slot(events: Iterable[Mapping[str, Any]], name: str) -> Any:
    """The last value a tracker's events set for slot ``name`` (``None`` if never set)."""
    value = None
    for event in events:
        if event.get("event") == "slot" and event.get("name") == name:
            value = event.get("value")
    return value
