"""Settings: embedded defaults, environment overrides, secrets never shown."""

from pathlib import Path

from cssecure.settings import Settings


def test_defaults_embed_sqlite_and_need_no_configuration(tmp_path: Path) -> None:
    s = Settings.from_env({"CSSECURE_VAR_DIR": str(tmp_path)})
    assert s.database_url == f"sqlite:///{tmp_path / 'claims.db'}"
    assert s.tracker_url == f"sqlite:///{tmp_path / 'tracker.db'}"
    assert s.redis_url is None
    assert s.evidence_dir == tmp_path / "evidence"
    assert s.web_port == 8080
    assert s.rasa_url == "http://localhost:5005"


def test_environment_switches_to_postgres_and_redis() -> None:
    s = Settings.from_env(
        {
            "CSSECURE_DATABASE_URL": "postgresql://app:pw@db/claims",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        }
    )
    assert s.database_url == "postgresql://app:pw@db/claims"
    assert s.redis_url == "redis://127.0.0.1:6379/0"


def test_repr_masks_secrets_and_url_passwords() -> None:
    s = Settings.from_env(
        {
            "CSSECURE_DATABASE_URL": "postgresql://app:hunter2@db/claims",
            "CSSECURE_JWT_SECRET": "jwt-secret-value",
            "TELEGRAM_TOKEN": "123:telegram-token",
            "DISCORD_TOKEN": "discord-token-value",
        }
    )
    text = repr(s)
    for secret in ("hunter2", "jwt-secret-value", "telegram-token", "discord-token-value"):
        assert secret not in text
    assert "postgresql://app:***@db/claims" in text


def test_empty_variables_count_as_unset() -> None:
    s = Settings.from_env({"TELEGRAM_TOKEN": "", "REDIS_URL": ""})
    assert s.telegram_token is None
    assert s.redis_url is None
