"""Evidence files sent in a chat: which claim and kind they belong to, and storing them.

Files never pass through the dialogue (docs/TEAM-CONTRACTS.md): the channel stores the
bytes through ``ClaimsApp.attach_evidence`` and then tells the bot with
``/inform{"evidence_kind": ..., "evidence_id": ...}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Protocol

from cssecure.claims.errors import ClaimsError
from cssecure.claims.model import CLOSED_STATUSES, EVIDENCE_KINDS

# Telegram bots may download files up to 20 MB (getFile); Discord lets most users send 25 MB.
# The claims store applies its own, stricter limits per kind; these bound what we download.
TELEGRAM_MAX_FILE_BYTES = 20 * 1024 * 1024
DISCORD_MAX_FILE_BYTES = 25 * 1024 * 1024

CLAIM_REFERENCE = re.compile(r"\bCS-\d{4}-\d{6,}\b", re.IGNORECASE)

NO_CLAIM_FOR_EVIDENCE = (
    "I keep files with a claim, and I could not tell which claim this one is for. "
    "Please report what happened first, or send the file again with your claim "
    "reference (for example CS-2026-000042) as its caption. Your file was not stored."
)
STORE_FAILED = "Sorry, I could not store your file just now. Please send it again in a few minutes."

# Words in a caption that say what a file proves, checked in this order.
_CAPTION_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("unboxing_video", ("unbox", "opening")),
    ("customs_letter", ("customs", "seiz", "confiscat")),
    ("carrier_confirmation", ("carrier", "courier", "confirmation", "post office")),
    ("value_proof", ("receipt", "invoice", "order value", "value proof", "proof of value",
                     "payment", "seller")),
)

assert {kind for kind, _ in _CAPTION_KINDS} <= set(EVIDENCE_KINDS)


class EvidenceNotStored(Exception):
    """A file could not be stored; ``str(exc)`` is the message for the customer."""


class ClaimsForEvidence(Protocol):
    """The part of ``cssecure.claims.app.ClaimsApp`` the channels use for evidence."""

    def claims_for_customer(self, customer_id: str) -> list[dict[str, Any]]: ...

    def get_claim(
        self, reference: str, customer_id: str | None = None
    ) -> dict[str, Any] | None: ...

    def attach_evidence(
        self, reference: str, kind: str, filename: str, data: bytes, source_channel: str
    ) -> dict[str, Any]: ...


def evidence_kind(media: str, caption: str | None = None, content_type: str | None = None) -> str:
    """The evidence kind of a file, from its caption's words or else its media type.

    Args:
        media: ``"photo"``, ``"video"`` or ``"document"`` (how the chat sent it).
        caption: the text the customer sent with the file, if any.
        content_type: the MIME type the platform reported, if any.

    Returns:
        One of ``cssecure.claims.model.EVIDENCE_KINDS``. A video without caption is taken
        as the unboxing video, the one video the terms ask for.
    """
    words = (caption or "").lower()
    for kind, keywords in _CAPTION_KINDS:
        if any(word in words for word in keywords):
            return kind
    mime = (content_type or "").lower()
    if media == "video" or mime.startswith("video/"):
        return "unboxing_video"
    if media == "photo" or mime.startswith("image/"):
        return "photo"
    return "other"


def inform_message(kind: str, evidence_id: str) -> str:
    """The message that tells the bot a file was stored (contract: channels -> dialogue)."""
    return "/inform" + json.dumps({"evidence_kind": kind, "evidence_id": evidence_id})


def claim_reference_for_evidence(
    claims: ClaimsForEvidence,
    *,
    conversation_claim_ref: str | None,
    customer_id: str | None,
    caption: str | None,
) -> str | None:
    """The claim a file sent in a chat belongs to, or None when it cannot be told.

    In order: a reference in the caption, if it is this conversation's claim or one of the
    linked customer's claims (an anonymous chat cannot attach files to a stranger's claim
    by typing its reference); the claim of this conversation; the linked customer's only
    open claim.
    """
    match = CLAIM_REFERENCE.search(caption or "")
    if match:
        wanted = match.group(0).upper()
        if conversation_claim_ref and wanted == conversation_claim_ref.upper():
            return wanted
        if customer_id is not None and claims.get_claim(wanted, customer_id) is not None:
            return wanted
        return None
    if conversation_claim_ref:
        return conversation_claim_ref
    if customer_id is not None:
        open_claims = [
            c
            for c in claims.claims_for_customer(customer_id)
            if c.get("open", c.get("status") not in CLOSED_STATUSES)
        ]
        if len(open_claims) == 1:
            return str(open_claims[0]["reference"])
    return None


def store_evidence(
    claims: ClaimsForEvidence,
    *,
    reference: str,
    kind: str,
    filename: str,
    data: bytes,
    channel: str,
) -> str:
    """Store a file through the claims service and return its evidence id.

    Raises:
        EvidenceNotStored: the store refused the file (its message says why) or is down.
    """
    try:
        stored = claims.attach_evidence(reference, kind, filename, data, channel)
    except ClaimsError as exc:
        raise EvidenceNotStored(str(exc) or STORE_FAILED) from exc
    return evidence_id_of(stored)


def evidence_id_of(stored: Mapping[str, Any]) -> str:
    """The id in ``attach_evidence``'s answer."""
    for key in ("evidence_id", "id"):
        if stored.get(key) is not None:
            return str(stored[key])
    raise EvidenceNotStored(STORE_FAILED)
