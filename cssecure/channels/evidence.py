"""Evidence files sent in a chat: where they go, what kind they are, and storing them.

Files never pass through the dialogue (docs/TEAM-CONTRACTS.md): the channel stores the
bytes through the claims service and then tells the bot with
``/inform{"evidence_kind": ..., "evidence_id": ...}``.

Where a file goes is decided here, once, for every channel (web upload, Telegram,
Discord): :func:`evidence_target` (docs/TEAM-CONTRACTS.md, "Trusted facts, provenance and
draft evidence"). In order:

1. a claim named in the caption (the web form's ``claim_ref``) that the caller may see;
2. the claim draft in progress (the conversation's ``claim_draft_id`` slot);
3. the claim filed in this conversation (its ``claim_ref`` slot), if it is the caller's;
4. otherwise the file is kept *loose* (no claim, no draft): never guessed. The bot is told
   as usual and asks the customer which claim it is for.

Why a file was not stored is told in the customer's language (:meth:`EvidenceNotStored.text`,
issue 14), the claims store's own refusals (type, size, name) too when they carry their
explanation (``ClaimsError.explanation``), else as the store words them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from cssecure.claims.errors import ClaimNotFound, ClaimsError
from cssecure.claims.evidence import EvidenceData
from cssecure.claims.model import EVIDENCE_KINDS
from cssecure.i18n.catalog import N_, Message, render, tr

# Telegram bots may download files up to 20 MB (getFile); Discord lets most users send 25 MB.
# The claims store applies its own, stricter limits per kind; these bound what we download.
TELEGRAM_MAX_FILE_BYTES = 20 * 1024 * 1024
DISCORD_MAX_FILE_BYTES = 25 * 1024 * 1024

CLAIM_REFERENCE = re.compile(r"\bCS-\d{4}-\d{6,}\b", re.IGNORECASE)

STORE_FAILED = N_(
    "Sorry, I could not store your file just now. Please send it again in a few minutes."
)

# Slots of the conversation's tracker that say which claim a file belongs to (set by the
# dialogue): the draft being reported, and the claim filed in (or discussed by) it.
DRAFT_SLOT = "claim_draft_id"
CLAIM_SLOT = "claim_ref"
# The question the dialogue asks now: an evidence fact's question awaits its kinds of file.
REQUESTED_SLOT = "requested_slot"


_CLAIM_NOT_YOURS = N_(
    "I could not find claim {reference} among your claims, so I did not store this "
    "file. Please check the reference, or send the file again without it: I will ask "
    "you which claim it is for."
)


def claim_not_yours(reference: str, language: str | None = None) -> str:
    """The refusal of a file whose caption names a claim the caller may not see."""
    return tr(language, _CLAIM_NOT_YOURS, reference=reference)


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
    """A file could not be stored; ``str(exc)`` is the message for the customer in English,
    :meth:`text` in their language.

    Args:
        message: an English text marked with ``N_`` (its ``{placeholders}`` filled from
            ``values``); a ``Message`` (the claims store's explanation of a refusal); or,
            with ``translated=False``, a text as another part worded it, shown as it is.
    """

    def __init__(
        self, message: str | Message, /, *, translated: bool = True, **values: Any
    ) -> None:
        self.explanation = message if isinstance(message, Message) else None
        if isinstance(message, Message):
            super().__init__(message.english())
            self.template: str | None = None
        else:
            super().__init__(message.format(**values) if values else message)
            self.template = message if translated else None
        self.values = values

    def text(self, language: str | None = None) -> str:
        """The message in ``language`` (None: English)."""
        if self.explanation is not None:
            return render(language, self.explanation)
        if self.template is None:
            return str(self)
        return tr(language, self.template, **self.values)


class ClaimsForEvidence(Protocol):
    """The part of ``cssecure.claims.app.ClaimsApp`` the channels use for evidence."""

    def claim_detail(self, reference: str) -> dict[str, Any] | None: ...

    def attach_evidence(
        self, reference: str, kind: str, filename: str, data: EvidenceData, source_channel: str
    ) -> dict[str, Any]: ...

    def attach_draft_evidence(
        self,
        conversation_id: str,
        draft_id: str,
        kind: str,
        filename: str,
        data: EvidenceData,
        source_channel: str,
        customer_id: str | None = None,
    ) -> dict[str, Any]: ...

    def attach_loose_evidence(
        self,
        conversation_id: str,
        customer_id: str | None,
        kind: str,
        filename: str,
        data: EvidenceData,
        source_channel: str,
    ) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ConversationClaims:
    """What a conversation's tracker says about its claims (slots set by the dialogue).

    Attributes:
        draft_id: ``claim_draft_id``: the claim being reported, not filed yet.
        claim_ref: ``claim_ref``: the claim filed in (or discussed by) the conversation.
    """

    draft_id: str | None = None
    claim_ref: str | None = None
    awaited: tuple[str, ...] = ()

    @classmethod
    def from_slots(cls, slots: Mapping[str, Any] | None) -> ConversationClaims:
        """From a tracker's slot values (anything but a non-empty string counts as unset);
        ``awaited``: the evidence kinds the question being asked (``requested_slot``) takes."""
        slots = slots or {}
        draft, claim = slots.get(DRAFT_SLOT), slots.get(CLAIM_SLOT)
        return cls(
            draft_id=draft if isinstance(draft, str) and draft else None,
            claim_ref=claim if isinstance(claim, str) and claim else None,
            awaited=asked_kinds(slots.get(REQUESTED_SLOT)),
        )


def asked_kinds(requested_slot: object) -> tuple[str, ...]:
    """The evidence kinds that answer the question of ``requested_slot`` (its fact's
    ``proven_by``, registry order), or () when it asks for no file."""
    from cssecure.policy.registry import REGISTRY

    fact = REGISTRY.facts.get(requested_slot) if isinstance(requested_slot, str) else None
    return tuple(fact.proven_by) if fact is not None else ()


def awaited_kinds(
    claims: ClaimsForEvidence, target: EvidenceTarget, conversation: ConversationClaims
) -> tuple[str, ...]:
    """The kinds of file the conversation waits for, likeliest first: the question being
    asked, then a filed claim's missing evidence (its checklist, issue 15).

    Raises:
        ClaimsError: the claims store cannot be read.
    """
    kinds = list(conversation.awaited)
    if target.to == "claim" and target.key:
        detail = claims.claim_detail(target.key) or {}
        for item in detail.get("missing_evidence") or ():
            found = item.get("kinds") if isinstance(item, Mapping) else None
            kinds += [found] if isinstance(found, str) else list(found or ())
    return tuple(k for k in dict.fromkeys(kinds) if k in EVIDENCE_KINDS)


@dataclass(frozen=True)
class EvidenceTarget:
    """Where a file goes.

    Attributes:
        to: ``"claim"`` (a filed claim), ``"draft"`` (the claim being reported) or
            ``"loose"`` (kept for the conversation; the bot asks which claim it is for).
        key: the claim reference, the draft id, or None for a loose file.
    """

    to: Literal["claim", "draft", "loose"]
    key: str | None = None

    @property
    def reference(self) -> str | None:
        """The claim reference when the file goes to a filed claim."""
        return self.key if self.to == "claim" else None

    @property
    def draft_id(self) -> str | None:
        """The draft id when the file goes to the claim being reported."""
        return self.key if self.to == "draft" else None


LOOSE = EvidenceTarget("loose")


def caption_reference(caption: str | None) -> str | None:
    """The first claim reference written in a file's caption, upper-cased."""
    match = CLAIM_REFERENCE.search(caption or "")
    return match.group(0).upper() if match else None


def caption_text(caption: str | None) -> str | None:
    """What a file's caption says to the bot (issue 15: it is the customer's message), or
    None when it says nothing more than which claim the file is for: a claim reference
    with at most one other word ("for CS-2026-000123") only routes the file
    (:func:`caption_reference`)."""
    words = (caption or "").strip()
    if not words:
        return None
    if CLAIM_REFERENCE.search(words):
        rest = CLAIM_REFERENCE.sub(" ", words).strip(" .,:;-#!?")
        if len(rest.split()) < 2:
            return None
    return words


def visible_claim(
    claims: ClaimsForEvidence, reference: str, *, conversation_id: str, customer_id: str | None
) -> str | None:
    """``reference`` (normalised) when the caller may add files to it, else None.

    A claim is the caller's when it was filed in this conversation or belongs to the
    verified customer: an anonymous chat cannot reach a stranger's claim by typing its
    reference, nor a conversation whose slot names a claim of another conversation.
    """
    claim = claims.claim_detail(reference.strip())
    if claim is None:
        return None
    mine = claim.get("conversation_id") == conversation_id or (
        customer_id is not None and claim.get("customer_id") == customer_id
    )
    return str(claim["reference"]) if mine else None


def evidence_target(
    claims: ClaimsForEvidence,
    *,
    conversation_id: str,
    customer_id: str | None,
    conversation: ConversationClaims,
    named_reference: str | None = None,
) -> EvidenceTarget:
    """Where a file sent in a conversation goes (the one rule of every channel).

    Args:
        conversation_id: the conversation the file was sent in.
        customer_id: the verified customer of the conversation, None when anonymous.
        conversation: the conversation's ``claim_draft_id`` and ``claim_ref`` slots.
        named_reference: a claim reference the customer named for this file (its caption,
            the web form's ``claim_ref``), if any.

    Returns:
        The named claim; else the draft in progress; else the conversation's claim if it is
        the caller's; else :data:`LOOSE`. Nothing is ever guessed from the customer's
        other claims.

    Raises:
        ClaimNotFound: the named claim does not exist or is not the caller's (the file is
            refused: storing it anywhere else would go against what the customer said).
        ClaimsUnavailable: the claims store cannot be read.
    """
    if named_reference:
        reference = visible_claim(
            claims, named_reference, conversation_id=conversation_id, customer_id=customer_id
        )
        if reference is None:
            raise ClaimNotFound(named_reference.strip())
        return EvidenceTarget("claim", reference)
    if conversation.draft_id:
        return EvidenceTarget("draft", conversation.draft_id)
    if conversation.claim_ref:
        reference = visible_claim(
            claims, conversation.claim_ref, conversation_id=conversation_id,
            customer_id=customer_id,
        )
        if reference is not None:
            return EvidenceTarget("claim", reference)
    return LOOSE


def attach_to_target(
    claims: ClaimsForEvidence,
    target: EvidenceTarget,
    *,
    conversation_id: str,
    customer_id: str | None,
    kind: str,
    filename: str,
    data: EvidenceData,
    channel: str,
) -> dict[str, Any]:
    """Store a file where :func:`evidence_target` said; the claims service's answer.

    Raises:
        ClaimsError: refused (``EvidenceRejected``: type, size, name) or not possible now.
    """
    if target.to == "claim" and target.key:
        return claims.attach_evidence(target.key, kind, filename, data, channel)
    if target.to == "draft" and target.key:
        return claims.attach_draft_evidence(
            conversation_id, target.key, kind, filename, data, channel, customer_id=customer_id
        )
    return claims.attach_loose_evidence(
        conversation_id, customer_id, kind, filename, data, channel
    )


def evidence_kind(
    media: str,
    caption: str | None = None,
    content_type: str | None = None,
    awaited: tuple[str, ...] = (),
) -> str:
    """The evidence kind of a file: its caption's words, else the first kind the
    conversation waits for (``awaited``, :func:`awaited_kinds`) that takes this type of
    file, else its media type.

    Args:
        media: ``"photo"``, ``"video"`` or ``"document"`` (how the chat sent it).
        caption: the text the customer sent with the file, if any.
        content_type: the file's MIME type (found in its bytes, or as the platform said).
        awaited: the kinds the conversation waits for: a PDF sent while the customs letter
            is asked is the customs letter, not "other" (issue 15 review).

    Returns:
        One of ``cssecure.claims.model.EVIDENCE_KINDS``. A video without caption is taken
        as the unboxing video, the one video the terms ask for.
    """
    from cssecure.claims.evidence import EVIDENCE_POLICIES

    words = (caption or "").lower()
    for kind, keywords in _CAPTION_KINDS:
        if any(word in words for word in keywords):
            return kind
    mime = (content_type or "").lower() or ("image/jpeg" if media == "photo" else "")
    for kind in awaited:
        policy = EVIDENCE_POLICIES.get(kind)
        if policy is not None and mime in policy.content_types:
            return kind
    if media == "video" or mime.startswith("video/"):
        return "unboxing_video"
    if media == "photo" or mime.startswith("image/"):
        return "photo"
    return "other"


def inform_message(kind: str, evidence_id: str) -> str:
    """The message that tells the bot a file was stored (contract: channels -> dialogue)."""
    return "/inform" + json.dumps({"evidence_kind": kind, "evidence_id": evidence_id})


def chat_evidence_target(
    claims: ClaimsForEvidence,
    *,
    conversation_id: str,
    customer_id: str | None,
    conversation: ConversationClaims,
    caption: str | None,
) -> EvidenceTarget:
    """:func:`evidence_target` for a chat file (the claim is named in its caption).

    Raises:
        EvidenceNotStored: the caption names a claim the caller may not see, or the
            claims store cannot be read (the message says what to do).
    """
    named = caption_reference(caption)
    try:
        return evidence_target(
            claims, conversation_id=conversation_id, customer_id=customer_id,
            conversation=conversation, named_reference=named,
        )
    except ClaimNotFound as exc:
        raise EvidenceNotStored(_CLAIM_NOT_YOURS, reference=exc.reference) from exc
    except ClaimsError as exc:
        raise _not_stored(exc) from exc


def store_evidence(
    claims: ClaimsForEvidence,
    target: EvidenceTarget,
    *,
    conversation_id: str,
    customer_id: str | None,
    kind: str,
    filename: str,
    data: EvidenceData,
    channel: str,
) -> str:
    """Store a chat file where ``target`` says and return its evidence id.

    Raises:
        EvidenceNotStored: the store refused the file (its message says why) or is down.
    """
    try:
        stored = attach_to_target(
            claims, target, conversation_id=conversation_id, customer_id=customer_id,
            kind=kind, filename=filename, data=data, channel=channel,
        )
    except ClaimsError as exc:
        raise _not_stored(exc) from exc
    return evidence_id_of(stored)


def _not_stored(exc: ClaimsError) -> EvidenceNotStored:
    """The claims store's refusal: its explanation (shown in the customer's language), else
    its words as they are, else :data:`STORE_FAILED`."""
    explanation = getattr(exc, "explanation", None)
    if isinstance(explanation, Message):
        return EvidenceNotStored(explanation)
    if str(exc):
        return EvidenceNotStored(str(exc), translated=False)
    return EvidenceNotStored(STORE_FAILED)


def evidence_id_of(stored: Mapping[str, Any]) -> str:
    """The id in an ``attach_*evidence`` answer."""
    for key in ("evidence_id", "id"):
        if stored.get(key) is not None:
            return str(stored[key])
    raise EvidenceNotStored(STORE_FAILED)
