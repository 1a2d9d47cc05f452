"""Shared fixtures (databases on SQLite and PostgreSQL, loopback fakes): see handoff.support."""

from handoff.support import engine, fake_http, sqlite_engine  # noqa: F401
