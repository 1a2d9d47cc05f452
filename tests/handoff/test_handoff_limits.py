"""Requests for a person are limited per sender and per source address (issue 16, point 2):
asking again and again gets "please wait", not a new notification to the team each time."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cssecure.claims import orm, services
from cssecure.claims.unit_of_work import UnitOfWork
from cssecure.handoff.service import HandoffRequest, request_handoff
from cssecure.security import limits
from cssecure.security.limits import HANDOFF_REFUSED, LimitSettings, RateLimits
from handoff.claims_fixtures import file_claim


def _limiter(**env: str) -> RateLimits:
    return RateLimits(LimitSettings.from_env(env), namespace=uuid.uuid4().hex)


def _requested(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count()).where(orm.outbox.c.topic == "agent_requested")
            ).scalar_one()
        )


def _queue(engine: Engine) -> Callable[[str | None, str, str], None]:
    """What ClaimsApp.request_agent does (flag the claim, queue the notification)."""

    def request_agent(reference: str | None, conversation_id: str, reason: str) -> None:
        services.request_agent(
            lambda: UnitOfWork(engine), reference, conversation_id=conversation_id, reason=reason
        )

    return request_agent


def test_one_sender_asking_again_and_again_notifies_the_team_a_few_times(engine: Engine) -> None:
    lim = _limiter(CSSECURE_RATE_HANDOFF_PER_SENDER="2/hour")
    answers = [
        request_handoff(_queue(engine), None, "x-<!channel> URGENT", "customer asked for a person",
                        address="203.0.113.9", check=lim.check_handoff)
        for _ in range(10)
    ]
    assert answers[:2] == [HandoffRequest(True)] * 2
    assert answers[2:] == [HandoffRequest(False, HANDOFF_REFUSED)] * 8
    assert _requested(engine) == 2
    assert "wait" in HANDOFF_REFUSED


def test_many_senders_from_one_address_are_limited_too(engine: Engine) -> None:
    lim = _limiter(CSSECURE_RATE_HANDOFF_PER_ADDRESS="3/hour")
    queued = [
        request_handoff(_queue(engine), None, f"rest-{i}", "customer asked for a person",
                        address="198.51.100.77", check=lim.check_handoff).queued
        for i in range(8)
    ]
    assert queued == [True] * 3 + [False] * 5
    # A customer elsewhere still reaches the team.
    assert request_handoff(_queue(engine), None, "rest-elsewhere", "customer asked for a person",
                           address="198.51.100.78", check=lim.check_handoff).queued
    assert _requested(engine) == 4


def test_a_refused_request_changes_nothing_on_the_claim(engine: Engine) -> None:
    claim = file_claim(engine, needs_agent=False)
    lim = _limiter(CSSECURE_RATE_HANDOFF_PER_SENDER="1/hour")
    ask = _queue(engine)
    first = request_handoff(ask, claim.reference, "conv-1", "customer disagrees",
                            check=lim.check_handoff)
    assert first.queued
    services.hand_back(lambda: UnitOfWork(engine), claim.reference, actor="agent:bob", note="ok")
    again = request_handoff(ask, claim.reference, "conv-1", "customer disagrees",
                            check=lim.check_handoff)
    assert again == HandoffRequest(False, HANDOFF_REFUSED)
    assert not services.get_claim(lambda: UnitOfWork(engine), claim.reference).needs_agent
    assert _requested(engine) == 1


def test_the_process_limiter_is_used_by_default(engine: Engine) -> None:
    limits.set_default_limits(_limiter(CSSECURE_RATE_HANDOFF_PER_SENDER="1/hour"))
    try:
        assert request_handoff(_queue(engine), None, "web-a-1", "r").queued
        assert request_handoff(_queue(engine), None, "web-a-1", "r").message == HANDOFF_REFUSED
    finally:
        limits.set_default_limits(None)
    assert _requested(engine) == 1
