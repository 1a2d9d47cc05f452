"""Sending to Telegram and Discord as their APIs demand: rate limits, refusals, lengths.

Both platforms answer a burst of messages with HTTP 429 and say how long to wait:

* Telegram: ``{"ok": false, "error_code": 429, "parameters": {"retry_after": 5}}`` (the
  Bot API's ``ResponseParameters.retry_after``, "the number of seconds left to wait before
  the request can be repeated": https://core.telegram.org/bots/api#responseparameters);
* Discord: ``{"message": "You are being rate limited.", "retry_after": 0.5, "global": false}``
  with a ``Retry-After`` header, in seconds
  (https://discord.com/developers/docs/topics/rate-limits#exceeding-a-rate-limit).

:func:`with_retries` waits what the platform asked and tries again, a few times; a wait
longer than ``max_wait_s`` is not slept through (a customer's reply would arrive minutes
late, and Telegram re-delivers a webhook update that is not answered in time): the error is
raised and the caller reports it. Nothing else is retried blindly: a refusal that will not
change (the customer blocked the bot, a text over the limit) is raised at once, as
:class:`RecipientUnreachable` when the customer cannot be reached in that chat any more.

tenacity is not among the pinned dependencies (requirements.lock) and aiohttp-retry, which
Rasa brings, only sees raw HTTP responses, not aiogram's errors: the loop here is small and
tested against the fakes of both APIs (tests/channels/test_delivery_failures.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Tries of one request in all (the first and the retries).
ATTEMPTS = 4
# The longest wait honoured inside a request; Telegram's flood waits for bots are seconds.
MAX_WAIT_S = 20.0
# Waits when the platform named none (a 5xx, a restart): 0.5 s, 1 s, 2 s.
BASE_DELAY_S = 0.5


class RecipientUnreachable(Exception):
    """The platform refuses to deliver to this customer, and will until they act.

    Telegram: 403 "Forbidden: bot was blocked by the user" (also a deleted account, or a
    user who never started the bot). Discord: 403 with JSON code 50007, "Cannot send
    messages to this user" (direct messages closed, bot blocked, no shared server).
    Retrying cannot help: callers record it and stop.
    """


class RetryLater(Exception):
    """A transient refusal (rate limit, server error) that outlived the retries.

    Attributes:
        retry_after: seconds the platform asked to wait, if it said.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def utf16_units(text: str) -> int:
    """Length of ``text`` in UTF-16 code units.

    Telegram measures texts and entities in UTF-16 code units; Discord's 2000 "characters"
    are counted the same way by its clients. Counting so is never more than either allows
    (an emoji is 2 units, 1 code point).
    """
    return len(text.encode("utf-16-le")) // 2


async def with_retries(
    call: Callable[[], Awaitable[T]],
    wait_for: Callable[[BaseException, int], float | None],
    *,
    attempts: int = ATTEMPTS,
    max_wait_s: float = MAX_WAIT_S,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Run ``call``, retrying while ``wait_for`` says the failure is worth waiting for.

    Args:
        call: makes the request (a new one each time).
        wait_for: for a failure and the number of the attempt that failed (1, 2, ...),
            the seconds to wait before repeating the request, or None when it must not be
            repeated (raised at once).
        attempts: tries in all.
        max_wait_s: a longer requested wait is not slept: the failure is raised.
        sleep: ``asyncio.sleep`` (tests pass a recorder).

    Returns:
        What ``call`` returned.
    """
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except Exception as exc:  # noqa: BLE001 - wait_for decides, others are re-raised
            wait = wait_for(exc, attempt)
            if wait is None or attempt == attempts or wait > max_wait_s:
                raise
            logger.info("Retrying after %s in %.1f s (attempt %s)", type(exc).__name__,
                        wait, attempt)
            await sleep(max(0.0, wait))
    raise AssertionError("unreachable")  # the loop returns or raises


def backoff(attempt: int) -> float:
    """The wait before retry ``attempt`` (1, 2, ...) when the platform named none."""
    return float(BASE_DELAY_S * 2 ** max(0, attempt - 1))
