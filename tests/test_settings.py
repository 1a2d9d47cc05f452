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


# Minimum strength of the secrets we choose (issue 16, point 6).
import secrets as _secrets  # noqa: E402

import pytest  # noqa: E402

from cssecure.settings import (  # noqa: E402
    CHECKED_SECRETS,
    SettingsError,
    cors_origins_from,
    new_secret,
    secret_problem,
)

WEAK = {
    "24-bit": _secrets.token_hex(3),
    "short": "service-token-for-tests",
    "31 chars": _secrets.token_urlsafe(32)[:31],
    "one letter": "a" * 64,
    "repeated": "Password1" * 5,
    "digits": "0123456789" * 4,
    "two letters": "ab" * 20,
}
STRONG = {
    # Fixed draws: a fresh random one fails the check about 6 times in a million.
    "token_urlsafe(24)": "nLnfR267zuY9WOi8cN7LamQfLRgIgN6p",
    "token_urlsafe(32)": "UIq5i7Gqrqof_fEMl7Nl5yAXVjZnM3VRhPbW42vyyDE",
    "token_hex(16)": "3f9c2a7be1d04856c9a1f0e3b7d2c846",
    "new_secret": new_secret(),
}


def test_new_secret_draws_again_when_a_random_token_fails_the_strength_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Random tokens that fail our own check by chance: a weak word, a run of 8, a leading "-".
    draws = iter([
        "xQ3password7Lk2mZ9vB4nR8tY6wE1aS5dF0gH2jK4",
        "abcdefghZ9vB4nR8tY6wE1aS5dF0gH2jK4xQ3Lk2mP",
        "-Q3rT7Lk2mZ9vB4nR8tY6wE1aS5dF0gH2jK4xQ3Lk2",
        "UIq5i7Gqrqof_fEMl7Nl5yAXVjZnM3VRhPbW42vyyDE",
    ])
    monkeypatch.setattr(_secrets, "token_urlsafe", lambda nbytes: next(draws))
    assert new_secret() == "UIq5i7Gqrqof_fEMl7Nl5yAXVjZnM3VRhPbW42vyyDE"


@pytest.mark.parametrize("name", sorted(CHECKED_SECRETS))
@pytest.mark.parametrize("kind", sorted(WEAK))
def test_weak_secrets_are_refused_naming_the_setting(name: str, kind: str) -> None:
    settings = Settings.from_env({name: WEAK[kind]})
    problems = settings.secret_problems()
    assert len(problems) == 1 and problems[0].startswith(name)
    with pytest.raises(SettingsError, match=name):
        settings.check_secrets()
    assert WEAK[kind] not in problems[0]  # the message never shows the secret


@pytest.mark.parametrize("kind", sorted(STRONG))
def test_strong_secrets_pass(kind: str) -> None:
    env = {name: STRONG[kind] for name in CHECKED_SECRETS}
    Settings.from_env(env).check_secrets()
    assert secret_problem("X", STRONG[kind]) is None


def test_unset_secrets_are_not_checked_and_only_named_ones_are() -> None:
    Settings.from_env({}).check_secrets()
    settings = Settings.from_env({"RASA_TOKEN": "weak"})
    settings.check_secrets(["CSSECURE_ACTION_TOKEN"])
    with pytest.raises(SettingsError, match="RASA_TOKEN is too short"):
        settings.check_secrets(["RASA_TOKEN"])


def test_action_token_is_read_and_masked() -> None:
    token = new_secret()
    settings = Settings.from_env({"CSSECURE_ACTION_TOKEN": token})
    assert settings.action_token == token
    assert token not in repr(settings)


def test_cors_origins_default_to_the_web_app_of_this_machine() -> None:
    assert Settings.from_env({}).cors_origins == ("http://localhost:8080", "http://127.0.0.1:8080")
    assert Settings.from_env({"CSSECURE_WEB_PORT": "9000"}).cors_origins == (
        "http://localhost:9000", "http://127.0.0.1:9000")


def test_cors_origins_are_read_from_the_setting() -> None:
    raw = "https://www.cssbuy.com, https://m.cssbuy.com/  http://localhost:8080"
    assert cors_origins_from(raw, 8080) == (
        "https://www.cssbuy.com", "https://m.cssbuy.com", "http://localhost:8080")


@pytest.mark.parametrize(
    "raw", ["*", "https://*.cssbuy.com", "www.cssbuy.com", "https://cssbuy.com/path", "ftp://x",
            "https://"],
)
def test_wildcards_and_non_origins_are_refused(raw: str) -> None:
    with pytest.raises(SettingsError, match="CSSECURE_CORS_ORIGINS"):
        Settings.from_env({"CSSECURE_CORS_ORIGINS": raw})


@pytest.mark.parametrize(
    "value",
    ["abcdefghijklmnopqrstuvwxyz012345", "passwordpasswordpassword12345678",
     "changemechangemechangemechangeme1", "abcdefgh" * 4 + "!",
     "rasa-token-rasa-token-rasa-token-2026", "Q9x!01234567zZ#kL2mN4pR6sT8vW0yB"],
    ids=["alphabet", "password", "changeme", "repeated-run", "repeated-words", "digit-run"],
)
def test_guessable_long_secrets_are_refused(value: str) -> None:
    """Review of issue 16: 32 characters of a pattern passed the strength check."""
    assert secret_problem("RASA_TOKEN", value) is not None


def test_random_secrets_still_pass() -> None:
    import secrets

    assert all(secret_problem("X", secrets.token_urlsafe(32)) is None for _ in range(500))
    assert all(secret_problem("X", secrets.token_hex(24)) is None for _ in range(500))
