"""The handoff use cases against the real claims store and a loopback fake of Rasa."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine

from cssecure.claims.errors import InvalidTransition
from cssecure.claims.unit_of_work import UnitOfWork
from cssecure.handoff import service
from cssecure.handoff.rasa_api import CustomerNotReached, RasaConversations, RasaUnavailable
from cssecure.handoff.service import HandoffError, HandoffPorts
from handoff.claims_fixtures import file_claim
from handoff.fake_rasa import TOKEN, FakeRasa
from handoff.support import FakeHTTP


@pytest.fixture
def rasa(fake_http: FakeHTTP) -> FakeRasa:
    fake = FakeRasa(fake_http)
    fake.add_conversation("conv-1", [{"event": "user", "text": "my vase broke", "timestamp": 1}])
    return fake


@pytest.fixture
def ports(engine: Engine, rasa: FakeRasa) -> HandoffPorts:
    return HandoffPorts(
        uow_factory=lambda: UnitOfWork(engine),
        conversations=RasaConversations(rasa.http.url, TOKEN, timeout_s=2),
    )


def _last(outcome: service.Outcome) -> dict[str, str]:
    assert outcome.claim is not None
    return outcome.claim["history"][-1]


def test_take_over_pauses_the_assistant_greets_and_records_the_agent(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa
) -> None:
    claim = file_claim(engine)
    outcome = service.take_over(ports, claim.reference, agent="alice")
    assert rasa.paused("conv-1")
    assert _last(outcome)["actor"] == "agent:alice"
    assert "took over" in _last(outcome)["note"]
    assert outcome.problem is None
    # No alias configured: the customer sees "Agent", never the login name (issue 16).
    assert rasa.pushed[-1]["channel"] == "web" and rasa.pushed[-1]["agent_name"] == ""
    assert claim.reference in rasa.pushed[-1]["text"]


def test_reply_is_delivered_in_the_claims_channel_and_recorded(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa
) -> None:
    claim = file_claim(engine, channel="telegram")
    outcome = service.reply(ports, claim.reference, agent="alice", text="  Could you resend it?  ")
    assert rasa.pushed == [
        {
            "conversation_id": "conv-1",
            "text": "Could you resend it?",
            "agent_name": "",
            "channel": "telegram",
        }
    ]
    assert _last(outcome)["actor"] == "agent:alice"
    assert _last(outcome)["note"] == "replied to the customer: Could you resend it?"


def test_undelivered_reply_is_an_error_and_not_recorded(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa
) -> None:
    claim = file_claim(engine)
    before = len(claim.history)
    rasa.push_status = 502
    with pytest.raises(CustomerNotReached, match="not delivered"):
        service.reply(ports, claim.reference, agent="alice", text="hello")
    after = service.services.get_claim(ports.uow_factory, claim.reference)
    assert len(after.history) == before
    # Nothing reached the customer: the assistant goes on answering them.
    assert not rasa.paused("conv-1")


def _pauses(rasa: FakeRasa, conversation: str = "conv-1") -> list[dict]:
    return [e.get("metadata") for e in rasa.events[conversation] if e["event"] == "pause"]


def test_a_reply_pauses_the_assistant_under_the_agents_name_until_handed_back(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa
) -> None:
    """Review of issue 18 (finding 2): the assistant was not paused by a reply, and answered
    the customer's next messages itself."""
    claim = file_claim(engine)
    assert not rasa.paused("conv-1")
    outcome = service.reply(ports, claim.reference, agent="alice", text="Alice here.")
    assert outcome.problem is None and rasa.paused("conv-1")
    assert _pauses(rasa) == [{"sender": "agent", "agent_name": "alice"}]
    assert service.held_by(rasa.events["conv-1"]) == "alice"
    # Someone answers it: out of the team's waiting queue, as after "Take over".
    assert _queue_position(engine) is None
    # A second reply adds no second pause.
    service.reply(ports, claim.reference, agent="alice", text="One more thing.")
    assert len(_pauses(rasa)) == 1
    service.hand_back(ports, claim.reference, agent="alice")
    assert not rasa.paused("conv-1")


def test_a_reply_while_the_customer_waits_for_a_person_stops_the_waiting_notices(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa
) -> None:
    """The assistant's own pause (the customer asked for a person) becomes the agent's."""
    claim = file_claim(engine)
    _handed_over(rasa)
    assert _queue_position(engine) == 1
    service.reply(ports, claim.reference, agent="alice", text="Alice here.")
    assert service.held_by(rasa.events["conv-1"]) == "alice"
    assert _queue_position(engine) is None


def test_a_colleagues_reply_leaves_the_conversation_with_the_agent_who_holds_it(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa
) -> None:
    claim = file_claim(engine)
    service.take_over(ports, claim.reference, agent="alice")
    service.reply(ports, claim.reference, agent="bob", text="Bob, answering anyway.")
    assert service.held_by(rasa.events["conv-1"]) == "alice"
    assert len(_pauses(rasa)) == 1


def test_a_decision_after_a_reply_gives_the_customer_back_to_the_assistant(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa
) -> None:
    """As after a take over (issue 17): the decision hands the conversation back."""
    claim = file_claim(engine)
    service.reply(ports, claim.reference, agent="alice", text="Checking your claim.")
    service.reject(ports, claim.reference, agent="alice", reason="Too late.")
    assert not rasa.paused("conv-1")
    assert rasa.pushed[-1]["text"].endswith(str(service.BACK_WITH_ASSISTANT))


def test_a_reply_rasa_cannot_pause_after_is_delivered_and_the_agent_is_told(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa
) -> None:
    claim = file_claim(engine)

    def refuse(request: object) -> tuple[int, dict[str, str]]:
        return 500, {"error": "down"}

    rasa.http.routes[("POST", "/conversations/conv-1/tracker/events")] = refuse
    outcome = service.reply(ports, claim.reference, agent="alice", text="Alice here.")
    assert [p["text"] for p in rasa.pushed] == ["Alice here."]
    assert outcome.problem is not None and "could not be paused" in outcome.problem
    assert _last(outcome)["note"] == "replied to the customer: Alice here."
    assert outcome.claim is not None
    assert "NOT paused" in outcome.claim["history"][-2]["note"]


def _replied_rows(engine: Engine) -> list[tuple[dict, bool]]:
    import sqlalchemy as sa

    from cssecure.claims import orm

    with engine.connect() as conn:
        rows = conn.execute(sa.select(orm.outbox.c.payload, orm.outbox.c.delivered_at)
                            .where(orm.outbox.c.topic == "agent_replied")).all()
    return [(payload, delivered is not None) for payload, delivered in rows]


def test_every_delivered_agent_message_is_recorded_for_the_reply_promise(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa
) -> None:
    """A chat without a claim has no history: the message's record (``agent_replied``,
    already delivered: nothing is sent for it) is what ends the team's reply promise
    (cssecure.console.sla). An undelivered message records nothing."""
    rasa.push_status = 502
    with pytest.raises(CustomerNotReached):
        service.reply_in_conversation(ports, "web", "web-a-1", agent="alice", text="Hi")
    assert _replied_rows(engine) == []
    rasa.push_status = 200
    service.reply_in_conversation(ports, "web", "web-a-1", agent="alice", text="Hi")
    claim = file_claim(engine)
    service.reply(ports, claim.reference, agent="bob", text="Hello")
    assert _replied_rows(engine) == [
        ({"conversation_id": "web-a-1", "reference": None, "agent": "alice"}, True),
        ({"conversation_id": "conv-1", "reference": claim.reference, "agent": "bob"}, True),
    ]


def test_a_reply_in_a_conversation_without_a_claim_pauses_the_assistant_too(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa
) -> None:
    outcome = service.reply_in_conversation(
        ports, "web", "conv-1", agent="alice", text="Alice here."
    )
    assert outcome.problem is None
    assert service.held_by(rasa.events["conv-1"]) == "alice"


@pytest.mark.parametrize("text", ["", "   ", "x" * (service.MAX_MESSAGE_CHARS + 1)])
def test_empty_or_overlong_reply_is_refused_before_anything_happens(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa, text: str
) -> None:
    claim = file_claim(engine)
    with pytest.raises(HandoffError):
        service.reply(ports, claim.reference, agent="alice", text=text)
    assert rasa.pushed == []


def test_reply_at_the_length_limit_is_sent(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa
) -> None:
    claim = file_claim(engine)
    service.reply(ports, claim.reference, agent="alice", text="y" * service.MAX_MESSAGE_CHARS)
    assert len(rasa.pushed[-1]["text"]) == service.MAX_MESSAGE_CHARS


def test_request_evidence_moves_the_claim_to_awaiting_evidence_and_asks_the_customer(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa
) -> None:
    claim = file_claim(engine)
    assert claim.status == "in_review"
    outcome = service.request_evidence(
        ports, claim.reference, agent="bob", what="a photo of the broken handle"
    )
    assert outcome.claim is not None and outcome.claim["status"] == "awaiting_evidence"
    assert _last(outcome) | {"at": ""} == {
        "at": "",
        "actor": "agent:bob",
        "from": "in_review",
        "to": "awaiting_evidence",
        "note": "evidence requested: a photo of the broken handle",
    }
    assert "a photo of the broken handle" in rasa.pushed[-1]["text"]
    # Asking again while waiting adds a note instead of an impossible transition.
    again = service.request_evidence(ports, claim.reference, agent="bob", what="the box too")
    assert _last(again)["note"] == "evidence requested: the box too"


def test_approve_with_the_rules_payout_tells_the_customer(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa
) -> None:
    claim = file_claim(engine, decision="review")
    # A review decision has no computed payout: approving needs one given by the agent.
    with pytest.raises(InvalidTransition):
        service.approve(ports, claim.reference, agent="alice")
    outcome = service.approve(
        ports, claim.reference, agent="alice", payout_rmb="300.00", note="goods unusable"
    )
    assert outcome.claim is not None
    assert (outcome.claim["status"], outcome.claim["payout_rmb"]) == ("approved", "300.00")
    assert outcome.claim["needs_agent"] is False
    actors = {h["actor"] for h in outcome.claim["history"][-2:]}
    assert actors == {"agent:alice"}
    assert "approved" in rasa.pushed[-1]["text"] and "300.00 RMB" in rasa.pushed[-1]["text"]
    assert "goods unusable" in rasa.pushed[-1]["text"]


def test_different_payout_needs_a_reason_and_cannot_exceed_the_insured_value(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa
) -> None:
    claim = file_claim(engine, decision="approve", payout="300.00", needs_agent=True)
    with pytest.raises(InvalidTransition):
        # approved by the rules already: the engine's decision stands until re-examined
        service.approve(ports, claim.reference, agent="alice", payout_rmb="250.00")
    other = file_claim(engine, parcel_id="P1002", conversation_id="conv-1")
    with pytest.raises(InvalidTransition, match="exceeds the insured value"):
        service.approve(ports, other.reference, agent="alice", payout_rmb="800.01", note="x")
    ok = service.approve(ports, other.reference, agent="alice", payout_rmb="800.00", note="x")
    assert ok.claim is not None and ok.claim["payout_rmb"] == "800.00"


@pytest.mark.parametrize("payout", ["abc", "-5", "0", "1.234", "NaN"])
def test_bad_payout_is_refused_with_a_message(
    engine: Engine, ports: HandoffPorts, payout: str
) -> None:
    claim = file_claim(engine)
    with pytest.raises(HandoffError):
        service.approve(ports, claim.reference, agent="alice", payout_rmb=payout, note="n")


def test_parse_payout_accepts_amounts_with_fen_and_blank_means_the_rules() -> None:
    assert service.parse_payout("1,200.50 RMB") == Decimal("1200.50")
    assert service.parse_payout("  ") is None


def test_reject_needs_a_reason_which_the_customer_is_told(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa
) -> None:
    claim = file_claim(engine)
    with pytest.raises(HandoffError):
        service.reject(ports, claim.reference, agent="alice", reason=" ")
    outcome = service.reject(
        ports, claim.reference, agent="alice", reason="The video starts with an open box."
    )
    assert outcome.claim is not None and outcome.claim["status"] == "rejected"
    assert any(
        h["actor"] == "agent:alice" and h["to"] == "rejected" for h in outcome.claim["history"]
    )
    assert "The video starts with an open box." in rasa.pushed[-1]["text"]


def test_decision_stands_when_the_customer_cannot_be_told_and_the_agent_sees_why(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa
) -> None:
    claim = file_claim(engine)
    rasa.push_status = 503
    outcome = service.reject(ports, claim.reference, agent="alice", reason="Too late.")
    assert outcome.problem is not None and "not delivered" in outcome.problem
    assert outcome.claim is not None and outcome.claim["status"] == "rejected"
    assert "NOT delivered" in _last(outcome)["note"]


def test_hand_back_resumes_the_assistant_and_clears_the_flag(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa
) -> None:
    claim = file_claim(engine)
    service.take_over(ports, claim.reference, agent="alice")
    outcome = service.hand_back(ports, claim.reference, agent="alice")
    assert not rasa.paused("conv-1")
    assert outcome.claim is not None and outcome.claim["needs_agent"] is False
    assert _last(outcome)["actor"] == "agent:alice"
    assert "back with the CSSecure assistant" in rasa.pushed[-1]["text"]


def test_rasa_down_means_take_over_records_nothing(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa
) -> None:
    claim = file_claim(engine)
    broken = HandoffPorts(
        uow_factory=ports.uow_factory,
        conversations=RasaConversations(rasa.http.url, "wrong-token", timeout_s=2),
    )
    with pytest.raises(RasaUnavailable, match="RASA_TOKEN"):
        service.take_over(broken, claim.reference, agent="alice")
    after = service.services.get_claim(ports.uow_factory, claim.reference)
    assert len(after.history) == len(claim.history)


# ------------------------------------------- a decision ends the handoff (issue 17)


def _handed_over(rasa: FakeRasa, conversation: str = "conv-1") -> None:
    """The assistant handed the conversation to a person (action_human_handoff pauses)."""
    rasa.customer_says(conversation, "I want to talk to a person")
    rasa._append(conversation, {"event": "pause"})


def _queue_position(engine: Engine, conversation: str = "conv-1") -> int | None:
    from datetime import datetime, timezone

    from cssecure.handoff.queue import place_in_queue

    return place_in_queue(engine, conversation, datetime.now(timezone.utc)).position


@pytest.mark.parametrize("decide", ["approve", "reject"])
def test_a_decision_without_hand_back_gives_the_customer_back_to_the_assistant(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa, decide: str
) -> None:
    """Issue 17's reproduction: approving or rejecting left the conversation paused and out
    of the queue; the customer's "thank you!" got no answer until "Hand back" was pressed."""
    claim = file_claim(engine, decision="review")
    _handed_over(rasa)
    assert _queue_position(engine) == 1
    if decide == "approve":
        outcome = service.approve(
            ports, claim.reference, agent="alice", payout_rmb="300.00", note="unusable"
        )
        told = "is approved"
    else:
        outcome = service.reject(ports, claim.reference, agent="alice", reason="Too late.")
        told = "cannot be paid"
    assert outcome.problem is None
    assert not rasa.paused("conv-1")
    # The assistant listens again: the next message is a new turn, not the handoff's.
    assert [e["event"] for e in rasa.events["conv-1"][-3:]] == ["resume", "action", "bot"]
    assert rasa.events["conv-1"][-2]["name"] == "action_listen"
    # One message: the decision, then that the assistant answers again.
    (text,) = [p["text"] for p in rasa.pushed]
    assert told in text and claim.reference in text
    assert text.endswith("\n\n" + str(service.BACK_WITH_ASSISTANT))
    assert _queue_position(engine) is None
    assert outcome.claim is not None and outcome.claim["needs_agent"] is False
    assert outcome.claim["history"][-1]["note"] == "decided: conversation back with the assistant"


def test_a_decision_after_a_take_over_resumes_the_assistant_too(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa
) -> None:
    claim = file_claim(engine)
    service.take_over(ports, claim.reference, agent="alice")
    assert rasa.paused("conv-1")
    service.reject(ports, claim.reference, agent="alice", reason="Too late.")
    assert not rasa.paused("conv-1")
    assert "back with the CSSecure assistant" in rasa.pushed[-1]["text"]


def test_the_agent_can_keep_the_conversation_after_deciding(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa
) -> None:
    claim = file_claim(engine)
    _handed_over(rasa)
    outcome = service.reject(
        ports, claim.reference, agent="alice", reason="Too late.", keep_conversation=True
    )
    assert rasa.paused("conv-1")
    # Kept: held by the agent, so out of the waiting queue, and no "back with" message.
    assert _queue_position(engine) is None
    assert len(rasa.pushed) == 1 and "cannot be paid" in rasa.pushed[0]["text"]
    assert outcome.claim is not None
    assert "kept the conversation" in outcome.claim["history"][-1]["note"]
    # Nobody else is on it: the kept conversation is theirs until they hand it back.
    service.hand_back(ports, claim.reference, agent="alice")
    assert not rasa.paused("conv-1")


def test_keeping_a_conversation_the_assistant_was_answering_pauses_it_for_the_agent(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa
) -> None:
    claim = file_claim(engine)
    assert not rasa.paused("conv-1")
    service.reject(ports, claim.reference, agent="alice", reason="x", keep_conversation=True)
    assert rasa.paused("conv-1")
    pause = [e for e in rasa.events["conv-1"] if e["event"] == "pause"][-1]
    assert pause["metadata"] == {"sender": "agent", "agent_name": "alice"}


def test_a_decision_leaves_an_unpaused_conversation_as_it_is(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa
) -> None:
    """The customer may be in the middle of another question: no resume, no listen, no
    "back with the assistant"."""
    claim = file_claim(engine)
    before = len(rasa.events["conv-1"])
    service.reject(ports, claim.reference, agent="alice", reason="Too late.")
    assert [e["event"] for e in rasa.events["conv-1"][before:]] == ["bot"]
    assert len(rasa.pushed) == 1


def test_a_conversation_still_waiting_for_a_person_on_another_claim_stays_paused(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa
) -> None:
    first = file_claim(engine)
    file_claim(engine, parcel_id="P1002")  # same conversation, also waiting for a person
    _handed_over(rasa)
    service.reject(ports, first.reference, agent="alice", reason="Too late.")
    assert rasa.paused("conv-1")
    assert _queue_position(engine) == 1


def test_when_rasa_cannot_resume_the_decision_stands_and_the_agent_is_told(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa
) -> None:
    claim = file_claim(engine)
    _handed_over(rasa)

    def refuse(request: object) -> tuple[int, dict[str, str]]:
        return 500, {"error": "down"}

    rasa.http.routes[("POST", "/conversations/conv-1/tracker/events")] = refuse
    outcome = service.reject(ports, claim.reference, agent="alice", reason="Too late.")
    assert outcome.claim is not None and outcome.claim["status"] == "rejected"
    assert outcome.problem is not None and "Hand back" in outcome.problem
    assert "NOT resumed" in outcome.claim["history"][-1]["note"]


def test_a_request_for_a_person_without_a_claim_does_not_keep_a_decided_conversation_paused(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa
) -> None:
    """The customer asked for a person before filing (no claim named): the agent who decided
    this conversation's claim answered it; the conversation leaves the queue, resumed."""
    claim = file_claim(engine)
    service.services.request_agent(
        ports.uow_factory, None, conversation_id="conv-1", reason="customer asked for a person"
    )
    _handed_over(rasa)
    service.reject(ports, claim.reference, agent="alice", reason="Too late.")
    assert not rasa.paused("conv-1")
    assert _queue_position(engine) is None


def test_a_colleagues_decision_leaves_the_conversation_with_the_agent_who_took_it(
    engine: Engine, ports: HandoffPorts, rasa: FakeRasa
) -> None:
    """Alice took the conversation over (for this claim or anything else); Bob decides the
    claim from its page: the customer is told, but Alice keeps the conversation until she
    hands it back (the assistant does not start answering in the middle of her talk)."""
    claim = file_claim(engine)
    service.take_over(ports, claim.reference, agent="alice")
    outcome = service.reject(ports, claim.reference, agent="bob", reason="Too late.")
    assert outcome.problem is None
    assert rasa.paused("conv-1")
    assert "cannot be paid" in rasa.pushed[-1]["text"]
    assert str(service.BACK_WITH_ASSISTANT) not in rasa.pushed[-1]["text"]
    assert _last(outcome)["note"] == "decided: the conversation stays with alice, who holds it"
    service.hand_back(ports, claim.reference, agent="alice")
    assert not rasa.paused("conv-1")


@pytest.mark.parametrize(
    ("events", "holder"),
    [
        pytest.param([], None, id="never paused"),
        pytest.param([{"event": "pause"}], None, id="waiting for a person"),
        pytest.param([{"event": "pause", "metadata": {"sender": "agent", "agent_name": "mia"}}],
                     "mia", id="taken over"),
        pytest.param([{"event": "pause", "metadata": {"sender": "agent", "agent_name": "mia"}},
                      {"event": "pause", "metadata": {"sender": "agent", "agent_name": "joe"}}],
                     "joe", id="the latest take over"),
        pytest.param([{"event": "pause"},
                      {"event": "bot", "metadata": {"sender": "agent", "agent_name": "Mia"}}],
                     None, id="an agent wrote under an alias"),
        pytest.param([{"event": "pause", "metadata": {"sender": "agent", "agent_name": "mia"}},
                      {"event": "resume"}], None, id="handed back"),
        pytest.param([{"event": "pause", "metadata": {"sender": "agent", "agent_name": "mia"}},
                      {"event": "session_started"}], None, id="a new session, not carried"),
    ],
)
def test_who_holds_a_paused_conversation(events: list[dict], holder: str | None) -> None:
    assert service.held_by(events) == holder
