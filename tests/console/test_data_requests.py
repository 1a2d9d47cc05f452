"""Customers' data requests (issue 18): the export holds the customer's claims (all of them),
evidence files (also those sent outside a claim), transcripts (also of conversations without
a claim), parcels and links, and only theirs; it is written to a file, never whole in
memory; supervisors only, recorded."""

from __future__ import annotations

import io
import json
import os
import re
import tracemalloc
import zipfile
from pathlib import Path

import sqlalchemy as sa
from handoff.claims_fixtures import file_claim

from console.conftest import PASSWORD, Console, csrf_of
from console.customer_data import (
    CUSTOMER,
    KEYS,
    MESSAGE,
    OTHER_MESSAGE,
    RECEIPT,
    seed,
    stores,
    tracker_store,
)
from console.media import png_bytes
from cssecure.claims import orm, services
from cssecure.console.data_requests import export_customer, transcript_text
from cssecure.console.erasure import TrackerStore
from cssecure.console.supervisor import use_customer_stores
from cssecure.identity.linking import LinkStore

PHOTO = png_bytes((10, 200, 10))


def _export(
    console: Console, customer_id: str, tmp_path: Path, tracker: TrackerStore | None = None
) -> zipfile.ZipFile:
    path = tmp_path / f"{customer_id}.zip"
    with path.open("wb") as out:
        export_customer(
            target=out, engine=console.engine, uow_factory=console.deps.ports.uow_factory,
            evidence=console.deps.evidence, events=console.deps.ports.conversations.events,
            customer_id=customer_id, requested_by="sue", tracker=tracker, keys=KEYS,
        )
    return zipfile.ZipFile(path)


def test_the_archive_holds_the_customers_claims_files_and_transcript_only(
    console: Console, tmp_path: Path
) -> None:
    claim = file_claim(console.engine)  # customer cust-1, conversation conv-1
    item, _ = services.attach_evidence(
        console.deps.ports.uow_factory, console.deps.evidence, claim.reference,
        kind="photo", filename="vase.png", data=PHOTO, source_channel="web",
    )
    console.rasa.customer_says("conv-1", "My vase arrived broken")
    other = file_claim(console.engine, parcel_id="P2002", conversation_id="conv-9")
    with console.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE claims SET customer_id = 'cust-9' WHERE reference = ?",
                             (other.reference,))
    archive = _export(console, "cust-1", tmp_path)
    names = archive.namelist()
    claims = json.loads(archive.read("claims.json"))
    assert [c["reference"] for c in claims] == [claim.reference]
    photo = f"evidence/{claim.reference}/{claim.reference}-photo-{item.evidence_id[:8]}.png"
    assert archive.read(photo) == PHOTO
    transcript = json.loads(archive.read("transcripts/conv-1.json"))
    assert any(e.get("text") == "My vase arrived broken" for e in transcript)
    # The same conversation as a person reads it (the review: 217 raw events).
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC  Customer: My vase arrived broken$",
                     archive.read("transcripts/conv-1.txt").decode(), re.M)
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["requested_by"] == "sue"
    # Without a tracker store the conversations without a claim are said to be missing.
    assert manifest["not_included"] == [
        "transcripts of conversations without a claim: no tracker store"]
    assert not any(other.reference in n or "conv-9" in n for n in names)


def test_the_archive_holds_unfiled_files_and_conversations_without_a_claim(
    console: Console, tmp_path: Path
) -> None:
    LinkStore(console.engine).create_schema()
    tracker = tracker_store(tmp_path)
    seeded = seed(console.engine, console.deps.evidence, tracker)
    archive = _export(console, CUSTOMER, tmp_path, tracker)
    names = archive.namelist()
    unfiled = json.loads(archive.read("unfiled_evidence.json"))
    assert [u["evidence_id"] for u in unfiled] == [seeded.held_id]
    assert unfiled[0]["filename"] == "loose-receipt.png"
    loose = f"evidence/unfiled/unfiled-photo-{seeded.held_id[:8]}.png"
    assert archive.read(loose) == RECEIPT
    # The widget chat, the linked Telegram and Discord chats and the conversation of the
    # loose file come from the tracker store; the claims' conversation from the assistant.
    transcripts = {n for n in names if n.startswith("transcripts/")}
    assert transcripts == {f"transcripts/{c}.{kind}" for c in seeded.conversations
                           for kind in ("json", "txt")}
    widget = json.loads(archive.read(f"transcripts/{seeded.conversations[1]}.json"))
    assert any("My address is" in str(e.get("text")) for e in widget)
    assert not any(OTHER_MESSAGE in archive.read(n).decode() for n in transcripts)
    assert [p["parcel_id"] for p in json.loads(archive.read("parcels.json"))] == ["P1001"]
    links = json.loads(archive.read("channel_links.json"))
    assert {link["channel"] for link in links} == {"telegram", "discord"}
    assert sorted(c["reference"] for c in json.loads(archive.read("claims.json"))) == sorted(
        seeded.references)
    assert MESSAGE in archive.read("claims.json").decode()  # the note quoting them
    assert json.loads(archive.read("manifest.json"))["not_included"] == []


def test_every_claim_is_exported_beyond_five_hundred(console: Console, tmp_path: Path) -> None:
    first = file_claim(console.engine, needs_agent=False)
    claims = orm.claims
    with console.engine.begin() as conn:
        row = dict(conn.execute(
            sa.select(claims).where(claims.c.reference == first.reference)).one()._mapping)
        row.pop("id")
        copies = []
        for n in range(2, 502):
            copy = dict(row)
            copy.update(reference=f"CL-2026-9{n:05d}", filing_key=f"copy-{n}", open_key=None,
                        parcel_id=f"P9{n:05d}")
            copies.append(copy)
        conn.execute(claims.insert(), copies)
    archive = _export(console, "cust-1", tmp_path)
    exported = json.loads(archive.read("claims.json"))
    assert len(exported) == 501
    assert len({c["reference"] for c in exported}) == 501
    assert len(json.loads(archive.read("manifest.json"))["claims"]) == 501


def test_a_large_file_is_copied_into_the_archive_not_read_whole(
    console: Console, tmp_path: Path
) -> None:
    claim = file_claim(console.engine)
    item, _ = services.attach_evidence(
        console.deps.ports.uow_factory, console.deps.evidence, claim.reference,
        kind="photo", filename="vase.png", data=PHOTO, source_channel="web",
    )
    stored = services.get_claim(console.deps.ports.uow_factory, claim.reference).evidence[0]
    big = os.urandom(24 * 1024 * 1024)  # the stored bytes replaced by a 24 MB file
    console.deps.evidence.path(stored.stored_name).write_bytes(big)
    tracemalloc.start()
    try:
        archive = _export(console, "cust-1", tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, peak
    name = f"evidence/{claim.reference}/{claim.reference}-photo-{item.evidence_id[:8]}.png"
    assert archive.getinfo(name).file_size == len(big)


def test_a_supervisor_downloads_the_archive_an_agent_cannot(
    console: Console, tmp_path: Path
) -> None:
    file_claim(console.engine)
    use_customer_stores(console.deps, stores(tracker_store(tmp_path)))
    console.deps.directory.add_agent("sue", PASSWORD, "supervisor")
    sue = console.login("sue")
    token = csrf_of(sue.get(f"{console.url}/console/data-requests").text)
    reply = sue.post(f"{console.url}/console/data-requests/export",
                     data={"csrf_token": token, "customer_id": "cust-1"})
    assert reply.headers["Content-Type"] == "application/zip"
    assert 'filename="cssecure-data-cust-1.zip"' in reply.headers["Content-Disposition"]
    assert "claims.json" in zipfile.ZipFile(io.BytesIO(reply.content)).namelist()
    action = console.deps.desk.actions()[0]
    assert (action["agent"], action["action"], action["item"]) == (
        "sue", "data_export", "customer:cust-1")
    nobody = sue.post(f"{console.url}/console/data-requests/export",
                      data={"csrf_token": token, "customer_id": "nobody"})
    assert nobody.status_code == 404
    alice = console.login()
    assert alice.get(f"{console.url}/console/data-requests").status_code == 403
    refused = alice.post(f"{console.url}/console/data-requests/export",
                         data={"csrf_token": csrf_of(alice.get(f"{console.url}/console/").text),
                               "customer_id": "cust-1"})
    assert refused.status_code == 403 and refused.content[:2] != b"PK"


def test_the_cli_writes_the_archive_once_and_says_when_nothing_is_held(tmp_path: Path) -> None:
    import subprocess
    import sys

    from handoff.support import create_schema

    from cssecure.claims.db import create_engine
    from cssecure.claims.evidence import EvidenceFileStore
    from cssecure.console.erasure import ConversationKeys
    from cssecure.settings import Settings

    env = {
        **os.environ,
        "CSSECURE_VAR_DIR": str(tmp_path),
        "CSSECURE_DATABASE_URL": f"sqlite:///{tmp_path / 'claims.db'}",
        "CSSECURE_TRACKER_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
        "CSSECURE_EVIDENCE_DIR": str(tmp_path / "evidence"),
        "CSSECURE_RASA_URL": "http://127.0.0.1:9",  # nothing listens: claims' chats missing
        "CSSECURE_JWT_SECRET": "a widget secret for the cli test",
        "TELEGRAM_TOKEN": "123:abc", "TELEGRAM_SECRET_TOKEN": "tg-cli-secret",
        "DISCORD_TOKEN": "discord-cli-token",
    }
    settings = Settings.from_env(env)
    engine = create_engine(settings.database_url)
    create_schema(engine)
    LinkStore(engine).create_schema()
    seeded = seed(engine, EvidenceFileStore(settings.evidence_dir), tracker_store(tmp_path),
                  ConversationKeys.from_settings(settings))
    out = tmp_path / "out.zip"

    def cli(customer_id: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cssecure.cli", "customers", "export", customer_id,
             "--out", str(out), "--by", "sue"],
            env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
        )

    done = cli(CUSTOMER)
    assert done.returncode == 0, done.stderr
    assert "2 claims" in done.stdout and oct(out.stat().st_mode & 0o777) == "0o600"
    archive = zipfile.ZipFile(out)
    names = set(archive.namelist())
    # Every conversation without a claim is there, from the tracker store; the claims'
    # conversation (the assistant is down) is named as not included.
    assert {f"transcripts/{c}.json" for c in seeded.conversations[1:]} <= names
    assert any("assistant could not be reached" in m
               for m in json.loads(archive.read("manifest.json"))["not_included"])
    size = out.stat().st_size
    again = cli(CUSTOMER)
    assert again.returncode == 2 and out.stat().st_size == size
    out.unlink()
    nobody = cli("nobody-at-all")
    assert nobody.returncode == 1 and "Nothing is held" in nobody.stderr
    assert not out.exists()


def test_the_readable_transcript_shows_taps_as_their_labels_and_who_spoke() -> None:
    """``/inform{"choice": "later"}`` reads as the button the customer tapped."""
    events = [
        {"event": "user", "timestamp": 1764493320.0, "text": "mein Paket ist kaputt"},
        {"event": "bot", "timestamp": 1764493321.0, "text": "Haben Sie Fotos?",
         "data": {"buttons": [
             {"title": "Ich sende es später", "payload": '/inform{"choice": "later"}'},
             {"title": "Nein", "payload": "/deny"}]}},
        {"event": "user", "timestamp": 1764493380.0, "text": '/inform{"choice": "later"}'},
    ]
    text = transcript_text(events)
    assert text.splitlines() == [
        "2025-11-30 09:02 UTC  Customer: mein Paket ist kaputt",
        "2025-11-30 09:02 UTC  Assistant: Haben Sie Fotos?  [buttons: Ich sende es später | Nein]",
        "2025-11-30 09:03 UTC  Customer: Ich sende es später",
    ]
    assert transcript_text([]) == ""
