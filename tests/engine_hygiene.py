"""A pytest plugin: the SQLite engines a test made on its own files are disposed after it.

Many tests build a claims service (and so an engine with a connection pool) on a database
in their ``tmp_path`` and drop it without ``dispose()``; each left three descriptors open
(the file, its ``-wal`` and ``-shm``) until the garbage collector happened to run. Over the
whole suite the process held well over a thousand descriptors, and CI failed where a test
used ``select()``, which refuses descriptors above 1024. Disposing only closes connections
that are checked in, and a disposed engine reconnects if used again, so this cannot break a
test; only file databases under the test's own ``tmp_path`` are touched (in-memory SQLite
lives in its one connection).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


@event.listens_for(Engine, "engine_connect")
def _remember(connection: Connection, branch: bool = False) -> None:
    """Every engine that opens a connection is remembered (weakly)."""
    _engines.add(connection.engine)


def engines_on(folder: Path) -> list[Engine]:
    """The remembered SQLite engines whose database file lies under ``folder``."""
    found = []
    for engine in list(_engines):
        database = engine.url.database
        on_file = engine.dialect.name == "sqlite" and database and database != ":memory:"
        if on_file and Path(str(database)).resolve().is_relative_to(folder.resolve()):
            found.append(engine)
    return found


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After the test's fixtures are torn down, dispose its engines on its ``tmp_path``."""
    tmp_path = getattr(item, "funcargs", {}).get("tmp_path")
    yield
    if isinstance(tmp_path, Path):
        for engine in engines_on(tmp_path):
            engine.dispose()
