"""endpoints.yml and credentials.yml: what the Rasa server is started with."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.core.utils import read_endpoints_from_path
from rasa.shared.core.domain import Domain

ROOT = Path(__file__).resolve().parents[2]


def test_tracker_store_defaults_to_sqlite_under_the_var_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CSSECURE_TRACKER_URL", raising=False)
    monkeypatch.setenv("CSSECURE_VAR_DIR", str(tmp_path / "var"))
    endpoints = read_endpoints_from_path(ROOT / "endpoints.yml")
    store = TrackerStore.create(endpoints.tracker_store, Domain.empty())
    inner = getattr(store, "_tracker_store", store)
    assert isinstance(inner, SQLTrackerStore)
    assert str(inner.engine.url) == f"sqlite:///{tmp_path / 'var' / 'tracker.db'}"
    assert endpoints.action.url == "http://localhost:5055/webhook"
    assert endpoints.lock_store.type == "cssecure.rasa_server.stores.SettingsLockStore"


def test_tracker_store_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'other.db'}"
    monkeypatch.setenv("CSSECURE_TRACKER_URL", url)
    endpoints = read_endpoints_from_path(ROOT / "endpoints.yml")
    store = TrackerStore.create(endpoints.tracker_store, Domain.empty())
    assert str(getattr(store, "_tracker_store", store).engine.url) == url


def test_rest_and_web_chat_channels_are_enabled() -> None:
    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8"))
    assert "cssecure.channels.rest.CSSecureRestInput" in credentials
    assert "cssecure.channels.socketio.WebSocketIOInput" in credentials
    for secret_word in ("token", "secret", "password"):
        assert all(secret_word not in str(value).lower() for value in credentials.values() if value)
