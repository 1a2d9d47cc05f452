"""The agent's transcript: who paused, who resumed, edits, and the waiting answers."""

from __future__ import annotations

from cssecure.handoff.transcript import ASSISTANT, CUSTOMER, SYSTEM, transcript_from_events


def test_the_transcript_tells_the_handoff_story() -> None:
    events = [
        {"event": "user", "text": "agent"},
        {"event": "pause"},
        {"event": "user", "text": "hello?"},
        {"event": "bot", "text": "Thanks, your message is saved...",
         "metadata": {"handoff_notice": "full"}},
        {"event": "user", "text": "parcel P100001", "metadata": {"edited": True}},
        {"event": "resume", "metadata": {"by": "customer"}},
        {"event": "user", "text": "hi"},
        {"event": "rewind", "metadata": {"edited_message": "tg-7"}},
        {"event": "user", "text": "agent please"},
        {"event": "pause", "metadata": {"sender": "agent", "agent_name": "alice"}},
        {"event": "rewind"},  # Rasa's own (not an edit): not shown
    ]
    lines = [(line.speaker, line.text) for line in transcript_from_events(events)]
    assert lines == [
        (CUSTOMER, "agent"),
        (SYSTEM, "Assistant paused: a person takes over."),
        (CUSTOMER, "hello?"),
        (ASSISTANT, "Thanks, your message is saved..."),
        (CUSTOMER, "(edited) parcel P100001"),
        (SYSTEM, "Assistant resumed: the customer chose to continue with the assistant "
                 "(still in the queue)."),
        (CUSTOMER, "hi"),
        (SYSTEM, "The customer edited the message above: the assistant went back and read "
                 "the edited text instead."),
        (CUSTOMER, "agent please"),
        (SYSTEM, "Assistant paused: alice took over."),
    ]
