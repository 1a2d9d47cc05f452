"""The web app's own texts in the customer's language (issue 14).

What the web app tells a customer itself: a refused link code (said in the Telegram or
Discord chat), a refused sign-in (the widget's connect error), the upload endpoint's
answers (refused, too large, no file) and how an upload shows in the chat's history. The
language is the one the request names (the widget sends its labels' language with an
upload and its locale with the socket's sign-in), else the conversation's ``language``
slot, else the browser's ``Accept-Language``, else English.

A small German test catalog stands in for the ``.po`` file (its placeholders filled by the
code under test); English is compared with the texts the web app always sent.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
import socketio
from loopback import ServerThread

from cssecure.channels.chat import ChatServices
from cssecure.channels.common import bot_command
from cssecure.claims.db import upgrade
from cssecure.claims.evidence import MB
from cssecure.i18n import catalog
from cssecure.identity.linking import (
    LinkCodeExpired,
    LinkCodeInvalid,
    LinkCodeUsed,
    LinkStore,
    utcnow,
)
from cssecure.identity.tokens import (
    CUSTOMER_AUDIENCE,
    ISSUER,
    TokenRejected,
    accept_language,
    client_language,
    customer_conversation_id,
    issue_customer_token,
    issue_session_token,
    new_anonymous_conversation_id,
    verify_customer_token,
    verify_session_token,
    widget_key,
)
from cssecure.settings import Settings
from cssecure.web.app import MAX_UPLOAD_BYTES, create_app

from . import test_widget_i18n as widget_page
from .servers import FakeRasa, WebOnFakeRasa, web_on_fake_rasa, web_settings

chromium = widget_page.chromium  # the browser fixture of the widget's label tests

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 60
PDF = b"%PDF-1.4\n" + b"%" * 60

# English as the web app always worded it.
LINK_INVALID = (
    "That link code is not valid. Check it, or get a new one on the website "
    "(Account > Link Telegram/Discord)."
)
LINK_EXPIRED = (
    "That link code has expired (codes work for 10 minutes). Get a new one on the website."
)
LINK_USED = (
    "That link code has already been used. Each code works once: get a new one on the website."
)
NOT_VERIFIED = "Your sign-in could not be verified. Please sign in again."
EXPIRED = "Your sign-in has expired. Please sign in again."
NO_TOKEN = "No sign-in token was given."
SESSION_NOT_VERIFIED = "Your chat session could not be verified. Please reload the page."
NOT_SIGNED_IN = "Please sign in, or open the chat first, before sending files."
NO_FILE = "No file was sent: choose a photo, video or document."
WRONG_TYPE = "The file {filename} is of type {content_type}; a photo must be one of: {accepted}."
SENT = "Sent {filename}"
TOO_LARGE = "The file is too large: files may be at most {limit} MB."
LINK_SIGN_IN = "Sign in on the website to link Telegram or Discord."

GERMAN = {
    LINK_INVALID: "Dieser Verknüpfungscode ist ungültig. Prüfen Sie ihn oder holen Sie sich "
    "auf der Website einen neuen (Konto > Telegram/Discord verknüpfen).",
    LINK_EXPIRED: "Dieser Verknüpfungscode ist abgelaufen (Codes gelten 10 Minuten). Holen "
    "Sie sich auf der Website einen neuen.",
    LINK_USED: "Dieser Verknüpfungscode wurde schon benutzt. Jeder Code gilt nur einmal: "
    "Holen Sie sich auf der Website einen neuen.",
    NOT_VERIFIED: "Ihre Anmeldung konnte nicht geprüft werden. Bitte melden Sie sich erneut an.",
    EXPIRED: "Ihre Anmeldung ist abgelaufen. Bitte melden Sie sich erneut an.",
    NO_TOKEN: "Es wurde kein Anmeldetoken mitgeschickt.",
    SESSION_NOT_VERIFIED: "Ihre Chat-Sitzung konnte nicht geprüft werden. Bitte laden Sie "
    "die Seite neu.",
    NOT_SIGNED_IN: "Bitte melden Sie sich an oder öffnen Sie zuerst den Chat, bevor Sie "
    "Dateien senden.",
    NO_FILE: "Es wurde keine Datei gesendet: Wählen Sie ein Foto, ein Video oder ein Dokument.",
    WRONG_TYPE: "Die Datei {filename} ist eine {content_type}-Datei; ein Foto muss eines "
    "davon sein: {accepted}.",
    SENT: "{filename} gesendet",
    TOO_LARGE: "Die Datei ist zu groß: Dateien dürfen höchstens {limit} MB groß sein.",
    LINK_SIGN_IN: "Melden Sie sich auf der Website an, um Telegram oder Discord zu verknüpfen.",
}


@pytest.fixture()
def german(monkeypatch: pytest.MonkeyPatch) -> None:
    """``de``: the ``GERMAN`` test catalog; every other language: English."""
    table = {english: (text,) for english, text in GERMAN.items()}
    monkeypatch.setattr(catalog, "_translations", lambda lang: table if lang == "de" else {})


def run(coro: Any) -> Any:
    return asyncio.run(coro)


# --- link codes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "english"),
    [(LinkCodeInvalid, LINK_INVALID), (LinkCodeExpired, LINK_EXPIRED), (LinkCodeUsed, LINK_USED)],
)
def test_a_link_code_refusal_keeps_its_english_and_is_said_in_german(
    german: None, error: type[LinkCodeInvalid], english: str
) -> None:
    refusal = error()
    assert str(refusal) == refusal.text() == refusal.text("en") == refusal.text("xx") == english
    assert refusal.text("de") == GERMAN[english]
    assert refusal.text("fr") == english  # untranslated: English


def _link_settings(tmp_path: Path) -> Settings:
    settings = Settings.from_env({
        "CSSECURE_VAR_DIR": str(tmp_path),
        "CSSECURE_JWT_SECRET": "link-test-secret-" + "q" * 20,
    })
    upgrade(settings.database_url)
    return settings


def test_telegram_and_discord_answer_a_refused_link_code_in_the_chats_language(
    german: None, tmp_path: Path
) -> None:
    settings = _link_settings(tmp_path)
    store = LinkStore.from_url(settings.database_url)
    used = store.issue_code("C-1")
    store.redeem(used.code, "telegram", "tg-first")
    expired = store.issue_code("C-2", now=utcnow() - timedelta(hours=1))
    for channel in ("telegram", "discord"):
        services = ChatServices(channel, settings)
        for code, english in (("ABCD-EFGH", LINK_INVALID), (used.code, LINK_USED),
                              (expired.code, LINK_EXPIRED)):
            command = bot_command(f"/link {code}")
            assert command is not None
            in_english = run(services.account_command(command, "someone"))
            in_german = run(services.account_command(command, "someone", "de"))
            assert in_english is not None and in_german is not None
            assert (in_english.text, in_english.changed) == (english, False)
            assert (in_german.text, in_german.changed) == (GERMAN[english], False)
    store.engine.dispose()


# --- tokens and the language of a refusal -------------------------------------------------


def test_token_refusals_keep_their_english_and_are_said_in_german(german: None) -> None:
    key = b"k" * 32
    expired = jwt.encode(
        {"sub": "C-1", "aud": CUSTOMER_AUDIENCE, "iss": ISSUER, "iat": 1, "exp": 2}, key,
        algorithm="HS256",
    )
    cases = [
        (lambda: verify_customer_token(key, issue_customer_token(b"z" * 32, "C-1")),
         NOT_VERIFIED),
        (lambda: verify_customer_token(key, expired), EXPIRED),
        (lambda: verify_customer_token(key, " "), NO_TOKEN),
        # A customer token offered as an anonymous session.
        (lambda: verify_session_token(key, jwt.encode(
            {"sub": "web-c-1", "aud": "cssecure:web-session", "iss": ISSUER,
             "exp": int(time.time()) + 60}, key, algorithm="HS256")), SESSION_NOT_VERIFIED),
    ]
    for call, english in cases:
        with pytest.raises(TokenRejected) as refused:
            call()
        assert str(refused.value) == refused.value.text() == english
        assert refused.value.text("de") == GERMAN[english]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("de-AT,de;q=0.9,en;q=0.8", "de"),
        ("fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5", "fr"),
        ("ja-JP,ja;q=0.9,pt-BR;q=0.8,en;q=0.5", "pt"),  # the first of ours, by preference
        ("en;q=0.4, pl;q=0.7", "pl"),  # by quality, not position
        ("en-US,en;q=0.9,de;q=0.8", "en"),
        ("de;q=0, it;q=0.2", "it"),  # q=0: not wanted
        ("nl;q=abc, es", "es"),  # a malformed quality is skipped
        ("ja, zh", None),
        ("*", None),
        ("", None),
        (None, None),
    ],
)
def test_accept_language_gives_our_language_the_browser_prefers(
    header: str | None, expected: str | None
) -> None:
    assert accept_language(header) == expected


def test_the_clients_own_language_comes_before_the_browsers() -> None:
    assert client_language("pl-PL", "de-DE,de;q=0.9") == "pl"
    assert client_language("ja-JP", "de-DE,de;q=0.9") == "de"  # not ours: the browser's
    assert client_language(None, "it") == "it"
    assert client_language(3, None) is None


# --- the web app over HTTP ----------------------------------------------------------------


Stack = WebOnFakeRasa
JWT_SECRET = "web-texts-test-secret-" + "w" * 20


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with web_on_fake_rasa(tmp_path_factory.mktemp("webtexts"), JWT_SECRET) as app:
        yield app


def _wrong_type(filename: str, language: str) -> str:
    template = GERMAN[WRONG_TYPE] if language == "de" else WRONG_TYPE
    return template.format(filename=repr(filename), content_type="application/pdf",
                           accepted="heic, jpg, png, webp")


def test_a_refused_upload_in_english_is_as_before(stack: Stack, german: None) -> None:
    token = issue_customer_token(stack.key, "C-100")
    answer = stack.upload(token, "scan.pdf", PDF, kind="photo")
    assert answer.status_code == 422
    assert answer.json() == {"error": _wrong_type("scan.pdf", "en")}
    widget_english = stack.upload(token, "scan.pdf", PDF, kind="photo", language="en")
    assert widget_english.json() == {"error": _wrong_type("scan.pdf", "en")}


def test_a_refused_upload_is_said_in_the_widgets_language(stack: Stack, german: None) -> None:
    token = issue_customer_token(stack.key, "C-101")
    answer = stack.upload(token, "scan.pdf", PDF, kind="photo", language="de")
    assert answer.status_code == 422
    assert answer.json() == {"error": _wrong_type("scan.pdf", "de")}
    # The widget's language wins over the conversation's slot and the browser's.
    conversation = customer_conversation_id(stack.key, "C-101")
    stack.rasa.slots[conversation] = {"language": "de"}
    english = stack.upload(token, "scan.pdf", PDF, kind="photo", language="en",
                           headers={"Accept-Language": "de"})
    assert english.json() == {"error": _wrong_type("scan.pdf", "en")}


def test_without_the_widgets_language_the_conversations_then_the_browsers(
    stack: Stack, german: None
) -> None:
    token = issue_customer_token(stack.key, "C-102")
    conversation = customer_conversation_id(stack.key, "C-102")
    stack.rasa.slots[conversation] = {"language": "de"}
    by_slot = stack.upload(token, "scan.pdf", PDF, kind="photo",
                           headers={"Accept-Language": "en-GB"})
    assert by_slot.json() == {"error": _wrong_type("scan.pdf", "de")}
    stack.rasa.slots[conversation] = {"language": None}
    by_browser = stack.upload(token, "scan.pdf", PDF, kind="photo",
                              headers={"Accept-Language": "de-CH,de;q=0.9,en;q=0.5"})
    assert by_browser.json() == {"error": _wrong_type("scan.pdf", "de")}


def test_a_missing_file_and_a_refused_sign_in_are_said_in_german(
    stack: Stack, german: None
) -> None:
    token = issue_customer_token(stack.key, "C-103")
    signed_in = {"Authorization": f"Bearer {token}"}
    no_file = requests.post(stack.url("/api/evidence"), headers=signed_in,
                            data={"kind": "photo", "language": "de"}, timeout=5)
    assert (no_file.status_code, no_file.json()) == (400, {"error": GERMAN[NO_FILE]})
    english = requests.post(stack.url("/api/evidence"), headers=signed_in,
                            data={"kind": "photo"}, timeout=5)
    assert english.json() == {"error": NO_FILE}

    anonymous = stack.upload(None, "a.jpg", JPEG, language="de")
    assert (anonymous.status_code, anonymous.json()) == (401, {"error": GERMAN[NOT_SIGNED_IN]})
    forged = stack.upload(issue_customer_token(b"z" * 32, "C-103"), "a.jpg", JPEG,
                          headers={"Accept-Language": "de-DE"})
    assert (forged.status_code, forged.json()) == (401, {"error": GERMAN[NOT_VERIFIED]})
    assert stack.upload(None, "a.jpg", JPEG).json() == {"error": NOT_SIGNED_IN}


def test_a_stored_upload_shows_in_the_history_in_the_customers_language(
    stack: Stack, german: None
) -> None:
    for customer, language, shown in (("C-104", "de", "foto.jpg gesendet"),
                                      ("C-105", "", "Sent foto.jpg")):
        token = issue_customer_token(stack.key, customer)
        answer = stack.upload(token, "foto.jpg", JPEG, kind="photo", language=language)
        assert answer.status_code == 201, answer.text
        told = [m for m in stack.rasa.received if m.text == answer.json()["message"]]
        assert [m.metadata["display"] for m in told] == [shown]


def test_the_link_code_endpoint_refuses_in_the_customers_language(
    stack: Stack, german: None
) -> None:
    anonymous = requests.post(stack.url("/api/link-code?language=de"), timeout=5)
    assert (anonymous.status_code, anonymous.json()) == (401, {"error": GERMAN[NOT_SIGNED_IN]})
    session = issue_session_token(stack.key, new_anonymous_conversation_id())
    visitor = requests.post(stack.url("/api/link-code"), timeout=5,
                            headers={"Authorization": f"Bearer {session}",
                                     "Accept-Language": "de-AT"})
    assert (visitor.status_code, visitor.json()) == (401, {"error": GERMAN[LINK_SIGN_IN]})
    english = requests.post(stack.url("/api/link-code"), timeout=5,
                            headers={"Authorization": f"Bearer {session}"})
    assert english.json() == {"error": LINK_SIGN_IN}


def test_a_request_too_large_to_read_is_refused_in_the_customers_language(
    tmp_path: Path, german: None
) -> None:
    rasa = FakeRasa(web_settings(tmp_path, JWT_SECRET, "http://unused")).start()
    settings = web_settings(tmp_path, JWT_SECRET, rasa.url)
    upgrade(settings.database_url)
    app = create_app(settings, console=False)
    app.config.REQUEST_MAX_SIZE = 1 * MB
    web = ServerThread(app).start()
    limit = MAX_UPLOAD_BYTES // MB
    try:
        def too_large(token: str | None, **headers: str) -> Any:
            sent = {"Authorization": f"Bearer {token}"} if token else {}
            answer = requests.post(
                web.url + "/api/evidence", headers={**sent, **headers},
                files={"file": ("v.mp4", b"\x00" * (2 * MB), "video/mp4")}, timeout=30,
            )
            assert answer.status_code == 413
            return answer.json()

        token = issue_customer_token(widget_key(settings), "C-1")
        assert too_large(token) == {"error": TOO_LARGE.format(limit=limit)}
        german_text = {"error": GERMAN[TOO_LARGE].format(limit=limit)}
        assert too_large(None, **{"Accept-Language": "de-DE,de;q=0.9"}) == german_text
        rasa.slots[customer_conversation_id(widget_key(settings), "C-1")] = {"language": "de"}
        assert too_large(token, **{"Accept-Language": "en"}) == german_text
    finally:
        web.stop()
        rasa.stop()


# --- the widget's connect error -----------------------------------------------------------


async def _refused_connect(url: str, auth: dict[str, Any], headers: dict[str, str]) -> str:
    client = socketio.AsyncClient(reconnection=False)
    errors: asyncio.Queue[Any] = asyncio.Queue()

    @client.on("connect_error")
    async def refused(data: Any = None) -> None:
        await errors.put(data)

    # wait=False: a refused client's own cleanup would otherwise idle for 30 s.
    await client.connect(url, transports=["polling"], auth=auth, headers=headers, wait=False)
    error = await asyncio.wait_for(errors.get(), 5)
    await client.eio.disconnect(abort=True)
    return str(error["message"] if isinstance(error, dict) else error)


def test_a_refused_sign_in_is_said_in_the_widgets_locale_else_the_browsers(
    stack: Stack, german: None
) -> None:
    forged = issue_customer_token(b"z" * 32, "C-1")
    url = stack.rasa.url
    assert run(_refused_connect(url, {"token": forged}, {})) == NOT_VERIFIED
    assert run(_refused_connect(url, {"token": forged, "locale": "de-AT"}, {})) == (
        GERMAN[NOT_VERIFIED])
    assert run(_refused_connect(url, {"token": forged}, {"Accept-Language": "de"})) == (
        GERMAN[NOT_VERIFIED])
    assert run(_refused_connect(url, {"token": forged, "locale": "en-GB"},
                                {"Accept-Language": "de"})) == NOT_VERIFIED


# --- the widget sends its language ----------------------------------------------------------


@pytest.mark.browser
def test_the_widget_sends_its_locale_to_sign_in_and_its_language_with_an_upload(
    chromium: Any,
) -> None:
    page = widget_page.open_widget(chromium, browser_locale="de-AT",
                                   options={"token": "customer-token"})
    auth = page.evaluate("window.__sockets.at(-1).opts.auth")
    assert auth == {"token": "customer-token", "locale": "de-AT"}

    uploads: list[bytes] = []
    urls: list[str] = []

    def refuse(route: Any) -> None:
        uploads.append(route.request.post_data_buffer or b"")
        urls.append(route.request.url)
        route.fulfill(status=422, content_type="application/json",
                      body='{"error": "Refus dans la langue du client."}')

    page.context.route("**/api/evidence*", refuse)
    # The conversation is French: the labels follow, and so does the upload's language.
    confirm: dict[str, Any] = {
        "session_token": None, "verified": True, "history": [], "language": "fr"}
    widget_page.fire(page, "session_confirm", confirm)
    page.set_input_files(".csw-file", files=[
        {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.wait_for_function("() => document.querySelector('.csw-alert').textContent !== ''")
    assert page.locator(".csw-alert").inner_text() == "Refus dans la langue du client."
    assert len(uploads) == 1
    assert "language=fr" in urls[0].split("?", 1)[1].split("&")
    page.context.close()
