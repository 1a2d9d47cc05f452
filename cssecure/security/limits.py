"""Rate limits on customer messages, handoff requests and console sign-ins.

Built on the ``limits`` library (moving windows). The counters live in Redis when
``REDIS_URL`` is set, so every replica of the Rasa server and of the web app shares them;
otherwise in this process's memory (one machine, one process: the default stack).

Public API (the channels' single intake point, the handoff service and the console call it):

* :func:`check_message` ``(channel, sender_id, address) -> (allowed, message)``: one customer
  message; limited per sender (of that channel) and per source address (any channel), and
  the conversations an address may start (a sender id not seen for an hour is new):
  rotating sender ids, free on REST, would otherwise make the per-sender limit moot and let
  each address push its whole allowance of long messages into the NLU pipeline at once.
* :func:`check_handoff` ``(sender_id, address) -> (allowed, message)``: one request for a
  person; limited per sender and per address, so nobody floods the team's channel.
* :func:`check_login` ``(name, address) -> (allowed, message)``: one console sign-in attempt;
  limited per source address, and refused while a growing delay runs after wrong passwords
  for that name **from that address** (:func:`login_failed`, :func:`login_succeeded`). A
  wrong password from one address never locks the agent out from another.

When refused, ``message`` is a short sentence to show the customer (or agent) as it is.
``address`` may be ``None`` (a channel that only sees its platform's servers, e.g.
Telegram): then only the per-sender limit applies.

A limiter that cannot reach Redis lets the request through and logs a warning (at most
once a minute): a broken limiter must not take the chat down with it.

Settings (environment variables, read once per process; rates in ``limits`` notation,
several separated by ``;``, e.g. ``"20/minute;200/hour"``):

- ``CSSECURE_RATE_PER_SENDER`` (``20/minute``): messages one sender may send (per channel);
- ``CSSECURE_RATE_PER_ADDRESS`` (``120/minute``): messages from one source address;
- ``CSSECURE_RATE_NEW_SENDERS_PER_ADDRESS`` (unset: derived from the per-address rate, a
  twelfth of it plus a burst cap, ``10/minute;5/10 seconds`` for ``120/minute``): new
  conversations (sender ids) one address may start;
- ``CSSECURE_RATE_HANDOFF_PER_SENDER`` (``3/hour``): requests for a person by one sender;
- ``CSSECURE_RATE_HANDOFF_PER_ADDRESS`` (``10/hour``): requests for a person from one address;
- ``CSSECURE_RATE_LOGIN_PER_ADDRESS`` (``30/minute``): console sign-in attempts from one address;
- ``CSSECURE_LOGIN_FREE_FAILURES`` (``3``): wrong passwords (name + address) before delays;
- ``CSSECURE_LOGIN_DELAY_SECONDS`` (``2``): the first delay, doubled by each further failure;
- ``CSSECURE_LOGIN_MAX_DELAY_SECONDS`` (``900``): the longest delay;
- ``CSSECURE_RATE_UPLOAD_MB_PER_ADDRESS`` (``2048/hour;8192/day``): megabytes of evidence
  files one address may send (:func:`check_upload`, counted when an upload starts).
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from cssecure.i18n.catalog import N_

log = logging.getLogger(__name__)

# Shown to customers in their language (the channels call tr on them).
MESSAGE_REFUSED = N_(
    "You're sending messages faster than I can read them; please wait a few seconds."
)
UPLOADS_REFUSED = N_(
    "Too many files have been sent from your connection recently. Please wait an hour and "
    "send the file again, or tell us here what you wanted to send."
)
HANDOFF_REFUSED = N_(
    "You've already asked for a person: our support team has your request and will answer "
    "you here. Please wait for them; asking again does not make it faster."
)
LOGIN_THROTTLED = "Too many sign-in attempts from your address: please wait a minute."

ENV_PER_SENDER = "CSSECURE_RATE_PER_SENDER"
ENV_PER_ADDRESS = "CSSECURE_RATE_PER_ADDRESS"
ENV_NEW_SENDERS_PER_ADDRESS = "CSSECURE_RATE_NEW_SENDERS_PER_ADDRESS"
ENV_HANDOFF_PER_SENDER = "CSSECURE_RATE_HANDOFF_PER_SENDER"
ENV_HANDOFF_PER_ADDRESS = "CSSECURE_RATE_HANDOFF_PER_ADDRESS"
ENV_LOGIN_PER_ADDRESS = "CSSECURE_RATE_LOGIN_PER_ADDRESS"
ENV_LOGIN_FREE_FAILURES = "CSSECURE_LOGIN_FREE_FAILURES"
ENV_LOGIN_DELAY = "CSSECURE_LOGIN_DELAY_SECONDS"
ENV_LOGIN_MAX_DELAY = "CSSECURE_LOGIN_MAX_DELAY_SECONDS"
ENV_REFUSAL_DELAY = "CSSECURE_RATE_REFUSAL_DELAY_MS"
ENV_UPLOAD_MB_PER_ADDRESS = "CSSECURE_RATE_UPLOAD_MB_PER_ADDRESS"

DEFAULTS = {
    ENV_PER_SENDER: "20/minute",
    ENV_PER_ADDRESS: "120/minute",
    ENV_NEW_SENDERS_PER_ADDRESS: "",  # derived from CSSECURE_RATE_PER_ADDRESS
    ENV_HANDOFF_PER_SENDER: "3/hour",
    ENV_HANDOFF_PER_ADDRESS: "10/hour",
    ENV_LOGIN_PER_ADDRESS: "30/minute",
    ENV_LOGIN_FREE_FAILURES: "3",
    ENV_LOGIN_DELAY: "2",
    ENV_LOGIN_MAX_DELAY: "900",
    # A refused message is answered after this pause: a client that retries as fast as it
    # is refused then costs the server one cheap answer a second, not hundreds.
    ENV_REFUSAL_DELAY: "1000",
    # Megabytes of evidence one address may send (issue 15 review: anonymous conversations
    # are free, each with its own quota; this bounds what one address can pile up). A
    # customer's claim takes at most its 1 GiB quota.
    ENV_UPLOAD_MB_PER_ADDRESS: "2048/hour;8192/day",
}

# Wrong passwords are forgotten a day after the latest one.
FAILURE_MEMORY_SECONDS = 86400
# A sender id is "new" (counts against its address's new conversations) when not seen
# for this long.
SENDER_MEMORY_SECONDS = 3600
_WARN_EVERY_SECONDS = 60.0


class LimitsConfigError(ValueError):
    """A rate setting cannot be read; ``str(exc)`` names the variable."""


@dataclass(frozen=True)
class LimitSettings:
    """The limits in force (see the module's table)."""

    per_sender: tuple[RateLimitItem, ...]
    per_address: tuple[RateLimitItem, ...]
    new_senders_per_address: tuple[RateLimitItem, ...]
    handoff_per_sender: tuple[RateLimitItem, ...]
    handoff_per_address: tuple[RateLimitItem, ...]
    login_per_address: tuple[RateLimitItem, ...]
    login_free_failures: int = 3
    login_delay_seconds: int = 2
    login_max_delay_seconds: int = 900
    refusal_delay_ms: int = 1000
    upload_mb_per_address: tuple[RateLimitItem, ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LimitSettings:
        """Read the settings from ``env`` (``os.environ`` by default).

        Raises:
            LimitsConfigError: a value is not a rate (or a whole number of seconds).
        """
        source = os.environ if env is None else env

        def value(name: str) -> str:
            return (source.get(name) or "").strip() or DEFAULTS[name]

        def new_senders() -> tuple[RateLimitItem, ...]:
            if value(ENV_NEW_SENDERS_PER_ADDRESS):
                return rates(ENV_NEW_SENDERS_PER_ADDRESS)
            return derived_new_senders(rates(ENV_PER_ADDRESS))

        def rates(name: str) -> tuple[RateLimitItem, ...]:
            try:
                items = tuple(parse_many(value(name)))
            except ValueError as exc:
                raise LimitsConfigError(
                    f"{name}={value(name)!r} is not a rate such as '20/minute': {exc}"
                ) from None
            if not items:
                raise LimitsConfigError(f"{name} names no rate.")
            return items

        def whole(name: str, minimum: int) -> int:
            try:
                number = int(value(name))
            except ValueError:
                raise LimitsConfigError(f"{name}={value(name)!r} is not a whole number.") from None
            if number < minimum:
                raise LimitsConfigError(f"{name} must be at least {minimum}.")
            return number

        return cls(
            per_sender=rates(ENV_PER_SENDER),
            per_address=rates(ENV_PER_ADDRESS),
            new_senders_per_address=new_senders(),
            handoff_per_sender=rates(ENV_HANDOFF_PER_SENDER),
            handoff_per_address=rates(ENV_HANDOFF_PER_ADDRESS),
            login_per_address=rates(ENV_LOGIN_PER_ADDRESS),
            login_free_failures=whole(ENV_LOGIN_FREE_FAILURES, 0),
            login_delay_seconds=whole(ENV_LOGIN_DELAY, 1),
            login_max_delay_seconds=whole(ENV_LOGIN_MAX_DELAY, 1),
            refusal_delay_ms=whole(ENV_REFUSAL_DELAY, 0),
            upload_mb_per_address=rates(ENV_UPLOAD_MB_PER_ADDRESS),
        )


def derived_new_senders(per_address: tuple[RateLimitItem, ...]) -> tuple[RateLimitItem, ...]:
    """The default new-conversation limit of an address: a twelfth of each per-address
    rate, and at most a quarter of its 10-second share at once (``120/minute`` ->
    ``10/minute`` and ``5/10 seconds``), so that a burst of new sender ids from many
    addresses cannot queue hundreds of messages ahead of everyone."""
    derived: list[RateLimitItem] = []
    for item in per_address:
        derived.append(type(item)(max(1, item.amount // 12), item.multiples))
    first = per_address[0]
    per_second = first.amount / first.get_expiry()
    derived.append(parse_many(f"{max(1, round(per_second * 10 / 4))}/10 seconds")[0])
    return tuple(derived)


def network_of(address: str | None) -> str | None:
    """The network an address stands for in the limits: an IPv4 address itself (also when
    written IPv4-mapped, ``::ffff:1.2.3.4``); an IPv6 address its /64, which one customer
    or host usually holds whole (issue 16 review: 600 addresses of one /64 were 600
    buckets). Anything else (a hashed client key) as it is."""
    if not address:
        return address
    try:
        ip = ipaddress.ip_address(address.strip().split("%", 1)[0])
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _ident(*parts: str | None) -> str:
    """A fixed-length key part for customer-chosen values (any length, any characters)."""
    joined = "\x1f".join(p or "" for p in parts)
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()[:40]


class CalmMemoryStorage(MemoryStorage):
    """limits' in-memory storage, its clean-up of expired entries run at most once every
    ``CLEAN_UP_SECONDS``.

    limits 2.4 schedules the clean-up 10 ms after every hit, on a thread that walks every
    entry of every window (one per message of the last minute, per key) taking each one's
    lock: ~5% of the Rasa server's samples under bench/bench_rest.py's 16 customers, all of
    it holding the GIL the server's event loop needs (py-spy 2026-12-01). Every check
    compares the entries' times itself, so a later clean-up changes no decision: expired
    entries only stay in memory a little longer.
    """

    CLEAN_UP_SECONDS = 1.0

    def __init__(self, uri: str = "memory://", **options: Any) -> None:
        super().__init__(uri, **options)
        self.timer.cancel()  # limits' first 10 ms timer
        self._start_timer()

    def _start_timer(self) -> None:
        self.timer = threading.Timer(self.CLEAN_UP_SECONDS, self._clean_up)
        self.timer.daemon = True
        self.timer.start()

    def _clean_up(self) -> None:
        self._MemoryStorage__expire_events()  # type: ignore[attr-defined]  # limits' own

    # limits calls this (by its private name) after every hit.
    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 - limits' private name
        if not self.timer.is_alive():
            self._start_timer()


class RateLimits:
    """The limiter: counters in ``storage_url`` (``memory://`` or ``redis://...``).

    Args:
        settings: the limits (``LimitSettings.from_env()`` by default).
        storage_url: where the counters live.
        namespace: prefix of every key (tests use a fresh one per test on a shared Redis).
    """

    def __init__(
        self,
        settings: LimitSettings | None = None,
        storage_url: str = "memory://",
        namespace: str = "cssecure",
    ) -> None:
        self.settings = settings or LimitSettings.from_env()
        options: dict[str, Any] = {}
        if storage_url.startswith(("redis://", "rediss://", "redis+unix://")):
            options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
        self.storage_url = storage_url
        self._storage = (
            CalmMemoryStorage() if storage_url == "memory://"
            else storage_from_string(storage_url, **options)
        )
        self._limiter = MovingWindowRateLimiter(self._storage)
        # Megabytes are counted in a fixed window: one counter raised by the cost (the
        # moving window keeps one entry per unit, a thousand per large video).
        self._volume = FixedWindowRateLimiter(self._storage)
        self._ns = namespace
        self._last_warning = 0.0

    # ----------------------------------------------------------------- helpers

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_warning >= _WARN_EVERY_SECONDS:
            self._last_warning = now
            log.warning("rate limiter unavailable, letting requests through: %s",
                        type(exc).__name__)

    def _take(self, checks: list[tuple[tuple[RateLimitItem, ...], str, str]]) -> bool:
        """True (and one hit on every limit) when every ``(items, kind, ident)`` has room."""
        try:
            for items, kind, ident in checks:
                for item in items:
                    if not self._limiter.test(item, self._ns, kind, ident):
                        return False
            for items, kind, ident in checks:
                for item in items:
                    self._limiter.hit(item, self._ns, kind, ident)
        except Exception as exc:  # noqa: BLE001 - any storage failure: fail open
            self._warn(exc)
        return True

    def _key(self, kind: str, ident: str) -> str:
        return f"{self._ns}/{kind}/{ident}"

    # ----------------------------------------------------------------- messages

    def check_message(
        self, channel: str, sender_id: str, address: str | None
    ) -> tuple[bool, str | None]:
        """One customer message: ``(True, None)``, or ``(False, message for the customer)``."""
        sender = _ident(channel, sender_id)
        checks = [(self.settings.per_sender, "msg-sender", sender)]
        seen_key = self._key("sender-seen", sender)
        if address:
            checks.append((self.settings.per_address, "msg-address", _ident(network_of(address))))
            try:
                new = self._storage.get(seen_key) <= 0
            except Exception as exc:  # noqa: BLE001
                self._warn(exc)
                new = False
            if new:
                checks.append(
                    (
                        self.settings.new_senders_per_address,
                        "new-sender",
                        _ident(network_of(address)),
                    )
                )
        if not self._take(checks):
            return False, MESSAGE_REFUSED
        if address:
            try:
                self._storage.incr(seen_key, SENDER_MEMORY_SECONDS, elastic_expiry=True)
            except Exception as exc:  # noqa: BLE001
                self._warn(exc)
        return True, None

    def check_handoff(self, sender_id: str, address: str | None) -> tuple[bool, str | None]:
        """One request for a person: ``(True, None)`` or ``(False, message for the customer)``."""
        checks = [(self.settings.handoff_per_sender, "handoff-sender", _ident(sender_id))]
        if address:
            checks.append(
                (self.settings.handoff_per_address, "handoff-address", _ident(network_of(address)))
            )
        if self._take(checks):
            return True, None
        return False, HANDOFF_REFUSED

    # ----------------------------------------------------------------- uploads

    def check_upload(self, address: str | None, size_bytes: int) -> tuple[bool, str | None]:
        """An upload of ``size_bytes`` from ``address`` starting: ``(True, None)`` (its
        megabytes, rounded up, taken from the address's allowance) or ``(False, message)``.
        No address (a chat platform's servers): always allowed."""
        if not address or not self.settings.upload_mb_per_address:
            return True, None
        cost = max(1, -(-size_bytes // (1024 * 1024)))
        ident = _ident(network_of(address))
        try:
            for item in self.settings.upload_mb_per_address:
                _, remaining = self._volume.get_window_stats(item, self._ns, "upload-mb", ident)
                if remaining < cost:
                    return False, UPLOADS_REFUSED
            for item in self.settings.upload_mb_per_address:
                self._volume.hit(item, self._ns, "upload-mb", ident, cost=cost)
        except Exception as exc:  # noqa: BLE001 - any storage failure: fail open
            self._warn(exc)
        return True, None

    # ----------------------------------------------------------------- sign-ins

    def login_delay(self, name: str, address: str | None) -> int:
        """Seconds before ``name`` may be tried again from ``address`` (0: now)."""
        try:
            key = self._key("login-lock", _ident(network_of(address), name.strip().lower()))
            if self._storage.get(key) <= 0:
                return 0
            return max(1, int(self._storage.get_expiry(key) - time.time() + 0.999))
        except Exception as exc:  # noqa: BLE001
            self._warn(exc)
            return 0

    def check_login(self, name: str, address: str | None) -> tuple[bool, str | None]:
        """One sign-in attempt: refused while a delay runs for ``name`` from ``address``, or
        when ``address`` tries too often (any names)."""
        delay = self.login_delay(name, address)
        if delay:
            return False, (
                f"Too many wrong passwords for this name from your address: try again in "
                f"{_duration(delay)}."
            )
        if not self._take(
            [(self.settings.login_per_address, "login-address", _ident(network_of(address)))]
        ):
            return False, LOGIN_THROTTLED
        return True, None

    def login_failed(self, name: str, address: str | None) -> int:
        """Record a wrong password for ``name`` from ``address``; returns the delay (seconds)
        now imposed on that pair: 0 for the first ``login_free_failures``, then
        ``login_delay_seconds`` doubling with each further failure, at most
        ``login_max_delay_seconds``."""
        s = self.settings
        ident = _ident(network_of(address), name.strip().lower())
        try:
            failures = self._storage.incr(
                self._key("login-failures", ident), FAILURE_MEMORY_SECONDS, elastic_expiry=True
            )
            over = failures - s.login_free_failures
            if over <= 0:
                return 0
            delay = min(s.login_max_delay_seconds, s.login_delay_seconds * 2 ** min(over - 1, 30))
            lock = self._key("login-lock", ident)
            self._storage.clear(lock)
            self._storage.incr(lock, delay)
            return delay
        except Exception as exc:  # noqa: BLE001
            self._warn(exc)
            return 0

    def login_succeeded(self, name: str, address: str | None) -> None:
        """Forget the wrong passwords of ``name`` from ``address``."""
        ident = _ident(network_of(address), name.strip().lower())
        try:
            self._storage.clear(self._key("login-failures", ident))
            self._storage.clear(self._key("login-lock", ident))
        except Exception as exc:  # noqa: BLE001
            self._warn(exc)


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = (seconds + 59) // 60
    return f"{minutes} minutes"


# --------------------------------------------------------------- the process's limiter

_lock = threading.Lock()
_default: RateLimits | None = None


def default_limits() -> RateLimits:
    """The process's limiter: on ``REDIS_URL`` when set, else in memory (built once)."""
    global _default
    with _lock:
        if _default is None:
            url = (os.environ.get("REDIS_URL") or "").strip()
            _default = RateLimits(storage_url=url or "memory://")
        return _default


def set_default_limits(limiter: RateLimits | None) -> None:
    """Replace the process's limiter (tests; ``None`` rebuilds it from the environment)."""
    global _default
    with _lock:
        _default = limiter


def check_message(channel: str, sender_id: str, address: str | None) -> tuple[bool, str | None]:
    """One customer message on ``channel``: ``(allowed, message for the customer if not)``."""
    return default_limits().check_message(channel, sender_id, address)


def refusal_delay_seconds() -> float:
    """How long a refused message waits before its answer (``CSSECURE_RATE_REFUSAL_DELAY_MS``)."""
    return default_limits().settings.refusal_delay_ms / 1000


def check_handoff(sender_id: str, address: str | None) -> tuple[bool, str | None]:
    """One request for a person: ``(allowed, message for the customer if not)``."""
    return default_limits().check_handoff(sender_id, address)


def check_upload(address: str | None, size_bytes: int) -> tuple[bool, str | None]:
    """An upload starting: ``(allowed, message for the customer if not)``."""
    return default_limits().check_upload(address, size_bytes)


def check_login(name: str, address: str | None) -> tuple[bool, str | None]:
    """One console sign-in attempt: ``(allowed, message for the agent if not)``."""
    return default_limits().check_login(name, address)


def login_failed(name: str, address: str | None) -> int:
    """Record a wrong password (see :meth:`RateLimits.login_failed`)."""
    return default_limits().login_failed(name, address)


def login_succeeded(name: str, address: str | None) -> None:
    """Forget the wrong passwords of ``name`` from ``address``."""
    default_limits().login_succeeded(name, address)
