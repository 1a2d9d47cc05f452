"""The live inbox over HTTP (issue 18): server-sent events when what a page shows changes,
assignment so two agents never answer the same customer unknowingly, and roles."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from handoff.claims_fixtures import file_claim

from console.conftest import PASSWORD, Console, csrf_of
from cssecure.claims import services
from cssecure.console import live


class Stream:
    """A server-sent event stream read in a thread; ``next()`` waits for one event."""

    def __init__(self, browser: requests.Session, url: str) -> None:
        self.closed = False
        self.reply = browser.get(url, stream=True, timeout=10)
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            for line in self.reply.iter_lines(decode_unicode=True):
                if self.closed:
                    break
                if line and line.startswith("data: "):
                    self.events.put(json.loads(line[len("data: "):]))
        except (requests.RequestException, ValueError, AttributeError):
            return

    def next(self, timeout: float = 3.0) -> dict[str, Any]:
        return self.events.get(timeout=timeout)

    def close(self) -> None:
        # The reader wakes at the next heartbeat, stops, and the socket really closes.
        self.closed = True
        self.thread.join(5)
        self.reply.close()


@pytest.fixture(autouse=True)
def _quick_heartbeats(monkeypatch: pytest.MonkeyPatch) -> None:
    # Heartbeats every 0.2 s: a test's stream notices its own end quickly.
    monkeypatch.setattr(live, "HEARTBEAT_SECONDS", 0.2)


@pytest.fixture
def streams() -> Iterator[list[Stream]]:
    opened: list[Stream] = []
    yield opened
    for stream in opened:
        stream.close()


def _agent(console: Console, name: str, role: str = "agent") -> requests.Session:
    console.deps.directory.add_agent(name, PASSWORD, role)
    return console.login(name)


def test_the_stream_needs_a_session(console: Console) -> None:
    assert requests.get(f"{console.url}/console/live", timeout=5).status_code == 401


def test_a_customers_message_reaches_the_open_claim_page_in_under_a_second(
    console: Console, streams: list[Stream]
) -> None:
    claim = file_claim(console.engine)
    browser = console.login()
    stream = Stream(browser, f"{console.url}/console/live?claim={claim.reference}")
    streams.append(stream)
    assert stream.reply.headers["Content-Type"].startswith("text/event-stream")
    first = stream.next()
    console.rasa.customer_says("conv-1", "Hello, is anybody there?")
    started = time.monotonic()
    changed = stream.next(timeout=2)
    assert time.monotonic() - started < 1.0
    assert changed["customer_messages"] == first["customer_messages"] + 1


def test_the_queue_stream_tells_of_a_new_claim_waiting_for_a_person(
    console: Console, streams: list[Stream]
) -> None:
    browser = console.login()
    stream = Stream(browser, f"{console.url}/console/live")
    streams.append(stream)
    first = stream.next()
    file_claim(console.engine)
    changed = stream.next(timeout=2)
    assert changed["waiting"] > first["waiting"]


def test_an_assignment_changes_what_a_colleagues_claim_page_shows(
    console: Console, streams: list[Stream]
) -> None:
    claim = file_claim(console.engine)
    alice = console.login()
    bob = _agent(console, "bob")
    stream = Stream(alice, f"{console.url}/console/live?claim={claim.reference}")
    streams.append(stream)
    assert stream.next()["holder"] is None
    page = bob.get(f"{console.url}/console/claims/{claim.reference}")
    bob.post(f"{console.url}/console/claims/{claim.reference}/hold",
             data={"csrf_token": csrf_of(page.text)})
    assert stream.next(timeout=2)["holder"] == "bob"


def test_a_second_agent_sees_who_holds_it_and_cannot_answer_unknowingly(
    console: Console,
) -> None:
    claim = file_claim(console.engine)
    alice = console.login()
    bob = _agent(console, "bob")
    url = f"{console.url}/console/claims/{claim.reference}"
    # Alice answers first: she holds the claim from then on.
    token = csrf_of(alice.get(url).text)
    assert alice.post(url + "/reply", data={"csrf_token": token, "text": "Hello"}).ok
    page = bob.get(url).text
    assert "<strong>alice</strong> holds this conversation" in page
    bob_token = csrf_of(page)
    refused = bob.post(url + "/reply", data={"csrf_token": bob_token, "text": "Hi, Bob here"})
    assert refused.status_code == 409 and "alice holds this conversation" in refused.text
    assert [p["text"] for p in console.rasa.pushed] == ["Hello"]
    # Knowingly, with "answer anyway": delivered, and the override is on record.
    anyway = bob.post(
        url + "/reply", data={"csrf_token": bob_token, "text": "Hi, Bob here", "override": "1"}
    )
    assert anyway.ok and console.rasa.pushed[-1]["text"] == "Hi, Bob here"
    assert console.deps.desk.actions()[0]["action"] == "override"
    assert console.deps.desk.actions()[0]["agent"] == "bob"
    holder = console.deps.desk.holder(f"claim:{claim.reference}")
    assert holder is not None and holder.agent == "alice"


@pytest.mark.parametrize("action", ["approve", "reject", "evidence", "take", "handback"])
def test_every_answering_action_is_refused_while_a_colleague_holds_the_claim(
    console: Console, action: str
) -> None:
    claim = file_claim(console.engine)
    console.deps.desk.take(f"claim:{claim.reference}", "bob")
    alice = console.login()
    url = f"{console.url}/console/claims/{claim.reference}"
    data = {"csrf_token": csrf_of(alice.get(url).text), "reason": "r", "what": "w", "note": ""}
    reply = alice.post(f"{url}/{action}", data=data)
    assert reply.status_code == 409
    assert console.rasa.pushed == []
    after = services.get_claim(console.deps.ports.uow_factory, claim.reference)
    assert after.status == claim.status and len(after.history) == len(claim.history)


def test_assign_to_a_colleague_and_release(console: Console) -> None:
    claim = file_claim(console.engine)
    console.deps.directory.add_agent("bob", PASSWORD)
    alice = console.login()
    url = f"{console.url}/console/claims/{claim.reference}"
    token = csrf_of(alice.get(url).text)
    assigned = alice.post(url + "/assign", data={"csrf_token": token, "to": "bob"})
    assert assigned.ok and "Assigned" not in assigned.text
    held = console.deps.desk.holder(f"claim:{claim.reference}")
    assert held is not None and (held.agent, held.assigned_by) == ("bob", "alice")
    nobody = alice.post(url + "/assign", data={"csrf_token": token, "to": "mallory"})
    assert nobody.status_code == 400
    # Alice does not hold it, so her release changes nothing; Bob's does.
    alice.post(url + "/release", data={"csrf_token": token})
    assert console.deps.desk.holder(f"claim:{claim.reference}") is not None


def test_the_queue_shows_the_holder_and_filters_mine_and_unassigned(console: Console) -> None:
    mine = file_claim(console.engine, parcel_id="P1001")
    other = file_claim(console.engine, parcel_id="P1002", conversation_id="conv-2")
    console.deps.desk.take(f"claim:{mine.reference}", "alice")
    alice = console.login()
    everything = alice.get(f"{console.url}/console/").text
    assert mine.reference in everything and other.reference in everything
    assert '<td class="holder">alice</td>' in everything
    only_mine = alice.get(f"{console.url}/console/?view=mine").text
    assert mine.reference in only_mine and other.reference not in only_mine
    unassigned = alice.get(f"{console.url}/console/?view=unassigned").text
    assert mine.reference not in unassigned and other.reference in unassigned
    lost = alice.get(f"{console.url}/console/?type=lost").text
    assert mine.reference not in lost


def test_pages_load_the_consoles_own_script_and_listen_to_their_stream(
    console: Console,
) -> None:
    claim = file_claim(console.engine)
    alice = console.login()
    page = alice.get(f"{console.url}/console/claims/{claim.reference}")
    assert f'data-live="/console/live?claim={claim.reference}"' in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    script = alice.get(f"{console.url}/console/static/console.js")
    assert script.ok and "EventSource" in script.text


def test_a_conversation_is_held_assigned_and_released_through_its_routes(
    console: Console,
) -> None:
    console.rasa.add_conversation("conv-9", [])
    console.deps.directory.add_agent("bob", PASSWORD)
    alice, bob = console.login(), console.login("bob")
    url = f"{console.url}/console/conversations/conv-9"
    token = csrf_of(alice.get(url).text)
    assert alice.post(url + "/hold", data={"csrf_token": token}).ok
    held = console.deps.desk.holder("conversation:conv-9")
    assert held is not None and held.agent == "alice"
    assert alice.post(url + "/assign", data={"csrf_token": token, "to": "bob"}).ok
    held = console.deps.desk.holder("conversation:conv-9")
    assert held is not None and (held.agent, held.assigned_by) == ("bob", "alice")
    refused = alice.post(url + "/hold", data={"csrf_token": token})
    assert refused.status_code == 409 and "bob holds this conversation" in refused.text
    bob_token = csrf_of(bob.get(url).text)
    assert bob.post(url + "/release", data={"csrf_token": bob_token}).ok
    assert console.deps.desk.holder("conversation:conv-9") is None
