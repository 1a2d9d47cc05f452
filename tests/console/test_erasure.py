"""Erasure on request (issue 18): after an erase nothing personal of the customer is left in
the claims database (every column of every table, found by reflection), the tracker store,
the evidence store or the logs; the claims' financial record stays, under a pseudonym; a
second erase finds nothing; agents are refused; the CLI does the same."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from console.conftest import PASSWORD, Console, csrf_of
from console.customer_data import (
    CUSTOMER,
    KEYS,
    NEEDLES,
    OTHER_MESSAGE,
    financial_record,
    seed,
    stores,
    tracker_store,
)
from cssecure.claims import orm, services
from cssecure.claims.db import create_engine
from cssecure.claims.evidence import EvidenceFileStore
from cssecure.claims.unit_of_work import UnitOfWork
from cssecure.console import data_requests
from cssecure.console.erasure import (
    ERASE_ACTION,
    ConversationKeys,
    ErasureReport,
    NothingToErase,
    TrackerStore,
    erase_customer,
)
from cssecure.console.supervisor import use_customer_stores
from cssecure.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def database_texts(engine: Engine) -> Iterator[tuple[str, str, str]]:
    """``(table, column, value as text)`` of every non-null value of every table."""
    meta = sa.MetaData()
    meta.reflect(engine)
    assert {"claims", "claim_history", "evidence_items", "held_evidence", "outbox",
            "channel_links", "link_codes", "desk_actions", "parcels"} <= set(meta.tables)
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(sa.select(table)):
                for column, value in row._mapping.items():
                    if value is not None:
                        text = value if isinstance(value, str) else json.dumps(value, default=str)
                        yield table.name, column, text


def tracker_texts(tracker: TrackerStore) -> list[tuple[str, str]]:
    """``(conversation, event JSON)`` of every event row."""
    with tracker.engine.connect() as conn:
        return [(r.sender_id, r.data) for r in conn.execute(
            sa.text("SELECT sender_id, data FROM events"))]


def found(texts: Iterator[tuple[str, ...]] | list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """The entries holding one of the customer's needles, with the needle."""
    return [(*where, needle) for *where, text in texts for needle in NEEDLES if needle in text]


def _payout_sum(engine: Engine) -> object:
    with engine.connect() as conn:
        return sorted(str(p) for p in conn.execute(sa.select(orm.claims.c.payout_rmb))
                      .scalars() if p is not None)


def test_an_erase_leaves_nothing_personal_and_keeps_the_financial_record(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    evidence = EvidenceFileStore(tmp_path / "evidence")
    tracker = tracker_store(tmp_path)
    seeded = seed(engine, evidence, tracker)
    # The seed really put the customer everywhere the search looks.
    before = found(database_texts(engine))
    files = [p for p in (tmp_path / "evidence").rglob("*") if p.is_file()]
    assert [p for p in files for n in NEEDLES if n.encode() in p.read_bytes()]
    assert {t for t, *_ in before} >= {"claims", "claim_history", "held_evidence",
                                       "channel_links", "link_codes", "desk_actions", "parcels"}
    assert {c for c, _ in tracker_texts(tracker)} >= set(seeded.conversations)
    payouts = _payout_sum(engine)
    uow = lambda: UnitOfWork(engine)  # noqa: E731
    facts_before = [services.get_claim(uow, r).facts for r in seeded.references]
    caplog.set_level(logging.DEBUG)

    report = erase_customer(engine=engine, evidence=evidence, tracker=tracker, keys=KEYS,
                            customer_id=CUSTOMER, erased_by="sue")

    assert found(database_texts(engine)) == []
    events = tracker_texts(tracker)
    assert found(events) == []
    assert {c for c, _ in events} == {"conv-9"}
    assert any(OTHER_MESSAGE in data for _, data in events)
    left = sorted(p for p in (tmp_path / "evidence").rglob("*") if p.is_file())
    assert [p.name for p in left if p.parent.name != ".tus"] == [seeded.other_stored]
    assert len([p for p in left if p.parent.name == ".tus"]) == 2  # the other's upload
    assert not [p for p in left for n in NEEDLES if n.encode() in p.read_bytes()]
    logged = [r.getMessage() for r in caplog.records]
    assert logged and not [m for m in logged for n in NEEDLES if n in m]
    # The financial record: the same fields, the same payouts, under one pseudonym.
    assert financial_record(engine, seeded.references) == seeded.financial
    assert _payout_sum(engine) == payouts
    claims = [services.get_claim(uow, r) for r in seeded.references]
    assert {c.customer_id for c in claims} == {report.pseudonym}
    assert report.pseudonym.startswith("anon-") and len(report.pseudonym) == 21
    personal = {"customer_name", "email", "address", "parcel_note", "evidence_caption"}
    assert [c.facts for c in claims] == [
        {k: v for k, v in facts.items() if k not in personal} for facts in facts_before]
    assert [e.filename for e in claims[0].evidence] == ["erased"]
    assert claims[0].evidence[0].checks[0]["name"] == "erased"
    other = services.get_claim(uow, seeded.other_reference)
    assert other.customer_id == "cust-9" and other.evidence[0].filename == "other.png"
    # The audit record: who, the pseudonym, the counts; nothing personal (checked above).
    with engine.connect() as conn:
        audit = conn.execute(sa.text(
            "SELECT agent, item, detail FROM desk_actions WHERE action = :a"),
            {"a": ERASE_ACTION}).one()
    assert (audit.agent, audit.item) == ("sue", f"customer:{report.pseudonym}")
    counts = json.loads(audit.detail)
    assert counts == report.counts
    assert counts["claims_anonymised"] == 2
    assert counts["conversations_deleted"] == 5
    assert counts["evidence_files_deleted"] == 2
    assert counts["held_files_deleted"] == 1
    assert counts["unfinished_uploads_deleted"] == 1
    assert (counts["channel_links_removed"], counts["link_codes_removed"]) == (2, 1)
    assert counts["parcels_pseudonymised"] == 1
    assert counts["outbox_pending_dropped"] >= 1
    assert counts["outbox_chat_records_deleted"] == 1
    # Nothing of theirs waits in the team's queue (their chat's handoff is gone, their
    # claims need nobody).
    from cssecure.handoff.queue import waiting_queue

    assert [e.conversation_id for e in waiting_queue(engine, datetime.now(timezone.utc))] == []
    assert counts["facts_removed"] == 10  # five personal facts on each of the two claims
    # Idempotent: nothing is left, and the export finds nothing either.
    with pytest.raises(NothingToErase):
        erase_customer(engine=engine, evidence=evidence, tracker=tracker, keys=KEYS,
                       customer_id=CUSTOMER, erased_by="sue")
    with pytest.raises(data_requests.NoSuchCustomer), open(tmp_path / "x.zip", "wb") as out:
        data_requests.export_customer(
            target=out, engine=engine, uow_factory=uow, evidence=evidence,
            events=lambda _c: [], customer_id=CUSTOMER, requested_by="sue",
            tracker=tracker, keys=KEYS)


def raw_hits(folder: Path, suffixes: tuple[str, ...] = (".db", ".db-wal", ".db-journal")
             ) -> list[tuple[str, str]]:
    """``(file, needle)`` for every SQLite file under ``folder`` whose bytes hold a needle."""
    return [(p.name, n) for p in sorted(folder.glob("*")) if p.name.endswith(suffixes)
            for n in NEEDLES if n.encode() in p.read_bytes()]


def test_an_erase_leaves_nothing_in_the_sqlite_files_bytes(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """The review of 2026-11-30 found the customer's id and messages by a raw search of
    ``claims.db-wal`` and ``tracker.db-wal`` right after an erase: the rows were deleted,
    their earlier versions still sat in the write-ahead log. Now the deleted content is
    overwritten (``secure_delete``) and the log emptied into the file."""
    evidence = EvidenceFileStore(tmp_path / "evidence")
    tracker = tracker_store(tmp_path)
    for store in (sqlite_engine, tracker.engine):  # wal as the stack runs them
        with store.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    seed(sqlite_engine, evidence, tracker)
    assert {name for name, _ in raw_hits(tmp_path)} >= {"claims.db-wal", "tracker.db-wal"}

    erase_customer(engine=sqlite_engine, evidence=evidence, tracker=tracker, keys=KEYS,
                   customer_id=CUSTOMER, erased_by="sue")

    assert raw_hits(tmp_path) == []


def test_a_supervisor_erases_after_typing_the_id_again_an_agent_cannot(
    console: Console, tmp_path: Path
) -> None:
    from cssecure.identity.linking import LinkStore

    LinkStore(console.engine).create_schema()
    tracker = tracker_store(tmp_path)
    seeded = seed(console.engine, console.deps.evidence, tracker)
    use_customer_stores(console.deps, stores(tracker))
    url = f"{console.url}/console/data-requests"
    alice = console.login()
    refused = alice.post(f"{url}/erase", data={
        "csrf_token": csrf_of(alice.get(f"{console.url}/console/").text),
        "customer_id": CUSTOMER, "confirm_id": CUSTOMER})
    assert refused.status_code == 403
    console.deps.directory.add_agent("sue", PASSWORD, "supervisor")
    sue = console.login("sue")
    page = sue.get(url)
    assert 'id="data-erase"' in page.text
    token = csrf_of(page.text)
    typo = sue.post(f"{url}/erase", data={"csrf_token": token, "customer_id": CUSTOMER,
                                          "confirm_id": CUSTOMER + "x"})
    assert typo.status_code == 400 and "Nothing was erased" in typo.text
    assert {c for c, _ in tracker_texts(tracker)} >= set(seeded.conversations)
    assert found(database_texts(console.engine))
    done = sue.post(f"{url}/erase", data={"csrf_token": token, "customer_id": CUSTOMER,
                                          "confirm_id": CUSTOMER})
    assert done.status_code == 200 and "Erased." in done.text
    assert CUSTOMER not in done.text.replace(f'value="{CUSTOMER}"', "")
    assert found(database_texts(console.engine)) == []
    # The erased claims still open in the console, their file marked erased.
    for reference in seeded.references:
        claim_page = sue.get(f"{console.url}/console/claims/{reference}")
        assert claim_page.status_code == 200 and reference in claim_page.text
        assert not [n for n in NEEDLES if n in claim_page.text]
    assert sue.get(f"{console.url}/console/").status_code == 200
    # The page lists the erasure (who, the pseudonym, counts), never the customer's id.
    listed = sue.get(url).text
    pseudonym = services.get_claim(console.deps.ports.uow_factory,
                                   seeded.references[0]).customer_id
    assert "recent-requests" in listed and pseudonym in listed
    assert "claims anonymised: 2" in listed and CUSTOMER not in listed
    again = sue.post(f"{url}/erase", data={"csrf_token": token, "customer_id": CUSTOMER,
                                           "confirm_id": CUSTOMER})
    assert again.status_code == 404 and "Nothing is held" in again.text


def test_the_cli_erases_with_confirmation_and_says_when_nothing_is_left(tmp_path: Path) -> None:
    from handoff.support import create_schema

    from cssecure.identity.linking import LinkStore

    env = {
        **os.environ,
        "CSSECURE_VAR_DIR": str(tmp_path),
        "CSSECURE_DATABASE_URL": f"sqlite:///{tmp_path / 'claims.db'}",
        "CSSECURE_TRACKER_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
        "CSSECURE_EVIDENCE_DIR": str(tmp_path / "evidence"),
        "CSSECURE_JWT_SECRET": "a widget secret for the cli test",
        "TELEGRAM_TOKEN": "123:abc", "TELEGRAM_SECRET_TOKEN": "tg-cli-secret",
        "DISCORD_TOKEN": "discord-cli-token", "DISCORD_CHANNEL_ID": "4242",
    }
    settings = Settings.from_env(env)
    keys = ConversationKeys.from_settings(settings)
    engine = create_engine(settings.database_url)
    create_schema(engine)
    LinkStore(engine).create_schema()
    tracker = tracker_store(tmp_path)
    seeded = seed(engine, EvidenceFileStore(settings.evidence_dir), tracker, keys)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cssecure.cli", "customers", "erase", CUSTOMER, *args],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
            stdin=subprocess.DEVNULL,
        )

    down = subprocess.run(
        [sys.executable, "-m", "cssecure.cli", "customers", "erase", CUSTOMER, "--by", "sue",
         "--confirm", CUSTOMER],
        env={**env, "CSSECURE_TRACKER_URL": "postgresql+psycopg2://nobody@127.0.0.1:1/none"},
        cwd=ROOT, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert down.returncode == 3 and "run the command again" in down.stderr
    unconfirmed = cli("--by", "sue")
    assert unconfirmed.returncode == 2 and "--confirm" in unconfirmed.stderr
    typo = cli("--by", "sue", "--confirm", "cust-jr-4712")
    assert typo.returncode == 2 and "nothing was erased" in typo.stderr
    assert found(database_texts(engine))
    done = cli("--by", "sue", "--confirm", CUSTOMER)
    assert done.returncode == 0, done.stderr
    assert "financial record is kept under anon-" in done.stdout
    assert "conversations deleted: 5" in done.stdout
    assert found(database_texts(engine)) == []
    assert found(tracker_texts(tracker)) == []
    assert not [n for n in NEEDLES if n in done.stdout + done.stderr]
    assert financial_record(engine, seeded.references) == seeded.financial
    again = cli("--by", "sue", "--confirm", CUSTOMER)
    assert again.returncode == 1 and "Nothing is held" in again.stderr


def test_the_keys_derive_the_ids_the_channels_use() -> None:
    """The erasure derives the customer's chats as the channels name them (the channels'
    modules load the bots' libraries, so the erasure repeats their derivation: a change on
    either side fails here)."""
    from cssecure.channels import discord, telegram
    from cssecure.identity.tokens import customer_conversation_id, widget_key

    settings = Settings.from_env({
        "CSSECURE_JWT_SECRET": "widget secret", "TELEGRAM_TOKEN": "123:abc",
        "TELEGRAM_SECRET_TOKEN": "tg secret", "DISCORD_TOKEN": "dc token",
        "DISCORD_CHANNEL_ID": "4242",
    })
    derived = ConversationKeys.from_settings(settings).of_customer(
        CUSTOMER, [("telegram", "987654321"), ("discord", "112233445566778899"),
                   ("telegram", "not-a-number-")])
    assert derived == [
        customer_conversation_id(widget_key(settings), CUSTOMER),
        telegram.conversation_id(
            "telegram", "987654321", telegram.conversation_secret(settings)),
        discord.dm_conversation("112233445566778899", settings),
        discord.channel_conversation("112233445566778899", "4242", settings),
    ]
    # Without the stable widget key (a demo's per-process key) nothing is derived from it.
    assert ConversationKeys.from_settings(Settings.from_env({})).of_customer(CUSTOMER, []) == []


def test_an_erased_claim_keeps_only_facts_in_their_types_shape() -> None:
    from cssecure.console.erasure import kept_facts

    facts = {
        "shipping_line": "EUB", "destination_country": "Germany",
        "delivered_date": "2026-11-20", "damage_kind": "broken", "insured_value": "800.00",
        "weight_kg": 1.5, "usable_after_damage": False, "parcel_id": "P1001",
    }
    assert kept_facts(facts) == facts
    personal = {
        "shipping_line": "the courier Jane Roebuck's cousin drives",
        "destination_country": "Hauptstrasse 12, Berlin",
        "delivered_date": "2026-11-20, left with the neighbour",
        "damage_kind": "my grandmother's vase",
        "insured_value": "800 (ask jane.roebuck@example.org)",
        "usable_after_damage": "no, it is in pieces",
        "customer_name": "Jane Roebuck",
    }
    assert kept_facts(personal) == {}


def test_an_erase_stopped_by_a_store_down_is_finished_by_the_next(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    evidence = EvidenceFileStore(tmp_path / "evidence")
    tracker = tracker_store(tmp_path)
    seed(sqlite_engine, evidence, tracker)
    down = TrackerStore(create_engine("postgresql+psycopg2://nobody@127.0.0.1:1/none"))
    with pytest.raises(sa.exc.OperationalError):
        erase_customer(engine=sqlite_engine, evidence=evidence, tracker=down, keys=KEYS,
                       customer_id=CUSTOMER, erased_by="sue")
    assert found(database_texts(sqlite_engine))  # the database is untouched: all still found
    report = erase_customer(engine=sqlite_engine, evidence=evidence, tracker=tracker,
                            keys=KEYS, customer_id=CUSTOMER, erased_by="sue")
    assert report.counts["claims_anonymised"] == 2
    assert found(database_texts(sqlite_engine)) == [] and found(tracker_texts(tracker)) == []


def test_the_customers_chats_are_found_by_their_messages_without_the_keys(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """A web app whose widget key or channel tokens the erase does not have: the chats are
    still found, by the customer id in their verified messages' metadata."""
    evidence = EvidenceFileStore(tmp_path / "evidence")
    tracker = tracker_store(tmp_path)
    seeded = seed(sqlite_engine, evidence, tracker)
    # A claim filed in their website chat before they signed in (no customer id).
    from handoff.claims_fixtures import file_claim

    anonymous = file_claim(sqlite_engine, parcel_id="P3003",
                           conversation_id=seeded.conversations[1], needs_agent=False)
    with sqlite_engine.begin() as conn:
        conn.execute(orm.claims.update().where(orm.claims.c.reference == anonymous.reference)
                     .values(customer_id=None))
    report = erase_customer(engine=sqlite_engine, evidence=evidence, tracker=tracker,
                            keys=ConversationKeys(), customer_id=CUSTOMER, erased_by="sue")
    assert report.counts["conversations_deleted"] == len(seeded.conversations)
    assert report.counts["claims_anonymised"] == 3
    erased = services.get_claim(lambda: UnitOfWork(sqlite_engine), anonymous.reference)
    assert erased.customer_id == report.pseudonym
    assert {c for c, _ in tracker_texts(tracker)} == {"conv-9"}
    assert found(tracker_texts(tracker)) == []


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_two_supervisors_erasing_at_once_leave_one_pseudonym(
    engine: Engine, tmp_path: Path
) -> None:
    import threading

    evidence = EvidenceFileStore(tmp_path / "evidence")
    tracker = tracker_store(tmp_path)
    seeded = seed(engine, evidence, tracker)
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def erase(who: str) -> None:
        start.wait()
        try:
            outcomes.append(erase_customer(engine=engine, evidence=evidence, tracker=tracker,
                                           keys=KEYS, customer_id=CUSTOMER, erased_by=who))
        except NothingToErase as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=erase, args=(who,)) for who in ("sue", "sam")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    uow = lambda: UnitOfWork(engine)  # noqa: E731
    owners = {services.get_claim(uow, r).customer_id for r in seeded.references}
    assert len(owners) == 1
    reports = [o for o in outcomes if isinstance(o, ErasureReport)]
    assert len(reports) + sum(isinstance(o, NothingToErase) for o in outcomes) == 2
    # Whoever erased the claims says so; a second erase erased none of them.
    assert sorted(r.counts["claims_anonymised"] for r in reports) in ([2], [0, 2])
    assert [r.pseudonym for r in reports if r.counts["claims_anonymised"]] == list(owners)
    assert found(database_texts(engine)) == []
