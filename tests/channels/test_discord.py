"""Discord channel: the bot's real message handling, with fakes only at the discord.py
boundary (messages, channels, interactions), the Rasa round trip through the real
``DiscordInput`` routes on a loopback server, and pushes to a loopback fake Discord API.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
import pytest

from cssecure.channels.chat import ChatServices
from cssecure.channels.discord import (
    DiscordInput,
    bridge_key,
    channel_conversation,
    dm_conversation,
    push_conversation,
    push_discord,
)
from cssecure.channels.discord_bridge import (
    FILES_IN_PRIVATE,
    LINK_IN_PRIVATE,
    RASA_UNAVAILABLE,
    DiscordBridge,
    RasaBridge,
)
from cssecure.channels.evidence import ConversationClaims, claim_not_yours
from cssecure.identity.linking import LinkStore
from cssecure.ops.launch import free_port
from cssecure.settings import Settings

from .conftest import (
    DISCORD_TOKEN,
    JPEG,
    SERVICE_TOKEN,
    claims_app,
    draft_kinds,
    evidence_ids,
    file_lost_claim,
    make_settings,
)
from .fakes import (
    FakeAgent,
    FakeDiscordAPI,
    echo_reply,
    post_json,
    rasa_app,
    run,
    set_slots,
    utf16_units,
)

USER = 111222333
OTHER_USER = 444555666
SUPPORT_CHANNEL = 9000
OTHER_CHANNEL = 9001
GUILD = object()


# --- fakes of discord.py objects (the boundary) ---------------------------------------------


@dataclass
class FakeUser:
    id: int
    bot: bool = False


@dataclass
class FakeChannel:
    id: int
    sent: list[tuple[str | None, discord.ui.View | None]] = field(default_factory=list)

    async def send(self, content: str | None = None, *, view: Any = None) -> None:
        # Discord refuses content over 2000 characters (400, code 50035: see fakes.py).
        assert utf16_units(content or "") <= 2000, "Discord would refuse: 400 code 50035"
        self.sent.append((content, view))

    def texts(self) -> list[str | None]:
        return [content for content, _ in self.sent]


@dataclass
class FakeAttachment:
    filename: str
    data: bytes
    content_type: str | None
    size: int = -1

    def __post_init__(self) -> None:
        if self.size < 0:
            self.size = len(self.data)

    async def read(self) -> bytes:
        return self.data


@dataclass
class FakeMessage:
    author: FakeUser
    channel: FakeChannel
    content: str = ""
    guild: Any = None
    attachments: list[FakeAttachment] = field(default_factory=list)
    deleted: bool = False

    async def delete(self) -> None:
        self.deleted = True


@dataclass
class FakeResponse:
    deferred: int = 0

    async def defer(self) -> None:
        self.deferred += 1


@dataclass
class FakeSentMessage:
    """A message the bot sent, with its components as discord.py parses them."""

    components: list[discord.ActionRow]


@dataclass
class FakeInteraction:
    user: FakeUser
    channel: FakeChannel
    data: dict[str, Any]
    message: FakeSentMessage
    guild: Any = None
    type: discord.InteractionType = discord.InteractionType.component
    response: FakeResponse = field(default_factory=FakeResponse)


def as_sent(view: discord.ui.View) -> FakeSentMessage:
    """The message Discord would hand back for a view we sent."""
    return FakeSentMessage([discord.ActionRow(row) for row in view.to_components()])


# --- harness ------------------------------------------------------------------------------


@pytest.fixture
def discord_api() -> Iterator[FakeDiscordAPI]:
    with FakeDiscordAPI(DISCORD_TOKEN) as fake:
        yield fake  # type: ignore[misc]


def settings_for(tmp_path: Path, db_url: str, **env: str) -> Settings:
    return make_settings(tmp_path, db_url, DISCORD_CHANNEL_ID=str(SUPPORT_CHANNEL), **env)


class Harness:
    """The bot process's bridge wired to Rasa's Discord channel on a loopback server."""

    def __init__(self, settings: Settings, agent: FakeAgent, base: str) -> None:
        self.rasa = RasaBridge(base, bridge_key(settings))
        self.bridge = DiscordBridge(settings, self.rasa, ChatServices("discord", settings))
        self.bridge.bot_user_id = 1


async def with_bridge(settings: Settings, agent: FakeAgent, steps: Any) -> None:
    async with rasa_app(DiscordInput(settings), agent) as base:
        harness = Harness(settings, agent, base)
        try:
            await steps(harness.bridge)
        finally:
            await harness.rasa.close()


# --- messages -----------------------------------------------------------------------------


def test_direct_and_configured_channel_messages_are_handled_other_channels_ignored(
    tmp_path: Path, sqlite_url: str
) -> None:
    settings = settings_for(tmp_path, sqlite_url)
    agent = FakeAgent(echo_reply)
    dm, support, other = FakeChannel(77), FakeChannel(SUPPORT_CHANNEL), FakeChannel(OTHER_CHANNEL)

    async def steps(bridge: DiscordBridge) -> None:
        await bridge.handle_message(FakeMessage(FakeUser(USER), dm, "my parcel is lost"))
        await bridge.handle_message(FakeMessage(FakeUser(USER), support, "what is covered?",
                                                guild=GUILD))
        await bridge.handle_message(FakeMessage(FakeUser(USER), other, "hello?", guild=GUILD))
        await bridge.handle_message(FakeMessage(FakeUser(5, bot=True), dm, "a bot"))
        await bridge.handle_message(FakeMessage(FakeUser(1), dm, "myself"))

    run(with_bridge(settings, agent, steps))
    assert [(m.text, m.sender_id) for m in agent.messages] == [
        ("my parcel is lost", dm_conversation(USER, settings)),
        ("what is covered?", channel_conversation(USER, SUPPORT_CHANNEL, settings)),
    ]
    assert all(m.input_channel == "discord" for m in agent.messages)
    assert agent.messages[0].metadata == {"channel": "discord", "customer_id": None,
                                          "verified": False}
    assert dm.texts() == ["echo: my parcel is lost"]
    assert support.texts() == ["echo: what is covered?"]
    assert other.sent == []


def test_buttons_are_rendered_as_components_and_a_press_sends_the_payload(
    tmp_path: Path, sqlite_url: str
) -> None:
    settings = settings_for(tmp_path, sqlite_url)
    agent = FakeAgent(echo_reply)
    dm = FakeChannel(77)
    presses: list[FakeInteraction] = []

    async def steps(bridge: DiscordBridge) -> None:
        await bridge.handle_message(FakeMessage(FakeUser(USER), dm, "buttons"))
        content, view = dm.sent[0]
        assert content == "Was the parcel insured?" and view is not None
        assert view.to_components() == [{"type": 1, "components": [
            {"type": 2, "style": 1, "label": "Yes", "custom_id": "cs:/affirm", "disabled": False},
            {"type": 2, "style": 1, "label": "No", "custom_id": "cs:/deny", "disabled": False},
        ]}]
        press = FakeInteraction(FakeUser(USER), dm, {"custom_id": "cs:/affirm",
                                                     "component_type": 2}, as_sent(view))
        forged = FakeInteraction(FakeUser(USER), dm, {"custom_id": "cs:/inform{\"x\":1}",
                                                      "component_type": 2}, as_sent(view))
        presses.extend([press, forged])
        await bridge.handle_interaction(press)
        await bridge.handle_interaction(forged)

    run(with_bridge(settings, agent, steps))
    assert [m.text for m in agent.messages] == ["buttons", "/affirm"]
    assert agent.messages[1].sender_id == dm_conversation(USER, settings)
    assert [p.response.deferred for p in presses] == [1, 1]  # both acknowledged
    assert dm.texts()[-1] == "echo: /affirm"


def test_too_long_and_intent_syntax_messages(tmp_path: Path, sqlite_url: str) -> None:
    settings = settings_for(tmp_path, sqlite_url)
    agent = FakeAgent(echo_reply)
    dm = FakeChannel(77)

    async def steps(bridge: DiscordBridge) -> None:
        await bridge.handle_message(FakeMessage(FakeUser(USER), dm, "z" * 2001))
        await bridge.handle_message(FakeMessage(FakeUser(USER), dm, '/inform{"evidence_id":"1"}'))

    run(with_bridge(settings, agent, steps))
    assert "too long" in (dm.texts()[0] or "")
    assert [m.text for m in agent.messages] == ['inform{"evidence_id":"1"}']


def test_rasa_down_gets_a_clear_message(tmp_path: Path, sqlite_url: str) -> None:
    settings = settings_for(tmp_path, sqlite_url)
    dm = FakeChannel(77)

    async def scenario() -> None:
        rasa = RasaBridge(f"http://127.0.0.1:{free_port()}", bridge_key(settings))
        bridge = DiscordBridge(settings, rasa, ChatServices("discord", settings))
        await bridge.handle_message(FakeMessage(FakeUser(USER), dm, "hello"))
        await rasa.close()

    run(scenario())
    assert dm.texts() == [RASA_UNAVAILABLE]


# --- the Rasa-side channel ----------------------------------------------------------------


def test_rasa_channel_refuses_wrong_keys_forged_senders_and_customers_in_the_public_channel(
    tmp_path: Path, sqlite_url: str
) -> None:
    settings = settings_for(tmp_path, sqlite_url)
    agent = FakeAgent(echo_reply)
    linked = {"channel": "discord", "customer_id": "demo-alice", "verified": True}

    async def scenario() -> list[int]:
        async with rasa_app(DiscordInput(settings), agent) as base:
            url = f"{base}/webhooks/discord/webhook"
            key = {"Authorization": f"Bearer {bridge_key(settings)}"}
            body = {"sender": dm_conversation(USER, settings), "text": "hi", "metadata": linked}
            statuses = [
                (await post_json(url, body))[0],
                (await post_json(url, body, {"Authorization": f"Bearer {SERVICE_TOKEN}"}))[0],
                (await post_json(url, {**body, "sender": f"discord-{USER}-0000"}, key))[0],
                (await post_json(url, body, key))[0],
                (await post_json(url, {**body, "sender": channel_conversation(
                    USER, SUPPORT_CHANNEL, settings)}, key))[0],
            ]
            return statuses

    assert run(scenario()) == [401, 401, 400, 200, 200]
    assert [m.metadata for m in agent.messages] == [
        linked, {"channel": "discord", "customer_id": None, "verified": False}]


# --- account linking ----------------------------------------------------------------------


def test_link_code_works_once_in_a_dm_and_is_refused_in_the_public_channel(
    tmp_path: Path, database_url: str
) -> None:
    settings = settings_for(tmp_path, database_url)
    store = LinkStore.from_url(database_url)
    exposed = store.issue_code("demo-bob").to_json()["code"]
    agent = FakeAgent(echo_reply)
    dm, other_dm, support = FakeChannel(77), FakeChannel(78), FakeChannel(SUPPORT_CHANNEL)
    public = FakeMessage(FakeUser(USER), support, f"/link {exposed}", guild=GUILD)

    async def steps(bridge: DiscordBridge) -> None:
        await bridge.handle_message(public)
        code = store.issue_code("demo-alice").to_json()["code"]
        await bridge.handle_message(FakeMessage(FakeUser(USER), dm, "hi"))
        await bridge.handle_message(FakeMessage(FakeUser(USER), dm, f"/link {code}"))
        tracker = await agent.tracker_store.retrieve(dm_conversation(USER, settings))
        assert tracker is not None
        assert tracker.get_slot("session_started_metadata") == {
            "channel": "discord", "customer_id": "demo-alice", "verified": True}
        await bridge.handle_message(FakeMessage(FakeUser(USER), dm, "my claims"))
        await bridge.handle_message(FakeMessage(FakeUser(USER), support, "my claims",
                                                guild=GUILD))
        await bridge.handle_message(FakeMessage(FakeUser(OTHER_USER), other_dm,
                                                f"/link {code}"))

    run(with_bridge(settings, agent, steps))
    assert support.texts()[0] == LINK_IN_PRIVATE and public.deleted
    assert (dm.texts()[1] or "").startswith("Done: this chat is now linked")
    assert "already been used" in (other_dm.texts()[0] or "")
    alice = {"channel": "discord", "customer_id": "demo-alice", "verified": True}
    anonymous = {"channel": "discord", "customer_id": None, "verified": False}
    assert [(m.text, m.metadata) for m in agent.messages] == [
        ("hi", anonymous),
        ("/session_start", alice),
        ("my claims", alice),
        ("my claims", anonymous),  # the public channel never carries the customer
    ]
    assert dm.texts()[2:] == ["echo: my claims"]  # the session refresh says nothing


# --- evidence -----------------------------------------------------------------------------


def test_an_attachment_is_stored_as_evidence_and_the_bot_is_told(
    tmp_path: Path, database_url: str
) -> None:
    settings = settings_for(tmp_path, database_url)
    app = claims_app(settings)
    conversation = dm_conversation(USER, settings)
    reference = file_lost_claim(app, customer_id=None, channel="discord",
                                conversation=conversation)
    agent = FakeAgent(echo_reply)
    dm, support = FakeChannel(77), FakeChannel(SUPPORT_CHANNEL)
    photo = FakeAttachment("IMG_2041.jpg", JPEG, "image/jpeg")

    async def steps(bridge: DiscordBridge) -> None:
        await set_slots(agent, conversation, claim_ref=reference)
        await bridge.handle_message(FakeMessage(FakeUser(USER), support, "", guild=GUILD,
                                                attachments=[photo]))
        await bridge.handle_message(FakeMessage(FakeUser(USER), dm, "", attachments=[photo]))
        big = FakeAttachment("long.mp4", b"", "video/mp4", size=25 * 1024 * 1024 + 1)
        await bridge.handle_message(FakeMessage(FakeUser(USER), dm, "", attachments=[big]))

    run(with_bridge(settings, agent, steps))
    assert support.texts() == [FILES_IN_PRIVATE]
    detail = app.claim_detail(reference)
    assert detail is not None
    (item,) = detail["evidence"]
    assert (item["kind"], item["filename"], item["source_channel"]) == (
        "photo", "IMG_2041.jpg", "discord")
    (message,) = agent.messages
    assert message.text == "/inform" + json.dumps(
        {"evidence_kind": "photo", "evidence_id": item["evidence_id"]})
    # Over 25 MB (a Nitro user's): not fetched; a one-time link to the upload page for it.
    offer = dm.texts()[-1] or ""
    assert offer.startswith("This file is 25 MB, more than I can receive here (25 MB)."), offer
    from cssecure.evidence.links import UploadLinks

    grant = UploadLinks.for_settings(settings).peek(offer.rsplit("/api/upload/", 1)[1].strip())
    assert (grant.conversation_id, grant.channel, grant.kind, grant.to, grant.key) == (
        conversation, "discord", "unboxing_video", "claim", reference)
    assert len(agent.messages) == 1  # the bot is told only of the stored photo


DRAFT = "draft-51c0de"


def inform_of(message: Any) -> dict[str, str]:
    """The entities of the channel's ``/inform{...}`` message to the bot."""
    assert message.text is not None and message.text.startswith("/inform{"), message.text
    entities: dict[str, str] = json.loads(message.text[len("/inform"):])
    return entities


async def link_alice(bridge: DiscordBridge, dm: FakeChannel, database_url: str) -> None:
    code = LinkStore.from_url(database_url).issue_code("demo-alice").code
    await bridge.handle_message(FakeMessage(FakeUser(USER), dm, f"/link {code}"))


@pytest.mark.parametrize(
    "where",
    ["draft", "caption", "filed", "loose"],
    ids=["draft-in-progress", "caption-wins", "after-filing", "outside-any-claim"],
)
def test_an_attachment_goes_where_the_one_rule_says_never_to_a_guessed_claim(
    tmp_path: Path, sqlite_url: str, where: str
) -> None:
    # Alice (linked) has an open claim from the website (her only one, unless she filed a
    # second one here); in this DM she is reporting another parcel (draft), or names the
    # earlier claim in the caption, or has filed the second claim here, or is outside any
    # claim. Only the caption reaches the earlier one: it is never guessed.
    settings = settings_for(tmp_path, sqlite_url)
    app = claims_app(settings)
    conversation = dm_conversation(USER, settings)
    earlier = file_lost_claim(app, customer_id="demo-alice", conversation="web-elsewhere")
    filed = ""
    if where == "filed":
        filed = file_lost_claim(app, customer_id="demo-alice", channel="discord",
                                conversation=conversation, parcel="P900002")
    agent = FakeAgent(echo_reply)
    dm = FakeChannel(77)
    photo = FakeAttachment("IMG_2041.jpg", JPEG, "image/jpeg")
    caption = f"for {earlier}" if where == "caption" else ""

    async def steps(bridge: DiscordBridge) -> None:
        await link_alice(bridge, dm, sqlite_url)
        if where == "draft":  # the conversation was about her earlier claim until now
            await set_slots(agent, conversation, claim_ref=earlier, claim_draft_id=DRAFT)
        elif where == "caption":
            await set_slots(agent, conversation, claim_draft_id=DRAFT)
        elif where == "filed":
            await set_slots(agent, conversation, claim_draft_id=None, claim_ref=filed)
        await bridge.handle_message(FakeMessage(FakeUser(USER), dm, caption,
                                                attachments=[photo]))

    run(with_bridge(settings, agent, steps))
    told = inform_of(agent.messages[-1])
    assert told["evidence_kind"] == "photo"
    assert agent.messages[-1].metadata == {
        "channel": "discord", "customer_id": "demo-alice", "verified": True}
    assert not any("not stored" in (text or "") for text in dm.texts())
    expected_earlier = [told["evidence_id"]] if where == "caption" else []
    assert evidence_ids(app, earlier) == expected_earlier
    if where == "filed":
        assert evidence_ids(app, filed) == [told["evidence_id"]]
    assert draft_kinds(app, conversation, DRAFT) == (["photo"] if where == "draft" else [])
    if where == "loose":
        # Kept, not lost: once the customer says which claim, it moves there.
        app.assign_evidence(told["evidence_id"], earlier, conversation_id=conversation,
                            customer_id="demo-alice")
        assert evidence_ids(app, earlier) == [told["evidence_id"]]


def test_a_caption_naming_a_strangers_claim_is_refused_and_nothing_is_stored(
    tmp_path: Path, sqlite_url: str
) -> None:
    settings = settings_for(tmp_path, sqlite_url)
    app = claims_app(settings)
    conversation = dm_conversation(USER, settings)
    theirs = file_lost_claim(app, customer_id="demo-alice", conversation="web-elsewhere")
    agent = FakeAgent(echo_reply)
    dm = FakeChannel(77)

    async def steps(bridge: DiscordBridge) -> None:
        await set_slots(agent, conversation, claim_draft_id=DRAFT)
        await bridge.handle_message(FakeMessage(
            FakeUser(USER), dm, theirs, attachments=[FakeAttachment("x.jpg", JPEG, "image/jpeg")]))

    run(with_bridge(settings, agent, steps))
    assert dm.texts() == [claim_not_yours(theirs)]
    assert agent.messages == []
    assert evidence_ids(app, theirs) == [] and draft_kinds(app, conversation, DRAFT) == []


def test_the_rasa_route_tells_the_bot_process_the_draft_and_the_claim_of_a_conversation(
    tmp_path: Path, sqlite_url: str
) -> None:
    settings = settings_for(tmp_path, sqlite_url)
    conversation = dm_conversation(USER, settings)
    agent = FakeAgent(echo_reply)

    async def scenario() -> list[ConversationClaims]:
        async with rasa_app(DiscordInput(settings), agent) as base:
            rasa = RasaBridge(base, bridge_key(settings))
            try:
                seen = [await rasa.conversation_claims(conversation)]
                await set_slots(agent, conversation, claim_draft_id=DRAFT)
                seen.append(await rasa.conversation_claims(conversation))
                await set_slots(agent, conversation, claim_draft_id=None,
                                claim_ref="CS-2026-000007")
                seen.append(await rasa.conversation_claims(conversation))
                return seen
            finally:
                await rasa.close()

    assert run(scenario()) == [
        ConversationClaims(),
        ConversationClaims(draft_id=DRAFT),
        ConversationClaims(claim_ref="CS-2026-000007"),
    ]


# --- pushed messages ----------------------------------------------------------------------


def test_push_endpoint_and_function_deliver_to_the_users_direct_messages(
    tmp_path: Path, sqlite_url: str, discord_api: FakeDiscordAPI
) -> None:
    settings = settings_for(tmp_path, sqlite_url, DISCORD_API_URL=discord_api.url)
    agent = FakeAgent(echo_reply)
    public = channel_conversation(USER, SUPPORT_CHANNEL, settings)
    body = {"conversation_id": public, "text": "Your claim was approved.", "agent_name": "Mei",
            "buttons": [{"title": "Thanks", "payload": "/thank"}]}

    async def scenario() -> list[tuple[int, Any]]:
        async with rasa_app(DiscordInput(settings), agent) as base:
            url = f"{base}/webhooks/discord/push"
            auth = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
            results = [
                await post_json(url, body),
                await post_json(url, {**body, "conversation_id": f"discord-{USER}-1"}, auth),
                await post_json(url, body, auth),
            ]
            tracker = await agent.tracker_store.retrieve(public)
            assert tracker is not None
            assert [e.text for e in tracker.events if e.type_name == "bot"] == [body["text"]]
            return results

    results = run(scenario())
    assert [status for status, _ in results] == [401, 404, 200]
    push_discord(OTHER_USER, "A message from support.", settings=settings)
    assert push_conversation(dm_conversation(USER, settings), "Third", settings=settings)
    assert not push_conversation("discord-1-forged", "x", settings=settings)
    opened = [b["recipient_id"] for m, p, b in discord_api.requests if p.endswith("/channels")]
    assert opened == [str(USER), str(OTHER_USER), str(USER)]  # always the user's DMs
    messages = discord_api.messages()
    assert [body["content"] for _, body in messages] == [
        "Your claim was approved.", "A message from support.", "Third"]
    assert messages[0][1]["components"] == [{"type": 1, "components": [
        {"type": 2, "style": 1, "label": "Thanks", "custom_id": "cs:/thank"}]}]


def test_rasa_triggered_messages_go_to_the_users_dms_and_none_without_a_token(
    tmp_path: Path, sqlite_url: str, discord_api: FakeDiscordAPI
) -> None:
    settings = settings_for(tmp_path, sqlite_url, DISCORD_API_URL=discord_api.url)
    output = DiscordInput(settings).get_output_channel()
    assert output is not None
    run(output.send_text_with_buttons(
        channel_conversation(USER, SUPPORT_CHANNEL, settings), "Still there?",
        [{"title": "Yes", "payload": "/affirm"}]))
    with pytest.raises(ValueError):
        run(output.send_text_message(f"discord-{USER}-forged", "x"))
    assert [(body["content"], len(body["components"])) for _, body in discord_api.messages()] == [
        ("Still there?", 1)]
    unconfigured = make_settings(tmp_path, sqlite_url, DISCORD_TOKEN="")
    assert DiscordInput(unconfigured).get_output_channel() is None


def test_the_users_client_language_from_a_button_press_goes_with_their_messages(
    tmp_path: Path, sqlite_url: str
) -> None:
    """Issue 13: Discord tells a user's language only with an interaction
    (``Interaction.locale``); it goes as metadata ``locale`` with the press and with that
    user's later messages."""
    settings = settings_for(tmp_path, sqlite_url)
    agent = FakeAgent(echo_reply)
    dm = FakeChannel(77)

    async def steps(bridge: DiscordBridge) -> None:
        await bridge.handle_message(FakeMessage(FakeUser(USER), dm, "buttons"))
        _, view = dm.sent[0]
        assert view is not None
        press = FakeInteraction(FakeUser(USER), dm, {"custom_id": "cs:/affirm",
                                                     "component_type": 2}, as_sent(view))
        press.locale = discord.Locale.brazil_portuguese  # type: ignore[attr-defined]
        await bridge.handle_interaction(press)
        await bridge.handle_message(FakeMessage(FakeUser(USER), dm, "thanks"))
        await bridge.handle_message(FakeMessage(FakeUser(OTHER_USER), dm, "hello"))

    run(with_bridge(settings, agent, steps))
    anonymous = {"channel": "discord", "customer_id": None, "verified": False}
    assert [(m.text, m.metadata) for m in agent.messages] == [
        ("buttons", anonymous),
        ("/affirm", {**anonymous, "locale": "pt-BR"}),
        ("thanks", {**anonymous, "locale": "pt-BR"}),
        ("hello", anonymous),  # another user: no language known
    ]


def test_the_rasa_side_of_discord_does_not_load_the_bot_library() -> None:
    # Issue 19: the bot process is its own module; the Rasa server mounts DiscordInput
    # without discord.py (the gateway client) being imported.
    import subprocess
    import sys

    code = (
        "import sys, cssecure.channels.discord\n"
        "print('discord' in sys.modules, 'cssecure.channels.discord_bridge' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.split() == ["False", "False"]


# --- evidence: files too big to attach (issue 15) ------------------------------------------


@pytest.mark.parametrize(("kind", "linked"), [("unboxing_video", True), ("photo", False)])
def test_a_video_question_comes_with_a_one_time_upload_link_for_files_too_big_to_attach(
    tmp_path: Path, sqlite_url: str, kind: str, linked: bool
) -> None:
    """Discord lets a customer attach at most 25 MB (without Nitro): a phone's unboxing video
    is bigger. Its question comes with a link to the website's upload page, bound to this
    conversation and its customer, for that kind, usable once; a photo's does not."""
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.shared.core.events import BotUttered

    from cssecure.evidence.links import UploadLinks

    settings = settings_for(tmp_path, sqlite_url)
    sender = dm_conversation(USER, settings)
    request = {"evidence_request": {"kind": kind, "later_payload": '/inform{"choice": "later"}'}}

    async def ask() -> list[dict[str, Any]]:
        collector = CollectingOutputChannel()
        await collector.send_response(sender, BotUttered(
            "Do you have an unboxing video?", data={"custom": request, "buttons": [
                {"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]},
        ).message())
        return await DiscordInput(settings)._with_upload_links(
            collector.messages, FakeAgent(echo_reply), sender, "demo-alice", "de")

    # Rasa collects the question and its request as two messages; the link follows them.
    texts = [m for m in run(ask()) if m.get("text")]
    assert texts[0]["text"] == "Do you have an unboxing video?"
    if not linked:
        assert len(texts) == 1
        return
    offer = texts[1]["text"]
    assert texts[1]["recipient_id"] == sender
    # In the conversation's language (German here), with the upload page's address.
    assert offer.startswith("Ein Video über 25 MB"), offer
    token = offer.rsplit("/api/upload/", 1)[1].strip()
    grant = UploadLinks.for_settings(settings).peek(token)
    assert (grant.conversation_id, grant.customer_id, grant.channel, grant.kind) == (
        sender, "demo-alice", "discord", "unboxing_video")
