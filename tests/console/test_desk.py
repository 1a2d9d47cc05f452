"""Assignments and the desk's action log (issue 18), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from handoff.support import engine  # noqa: F401 - the fixture
from sqlalchemy.engine import Engine

from cssecure.console.desk import (
    Desk,
    HeldByAnother,
    claim_item,
    conversation_item,
    conversation_of,
)


def test_the_first_agent_to_take_an_item_holds_it_and_the_second_is_told_who(
    engine: Engine,  # noqa: F811
) -> None:
    desk = Desk(engine)
    item = claim_item("CS-2026-000001")
    assert desk.take(item, "alice").agent == "alice"
    assert desk.take(item, "alice").agent == "alice"  # taking again is harmless
    with pytest.raises(HeldByAnother) as refused:
        desk.take(item, "bob")
    assert refused.value.holder == "alice"
    held = desk.holder(item)
    assert held is not None and held.agent == "alice"


def test_two_agents_taking_at_once_one_wins(engine: Engine) -> None:  # noqa: F811
    desk = Desk(engine)
    item = conversation_item("telegram-42")
    results: dict[str, str] = {}
    start = threading.Barrier(2)

    def take(name: str) -> None:
        start.wait()
        try:
            results[name] = desk.take(item, name).agent
        except HeldByAnother as exc:
            results[name] = f"refused:{exc.holder}"

    threads = [threading.Thread(target=take, args=(n,)) for n in ("alice", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winner = desk.holder(item)
    assert winner is not None
    loser = "bob" if winner.agent == "alice" else "alice"
    assert results == {winner.agent: winner.agent, loser: f"refused:{winner.agent}"}


def test_assign_hands_over_and_release_only_by_the_holder(engine: Engine) -> None:  # noqa: F811
    desk = Desk(engine)
    item = claim_item("CS-2026-000002")
    desk.take(item, "alice")
    desk.assign(item, "bob", by="alice")
    held = desk.holder(item)
    assert held is not None and (held.agent, held.assigned_by) == ("bob", "alice")
    assert desk.release(item, "alice") is False
    assert desk.release(item, "bob") is True
    assert desk.holder(item) is None
    assert desk.take(item, "carol").agent == "carol"


def test_moving_a_colleagues_item_needs_answer_anyway_and_names_whom_it_was_taken_from(
    engine: Engine,  # noqa: F811
) -> None:
    """Found by review: "assign to myself" silently took a colleague's customer."""
    desk = Desk(engine)
    item = claim_item("CS-2026-000004")
    desk.take(item, "alice")
    for to in ("bob", "carol"):  # to themselves, or on to a third colleague
        with pytest.raises(HeldByAnother) as refused:
            desk.assign(item, to, by="bob")
        assert refused.value.holder == "alice"
    held = desk.holder(item)
    assert held is not None and held.agent == "alice"
    taken = desk.assign(item, "bob", by="bob", override=True)
    assert taken.agent == "bob"
    assert desk.actions()[0]["detail"] == "to bob (taken from alice)"
    # The holder hands it on without ticking anything.
    assert desk.assign(item, "carol", by="bob").agent == "carol"
    assert desk.actions()[0]["detail"] == "to carol"


def test_every_desk_action_is_logged_under_the_agents_name(engine: Engine) -> None:  # noqa: F811
    desk = Desk(engine)
    item = claim_item("CS-2026-000003")
    before = desk.version()
    desk.take(item, "alice")
    desk.assign(item, "bob", by="alice")
    desk.release(item, "bob")
    assert desk.version() > before
    assert [(a["agent"], a["action"], a["detail"]) for a in desk.actions()] == [
        ("bob", "release", ""), ("alice", "assign", "to bob"), ("alice", "take", ""),
    ]
    assert desk.holders([]) == {}


def test_item_keys_carry_no_control_characters_and_long_ids_stay_distinct(
    engine: Engine,  # noqa: F811
) -> None:
    desk = Desk(engine)
    hostile = conversation_item("conv\x00/../<b>")
    assert "\x00" not in hostile and "/" not in hostile
    desk.take(hostile, "alice")
    long_a, long_b = conversation_item("a" * 300 + "1"), conversation_item("a" * 300 + "2")
    assert long_a != long_b and len(long_a) <= 220
    desk.take(long_a, "alice")
    desk.take(long_b, "bob")
    assert {h.agent for h in desk.holders([long_a, long_b]).values()} == {"alice", "bob"}
    assert claim_item("CS-2026-000001") == "claim:CS-2026-000001"


def test_a_conversation_item_gives_its_conversation_back() -> None:
    """The live queue listens to the conversations agents hold (read from their items)."""
    for conversation in ("web-a-1", "discord-1@2-x", "conv\x01/../<b> ü"):
        assert conversation_of(conversation_item(conversation)) == conversation
    assert conversation_of(conversation_item("a" * 300)) is None  # kept as its hash
    assert conversation_of(claim_item("CS-2026-000001")) is None
