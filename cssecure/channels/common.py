"""What the Telegram and Discord channels share: conversation ids, commands, text (the
message metadata is :mod:`cssecure.identity.metadata`'s).

Conversation ids carry a keyed MAC: the Rasa REST and socket.io channels let any caller
choose a ``sender`` id, so a guessable id such as ``telegram-123456`` would let a stranger
read a linked customer's conversation. ``telegram-123456-<mac>`` cannot be guessed without
the channel's secret, yet the channel can still recover the chat from it to push messages.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from cssecure.i18n.catalog import N_, tr

# Longer customer messages are refused with a clear message instead of being cut:
# nobody types a claim description this long, and huge messages slow every part down.
MAX_MESSAGE_CHARS = 2000
_TOO_LONG = N_(
    "That message is too long for me (at most {limit} characters). "
    "Please send it in shorter parts."
)
TOO_LONG_REPLY = _TOO_LONG.format(limit=MAX_MESSAGE_CHARS)


def too_long_reply(language: str | None = None) -> str:
    """:data:`TOO_LONG_REPLY` in the customer's ``language``."""
    return tr(language, _TOO_LONG, limit=MAX_MESSAGE_CHARS)

_MAC_HEX_CHARS = 20  # 80 bits: far beyond online guessing
_COMMAND = re.compile(r"^/([A-Za-z][A-Za-z0-9_]{0,31})(?:@[A-Za-z0-9_]+)?(?:\s+(.*))?$", re.S)
_MAX_LINK_CODE_CHARS = 64


def _mac(secret: str, channel: str, external_id: str) -> str:
    digest = hmac.new(
        secret.encode(), f"cssecure-conversation/{channel}/{external_id}".encode(), hashlib.sha256
    ).hexdigest()
    return digest[:_MAC_HEX_CHARS]


def conversation_id(channel: str, external_id: str, secret: str) -> str:
    """The Rasa conversation (sender) id of a chat on ``channel``.

    Args:
        channel: ``"telegram"`` or ``"discord"``.
        external_id: the chat's id on that platform (no ``-`` in it).
        secret: the channel's server-side secret; without it the id cannot be forged.

    Returns:
        ``"<channel>-<external_id>-<mac>"``.
    """
    if not secret:
        raise ValueError("a secret is required to derive conversation ids")
    if "-" in external_id or not external_id:
        raise ValueError(f"invalid external id {external_id!r}")
    return f"{channel}-{external_id}-{_mac(secret, channel, external_id)}"


def external_id_of(conversation: str, channel: str, secret: str) -> str | None:
    """The platform chat id inside ``conversation``, or None if it is not a genuine one.

    Only ids made by :func:`conversation_id` with the same channel and secret are accepted,
    so a pushed message can never be redirected to a chat named by a forged id.
    """
    prefix, sep, rest = conversation.partition("-")
    external_id, sep2, mac = rest.rpartition("-")
    if prefix != channel or not sep or not sep2 or not external_id or not secret:
        return None
    if not hmac.compare_digest(mac, _mac(secret, channel, external_id)):
        return None
    return external_id


def client_key(address: str | None, secret: str | bytes) -> str | None:
    """A keyed digest of the customer's network (``limits.network_of``), passed to the
    assistant as metadata ``client`` so that requests for a person can be limited per
    address too, without the address itself being stored in the conversation."""
    from cssecure.security.limits import network_of

    network = network_of(address)
    if not network:
        return None
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, network.encode(), hashlib.sha256).hexdigest()[:24]


@dataclass(frozen=True)
class BotCommand:
    """A ``/command argument`` typed by the customer (``/link@CSSecureBot CODE`` too)."""

    name: str
    argument: str


def bot_command(text: str) -> BotCommand | None:
    """Parse ``text`` as a chat command; None when it is not one."""
    match = _COMMAND.match(text.strip())
    if match is None:
        return None
    return BotCommand(match.group(1).lower(), (match.group(2) or "").strip())


def valid_link_code(argument: str) -> str | None:
    """The code typed after ``/link``, or None when there is none (or it is absurdly long).

    The linking service normalises and checks it (spaces, dashes and case are ignored).
    """
    code = argument.strip()
    return code if 0 < len(code) <= _MAX_LINK_CODE_CHARS else None


LINK_USAGE = N_(
    "To link this chat to your CSSecure account, get a code on the website "
    "(your account page, 'Link Telegram or Discord') and send it here as: /link CODE"
)


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` UTF-16 code units (how Telegram and
    Discord count; the same as characters for most text), at line breaks when possible,
    else at spaces, else anywhere (never inside a surrogate pair: Python strings are
    code points)."""
    from cssecure.channels.delivery import utf16_units

    parts: list[str] = []
    rest = text.strip()
    while utf16_units(rest) > limit:
        fits = _fitting_prefix(rest, limit)
        cut = rest.rfind("\n", 0, fits)
        if cut <= 0:
            cut = rest.rfind(" ", 0, fits)
        if cut <= 0:
            cut = fits
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def _fitting_prefix(text: str, limit: int) -> int:
    """The most code points of ``text`` whose UTF-16 length is at most ``limit``."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return max(1, index)
    return len(text)
