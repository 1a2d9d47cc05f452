"""The widget's first impression (issue 17), in Debian's chromium with a stand-in socket.io
client the test drives (``window.io``, as in test_widget_i18n.py) and the web app's answers
served by the test:

* one script tag embeds it: a launcher bubble, configured by ``data-`` attributes, that
  loads its labels, styles and the socket.io client from its own folder;
* a new conversation opens with a greeting and four starter buttons in the customer's
  language; "Report a problem" asks what happened, then offers a signed-in customer's recent
  shipped parcels (number, line, destination, day) and sends one sentence with both;
* messages carry their time, the customer's their delivery state; "typing" lasts exactly
  until the server acknowledges the turn, never while a person holds the chat, and not after
  an upload's answer;
* keyboard: the bubble opens and focuses the input, Escape closes and returns to the bubble;
* phone: the input is on screen when the panel opens and stays there as the chat grows, and
  the page behind never scrolls.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browsers import launched_chromium

from .test_widget_i18n import FAKE_IO, load_catalog

STATIC = Path(__file__).resolve().parents[2] / "cssecure/web/static"
ORIGIN = "http://shop.test"
TIMEOUT_MS = 10_000
LABELS = load_catalog()["labels"]

# The stand-in socket also keeps the acknowledgement callbacks the widget passes.
FAKE_IO_ACK = FAKE_IO.replace(
    "emit: function (name, data) { socket.emitted.push([name, data]); },",
    "emit: function (name, data, ack) { socket.emitted.push([name, data]);"
    " if (ack) socket.acks.push(ack); }, acks: [],",
)
assert FAKE_IO_ACK != FAKE_IO

PARCELS = [
    {"parcel_id": "P900004", "shipping_line": "EMS", "destination_country": "NL",
     "shipped_date": "2026-11-01", "delivered_date": "2026-11-28"},
    {"parcel_id": "P900002", "shipping_line": "DHL", "destination_country": "US",
     "shipped_date": "2026-10-30", "delivered_date": None},
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with launched_chromium() as browser:
        yield browser


def host_page(attributes: str, lang: str = "en") -> str:
    """A shop's page that embeds the widget with one script tag."""
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>A shop</title></head><body><main><h1>A shop</h1>"
        + "".join(f"<p>Products and prices, paragraph {n}.</p>" for n in range(40))
        + f'</main><script src="/assets/chat/cssecure-widget.js" {attributes}></script>'
        "</body></html>"
    )


def open_page(
    chromium: Any,
    attributes: str = 'data-socket-url="http://rasa.test"',
    *,
    locale: str = "en-GB",
    viewport: dict[str, int] | None = None,
    parcels: list[dict[str, Any]] | None = None,
    upload: dict[str, Any] | None = None,
    upload_status: int = 200,
    evidence_panel: bool = False,
) -> Any:
    """The host page in a fresh browser context; the widget's files come from /assets/chat/
    (socket.io.min.js is the stand-in; the evidence panel and the tus client only with
    ``evidence_panel``: without them the chat has no attach button), /api/my-parcels answers
    ``parcels`` to a bearer token and POST /api/evidence answers ``upload_status`` and
    ``upload``, recording each request in ``page.uploads``."""
    context = chromium.new_context(
        locale=locale, viewport=viewport or {"width": 1280, "height": 800},
        has_touch=bool(viewport), is_mobile=bool(viewport),
    )
    script = "text/javascript"
    widget_files = ("cssecure-widget.js", "cssecure-widget-i18n.js") + (
        ("cssecure-widget-evidence.js", "tus.min.js") if evidence_panel else ())
    files = {
        "/": (host_page(attributes), "text/html"),
        "/assets/chat/socket.io.min.js": (FAKE_IO_ACK, script),
        **{f"/assets/chat/{name}": ((STATIC / name).read_text(), script)
           for name in widget_files},
        "/assets/chat/cssecure-widget.css": ((STATIC / "cssecure-widget.css").read_text(),
                                             "text/css"),
    }
    seen: list[dict[str, Any]] = []
    uploads: list[dict[str, Any]] = []

    def serve(route: Any) -> None:
        request = route.request
        path = request.url[len(ORIGIN):].split("?")[0] or "/"
        if path == "/api/my-parcels":
            seen.append({"path": path, "authorization": request.headers.get("authorization")})
            if request.headers.get("authorization", "").startswith("Bearer "):
                route.fulfill(status=200, content_type="application/json",
                              body=json.dumps({"parcels": parcels or []}))
            else:
                route.fulfill(status=401, content_type="application/json", body="{}")
            return
        if path == "/api/evidence":
            uploads.append({"url": request.url, "authorization":
                            request.headers.get("authorization")})
            route.fulfill(status=upload_status, content_type="application/json",
                          body=json.dumps(upload or {}))
            return
        body, kind = files.get(path, ("", "text/plain"))
        route.fulfill(status=200 if path in files else 404, body=body,
                      content_type=f"{kind}; charset=utf-8")

    context.route(f"{ORIGIN}/**", serve)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.seen = seen
    page.uploads = uploads
    page.goto(ORIGIN + "/")
    page.wait_for_function("() => window.CSSecureWidget && window.CSSecureWidget.instance")
    return page


def fire(page: Any, event: str, data: Any) -> None:
    page.evaluate("([name, data]) => window.__sockets.at(-1).fire(name, data)", [event, data])


def acknowledge(page: Any) -> None:
    """The server finished the oldest turn still open."""
    page.evaluate("() => window.__sockets.at(-1).acks.shift()()")


def sent(page: Any) -> list[str]:
    return list(page.evaluate(
        "() => window.__sockets.at(-1).emitted"
        ".filter(e => e[0] === 'user_uttered').map(e => e[1].message)"))


def start_session(page: Any, *, verified: bool, history: list[dict[str, Any]] | None = None,
                  language: str | None = None) -> None:
    fire(page, "session_confirm", {"session_token": None if verified else "s",
                                   "verified": verified, "history": history or [],
                                   "language": language})


def open_chat(page: Any) -> Any:
    from playwright.sync_api import expect

    bubble = page.get_by_role("button", name=LABELS["launcher_open"]["en"])
    bubble.click()
    expect(bubble).to_have_attribute("aria-expanded", "true")
    return page.locator(".csw-log")


def test_one_script_tag_shows_a_launcher_that_opens_the_chat_with_the_input_focused(
    chromium: Any,
) -> None:
    from playwright.sync_api import expect

    page = open_page(chromium)
    bubble = page.get_by_role("button", name=LABELS["launcher_open"]["en"])
    expect(bubble).to_be_visible()
    expect(bubble).to_have_attribute("aria-expanded", "false")
    expect(page.locator(".csw")).to_be_hidden()  # closed until asked for
    # Its own folder supplied the socket client, the labels and the styles.
    assert page.evaluate("() => window.__sockets.length") == 1
    assert page.evaluate("() => window.__sockets[0].opts.auth") == {}
    position = page.evaluate("() => getComputedStyle(document.querySelector('.csw-launcher'))"
                             ".position")
    assert position == "fixed"

    bubble.focus()
    page.keyboard.press("Enter")
    expect(bubble).to_have_attribute("aria-expanded", "true")
    expect(page.locator(".csw")).to_be_visible()
    expect(page.get_by_label(LABELS["input_label"]["en"])).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator(".csw")).to_be_hidden()
    expect(bubble).to_be_focused()
    page.context.close()


def test_data_attributes_configure_the_widget(chromium: Any) -> None:
    from playwright.sync_api import expect

    page = open_page(
        chromium,
        'data-socket-url="http://rasa.test" data-token="customer-jwt" data-locale="de-AT" '
        'data-title="Hilfe zum Paket" data-open="true" data-api-url="http://shop.test/"',
        parcels=PARCELS,
    )
    expect(page.locator(".csw")).to_be_visible()  # data-open
    expect(page.locator(".csw-title")).to_have_text("Hilfe zum Paket")
    expect(page.get_by_role("button", name=LABELS["launcher_close"]["de"]).first).to_be_visible()
    auth = page.evaluate("() => window.__sockets[0].opts.auth")
    assert auth == {"token": "customer-jwt", "locale": "de-AT"}
    start_session(page, verified=True)
    page.wait_for_function("() => true")
    expect(page.locator(".csw-greeting .csw-text")).to_have_text(LABELS["greeting"]["de"])
    page.wait_for_timeout(200)
    assert page.seen == [{"path": "/api/my-parcels", "authorization": "Bearer customer-jwt"}]
    page.context.close()


def test_a_new_conversation_opens_with_a_greeting_and_four_starters(chromium: Any) -> None:
    from playwright.sync_api import expect

    page = open_page(chromium, 'data-socket-url="http://rasa.test" data-locale="fr-FR"')
    page.get_by_role("button", name=LABELS["launcher_open"]["fr"]).click()
    start_session(page, verified=False)
    greeting = page.locator(".csw-greeting")
    expect(greeting.locator(".csw-text")).to_have_text(LABELS["greeting"]["fr"])
    starters = greeting.get_by_role("group", name=LABELS["replies_label"]["fr"])
    expect(starters.get_by_role("button")).to_have_text([
        LABELS["starter_problem"]["fr"], LABELS["starter_status"]["fr"],
        LABELS["starter_question"]["fr"], LABELS["starter_person"]["fr"],
    ])
    # The greeting is the widget's own: nothing was sent, and an anonymous visitor's
    # parcels are never asked for.
    assert sent(page) == []
    assert page.seen == []
    page.context.close()


def test_no_greeting_over_an_existing_conversation(chromium: Any) -> None:
    from playwright.sync_api import expect

    page = open_page(chromium)
    log = open_chat(page)
    start_session(page, verified=False, history=[
        {"sender": "user", "text": "hello"}, {"sender": "bot", "text": "Hi! How can I help?"},
    ])
    expect(log.locator(".csw-msg")).to_have_count(2)
    expect(page.locator(".csw-greeting")).to_have_count(0)
    page.context.close()


FINISHED = [
    {"sender": "user", "text": "My parcel P900001 is lost."},
    {"sender": "bot", "text": "Your claim is filed. Reference: CS-2026-000001."},
]


@pytest.mark.parametrize("language", ["en", "pl"])
def test_a_settled_conversation_offers_the_starters_again_under_the_history(
    chromium: Any, language: str
) -> None:
    from playwright.sync_api import expect

    page = open_page(chromium, f'data-socket-url="http://rasa.test" data-locale="{language}"')
    log = page.locator(".csw-log")
    page.get_by_role("button", name=LABELS["launcher_open"][language]).click()
    fire(page, "session_confirm", {"session_token": "s", "verified": False,
                                   "history": FINISHED, "idle": True, "language": language})
    welcome = log.locator(".csw-welcome-back")
    expect(welcome.locator(".csw-text")).to_have_text(LABELS["welcome_back"][language])
    # Under the history, not instead of it; and no greeting as if nothing had happened.
    expect(log.locator(".csw-msg")).to_have_count(3)
    expect(log.locator(".csw-msg").last).to_have_class(re.compile("csw-welcome-back"))
    expect(page.locator(".csw-greeting")).to_have_count(0)
    welcome.get_by_role("button", name=LABELS["starter_status"][language]).click()
    assert sent(page) == [LABELS["say_status"][language]]
    page.context.close()


@pytest.mark.parametrize(
    ("idle", "history"),
    [
        pytest.param(False, FINISHED, id="a form waits for an answer"),
        pytest.param(None, FINISHED, id="a server that does not say"),
        pytest.param(True, [*FINISHED[:1], {"sender": "agent", "text": "Let me check.",
                                            "agent_name": "Mia"}], id="a person holds it"),
        pytest.param(True, [*FINISHED[:1], {
            "sender": "bot", "text": "Shall I file this claim?",
            "quick_replies": [{"title": "Yes", "payload": "/affirm"},
                              {"title": "No", "payload": "/deny"}]}],
            id="its last question's buttons"),
    ],
)
def test_no_starters_where_the_customer_answers_where_they_left_off(
    chromium: Any, idle: bool | None, history: list[dict[str, Any]]
) -> None:
    from playwright.sync_api import expect

    page = open_page(chromium)
    log = open_chat(page)
    fire(page, "session_confirm", {"session_token": "s", "verified": False,
                                   "history": history, "idle": idle, "language": None})
    expect(log.locator(".csw-msg")).to_have_count(2)
    expect(page.locator(".csw-welcome-back, .csw-greeting")).to_have_count(0)
    page.context.close()


@pytest.mark.parametrize(
    ("starter", "expected"),
    [("status", "say_status"), ("person", "say_person")],
)
def test_the_status_and_person_starters_say_it_in_the_customer_s_language(
    chromium: Any, starter: str, expected: str
) -> None:
    from playwright.sync_api import expect

    page = open_page(chromium, 'data-socket-url="http://rasa.test" data-locale="pl-PL"')
    page.get_by_role("button", name=LABELS["launcher_open"]["pl"]).click()
    start_session(page, verified=False)
    page.locator(f".csw-greeting [data-choice={starter}]").click()
    assert sent(page) == [LABELS[expected]["pl"]]
    expect(page.locator(".csw-from-user .csw-text")).to_have_text(LABELS[expected]["pl"])
    expect(page.locator(".csw-greeting .csw-replies")).to_have_count(0)  # starters used up
    page.context.close()


def test_the_question_starter_asks_for_the_question_and_focuses_the_input(chromium: Any) -> None:
    from playwright.sync_api import expect

    page = open_page(chromium)
    open_chat(page)
    start_session(page, verified=False)
    page.locator(".csw-greeting [data-choice=question]").click()
    expect(page.locator(".csw-ask-question .csw-text")).to_have_text(LABELS["ask_question"]["en"])
    expect(page.get_by_label(LABELS["input_label"]["en"])).to_be_focused()
    assert sent(page) == []
    page.context.close()


def test_a_signed_in_customer_picks_the_problem_then_the_parcel_from_a_list(
    chromium: Any,
) -> None:
    from playwright.sync_api import expect

    page = open_page(
        chromium, 'data-socket-url="http://rasa.test" data-token="jwt"', parcels=PARCELS)
    log = open_chat(page)
    start_session(page, verified=True)
    page.get_by_role("button", name=LABELS["starter_problem"]["en"]).click()
    expect(log.locator(".csw-ask-problem .csw-text")).to_have_text(LABELS["ask_problem"]["en"])
    expect(log.locator(".csw-ask-problem .csw-reply")).to_have_count(5)
    page.get_by_role("button", name=LABELS["problem_damaged"]["en"]).click()

    # Damage shows on a delivered parcel: the undelivered P900002 is not offered.
    choices = page.get_by_role("group", name=LABELS["parcels_label"]["en"])
    expect(choices.get_by_role("button")).to_have_text([
        "P900004 · EMS to Netherlands · shipped 1 Nov 2026",
        LABELS["parcel_other"]["en"],
    ])
    assert sent(page) == []  # nothing typed, nothing sent yet
    choices.get_by_role("button", name="P900004").click()
    assert sent(page) == ["My parcel P900004 arrived damaged."]
    expect(log.locator(".csw-from-user .csw-text")).to_have_text(
        "My parcel P900004 arrived damaged.")
    expect(choices).to_have_count(0)
    page.context.close()


@pytest.mark.parametrize(
    ("problem", "offered"),
    [("lost", ["P900002"]), ("seized", ["P900004", "P900002"]),
     ("delayed", ["P900004", "P900002"])],
)
def test_the_parcels_offered_are_those_the_problem_can_be_about(
    chromium: Any, problem: str, offered: list[str]
) -> None:
    from playwright.sync_api import expect

    page = open_page(
        chromium, 'data-socket-url="http://rasa.test" data-token="jwt"', parcels=PARCELS)
    open_chat(page)
    start_session(page, verified=True)
    page.get_by_role("button", name=LABELS["starter_problem"]["en"]).click()
    page.get_by_role("button", name=LABELS[f"problem_{problem}"]["en"]).click()
    choices = page.get_by_role("group", name=LABELS["parcels_label"]["en"])
    expect(choices.get_by_role("button")).to_have_count(len(offered) + 1)
    for parcel_id in offered:
        expect(choices.get_by_role("button", name=parcel_id)).to_have_count(1)
    page.context.close()


def test_a_problem_no_parcel_fits_is_sent_alone(chromium: Any) -> None:
    delivered = [p for p in PARCELS if p["delivered_date"]]
    page = open_page(
        chromium, 'data-socket-url="http://rasa.test" data-token="jwt"', parcels=delivered)
    open_chat(page)
    start_session(page, verified=True)
    page.get_by_role("button", name=LABELS["starter_problem"]["en"]).click()
    page.get_by_role("button", name=LABELS["problem_lost"]["en"]).click()
    assert sent(page) == [LABELS["say_lost"]["en"]]
    page.context.close()


def test_another_parcel_or_no_known_parcel_sends_the_problem_alone(chromium: Any) -> None:
    page = open_page(
        chromium, 'data-socket-url="http://rasa.test" data-token="jwt"', parcels=PARCELS)
    open_chat(page)
    start_session(page, verified=True)
    page.get_by_role("button", name=LABELS["starter_problem"]["en"]).click()
    page.get_by_role("button", name=LABELS["problem_lost"]["en"]).click()
    page.get_by_role("button", name=LABELS["parcel_other"]["en"]).click()
    assert sent(page) == [LABELS["say_lost"]["en"]]
    page.context.close()

    anonymous = open_page(chromium, parcels=PARCELS)
    open_chat(anonymous)
    start_session(anonymous, verified=False)
    anonymous.get_by_role("button", name=LABELS["starter_problem"]["en"]).click()
    anonymous.get_by_role("button", name=LABELS["problem_seized"]["en"]).click()
    assert sent(anonymous) == [LABELS["say_seized"]["en"]]
    assert anonymous.seen == []
    anonymous.context.close()


def test_parcel_choices_in_the_customer_s_language(chromium: Any) -> None:
    from playwright.sync_api import expect

    page = open_page(chromium, 'data-socket-url="http://rasa.test" data-token="jwt" '
                     'data-locale="de-DE"', parcels=PARCELS[:1])
    page.get_by_role("button", name=LABELS["launcher_open"]["de"]).click()
    start_session(page, verified=True)
    page.get_by_role("button", name=LABELS["starter_problem"]["de"]).click()
    page.get_by_role("button", name=LABELS["problem_damaged"]["de"]).click()
    expect(page.locator(".csw-parcels .csw-reply").first).to_have_text(
        "P900004 · EMS nach Niederlande · versandt am 1. Nov. 2026")
    page.locator(".csw-parcels .csw-reply").first.click()
    assert sent(page) == ["Mein Paket P900004 ist beschädigt angekommen."]
    page.context.close()


def test_typing_lasts_until_the_server_acknowledges_the_turn(chromium: Any) -> None:
    from playwright.sync_api import expect

    page = open_page(chromium)
    log = open_chat(page)
    start_session(page, verified=False)
    typing = page.locator(".csw-typing")
    page.get_by_label(LABELS["input_label"]["en"]).fill("hello")
    page.keyboard.press("Enter")
    mine = log.locator(".csw-from-user").last
    expect(mine).to_have_attribute("data-state", "sending")
    expect(mine.locator(".csw-state")).to_have_text(LABELS["state_sending"]["en"])
    expect(mine.locator("time")).to_have_attribute("datetime", __import__("re").compile(r"^\d{4}-"))
    expect(typing).to_be_visible()
    # A reply arrives, but the turn is still running (another reply may follow).
    fire(page, "bot_uttered", {"text": "Hi! What happened to your parcel?"})
    expect(typing).to_be_visible()
    acknowledge(page)
    expect(typing).to_be_hidden()
    expect(mine).to_have_attribute("data-state", "delivered")
    expect(mine.locator(".csw-state")).to_have_text(LABELS["state_delivered"]["en"])
    expect(log.locator(".csw-from-bot time")).to_have_count(1)
    page.context.close()


def test_no_typing_while_a_person_holds_the_chat(chromium: Any) -> None:
    from playwright.sync_api import expect

    page = open_page(chromium)
    open_chat(page)
    start_session(page, verified=False, history=[
        {"sender": "user", "text": "a person please"},
        {"sender": "agent", "text": "Hello, this is Mei.", "agent_name": "Mei"},
    ])
    typing = page.locator(".csw-typing")
    page.get_by_label(LABELS["input_label"]["en"]).fill("thanks Mei")
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    expect(typing).to_be_hidden()
    acknowledge(page)
    # The assistant is back: typing shows again for the next message.
    fire(page, "bot_uttered", {"text": "The assistant is back. How can I help?"})
    page.get_by_label(LABELS["input_label"]["en"]).fill("status")
    page.keyboard.press("Enter")
    expect(typing).to_be_visible()
    # A live agent message takes the chat again.
    fire(page, "bot_uttered", {"text": "Mei again", "sender": "agent", "agent_name": "Mei"})
    expect(typing).to_be_hidden()
    page.context.close()


def test_no_typing_after_an_upload_s_answer(chromium: Any, tmp_path: Path) -> None:
    """The assistant's answer to a file comes before the upload's response: "typing" after
    it stayed up for 20 s (issue 17)."""
    from playwright.sync_api import expect

    page = open_page(chromium, evidence_panel=True, upload={
        "claim_ref": "CS-2026-000001", "kind": "photo", "bot_notified": True})
    open_chat(page)
    start_session(page, verified=False)
    photo = tmp_path / "box.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    page.set_input_files(".csw-file", str(photo))
    expect(page.locator(".csw-upload-item[data-state=done]")).to_be_visible()
    expect(page.locator(".csw-typing")).to_be_hidden()
    page.context.close()


JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.mark.parametrize("viewport", [None, {"width": 390, "height": 700}],
                         ids=["desktop", "phone"])
def test_files_are_attached_from_the_composer_not_from_a_form_under_it(
    chromium: Any, tmp_path: Path, viewport: dict[str, int] | None
) -> None:
    """Issue 15: "a browser-default file input sits under the chat box, apart from the
    question". The composer has an attach button beside the message box, no kind to choose;
    several files go at once, each as the customer's message with its own outcome."""
    from playwright.sync_api import expect

    page = open_page(chromium, viewport=viewport, evidence_panel=True, upload={
        "claim_ref": None, "draft_id": "d1", "kind": "photo"})
    if viewport:
        page.get_by_role("button", name=LABELS["launcher_open"]["en"]).tap()
    else:
        open_chat(page)
    start_session(page, verified=False)
    form = page.locator(".csw-form")
    attach = form.get_by_title("Attach a photo, video or document")
    expect(attach).to_be_visible()
    # One row: the attach button, the message box and Send, in that order.
    boxes = [form.locator(sel).bounding_box() for sel in (".csw-attach", ".csw-input", ".csw-send")]
    assert all(box is not None for box in boxes)
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]  # type: ignore[index]
    assert abs(boxes[0]["y"] - boxes[1]["y"]) < boxes[1]["height"]  # type: ignore[index]
    assert boxes[0]["width"] >= 44 and boxes[0]["height"] >= 44  # type: ignore[index]  # touch target
    # Nothing of the old form: no select, no visible file input, nothing below the composer.
    expect(page.locator(".csw select, .csw-upload")).to_have_count(0)
    assert page.locator(".csw-file").bounding_box()["width"] <= 1  # type: ignore[index]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    first, second = tmp_path / "front.jpg", tmp_path / "side.jpg"
    first.write_bytes(JPEG)
    second.write_bytes(JPEG)
    page.get_by_label("Attach a photo, video or document").set_input_files([first, second])
    done = page.locator(".csw-from-user.csw-upload-item[data-state=done]")
    expect(done).to_have_count(2)
    expect(done.nth(0)).to_contain_text("Sent front.jpg (photo) for the claim you are reporting.")
    expect(done.nth(1)).to_contain_text("side.jpg")
    # The kind is the server's to guess (and the claim's to route): none is sent.
    assert len(page.uploads) == 2
    assert all("kind=" not in upload["url"] for upload in page.uploads)
    assert all(upload["authorization"] == "Bearer s" for upload in page.uploads)
    page.context.close()


def test_an_attached_file_that_failed_for_a_lost_connection_is_tried_again_a_refused_one_not(
    chromium: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = open_page(chromium, evidence_panel=True)
    answers = [(503, {"error": "The store is busy."}), (201, {"kind": "photo", "loose": True}),
               (422, {"error": "The file 'x.jpg' is of type application/pdf."})]

    def answer(route: Any) -> None:
        status, body = answers.pop(0)
        route.fulfill(status=status, content_type="application/json", body=json.dumps(body))

    page.context.route(f"{ORIGIN}/api/evidence*", answer)
    open_chat(page)
    start_session(page, verified=False)
    photo = tmp_path / "box.jpg"
    photo.write_bytes(JPEG)
    page.get_by_label("Attach a photo, video or document").set_input_files(str(photo))
    failed = page.locator(".csw-upload-item[data-state=failed]")
    expect(failed).to_contain_text("Not sent: box.jpg")
    expect(page.locator(".csw-alert")).to_have_text("The store is busy.")
    failed.get_by_role("button", name="Try again").click()
    done = page.locator(".csw-upload-item[data-state=done]")
    expect(done).to_contain_text("Sent box.jpg (photo) kept until you say which claim it is for.")
    expect(page.locator(".csw-alert")).to_be_empty()
    expect(page.get_by_role("button", name="Try again")).to_have_count(0)

    page.get_by_label("Attach a photo, video or document").set_input_files(str(photo))
    expect(page.locator(".csw-upload-item[data-state=failed]")).to_have_count(1)
    expect(page.locator(".csw-alert")).to_contain_text("is of type application/pdf")
    # The same file would be refused the same way: nothing to try again.
    expect(page.get_by_role("button", name="Try again")).to_have_count(0)
    assert answers == []
    page.context.close()


def test_a_resumable_upload_refused_by_the_server_is_not_sent_again(
    chromium: Any, tmp_path: Path
) -> None:
    """Found by review: tus-js-client retried every refusal (401, 413, 422) six times, so an
    unreadable 500 MB video went up 7 times, 40 s, before the customer read why."""
    from playwright.sync_api import expect

    page = open_evidence_page(chromium)
    calls: list[str] = []

    def refuse(route: Any) -> None:
        calls.append(route.request.method)
        route.fulfill(status=422, content_type="application/json", headers={
            "Tus-Resumable": "1.0.0"}, body=json.dumps({"error": "Not a video we can open."}))

    page.context.route(f"{ORIGIN}/api/tus**", refuse)
    log = open_chat(page)
    start_session(page, verified=False)
    fire(page, "bot_uttered", {**EVIDENCE_QUESTION, "text": "Do you have the unboxing video?",
                               "custom": {"evidence_request": {"kind": "unboxing_video"}}})
    clip = tmp_path / "fake.mp4"
    clip.write_bytes(b"\x00\x00\x00\x08moov<html></html>")
    panel = log.locator(".csw-from-bot").last.locator(".csw-evidence")
    panel.locator(".csw-evidence-attach + input").set_input_files(
        {"name": "fake.mp4", "mimeType": "video/mp4", "buffer": clip.read_bytes()})
    row = panel.locator(".csw-evidence-file")
    expect(row).to_have_attribute("data-state", "failed", timeout=5000)
    expect(row).to_contain_text("Not a video we can open.")
    expect(row.get_by_role("button", name="Try again")).to_have_count(0)
    assert calls == ["POST"]  # asked once, never again
    page.context.close()


def test_without_the_evidence_script_there_is_no_attach_button(chromium: Any) -> None:
    """The chat starts without cssecure-widget-evidence.js (a blocked script); a button that
    could not send would be a dead end, so there is none."""
    from playwright.sync_api import expect

    page = open_page(chromium)
    open_chat(page)
    start_session(page, verified=False)
    expect(page.locator(".csw-attach, .csw-file")).to_have_count(0)
    expect(page.get_by_label("Your message")).to_be_visible()
    page.context.close()


PHONE = {"width": 390, "height": 700}


def input_on_screen(page: Any) -> bool:
    return bool(page.evaluate("""() => {
      const box = document.querySelector('.csw-input').getBoundingClientRect();
      const height = window.visualViewport ? window.visualViewport.height : innerHeight;
      return box.top >= 0 && box.bottom <= height && box.height > 0;
    }"""))


def test_on_a_phone_the_input_stays_on_screen_and_the_page_does_not_scroll(
    chromium: Any,
) -> None:
    from playwright.sync_api import expect

    page = open_page(chromium, viewport=PHONE)
    bubble = page.get_by_role("button", name=LABELS["launcher_open"]["en"])
    bubble.tap()
    expect(page.locator(".csw")).to_be_visible()
    start_session(page, verified=False)
    assert input_on_screen(page)
    panel = page.evaluate("() => { const r = document.querySelector('.csw-panel')"
                          ".getBoundingClientRect(); return [r.top, r.left, r.width, r.height]; }")
    assert panel == [0, 0, PHONE["width"], PHONE["height"]]
    for n in range(30):
        fire(page, "bot_uttered", {"text": f"Message number {n} with some words to wrap."})
    assert input_on_screen(page)
    # The log scrolled to the newest message; the page behind did not move.
    assert page.evaluate("() => window.scrollY") == 0
    page.mouse.wheel(0, 2000)
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.scrollY") == 0
    assert page.evaluate("""() => {
      const log = document.querySelector('.csw-log');
      return log.scrollHeight > log.clientHeight
        && Math.abs(log.scrollTop + log.clientHeight - log.scrollHeight) < 2;
    }""")
    # The close button (the bubble is under the panel on a phone).
    page.get_by_role("button", name=LABELS["launcher_close"]["en"]).tap()
    expect(page.locator(".csw")).to_be_hidden()
    expect(bubble).to_be_visible()
    page.context.close()


def test_the_starters_work_from_the_keyboard_alone(chromium: Any) -> None:
    """Tab to a starter, Enter: focus lands on the next question's first button; the
    parcel chosen, focus is back in the input."""
    from playwright.sync_api import expect

    page = open_page(
        chromium, 'data-socket-url="http://rasa.test" data-token="jwt"', parcels=PARCELS)
    bubble = page.get_by_role("button", name=LABELS["launcher_open"]["en"])
    bubble.focus()
    page.keyboard.press("Enter")
    start_session(page, verified=True)
    page.wait_for_timeout(200)  # the parcels arrive
    problem = page.get_by_role("button", name=LABELS["starter_problem"]["en"])
    for _ in range(20):
        if problem.evaluate("b => b === document.activeElement"):
            break
        page.keyboard.press("Shift+Tab")
    expect(problem).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name=LABELS["problem_damaged"]["en"])).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name=LABELS["problem_lost"]["en"])).to_be_focused()
    page.keyboard.press("Enter")
    first_parcel = page.locator(".csw-parcels .csw-reply").first
    expect(first_parcel).to_be_focused()
    page.keyboard.press("Enter")
    assert sent(page) == ["My parcel P900002 is lost."]  # the one not delivered
    expect(page.get_by_label(LABELS["input_label"]["en"])).to_be_focused()
    page.context.close()


# --- issue 15: an evidence question carries its file panel --------------------------------

EVIDENCE_QUESTION = {
    "text": "Do you have photos of the damaged area?",
    "quick_replies": [{"content_type": "text", "title": "Yes", "payload": "/affirm"},
                      {"content_type": "text", "title": "No", "payload": "/deny"}],
    "custom": {"evidence_request": {"kind": "photo",
                                    "later_payload": '/inform{"choice": "later"}'}},
}


def open_evidence_page(
    chromium: Any, *, viewport: dict[str, int] | None = None,
    answer: tuple[int, dict[str, Any]] = (201, {"evidence_id": "ev_1", "kind": "photo"}),
) -> Any:
    """:func:`open_page` whose widget folder also holds the evidence panel and the tus client
    (the one script tag loads them); POST /api/evidence answers ``answer``."""
    return open_page(chromium, viewport=viewport, upload=answer[1], upload_status=answer[0],
                     evidence_panel=True)


def test_the_one_script_tag_loads_the_evidence_panel_and_tus_from_its_folder(
    chromium: Any
) -> None:
    page = open_evidence_page(chromium)
    assert page.evaluate("() => [typeof window.CSSecureEvidence.panelFor, typeof window.tus]"
                         ) == ["function", "object"]
    page.context.close()


def test_the_chat_starts_without_the_evidence_panel_when_its_files_are_missing(
    chromium: Any
) -> None:
    from playwright.sync_api import expect

    page = open_page(chromium)  # its folder holds no evidence panel nor tus client
    log = open_chat(page)
    start_session(page, verified=False)
    fire(page, "bot_uttered", EVIDENCE_QUESTION)
    expect(log.locator(".csw-from-bot").last).to_contain_text("photos of the damaged area")
    expect(log.locator(".csw-evidence")).to_have_count(0)
    expect(log.locator(".csw-from-bot").last.get_by_role("button", name="Yes")).to_be_visible()
    page.context.close()


def test_a_question_several_kinds_answer_asks_which_one_each_file_is(
    chromium: Any, tmp_path: Path
) -> None:
    """A seizure is proven by the customs letter or the carrier's confirmation: a
    confirmation sent through the panel was stored as a customs letter (issue 15)."""
    from playwright.sync_api import expect

    page = open_evidence_page(chromium)
    log = open_chat(page)
    start_session(page, verified=False)
    kinds = ["customs_letter", "carrier_confirmation"]
    fire(page, "bot_uttered", {**EVIDENCE_QUESTION, "text": "Do you have the customs letter?",
                               "custom": {"evidence_request": {"kind": kinds[0], "kinds": kinds}}})
    question = log.locator(".csw-from-bot").last
    buttons = question.locator(".csw-evidence > button")
    expect(buttons).to_have_text(["Attach the customs letter",
                                  "Attach the carrier's confirmation", "I'll send it later"])
    # No camera button and no drop zone: neither could say which kind a file is.
    expect(question.locator(".csw-evidence-drop, .csw-evidence-camera")).to_have_count(0)
    letter = tmp_path / "confirmation.pdf"
    letter.write_bytes(b"%PDF-1.4 confirmation")
    question.locator("[data-kind=carrier_confirmation] + input").set_input_files(str(letter))
    expect(question.locator(".csw-evidence-file[data-state=sent]")).to_have_count(1)
    assert len(page.uploads) == 1
    assert "kind=carrier_confirmation" in page.uploads[0]["url"]
    page.context.close()


def test_every_kind_a_fact_may_be_proven_by_has_its_button_in_every_language(
    chromium: Any
) -> None:
    from cssecure.i18n import LANGUAGES
    from cssecure.policy.registry import REGISTRY

    page = open_evidence_page(chromium)
    several = [list(f.proven_by) for f in REGISTRY.facts.values() if len(f.proven_by) > 1]
    assert several, "no fact is proven by several kinds: the check would be vacuous"
    shown = page.evaluate("""([groups, languages]) => {
      const out = {};
      for (const language of languages) {
        out[language] = groups.map((kinds) => {
          const panel = CSSecureEvidence.panelFor(
            {custom: {evidence_request: {kind: kinds[0], kinds: kinds}}},
            {language: language, bearer: () => "t", send: () => {}});
          return Array.from(panel.querySelectorAll(".csw-evidence-attach"), (b) => b.textContent);
        });
      }
      return out;
    }""", [several, list(LANGUAGES)])
    for language, groups in shown.items():
        for kinds, texts in zip(several, groups):
            assert len(texts) == len(kinds) == len(set(texts)), (language, texts)
            if language != "en":  # a translation, not the English fallback
                assert not set(texts) & set(shown["en"][several.index(kinds)]), (language, texts)
    page.context.close()


@pytest.mark.parametrize("answer", ["typed", "next question"])
def test_an_answered_evidence_question_keeps_its_files_but_takes_no_more(
    chromium: Any, tmp_path: Path, answer: str
) -> None:
    """Once the customer answered (typed, pressed a button) or the next evidence question
    came, the earlier panel shows what was sent and offers nothing more: its attach, camera
    and "later" buttons were live forever before."""
    from playwright.sync_api import expect

    page = open_evidence_page(chromium)
    log = open_chat(page)
    start_session(page, verified=False)
    fire(page, "bot_uttered", EVIDENCE_QUESTION)
    question = log.locator(".csw-from-bot", has_text=EVIDENCE_QUESTION["text"])
    photo = tmp_path / "dent.jpg"
    photo.write_bytes(JPEG)
    question.locator(".csw-evidence-attach + input").set_input_files(str(photo))
    expect(question.locator(".csw-evidence-file[data-state=sent]")).to_have_count(1)
    # A file is not an answer that ends the question: a second one may follow.
    expect(question.get_by_role("button", name="Attach a file")).to_be_visible()

    if answer == "typed":
        box = page.get_by_label("Your message")
        box.fill("that's all of them")
        box.press("Enter")
    else:
        fire(page, "bot_uttered", {**EVIDENCE_QUESTION, "text": "And the unboxing video?",
                                   "custom": {"evidence_request": {"kind": "unboxing_video"}}})
        later = log.locator(".csw-from-bot").last
        expect(later.get_by_role("button", name="Attach a file")).to_be_visible()
    expect(question.get_by_role("button")).to_have_count(0)
    expect(question.locator("input[type=file], .csw-evidence-drop")).to_have_count(0)
    expect(question.locator(".csw-evidence")).to_have_attribute("data-answered", "true")
    expect(question.locator(".csw-evidence-file[data-state=sent]")).to_contain_text("dent.jpg")
    page.context.close()


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_an_evidence_question_shows_the_file_panel_inside_that_message(
    chromium: Any, tmp_path: Path, viewport: dict[str, int] | None
) -> None:
    from playwright.sync_api import expect

    page = open_evidence_page(chromium, viewport=viewport)
    if viewport:
        # On a phone the open panel covers the screen, the bubble too.
        page.get_by_role("button", name=LABELS["launcher_open"]["en"]).tap()
        log = page.locator(".csw-log")
        expect(log).to_be_visible()
    else:
        log = open_chat(page)
    start_session(page, verified=False)
    fire(page, "bot_uttered", {"text": "Was the parcel insured?", "quick_replies":
                               EVIDENCE_QUESTION["quick_replies"]})
    fire(page, "bot_uttered", EVIDENCE_QUESTION)
    question = log.locator(".csw-from-bot").last
    expect(question.locator(".csw-text")).to_have_text(EVIDENCE_QUESTION["text"])
    # One message: the question, its buttons and the panel; no panel under other messages.
    expect(question.get_by_role("button", name="Yes")).to_be_visible()
    expect(question.locator(".csw-evidence")).to_have_count(1)
    expect(log.locator(".csw-evidence")).to_have_count(1)
    expect(question.get_by_role("button", name="Attach a file")).to_be_visible()
    # The camera on a touch screen (a phone); drop files where there is a mouse instead.
    camera = question.get_by_role("button", name="Take a photo or video")
    drop = question.locator(".csw-evidence-drop")
    if viewport:
        expect(camera).to_be_visible()
        expect(drop).to_be_hidden()
    else:
        expect(camera).to_be_hidden()
        expect(drop).to_be_visible()
    assert question.locator(".csw-evidence-camera + input").get_attribute("capture") == (
        "environment")
    # A photo attached in the question goes up as the kind asked for, with its thumbnail.
    photo = tmp_path / "damage.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    question.locator(".csw-evidence-attach + input").set_input_files(str(photo))
    expect(question.locator(".csw-evidence-file[data-state=sent]")).to_have_count(1)
    expect(question.locator(".csw-evidence-file img.csw-evidence-thumb")).to_have_count(1)
    (upload,) = page.uploads
    assert "kind=photo" in upload["url"] and upload["authorization"] == "Bearer s"
    page.context.close()


def test_i_ll_send_it_later_sends_the_question_s_later_payload_shown_in_words(
    chromium: Any
) -> None:
    from playwright.sync_api import expect

    page = open_evidence_page(chromium)
    log = open_chat(page)
    start_session(page, verified=False)
    fire(page, "bot_uttered", EVIDENCE_QUESTION)
    log.locator(".csw-from-bot").last.get_by_role("button", name="I'll send it later").click()
    assert sent(page) == ['/inform{"choice": "later"}']
    expect(log.locator(".csw-from-user .csw-text").last).to_have_text("I'll send it later")
    page.context.close()


def test_after_a_reload_the_last_question_has_its_panel_again_and_older_ones_none(
    chromium: Any
) -> None:
    from playwright.sync_api import expect

    page = open_evidence_page(chromium)
    log = open_chat(page)
    request = EVIDENCE_QUESTION["custom"]
    asked = {"sender": "bot", "text": EVIDENCE_QUESTION["text"], "custom": request,
             "quick_replies": [{"title": "Yes", "payload": "/affirm"},
                               {"title": "No", "payload": "/deny"}]}
    start_session(page, verified=False, history=[
        {"sender": "user", "text": "my parcel arrived damaged"},
        {**asked, "text": "Do you have an unboxing video?"},
        {"sender": "user", "text": "Sent unboxing.mov"},
        asked,
    ])
    expect(log.locator(".csw-msg")).to_have_count(4)
    expect(log.locator(".csw-evidence")).to_have_count(1)
    last = log.locator(".csw-msg").last
    expect(last.locator(".csw-evidence")).to_have_count(1)
    expect(last.get_by_role("button", name="Yes")).to_be_visible()
    last.get_by_role("button", name="I'll send it later").click()
    assert sent(page) == ['/inform{"choice": "later"}']
    page.context.close()


def test_an_answered_evidence_question_keeps_its_files_but_not_its_later_button(
    chromium: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = open_evidence_page(chromium)
    log = open_chat(page)
    start_session(page, verified=False)
    fire(page, "bot_uttered", EVIDENCE_QUESTION)
    question = log.locator(".csw-from-bot").nth(0)
    photo = tmp_path / "damage.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    question.locator(".csw-evidence-attach + input").set_input_files(str(photo))
    expect(question.locator(".csw-evidence-file[data-state=sent]")).to_have_count(1)
    # The file answered it: the next question arrives.
    fire(page, "bot_uttered", {"text": "Can the goods still be used?",
                               "quick_replies": EVIDENCE_QUESTION["quick_replies"]})
    expect(question.locator(".csw-evidence-later")).to_have_count(0)
    expect(question.locator(".csw-evidence-file img.csw-evidence-thumb")).to_have_count(1)
    # Pressed, "later" is gone at once (no second press).
    fire(page, "bot_uttered", EVIDENCE_QUESTION)
    later = log.locator(".csw-from-bot").last.get_by_role("button", name="I'll send it later")
    later.click()
    expect(log.locator(".csw-evidence-later")).to_have_count(0)
    assert sent(page) == ['/inform{"choice": "later"}']
    page.context.close()


@pytest.mark.parametrize(
    ("status", "retry"),
    [(422, False), (413, False), (503, True), (429, True)],
)
def test_a_refused_file_is_not_offered_again_but_a_passing_trouble_is(
    chromium: Any, tmp_path: Path, status: int, retry: bool
) -> None:
    """Review: "Try again" was offered on a permanent 422 (an HTML file named .mov fails
    again the same way)."""
    from playwright.sync_api import expect

    page = open_evidence_page(chromium, answer=(status, {"error": "Not this file."}))
    log = open_chat(page)
    start_session(page, verified=False)
    fire(page, "bot_uttered", EVIDENCE_QUESTION)
    question = log.locator(".csw-from-bot").last
    photo = tmp_path / "damage.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    question.locator(".csw-evidence-attach + input").set_input_files(str(photo))
    failed = question.locator(".csw-evidence-file[data-state=failed]")
    expect(failed).to_have_count(1)
    expect(failed.locator(".csw-evidence-state")).to_have_text("Not this file.")
    expect(failed.locator(".csw-evidence-retry")).to_have_count(1 if retry else 0)
    page.context.close()
