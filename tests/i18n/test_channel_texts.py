"""The channels' own texts in the customer's language (issue 14).

What a channel says itself (refusals, account replies, a file's trouble) is said before or
outside the dialogue: in the conversation's language (what the Rasa server last saw, else
the tracker store's ``language`` slot), else the channel's locale hint, else English.

A "shouting" test catalog stands in for the German ``.po`` file: every text is "translated"
to its English in capitals (placeholders kept), so a German answer with a lower-case word
bypassed ``tr``; a small French table checks placeholders are filled. English is compared
with the texts the channels always sent.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from channels.fakes import FakeAgent, FakeTelegramAPI, echo_reply, post_json, rasa_app
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet

from cssecure.channels import intake
from cssecure.channels.chat import LINK_USAGE, ChatServices
from cssecure.channels.common import (
    MAX_MESSAGE_CHARS,
    TOO_LONG_REPLY,
    bot_command,
    conversation_id,
    too_long_reply,
)
from cssecure.channels.discord import (
    DiscordInput,
    bridge_key,
    channel_conversation,
    dm_conversation,
)
from cssecure.channels.discord_bridge import (
    FILES_IN_PRIVATE,
    LINK_IN_PRIVATE,
    RASA_UNAVAILABLE,
    DiscordBridge,
    RasaBridge,
    send_replies,
)
from cssecure.channels.evidence import LOOSE, EvidenceNotStored, claim_not_yours, store_evidence
from cssecure.channels.intake import REFUSED_LENGTH, REFUSED_RATE, admit, notice_language
from cssecure.channels.rest import CSSecureRestInput
from cssecure.channels.telegram import (
    HELP_TEXT,
    PRIVATE_ONLY,
    SECRET_HEADER,
    UNSUPPORTED_MESSAGE,
    CSSecureTelegramInput,
)
from cssecure.claims.db import upgrade
from cssecure.claims.errors import EvidenceRejected
from cssecure.i18n import catalog
from cssecure.i18n.catalog import N_, Message
from cssecure.settings import Settings
from tests.i18n_support import ShoutingCatalog, shout

TELEGRAM_TOKEN = "123456:TEST-telegram-token"
SERVICE_TOKEN = "service-token-for-tests"
CHAT = 4242
USER = 111222333
SUPPORT_CHANNEL = 9000

# A tracker store whose conversations have the slots the channels read.
DOMAIN = Domain.from_dict(
    {
        "slots": {
            name: {"type": "text", "mappings": [{"type": "custom"}]}
            for name in ("claim_ref", "claim_draft_id", "language")
        }
    }
)


FRENCH = {
    "I could not find claim {reference} among your claims, so I did not store this file. "
    "Please check the reference, or send the file again without it: I will ask you which "
    "claim it is for.": "Je ne trouve pas la demande {reference} parmi les vôtres : le "
    "fichier n'est pas enregistré.",
    "That message is too long for me (at most {limit} characters). Please send it in "
    "shorter parts.": "Ce message est trop long (au plus {limit} caractères).",
}


@pytest.fixture()
def catalogs(monkeypatch: pytest.MonkeyPatch) -> None:
    """``de``: the shouting catalog; ``fr``: ``FRENCH``; every other language: English."""
    french = {english: (text,) for english, text in FRENCH.items()}
    monkeypatch.setattr(
        catalog, "_translations",
        lambda lang: ShoutingCatalog() if lang == "de" else french if lang == "fr" else {},
    )


@pytest.fixture(autouse=True)
def _forget_languages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no conversation language remembered by the process."""
    monkeypatch.setattr(intake, "_languages", OrderedDict())


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def agent_with_language(conversation: str | None = None, language: str | None = None) -> FakeAgent:
    """A stand-in Rasa agent whose tracker store knows the ``language`` slot (set for
    ``conversation`` when given)."""
    agent = FakeAgent(echo_reply, tracker_store=InMemoryTrackerStore(DOMAIN))
    if conversation and language:
        run(set_language(agent, conversation, language))
    return agent


async def set_language(agent: FakeAgent, conversation: str, language: str) -> None:
    """What action_validate_slot_mappings does: the conversation's ``language`` slot."""
    tracker = await agent.tracker_store.get_or_create_tracker(conversation)
    tracker.update(SlotSet("language", language))
    await agent.tracker_store.save(tracker)


# --------------------------------------------------------------------------- intake


def test_english_refusals_are_unchanged(catalogs: None) -> None:
    assert too_long_reply() == too_long_reply("en") == TOO_LONG_REPLY == (
        f"That message is too long for me (at most {MAX_MESSAGE_CHARS} characters). "
        "Please send it in shorter parts."
    )
    refused = run(admit("rest", "conv-1", "z" * (MAX_MESSAGE_CHARS + 1)))
    assert (refused.refused, refused.reply) == (REFUSED_LENGTH, TOO_LONG_REPLY)


def test_a_too_long_message_is_refused_in_the_conversations_stored_language(
    catalogs: None,
) -> None:
    agent = agent_with_language("conv-fr", "fr")
    long = "z" * (MAX_MESSAGE_CHARS + 1)
    stored = run(admit("rest", "conv-fr", long, agent=agent, hint="de-AT"))
    assert stored.reply == f"Ce message est trop long (au plus {MAX_MESSAGE_CHARS} caractères)."
    # No language stored yet: the channel's hint; none: English.
    hinted = run(admit("rest", "conv-new", long, agent=agent, hint="de-AT"))
    assert hinted.reply == shout(TOO_LONG_REPLY)
    assert run(admit("rest", "conv-new", long, agent=agent)).reply == TOO_LONG_REPLY
    # Far too long to be read at all: the same.
    huge = run(admit("rest", "conv-fr", "z" * (5 * MAX_MESSAGE_CHARS), agent=agent))
    assert huge.reply is not None and huge.reply.startswith("Ce message est trop long")


class _UnreadableStore:
    """A tracker store that must not be read (a flood)."""

    async def retrieve(self, conversation_id: str) -> Any:
        raise AssertionError("the tracker store was read for a refused message")


@dataclass
class _FloodedAgent:
    tracker_store: Any = field(default_factory=_UnreadableStore)


def test_a_rate_refusal_never_reads_the_store_and_uses_what_the_server_saw(
    catalogs: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cssecure.security import limits

    monkeypatch.setattr(limits, "check_message", lambda *a: (False, limits.MESSAGE_REFUSED))
    monkeypatch.setattr(limits, "refusal_delay_seconds", lambda: 0)
    agent = _FloodedAgent()
    hinted = run(admit("rest", "conv-9", "hi", agent=agent, hint="de"))
    assert (hinted.refused, hinted.reply) == (REFUSED_RATE, shout(limits.MESSAGE_REFUSED))
    assert run(admit("rest", "conv-9", "hi", agent=agent)).reply == limits.MESSAGE_REFUSED
    intake.remember_language("conv-9", "de")
    assert run(admit("rest", "conv-9", "hi", agent=agent, hint="en")).reply == shout(
        limits.MESSAGE_REFUSED
    )


def test_the_language_of_a_notice_is_the_servers_then_the_stores_then_the_hint() -> None:
    agent = agent_with_language("conv-1", "fr")
    assert run(notice_language(agent, "conv-1", "de")) == "fr"
    intake.remember_language("conv-1", "pl")  # the processor saw a newer one
    assert run(notice_language(agent, "conv-1", "de")) == "pl"
    assert run(notice_language(agent, "conv-1", "de", read_store=False)) == "pl"
    assert run(notice_language(agent, "conv-2", "pt-BR")) == "pt"
    assert run(notice_language(agent, "conv-2", "zh-Hant")) is None
    assert run(notice_language(None, None, None)) is None
    # A conversation the server saw without a language is English, whatever the hint.
    intake.remember_language("conv-3", None)
    assert run(notice_language(agent, "conv-3", "de")) == "en"


def test_the_remembered_languages_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intake, "_MAX_REMEMBERED", 3)
    for n in range(5):
        intake.remember_language(f"c{n}", "de")
    assert [intake.remembered_language(f"c{n}") for n in range(5)] == [
        None, None, "de", "de", "de"
    ]


# ------------------------------------------------------------ evidence and accounts


def test_a_files_trouble_is_told_in_the_customers_language(catalogs: None) -> None:
    assert claim_not_yours("CS-2026-000001", "fr") == (
        "Je ne trouve pas la demande CS-2026-000001 parmi les vôtres : le fichier n'est pas "
        "enregistré."
    )
    refused = EvidenceNotStored("I could not find claim {reference} among your claims, so I "
                                "did not store this file. Please check the reference, or "
                                "send the file again without it: I will ask you which claim "
                                "it is for.", reference="CS-2026-000001")
    assert str(refused) == claim_not_yours("CS-2026-000001") == refused.text(None)
    assert refused.text("fr").startswith("Je ne trouve pas la demande CS-2026-000001")
    # The claims store's own refusal is passed on as it words it.
    theirs = EvidenceNotStored("The file 'a.exe' is not a photo, video or PDF.",
                               translated=False)
    assert theirs.text("de") == theirs.text(None) == (
        "The file 'a.exe' is not a photo, video or PDF."
    )


class _RefusingStore:
    """A claims store that refuses every file, explaining why (``ClaimsError.explanation``)."""

    def attach_loose_evidence(self, *args: Any) -> dict[str, Any]:
        raise EvidenceRejected(Message(N_("The file {name} is empty; please send it again."),
                                       {"name": "'a.jpg'"}))


def test_the_claims_stores_refusal_of_a_file_is_told_in_the_customers_language(
    catalogs: None,
) -> None:
    with pytest.raises(EvidenceNotStored) as refused:
        store_evidence(_RefusingStore(), LOOSE, conversation_id="c", customer_id=None,  # type: ignore[arg-type]
                       kind="photo", filename="a.jpg", data=b"", channel="telegram")
    assert str(refused.value) == refused.value.text() == (
        "The file 'a.jpg' is empty; please send it again."
    )
    assert refused.value.text("de") == "THE FILE 'a.jpg' IS EMPTY; PLEASE SEND IT AGAIN."


def test_account_replies_follow_the_language(catalogs: None, tmp_path: Path) -> None:
    services = ChatServices("telegram", Settings.from_env({"CSSECURE_VAR_DIR": str(tmp_path)}))
    command = bot_command("/link")
    assert command is not None
    english = run(services.account_command(command, "7"))
    german = run(services.account_command(command, "7", "de"))
    assert english is not None and english.text == LINK_USAGE
    assert german is not None and german.text == shout(LINK_USAGE)


# ----------------------------------------------------------------------- Telegram


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'claims.db'}"
    upgrade(url)
    return url


def settings_for(tmp_path: Path, url: str, **env: str) -> Settings:
    return Settings.from_env({
        "CSSECURE_VAR_DIR": str(tmp_path),
        "CSSECURE_DATABASE_URL": url,
        "RASA_TOKEN": SERVICE_TOKEN,
        "TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_SECRET_TOKEN": "webhook-secret-" + secrets.token_hex(8),
        "DISCORD_TOKEN": "discord-test-token",
        "DISCORD_CHANNEL_ID": str(SUPPORT_CHANNEL),
        **env,
    })


@pytest.fixture
def bot_api() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI(TELEGRAM_TOKEN) as fake:
        yield fake  # type: ignore[misc]


def update(n: int, content: dict[str, Any], chat_type: str = "private",
           language: str | None = None) -> dict[str, Any]:
    sender: dict[str, Any] = {"id": CHAT, "is_bot": False, "first_name": "Ana"}
    if language:
        sender["language_code"] = language
    chat = {"id": CHAT if chat_type == "private" else -100, "type": chat_type}
    return {"update_id": n, "message": {"message_id": n, "date": 1700000000, "chat": chat,
                                        "from": sender, **content}}


def test_telegrams_own_texts_in_the_stored_language_else_the_users_client_language(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI, catalogs: None
) -> None:
    settings = settings_for(tmp_path, sqlite_url, TELEGRAM_API_URL=bot_api.url)
    assert settings.telegram_secret_token
    conversation = conversation_id("telegram", str(CHAT), settings.telegram_secret_token)
    agent = agent_with_language()
    sticker = {"sticker": {"file_id": "s"}}

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            url = f"{base}/webhooks/telegram/webhook"
            headers = {SECRET_HEADER: str(settings.telegram_secret_token)}
            steps = [
                update(1, {"text": "/start"}, "group", "de"),  # a group: the hint only
                update(2, sticker, language="de-AT"),          # nothing stored: the hint
                update(3, sticker),                            # nothing at all: English
            ]
            for body in steps:
                await post_json(url, body, headers)
            await set_language(agent, conversation, "de")
            await post_json(url, update(4, {"text": "/help"}, language="en"), headers)
            await set_language(agent, conversation, "en")
            await post_json(url, update(5, sticker, language="de"), headers)

    run(scenario())
    assert bot_api.sent_texts() == [
        shout(PRIVATE_ONLY), shout(UNSUPPORTED_MESSAGE), UNSUPPORTED_MESSAGE,
        shout(HELP_TEXT), UNSUPPORTED_MESSAGE,
    ]


# ------------------------------------------------------------------------ Discord


@dataclass
class FakeUser:
    id: int
    bot: bool = False


@dataclass
class FakeChannel:
    id: int
    sent: list[tuple[str | None, Any]] = field(default_factory=list)

    async def send(self, content: str | None = None, *, view: Any = None) -> None:
        self.sent.append((content, view))

    def texts(self) -> list[str | None]:
        return [content for content, _ in self.sent]


@dataclass
class FakeMessage:
    author: FakeUser
    channel: FakeChannel
    content: str
    guild: Any = None
    attachments: list[Any] = field(default_factory=list)

    async def delete(self) -> None:
        return None


def test_discords_own_texts_follow_the_language_rasa_tells(
    tmp_path: Path, sqlite_url: str, catalogs: None
) -> None:
    settings = settings_for(tmp_path, sqlite_url)
    public = channel_conversation(USER, SUPPORT_CHANNEL, settings)
    agent = agent_with_language(public, "de")
    dm, support = FakeChannel(77), FakeChannel(SUPPORT_CHANNEL)
    attachment = object()

    async def scenario() -> None:
        async with rasa_app(DiscordInput(settings), agent) as base:
            rasa = RasaBridge(base, bridge_key(settings))
            bridge = DiscordBridge(settings, rasa, ChatServices("discord", settings))
            bridge.bot_user_id = 1
            try:
                await bridge.handle_message(
                    FakeMessage(FakeUser(USER), support, "/link ABC123", guild=object()))
                await bridge.handle_message(FakeMessage(
                    FakeUser(USER), support, "", guild=object(), attachments=[attachment]))
                # Rasa answers a DM with its conversation's language (none yet: English).
                await bridge.handle_message(FakeMessage(FakeUser(USER), dm, "hello"))
                assert rasa.known_language(dm_conversation(USER, settings)) is None
                await set_language(agent, dm_conversation(USER, settings), "de")
                await bridge.handle_message(FakeMessage(FakeUser(USER), dm, "hallo"))
                assert rasa.known_language(dm_conversation(USER, settings)) == "de"
            finally:
                await rasa.close()

    run(scenario())
    assert support.texts() == [shout(LINK_IN_PRIVATE), shout(FILES_IN_PRIVATE)]
    assert dm.texts() == ["echo: hello", "echo: hallo"]


def test_discord_without_rasa_speaks_the_users_client_language(
    tmp_path: Path, sqlite_url: str, catalogs: None
) -> None:
    settings = settings_for(tmp_path, sqlite_url)
    dm = FakeChannel(77)

    async def scenario() -> None:
        rasa = RasaBridge("http://127.0.0.1:9", bridge_key(settings))
        bridge = DiscordBridge(settings, rasa, ChatServices("discord", settings))
        await bridge.handle_message(FakeMessage(FakeUser(USER), dm, "hello"))
        bridge.locales[USER] = "de-DE"  # from a button press
        await bridge.handle_message(FakeMessage(FakeUser(USER), dm, "hallo"))
        await send_replies(dm, [{"text": "", "buttons": [{"title": "Ja", "payload": "/affirm"}]}],
                           "de")
        await rasa.close()

    run(scenario())
    assert dm.texts() == [RASA_UNAVAILABLE, shout(RASA_UNAVAILABLE), "PLEASE CHOOSE:"]


# --------------------------------------------------------------------------- REST


def test_rest_refuses_a_too_long_message_in_the_conversations_language(
    tmp_path: Path, sqlite_url: str, catalogs: None
) -> None:
    settings = settings_for(tmp_path, sqlite_url)
    agent = agent_with_language("script-de", "de")
    long = "z" * (MAX_MESSAGE_CHARS + 1)

    async def scenario() -> list[Any]:
        async with rasa_app(CSSecureRestInput(settings), agent) as base:
            url = f"{base}/webhooks/rest/webhook"
            return [
                (await post_json(url, {"sender": "script-de", "message": long}))[1],
                (await post_json(url, {"sender": "script-en", "message": long}))[1],
            ]

    assert run(scenario()) == [
        [{"recipient_id": "script-de", "text": shout(TOO_LONG_REPLY)}],
        [{"recipient_id": "script-en", "text": TOO_LONG_REPLY}],
    ]
