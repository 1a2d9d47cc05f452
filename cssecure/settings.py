"""The one place that reads the environment.

Every other module takes a ``Settings`` (or plain values from it); nothing else calls
``os.environ``. Defaults embed a working single-machine stack (SQLite, in-memory lock
store) so that ``make run`` needs no configuration; production sets variables only.
Secrets are read here and never logged: ``Settings.__repr__`` masks them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
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
        "action_token",
    }
)

# Secrets we (not a provider) choose: each must be at least this long and carry at least
# this many bits by a generous estimate (characters x log2 of the classes they use), so a
# short, guessable or one-letter value is refused at start-up (:meth:`Settings.check_secrets`).
MIN_SECRET_CHARS = 32
MIN_SECRET_BITS = 128
# Least number of distinct characters: "aaaa..." or "abababab..." is not a secret.
MIN_SECRET_DISTINCT = 8
# Variable name of every checked secret -> its Settings field.
CHECKED_SECRETS = {
    "RASA_TOKEN": "rasa_token",
    "CSSECURE_JWT_SECRET": "jwt_secret",
    "CSSECURE_CONSOLE_SECRET": "console_secret",
    "CSSECURE_ACTION_TOKEN": "action_token",
    "TELEGRAM_SECRET_TOKEN": "telegram_secret_token",
}


class SettingsError(ValueError):
    """A setting is unusable; the message names the variable and what to do."""


def new_secret() -> str:
    """A fresh secret that passes :func:`secret_problem` (256 bits, URL-safe).

    A random value is drawn again when it starts with "-" (it would read as an option) or
    fails our own strength check: about 6 in a million random tokens hold a word of
    ``_WEAK_WORDS`` or a run of 8 consecutive characters by chance.
    """
    import secrets

    while True:
        value = secrets.token_urlsafe(32)
        if not value.startswith("-") and secret_problem("secret", value) is None:
            return value


def secret_strength_bits(value: str) -> float:
    """A generous estimate of the bits in ``value``: length x log2 of the character
    classes it uses (lower, upper, digits, anything else)."""
    classes = 0
    if any(c.islower() for c in value):
        classes += 26
    if any(c.isupper() for c in value):
        classes += 26
    if any(c.isdigit() for c in value):
        classes += 10
    if any(not c.isalnum() for c in value):
        classes += 33
    return len(value) * math.log2(classes) if classes > 1 else 0.0


def secret_problem(name: str, value: str) -> str | None:
    """Why ``value`` is too weak for the secret ``name`` (None when it is strong enough)."""
    advice = (
        f"use at least {MIN_SECRET_CHARS} random characters, e.g. "
        "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`, or leave it unset "
        "for a random one per run"
    )
    if len(value) < MIN_SECRET_CHARS:
        return f"{name} is too short ({len(value)} characters): {advice}."
    if (
        len(set(value)) < MIN_SECRET_DISTINCT
        or value in (value + value)[1:-1]  # a shorter string repeated
        or secret_strength_bits(value) < MIN_SECRET_BITS
        or _patterned(value)
    ):
        return f"{name} is too predictable (repeated, or too few different characters): {advice}."
    return None


def _patterned(value: str) -> bool:
    """True for the patterns people type as a "long" secret (review of issue 16): a run of
    8 consecutive characters ("abcdefgh", "01234567"), a 4-character piece repeated
    3 times ("passwordpassword..."), or a common word."""
    lowered = value.lower()
    run = 1
    for before, after in zip(lowered, lowered[1:], strict=False):
        run = run + 1 if abs(ord(after) - ord(before)) == 1 else 1
        if run >= 8:
            return True
    pieces = [lowered[i : i + 4] for i in range(len(lowered) - 3)]
    if any(pieces.count(piece) >= 3 for piece in set(pieces)):
        return True
    return any(word in lowered for word in _WEAK_WORDS)


_WEAK_WORDS = ("password", "changeme", "secret", "qwerty", "letmein", "admin", "token")


def cors_origins_from(raw: str | None, web_port: int) -> tuple[str, ...]:
    """The origins allowed to call the Rasa server from a browser.

    ``raw``: origins separated by commas or spaces (``scheme://host[:port]``, no path);
    unset: the web app of this machine. ``*`` is refused: Rasa answers with credentials
    allowed, so any site could act as the customer.
    """
    if raw is None or not raw.strip():
        return (f"http://localhost:{web_port}", f"http://127.0.0.1:{web_port}")
    origins = []
    for item in raw.replace(",", " ").split():
        origin = item.rstrip("/")
        scheme, sep, rest = origin.partition("://")
        if origin == "*" or "*" in origin:
            raise SettingsError(
                "CSSECURE_CORS_ORIGINS must name each origin (e.g. https://www.cssbuy.com), "
                "not a wildcard."
            )
        if scheme not in ("http", "https") or not sep or not rest or "/" in rest:
            raise SettingsError(
                f"CSSECURE_CORS_ORIGINS: {item!r} is not an origin; write "
                "scheme://host[:port], e.g. https://www.cssbuy.com."
            )
        origins.append(origin)
    return tuple(dict.fromkeys(origins))


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
    # The shared secret the Rasa server sends the action server (``Authorization: Bearer``);
    # the action server refuses every call without it (cssecure.ops.action_server).
    action_token: str | None = None
    # Browser origins allowed to call the Rasa server (its REST and socket.io channels).
    cors_origins: tuple[str, ...] = ("http://localhost:8080", "http://127.0.0.1:8080")
    # Days a file sent outside a filed claim is kept before the job worker deletes it
    # (0: for ever).
    held_evidence_days: int = 30

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read settings from ``env`` (default: the process environment)."""
        e = os.environ if env is None else env
        var_dir = Path(e.get("CSSECURE_VAR_DIR", str(PROJECT_ROOT / "var")))
        web_port = int(e.get("CSSECURE_WEB_PORT", "8080"))
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
            web_port=web_port,
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
            action_token=e.get("CSSECURE_ACTION_TOKEN") or None,
            cors_origins=cors_origins_from(e.get("CSSECURE_CORS_ORIGINS"), web_port),
            held_evidence_days=_whole(e, "CSSECURE_HELD_EVIDENCE_DAYS", 30, "days"),
        )

    def secret_problems(self, names: Iterable[str] | None = None) -> list[str]:
        """A message for each configured secret (of ``names``, default all of
        :data:`CHECKED_SECRETS`) that is too weak; unset secrets are not checked."""
        problems = []
        for name in names if names is not None else CHECKED_SECRETS:
            value = getattr(self, CHECKED_SECRETS[name])
            if value:
                problem = secret_problem(name, value)
                if problem:
                    problems.append(problem)
        return problems

    def check_secrets(self, names: Iterable[str] | None = None) -> None:
        """Refuse weak secrets (launchers call this at start-up).

        Raises:
            SettingsError: naming every weak secret and what to use instead.
        """
        problems = self.secret_problems(names)
        if problems:
            raise SettingsError("\n".join(problems))

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
    return _whole(env, name, default, "minutes")


def _whole(env: Mapping[str, str], name: str, default: int, unit: str) -> int:
    """A whole number of ``unit`` (0 or more) from ``env[name]``; ``default`` when unset.

    Raises:
        ValueError: not a whole number (the message names the variable and the unit).
    """
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number of {unit}, not {raw!r}.") from None
    if value < 0:
        raise ValueError(f"{name} must be 0 or more {unit}, not {value}.")
    return value


def _mask_url_password(url: str) -> str:
    """Hide the password of ``scheme://user:password@host`` URLs."""
    scheme, sep, rest = url.partition("://")
    creds, at, host = rest.rpartition("@")
    if not at or ":" not in creds:
        return url
    user = creds.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}"
