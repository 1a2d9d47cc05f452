"""Webhook deliveries already taken: a re-delivered Telegram update is handled once.

Telegram re-sends an update whose webhook request failed or was not answered in time ("In
case of an unsuccessful request, we will give up after a reasonable amount of attempts",
https://core.telegram.org/bots/api#setwebhook), with the same ``update_id`` ("allows you to
ignore repeated updates", https://core.telegram.org/bots/api#update). A slow answer from
the assistant is enough for a second delivery, possibly to another replica of the Rasa
server: without this, the customer's message would be read twice (two answers, a file
stored twice).

The record is where the project keeps what every replica shares: Redis (``REDIS_URL``,
as the lock store and the rate limits), with ``SET NX`` so two replicas receiving the same
update at once agree on which one takes it; without ``REDIS_URL`` (one server) in this
process's memory. Entries expire after 24 hours, the longest Telegram keeps an update
("they will not be kept longer than 24 hours", https://core.telegram.org/bots/api#getting-updates).
A Redis that cannot be reached lets the update through (and logs, at most once a minute):
answering twice is better than not answering.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from typing import Any

logger = logging.getLogger(__name__)

KEEP_S = 24 * 3600
MAX_IN_MEMORY = 100_000
_WARN_EVERY_S = 60.0


class DeliveredUpdates:
    """Remembers webhook deliveries by key, shared through Redis when ``redis_url`` is set.

    Args:
        redis_url: ``settings.redis_url`` (None: this process's memory).
        namespace: prefix of the keys (per bot: two bots may share a Redis).
        keep_s: how long a delivery is remembered.
    """

    def __init__(self, redis_url: str | None, namespace: str, keep_s: int = KEEP_S) -> None:
        self.namespace = namespace
        self.keep_s = keep_s
        self._redis: Any = None
        if redis_url:
            import redis

            self._redis = redis.Redis.from_url(
                redis_url, socket_connect_timeout=0.5, socket_timeout=0.5
            )
        self._memory: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()
        self._last_warning = 0.0

    @classmethod
    def for_bot(cls, redis_url: str | None, token: str) -> DeliveredUpdates:
        """The record of one Telegram bot's updates (keyed by a digest of its token)."""
        digest = hashlib.sha256(token.encode()).hexdigest()[:16]
        return cls(redis_url, f"cssecure:telegram-update:{digest}")

    async def first_delivery(self, key: str | int) -> bool:
        """True the first time ``key`` is seen (and records it); False for a re-delivery."""
        name = f"{self.namespace}:{key}"
        if self._redis is not None:
            try:
                taken = await asyncio.to_thread(
                    self._redis.set, name, b"1", nx=True, ex=self.keep_s
                )
                return bool(taken)
            except Exception as exc:  # noqa: BLE001 - any Redis failure: let it through
                self._warn(exc)
        return self._first_in_memory(name)

    def _first_in_memory(self, name: str) -> bool:
        now = time.monotonic()
        with self._lock:
            while self._memory:
                oldest, at = next(iter(self._memory.items()))
                if now - at < self.keep_s and len(self._memory) < MAX_IN_MEMORY:
                    break
                del self._memory[oldest]
            if name in self._memory:
                return False
            self._memory[name] = now
            return True

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_warning >= _WARN_EVERY_S:
            self._last_warning = now
            logger.warning("Delivered updates not readable in Redis (%s): handling the update",
                           type(exc).__name__)
