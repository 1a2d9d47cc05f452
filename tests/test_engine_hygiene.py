"""The test plugin that disposes a test's SQLite engines (tests/engine_hygiene.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

A_TEST_THAT_DROPS_ITS_ENGINE = '''
import sys

import sqlalchemy as sa

def test_drops_its_engine(tmp_path):
    # A pool that keeps connections open, as cssecure.claims.db.create_engine makes.
    engine = sa.create_engine(
        f"sqlite:///{tmp_path / 'claims.db'}", future=True, poolclass=sa.pool.QueuePool
    )
    with engine.connect() as connection:
        connection.exec_driver_sql("create table t (x integer)")
    # Kept beyond the test (as a cached app or a cycle would): the pool keeps it open.
    sys.modules["{module}"].KEPT.append(engine)
'''

KEPT: list[object] = []


def open_files(name: str) -> list[str]:
    """This process's open descriptors pointing at a file called ``name``."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if Path(target).name == name:
            found.append(target)
    return found


@pytest.mark.parametrize("plugin", ["engine_hygiene", None])
def test_a_tests_engine_on_its_tmp_path_is_closed_after_it(
    pytester: pytest.Pytester, plugin: str | None
) -> None:
    pytester.makepyfile(A_TEST_THAT_DROPS_ITS_ENGINE.replace("{module}", __name__))
    before = set(open_files("claims.db"))
    args = ["-p", plugin] if plugin else []
    pytester.runpytest_inprocess(*args).assert_outcomes(passed=1)
    left = set(open_files("claims.db")) - before
    if plugin:
        assert not left, "the plugin disposed the engine the test left"
    else:
        assert left, "without the plugin the descriptor stays (the premise)"
    for engine in KEPT:
        engine.dispose()  # type: ignore[attr-defined]
    KEPT.clear()
