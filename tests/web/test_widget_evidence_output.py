"""An evidence question through the web channel's output (issue 15): Rasa's message of the
question (text, buttons and ``custom.evidence_request``) reaches the widget as one
``bot_uttered`` message, and a reload's history keeps the request of the question; Telegram
and Discord send the question and its buttons as before, nothing of the request."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import socketio
from rasa.shared.core.events import BotUttered

from cssecure.channels.socketio import WidgetOutput, history_from_events

YES_NO = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
REQUEST = {"evidence_request": {"kind": "photo", "later_payload": '/inform{"choice": "later"}'}}
QUESTION = "Do you have photos of the damaged area?"


class RecordingServer(socketio.AsyncServer):
    """A real socket.io server whose ``emit`` records what it is called with, after
    checking the call fits the real ``emit`` (Rasa's own output passes a custom payload's
    keys as arguments, which the real one refuses)."""

    def __init__(self) -> None:
        super().__init__(async_mode="asgi")
        self.emitted: list[tuple[str, Any, str | None]] = []

    async def emit(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        bound = inspect.signature(socketio.AsyncServer.emit).bind(self, *args, **kwargs)
        arguments = bound.arguments
        self.emitted.append((arguments["event"], arguments.get("data"), arguments.get("room")))


def send(message: dict[str, Any]) -> list[tuple[str, Any, str | None]]:
    server = RecordingServer()
    asyncio.run(WidgetOutput(server, "bot_uttered").send_response("web-conv", message))
    return server.emitted


def test_an_evidence_question_is_one_message_with_its_buttons_and_its_request() -> None:
    # What Rasa's processor sends for the action's BotUttered (BotUttered.message()).
    message = BotUttered(QUESTION, data={"buttons": YES_NO, "custom": REQUEST}).message()
    assert send(message) == [("bot_uttered", {
        "text": QUESTION,
        "quick_replies": [{"content_type": "text", **b} for b in YES_NO],
        "custom": REQUEST,
    }, "web-conv")]


def test_other_messages_go_out_as_rasa_sends_them() -> None:
    assert send(BotUttered("Was it insured?", data={"buttons": YES_NO}).message()) == [
        ("bot_uttered", {"text": "Was it insured?", "quick_replies": [
            {"content_type": "text", **b} for b in YES_NO]}, "web-conv")]
    assert send(BotUttered("Hello.\n\nHow can I help?").message()) == [
        ("bot_uttered", {"text": "Hello."}, "web-conv"),
        ("bot_uttered", {"text": "How can I help?"}, "web-conv"),
    ]


def test_a_custom_payload_without_a_question_is_one_message_never_emit_s_arguments() -> None:
    assert send({"custom": {"language": "de"}}) == [
        ("bot_uttered", {"custom": {"language": "de"}}, "web-conv")]


def test_the_history_keeps_an_evidence_question_s_request_and_nothing_else_of_custom() -> None:
    events: list[dict[str, Any]] = [
        {"event": "user", "text": "my parcel arrived damaged"},
        {"event": "bot", "text": "What is damaged?", "data": {"custom": {"other": "x"}}},
        {"event": "bot", "text": QUESTION, "data": {
            "buttons": YES_NO,
            "custom": {"evidence_request": {"kind": "photo", "later_payload": "/inform",
                                            "html": "<b>", "kinds": ["photo", 3]},
                       "more": 1}}},
        {"event": "bot", "text": "The customs letter?", "data": {
            "custom": {"evidence_request": {"kind": "customs_letter", "kinds": [
                "customs_letter", "carrier_confirmation"]}}}},
    ]
    assert history_from_events(events) == [
        {"sender": "user", "text": "my parcel arrived damaged"},
        {"sender": "bot", "text": "What is damaged?"},
        {"sender": "bot", "text": QUESTION, "quick_replies": YES_NO,
         "custom": {"evidence_request": {"kind": "photo", "later_payload": "/inform"}}},
        {"sender": "bot", "text": "The customs letter?", "custom": {"evidence_request": {
            "kind": "customs_letter", "kinds": ["customs_letter", "carrier_confirmation"]}}},
    ]


# --- Telegram and Discord: the question and its buttons, nothing of the request ------------


def test_telegram_gets_an_evidence_question_as_its_text_and_buttons_only() -> None:
    from channels.fakes import FakeTelegramAPI

    from cssecure.channels.common import conversation_id
    from cssecure.channels.telegram import TelegramBotOutput

    token, secret = "123456:evidence-question", "telegram-secret-for-the-test"
    message = BotUttered(QUESTION, data={"buttons": YES_NO, "custom": REQUEST}).message()
    with FakeTelegramAPI(token) as api:
        async def ask() -> None:
            out = TelegramBotOutput(token, api.url, secret)
            try:
                await out.send_response(conversation_id("telegram", "4242", secret), message)
            finally:
                await out.close()

        asyncio.run(ask())
        calls = list(api.calls)
    assert [name for name, _ in calls] == ["sendMessage"]
    (sent,) = [params for _, params in calls]
    assert sent["text"] == QUESTION
    assert "Yes" in sent["reply_markup"] and "/deny" in sent["reply_markup"]
    assert "evidence_request" not in str(sent)


def test_discord_gets_an_evidence_question_as_its_text_and_buttons_only() -> None:
    from rasa.core.channels.channel import CollectingOutputChannel

    from cssecure.channels.discord_bridge import send_replies

    class Channel:
        def __init__(self) -> None:
            self.sent: list[tuple[str | None, Any]] = []

        async def send(self, content: str | None = None, *, view: Any = None) -> None:
            self.sent.append((content, view))

    async def ask() -> list[tuple[str | None, Any]]:
        collector = CollectingOutputChannel()
        message = BotUttered(QUESTION, data={"buttons": YES_NO, "custom": REQUEST}).message()
        await collector.send_response("discord-conv", message)
        channel = Channel()
        await send_replies(channel, collector.messages)
        return channel.sent

    ((text, view),) = asyncio.run(ask())
    assert text == QUESTION
    assert [item.label for item in view.children] == ["Yes", "No"]
