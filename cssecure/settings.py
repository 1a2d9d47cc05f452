"""The one place that reads the environment.

Every other module takes a ``Settings`` (or plain values from it); nothing else calls
``os.environ``. Defaults embed a working single-machine stack (SQLite, in-memory lock
store) so that ``make run`` needs no configuration; production sets variables only.
Secrets are read here and never logged: ``Settings.__repr__`` masks them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

_SECRET_FIELDS = frozenset(
    {
        "jwt_secret",
        "rasa_token",
        "telegram_token",
        "telegram_secret_token",
        "discord_token",
        "console_secret",
        "notify_webhook_url",
    }
)


@dataclass(frozen=True)
class Settings:
    """Configuration of the whole stack, read from environment variables.

    Attributes mirror the variables in the README's configuration table.
    """

    database_url: str
    tracker_url: str
    redis_url: str | None
    var_dir: Path
    evidence_dir: Path
    agency_api_url: str | None
    agency_api_timeout_s: float
    rasa_url: str
    action_server_url: str
    web_port: int
    rasa_token: str | None
    jwt_secret: str | None
    telegram_token: str | None
    telegram_secret_token: str | None
    telegram_webhook_url: str | None
    telegram_api_url: str
    discord_token: str | None
    discord_channel_id: str | None
    discord_api_url: str | None
    console_secret: str | None
    notify_webhook_url: str | None
    # Handoff to a person (cssecure.handoff.waiting): when the team answers and how often a
    # waiting customer is told so.
    office_hours: str = "Mon-Fri 09:00-18:00"
    office_timezone: str = "Asia/Shanghai"
    handoff_wait_minutes: int = 30
    handoff_ack_interval_minutes: int = 10

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read settings from ``env`` (default: the process environment)."""
        e = os.environ if env is None else env
        var_dir = Path(e.get("CSSECURE_VAR_DIR", str(PROJECT_ROOT / "var")))
        return cls(
            database_url=e.get("CSSECURE_DATABASE_URL", f"sqlite:///{var_dir / 'claims.db'}"),
            tracker_url=e.get("CSSECURE_TRACKER_URL", f"sqlite:///{var_dir / 'tracker.db'}"),
            redis_url=e.get("REDIS_URL") or None,
            var_dir=var_dir,
            evidence_dir=Path(e.get("CSSECURE_EVIDENCE_DIR", str(var_dir / "evidence"))),
            agency_api_url=e.get("CSSECURE_AGENCY_API_URL") or None,
            agency_api_timeout_s=float(e.get("CSSECURE_AGENCY_API_TIMEOUT", "3")),
            rasa_url=e.get("CSSECURE_RASA_URL", "http://localhost:5005"),
            action_server_url=e.get("CSSECURE_ACTION_URL", "http://localhost:5055/webhook"),
            web_port=int(e.get("CSSECURE_WEB_PORT", "8080")),
            rasa_token=e.get("RASA_TOKEN") or None,
            jwt_secret=e.get("CSSECURE_JWT_SECRET") or None,
            telegram_token=e.get("TELEGRAM_TOKEN") or None,
            telegram_secret_token=e.get("TELEGRAM_SECRET_TOKEN") or None,
            telegram_webhook_url=e.get("TELEGRAM_WEBHOOK_URL") or None,
            telegram_api_url=e.get("TELEGRAM_API_URL", "https://api.telegram.org"),
            discord_token=e.get("DISCORD_TOKEN") or None,
            discord_channel_id=e.get("DISCORD_CHANNEL_ID") or None,
            discord_api_url=e.get("DISCORD_API_URL") or None,
            console_secret=e.get("CSSECURE_CONSOLE_SECRET") or None,
            notify_webhook_url=e.get("CSSECURE_NOTIFY_WEBHOOK_URL") or None,
            office_hours=e.get("CSSECURE_OFFICE_HOURS") or "Mon-Fri 09:00-18:00",
            office_timezone=e.get("CSSECURE_OFFICE_TIMEZONE") or "Asia/Shanghai",
            handoff_wait_minutes=_minutes(e, "CSSECURE_HANDOFF_WAIT_MINUTES", 30),
            handoff_ack_interval_minutes=_minutes(e, "CSSECURE_HANDOFF_ACK_INTERVAL_MINUTES", 10),
        )

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _SECRET_FIELDS and value:
                value = "***"
            elif f.name.endswith("_url") and isinstance(value, str) and "@" in value:
                value = _mask_url_password(value)
            parts.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(parts)})"


def _minutes(env: Mapping[str, str], name: str, default: int) -> int:
    """A whole number of minutes (0 or more) from ``env[name]``; ``default`` when unset.

    Raises:
        ValueError: not a whole number of minutes (the message names the variable).
    """
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number of minutes, not {raw!r}.") from None
    if value < 0:
        raise ValueError(f"{name} must be 0 or more minutes, not {value}.")
    return value


def _mask_url_password(url: str) -> str:
    """Hide the password of ``scheme://user:password@host`` URLs."""
    scheme, sep, rest = url.partition("://")
    creds, at, host = rest.rpartition("@")
    if not at or ":" not in creds:
        return url
    user = creds.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}"
