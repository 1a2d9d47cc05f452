"""Fixtures for the action server tests: a real ClaimsApp on a temporary SQLite database
seeded with the demo parcels, and the real domain."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions import services
from cssecure.claims.app import ClaimsApp
from cssecure.claims.db import upgrade
from cssecure.claims.demo import demo_parcels

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    """The real domain.yml as the Rasa server sends it to the action server."""
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture()
def claims_app(tmp_path: Path) -> Iterator[ClaimsApp]:
    """A migrated SQLite claims database with the demo parcels, used by the actions."""
    url = f"sqlite:///{tmp_path / 'claims.db'}"
    upgrade(url)
    app = ClaimsApp(url, tmp_path / "evidence")
    app.import_parcels(demo_parcels(date.today()))
    services.use_claims_app(app)
    yield app
    services.use_claims_app(None)
    app.dispose()


@pytest.fixture()
def unavailable_app(tmp_path: Path) -> Iterator[ClaimsApp]:
    """A ClaimsApp whose database has no tables: every call raises ClaimsUnavailable."""
    app = ClaimsApp(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path / "evidence")
    services.use_claims_app(app)
    yield app
    services.use_claims_app(None)
    app.dispose()
