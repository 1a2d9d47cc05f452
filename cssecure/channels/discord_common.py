"""What both halves of the Discord channel share: the Rasa side
(:mod:`cssecure.channels.discord`) and the bot process (:mod:`cssecure.channels.discord_bridge`).

Conversation ids and the keys derived from the bot token, the ``custom_id`` of a button and
what its press sends, Discord's limits. It imports neither Rasa nor discord.py, so the bot
process loads neither Rasa (a Rasa server's worth of imports) nor the Rasa side.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from cssecure.channels.common import conversation_id, external_id_of
from cssecure.channels.intake import typed_text
from cssecure.settings import Settings

CHANNEL = "discord"
DISCORD_TEXT_LIMIT = 2000
CUSTOM_ID_LIMIT = 100
BUTTONS_PER_MESSAGE = 25  # 5 rows of 5
PAYLOAD_PREFIX = "cs:"  # custom_id of a button that sends its payload
TITLE_PREFIX = "cst:"  # payload too long for a custom_id: the title is sent as text


class DiscordNotConfigured(RuntimeError):
    """DISCORD_TOKEN is missing."""


def _derived(settings: Settings, purpose: str) -> str:
    if not settings.discord_token:
        raise DiscordNotConfigured("Discord needs DISCORD_TOKEN in the environment.")
    return hmac.new(settings.discord_token.encode(), purpose.encode(), hashlib.sha256).hexdigest()


def conversation_secret(settings: Settings) -> str:
    """The key of Discord conversation ids (derived from the bot token, never sent)."""
    return _derived(settings, "cssecure-discord-conversations")


def bridge_key(settings: Settings) -> str:
    """The key the bot process shows Rasa's Discord input channel."""
    return _derived(settings, "cssecure-discord-bridge")


def dm_conversation(user_id: int | str, settings: Settings) -> str:
    """The conversation of a user's direct messages with the bot."""
    return conversation_id(CHANNEL, str(int(user_id)), conversation_secret(settings))


def channel_conversation(user_id: int | str, channel_id: int | str, settings: Settings) -> str:
    """The (anonymous) conversation of a user in the configured server channel."""
    return conversation_id(
        CHANNEL, f"{int(user_id)}@{int(channel_id)}", conversation_secret(settings)
    )


def user_of(conversation: str, settings: Settings) -> int | None:
    """The Discord user of a genuine Discord conversation id, else None."""
    external = external_id_of(conversation, CHANNEL, conversation_secret(settings))
    if external is None:
        return None
    return int(external.split("@", 1)[0])


# --- buttons as components -----------------------------------------------------------------


def custom_id_for(button: Mapping[str, Any]) -> str:
    """A button's ``custom_id``: its payload, or its title when the payload is too long."""
    payload = str(button.get("payload", ""))
    if payload and len(PAYLOAD_PREFIX + payload) <= CUSTOM_ID_LIMIT:
        return PAYLOAD_PREFIX + payload
    return (TITLE_PREFIX + str(button.get("title", "")))[:CUSTOM_ID_LIMIT]


def text_for_custom_id(custom_id: str) -> str | None:
    """What a pressed button sends to Rasa, or None for a component that is not ours."""
    if custom_id.startswith(TITLE_PREFIX):
        return typed_text(custom_id[len(TITLE_PREFIX):]) or None
    if custom_id.startswith(PAYLOAD_PREFIX):
        return custom_id[len(PAYLOAD_PREFIX):] or None
    return None
