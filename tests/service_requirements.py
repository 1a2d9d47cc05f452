"""pytest plugin: PostgreSQL and Redis are part of ``make test``, not optional extras.

Tests that need a server skip with a reason naming it when it cannot be reached
(``postgres_support.unreachable``, and the older messages of tests/claims, tests/ops,
tests/resilience and tests/security). Here such a skip becomes a **failure**, whether in CI
or on a developer's machine, unless the developer opted out explicitly:

    CSSECURE_TESTS_WITHOUT=postgres make test          # or redis, or postgres,redis

Then those tests are reported as left out under their own name, never as plain skips: the
summary line reads e.g. ``1210 passed, 61 skipped: CSSECURE_TESTS_WITHOUT=postgres``, the
report header names the variable, and a closing note says what did not run. The header also
says whether each server answered, so a failing run says why at its top.

Loaded by tests/conftest.py (``pytest_plugins``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Generator, Mapping
from typing import Any

import pytest

ENV = "CSSECURE_TESTS_WITHOUT"
SERVICES: Mapping[str, str] = {"postgres": "PostgreSQL", "redis": "Redis"}
# Skip reasons that mean "this server is down" (postgres_support.UNREACHABLE and the
# messages older helpers still use).
_REASONS: Mapping[str, re.Pattern[str]] = {
    "postgres": re.compile(r"PostgreSQL (?:not reachable|unreachable|is required)", re.I),
    "redis": re.compile(r"Redis (?:not reachable|unreachable|is required)|no Redis on", re.I),
}
_LEFT_OUT = "skipped: " + ENV + "={service}"


def opted_out(environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """The services named in ``CSSECURE_TESTS_WITHOUT`` (comma- or space-separated).

    Raises:
        pytest.UsageError: a name that is not a service (a typo must not pass silently).
    """
    raw = (os.environ if environ is None else environ).get(ENV, "")
    names = {n.strip().lower() for n in re.split(r"[,\s]+", raw) if n.strip()}
    unknown = names - set(SERVICES)
    if unknown:
        raise pytest.UsageError(
            f"{ENV}={raw!r}: unknown {', '.join(sorted(unknown))}; use "
            f"{' or '.join(SERVICES)} (comma-separated)"
        )
    return frozenset(names)


def skipped_for(report: Any) -> str | None:
    """The service whose absence skipped this test report, if that is why it skipped."""
    if not getattr(report, "skipped", False):
        return None
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else longrepr
    for service, pattern in _REASONS.items():
        if pattern.search(str(reason)):
            return service
    return None


def pytest_configure(config: pytest.Config) -> None:
    """Read the opt-out once (a typo stops the run before any test)."""
    config.stash[_OPTED_OUT] = opted_out()


_OPTED_OUT = pytest.StashKey[frozenset]()


def _opted(config: pytest.Config) -> frozenset[str]:
    return config.stash.get(_OPTED_OUT, frozenset())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[Any]
) -> Generator[None, Any, None]:
    """A test skipped because a server is down fails, unless that server was opted out."""
    outcome = yield
    report = outcome.get_result()
    service = skipped_for(report)
    if service is None or service in _opted(item.config):
        return
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else longrepr
    report.outcome = "failed"
    report.longrepr = (
        f"{SERVICES[service]} is needed by this test and could not be reached ({reason}).\n"
        f"Start it (see .ci/run: pg_ctlcluster ... start / redis-server --daemonize yes), "
        f"or leave its tests out explicitly: {ENV}={service} make test"
    )


def pytest_report_teststatus(
    report: pytest.TestReport, config: pytest.Config
) -> tuple[str, str, str] | None:
    """Tests left out by the opt-out get their own category (and summary line entry)."""
    service = skipped_for(report)
    if service is not None and service in _opted(config):
        return _LEFT_OUT.format(service=service), "s", f"SKIPPED ({ENV}={service})"
    return None


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Whether each server answers, and the opt-out if any."""
    lines = [f"services: {_probe_postgres()}; {_probe_redis()}"]
    opted = _opted(config)
    if opted:
        lines.append(
            f"{ENV}={','.join(sorted(opted))}: tests needing "
            f"{' and '.join(SERVICES[s] for s in sorted(opted))} are left out (not run)"
        )
    return lines


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Say plainly what the opt-out left out."""
    for service in sorted(_opted(config)):
        left = terminalreporter.stats.get(_LEFT_OUT.format(service=service), [])
        terminalreporter.write_sep(
            "-", f"{ENV}={service}: {len(left)} tests needing {SERVICES[service]} were "
                 "NOT run", yellow=True,
        )


def _probe_postgres() -> str:
    from postgres_support import POSTGRES_URL

    try:
        import sqlalchemy as sa

        engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 2})
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        finally:
            engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"PostgreSQL unreachable ({type(exc).__name__})"
    return "PostgreSQL ok"


def _probe_redis() -> str:
    from postgres_support import REDIS_URL

    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"Redis unreachable ({type(exc).__name__})"
    return "Redis ok"
