"""Scale beyond one machine (issue 8): two Rasa servers and two action servers (each Rasa
server calls its own) sharing the Redis lock store, a PostgreSQL tracker store and a
PostgreSQL claims database, all fresh for the run (databases created and dropped, Redis
database 7 flushed first).

- One conversation's messages alternate between the servers: the tracker holds exactly
  the messages sent, in order, and the claim is filed once.
- Two messages of one conversation sent at the same moment to the two servers: both are
  answered and the lock store serialises them (one turn ends before the next begins).

With ``CI=true`` a missing PostgreSQL or Redis is a failure, not a skip.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from postgres_support import POSTGRES_URL

from cssecure.claims.importer import parse_parcel_text

from .stack import Server, Stack, say, tracker
from .test_lock_store import REDIS_DB, redis_reachable
from .test_stack_faults import LOST, _parcel

pytestmark = [pytest.mark.stack, pytest.mark.slow, pytest.mark.postgres]

REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"


@dataclass
class TwoByTwo:
    stack: Stack
    rasas: tuple[Server, Server]


def _admin() -> sa.engine.Engine:
    """An AUTOCOMMIT engine on the server (CREATE/DROP DATABASE); fail in CI, else skip."""
    admin = sa.create_engine(POSTGRES_URL, future=True, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI but unreachable: {exc}")
        pytest.skip("PostgreSQL not reachable on 127.0.0.1:5432")
    return admin


@pytest.fixture(scope="module")
def two_by_two(tmp_path_factory: pytest.TempPathFactory, trained_model: Path) -> Iterator[TwoByTwo]:
    model = trained_model
    redis_reachable()
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    admin = _admin()
    prefix = f"cssecure_scale_{secrets.token_hex(4)}"
    names = {"claims": f"{prefix}_claims", "tracker": f"{prefix}_tracker"}
    base = sa.engine.make_url(POSTGRES_URL)
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    urls = {part: str(base.set(database=name)) for part, name in names.items()}
    stack: Stack | None = None
    try:
        work = tmp_path_factory.mktemp("scale")
        stack = Stack.create(
            work, model, CSSECURE_DATABASE_URL=urls["claims"],
            CSSECURE_TRACKER_URL=urls["tracker"], REDIS_URL=REDIS_URL,
        )
        parcels = [_parcel(f"P77000{i:02d}") for i in range(1, 4)]
        stack.add_parcels(parse_parcel_text(json.dumps(parcels), "json"))
        # Started one after the other: the first Rasa server creates the tracker table.
        actions_a = stack.action_server("actions-a")
        rasa_a = stack.rasa_server(f"{actions_a.url}/webhook", name="rasa-a")
        actions_b = stack.action_server("actions-b")
        rasa_b = stack.rasa_server(f"{actions_b.url}/webhook", name="rasa-b")
        yield TwoByTwo(stack, (rasa_a, rasa_b))
    finally:
        if stack is not None:
            stack.stop()
        with admin.connect() as conn:
            for name in names.values():
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        redis.Redis.from_url(REDIS_URL).flushdb()


def _events(scale: TwoByTwo, sender: str) -> list[dict[str, Any]]:
    return list(tracker(scale.rasas[0], sender, scale.stack.token)["events"])


def _tickets(scale: TwoByTwo, parcel_id: str) -> list[dict[str, Any]]:
    app = scale.stack.claims()
    try:
        return [c for c in app.list_claims() if c["parcel_id"] == parcel_id]
    finally:
        app.dispose()


def test_a_conversation_alternating_between_servers_keeps_order_loses_nothing_files_once(
    two_by_two: TwoByTwo,
) -> None:
    sender, parcel = f"scale-{secrets.token_hex(4)}", "P7700001"
    script = [text.format(p=parcel) for text in LOST]
    replies: list[list[str]] = []
    for turn, text in enumerate(script):
        replies.append(say(two_by_two.rasas[turn % 2], sender, text))
    assert all(replies), "a turn went unanswered"
    assert any("Your claim is filed. Reference: CS-" in r for r in replies[-1]), replies[-1]
    events = _events(two_by_two, sender)
    assert [e["text"] for e in events if e["event"] == "user"] == script
    # Both servers read the same tracker.
    other = tracker(two_by_two.rasas[1], sender, two_by_two.stack.token)["events"]
    assert [e["text"] for e in other if e["event"] == "user"] == script
    (ticket,) = _tickets(two_by_two, parcel)
    assert ticket["decision"] == "approve"


def _turns_do_not_interleave(events: list[dict[str, Any]]) -> None:
    """Each user message starts a turn only after the previous turn ended (action_listen)."""
    last_action: str | None = None
    users = 0
    for event in events:
        if event["event"] == "user":
            users += 1
            if users > 1:
                assert last_action == "action_listen", f"turn {users} began inside another"
        elif event["event"] == "action":
            last_action = event["name"]
    assert last_action == "action_listen"


def test_two_messages_at_once_to_the_two_servers_are_both_answered_one_turn_at_a_time(
    two_by_two: TwoByTwo,
) -> None:
    sender = f"scale-both-{secrets.token_hex(4)}"
    say(two_by_two.rasas[0], sender, "hi")
    texts = ["what does CSSecure cover?", "how much does the insurance cost?"]
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda pair: say(*pair), [
            (two_by_two.rasas[0], sender, texts[0]), (two_by_two.rasas[1], sender, texts[1]),
        ]))
    assert all(answers), answers
    events = _events(two_by_two, sender)
    sent = [e["text"] for e in events if e["event"] == "user"]
    assert sent[0] == "hi" and sorted(sent[1:]) == sorted(texts)  # both kept, in some order
    _turns_do_not_interleave(events)
