"""Fixtures of the resilience tests: the channel tests' claims databases (SQLite, PostgreSQL)."""

from channels.conftest import database_url  # noqa: F401 - the same fixture, reused
