"""Idempotent filing under real concurrency: many simultaneous attempts, one ticket."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from cssecure.claims import orm
from cssecure.claims.app import ClaimsApp

from .support import file_lost, lost_facts, record_of


def _file_at_once(app: ClaimsApp, attempts: int) -> list[dict[str, Any]]:
    """``attempts`` threads file the same claim, released together by a barrier."""
    barrier = threading.Barrier(attempts)
    app.import_parcels([record_of("P100001", "cust-1", lost_facts())])  # before the race

    def attempt(i: int) -> dict[str, Any]:
        barrier.wait()
        # Different conversations: double clicks, retries and two servers alike.
        return file_lost(app, conversation_id=f"conv-{i}", report_date="2024-07-10")

    with ThreadPoolExecutor(max_workers=attempts) as pool:
        return list(pool.map(attempt, range(attempts)))


def _count(app: ClaimsApp, table: sa.Table) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


@pytest.mark.postgres
@pytest.mark.slow
def test_fifty_concurrent_filings_on_postgres_make_exactly_one_ticket(
    postgres_url: str, tmp_path: Path
) -> None:
    from .conftest import _empty_postgres

    _empty_postgres(postgres_url)
    # One connection per thread, so the 50 transactions really overlap in the server.
    app = ClaimsApp(
        postgres_url, tmp_path / "evidence", engine_options={"pool_size": 50, "max_overflow": 0}
    )
    try:
        results = _file_at_once(app, 50)
        references = {r["reference"] for r in results}
        assert len(references) == 1
        assert sum(r["created"] for r in results) == 1
        assert _count(app, orm.claims) == 1
        # The losers' rolled-back numbers were given back: the next claim is number 2.
        assert file_lost(app, parcel_id="P100002")["reference"].endswith("-000002")
        (reference,) = references
        detail = app.claim_detail(reference)
        assert detail is not None and len(detail["history"]) == 2
    finally:
        app.dispose()


def test_concurrent_filings_on_sqlite_make_exactly_one_ticket(
    sqlite_template: Path, tmp_path: Path
) -> None:
    import shutil

    path = tmp_path / "claims.db"
    shutil.copy(sqlite_template, path)
    app = ClaimsApp(f"sqlite:///{path}", tmp_path / "evidence")
    try:
        results = _file_at_once(app, 12)
        assert len({r["reference"] for r in results}) == 1
        assert sum(r["created"] for r in results) == 1
        assert _count(app, orm.claims) == 1
    finally:
        app.dispose()
