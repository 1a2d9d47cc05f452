"""An open claim or conversation page reads the whole tracker only when its latest event
changed (issue 18 review: four full reads a second per open tab)."""

from __future__ import annotations

from typing import Any

from cssecure.console.live import TrackerReads


class Rasa:
    """Rasa's tracker API as the page reads it: the events, and the latest event's time."""

    def __init__(self) -> None:
        self.events: dict[str, list[dict[str, Any]]] = {"c1": [], "c2": []}
        self.full_reads = 0

    def say(self, conversation: str, at: float, text: str) -> None:
        self.events[conversation].append({"event": "user", "timestamp": at, "text": text})

    def read_events(self, conversation: str) -> list[dict[str, Any]]:
        self.full_reads += 1
        return list(self.events[conversation])

    def latest_event_time(self, conversation: str) -> float | None:
        events = self.events[conversation]
        return float(events[-1]["timestamp"]) if events else None


def test_the_events_are_read_again_only_when_the_latest_event_changed() -> None:
    rasa = Rasa()
    rasa.say("c1", 100.0, "hello")
    reads = TrackerReads(rasa.read_events, rasa.latest_event_time)
    for _ in range(8):  # two seconds of an open page
        assert [e["text"] for e in reads.read("c1")] == ["hello"]
    assert rasa.full_reads == 1
    rasa.say("c1", 100.5, "still waiting...")
    assert [e["text"] for e in reads.read("c1")] == ["hello", "still waiting..."]
    assert rasa.full_reads == 2
    # Another conversation is never answered from the first one's events.
    rasa.say("c2", 100.5, "other")
    assert [e["text"] for e in reads.read("c2")] == ["other"]
    assert rasa.full_reads == 3


def test_without_the_time_every_read_fetches_the_events() -> None:
    rasa = Rasa()
    reads = TrackerReads(rasa.read_events, None)
    reads.read("c1")
    reads.read("c1")
    assert rasa.full_reads == 2
    # An empty conversation has no time to compare: read each time, never a stale cache.
    timed = TrackerReads(rasa.read_events, rasa.latest_event_time)
    timed.read("c1")
    rasa.say("c1", 1.0, "first")
    assert [e["text"] for e in timed.read("c1")] == ["first"]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_open_queue_pages_share_what_customers_last_wrote_for_half_a_second() -> None:
    """Second review of issue 18: each open queue read up to 100 chats twice a second on
    its own. Five pages now cost what one does."""
    import asyncio

    from cssecure.console.blueprint import _latest_messages
    from cssecure.console.live import SharedMarks
    from cssecure.handoff.rasa_api import RasaUnavailable

    reads: list[str] = []

    class Port:
        def latest_message(self, conversation: str) -> str:
            reads.append(conversation)
            if conversation == "down":
                raise RasaUnavailable("no answer")
            return f"{conversation}-m{len(reads)}"

    class Ports:
        conversations = Port()

    clock = Clock()
    shared = SharedMarks(every=0.5, clock=clock)
    watched = ["c1", "c2", "down"]
    pages = [asyncio.run(_latest_messages(Ports(), watched, shared))  # type: ignore[arg-type]
             for _ in range(5)]
    assert reads.count("c1") == reads.count("c2") == 1
    assert reads.count("down") == 5  # a failed read is never reused
    assert all(p["c1"] == pages[0]["c1"] and isinstance(p["down"], RasaUnavailable)
               for p in pages)
    clock.now = 0.5
    asyncio.run(_latest_messages(Ports(), watched, shared))  # type: ignore[arg-type]
    assert reads.count("c1") == 2
