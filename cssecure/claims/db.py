"""Database engines and migrations for the claims store.

SQLite (the embedded default) gets real transactions: pysqlite's own transaction
handling is switched off and every transaction starts with ``BEGIN IMMEDIATE``, so two
writers wait for each other (up to the busy timeout) instead of failing half-way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cssecure.settings import PROJECT_ROOT

ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
SQLITE_BUSY_TIMEOUT_S = 30


def create_engine(database_url: str, **kwargs: Any) -> Engine:
    """An engine for ``database_url``; nothing is connected until first use.

    Args:
        database_url: SQLAlchemy URL (``sqlite:///path`` or ``postgresql://...``).
        **kwargs: passed to ``sqlalchemy.create_engine`` (e.g. ``pool_size``).
    """
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return sa.create_engine(url, future=True, **kwargs)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # SQLAlchemy 1.4 defaults to opening a new SQLite connection per use; keeping
        # them open saves the open/close (and the WAL checkpoint of the last close).
        kwargs.setdefault("poolclass", sa.pool.QueuePool)
    engine = sa.create_engine(
        url,
        future=True,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
        **kwargs,
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL: readers do not wait for the writer, and a commit is one append + fsync.
        # synchronous stays FULL: a committed ticket survives a power cut.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def alembic_config(database_url: str) -> Any:
    """The Alembic configuration for ``database_url`` (the URL never goes through the
    ini file, so passwords with ``%`` need no escaping and are never written)."""
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI)) if ALEMBIC_INI.exists() else Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply the migrations up to ``revision``."""
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def current_revision(database_url: str) -> str | None:
    """The revision the database is at (``None`` when never migrated)."""
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def overwrite_deleted(connection: sa.engine.Connection) -> None:
    """SQLite: this connection's deletes overwrite the deleted content with zeros
    (``PRAGMA secure_delete``; some builds default to it, some not). Set before erasing
    personal data; other dialects: nothing (PostgreSQL's dead rows go with vacuuming)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA secure_delete = ON")


def empty_write_ahead_log(engine: Engine) -> bool:
    """SQLite: copy the write-ahead log into the database file and truncate it, so that no
    earlier version of rows deleted since (personal data erased on request) stays in the
    ``-wal`` file. Waits for readers up to the busy timeout.

    Returns:
        ``True`` when done or nothing to do (another dialect, no log); ``False`` when a
        reader kept the log in use (the next checkpoint empties it).
    """
    if engine.dialect.name != "sqlite":
        return True
    # On the driver's connection: SQLAlchemy would open a transaction (BEGIN IMMEDIATE,
    # create_engine above), inside which SQLite refuses to checkpoint.
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        busy, _, _ = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
    finally:
        raw.close()
    return not busy
