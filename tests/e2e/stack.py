"""The assistant as customers meet it, for the end-to-end tests: the trained model in a real
Rasa server (the repository's credentials.yml and endpoints.yml, only the action server's
URL changed) and the real action server, as subprocesses on free loopback ports, sharing
a temporary claims database and tracker store.

Processes are started and stopped by the launcher library (``cssecure.ops.launch``:
``LocalStack``, as the resilience tests and the load benchmark); the running stack is the one
several test folders share (tests/shared_stack.py: its Rasa server also answers CORS for
one origin, and its action calls pass through a recording relay for tests/ops), so each
test keeps to conversation ids, customers and parcels of its own. The claims database holds the
demo parcels (``cssecure parcels seed-demo``) and, for anonymous customers, *walk-in twins*
of each: the same parcel with no owner, under ``P91xxxx`` (REST customers) and ``P92xxxx``
(anonymous website visitors). Each table of cases claims its own twins: two claims on one
parcel are linked for a person (issue 12), which is not what those cases are about.

The website chat (``cssecure/channels/socketio.py``, in the repository's credentials.yml)
runs in the same Rasa server: ``e2e.widget`` drives it like the widget does, signed in with a
customer token (``cssecure/identity/tokens.py``) or anonymous.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

import rasa_http

from cssecure.claims.app import ClaimsApp
from cssecure.claims.demo import demo_parcels
from cssecure.claims.model import Parcel
from cssecure.handoff.rasa_api import bearer, webhook_url
from cssecure.identity.tokens import issue_customer_token, widget_key
from cssecure.ops.launch import LocalStack, Server
from cssecure.ops.launch import model_for_tests as trained_model
from cssecure.settings import Settings

__all__ = ["AssistantStack", "ClaimsStack", "demo", "own_parcel", "seeded_parcels", "trained_model",
           "walk_in_twin"]

# Walk-in twins: "91" for the REST customers, "92" for anonymous website visitors.
TWIN_SERIES = ("91", "92")


def walk_in_twin(parcel_id: str, series: str = "91") -> str:
    """``P900004`` -> ``P910004`` (``series`` "92": ``P920004``): an ownerless twin."""
    return f"P{series}" + parcel_id[3:]


def seeded_parcels(today: date) -> list[Parcel]:
    """The demo parcels and their ownerless twins."""
    demo = demo_parcels(today)
    twins = [
        replace(p, parcel_id=walk_in_twin(p.parcel_id, series), customer_id=None)
        for series in TWIN_SERIES
        for p in demo
    ]
    return [*demo, *twins]


class ClaimsStack(LocalStack):
    """A :class:`LocalStack` whose claims database a test reads and adds to, with the
    evidence folder the stack's servers use (``<work>/var/evidence``, as
    :meth:`LocalStack.create` seeds it): the end-to-end and resilience stacks."""

    def claims(self) -> ClaimsApp:
        """A claims app on the stack's database (the caller disposes of it)."""
        return ClaimsApp(self.database_url, self.work / "var" / "evidence")

    def add_parcels(self, parcels: Iterable[Parcel]) -> None:
        """Put more parcels on the agency's record (a test's own parcels)."""
        app = self.claims()
        try:
            app.import_parcels(list(parcels))
        finally:
            app.dispose()


class AssistantStack(ClaimsStack):
    """A running Rasa server + action server (:class:`LocalStack`) and what the end-to-end
    tests do with them; :meth:`stop` ends both."""

    @property
    def rasa(self) -> Server:
        """The Rasa server."""
        return self.server("rasa")

    def say(self, sender: str, text: str, timeout_s: float = 120) -> list[dict[str, Any]]:
        """One customer message through the REST channel; the assistant's messages."""
        return rasa_http.rest_turn(self.rasa.url, sender, text, timeout_s)

    def tracker(self, sender: str) -> dict[str, Any]:
        """The conversation's tracker through Rasa's HTTP API (all events)."""
        return rasa_http.tracker(self.rasa.url, sender, self.token, timeout_s=60)

    def slots(self, sender: str) -> dict[str, Any]:
        """The conversation's slot values."""
        slots: dict[str, Any] = self.tracker(sender).get("slots") or {}
        return slots

    def last_replies(self, sender: str) -> list[dict[str, Any]]:
        """The assistant's messages since the conversation's latest user message, as the
        tracker recorded them (``{"text", "buttons"}``)."""
        events = self.tracker(sender).get("events") or []
        users = [i for i, e in enumerate(events) if e.get("event") == "user"]
        after = events[users[-1] + 1 :] if users else events
        return [
            {"text": e.get("text"), "buttons": (e.get("data") or {}).get("buttons")}
            for e in after
            if e.get("event") == "bot"
        ]

    def inject(
        self, conversation_id: str, message: str, customer_id: str | None, display: str
    ) -> None:
        """A message on the customer's behalf into a website conversation, as the web app
        sends it after an upload (``POST /webhooks/web/inject``, docs/TEAM-CONTRACTS.md);
        returns once the assistant has answered."""
        request = urllib.request.Request(  # noqa: S310 - loopback test server
            webhook_url(self.rasa.url, "web", "inject"),
            data=json.dumps(
                {
                    "conversation_id": conversation_id,
                    "message": message,
                    "customer_id": customer_id,
                    "display": display,
                }
            ).encode(),
            headers={"Content-Type": "application/json", **bearer(self.token)},
        )
        with urllib.request.urlopen(request, timeout=120) as answer:  # noqa: S310
            assert json.loads(answer.read()) == {"delivered": True}

    def queued_reasons(self, reference: str) -> list[str]:
        """Why the support team was notified about a claim, oldest first (the outbox: the
        end-to-end stack runs no relay, so every notification stays pending)."""
        app = self.claims()
        try:
            later = datetime.now(timezone.utc) + timedelta(days=1)
            with app.uow() as uow:
                rows = [dict(row["payload"]) for row in uow.outbox.pending(later)]
        finally:
            app.dispose()
        return [str(p["reason"]) for p in rows if p.get("reference") == reference]

    def decide(self, reference: str, *, note: str, agent: str = "e2e-agent") -> dict[str, Any]:
        """A person approves the claim with the terms' payout, as the console does
        (``ClaimsApp.decide``); the claim after it (staff view)."""
        app = self.claims()
        try:
            return app.decide(reference, approve=True, note=note, agent=agent)
        finally:
            app.dispose()

    def customer_token(self, customer_id: str) -> str:
        """The token the agency's website gives the widget for a signed-in customer."""
        settings = Settings.from_env({**os.environ, **self.env})
        return issue_customer_token(widget_key(settings), customer_id)


def demo(parcel_id: str) -> Parcel:
    """A demo parcel's record (cssecure/claims/demo.py)."""
    return next(p for p in demo_parcels(date.today()) if p.parcel_id == parcel_id)


def own_parcel(
    stack: AssistantStack, demo_id: str, parcel_id: str, owner: str | None, **changes: Any
) -> Parcel:
    """A copy of a demo parcel under a number of this test's own, on ``owner``'s account
    (``None``: no owner), put on the agency's record."""
    parcel = replace(demo(demo_id), parcel_id=parcel_id, customer_id=owner, **changes)
    stack.add_parcels([parcel])
    return parcel
