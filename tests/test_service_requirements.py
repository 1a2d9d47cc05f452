"""The rule of tests/service_requirements.py, on a small test run of its own (a subprocess
pointed at servers that do not exist): an unreachable PostgreSQL or Redis fails the run
unless ``CSSECURE_TESTS_WITHOUT`` names it, and then the summary line says so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
NOWHERE = {
    "CSSECURE_TEST_POSTGRES_URL": "postgresql+psycopg2://postgres@127.0.0.1:1/test",
    "CSSECURE_TEST_REDIS_URL": "redis://127.0.0.1:1/0",
}
INNER_TESTS = '''
import pytest
from postgres_support import private_schema, require_redis


def test_needs_postgres():
    with private_schema("inner"):
        pass


def test_needs_redis():
    require_redis()


@pytest.mark.skipif(True, reason="no Redis on :6379")
def test_older_helper_skipping_for_redis():
    pass


@pytest.mark.skip(reason="an ordinary skip")
def test_ordinary_skip():
    pass


def test_plain():
    assert True
'''


def run_inner(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "conftest.py").write_text("pytest_plugins = ['service_requirements']\n")
    (tmp_path / "test_inner.py").write_text(INNER_TESTS)
    environ = {k: v for k, v in os.environ.items() if k not in ("CSSECURE_TESTS_WITHOUT", "CI")}
    environ.update(NOWHERE, **env)
    environ["PYTHONPATH"] = str(TESTS)  # where the plugin module is
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:warnings",
         "-rA", str(tmp_path)],
        cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=120,
    )


def summary_line(output: str) -> str:
    return output.strip().splitlines()[-1]


def test_unreachable_servers_fail_the_run(tmp_path: Path) -> None:
    run = run_inner(tmp_path)
    assert run.returncode == 1, run.stdout
    assert "services: PostgreSQL unreachable" in run.stdout and "Redis unreachable" in run.stdout
    assert "FAILED" in run.stdout and "CSSECURE_TESTS_WITHOUT=postgres make test" in run.stdout
    line = summary_line(run.stdout)
    # Two in the test body, one at setup (a skipif mark): none of the three skipped.
    assert "2 failed" in line and "1 error" in line, line
    assert "1 passed" in line and "1 skipped" in line, line  # the ordinary skip stays one


@pytest.mark.parametrize(
    ("without", "expected"),
    [
        ("postgres,redis", ["1 skipped: CSSECURE_TESTS_WITHOUT=postgres",
                            "2 skipped: CSSECURE_TESTS_WITHOUT=redis"]),
        ("redis", ["1 failed", "2 skipped: CSSECURE_TESTS_WITHOUT=redis"]),
    ],
)
def test_an_explicit_opt_out_is_named_in_the_summary_line(
    tmp_path: Path, without: str, expected: list[str]
) -> None:
    run = run_inner(tmp_path, CSSECURE_TESTS_WITHOUT=without)
    line = summary_line(run.stdout)
    assert all(part in line for part in expected), line
    assert run.returncode == (0 if without == "postgres,redis" else 1), run.stdout
    assert f"CSSECURE_TESTS_WITHOUT={without}: tests needing" in run.stdout  # the header


def test_a_misspelt_opt_out_stops_the_run(tmp_path: Path) -> None:
    run = run_inner(tmp_path, CSSECURE_TESTS_WITHOUT="postgresql")
    assert run.returncode == 4  # usage error: nothing ran
    assert "unknown postgresql" in run.stderr
