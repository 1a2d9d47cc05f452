"""Customers' data requests (GDPR, issue 18): everything held about one customer as one
archive (this module), and erasure on request (:mod:`cssecure.console.erasure`).

What belongs to the customer is found as the erasure finds it
(:func:`cssecure.console.erasure.find_customer_data`): their claims, their files waiting for
a claim, their channel links, their parcels, and their conversations (those the claims
name, the website chat derived from the id, the linked Telegram and Discord chats).

The archive (ZIP) holds ``claims.json`` (every claim of the customer, no cap, with its
facts, their sources, assessment, history and evidence records), the evidence files under
``evidence/<reference>/`` (named as the console names downloads), the files sent outside a
claim under ``evidence/unfiled/`` with their records in ``unfiled_evidence.json``, each
conversation under ``transcripts/`` (a claim's from Rasa's API, the others from the tracker
store; as stored, ``.json``, and as the chat read, ``.txt``), ``parcels.json`` (the
agency's records of the customer's parcels), ``channel_links.json``, and ``manifest.json``
(what is inside, what could not be read, when, for whom).

The archive is written to a file the caller gives (the console: a temporary file it then
streams; the CLI: the ``--out`` file): claims are read 100 at a time and files are copied
from the evidence store in chunks, so no archive or video is ever held in memory whole.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import IO, Any
from urllib.parse import quote

import sqlalchemy as sa

from cssecure.claims.errors import EvidenceRejected
from cssecure.claims.evidence import EvidenceFileStore
from cssecure.claims.model import Claim
from cssecure.claims.views import claim_to_dict, evidence_to_dict
from cssecure.console.chat import chat_from_events
from cssecure.console.erasure import (
    ConversationKeys,
    CustomerData,
    TrackerStore,
    find_customer_data,
)
from cssecure.console.evidence_view import download_name
from cssecure.handoff.rasa_api import RasaUnavailable

# Claims loaded per unit of work while the archive is written.
CLAIM_BATCH = 100


class NoSuchCustomer(LookupError):
    """Nothing is held about this customer id."""


def _links(engine: sa.engine.Engine, customer_id: str) -> list[dict[str, Any]]:
    from cssecure.identity.linking import channel_links

    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(channel_links).where(channel_links.c.customer_id == customer_id)
            ).all()
    except sa.exc.SQLAlchemyError:  # a database without account linking
        return []
    return [
        {"channel": r.channel, "external_user_id": r.external_user_id,
         "linked_at": r.linked_at.isoformat()}
        for r in rows
    ]


def _claims(uow_factory: Callable[[], Any], references: list[str]) -> Iterator[Claim]:
    """The claims, ``CLAIM_BATCH`` per unit of work (never all in memory at once)."""
    for start in range(0, len(references), CLAIM_BATCH):
        with uow_factory() as uow:
            batch = [uow.claims.get(r) for r in references[start:start + CLAIM_BATCH]]
        yield from (c for c in batch if c is not None)


def _write_json_list(archive: zipfile.ZipFile, name: str, items: Iterator[Any]) -> None:
    """A JSON list written item by item into the archive."""
    with archive.open(name, "w", force_zip64=True) as out:
        out.write(b"[")
        for n, item in enumerate(items):
            out.write((",\n" if n else "\n").encode())
            out.write(json.dumps(item, indent=2, default=str).encode())
        out.write(b"\n]\n")


def export_customer(
    *,
    target: IO[bytes],
    engine: sa.engine.Engine,
    uow_factory: Callable[[], Any],
    evidence: EvidenceFileStore,
    events: Callable[[str], list[dict[str, Any]]],
    customer_id: str,
    requested_by: str,
    tracker: TrackerStore | None = None,
    keys: ConversationKeys | None = None,
) -> dict[str, Any]:
    """Write the archive of everything held about ``customer_id`` (ZIP) to ``target``.

    Args:
        target: a binary file open for writing (seekable or not).
        engine: the claims database.
        uow_factory: the claims unit of work factory.
        evidence: the evidence file store.
        events: a claim conversation's tracker events (Rasa's API; may raise
            RasaUnavailable).
        customer_id: whose data.
        requested_by: the agent's login name (written into the manifest).
        tracker: Rasa's tracker store, for the conversations without a claim (None: those
            are left out, and the manifest says so).
        keys: the keys of the customer's derived conversation ids (None: none derived).

    Returns:
        The manifest (also written as ``manifest.json``).

    Raises:
        NoSuchCustomer: no claim, unfiled file, channel link, parcel or conversation.
    """
    data: CustomerData = find_customer_data(
        engine, customer_id, keys or ConversationKeys(), tracker
    )
    if data.empty:
        raise NoSuchCustomer(f"Nothing is held about customer {customer_id!r}.")
    missing: list[str] = []
    files: list[str] = []
    claim_files: list[tuple[str, str]] = []  # (archive name, stored name)
    claim_conversations: list[str] = []

    def views() -> Iterator[dict[str, Any]]:
        for claim in _claims(uow_factory, data.references):
            view = claim_to_dict(claim)
            claim_conversations.append(claim.conversation_id)
            for item, item_view in zip(claim.evidence, view["evidence"], strict=True):
                name = f"evidence/{claim.reference}/{download_name(claim.reference, item_view)}"
                claim_files.append((name, item.stored_name))
            yield view

    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _write_json_list(archive, "claims.json", views())
        held = _held(uow_factory, data)
        archive.writestr("unfiled_evidence.json", json.dumps(
            [view for view, _ in held], indent=2, default=str))
        archive.writestr("channel_links.json", json.dumps(
            _links(engine, customer_id), indent=2))
        archive.writestr("parcels.json", json.dumps(
            _parcels(uow_factory, customer_id), indent=2, default=str))
        unfiled = [
            (f"evidence/unfiled/{download_name('unfiled', view)}", stored)
            for view, stored in held
        ]
        for name, stored_name in [*claim_files, *unfiled]:
            try:
                archive.write(evidence.path(stored_name), name)  # copied in chunks
                files.append(name)
            except (OSError, EvidenceRejected):
                missing.append(f"{name}: the file is missing from the evidence store")
        for conversation_id in dict.fromkeys(claim_conversations):
            name = f"transcripts/{quote(conversation_id, safe='')}.json"
            try:
                files += _write_transcript(archive, name, events(conversation_id))
            except RasaUnavailable as exc:
                missing.append(f"{name}: the assistant could not be reached ({exc})")
        if tracker is None:
            missing.append("transcripts of conversations without a claim: no tracker store")
        for conversation_id in data.tracked:
            if conversation_id in claim_conversations:
                continue
            name = f"transcripts/{quote(conversation_id, safe='')}.json"
            try:
                files += _write_transcript(
                    archive, name, tracker.events(conversation_id) if tracker else [])
            except sa.exc.SQLAlchemyError as exc:
                missing.append(f"{name}: the tracker store could not be read "
                               f"({type(exc).__name__})")
        manifest = {
            "customer_id": customer_id,
            "generated_at": datetime.now(timezone.utc).isoformat(),
            "requested_by": requested_by,
            "claims": data.references,
            "files": ["claims.json", "unfiled_evidence.json", "channel_links.json",
                      "parcels.json", *files],
            "not_included": missing,
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    return manifest


def _write_transcript(archive: zipfile.ZipFile, name: str,
                      events: list[dict[str, Any]]) -> list[str]:
    """Write a conversation twice: its events as stored (``name``, JSON: complete, for
    machines) and as the chat read (``.txt`` beside it: one line a message, who and when,
    taps as the button's label, as the console shows it). Returns the names written."""
    archive.writestr(name, json.dumps(events, indent=2))
    readable = name.removesuffix(".json") + ".txt"
    archive.writestr(readable, transcript_text(events))
    return [name, readable]


def transcript_text(events: list[dict[str, Any]]) -> str:
    """A conversation as text: ``2026-11-30 09:02 UTC  Customer: ...`` a line per message
    (a system line without a speaker), oldest first."""
    lines = []
    for message in chat_from_events(events):
        when = message.at.strftime("%Y-%m-%d %H:%M UTC  ") if message.at else ""
        who = f"{message.who}: " if message.who else ""
        offered = f"  [buttons: {' | '.join(message.buttons)}]" if message.buttons else ""
        lines.append(f"{when}{who}{message.text}{offered}")
    return "\n".join(lines) + ("\n" if lines else "")


def _held(uow_factory: Callable[[], Any], data: CustomerData) -> list[tuple[dict[str, Any], str]]:
    """``(record, stored name)`` of each file the customer sent outside a claim."""
    found: list[tuple[dict[str, Any], str]] = []
    with uow_factory() as uow:
        for _, _, _, evidence_id in data.held:
            held = uow.held_evidence.get(evidence_id)
            if held is None:
                continue
            view = evidence_to_dict(held.item)
            view["conversation_id"] = held.conversation_id
            found.append((view, held.item.stored_name))
    return found


def _parcels(uow_factory: Callable[[], Any], customer_id: str) -> list[dict[str, Any]]:
    from dataclasses import asdict

    with uow_factory() as uow:
        return [asdict(p) for p in uow.parcels.find(customer_id=customer_id)]
