"""Telegram channel: real webhook routes on a loopback Sanic server, a loopback fake Bot API.

The "Rasa" side is a stand-in agent at the boundary (records messages, answers through the
channel's own output channel) with Rasa's real in-memory tracker and lock stores.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cssecure.channels.chat import EDIT_NOT_USED, EDIT_OF_COMMAND, EDIT_OF_FILE
from cssecure.channels.common import conversation_id
from cssecure.channels.evidence import claim_not_yours
from cssecure.channels.telegram import (
    FILE_TOO_BIG,
    PRIVATE_ONLY,
    SECRET_HEADER,
    CSSecureTelegramInput,
    push_conversation,
    push_telegram,
)
from cssecure.identity.linking import LinkStore
from cssecure.settings import Settings

from .conftest import (
    JPEG,
    PDF,
    SERVICE_TOKEN,
    TELEGRAM_TOKEN,
    claims_app,
    draft_kinds,
    evidence_ids,
    file_lost_claim,
    make_settings,
)
from .fakes import (
    FakeAgent,
    FakeFile,
    FakeTelegramAPI,
    echo_reply,
    post_json,
    rasa_app,
    run,
    set_slots,
)

CHAT = 4242
OTHER_CHAT = 5151


@pytest.fixture
def bot_api() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI(TELEGRAM_TOKEN) as fake:
        yield fake  # type: ignore[misc]


def settings_for(tmp_path: Path, db_url: str, api: FakeTelegramAPI, **env: str) -> Settings:
    return make_settings(tmp_path, db_url, TELEGRAM_API_URL=api.url, **env)


def text_update(text: str, chat: int = CHAT, user: int | None = None, update_id: int = 1,
                chat_type: str = "private") -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1700000000,
            "chat": {"id": chat, "type": chat_type},
            "from": {"id": user or chat, "is_bot": False, "first_name": "Ana"},
            "text": text,
        },
    }


async def send(base: str, settings: Settings, update: dict[str, Any],
               secret: str | None = "use-settings") -> tuple[int, Any]:
    headers = {}
    if secret == "use-settings":
        secret = settings.telegram_secret_token
    if secret is not None:
        headers[SECRET_HEADER] = secret
    return await post_json(f"{base}/webhooks/telegram/webhook", update, headers)


def conv(settings: Settings, chat: int = CHAT) -> str:
    assert settings.telegram_secret_token
    return conversation_id("telegram", str(chat), settings.telegram_secret_token)


# --- authenticity ------------------------------------------------------------------------


def test_forged_updates_without_or_with_a_wrong_secret_are_refused(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    agent = FakeAgent(echo_reply)

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            missing = await send(base, settings, text_update("hi"), secret=None)
            wrong = await send(base, settings, text_update("hi"), secret="guessed")
            assert missing[0] == 403 and wrong[0] == 403
            assert agent.messages == [] and bot_api.calls_to("sendMessage") == []
            genuine = await send(base, settings, text_update("hi"))
            assert genuine[0] == 200

    run(scenario())
    assert [m.text for m in agent.messages] == ["hi"]
    assert bot_api.sent_texts() == ["echo: hi"]


def test_a_genuine_update_reaches_rasa_with_anonymous_metadata_and_an_unguessable_sender(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    agent = FakeAgent(echo_reply)

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await send(base, settings, text_update("my parcel is lost"))

    run(scenario())
    (message,) = agent.messages
    assert message.metadata == {"channel": "telegram", "customer_id": None, "verified": False}
    assert message.input_channel == "telegram"
    # The sender id is not the Telegram chat id: another channel cannot name it.
    assert message.sender_id == conv(settings)
    assert message.sender_id != f"telegram-{CHAT}" and str(CHAT) in message.sender_id
    assert bot_api.calls_to("sendMessage")[0]["chat_id"] == str(CHAT)


def test_webhook_is_registered_with_the_secret_token_at_start(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api,
                            TELEGRAM_WEBHOOK_URL="https://bot.example.com/webhooks/telegram/webhook")

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), FakeAgent(echo_reply)):
            pass

    run(scenario())
    (registration,) = bot_api.calls_to("setWebhook")
    assert registration["url"] == "https://bot.example.com/webhooks/telegram/webhook"
    assert registration["secret_token"] == settings.telegram_secret_token
    # Edits are subscribed to: a customer's correction is never dropped silently (issue 13).
    assert json.loads(registration["allowed_updates"]) == [
        "message", "edited_message", "callback_query"
    ]


def test_unconfigured_channel_answers_503_and_forwards_nothing(
    tmp_path: Path, sqlite_url: str
) -> None:
    settings = make_settings(tmp_path, sqlite_url, TELEGRAM_TOKEN="", TELEGRAM_SECRET_TOKEN="")
    agent = FakeAgent(echo_reply)

    async def scenario() -> int:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            status, _ = await post_json(f"{base}/webhooks/telegram/webhook", text_update("hi"),
                                        {SECRET_HEADER: ""})
            return status

    assert run(scenario()) == 503
    assert agent.messages == []


def test_group_chats_are_not_served(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    agent = FakeAgent(echo_reply)

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await send(base, settings, text_update("my claim?", chat=-100, user=7,
                                                   chat_type="group"))
            await send(base, settings, text_update("/start", chat=-100, user=7,
                                                   chat_type="group", update_id=2))

    run(scenario())
    assert agent.messages == []
    assert bot_api.sent_texts() == [PRIVATE_ONLY]


def test_typed_intent_syntax_is_passed_as_plain_words(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    agent = FakeAgent(echo_reply)
    forged = '/inform{"evidence_kind": "photo", "evidence_id": "17"}'

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await send(base, settings, text_update(forged))
            await send(base, settings, text_update("/start", update_id=2))

    run(scenario())
    assert [m.text for m in agent.messages] == [forged[1:], "/greet"]


def test_too_long_message_is_refused_with_a_clear_message(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    agent = FakeAgent(echo_reply)

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await send(base, settings, text_update("x" * 2000))
            await send(base, settings, text_update("y" * 2001, update_id=2))

    run(scenario())
    assert [len(m.text or "") for m in agent.messages] == [2000]
    assert "too long" in bot_api.sent_texts()[-1]


# --- buttons -----------------------------------------------------------------------------


def test_buttons_are_sent_as_an_inline_keyboard_and_a_press_is_answered_and_forwarded(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    agent = FakeAgent(echo_reply)

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await send(base, settings, text_update("buttons"))
            sent = bot_api.calls_to("sendMessage")[-1]
            keyboard = json.loads(sent["reply_markup"])
            press = {
                "update_id": 2,
                "callback_query": {
                    "id": bot_api.callback_query_id(),
                    "from": {"id": CHAT, "is_bot": False, "first_name": "Ana"},
                    "chat_instance": "ci",
                    "data": "/affirm",
                    "message": {
                        "message_id": 101, "date": 1700000000,
                        "chat": {"id": CHAT, "type": "private"},
                        "text": sent["text"], "reply_markup": keyboard,
                    },
                },
            }
            assert (await send(base, settings, press))[0] == 200

    run(scenario())
    keyboard = json.loads(bot_api.calls_to("sendMessage")[0]["reply_markup"])
    assert keyboard == {"inline_keyboard": [[{"text": "Yes", "callback_data": "/affirm"}],
                                            [{"text": "No", "callback_data": "/deny"}]]}
    # Answered in time: Telegram accepted it (the client's spinner stops).
    assert [c["callback_query_id"] for c in bot_api.delivered("answerCallbackQuery")] == [
        "cbq-1"]
    assert [m.text for m in agent.messages] == ["buttons", "/affirm"]
    assert agent.messages[1].sender_id == conv(settings)


def test_a_button_press_with_data_matching_no_button_is_answered_but_not_forwarded(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    agent = FakeAgent(echo_reply)
    press = {
        "update_id": 3,
        "callback_query": {
            "id": "cb-2", "from": {"id": CHAT, "is_bot": False, "first_name": "Ana"},
            "chat_instance": "ci",
            "data": '/inform{"evidence_id": "1"}',
            "message": {
                "message_id": 101, "date": 1700000000,
                "chat": {"id": CHAT, "type": "private"}, "text": "Was it insured?",
                "reply_markup": {
                    "inline_keyboard": [[{"text": "Yes", "callback_data": "/affirm"}]]
                },
            },
        },
    }

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await send(base, settings, press)

    run(scenario())
    assert agent.messages == []
    assert len(bot_api.calls_to("answerCallbackQuery")) == 1


# --- account linking ---------------------------------------------------------------------


def test_link_code_works_once_and_a_second_use_is_refused(
    tmp_path: Path, database_url: str, bot_api: FakeTelegramAPI
) -> None:
    settings = settings_for(tmp_path, database_url, bot_api)
    code = LinkStore.from_url(database_url).issue_code("CUST-001").to_json()["code"]
    agent = FakeAgent(echo_reply)
    linked = {"channel": "telegram", "customer_id": "CUST-001", "verified": True}

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await send(base, settings, text_update("hi", update_id=1))
            await send(base, settings, text_update(f"/link {code}", update_id=5))
            tracker = await agent.tracker_store.retrieve(conv(settings))
            assert tracker is not None
            # Where action_session_start reads the identity when /session_start arrives.
            assert tracker.get_slot("session_started_metadata") == linked
            await send(base, settings, text_update("status of my claim", update_id=2))
            # The same code again, from another Telegram user: refused, still anonymous.
            await send(base, settings, text_update(f"/link {code}", chat=OTHER_CHAT,
                                                   update_id=3))
            await send(base, settings, text_update("status of my claim", chat=OTHER_CHAT,
                                                   update_id=4))

    run(scenario())
    replies = bot_api.sent_texts()
    assert replies[0] == "echo: hi"
    assert replies[1].startswith("Done: this chat is now linked")
    assert "already been used" in replies[3]
    by_text = [(m.text, m.sender_id, m.metadata) for m in agent.messages]
    # After linking, the identity slots are refreshed (session start, replies dropped).
    assert by_text == [
        ("hi", conv(settings), {"channel": "telegram", "customer_id": None, "verified": False}),
        ("/session_start", conv(settings), linked),
        ("status of my claim", conv(settings), linked),
        ("status of my claim", conv(settings, OTHER_CHAT),
         {"channel": "telegram", "customer_id": None, "verified": False}),
    ]
    # The code itself never reaches the dialogue (nor its tracker).
    assert all(code not in (m.text or "") for m in agent.messages)


def test_link_without_code_explains_and_unlink_makes_the_chat_anonymous_again(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    code = LinkStore.from_url(sqlite_url).issue_code("CUST-002").to_json()["code"]
    agent = FakeAgent(echo_reply)

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await send(base, settings, text_update("/link"))
            await send(base, settings, text_update(f"/link@cssecure_bot {code.lower()}",
                                                   update_id=2))
            await send(base, settings, text_update("/unlink", update_id=3))
            await send(base, settings, text_update("hello", update_id=4))

    run(scenario())
    replies = bot_api.sent_texts()
    assert "/link CODE" in replies[0]
    assert replies[1].startswith("Done")
    assert replies[2] == "This chat is no longer linked to your CSSecure account."
    assert agent.messages[-1].metadata == {
        "channel": "telegram", "customer_id": None, "verified": False}


# --- pushed messages ---------------------------------------------------------------------


def test_push_endpoint_needs_the_service_token_and_delivers_and_records(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    agent = FakeAgent(echo_reply)
    body = {"conversation_id": conv(settings), "text": "Hello, this is Mei from support.",
            "agent_name": "Mei", "buttons": [{"title": "Thanks", "payload": "/thank"}]}

    async def scenario() -> list[tuple[int, Any]]:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            url = f"{base}/webhooks/telegram/push"
            results = [
                await post_json(url, body),
                await post_json(url, body, {"Authorization": "Bearer wrong"}),
                await post_json(url, {**body, "conversation_id": f"telegram-{OTHER_CHAT}-00"},
                                {"Authorization": f"Bearer {SERVICE_TOKEN}"}),
                await post_json(url, body, {"Authorization": f"Bearer {SERVICE_TOKEN}"}),
            ]
            tracker = await agent.tracker_store.retrieve(conv(settings))
            assert tracker is not None
            (event,) = [e for e in tracker.events if e.type_name == "bot"]
            assert event.text == body["text"] and event.metadata["agent_name"] == "Mei"
            return results

    results = run(scenario())
    assert [status for status, _ in results] == [401, 401, 404, 200]
    assert results[3][1] == {"delivered": True, "recorded": True}
    (sent,) = bot_api.calls_to("sendMessage")
    assert sent["chat_id"] == str(CHAT) and sent["text"] == body["text"]
    assert json.loads(sent["reply_markup"])["inline_keyboard"][0][0]["callback_data"] == "/thank"


def test_push_functions_reach_the_bot_api_from_outside_a_request(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    push_telegram(CHAT, "Your claim CS-2026-000042 was approved.", settings=settings)
    assert push_conversation(conv(settings), "Second message", settings=settings) is True
    assert push_conversation(f"telegram-{CHAT}-forged", "x", settings=settings) is False
    assert bot_api.sent_texts() == ["Your claim CS-2026-000042 was approved.", "Second message"]
    assert {c["chat_id"] for c in bot_api.calls_to("sendMessage")} == {str(CHAT)}


# --- evidence: sizes (no claim needed to be refused) --------------------------------------


def test_a_file_over_20_mb_is_answered_with_an_upload_link_before_any_download(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI
) -> None:
    # Issue 15: no longer refused: a one-time link to the website's upload page
    # (tests/channels/test_channel_evidence.py follows the link).
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    agent = FakeAgent(echo_reply)
    update = text_update("")
    del update["message"]["text"]
    update["message"]["video"] = {"file_id": "big", "file_unique_id": "b", "width": 1,
                                  "height": 1, "duration": 60,
                                  "file_size": 20 * 1024 * 1024 + 1}

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await send(base, settings, update)

    run(scenario())
    (offer,) = bot_api.sent_texts()
    assert offer.startswith("This file is 20 MB, more than I can receive here (20 MB).")
    assert "/api/upload/" in offer
    assert bot_api.calls_to("getFile") == [] and agent.messages == []


# --- evidence: stored through the real claims service -------------------------------------


def file_update(kind: str, file_id: str, caption: str | None = None, update_id: int = 10,
                file_size: int | None = None, chat: int = CHAT) -> dict[str, Any]:
    update = text_update("", chat=chat, update_id=update_id)
    del update["message"]["text"]
    meta: dict[str, Any] = {"file_id": file_id, "file_unique_id": "u" + file_id}
    if file_size is not None:
        meta["file_size"] = file_size
    if kind == "photo":
        small = {"file_id": file_id + "-small", "file_unique_id": "s", "width": 90,
                 "height": 90, "file_size": 10}
        update["message"]["photo"] = [small, {**meta, "width": 1280, "height": 960}]
    elif kind == "document":
        update["message"]["document"] = {**meta, "file_name": "customs-letter.pdf",
                                         "mime_type": "application/pdf"}
    if caption is not None:
        update["message"]["caption"] = caption
    return update


def test_a_photo_is_fetched_with_getfile_stored_as_evidence_and_the_bot_is_told(
    tmp_path: Path, database_url: str, bot_api: FakeTelegramAPI
) -> None:
    settings = settings_for(tmp_path, database_url, bot_api)
    app = claims_app(settings)
    reference = file_lost_claim(app, customer_id=None, conversation=conv(settings))
    bot_api.files["photo-1"] = FakeFile("photos/file_1.jpg", JPEG)
    agent = FakeAgent(echo_reply)

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await set_slots(agent, conv(settings), claim_ref=reference)
            await send(base, settings, file_update("photo", "photo-1"))

    run(scenario())
    assert [c["file_id"] for c in bot_api.calls_to("getFile")] == ["photo-1"]  # the largest
    assert bot_api.downloads == ["photos/file_1.jpg"]
    detail = app.claim_detail(reference)
    assert detail is not None
    (item,) = detail["evidence"]
    assert (item["kind"], item["content_type"], item["source_channel"], item["size_bytes"]) == (
        "photo", "image/jpeg", "telegram", len(JPEG))
    (message,) = agent.messages
    assert message.text == "/inform" + json.dumps(
        {"evidence_kind": "photo", "evidence_id": item["evidence_id"]})
    assert message.sender_id == conv(settings)


DRAFT = "draft-7f3a9c"


def inform_of(message: Any) -> dict[str, str]:
    """The entities of the channel's ``/inform{...}`` message to the bot."""
    assert message.text is not None and message.text.startswith("/inform{"), message.text
    entities: dict[str, str] = json.loads(message.text[len("/inform"):])
    return entities


async def link_alice(base: str, settings: Settings, database_url: str) -> None:
    code = LinkStore.from_url(database_url).issue_code("demo-alice").code
    await send(base, settings, text_update(f"/link {code}", update_id=1))


def test_a_file_sent_while_reporting_a_second_claim_goes_to_the_draft_not_the_earlier_claim(
    tmp_path: Path, database_url: str, bot_api: FakeTelegramAPI
) -> None:
    # Issue 12's reproduction: Alice (linked) filed a claim in this chat earlier (the
    # conversation is still about it), starts reporting another parcel and sends a photo:
    # it belongs to the new claim.
    settings = settings_for(tmp_path, database_url, bot_api)
    app = claims_app(settings)
    earlier = file_lost_claim(app, customer_id="demo-alice", conversation=conv(settings))
    bot_api.files["photo-1"] = FakeFile("photos/file_1.jpg", JPEG)
    agent = FakeAgent(echo_reply)

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await link_alice(base, settings, database_url)
            await set_slots(agent, conv(settings), claim_ref=earlier, claim_draft_id=DRAFT)
            await send(base, settings, file_update("photo", "photo-1"))

    run(scenario())
    assert evidence_ids(app, earlier) == []
    assert draft_kinds(app, conv(settings), DRAFT) == ["photo"]
    assert inform_of(agent.messages[-1])["evidence_kind"] == "photo"
    assert agent.messages[-1].metadata == {
        "channel": "telegram", "customer_id": "demo-alice", "verified": True}
    assert bot_api.sent_texts()[-1].startswith("echo: /inform")  # no refusal, no warning


def test_a_claim_named_in_the_caption_wins_over_the_draft_with_the_captions_kind(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    app = claims_app(settings)
    earlier = file_lost_claim(app, customer_id="demo-alice", conversation="web-elsewhere")
    bot_api.files["doc-1"] = FakeFile("documents/file_2.pdf", PDF)
    agent = FakeAgent(echo_reply)

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await link_alice(base, settings, sqlite_url)
            await set_slots(agent, conv(settings), claim_draft_id=DRAFT)
            await send(base, settings, file_update(
                "document", "doc-1", caption=f"letter from the carrier for {earlier.lower()}"))

    run(scenario())
    detail = app.claim_detail(earlier)
    assert detail is not None
    assert [(e["kind"], e["filename"]) for e in detail["evidence"]] == [
        ("carrier_confirmation", "customs-letter.pdf")]
    assert draft_kinds(app, conv(settings), DRAFT) == []
    assert inform_of(agent.messages[-2]) == {
        "evidence_kind": "carrier_confirmation",
        "evidence_id": detail["evidence"][0]["evidence_id"]}
    # Then the caption, as the customer's message (issue 15).
    assert agent.messages[-1].text == f"letter from the carrier for {earlier.lower()}"


def test_a_file_after_filing_goes_to_the_claim_filed_in_this_chat_not_an_earlier_one(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    app = claims_app(settings)
    earlier = file_lost_claim(app, customer_id="demo-alice", conversation="web-elsewhere")
    filed = file_lost_claim(app, customer_id="demo-alice", conversation=conv(settings),
                            parcel="P900002")
    bot_api.files["photo-1"] = FakeFile("photos/file_1.jpg", JPEG)
    agent = FakeAgent(echo_reply)

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await link_alice(base, settings, sqlite_url)
            await set_slots(agent, conv(settings), claim_draft_id=None, claim_ref=filed)
            await send(base, settings, file_update("photo", "photo-1"))

    run(scenario())
    assert evidence_ids(app, earlier) == []
    assert evidence_ids(app, filed) == [inform_of(agent.messages[-1])["evidence_id"]]


def test_a_file_outside_any_claim_is_kept_loose_and_the_bot_is_told(
    tmp_path: Path, database_url: str, bot_api: FakeTelegramAPI
) -> None:
    # Alice's only open claim is not guessed: the file is kept and the bot asks.
    settings = settings_for(tmp_path, database_url, bot_api)
    app = claims_app(settings)
    earlier = file_lost_claim(app, customer_id="demo-alice", conversation="web-elsewhere")
    bot_api.files["photo-1"] = FakeFile("photos/file_1.jpg", JPEG)
    agent = FakeAgent(echo_reply)

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await link_alice(base, settings, database_url)
            await send(base, settings, file_update("photo", "photo-1"))

    run(scenario())
    assert evidence_ids(app, earlier) == []
    told = inform_of(agent.messages[-1])
    assert told["evidence_kind"] == "photo"
    # Nothing tells the customer the file was lost: it was kept (the bot asks for the claim).
    assert not any("not stored" in text for text in bot_api.sent_texts())
    # It was stored: when the customer says which claim, it moves there.
    app.assign_evidence(told["evidence_id"], earlier, conversation_id=conv(settings),
                        customer_id="demo-alice")
    assert evidence_ids(app, earlier) == [told["evidence_id"]]


def test_an_anonymous_chat_cannot_attach_files_to_a_strangers_claim_by_its_reference(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    app = claims_app(settings)
    reference = file_lost_claim(app, customer_id="demo-alice", conversation="web-elsewhere")
    bot_api.files["photo-2"] = FakeFile("photos/file_3.jpg", JPEG)
    agent = FakeAgent(echo_reply)

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await set_slots(agent, conv(settings), claim_draft_id=DRAFT)
            await send(base, settings, file_update("photo", "photo-2", caption=reference))

    run(scenario())
    # Refused as named (not slipped into the draft either), before any download.
    assert bot_api.sent_texts() == [claim_not_yours(reference)]
    assert bot_api.calls_to("getFile") == [] and agent.messages == []
    assert evidence_ids(app, reference) == []
    assert draft_kinds(app, conv(settings), DRAFT) == []


def test_getfile_saying_over_20_mb_is_refused_and_nothing_is_downloaded(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    app = claims_app(settings)
    reference = file_lost_claim(app, customer_id=None, conversation=conv(settings))
    limit = 20 * 1024 * 1024
    bot_api.files["at-limit"] = FakeFile("photos/ok.jpg", JPEG, reported_size=limit)
    bot_api.files["over"] = FakeFile("photos/big.jpg", JPEG, reported_size=limit + 1)
    agent = FakeAgent(echo_reply)

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await set_slots(agent, conv(settings), claim_ref=reference)
            # No file_size in the update: only getFile tells the size.
            await send(base, settings, file_update("photo", "over", update_id=11))
            await send(base, settings, file_update("photo", "at-limit", update_id=12))

    run(scenario())
    assert bot_api.sent_texts()[0] == FILE_TOO_BIG
    assert bot_api.downloads == ["photos/ok.jpg"]  # 20 MB exactly is still fetched
    detail = app.claim_detail(reference)
    assert detail is not None and len(detail["evidence"]) == 1


def test_a_file_the_store_refuses_gets_its_clear_message_and_the_bot_is_not_told(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    app = claims_app(settings)
    reference = file_lost_claim(app, customer_id=None, conversation=conv(settings))
    bot_api.files["fake-pdf"] = FakeFile("documents/x.pdf", b"MZ\x90\x00 not a pdf at all")
    agent = FakeAgent(echo_reply)

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await set_slots(agent, conv(settings), claim_ref=reference)
            await send(base, settings, file_update("document", "fake-pdf"))

    run(scenario())
    (reply,) = bot_api.sent_texts()
    assert "not stored" in reply.lower() or "not accepted" in reply.lower() or "type" in reply
    assert agent.messages == []
    detail = app.claim_detail(reference)
    assert detail is not None and detail["evidence"] == []


def test_malformed_updates_with_the_right_secret_never_cause_a_server_error(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    agent = FakeAgent(echo_reply)
    bad: list[Any] = [
        [], "text", 42, {}, {"message": None}, {"message": {"chat": "x"}},
        {"message": {"chat": {"id": "not-a-number", "type": "private"}, "from": {"id": 1},
                     "text": "hi"}},
        {"message": {"chat": {"id": CHAT, "type": "private"}, "from": {"id": CHAT},
                     "text": ["list"]}},
        {"message": {"chat": {"id": CHAT, "type": "private"}, "from": {"id": CHAT},
                     "photo": [{"nofileid": 1}, "junk"]}},
        {"callback_query": {"id": "c", "data": None, "message": "junk"}},
        {"callback_query": {"id": "c", "from": {"id": 1}, "data": "/affirm",
                            "message": {"chat": {"id": CHAT, "type": "private"},
                                        "reply_markup": {"inline_keyboard": "junk"}}}},
    ]

    async def scenario() -> list[int]:
        statuses = []
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            for update in bad:
                statuses.append((await send(base, settings, update))[0])
            import aiohttp

            async with aiohttp.ClientSession() as session, session.post(
                f"{base}/webhooks/telegram/webhook", data=b"{not json",
                headers={SECRET_HEADER: str(settings.telegram_secret_token)},
            ) as reply:
                statuses.append(reply.status)
        return statuses

    statuses = run(scenario())
    assert statuses[:3] == [400, 400, 400] and statuses[-1] == 400
    assert set(statuses[3:-1]) == {200}
    assert agent.messages == []


def test_rasa_gets_the_bot_as_output_channel_only_when_configured(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    output = CSSecureTelegramInput(settings).get_output_channel()
    assert output is not None
    run(output.send_text_message(conv(settings), "Reminder: send the photos."))
    assert bot_api.calls_to("sendMessage")[0]["chat_id"] == str(CHAT)
    unconfigured = make_settings(tmp_path, sqlite_url, TELEGRAM_TOKEN="")
    assert CSSecureTelegramInput(unconfigured).get_output_channel() is None


# --- edited messages (issue 13) ------------------------------------------------------------


def edit_update(text: str | None, message_id: int, update_id: int = 90,
                **extra: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": 1700000000,
        "edit_date": 1700000100,
        "chat": {"id": CHAT, "type": "private"},
        "from": {"id": CHAT, "is_bot": False, "first_name": "Ana"},
        **extra,
    }
    if text is not None:
        message["text"] = text
    return {"update_id": update_id, "edited_message": message}


async def user_texts(agent: FakeAgent, conversation: str, applied: bool = False) -> list[str]:
    from rasa.shared.core.events import UserUttered

    tracker = await agent.tracker_store.retrieve(conversation)
    assert tracker is not None
    events = tracker.applied_events() if applied else tracker.events
    return [e.text for e in events if isinstance(e, UserUttered)]


def test_an_edit_of_the_message_just_answered_replaces_it_in_the_conversation(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI
) -> None:
    """Reproduction: the edit was acknowledged and dropped; now the corrected text is what
    the assistant reads, in place of the original (Rasa's rewind of that turn)."""
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    agent = FakeAgent(echo_reply)

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await send(base, settings, text_update("P10001", update_id=1))
            assert (await send(base, settings, edit_update("P100001", message_id=1)))[0] == 200
            assert await user_texts(agent, conv(settings)) == ["P10001", "P100001"]
            # The original's turn is undone: only the correction counts.
            assert await user_texts(agent, conv(settings), applied=True) == ["P100001"]

    run(scenario())
    original, corrected = agent.messages
    assert (original.message_id, corrected.message_id) == ("tg-1", "tg-1")
    assert corrected.metadata == {
        "channel": "telegram", "customer_id": None, "verified": False, "edited": True
    }
    assert bot_api.sent_texts() == ["echo: P10001", "echo: P100001"]


def test_an_edit_of_an_answer_already_used_is_not_taken_and_the_customer_is_told(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    agent = FakeAgent(echo_reply)

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await send(base, settings, text_update("it was insured", update_id=1))
            await send(base, settings, text_update("value 300 yuan", update_id=2))
            await send(base, settings, edit_update("it was not insured", message_id=1))

    run(scenario())
    assert [m.text for m in agent.messages] == ["it was insured", "value 300 yuan"]
    assert bot_api.sent_texts()[-1] == EDIT_NOT_USED


def test_an_edit_of_the_message_that_filed_a_claim_is_not_taken(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    agent = FakeAgent(echo_reply)

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await send(base, settings, text_update("yes, file it", update_id=1))
            await set_slots(agent, conv(settings), claim_ref="CS-2026-000001")
            await send(base, settings, edit_update("no, wait", message_id=1))
            assert await user_texts(agent, conv(settings), applied=True) == ["yes, file it"]

    run(scenario())
    assert [m.text for m in agent.messages] == ["yes, file it"]
    assert bot_api.sent_texts()[-1] == EDIT_NOT_USED


def test_an_edit_while_waiting_for_a_person_reaches_the_agents_transcript_marked_edited(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI
) -> None:
    from rasa.shared.core.events import ConversationPaused

    from cssecure.handoff.transcript import transcript_from_events

    settings = settings_for(tmp_path, sqlite_url, bot_api)
    agent = FakeAgent(echo_reply)

    async def scenario() -> list[str]:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await send(base, settings, text_update("agent", update_id=1))
            tracker = await agent.tracker_store.retrieve(conv(settings))
            assert tracker is not None
            tracker.update(ConversationPaused())  # what action_human_handoff returns
            await agent.tracker_store.save(tracker)
            await send(base, settings, text_update("parcel P10001", update_id=2))
            await send(base, settings, edit_update("parcel P100001", message_id=2))
            tracker = await agent.tracker_store.retrieve(conv(settings))
            assert tracker is not None
            events = [e.as_dict() for e in tracker.events]
            assert not any(e["event"] == "rewind" for e in events)  # nothing to undo
            return [line.text for line in transcript_from_events(events)
                    if line.speaker == "customer"]

    lines = run(scenario())
    assert lines[-2:] == ["parcel P10001", "(edited) parcel P100001"]


def test_an_edit_of_a_message_that_never_reached_the_assistant_is_sent_as_new(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    agent = FakeAgent(echo_reply)

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await send(base, settings, text_update("hi", update_id=1))
            await send(base, settings, text_update("x" * 2001, update_id=2))  # refused
            await send(base, settings, edit_update("my vase broke", message_id=2))

    run(scenario())
    assert [m.text for m in agent.messages] == ["hi", "my vase broke"]


def test_edits_of_a_caption_or_a_command_are_not_run_and_the_customer_is_told(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    agent = FakeAgent(echo_reply)
    photo = [{"file_id": "ph", "file_unique_id": "u", "width": 10, "height": 10}]

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await send(base, settings, edit_update(None, message_id=3, photo=photo,
                                                   caption="for CS-2026-000009"))
            await send(base, settings, edit_update("/link ABCD-1234", message_id=4,
                                                   update_id=91))

    run(scenario())
    assert agent.messages == []
    assert bot_api.sent_texts() == [EDIT_OF_FILE, EDIT_OF_COMMAND]


# --- locale (issue 13) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language_code", "locale"),
    [("pt-br", "pt-BR"), ("en", "en"), ("zh-hans", "zh-Hans"), ("12345", None), ("", None)],
)
def test_the_users_language_goes_with_each_message_as_a_bcp47_locale(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI, language_code: str,
    locale: str | None,
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    agent = FakeAgent(echo_reply)
    update = text_update("buttons")
    update["message"]["from"]["language_code"] = language_code

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await send(base, settings, update)
            sent = bot_api.calls_to("sendMessage")[-1]
            press = {
                "update_id": 2,
                "callback_query": {
                    "id": "cb-9",
                    "from": {"id": CHAT, "is_bot": False, "first_name": "Ana",
                             "language_code": language_code},
                    "chat_instance": "ci", "data": "/affirm",
                    "message": {"message_id": 101, "date": 1700000000,
                                "chat": {"id": CHAT, "type": "private"}, "text": sent["text"],
                                "reply_markup": json.loads(sent["reply_markup"])},
                },
            }
            await send(base, settings, press)

    run(scenario())
    expected = {"channel": "telegram", "customer_id": None, "verified": False}
    if locale:
        expected["locale"] = locale
    assert [m.metadata for m in agent.messages] == [expected, expected]
