"""Claims database unreachable when filing: the customer is told, nothing is half-written, and
the retry files exactly one ticket. Driven through the real ``action_file_claim`` with a
Tracker built in code, on the real claims store."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from postgres_support import POSTGRES_URL, private_schema
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.claim import ActionFileClaim
from cssecure.claims.app import ClaimsApp
from cssecure.claims.db import upgrade
from cssecure.claims.orm import claim_history, claims, outbox

ROOT = Path(__file__).resolve().parents[2]

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
# A confirmed lost claim of an anonymous customer, as the form leaves it.
SLOTS: dict[str, Any] = {
    "claim_type": "lost", "parcel_id": "PX610001", "insured": True, "order_type": "agent",
    "shipping_line": "EMS", "destination_country": "FR", "items_value": "300.00",
    "shipping_fee": "80.00", "insured_value": "380.00", "submitted_date": "2024-01-02",
    "shipped_date": "2024-01-05", "delivered_date": "not_delivered", "loss_proof": True,
    "report_date": "2024-08-01", "claim_confirmed": True, "channel": "web",
    "customer_id": None, "verified": False,
}


def file_through_the_action() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run action_file_claim once; (events, messages)."""
    tracker = Tracker("conv-db-fault", SLOTS, {"intent": {"name": "affirm"}, "entities": []},
                      [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionFileClaim().run(dispatcher, tracker, DOMAIN))
    return events, dispatcher.messages


def rows(app: ClaimsApp) -> dict[str, int]:
    with app.engine.connect() as conn:
        return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in (claims, claim_history, outbox)}


class CuttableProxy:
    """A TCP proxy to PostgreSQL that can be cut (every connection dropped, new ones refused)
    and restored, like a network partition between the action server and the database."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            self.open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.up = False
        for sock in self.open:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self.open.clear()

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.cut()
        self.listener.close()


@pytest.fixture
def postgres_schema() -> Iterator[str]:
    """A private schema of the test database (CI=true: a missing server fails)."""
    with private_schema("resilience") as schema:
        yield schema


@pytest.mark.postgres
def test_database_cut_off_then_back_the_customer_is_told_and_the_retry_files_one_ticket(
    postgres_schema: str, tmp_path: Path
) -> None:
    upgrade(f"{POSTGRES_URL}?options=-csearch_path%3D{postgres_schema}")
    proxy = CuttableProxy(("127.0.0.1", 5432))
    url = (f"postgresql+psycopg2://postgres@127.0.0.1:{proxy.port}/test"
           f"?options=-csearch_path%3D{postgres_schema}&connect_timeout=3")
    app = ClaimsApp(url, tmp_path / "evidence")
    services.use_claims_app(app)
    try:
        assert rows(app) == {"claims": 0, "claim_history": 0, "outbox": 0}  # pool warmed
        proxy.cut()
        events, messages = file_through_the_action()
        assert "can't be reached right now" in messages[0]["text"]
        assert "kept everything you told me" in messages[0]["text"]
        assert {"event": "slot", "timestamp": None, "name": "pending_confirmation",
                "value": "retry_filing"} in events
        proxy.restore()
        assert rows(app) == {"claims": 0, "claim_history": 0, "outbox": 0}
        _, retried = file_through_the_action()
        assert "Your claim is filed. Reference: CS-" in retried[0]["text"]
        _, again = file_through_the_action()  # a second "yes": the same ticket, not another
        assert "I haven't opened a second one" in again[0]["text"]
        assert rows(app)["claims"] == 1
    finally:
        services.use_claims_app(None)
        app.dispose()
        proxy.close()


def test_connection_lost_mid_transaction_leaves_nothing_half_written(
    database_url: str, tmp_path: Path
) -> None:
    app = ClaimsApp(database_url, tmp_path / "evidence")
    services.use_claims_app(app)
    failing = {"on": True}

    def lose_connection(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # The ticket row is written; the connection dies before its history entry.
        if failing["on"] and statement.lstrip().upper().startswith("INSERT INTO CLAIM_HISTORY"):
            raise sa.exc.OperationalError(
                statement, {}, Exception("server closed the connection unexpectedly")
            )

    sa.event.listen(app.engine, "before_cursor_execute", lose_connection)
    try:
        _, messages = file_through_the_action()
        assert "can't be reached right now" in messages[0]["text"]
        assert rows(app) == {"claims": 0, "claim_history": 0, "outbox": 0}
        failing["on"] = False
        _, retried = file_through_the_action()
        assert "Your claim is filed" in retried[0]["text"]
        assert rows(app)["claims"] == 1 and rows(app)["claim_history"] >= 1
    finally:
        services.use_claims_app(None)
        app.dispose()
