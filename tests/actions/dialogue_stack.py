"""Drive the trained assistant end to end: the newest model in ``models/`` (NLU + dialogue,
loaded in-process) with the real action server as a subprocess, on a temporary claims
database seeded with the demo parcels. Used by ``test_dialogue_stack.py`` and usable from
the benchmarks: ``python tests/actions/dialogue_stack.py`` prints the message count of the
lost-parcel target. The action server is started by the launcher library
(``cssecure.ops.launch``); the in-process agent runs Rasa patched as every Rasa server of
ours (``cssecure.rasa_server.install``).

The claim rests on the carrier's confirmation the customer sent, so it is filed for a person
to check the file (``in_review``, issue 12 review); :func:`run_lost_claim` then has an agent
approve it through ``ClaimsApp.decide``, as the console does, to see what is paid.

Not the running stack other test folders share (tests/shared_stack.py): the model runs
in-process with a verified customer's metadata (which the REST channel ignores), and each
test files on demo-alice's parcels in a database of its own."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cssecure.ops.launch import (
    DEFAULT_ACTION_TOKEN,
    action_server,
    newest_model,
    seed_claims_database,
)

if TYPE_CHECKING:
    from rasa.core.agent import Agent

    from cssecure.claims.app import ClaimsApp

# The secret the in-process agent sends the action server (CSSECURE_ACTION_TOKEN); the
# action servers the launcher starts from this process expect it.
ACTION_TOKEN = DEFAULT_ACTION_TOKEN
__all__ = ["AGENT", "ALICE_WEB", "LOST_WITH_PROOF", "Conversation", "SendFile",
           "action_server_at", "claims_with_action_server", "newest_model", "patched_agent",
           "run_lost_claim", "seeded_database", "turn"]


@dataclass(frozen=True)
class SendFile:
    """The customer sends an evidence file (a channel stores it, then tells the bot)."""

    kind: str
    filename: str
    data: bytes

    def __str__(self) -> str:
        return f"[file] {self.filename}"


# The target of issue 5: a lost-parcel claim with carrier proof on a known parcel. The
# proof is the carrier's confirmation itself, sent in the chat (issue 12: a "yes, I have
# it" without the file makes the claim wait for it and pays nothing).
LOST_WITH_PROOF: tuple[str | SendFile, ...] = (
    "hi, my parcel P900002 is lost",
    SendFile("carrier_confirmation", "dhl-lost-parcel.pdf", b"%PDF-1.7\n" + b"\x00" * 32),
    "yes please file it",
    # Spare answers, used only if the assistant asks something more.
    "yes",
    "yes",
    "yes",
)
ALICE_WEB: dict[str, Any] = {"channel": "web", "customer_id": "demo-alice", "verified": True}


@dataclass
class Conversation:
    """What happened: customer messages sent, bot texts, the claim reference if filed."""

    sent: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    reference: str | None = None


@contextmanager
def action_server_at(database_url: str, var_dir: Path) -> Iterator[str]:
    """Run the action server on a free port; yields its webhook URL."""
    server = action_server(var_dir / "logs", {
        "CSSECURE_ACTION_TOKEN": ACTION_TOKEN,
        "CSSECURE_DATABASE_URL": database_url,
        "CSSECURE_VAR_DIR": str(var_dir),
    })
    try:
        yield f"{server.url}/webhook"
    finally:
        server.stop()


def seeded_database(directory: Path) -> str:
    """A migrated SQLite claims database with the demo parcels; returns its URL."""
    return seed_claims_database(f"sqlite:///{directory / 'claims.db'}", directory / "evidence")


async def patched_agent(model: Path, webhook: str) -> Agent:
    """Rasa's agent on ``model`` in this process, calling the action server at ``webhook``
    with :data:`ACTION_TOKEN`, Rasa patched as every Rasa server of ours runs it
    (:func:`cssecure.rasa_server.install`, as ``cssecure.ops.rasa_run`` does before
    ``rasa run``); its tracker and lock stores are Rasa's in-memory ones."""
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.endpoints import EndpointConfig

    from cssecure.rasa_server import install

    install()
    endpoints = AvailableEndpoints(
        action=EndpointConfig(webhook, headers={"Authorization": f"Bearer {ACTION_TOKEN}"})
    )
    return await load_agent(model_path=str(model), endpoints=endpoints)


async def turn(agent: Agent, sender: str, text: str,
               metadata: dict[str, Any]) -> list[dict[str, Any]]:
    """One customer message to ``agent``; the messages it answers with (Rasa's collecting
    output channel: ``{"recipient_id", "text", "buttons", ...}``)."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    output = CollectingOutputChannel()
    await agent.handle_message(UserMessage(text, output, sender_id=sender, metadata=metadata))
    return list(output.messages)


async def _talk(
    model: Path,
    webhook: str,
    messages: Sequence[str | SendFile],
    metadata: dict[str, Any],
    claims: ClaimsApp,
) -> Conversation:
    from cssecure.channels.evidence import (
        ConversationClaims,
        attach_to_target,
        evidence_target,
        inform_message,
    )

    agent = await patched_agent(model, webhook)
    conversation = Conversation()
    sender = f"stack-{time.time_ns()}"
    customer_id = metadata.get("customer_id") if metadata.get("verified") else None
    for step in messages:
        if isinstance(step, str):
            text = step
        else:
            # What a channel does with a file: store it where the one rule says (the draft
            # being reported), then tell the bot with the protocol message.
            tracker = await agent.tracker_store.retrieve(sender)
            slots = tracker.current_slot_values() if tracker is not None else {}
            target = evidence_target(
                claims, conversation_id=sender, customer_id=customer_id,
                conversation=ConversationClaims.from_slots(slots),
            )
            stored = attach_to_target(
                claims, target, conversation_id=sender, customer_id=customer_id,
                kind=step.kind, filename=step.filename, data=step.data,
                channel=str(metadata.get("channel") or "web"),
            )
            text = inform_message(step.kind, str(stored["evidence_id"]))
        said = await turn(agent, sender, text, metadata)
        conversation.sent.append(str(step))
        for reply in said:
            body = str(reply.get("text") or "")
            conversation.replies.append(body)
            if "Reference: CS-" in body:
                conversation.reference = body.split("Reference: ", 1)[1].split(".", 1)[0]
        if conversation.reference:
            break
    return conversation


AGENT = "bench-agent"


def run_lost_claim(
    model: Path,
) -> tuple[Conversation, dict[str, Any] | None, dict[str, Any] | None]:
    """File the lost-parcel claim through the whole assistant; returns the conversation,
    the stored ticket as filed and the ticket once an agent approved it (customer's view;
    ``None`` when nothing was filed)."""
    with claims_with_action_server() as (app, webhook):
        conversation = asyncio.run(_talk(model, webhook, LOST_WITH_PROOF, ALICE_WEB, app))
        filed = approved = None
        if conversation.reference:
            filed = app.get_claim(conversation.reference, ALICE_WEB["customer_id"])
            # The agent looks at the carrier's confirmation and approves the terms' payout.
            app.decide(
                conversation.reference, approve=True, note="carrier confirmation checked",
                agent=AGENT,
            )
            approved = app.get_claim(conversation.reference, ALICE_WEB["customer_id"])
    return conversation, filed, approved


@contextmanager
def claims_with_action_server() -> Iterator[tuple[ClaimsApp, str]]:
    """A seeded claims database in a temporary folder, its :class:`ClaimsApp` and an action
    server on it; yields (app, the action server's webhook URL) and disposes of both."""
    from cssecure.claims.app import ClaimsApp

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        url = seeded_database(directory)
        app = ClaimsApp(url, directory / "evidence")
        try:
            with action_server_at(url, directory) as webhook:
                yield app, webhook
        finally:
            app.dispose()


if __name__ == "__main__":
    found = newest_model()
    if found is None:
        sys.exit("no model in models/: run `make train` first")
    talk, stored, decided = run_lost_claim(found)
    print("\n".join(f"> {line}" for line in talk.replies), file=sys.stderr)
    print(
        json.dumps(
            {
                "lost_claim_customer_messages": len(talk.sent),
                "reference": talk.reference,
                "decision": (stored or {}).get("assessment", {}).get("decision"),
                "status": (stored or {}).get("status"),
                "approved_payout_rmb": (decided or {}).get("payout_rmb"),
            }
        )
    )
