"""Evidence files a customer sends in the chat, for the end-to-end tests.

The REST channel has no upload: a REST customer can only *say* they have a file. On the
website, the web app's upload handler (``POST /api/evidence``, docs/TEAM-CONTRACTS.md) stores
the file where the channels' one rule says (``cssecure.channels.evidence.evidence_target``:
the claim draft being reported, else the claim filed in the conversation, else kept loose)
and then tells the conversation with the protocol message
``/inform{"evidence_kind": ..., "evidence_id": ...}`` through ``/webhooks/web/inject``. The
end-to-end stack runs no web app, so :func:`upload` plays that handler's part with the same
rule and the same claims service against the running Rasa server (the HTTP endpoint itself
is tested in tests/web).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from web.evidence_media import undated_video

from cssecure.channels.evidence import ConversationClaims, attach_to_target, evidence_target
from e2e.stack import AssistantStack

# The smallest bytes each kind's checks accept (cssecure/claims/evidence.py).
_MAGIC = {
    "unboxing_video": undated_video(),  # a video must be readable to be stored
    "photo": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    "customs_letter": b"%PDF-1.7\n",
    "carrier_confirmation": b"%PDF-1.7\n",
    "value_proof": b"%PDF-1.7\n",
}
FILE_NAMES = {
    "unboxing_video": "unboxing.mp4",
    "photo": "damage.jpg",
    "customs_letter": "customs-letter.pdf",
    "carrier_confirmation": "carrier-confirmation.pdf",
    "value_proof": "order-receipt.pdf",
}


def sample_file(kind: str) -> bytes:
    """A small file of ``kind``, different each time (the store keeps one copy per content)."""
    return _MAGIC[kind] + secrets.token_bytes(48)


def inform_message(kind: str, evidence_id: str) -> str:
    """The channel's notice of a stored file (docs/TEAM-CONTRACTS.md, dialogue)."""
    return "/inform" + json.dumps({"evidence_kind": kind, "evidence_id": evidence_id})


def store(
    stack: AssistantStack,
    conversation_id: str,
    customer_id: str | None,
    kind: str,
    data: bytes | None = None,
    channel: str = "web",
) -> dict[str, Any]:
    """Store a file where the channels' rule says it goes; the claims service's answer."""
    conversation = ConversationClaims.from_slots(stack.slots(conversation_id))
    app = stack.claims()
    try:
        target = evidence_target(
            app, conversation_id=conversation_id, customer_id=customer_id,
            conversation=conversation,
        )
        return attach_to_target(
            app, target, conversation_id=conversation_id, customer_id=customer_id, kind=kind,
            filename=FILE_NAMES[kind], data=sample_file(kind) if data is None else data,
            channel=channel,
        )
    finally:
        app.dispose()


def notify(
    stack: AssistantStack,
    conversation_id: str,
    customer_id: str | None,
    kind: str,
    evidence_id: str,
) -> list[dict[str, Any]]:
    """Tell the conversation a file was stored, as the web app does; the assistant's replies."""
    stack.inject(
        conversation_id,
        inform_message(kind, evidence_id),
        customer_id,
        display=f"Sent {FILE_NAMES[kind]}",
    )
    return stack.last_replies(conversation_id)


def upload(
    stack: AssistantStack, conversation_id: str, customer_id: str | None, kind: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A file sent in a website chat: stored, then the conversation told; the stored
    record and the assistant's replies."""
    stored = store(stack, conversation_id, customer_id, kind)
    return stored, notify(stack, conversation_id, customer_id, kind, str(stored["evidence_id"]))
