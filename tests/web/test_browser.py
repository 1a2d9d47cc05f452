"""The widget in Debian's chromium against a running stack (Rasa + action server + web app).

Open the demo page, sign in, chat, use a quick reply, upload a photo, reload and see the
conversation, receive an agent's pushed message; an anonymous visitor keeps the
conversation across reloads but another browser does not get it; a forged token is
refused. The assertions hold for any trained model: they check what the widget carries,
not what the assistant says.
"""

from __future__ import annotations

import asyncio
import io
import json
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from browsers import launched_chromium

from cssecure.claims import services
from cssecure.claims.app import ClaimsApp
from cssecure.handoff.rasa_api import web_push
from cssecure.identity.tokens import customer_conversation_id, widget_key
from cssecure.settings import PROJECT_ROOT, Settings

from .stack import WebStack, web_stack

pytestmark = [pytest.mark.browser, pytest.mark.stack, pytest.mark.slow]

TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WebStack, Settings]]:
    # No parcel on the agency's record: the claims these tests file name parcels of their own.
    with web_stack(tmp_path_factory.mktemp("browser-stack"), []) as live:
        yield live


def test_the_stack_runs_productions_channels_through_the_patched_rasa(
    live: tuple[WebStack, Settings],
) -> None:
    # Review 2 of issue 19: this stack wrote a credentials.yml of its own with Rasa's stock
    # REST channel. Ours refuses a sender id that is not made of letters, digits and - _ . @ :
    stack, _ = live
    answer = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook",
                           json={"sender": "x/../claims", "message": "hi"}, timeout=60)
    assert answer.status_code == 400 and "each a letter" in answer.json()["error"], answer.text
    argv = list(stack.server("rasa").process.args)
    assert argv[argv.index("--credentials") + 1] == str(PROJECT_ROOT / "credentials.yml")
    assert argv[1:3] == ["-m", "cssecure.ops.rasa_run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as browser:
        yield browser


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def _file_claim(settings: Settings, customer_id: str, parcel_id: str) -> str:
    claims = ClaimsApp.from_settings(settings)
    try:
        filed = services.file_claim(
            claims.uow, parcel_id=parcel_id, claim_type="damaged", facts={},
            customer_id=customer_id, channel="web",
            conversation_id=customer_conversation_id(widget_key(settings), customer_id),
            verified=True, parcel=None,
            assessor=lambda facts: {"decision": "review", "payout_rmb": "0.00",
                                    "payout_form": "none", "eligible_from": None,
                                    "reasons": ["photos of the damage are needed"]},
        )
        return filed.claim.reference
    finally:
        claims.dispose()


def _evidence(settings: Settings, reference: str) -> list[dict[str, Any]]:
    claims = ClaimsApp.from_settings(settings)
    try:
        claim = claims.claim_detail(reference)
        assert claim is not None
        return list(claim["evidence"])
    finally:
        claims.dispose()


def test_signed_in_customer_chats_uploads_reloads_and_hears_from_an_agent(
    live: tuple[WebStack, Settings], browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    stack, settings = live
    reference = _file_claim(settings, "demo-alice", "P-BROWSER-1")
    # A phone-sized screen.
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(stack.web_url + "/")
    expect(page.get_by_role("note")).to_contain_text("Demo page.")
    page.get_by_label("Demo customer").select_option("demo-alice")
    page.get_by_role("button", name="Sign in (demo)").click()
    # On a phone the chat waits behind its launcher bubble (the panel would cover the page).
    widget = page.locator(".csw[data-ready=true][data-session=verified]")
    expect(widget).to_be_hidden()
    page.get_by_role("button", name="Open the chat with the CSSecure assistant").click()
    expect(widget).to_be_visible()
    log = page.get_by_role("log", name="Conversation")
    expect(log).to_have_attribute("aria-live", "polite")

    # Send with the keyboard; focus stays in the labelled input.
    box = page.get_by_label("Your message")
    box.fill("hello")
    box.press("Enter")
    expect(log.locator(".csw-from-user").last).to_contain_text("hello")
    expect(log.locator(".csw-from-bot").first).to_be_visible(timeout=TIMEOUT_MS)
    assert page.evaluate("document.activeElement.getAttribute('aria-label') "
                         "|| document.activeElement.labels[0].textContent") == "Your message"
    first_reply = log.locator(".csw-from-bot").first.inner_text()

    replies = log.get_by_role("group", name="Suggested replies")
    if replies.count():
        button = replies.get_by_role("button").first
        title = button.inner_text()
        button.click()
        expect(log.locator(".csw-from-user").last).to_contain_text(title)
        expect(replies).to_have_count(0)

    # Nothing is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    photo = tmp_path / "damage.jpg"
    photo.write_bytes(_jpeg())
    with page.expect_response("**/api/evidence*") as uploaded:
        page.get_by_label("Attach a photo, video or document").set_input_files(str(photo))
    done = log.locator(".csw-upload-item[data-state=done]")
    expect(done).to_contain_text("Sent damage.jpg")
    # The widget names no claim: with no claim reported or filed in this chat the file is
    # kept and the assistant asks which claim it is for; it is never guessed onto her
    # open claim (issue 12).
    went = uploaded.value.json()
    assert (went["claim_ref"], went["loose"]) == (None, True)
    expect(done).to_contain_text("kept until you say which claim it is for")
    assert _evidence(settings, reference) == []

    page.reload()
    expect(page.locator(".csw[data-ready=true][data-session=verified]")).to_be_visible()
    history = page.get_by_role("log", name="Conversation")
    expect(history.locator(".csw-from-user").first).to_contain_text("hello")
    expect(history).to_contain_text(first_reply.split("\n")[0][:40])
    expect(history).to_contain_text("Sent damage.jpg")

    conversation = customer_conversation_id(widget_key(settings), "demo-alice")
    hostile = '<img src=x onerror="document.title=\'pwned\'">'
    # Playwright's sync API owns this thread's event loop: push from another thread.
    with ThreadPoolExecutor(1) as pool:
        pushed = pool.submit(asyncio.run, web_push(
            settings.rasa_url, settings.rasa_token, conversation,
            f"Hi, this is Mei from support. {hostile}", agent_name="Mei",
        )).result(30)
    assert pushed == {"recorded": True, "online": True}
    agent = history.locator(".csw-from-agent").last
    expect(agent).to_contain_text("Agent Mei")
    # Rendered as text: the markup is shown, never run.
    expect(agent).to_contain_text(hostile)
    assert history.locator("img").count() == 0
    assert page.title() != "pwned"
    page.close()


def test_anonymous_conversation_survives_a_reload_but_not_another_browser(
    live: tuple[WebStack, Settings], browser: Any
) -> None:
    from playwright.sync_api import expect

    stack, _ = live
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(stack.web_url + "/")
    expect(page.locator(".csw[data-ready=true][data-session=anonymous]")).to_be_visible()
    # A code the language detector ignores (it read "hello 05bb71" as Italian before it did).
    marker = f"hello {secrets.randbelow(10**6):06d}"
    page.get_by_label("Your message").fill(marker)
    page.get_by_role("button", name="Send").click()
    log = page.get_by_role("log", name="Conversation")
    expect(log.locator(".csw-from-bot").first).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator(".csw-typing")).to_be_hidden()

    page.reload()
    expect(page.locator(".csw[data-ready=true]")).to_be_visible()
    expect(page.get_by_role("log", name="Conversation")).to_contain_text(marker)

    other = browser.new_context().new_page()
    other.set_default_timeout(TIMEOUT_MS)
    other.goto(stack.web_url + "/")
    expect(other.locator(".csw[data-ready=true]")).to_be_visible()
    assert marker not in other.get_by_role("log", name="Conversation").inner_text()
    other.context.close()
    context.close()


def test_forged_sign_in_token_is_refused_with_a_readable_message(
    live: tuple[WebStack, Settings], browser: Any
) -> None:
    from playwright.sync_api import expect

    stack, _ = live
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(stack.web_url + "/")
    forged = {"customer_id": "demo-bob", "token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJDLTEwMDIifQ.x"}
    page.evaluate(
        "v => sessionStorage.setItem('cssecure.demo.token', v)", json.dumps(forged)
    )
    page.reload()
    expect(page.locator(".csw-alert")).to_contain_text("could not be verified")
    expect(page.locator(".csw[data-ready=true]")).to_have_count(0)
    page.close()


def test_the_widget_sends_the_pages_language_or_the_browsers_as_locale(
    live: tuple[WebStack, Settings], browser: Any
) -> None:
    """Issue 13: each message carries ``locale``: the host page's ``lang`` attribute, else
    ``navigator.language``; the assistant finds it in the message metadata."""
    import requests
    from playwright.sync_api import expect

    stack, settings = live
    conversation = customer_conversation_id(widget_key(settings), "demo-chen")

    def last_locale() -> Any:
        tracker = requests.get(
            f"{stack.rasa_url}/conversations/{conversation}/tracker",
            params={"token": settings.rasa_token}, timeout=10,
        ).json()
        users = [e for e in tracker["events"] if e["event"] == "user"]
        return users[-1]["metadata"].get("locale")

    context = browser.new_context(locale="fr-CA")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(stack.web_url + "/")
    page.get_by_label("Demo customer").select_option("demo-chen")
    page.get_by_role("button", name="Sign in (demo)").click()
    expect(page.locator(".csw[data-ready=true][data-session=verified]")).to_be_visible()
    log = page.get_by_role("log", name="Conversation")
    # The browser's own locale wins over the page's lang (how the customer writes dates).
    for lang, expected in (("de-ch", "fr-CA"), ("", "fr-CA")):
        page.evaluate("(lang) => { document.documentElement.lang = lang; }", lang)
        bot_lines = log.locator(".csw-from-bot").count()
        # (a French browser: the widget's labels are French, issue 14)
        page.get_by_label("Votre message").fill("hello")
        page.get_by_label("Votre message").press("Enter")
        expect(log.locator(".csw-from-bot").nth(bot_lines)).to_be_visible()
        assert last_locale() == expected
    context.close()


def test_the_widgets_own_labels_are_in_the_customers_language(
    live: tuple[WebStack, Settings], browser: Any
) -> None:
    """Issue 14: a German browser, or a German page in a browser that names no language,
    gets the widget's labels in German; an English browser gets them as they always were."""
    from playwright.sync_api import expect

    from .test_widget_i18n import load_catalog

    stack, _ = live
    labels = load_catalog()["labels"]
    german = {key: texts["de"] for key, texts in labels.items()}
    assert german["send"] != labels["send"]["en"]

    def check(page: Any, words: dict[str, str], lang: str) -> None:
        widget = page.locator(".csw[data-ready=true]")
        expect(widget).to_be_visible()
        expect(widget).to_have_attribute("lang", lang)
        expect(page.locator(".csw-title")).to_have_text(words["title"])
        expect(page.get_by_placeholder(words["input_placeholder"], exact=True)).to_be_visible()
        expect(page.get_by_role("button", name=words["send"], exact=True)).to_be_visible()
        expect(page.get_by_role("log", name=words["log_label"])).to_be_visible()

    # The browser's language.
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(stack.web_url + "/")
    check(page, german, "de")
    expect(page.locator(".csw-status")).to_have_text(german["status_anonymous"])
    # The labelled input and the button work (the test model answers "hello").
    page.get_by_label(german["input_label"]).fill("hello")
    page.get_by_role("button", name=german["send"], exact=True).click()
    expect(page.locator(".csw-from-bot").first).to_be_visible(timeout=TIMEOUT_MS)
    context.close()

    # The page's lang when the browser names no language (the demo page remounts the
    # widget on sign-in).
    context = browser.new_context()
    context.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'language', { get: () => '' });"
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(stack.web_url + "/")
    expect(page.locator(".csw[data-ready=true]")).to_have_attribute("lang", "en")
    page.evaluate("() => { document.documentElement.lang = 'de-AT'; }")
    page.get_by_label("Demo customer").select_option("demo-bob")
    page.get_by_role("button", name="Sign in (demo)").click()
    expect(page.locator(".csw[data-ready=true][data-session=verified]")).to_be_visible()
    check(page, german, "de")
    expect(page.locator(".csw-status")).to_have_text(german["status_verified"])
    context.close()

    # English stays as it was.
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(stack.web_url + "/")
    check(page, {"title": "CSSecure claims assistant", "input_placeholder": "Type your message…",
                 "send": "Send", "log_label": "Conversation"}, "en")
    expect(page.get_by_label("Your message")).to_be_visible()
    expect(page.get_by_title("Attach a photo, video or document")).to_be_visible()
    context.close()
