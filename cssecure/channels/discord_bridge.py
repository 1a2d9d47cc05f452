"""The Discord bot process: a discord.py client bridged to Rasa's Discord input channel.

``python -m cssecure.channels.discord_bridge`` (started by the stack launcher when
``DISCORD_TOKEN`` is set) runs the discord.py client. It serves direct messages and the one
server channel ``DISCORD_CHANNEL_ID``; everything else is ignored. For each customer message
it answers ``/link CODE`` / ``/unlink`` itself, stores attachments as evidence through the
claims service, and forwards the text to Rasa's Discord input channel
(``/webhooks/discord/webhook``, :class:`RasaBridge`); the bot's replies are sent back with
buttons as message components (``discord.ui.View``). A button press forwards its payload.

Locale: Discord sends no language with a message, only with a button press
(``Interaction.locale``, the user's client language); the bot process remembers the latest
one per user and sends it as metadata ``locale`` with that user's messages from then on.
The bot process says its own texts (refusals, account replies) in the latest language Rasa
told it for the conversation, else in the user's client locale, else in English.

The Rasa side (input channel, conversation ids, pushes through Discord's REST API) is
:mod:`cssecure.channels.discord`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import sys
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp
import discord

from cssecure.channels.chat import ACCOUNTS_UNAVAILABLE, AccountsUnavailable, ChatServices
from cssecure.channels.common import bot_command, split_text
from cssecure.channels.discord_common import (
    BUTTONS_PER_MESSAGE,
    CHANNEL,
    DISCORD_TEXT_LIMIT,
    PAYLOAD_PREFIX,
    bridge_key,
    channel_conversation,
    custom_id_for,
    dm_conversation,
    text_for_custom_id,
)
from cssecure.channels.evidence import (
    CLAIM_SLOT,
    DISCORD_MAX_FILE_BYTES,
    DRAFT_SLOT,
    STORE_FAILED,
    ConversationClaims,
    EvidenceNotStored,
    caption_text,
    evidence_kind,
    inform_message,
)
from cssecure.channels.intake import install_log_escaping
from cssecure.evidence.links import LINK_OFFER, LINK_TTL, UploadLinks, public_upload_url
from cssecure.handoff.rasa_api import ChannelRoutes, RasaUnavailable
from cssecure.i18n import LANGUAGES
from cssecure.i18n.catalog import N_, tr
from cssecure.i18n.detect import hint_language
from cssecure.identity.metadata import channel_metadata, normalise_locale
from cssecure.settings import Settings

logger = logging.getLogger(__name__)

MAX_REMEMBERED_LANGUAGES = 10_000

LINK_IN_PRIVATE = N_(
    "For your security, link codes only work in a direct message to me. That code was seen "
    "in this channel: get a new one on the website and send it to me privately."
)
FILES_IN_PRIVATE = N_(
    "Please send evidence files to me in a direct message: this channel is public. "
    "Your file was not stored."
)
RASA_UNAVAILABLE = N_(
    "Sorry, I cannot answer right now. Please send your message again in a few minutes."
)


# --- buttons as components -----------------------------------------------------------------


def buttons_view(buttons: Sequence[Mapping[str, Any]]) -> discord.ui.View | None:
    """A ``discord.ui.View`` with one button per Rasa button (needs a running event loop).

    The view is stopped before it is sent: presses are handled by the client's
    ``on_interaction`` from the ``custom_id`` alone, so buttons keep working after a restart
    and no view is kept in memory per message.
    """
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in buttons[:BUTTONS_PER_MESSAGE]:
        view.add_item(
            discord.ui.Button(
                label=str(button.get("title", ""))[:80] or "…",
                custom_id=custom_id_for(button),
                style=discord.ButtonStyle.primary,
            )
        )
    view.stop()
    return view


def message_custom_ids(message: Any) -> set[str]:
    """The ``custom_id`` of every button on a message."""
    found: set[str] = set()
    for row in getattr(message, "components", None) or []:
        for child in getattr(row, "children", None) or []:
            custom_id = getattr(child, "custom_id", None)
            if isinstance(custom_id, str):
                found.add(custom_id)
    return found


CHOOSE = N_("Please choose:")


async def send_replies(
    channel: Any, replies: Sequence[Mapping[str, Any]], language: str | None = None
) -> None:
    """Send Rasa's replies (``CollectingOutputChannel`` messages) to a Discord channel
    (``language``: of the words shown above buttons sent without a text)."""
    for reply in replies:
        text = str(reply.get("text") or "")
        for key in ("image", "attachment"):
            if reply.get(key):
                text = f"{text}\n{reply[key]}".strip()
        buttons = reply.get("buttons") or []
        parts = split_text(text, DISCORD_TEXT_LIMIT) or ([""] if buttons else [])
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            view = buttons_view(buttons) if last else None
            if view is not None:
                await channel.send(part or tr(language, CHOOSE), view=view)
            elif part:
                await channel.send(part)


# --- the bot process -----------------------------------------------------------------------


class RasaBridge:
    """The bot process's client of :class:`DiscordInput`'s routes (through Rasa's one
    client, :class:`cssecure.handoff.rasa_api.ChannelRoutes`), remembering the language
    Rasa tells for each conversation."""

    def __init__(self, rasa_url: str, key: str) -> None:
        """Talk to the Rasa server at ``rasa_url`` with the bridge ``key``."""
        self.routes = ChannelRoutes(rasa_url, CHANNEL, key)
        # The latest language Rasa told for each conversation (bounded, this process only).
        self._languages: OrderedDict[str, str] = OrderedDict()

    def _note_language(self, sender: str, data: Mapping[str, Any]) -> None:
        language = data.get("language")
        if isinstance(language, str) and language in LANGUAGES:
            self._languages[sender] = language
            self._languages.move_to_end(sender)
            while len(self._languages) > MAX_REMEMBERED_LANGUAGES:
                self._languages.popitem(last=False)

    def known_language(self, sender: str) -> str | None:
        """The latest language Rasa told for a conversation, if it told one."""
        return self._languages.get(sender)

    async def send(
        self, sender: str, text: str, metadata: dict[str, Any], kind: str = "text"
    ) -> list[dict[str, Any]]:
        """Send a user message (``kind``: ``text``, ``button`` or ``notice``); returns the
        bot's replies."""
        data = await self.routes.post(
            "webhook", {"sender": sender, "text": text, "metadata": metadata, "kind": kind}
        )
        self._note_language(sender, data)
        messages = data.get("messages")
        return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []

    async def conversation_claims(self, sender: str) -> ConversationClaims:
        """The conversation's claim draft in progress and the claim it is about (its
        ``claim_draft_id`` and ``claim_ref`` slots)."""
        answer = await self.routes.post("claim_ref", {"sender": sender})
        self._note_language(sender, answer)
        awaited = answer.get("awaited_kinds")
        found = ConversationClaims.from_slots(
            {DRAFT_SLOT: answer.get("claim_draft_id"), CLAIM_SLOT: answer.get("claim_ref")}
        )
        kinds = tuple(k for k in awaited if isinstance(k, str)) if isinstance(awaited, list) else ()
        return dataclasses.replace(found, awaited=kinds)

    async def conversation_language(self, sender: str) -> str | None:
        """The conversation's language: the latest Rasa told, else asked now (``claim_ref``
        route); None when Rasa cannot say.

        Raises:
            RasaUnavailable: Rasa did not answer.
        """
        known = self.known_language(sender)
        if known:
            return known
        await self.conversation_claims(sender)
        return self.known_language(sender)

    async def close(self) -> None:
        """Close the HTTP session."""
        await self.routes.close()


class DiscordBridge:
    """What the bot does with Discord messages and button presses (framework-light: takes
    discord.py objects, or anything with the same attributes)."""

    def __init__(self, settings: Settings, rasa: RasaBridge, services: ChatServices) -> None:
        """Serve DMs and ``settings.discord_channel_id``; talk to Rasa through ``rasa``."""
        self.settings = settings
        self.rasa = rasa
        self.services = services
        self.channel_id = (
            int(settings.discord_channel_id) if settings.discord_channel_id else None
        )
        self.bot_user_id: int | None = None
        # The latest client language each user's button presses told (Discord sends none
        # with messages), this process only.
        self.locales: dict[int, str] = {}

    async def language(self, conversation: str, user_id: int, *, ask: bool = True) -> str | None:
        """The language of the bot process's own texts in ``conversation``: Rasa's (known,
        or asked when ``ask``), else the user's client locale, else None (English)."""
        known = self.rasa.known_language(conversation)
        if known:
            return known
        if ask:
            try:
                asked = await self.rasa.conversation_language(conversation)
            except RasaUnavailable:
                asked = None
            if asked:
                return asked
        return hint_language(self.locales.get(user_id))

    def conversation_of(self, user_id: int, channel: Any, guild: Any) -> str | None:
        """The conversation of a message, or None when it is not for us."""
        if guild is None:
            return dm_conversation(user_id, self.settings)
        if self.channel_id is not None and getattr(channel, "id", None) == self.channel_id:
            return channel_conversation(user_id, self.channel_id, self.settings)
        return None

    async def handle_message(self, message: Any) -> None:
        """Handle a message the client received (``on_message``)."""
        author = message.author
        if getattr(author, "bot", False) or author.id == self.bot_user_id:
            return
        conversation = self.conversation_of(author.id, message.channel, message.guild)
        if conversation is None:
            return
        private = message.guild is None
        text = message.content or ""
        command = bot_command(text) if text.startswith("/") else None
        if command is not None and command.name in ("link", "unlink"):
            language = await self.language(conversation, author.id)
            if not private:
                with contextlib.suppress(discord.HTTPException, AttributeError):
                    await message.delete()  # best effort: the code should not stay visible
                await message.channel.send(tr(language, LINK_IN_PRIVATE))
                return
            reply = await self.services.account_command(command, str(author.id), language)
            if reply is not None:
                await message.channel.send(reply.text)
                if reply.changed:
                    await self._forward(
                        message.channel, conversation, author.id, "/session_start",
                        private=True, quiet=True, kind="notice",
                    )
                return
        if message.attachments:
            if not private:
                language = await self.language(conversation, author.id)
                await message.channel.send(tr(language, FILES_IN_PRIVATE))
                return
            for attachment in message.attachments:
                await self._handle_attachment(message.channel, conversation, author.id,
                                              attachment, text)
            said = caption_text(text)
            if said:
                # The words sent with the files are the customer's message (issue 15).
                await self._forward(message.channel, conversation, author.id, said,
                                    private=private)
            return
        if text.strip():
            # Normalised, length-capped and never a payload on the Rasa side (admit).
            await self._forward(message.channel, conversation, author.id, text,
                                private=private)

    async def handle_interaction(self, interaction: Any) -> None:
        """Handle a button press (``on_interaction``): acknowledge it, forward its payload."""
        if interaction.type != discord.InteractionType.component:
            return
        data = interaction.data or {}
        custom_id = data.get("custom_id") if isinstance(data, dict) else None
        text = text_for_custom_id(custom_id) if isinstance(custom_id, str) else None
        if text is None:
            return
        user = interaction.user
        conversation = self.conversation_of(user.id, interaction.channel, interaction.guild)
        if conversation is None:
            return
        locale = normalise_locale(getattr(getattr(interaction, "locale", None), "value", None)
                                  or getattr(interaction, "locale", None))
        if locale:
            self.locales[user.id] = locale
        await interaction.response.defer()
        if custom_id not in message_custom_ids(interaction.message):
            logger.warning("Refused a Discord button press that matches no button sent.")
            return
        await self._forward(interaction.channel, conversation, user.id, text,
                            private=interaction.guild is None,
                            kind="button" if custom_id.startswith(PAYLOAD_PREFIX) else "text")

    async def _handle_attachment(
        self, channel: Any, conversation: str, user_id: int, attachment: Any, caption: str
    ) -> None:
        try:
            customer_id = await self.services.customer_for(str(user_id))
            try:
                claims_of_conversation = await self.rasa.conversation_claims(conversation)
            except RasaUnavailable as exc:
                raise EvidenceNotStored(RASA_UNAVAILABLE) from exc
            target = await self.services.target_for_file(
                conversation_id=conversation, conversation=claims_of_conversation,
                customer_id=customer_id, caption=caption,
            )
            content_type = getattr(attachment, "content_type", None)
            media = "video" if (content_type or "").startswith("video/") else (
                "photo" if (content_type or "").startswith("image/") else "document"
            )
            kind = evidence_kind(media, caption, content_type, claims_of_conversation.awaited)
            if attachment.size > DISCORD_MAX_FILE_BYTES:
                # Bigger than we fetch from Discord (a Nitro user may attach more): a
                # one-time link to the website's upload page for this file (issue 15).
                language = await self.language(conversation, user_id, ask=False)
                token = await asyncio.to_thread(
                    UploadLinks.for_settings(self.settings).issue,
                    conversation_id=conversation, customer_id=customer_id, channel=CHANNEL,
                    target=target, kind=kind, language=language,
                )
                await channel.send(tr(
                    language, LINK_OFFER, size_mb=f"{attachment.size / (1024 * 1024):.0f}",
                    limit_mb=DISCORD_MAX_FILE_BYTES // (1024 * 1024),
                    hours=int(LINK_TTL.total_seconds() // 3600),
                    url=public_upload_url(self.settings, token),
                ))
                return
            data = await _download(attachment)
            evidence_id = await self.services.store_file(
                target, conversation_id=conversation, customer_id=customer_id,
                kind=kind, filename=attachment.filename, data=data,
            )
        except (EvidenceNotStored, AccountsUnavailable) as exc:
            # Rasa was asked for the claim (and so the language) unless it is what failed.
            language = await self.language(conversation, user_id, ask=False)
            if isinstance(exc, EvidenceNotStored):
                await channel.send(exc.text(language))
            else:
                await channel.send(tr(language, ACCOUNTS_UNAVAILABLE))
            return
        await self._forward(channel, conversation, user_id, inform_message(kind, evidence_id),
                            private=True, customer_id=customer_id, kind="notice")

    async def _forward(
        self,
        channel: Any,
        conversation: str,
        user_id: int,
        text: str,
        *,
        private: bool,
        quiet: bool = False,
        customer_id: str | None | bool = False,
        kind: str = "text",
    ) -> None:
        """Send a message to Rasa and the replies back to ``channel`` (``kind``: what the
        Rasa side's intake is told the text is: ``text``, ``button`` or ``notice``)."""
        try:
            if customer_id is False:
                customer_id = await self.services.customer_for(str(user_id)) if private else None
        except AccountsUnavailable:
            language = await self.language(conversation, user_id)
            await channel.send(tr(language, ACCOUNTS_UNAVAILABLE))
            return
        assert customer_id is None or isinstance(customer_id, str)
        try:
            replies = await self.rasa.send(
                conversation, text,
                channel_metadata(CHANNEL, customer_id, self.locales.get(user_id)), kind,
            )
        except RasaUnavailable as exc:
            logger.error("Rasa unavailable for a Discord message (%s)", exc)
            language = await self.language(conversation, user_id, ask=False)
            await channel.send(tr(language, RASA_UNAVAILABLE))
            return
        if not quiet:
            await send_replies(channel, replies, await self.language(conversation, user_id,
                                                                     ask=False))


async def _download(attachment: Any) -> bytes:
    """The attachment's bytes from Discord's CDN.

    Attachment links are signed and expire (``ex`` in the URL, about a day): Discord then
    answers 404 "This content is no longer available." (403 for a bad signature), which
    discord.py raises as ``NotFound``/``Forbidden``. That, or any other failure, is told to
    the customer (send the file again: a new message has a fresh link) instead of leaving
    them without an answer.

    Raises:
        EvidenceNotStored: the file could not be fetched.
    """
    try:
        return bytes(await attachment.read())
    except (discord.NotFound, discord.Forbidden) as exc:
        logger.warning("Discord attachment link refused (%s): expired or invalid", exc.status)
        raise EvidenceNotStored(STORE_FAILED) from exc
    except (discord.HTTPException, aiohttp.ClientError, asyncio.TimeoutError) as exc:
        logger.warning("Discord attachment not downloaded (%s)", type(exc).__name__)
        raise EvidenceNotStored(STORE_FAILED) from exc


class CSSecureDiscordClient(discord.Client):
    """The discord.py client of the bot process."""

    def __init__(self, bridge: DiscordBridge) -> None:
        """Listen to direct and server messages (message content is a privileged intent)."""
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(intents=intents)
        self.bridge = bridge

    async def on_ready(self) -> None:
        """Remember our own id (never answer ourselves)."""
        self.bridge.bot_user_id = self.user.id if self.user else None
        logger.info("Discord bot connected.")

    async def on_message(self, message: discord.Message) -> None:
        """Each message the bot can see."""
        try:
            await self.bridge.handle_message(message)
        except discord.HTTPException as exc:
            logger.warning("Discord refused a reply (%s)", exc.status)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Button presses."""
        try:
            await self.bridge.handle_interaction(interaction)
        except discord.HTTPException as exc:
            logger.warning("Discord refused an interaction reply (%s)", exc.status)

    async def close(self) -> None:
        """Close the Rasa session too."""
        await self.bridge.rasa.close()
        await super().close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the bot until stopped; exit status 2 when DISCORD_TOKEN is not set."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    install_log_escaping()
    settings = Settings.from_env()
    if not settings.discord_token:
        print("DISCORD_TOKEN is not set: the Discord bot is not started.", file=sys.stderr)
        return 2
    rasa = RasaBridge(settings.rasa_url, bridge_key(settings))
    bridge = DiscordBridge(settings, rasa, ChatServices(CHANNEL, settings))
    CSSecureDiscordClient(bridge).run(settings.discord_token, log_handler=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
