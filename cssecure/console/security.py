"""Password hashing, session tokens and CSRF tokens for the agent console.

Passwords are hashed with scrypt (memory-hard, in the standard library) and a random
salt per agent; the stored form names its parameters so they can be raised later
without invalidating existing hashes. Every comparison of secrets is constant time.
Session tokens are random and only their SHA-256 is stored, so a leaked database
does not let anyone ride an agent's session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

# OWASP's scrypt baseline (N=2^15, r=8, p=1): about 32 MiB and tens of ms per hash.
_SCRYPT_N = 2**15
_SCRYPT_R = 8
_SCRYPT_P = 1
_SCRYPT_DKLEN = 32
_SALT_BYTES = 16
_MAXMEM = 64 * 1024 * 1024

MIN_PASSWORD_LENGTH = 10

# Password checks run in their own small pool, never in the shared default thread pool:
# a burst of sign-in attempts (each ~32 MiB and tens of ms of scrypt) then queues behind
# these few threads while every other endpoint keeps its threads.
HASH_WORKERS_ENV = "CSSECURE_LOGIN_HASH_WORKERS"
DEFAULT_HASH_WORKERS = 2


class WeakPassword(ValueError):
    """The password is refused; ``str(exc)`` says why."""


def check_password_strength(password: str) -> None:
    """Refuse passwords an attacker could guess quickly.

    Raises:
        WeakPassword: when the password is too short or blank.
    """
    if len(password.strip()) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, *, n: int = _SCRYPT_N) -> str:
    """Hash ``password`` with scrypt and a fresh random salt.

    Args:
        password: the agent's password.
        n: scrypt cost; tests may lower it, production keeps the default.

    Returns:
        ``scrypt$N$r$p$salt$hash`` (salt and hash URL-safe base64).
    """
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=_SCRYPT_R, p=_SCRYPT_P,
        dklen=_SCRYPT_DKLEN, maxmem=_MAXMEM,
    )
    return f"scrypt${n}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches the ``stored`` hash (constant-time compare).

    A malformed stored value never matches; it does not raise.
    """
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = _unb64(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"), salt=_unb64(salt), n=int(n), r=int(r), p=int(p),
            dklen=len(expected), maxmem=_MAXMEM,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# Verified against when the agent name is unknown, so that an unknown name and a
# wrong password take the same time and cannot be told apart.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def burn_password_check(password: str) -> None:
    """Spend the time of one password check, for unknown agent names."""
    verify_password(password, _DUMMY_HASH)


def new_token() -> str:
    """A fresh random token (256 bits), for session cookies and CSRF."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """The SHA-256 of a session token: what is stored instead of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def tokens_equal(a: str | None, b: str | None) -> bool:
    """Constant-time equality for tokens; a missing token never matches."""
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def hash_workers() -> int:
    """Threads of the password pool: ``CSSECURE_LOGIN_HASH_WORKERS`` (default 2, 1-16)."""
    try:
        workers = int(os.environ.get(HASH_WORKERS_ENV) or DEFAULT_HASH_WORKERS)
    except ValueError:
        workers = DEFAULT_HASH_WORKERS
    return max(1, min(16, workers))


def password_pool() -> ThreadPoolExecutor:
    """The bounded pool every sign-in's password check runs in (built once per process)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=hash_workers(), thread_name_prefix="cssecure-password"
            )
        return _pool
