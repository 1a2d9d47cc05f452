"""Files kept outside a filed claim are deleted after ``CSSECURE_HELD_EVIDENCE_DAYS`` (issue 15
review: loose files were never swept): their records and the files, by the job worker."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from cssecure.claims import orm, services
from cssecure.claims.app import ClaimsApp
from cssecure.claims.db import create_engine, upgrade
from cssecure.claims.evidence import EvidenceFileStore
from cssecure.notify.worker import build_job_worker
from cssecure.settings import Settings

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _received(app: ClaimsApp, evidence_id: str, at: datetime) -> None:
    """Date a held file's arrival (the clock of the test)."""
    with app.engine.begin() as conn:
        conn.execute(orm.held_evidence.update()
                     .where(orm.held_evidence.c.evidence_id == evidence_id)
                     .values(received_at=at))


def _held_ids(app: ClaimsApp) -> set[str]:
    with app.engine.connect() as conn:
        return set(conn.execute(sa.select(orm.held_evidence.c.evidence_id)).scalars())


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.glob("*") if p.is_file()}


NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("age", "kept"), [
    pytest.param(timedelta(days=30), True, id="received-30-days-ago-kept"),
    pytest.param(timedelta(days=30, seconds=1), False, id="one-second-over-deleted"),
])
def test_a_loose_file_and_a_never_filed_drafts_file_go_after_their_days(
    app: ClaimsApp, tmp_path: Path, age: timedelta, kept: bool
) -> None:
    loose = app.attach_loose_evidence("conv-1", "cust-1", "photo", "a.jpg", JPEG, "web")
    draft = app.attach_draft_evidence("conv-2", "dr_old", "carrier_confirmation", "c.pdf",
                                      PDF, "telegram")
    fresh = app.attach_loose_evidence("conv-3", None, "photo", "b.jpg", JPEG + b"1", "web")
    for stored in (loose, draft):
        _received(app, str(stored["evidence_id"]), NOW - age)
    _received(app, str(fresh["evidence_id"]), NOW - timedelta(days=1))
    folder = tmp_path / "evidence"
    before = _files(folder)

    deleted = services.expire_held_evidence(
        app.uow, EvidenceFileStore(folder), keep_days=30, now=lambda: NOW)

    old = {str(loose["evidence_id"]), str(draft["evidence_id"])}
    if kept:
        assert deleted == 0
        assert _held_ids(app) == old | {str(fresh["evidence_id"])}
        assert _files(folder) == before
    else:
        assert deleted == 2
        assert _held_ids(app) == {str(fresh["evidence_id"])}
        assert len(_files(folder)) == len(before) - 2  # the two files, not the fresh one


def test_zero_days_keeps_them_for_ever(app: ClaimsApp, tmp_path: Path) -> None:
    loose = app.attach_loose_evidence("conv-1", "cust-1", "photo", "a.jpg", JPEG, "web")
    _received(app, str(loose["evidence_id"]), NOW - timedelta(days=3650))
    assert services.expire_held_evidence(
        app.uow, EvidenceFileStore(tmp_path / "evidence"), keep_days=0, now=lambda: NOW) == 0
    assert _held_ids(app) == {str(loose["evidence_id"])}


def test_the_web_apps_job_worker_deletes_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'claims.db'}"
    settings = Settings.from_env({"CSSECURE_DATABASE_URL": url,
                                  "CSSECURE_EVIDENCE_DIR": str(tmp_path / "evidence"),
                                  "CSSECURE_HELD_EVIDENCE_DAYS": "7"})
    upgrade(url)
    app = ClaimsApp.from_settings(settings)
    loose = app.attach_loose_evidence("conv-1", None, "photo", "a.jpg", JPEG, "web")
    _received(app, str(loose["evidence_id"]),
              datetime.now(timezone.utc) - timedelta(days=7, minutes=1))
    engine = create_engine(url)
    build_job_worker(settings, engine).deliver_due()
    assert _held_ids(app) == set()
    assert _files(tmp_path / "evidence") == set()
    engine.dispose()
    app.dispose()


def test_the_days_are_read_from_the_environment_and_checked() -> None:
    assert Settings.from_env({}).held_evidence_days == 30
    assert Settings.from_env({"CSSECURE_HELD_EVIDENCE_DAYS": "0"}).held_evidence_days == 0
    with pytest.raises(ValueError, match="CSSECURE_HELD_EVIDENCE_DAYS must be a whole number "
                                         "of days, not 'soon'"):
        Settings.from_env({"CSSECURE_HELD_EVIDENCE_DAYS": "soon"})
