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
from cssecure.console.desk import conversation_item
from cssecure.handoff.rasa_api import RasaUnavailable


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
    holder = console.deps.desk.holder(conversation_item(claim.conversation_id))
    assert holder is not None and holder.agent == "alice"


@pytest.mark.parametrize("action", ["approve", "reject", "evidence", "take", "handback"])
def test_every_answering_action_is_refused_while_a_colleague_holds_the_claim(
    console: Console, action: str
) -> None:
    claim = file_claim(console.engine)
    console.deps.desk.take(conversation_item(claim.conversation_id), "bob")
    alice = console.login()
    url = f"{console.url}/console/claims/{claim.reference}"
    data = {"csrf_token": csrf_of(alice.get(url).text), "reason": "r", "what": "w", "note": ""}
    reply = alice.post(f"{url}/{action}", data=data)
    assert reply.status_code == 409 and "bob holds this conversation" in reply.text
    assert console.rasa.pushed == []
    after = services.get_claim(console.deps.ports.uow_factory, claim.reference)
    assert after.status == claim.status and len(after.history) == len(claim.history)


# Every path that answers the customer, decides or takes: (page, action, form fields).
_ANSWERING = [
    ("claim", "reply", {"text": "Alice here"}),
    ("claim", "take", {}),
    ("claim", "handback", {}),
    ("claim", "approve", {"note": ""}),
    ("claim", "reject", {"reason": "Too late."}),
    ("claim", "evidence", {"what": "a photo"}),
    ("claim", "hold", {}),
    ("claim", "assign", {"to": "alice"}),
    ("conversation", "reply", {"text": "Alice here"}),
    ("conversation", "take", {}),
    ("conversation", "handback", {}),
    ("conversation", "hold", {}),
    ("conversation", "assign", {"to": "alice"}),
]


@pytest.mark.parametrize("held_on", ["first claim", "conversation"])
@pytest.mark.parametrize(("page", "action", "fields"), _ANSWERING,
                         ids=[f"{p}-{a}" for p, a, _ in _ANSWERING])
def test_a_hold_is_the_customers_conversations_from_whichever_page(
    console: Console, held_on: str, page: str, action: str, fields: dict[str, str]
) -> None:
    """Review of issue 18 (blocker): holds were per claim; Alice took over a customer's
    first claim and answered, Bob opened the customer's second claim of the same chat, saw
    "Nobody holds this conversation" and answered too. Bob holds the chat here (from its
    first claim's page or the conversation's); Alice acting from the second claim's page or
    the conversation's page is refused, and nothing reaches the customer."""
    first = file_claim(console.engine, parcel_id="P1001")
    second = file_claim(console.engine, parcel_id="P1002", claim_type="lost")
    assert first.conversation_id == second.conversation_id == "conv-1"
    console.deps.directory.add_agent("bob", PASSWORD)
    alice, bob = console.login(), console.login("bob")
    pages = {
        "first claim": f"{console.url}/console/claims/{first.reference}",
        "claim": f"{console.url}/console/claims/{second.reference}",
        "conversation": f"{console.url}/console/conversations/conv-1",
    }
    held = bob.post(pages[held_on] + "/hold", data={"csrf_token": csrf_of(bob.get(
        pages[held_on]).text)})
    assert held.ok
    shown = alice.get(pages[page]).text
    assert "<strong>bob</strong> holds this conversation" in shown
    events_before = len(console.rasa.events["conv-1"])
    refused = alice.post(f"{pages[page]}/{action}",
                         data={"csrf_token": csrf_of(shown), **fields})
    assert refused.status_code == 409, refused.text
    assert "bob holds this conversation" in refused.text
    assert console.rasa.pushed == [] and len(console.rasa.events["conv-1"]) == events_before
    for claim in (first, second):
        after = services.get_claim(console.deps.ports.uow_factory, claim.reference)
        assert after.status == claim.status and len(after.history) == len(claim.history)
    holder = console.deps.desk.holder(conversation_item("conv-1"))
    assert holder is not None and holder.agent == "bob"


def test_two_claims_of_one_chat_the_reviewers_double_answer_is_refused(
    console: Console,
) -> None:
    """The review's steps: Alice takes over the first claim and replies; Bob opens the
    second claim of the same chat: it names Alice, his reply is a 409 and the customer gets
    Alice's messages only; "answer anyway" sends it, on record."""
    first = file_claim(console.engine, parcel_id="P900004")
    second = file_claim(console.engine, parcel_id="P900009", claim_type="lost")
    console.deps.directory.add_agent("bob", PASSWORD)
    alice, bob = console.login(), console.login("bob")
    one = f"{console.url}/console/claims/{first.reference}"
    two = f"{console.url}/console/claims/{second.reference}"
    assert alice.post(one + "/take", data={"csrf_token": csrf_of(alice.get(one).text)}).ok
    assert alice.post(one + "/reply", data={"csrf_token": csrf_of(alice.get(one).text),
                                            "text": "Alice hier."}).ok
    page = bob.get(two).text
    assert "Nobody holds this conversation" not in page
    assert "<strong>alice</strong> holds this conversation" in page
    refused = bob.post(two + "/reply", data={"csrf_token": csrf_of(page), "text": "Bob here."})
    assert refused.status_code == 409 and "alice holds this conversation" in refused.text
    assert "Bob here." not in [p["text"] for p in console.rasa.pushed]
    # His text stays in the box for him to send knowingly.
    assert ">Bob here.</textarea>" in refused.text
    anyway = bob.post(two + "/reply", data={"csrf_token": csrf_of(page), "text": "Bob here.",
                                            "override": "1"})
    assert anyway.ok and console.rasa.pushed[-1]["text"] == "Bob here."
    assert console.deps.desk.actions()[0]["action"] == "override"


def test_assign_to_a_colleague_and_release(console: Console) -> None:
    claim = file_claim(console.engine)
    console.deps.directory.add_agent("bob", PASSWORD)
    alice = console.login()
    url = f"{console.url}/console/claims/{claim.reference}"
    token = csrf_of(alice.get(url).text)
    assigned = alice.post(url + "/assign", data={"csrf_token": token, "to": "bob"})
    assert assigned.ok and "Assigned" not in assigned.text
    held = console.deps.desk.holder(conversation_item(claim.conversation_id))
    assert held is not None and (held.agent, held.assigned_by) == ("bob", "alice")
    nobody = alice.post(url + "/assign", data={"csrf_token": token, "to": "mallory"})
    assert nobody.status_code == 400
    # Alice does not hold it, so her release changes nothing; Bob's does.
    alice.post(url + "/release", data={"csrf_token": token})
    assert console.deps.desk.holder(conversation_item(claim.conversation_id)) is not None


def test_the_queue_shows_the_holder_and_filters_mine_and_unassigned(console: Console) -> None:
    mine = file_claim(console.engine, parcel_id="P1001")
    other = file_claim(console.engine, parcel_id="P1002", conversation_id="conv-2")
    console.deps.desk.take(conversation_item(mine.conversation_id), "alice")
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


# ----------------------------------------------- conversations without a claim


def _asks_for_a_person(console: Console, conversation: str) -> None:
    """A customer asks for a person before filing anything (the outbox's request row)."""
    console.rasa.add_conversation(conversation, [
        {"event": "slot", "name": "channel", "value": "web"},
        {"event": "user", "text": "I want to talk to a person"},
        {"event": "pause"},
    ])
    services.request_agent(console.deps.ports.uow_factory, None,
                           conversation_id=conversation, reason="customer asked for a person")


def _conversation_row(page: str, conversation: str) -> str | None:
    if 'id="conversation-queue"' not in page:
        return None
    table = page[page.index('id="conversation-queue"'):]
    table = table[:table.index("</table>")]
    start = table.find(f">{conversation}</a>")
    if start < 0:
        return None
    return table[table.rindex("<tr", 0, start):table.index("</tr>", start)]


def test_after_a_hand_back_a_conversation_without_a_claim_leaves_the_queue_unheld(
    console: Console,
) -> None:
    """Review of issue 18 (finding 5): take, reply, hand back a chat without a claim, reload
    the queue: it stayed under "waiting for an agent" for 3 days, "held by alice"."""
    _asks_for_a_person(console, "web-a-1")
    alice = console.login()
    queue_url = f"{console.url}/console/"
    url = f"{console.url}/console/conversations/web-a-1"
    row = _conversation_row(alice.get(queue_url).text, "web-a-1")
    assert row is not None and 'class="waiting"' in row and '"holder">nobody<' in row
    assert ": reply to the customer</td>" in row  # the promise it was given (sla)
    token = csrf_of(alice.get(url).text)
    assert alice.post(url + "/take", data={"csrf_token": token}).ok
    # The customer is greeted (second review: the page said so, nothing was sent).
    assert [p["text"] for p in console.rasa.pushed] == [
        "Hello, this is the CSSecure support team. I am reading your messages now and will "
        "answer you here."]
    # Taken and greeted (a person's first message, as a claim's take-over greets): Alice's,
    # the reply promise met.
    row = _conversation_row(alice.get(queue_url).text, "web-a-1")
    assert row is not None and 'class="taken"' in row and '"holder">alice<' in row
    assert "reply to the customer" not in row
    assert alice.post(url + "/reply", data={"csrf_token": token, "text": "Alice here."}).ok
    # Answered: Alice's, nothing owed.
    row = _conversation_row(alice.get(queue_url).text, "web-a-1")
    assert row is not None and 'class="taken"' in row and '"holder">alice<' in row
    assert "reply to the customer" not in row
    assert alice.post(url + "/handback", data={"csrf_token": token}).ok
    assert console.deps.desk.holder(conversation_item("web-a-1")) is None
    assert _conversation_row(alice.get(queue_url).text, "web-a-1") is None
    assert not console.rasa.paused("web-a-1")
    # The customer asks again: back in the queue, waiting, nobody holds it.
    services.request_agent(console.deps.ports.uow_factory, None,
                           conversation_id="web-a-1", reason="customer asked for a person")
    row = _conversation_row(alice.get(queue_url).text, "web-a-1")
    assert row is not None and 'class="waiting"' in row and '"holder">nobody<' in row


# ---------------------------------------------- the queue hears customers write


@pytest.mark.parametrize("state", ["waiting claim", "waiting conversation", "held"])
def test_the_queue_stream_tells_when_a_customer_writes_in_a_waiting_or_held_chat(
    console: Console, streams: list[Stream], state: str
) -> None:
    """Review of issue 18 (finding 6): demo-bob wrote "still waiting..." in a waiting chat
    while Alice sat on the queue: nothing happened. The queue's stream now counts what
    customers write in chats waiting for a person or held by an agent (the page rings)."""
    if state == "waiting claim":
        file_claim(console.engine)
        conversation = "conv-1"
    elif state == "waiting conversation":
        conversation = "web-a-1"
        _asks_for_a_person(console, conversation)
    else:
        conversation = "conv-1"
        file_claim(console.engine, needs_agent=False)
        console.deps.desk.take(conversation_item(conversation), "bob")
    console.rasa.customer_says("conv-quiet", "a chat nobody waits on")
    alice = console.login()
    stream = Stream(alice, f"{console.url}/console/live")
    streams.append(stream)
    first = stream.next()
    assert first["customer_writes"] == 0
    # A customer nobody waits on writing changes nothing.
    console.rasa.customer_says("conv-quiet", "hello?")
    with pytest.raises(queue.Empty):
        stream.next(timeout=1.2)
    console.rasa.customer_says(conversation, "still waiting...")
    started = time.monotonic()
    changed = stream.next(timeout=2)
    assert time.monotonic() - started < 1.0
    assert changed["customer_writes"] == 1 and changed["waiting"] == first["waiting"]
    console.rasa.customer_says(conversation, "hello??")
    assert stream.next(timeout=2)["customer_writes"] == 2


def test_customer_writes_counts_changes_not_conversations_that_start_being_watched() -> None:
    now = [0.0]
    writes = live.CustomerWrites(every=0.5, clock=lambda: now[0])
    assert writes.due() and not writes.due()
    assert writes.update({"a": "1|hi", "b": None}) == 0
    assert writes.update({"a": "1|hi", "b": "2|hello", "c": "3|new chat"}) == 1
    # Rasa could not read "a" this time: it keeps its mark, and its next message counts.
    assert writes.update({"a": RasaUnavailable("down"), "b": "2|hello", "c": "3|new chat"}) == 1
    assert writes.update({"a": "4|there?", "b": "2|hello", "c": "3|new chat"}) == 2
    # A new session empties Rasa's latest message: no count until the customer writes.
    assert writes.update({"a": None, "b": "2|hello", "c": "3|new chat"}) == 2
    assert writes.update({"a": "5|again", "b": "2|hello", "c": "3|new chat"}) == 3
    now[0] = 0.6
    assert writes.due()


def _requests_for_a_person(console: Console) -> list[dict[str, Any]]:
    import sqlalchemy as sa

    from cssecure.claims import orm

    with console.engine.connect() as conn:
        return [dict(r.payload) for r in conn.execute(
            sa.select(orm.outbox.c.payload).where(orm.outbox.c.topic == "agent_requested")
            .order_by(orm.outbox.c.id))]


@pytest.mark.parametrize("wrote_first", [True, False])
def test_released_after_writing_the_customer_waits_for_a_person_again_in_the_queue(
    console: Console, wrote_first: bool
) -> None:
    """Second review of issue 18: Bob replied (the assistant quiet for him), then released:
    the queue showed nobody, and the customer's "Hello?" got no answer from anyone. Without
    a reply the assistant still answers, so a release changes nothing else."""
    claim = file_claim(console.engine)
    bob = _agent(console, "bob")
    url = f"{console.url}/console/claims/{claim.reference}"
    if wrote_first:
        token = csrf_of(bob.get(url).text)
        assert bob.post(url + "/reply", data={"csrf_token": token, "text": "On it"}).ok
    else:
        token = csrf_of(bob.get(url).text)
        assert bob.post(url + "/hold", data={"csrf_token": token}).ok
    before = _requests_for_a_person(console)
    page = bob.post(url + "/release", data={"csrf_token": csrf_of(bob.get(url).text)})
    assert page.ok
    assert console.deps.desk.holder(conversation_item(claim.conversation_id)) is None
    after = services.get_claim(console.deps.ports.uow_factory, claim.reference)
    new = _requests_for_a_person(console)[len(before):]
    if wrote_first:
        assert "the customer waits for a person again" in page.text
        assert console.rasa.paused(claim.conversation_id)  # no bot answer, but not Bob's
        events = console.rasa.events[claim.conversation_id]
        pauses = [e for e in events if e.get("event") == "pause"]
        assert (pauses[-1].get("metadata") or {}).get("agent_name") is None
        assert after.needs_agent
        assert [r.get("reason") for r in new] == ["released by an agent"]
    else:
        assert "You released the conversation: anyone may take it." in page.text
        assert new == []
        assert not console.rasa.paused(claim.conversation_id)


def test_a_release_by_someone_who_does_not_hold_it_says_nothing_changed(
    console: Console,
) -> None:
    claim = file_claim(console.engine)
    console.deps.desk.take(conversation_item(claim.conversation_id), "alice")
    bob = _agent(console, "bob")
    url = f"{console.url}/console/claims/{claim.reference}"
    page = bob.post(url + "/release", data={"csrf_token": csrf_of(bob.get(url).text)})
    assert "You did not hold this conversation: nothing changed." in page.text
    holder = console.deps.desk.holder(conversation_item(claim.conversation_id))
    assert holder is not None and holder.agent == "alice"
