"""The team's queue from the console's data: requests join it, taking or handing back leave it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy.engine import Engine

from cssecure.claims import services
from cssecure.claims.unit_of_work import UnitOfWork
from cssecure.handoff import service
from cssecure.handoff.queue import (
    CLOSED,
    REQUESTED,
    TAKEN,
    OpenRequest,
    entries_from_rows,
    open_requests,
    open_requests_from_rows,
    place_in_queue,
)
from cssecure.handoff.rasa_api import RasaConversations
from cssecure.handoff.service import HandoffPorts
from handoff.claims_fixtures import file_claim
from handoff.fake_rasa import TOKEN, FakeRasa
from handoff.support import FakeHTTP

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def _ask(engine: Engine, conversation: str, at: datetime, reference: str | None = None) -> None:
    services.request_agent(
        lambda: UnitOfWork(engine), reference, conversation_id=conversation,
        reason="customer asked for a person", now=lambda: at,
    )


def test_first_come_first_served_and_a_second_request_keeps_the_place() -> None:
    rows = [
        (REQUESTED, {"conversation_id": "a"}, T0),
        (REQUESTED, {"conversation_id": "b"}, T0 + timedelta(minutes=1)),
        (REQUESTED, {"conversation_id": "a"}, T0 + timedelta(minutes=2)),
        (REQUESTED, {"conversation_id": "c"}, T0 + timedelta(minutes=3)),
        (TAKEN, {"conversation_id": "b"}, T0 + timedelta(minutes=4)),
        (REQUESTED, {"conversation_id": "d", "reference": "CS-1"}, T0 + timedelta(minutes=5)),
        (CLOSED, {"conversation_id": "c"}, T0 + timedelta(minutes=6)),
        (REQUESTED, {"conversation_id": "c"}, T0 + timedelta(minutes=7)),
    ]
    queue = entries_from_rows(rows)
    assert [(e.conversation_id, e.since) for e in queue] == [
        ("a", T0), ("d", T0 + timedelta(minutes=5)), ("c", T0 + timedelta(minutes=7))
    ]
    assert entries_from_rows(rows, handed_back=frozenset({"CS-1"}))[1].conversation_id == "c"


def test_place_in_queue_from_the_claims_store(engine: Engine) -> None:
    _ask(engine, "first", T0)
    _ask(engine, "second", T0 + timedelta(minutes=1))
    now = T0 + timedelta(minutes=5)
    assert place_in_queue(engine, "second", now).position == 2
    assert place_in_queue(engine, "second", now).length == 2
    assert place_in_queue(engine, "nobody", now).position is None
    # Requests older than the window no longer count.
    assert place_in_queue(engine, "second", T0 + timedelta(days=8)).length == 0


def test_taking_and_handing_back_in_the_console_take_the_conversation_out(
    engine: Engine, fake_http: FakeHTTP
) -> None:
    rasa = FakeRasa(fake_http)
    rasa.add_conversation("conv-1", [])
    rasa.add_conversation("conv-2", [])
    ports = HandoffPorts(
        uow_factory=lambda: UnitOfWork(engine),
        conversations=RasaConversations(fake_http.url, TOKEN, timeout_s=2),
    )
    claim = file_claim(engine, conversation_id="conv-1")
    now = datetime.now(timezone.utc)
    _ask(engine, "conv-1", now - timedelta(minutes=10), claim.reference)
    _ask(engine, "conv-2", now - timedelta(minutes=9))
    assert place_in_queue(engine, "conv-2", now).position == 2

    service.take_over(ports, claim.reference, agent="alice")
    # The take-over pause is the agent's: no automatic answers while they hold it.
    assert rasa.events["conv-1"][-2]["metadata"] == {"sender": "agent", "agent_name": "alice"}
    assert place_in_queue(engine, "conv-2", now).position == 1
    assert place_in_queue(engine, "conv-1", now).position is None

    service.pause_conversation(ports, "conv-2", agent="bob")
    assert place_in_queue(engine, "conv-2", now).length == 0
    service.resume_conversation(ports, "web", "conv-2", agent="bob")
    # Handing back resumes and listens again.
    assert [(e["event"], e.get("name")) for e in rasa.events["conv-2"][-3:-1]] == [
        ("resume", None), ("action", "action_listen")
    ]
    # Asking again later joins the queue again.
    later = datetime.now(timezone.utc) + timedelta(seconds=1)
    _ask(engine, "conv-2", later)
    assert place_in_queue(engine, "conv-2", later).position == 1


def test_open_requests_without_a_claim_end_with_a_hand_back_whatever_page_it_came_from(
) -> None:
    """Review of issue 18 (finding 5): a chat without a claim stayed "waiting for an agent"
    after its hand back. A take marks it taken (by whom), a hand back ends it, a new request
    opens it again; requests naming a claim are the claim's."""
    at = [T0 + timedelta(minutes=m) for m in range(10)]
    rows = [
        (REQUESTED, {"conversation_id": "a", "reason": "asked"}, at[0]),
        (REQUESTED, {"conversation_id": "b", "reason": "asked"}, at[1]),
        (REQUESTED, {"conversation_id": "c", "reference": "CS-1"}, at[2]),
        (TAKEN, {"conversation_id": "a", "agent": "alice"}, at[3]),
        (REQUESTED, {"conversation_id": "a", "reason": "again"}, at[4]),
        (TAKEN, {"conversation_id": "b", "reference": "CS-9", "agent": "bob"}, at[5]),
        (CLOSED, {"conversation_id": "b", "reference": "CS-9", "agent": "bob"}, at[6]),
        (CLOSED, {"conversation_id": "d"}, at[7]),
        (REQUESTED, {"conversation_id": "b", "reason": "once more"}, at[8]),
    ]
    assert open_requests_from_rows(rows) == [
        OpenRequest("a", at[0], "asked", "alice"),
        OpenRequest("b", at[8], "once more", None),
    ]


def test_open_requests_are_read_from_the_outbox(engine: Engine, fake_http: FakeHTTP) -> None:
    rasa = FakeRasa(fake_http)
    ports = HandoffPorts(lambda: UnitOfWork(engine),
                         RasaConversations(rasa.http.url, TOKEN, timeout_s=2))
    asked = datetime.now(timezone.utc)
    _ask(engine, "web-1", asked)
    (request,) = open_requests(engine, asked, timedelta(days=3))
    assert (request.conversation_id, request.taken_by) == ("web-1", None)
    service.pause_conversation(ports, "web-1", agent="alice")
    (request,) = open_requests(engine, datetime.now(timezone.utc), timedelta(days=3))
    assert request.taken_by == "alice"
    service.resume_conversation(ports, "web", "web-1", agent="alice")
    assert open_requests(engine, datetime.now(timezone.utc), timedelta(days=3)) == []
