"""Evidence during a claim in progress on the chat channels (issue 15).

Telegram (webhook updates against the loopback fake of the Bot API) and Discord (the
bridge with fake messages): the file is stored with the claim being reported (its draft),
the bot is told, and the words sent with it are read as the customer's message. Real
claims service (SQLite) behind the channels.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import requests
from loopback import ServerThread
from web.evidence_media import quicktime_video

from cssecure.channels.discord import dm_conversation
from cssecure.channels.discord_bridge import DiscordBridge
from cssecure.channels.evidence import EvidenceTarget, caption_text
from cssecure.channels.telegram import CSSecureTelegramInput
from cssecure.evidence.links import UploadLinks
from cssecure.web.app import create_app

from .conftest import JPEG, SERVICE_TOKEN, claims_app, draft_kinds
from .fakes import (
    FakeAgent,
    FakeFile,
    FakeTelegramAPI,
    echo_reply,
    rasa_app,
    run,
    serve_channel,
    set_slots,
)
from .test_discord import FakeAttachment, FakeChannel, FakeMessage, FakeUser, with_bridge
from .test_discord import settings_for as discord_settings
from .test_telegram import bot_api, conv, file_update, send, settings_for  # noqa: F401

DRAFT = "draft-15a"
CAPTION = "The lid of the vase is cracked, see the photo"


def inform_of(message: Any) -> dict[str, str]:
    assert message.text is not None and message.text.startswith("/inform{"), message.text
    entities: dict[str, str] = json.loads(message.text[len("/inform"):])
    return entities


def test_a_caption_is_read_unless_it_only_names_the_claim() -> None:
    assert caption_text(CAPTION) == CAPTION
    assert caption_text("  broken  ") == "broken"
    assert caption_text("CS-2026-000123") is None
    assert caption_text("for CS-2026-000123.") is None
    assert caption_text("cracked lid CS-2026-000123") == "cracked lid CS-2026-000123"
    assert caption_text("") is None and caption_text(None) is None


def test_telegram_photo_with_a_caption_during_a_claim_is_stored_and_its_caption_read(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI  # noqa: F811
) -> None:
    # Issue 15's reproduction: at "Do you have photos of the damaged area?" a photo with a
    # caption got "Please report what happened first ... Your file was not stored." and the
    # caption describing the damage was never read.
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    app = claims_app(settings)
    bot_api.files["photo-1"] = FakeFile("photos/file_1.jpg", JPEG)
    agent = FakeAgent(echo_reply)

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await set_slots(agent, conv(settings), claim_draft_id=DRAFT)
            await send(base, settings, file_update("photo", "photo-1", caption=CAPTION))

    run(scenario())
    assert draft_kinds(app, conv(settings), DRAFT) == ["photo"]
    told, said = agent.messages[-2:]
    assert inform_of(told)["evidence_kind"] == "photo"
    assert said.text == CAPTION and said.sender_id == conv(settings)
    assert said.message_id == f"{told.message_id}-caption"
    assert not any("not stored" in text for text in bot_api.sent_texts())
    assert bot_api.sent_texts()[-1] == f"echo: {CAPTION}"


def test_telegram_caption_is_read_even_when_the_file_is_refused(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI  # noqa: F811
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    app = claims_app(settings)
    bot_api.files["doc-1"] = FakeFile("documents/file_9.pdf", b"MZ\x90\x00 a program" * 8)
    agent = FakeAgent(echo_reply)

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await set_slots(agent, conv(settings), claim_draft_id=DRAFT)
            await send(base, settings, file_update("document", "doc-1", caption=CAPTION))

    run(scenario())
    assert draft_kinds(app, conv(settings), DRAFT) == []
    assert [m.text for m in agent.messages] == [CAPTION]
    assert "not a file type we accept" in bot_api.sent_texts()[0]


def test_telegram_caption_naming_only_the_claim_is_not_a_message(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI  # noqa: F811
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    claims_app(settings)
    bot_api.files["photo-1"] = FakeFile("photos/file_1.jpg", JPEG)
    agent = FakeAgent(echo_reply)

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await set_slots(agent, conv(settings), claim_draft_id=DRAFT)
            await send(base, settings, file_update("photo", "photo-1", caption="  "))

    run(scenario())
    assert len(agent.messages) == 1 and inform_of(agent.messages[0])["evidence_kind"] == "photo"


def test_discord_attachment_with_words_during_a_claim_is_stored_and_the_words_read(
    tmp_path: Path, sqlite_url: str
) -> None:
    settings = discord_settings(tmp_path, sqlite_url)
    app = claims_app(settings)
    user = 31337
    conversation = dm_conversation(user, settings)
    agent = FakeAgent(echo_reply)
    dm = FakeChannel(78)
    photos = [FakeAttachment("IMG_1.jpg", JPEG, "image/jpeg"),
              FakeAttachment("IMG_2.jpg", JPEG + b"\x00", "image/jpeg")]

    async def steps(bridge: DiscordBridge) -> None:
        await set_slots(agent, conversation, claim_draft_id=DRAFT)
        await bridge.handle_message(FakeMessage(FakeUser(user), dm, CAPTION, attachments=photos))

    run(with_bridge(settings, agent, steps))
    assert draft_kinds(app, conversation, DRAFT) == ["photo", "photo"]
    texts = [m.text for m in agent.messages]
    assert [inform_of(m)["evidence_kind"] for m in agent.messages[:2]] == ["photo", "photo"]
    assert texts[2:] == [CAPTION]  # once, after the files
    assert dm.texts()[-1] == f"echo: {CAPTION}"


# --- files over a chat's limit: a one-time upload link ------------------------------------


def _video_update(size: int, caption: str | None = None) -> dict[str, Any]:
    update = file_update("photo", "unused", caption=caption)
    del update["message"]["photo"]
    update["message"]["video"] = {"file_id": "big-video", "file_unique_id": "bv", "width": 1920,
                                  "height": 1080, "duration": 180, "file_size": size,
                                  "mime_type": "video/mp4"}
    return update


def _link_in(text: str) -> str:
    match = re.search(r"(http://\S+/api/upload/)([A-Za-z0-9_-]{43})", text)
    assert match, text
    return match.group(2)


def test_a_60_mb_telegram_video_gets_an_upload_link_that_works_once(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI  # noqa: F811
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    app = claims_app(settings)
    agent = FakeAgent(echo_reply)
    with serve_channel(CSSecureTelegramInput(settings), agent) as base:
        run(set_slots(agent, conv(settings), claim_draft_id=DRAFT))
        run(send(base, settings, _video_update(60 * 1024 * 1024)))
        assert bot_api.calls_to("getFile") == []  # never fetched: over the bot's 20 MB
        (offer,) = bot_api.sent_texts()
        assert offer.startswith("This file is 60 MB, more than I can receive here (20 MB).")
        assert "the link works once, for 2 hours" in offer
        token = _link_in(offer)
        assert agent.messages == []  # nothing stored yet: the bot is not told

        # The website's web app, telling the bot through the Telegram channel's server.
        web_settings = dataclasses.replace(settings, rasa_url=base)
        web = ServerThread(create_app(web_settings, console=False, claims=app)).start()
        try:
            page = requests.get(f"{web.url}/api/upload/{token}", timeout=10)
            assert page.status_code == 200 and "Send your file" in page.text
            assert "script-src 'self'" in page.headers["Content-Security-Policy"]
            assert page.headers["Referrer-Policy"] == "no-referrer"
            video = quicktime_video(datetime(2026, 11, 20, 10, tzinfo=timezone.utc),
                                    padding=300_000)

            def upload() -> requests.Response:
                return requests.post(f"{web.url}/api/evidence?link={token}",
                                     files={"file": ("unboxing.mov", video, "video/quicktime")},
                                     timeout=30)

            first = upload()
            assert first.status_code == 201, first.text
            body = first.json()
            assert body["draft_id"] == DRAFT and body["kind"] == "unboxing_video"
            assert body["bot_notified"] is True
            assert draft_kinds(app, conv(settings), DRAFT) == ["unboxing_video"]
            # The bot heard it in the Telegram conversation and answered there.
            (told,) = agent.messages
            assert inform_of(told) == {"evidence_kind": "unboxing_video",
                                       "evidence_id": body["evidence_id"]}
            assert told.sender_id == conv(settings)
            assert bot_api.sent_texts()[-1].startswith("echo: /inform")
            again = upload()
            assert again.status_code == 410 and "already been used" in again.json()["error"]
            assert draft_kinds(app, conv(settings), DRAFT) == ["unboxing_video"]
            assert requests.get(f"{web.url}/api/upload/{token}", timeout=10).status_code == 404
        finally:
            web.stop()


def test_only_the_service_may_tell_a_telegram_chat_of_a_file(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI  # noqa: F811
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    agent = FakeAgent(echo_reply)
    body = {"conversation_id": conv(settings), "evidence_kind": "photo", "evidence_id": "ev_1"}
    with serve_channel(CSSecureTelegramInput(settings), agent) as base:
        url = f"{base}/webhooks/telegram/evidence"
        assert requests.post(url, json=body, timeout=10).status_code == 401
        forged = requests.post(url, json=body, timeout=10,
                               headers={"Authorization": "Bearer not-the-token"})
        assert forged.status_code == 401
        elsewhere = requests.post(url, json={**body, "conversation_id": "web-123"}, timeout=10,
                                  headers={"Authorization": f"Bearer {SERVICE_TOKEN}"})
        assert elsewhere.status_code == 404
    assert agent.messages == []


def test_an_expired_or_unknown_link_is_refused_and_a_refused_file_keeps_the_link(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI  # noqa: F811
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    app = claims_app(settings)
    links = UploadLinks.for_settings(settings)
    target = EvidenceTarget("draft", DRAFT)

    def issue(ttl: timedelta) -> str:
        return links.issue(conversation_id="telegram-x", customer_id=None, channel="telegram",
                           target=target, kind="unboxing_video", language="de", ttl=ttl)

    expired, live = issue(timedelta(seconds=-1)), issue(timedelta(minutes=5))
    web = ServerThread(create_app(settings, console=False, claims=app)).start()
    try:
        def upload(token: str, data: bytes) -> requests.Response:
            return requests.post(f"{web.url}/api/evidence?link={token}",
                                 files={"file": ("v.mov", data, "video/quicktime")}, timeout=30)

        video = quicktime_video(datetime(2026, 11, 20, 10, tzinfo=timezone.utc))
        refused = upload(expired, video)
        assert refused.status_code == 410 and "abgelaufen" in refused.json()["error"]  # the chat's
        unknown = upload("x" * 43, video)
        assert unknown.status_code == 404 and "not valid" in unknown.json()["error"]
        # A file the store refuses does not use the link up: the customer may try again.
        html_page = upload(live, b"<!DOCTYPE html><html>statement</html>")
        assert html_page.status_code == 422  # in the chat's language
        assert "Datei" in html_page.json()["error"]
        assert upload(live, video).status_code == 201
        assert draft_kinds(app, "telegram-x", DRAFT) == ["unboxing_video"]
    finally:
        web.stop()


def test_an_upload_cut_by_a_dropped_connection_gives_the_link_back(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI  # noqa: F811
) -> None:
    """Found by review: Sanic cancels the handler of a connection that drops mid-body; the
    link must not stay taken ("already been used") with no file stored."""
    import socket
    import time
    from urllib.parse import urlsplit

    settings = settings_for(tmp_path, sqlite_url, bot_api)
    app = claims_app(settings)
    links = UploadLinks.for_settings(settings)
    token = links.issue(conversation_id="telegram-x", customer_id=None, channel="telegram",
                        target=EvidenceTarget("draft", DRAFT), kind="unboxing_video",
                        language="en", ttl=timedelta(minutes=5))
    video = quicktime_video(datetime(2026, 11, 20, 10, tzinfo=timezone.utc), padding=600_000)
    boundary = "cut-boundary"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="v.mov"\r\n'
            "Content-Type: video/quicktime\r\n\r\n").encode()
    body = head + video + f"\r\n--{boundary}--\r\n".encode()
    web = ServerThread(create_app(settings, console=False, claims=app)).start()
    try:
        where = urlsplit(web.url)
        with socket.create_connection((where.hostname, where.port), timeout=10) as raw:
            raw.sendall(
                (f"POST /api/evidence?link={token} HTTP/1.1\r\nHost: {where.netloc}\r\n"
                 f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                 f"Content-Length: {len(body)}\r\n\r\n").encode()
                + body[: len(body) // 3]
            )
            time.sleep(1.0)  # the server is reading the body when the customer's line drops
        deadline = time.monotonic() + 10
        page = requests.get(f"{web.url}/api/upload/{token}", timeout=10)
        while page.status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
            page = requests.get(f"{web.url}/api/upload/{token}", timeout=10)
        assert page.status_code == 200, page.text  # the link is still the customer's
        assert draft_kinds(app, "telegram-x", DRAFT) == []
        again = requests.post(f"{web.url}/api/evidence?link={token}",
                              files={"file": ("v.mov", video, "video/quicktime")}, timeout=30)
        assert again.status_code == 201, again.text
        assert draft_kinds(app, "telegram-x", DRAFT) == ["unboxing_video"]
    finally:
        web.stop()


# --- a file without words is what the conversation waits for (issue 15 review) -------------


def test_a_telegram_document_sent_while_the_customs_letter_is_asked_is_that_letter(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI  # noqa: F811
) -> None:
    """A PDF without caption at "Do you have proof of the seizure?" was stored as "other"
    and never answered the question nor the claim's checklist."""
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    app = claims_app(settings)
    bot_api.files["doc-1"] = FakeFile("documents/file_1.pdf", b"%PDF-1.7\n" + b"x" * 64)
    bot_api.files["photo-1"] = FakeFile("photos/file_1.jpg", JPEG)
    agent = FakeAgent(echo_reply)

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await set_slots(agent, conv(settings), claim_draft_id=DRAFT,
                            requested_slot="seizure_proof")
            await send(base, settings, file_update("document", "doc-1"))
            # A photo of the letter counts too (Telegram sends photos as JPEG).
            await send(base, settings, file_update("photo", "photo-1", update_id=11))

    run(scenario())
    assert draft_kinds(app, conv(settings), DRAFT) == ["customs_letter", "customs_letter"]


def test_a_telegram_document_with_no_question_asked_stays_other(
    tmp_path: Path, sqlite_url: str, bot_api: FakeTelegramAPI  # noqa: F811
) -> None:
    settings = settings_for(tmp_path, sqlite_url, bot_api)
    app = claims_app(settings)
    bot_api.files["doc-1"] = FakeFile("documents/file_1.pdf", b"%PDF-1.7\n" + b"x" * 64)
    agent = FakeAgent(echo_reply)

    async def scenario() -> None:
        async with rasa_app(CSSecureTelegramInput(settings), agent) as base:
            await set_slots(agent, conv(settings), claim_draft_id=DRAFT,
                            requested_slot="delivered_date")
            await send(base, settings, file_update("document", "doc-1"))

    run(scenario())
    assert draft_kinds(app, conv(settings), DRAFT) == ["other"]
