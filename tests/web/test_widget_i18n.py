"""The chat widget's own labels in the customer's language (issue 14).

The catalog (``cssecure/web/static/cssecure-widget-i18n.js``) is checked as data: every
label in every language of :data:`cssecure.i18n.LANGUAGES` with English's placeholders,
and exactly the labels the widget asks for. The widget's behaviour runs in Debian's
chromium against a stand-in socket.io client (``window.io``) the test drives: the label
language from the ``locale`` option, ``navigator.language`` or ``<html lang>``, and the
switch when the server names the conversation's language in a message.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browsers import launched_chromium

from cssecure.claims.evidence import EVIDENCE_KINDS
from cssecure.i18n import LANGUAGES

STATIC = Path(__file__).resolve().parents[2] / "cssecure/web/static"
CATALOG_JS = STATIC / "cssecure-widget-i18n.js"
WIDGET_JS = STATIC / "cssecure-widget.js"
DEMO_HTML = Path(__file__).resolve().parents[2] / "cssecure/web/templates/demo.html"
ASSIGNMENT = "window.CSSecureWidgetI18n = "
PLACEHOLDER = re.compile(r"\{(\w+)\}")

TIMEOUT_MS = 10_000
ORIGIN = "http://widget.test"


def load_catalog(path: Path = CATALOG_JS) -> dict[str, Any]:
    """The catalog's data: the JSON after the line-leading ``window.CSSecureWidgetI18n = ``
    up to the last ``;``."""
    source = path.read_text(encoding="utf-8")
    start = source.index("\n" + ASSIGNMENT) + 1 + len(ASSIGNMENT)
    end = source.rindex(";")
    data: dict[str, Any] = json.loads(source[start:end])
    return data


def catalog_problems(catalog: dict[str, Any]) -> list[str]:
    """What is wrong with a catalog: missing or extra languages, empty texts, placeholders
    that differ from the English text's. Empty when it is complete."""
    problems: list[str] = []
    if catalog.get("languages") != list(LANGUAGES):
        problems.append(f"languages {catalog.get('languages')} are not {list(LANGUAGES)}")
    for key, texts in catalog.get("labels", {}).items():
        if not isinstance(texts, dict):
            problems.append(f"{key}: not a mapping of languages")
            continue
        missing = [lang for lang in LANGUAGES if lang not in texts]
        extra = sorted(set(texts) - set(LANGUAGES))
        if missing:
            problems.append(f"{key}: no text in {', '.join(missing)}")
        if extra:
            problems.append(f"{key}: unknown languages {', '.join(extra)}")
        english = sorted(PLACEHOLDER.findall(texts.get("en", "")))
        for lang, text in texts.items():
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{key}[{lang}]: empty")
            elif sorted(PLACEHOLDER.findall(text)) != english:
                problems.append(
                    f"{key}[{lang}]: placeholders {sorted(PLACEHOLDER.findall(text))}, "
                    f"English has {english}"
                )
    return problems


def _code(path: Path) -> str:
    """JavaScript without its comments (they may quote label keys)."""
    return re.sub(r"/\*.*?\*/|//[^\n]*", "", path.read_text(encoding="utf-8"), flags=re.S)


def widget_kinds() -> list[str]:
    """The evidence kinds the widget can name for an uploaded file (``var KINDS = [...]``)."""
    found = re.search(r"var KINDS = (\[[^\]]*\]);", _code(WIDGET_JS))
    assert found, "the widget's KINDS list is gone"
    kinds: list[str] = json.loads(found.group(1))
    return kinds


def labels_the_widget_asks_for() -> set[str]:
    """Label keys named in the widget's code: literal arguments of ``t``/``showAlert``/
    ``setStatus`` and the keys built from the evidence kinds."""
    code = _code(WIDGET_JS)
    asked: set[str] = set()
    for args in re.findall(r"\b(?:t|showAlert|setStatus)\(([^()]*)", code):
        asked.update(k for k in re.findall(r'"(\w+)"', args) if not k.endswith("_"))
    asked.update(re.findall(r'statusKey = "(\w+)"', code))
    asked.update(f"kind_{kind}" for kind in widget_kinds())
    return asked


# --- the catalog as data ---------------------------------------------------------------


def test_every_label_has_every_language_with_the_same_placeholders() -> None:
    catalog = load_catalog()
    assert catalog["labels"], "no labels"
    assert catalog_problems(catalog) == []


def test_the_check_finds_a_missing_language_a_changed_placeholder_and_an_empty_text() -> None:
    catalog = load_catalog()
    broken = copy.deepcopy(catalog)
    del broken["labels"]["send"]["pl"]
    assert catalog_problems(broken) == ["send: no text in pl"]

    broken = copy.deepcopy(catalog)
    broken["labels"]["upload_sent_claim"]["de"] = "{datei} ({kind}) für {claim} gesendet."
    assert [p.split(":")[0] for p in catalog_problems(broken)] == ["upload_sent_claim[de]"]

    broken = copy.deepcopy(catalog)
    broken["labels"]["who_agent_named"]["fr"] = "Service client"  # the name dropped
    assert [p.split(":")[0] for p in catalog_problems(broken)] == ["who_agent_named[fr]"]

    broken = copy.deepcopy(catalog)
    broken["labels"]["typing"]["it"] = "  "
    broken["labels"]["typing"]["xx"] = "?"
    assert catalog_problems(broken) == ["typing: unknown languages xx", "typing[it]: empty"]

    broken = copy.deepcopy(catalog)
    broken["languages"] = broken["languages"][:-1]
    assert len(catalog_problems(broken)) == 1


def test_the_catalog_holds_exactly_the_labels_the_widget_asks_for() -> None:
    asked = labels_the_widget_asks_for()
    labels = set(load_catalog()["labels"])
    assert asked - labels == set(), "the widget asks for labels the catalog lacks"
    assert labels - asked == set(), "labels no code shows"
    # The static scan sees the widget's keys (it would pass vacuously otherwise).
    assert {"title", "input_placeholder", "send", "typing", "status_verified"} <= asked


def test_the_widget_can_name_every_evidence_kind_the_server_answers() -> None:
    assert sorted(widget_kinds()) == sorted(EVIDENCE_KINDS)


def test_english_labels_are_the_ones_the_widget_showed_before() -> None:
    english = {k: v["en"] for k, v in load_catalog()["labels"].items()}
    assert english["title"] == "CSSecure claims assistant"
    assert english["input_placeholder"] == "Type your message…"
    assert english["send"] == "Send"
    assert english["input_label"] == "Your message"
    assert english["log_label"] == "Conversation"
    assert english["who_agent_named"] == "Agent {name}"
    assert english["upload_sent_loose"] == (
        "Sent {file} ({kind}) kept until you say which claim it is for."
    )


# The assistant's form of address per language (its responses in domain.yml and
# faq_responses.yml, the gettext catalogs): the widget's labels must not switch register.
# Forms of the *other* register that must not appear in a label, whole words, any case.
OTHER_REGISTER: dict[str, str] = {
    "de": r"du|dich|dir|dein\w*",  # "Sie"
    "fr": r"tu|toi|ton|ta|tes",  # "vous"
    "es": r"usted(?:es)?|sus?|vuelva|escriba|indique|elija",  # "tú"
    "it": r"tu|tuo|tua|tuoi|tue|ti|puoi|stai|scegli|scrivi|riprova",  # "Lei"
    "nl": r"u|uw",  # "je"/"jij"
    "pl": r"pan|pani|pana|panu|państw\w*",  # "ty"
    "pt": r"vocês?|tu|teu|tua|teus|tuas",  # European, formal third person ("a sua")
}
# Where a label addresses the customer it uses the assistant's register: these forms.
OWN_REGISTER: dict[str, tuple[str, str]] = {
    "de": ("input_label", "Ihre"),
    "fr": ("input_label", "Votre"),
    "es": ("input_label", "Tu"),
    "it": ("input_label", "suo"),
    "nl": ("input_label", "Je"),
    "pl": ("input_label", "Twoja"),
    "pt": ("input_label", "sua"),
}
# The responses' and catalogs' word for a claim, in the labels that name one.
CLAIM_WORD = {"de": "Schadensmeldung", "fr": "réclamation", "es": "reclamación",
              "it": "richiesta", "nl": "claim", "pl": "zgłoszeni", "pt": "participação"}
CLAIM_LABELS = ("upload_sent_claim", "upload_sent_draft", "upload_sent_loose")


def register_problems(catalog: dict[str, Any]) -> list[str]:
    """Labels that address the customer in another register than the assistant does, or
    name a claim with another word than its responses. Empty when consistent."""
    labels = catalog["labels"]
    problems: list[str] = []
    for lang, forms in OTHER_REGISTER.items():
        pattern = re.compile(rf"(?<!\w)(?:{forms})(?!\w)", re.IGNORECASE)
        for key, texts in labels.items():
            found = pattern.findall(PLACEHOLDER.sub("", texts[lang]))
            if found:
                problems.append(f"{key}[{lang}]: {', '.join(found)}")
        key, form = OWN_REGISTER[lang]
        if not re.search(rf"(?<!\w){form}(?!\w)", labels[key][lang]):
            problems.append(f"{key}[{lang}]: no {form!r}")
        problems += [f"{key}[{lang}]: no {CLAIM_WORD[lang]!r}" for key in CLAIM_LABELS
                     if CLAIM_WORD[lang] not in labels[key][lang]]
    return problems


def test_labels_use_the_assistants_form_of_address_and_word_for_a_claim() -> None:
    assert register_problems(load_catalog()) == []


def test_the_register_check_finds_the_other_form_of_address_and_another_claim_word() -> None:
    catalog = load_catalog()
    broken = copy.deepcopy(catalog)
    broken["labels"]["input_placeholder"]["es"] = "Escriba su mensaje…"  # usted
    broken["labels"]["who_user"]["it"] = "Tu"
    broken["labels"]["status_verified"]["it"] = "Accesso effettuato: riservato al tuo account."
    broken["labels"]["who_user"]["pt"] = "Você"  # Brazilian
    assert register_problems(broken) == [
        "input_placeholder[es]: Escriba, su",
        "status_verified[it]: tuo",
        "who_user[it]: Tu",
        "who_user[pt]: Você",
    ]

    broken = copy.deepcopy(catalog)
    broken["labels"]["input_label"]["it"] = "Messaggio"  # neither register: not Lei
    broken["labels"]["upload_sent_claim"]["it"] = "{file} ({kind}) inviato per il sinistro {claim}."
    assert register_problems(broken) == [
        "input_label[it]: no 'suo'",
        "upload_sent_claim[it]: no 'richiesta'",
    ]


def test_the_demo_page_loads_the_labels_before_the_widget() -> None:
    page = DEMO_HTML.read_text(encoding="utf-8")
    labels = page.index('<script src="/static/cssecure-widget-i18n.js"></script>')
    assert labels < page.index('<script src="/static/cssecure-widget.js"></script>')


# --- the widget in chromium, with a stand-in socket.io client --------------------------

# window.io stand-in: records what the widget emits; the test fires server events.
FAKE_IO = """
window.__sockets = [];
window.io = function (url, opts) {
  var handlers = {};
  var socket = {
    connected: true, active: true, emitted: [], opts: opts,
    on: function (name, fn) { handlers[name] = fn; },
    emit: function (name, data) { socket.emitted.push([name, data]); },
    disconnect: function () { socket.connected = false; },
    fire: function (name, data) { handlers[name](data); },
  };
  window.__sockets.push(socket);
  return socket;
};
"""


def _host_page(html_lang: str, with_labels: bool = True) -> str:
    labels = '<script src="/static/cssecure-widget-i18n.js"></script>' if with_labels else ""
    return (
        f'<!doctype html><html lang="{html_lang}"><head><meta charset="utf-8"></head>'
        '<body><div id="chat"></div><script src="/fake-io.js"></script>'
        f'{labels}<script src="/static/tus.min.js"></script>'
        '<script src="/static/cssecure-widget-evidence.js"></script>'
        '<script src="/static/cssecure-widget.js"></script></body></html>'
    )


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with launched_chromium() as browser:
        yield browser


def open_widget(
    chromium: Any,
    *,
    browser_locale: str | None = "en-US",
    html_lang: str = "en",
    options: dict[str, Any] | None = None,
    with_labels: bool = True,
) -> Any:
    """A page at a made-up origin hosting the widget; ``browser_locale=None``: a browser that
    reports no language. The widget is mounted unless the page lacks the labels."""
    context = chromium.new_context(locale=browser_locale or "en-US")
    if browser_locale is None:
        context.add_init_script(
            "Object.defineProperty(Navigator.prototype, 'language', { get: () => '' });"
        )
    script = "text/javascript"
    files = {
        "/": (_host_page(html_lang, with_labels), "text/html"),
        "/fake-io.js": (FAKE_IO, script),
        "/static/cssecure-widget-i18n.js": (CATALOG_JS.read_text(encoding="utf-8"), script),
        "/static/cssecure-widget.js": (WIDGET_JS.read_text(encoding="utf-8"), script),
        "/static/cssecure-widget-evidence.js": (
            (STATIC / "cssecure-widget-evidence.js").read_text(encoding="utf-8"), script),
        "/static/tus.min.js": ((STATIC / "tus.min.js").read_text(encoding="utf-8"), script),
    }

    def serve(route: Any) -> None:
        path = route.request.url[len(ORIGIN):] or "/"
        body, kind = files.get(path, ("", "text/plain"))
        route.fulfill(status=200 if path in files else 404, body=body,
                      content_type=f"{kind}; charset=utf-8")

    context.route(f"{ORIGIN}/**", serve)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(ORIGIN + "/")
    if with_labels:
        page.evaluate(
            "opts => { window.__widget = CSSecureWidget.mount("
            "document.getElementById('chat'), opts); }",
            options or {},
        )
    return page


def fire(page: Any, event: str, data: Any) -> None:
    page.evaluate("([name, data]) => window.__sockets.at(-1).fire(name, data)", [event, data])


def shown_labels(page: Any) -> dict[str, str]:
    """The widget's labels as the page shows them."""
    return dict(page.evaluate("""() => {
      const root = document.querySelector('.csw');
      return {
        lang: root.getAttribute('lang'),
        title: root.querySelector('.csw-title').textContent,
        status: root.querySelector('.csw-status').textContent,
        input_placeholder: root.querySelector('.csw-input').getAttribute('placeholder'),
        input_label: root.querySelector('.csw-form label[for$="-input"]').textContent,
        send: root.querySelector('.csw-send').textContent,
        log_label: root.querySelector('.csw-log').getAttribute('aria-label'),
        attach: root.querySelector('.csw-attach').textContent,
      };
    }"""))


def expected_labels(lang: str, status: str = "status_connecting") -> dict[str, str]:
    labels = load_catalog()["labels"]
    keys = ("title", "input_placeholder", "input_label", "send", "log_label", "attach")
    return {"lang": lang, "status": labels[status][lang], **{k: labels[k][lang] for k in keys}}


@pytest.mark.browser
@pytest.mark.parametrize(
    ("browser_locale", "html_lang", "options", "expected"),
    [
        pytest.param("en-US", "en", {}, "en", id="english-as-today"),
        pytest.param("de-AT", "en", {}, "de", id="browser-de-AT"),
        pytest.param("pt-BR", "en", {}, "pt", id="browser-pt-BR"),
        pytest.param("ja-JP", "de", {}, "en", id="browser-unknown-is-english"),
        pytest.param("es-ES", "de", {}, "es", id="browser-before-html-lang"),
        pytest.param(None, "fr-CA", {}, "fr", id="html-lang-without-browser-language"),
        pytest.param(None, "", {}, "en", id="no-language-anywhere"),
        pytest.param("en-GB", "en", {"locale": "pl-PL"}, "pl", id="locale-option-first"),
        pytest.param("de-DE", "de", {"locale": "nl_BE"}, "nl", id="locale-option-underscore"),
    ],
)
def test_labels_start_in_the_customers_language(
    chromium: Any, browser_locale: str | None, html_lang: str, options: dict[str, Any],
    expected: str,
) -> None:
    page = open_widget(chromium, browser_locale=browser_locale, html_lang=html_lang,
                       options=options)
    assert shown_labels(page) == expected_labels(expected)
    page.context.close()


@pytest.mark.browser
def test_labels_follow_the_language_the_server_names(chromium: Any) -> None:
    from playwright.sync_api import expect

    page = open_widget(chromium)
    fire(page, "session_confirm", {"session_token": "s", "verified": False, "history": []})
    assert shown_labels(page) == expected_labels("en", "status_anonymous")
    log = page.locator(".csw-log")

    # The reply in German names its language in its metadata.
    fire(page, "bot_uttered", {"text": "Hallo! Wie kann ich helfen?",
                               "metadata": {"language": "de"}})
    expect(log.locator(".csw-from-bot")).to_have_count(1)
    assert shown_labels(page) == expected_labels("de", "status_anonymous")

    # A `custom` payload that only names the language switches and shows no message.
    fire(page, "bot_uttered", {"custom": {"language": "pt-BR"}})
    assert shown_labels(page) == expected_labels("pt", "status_anonymous")
    # The widget's own greeting (a new conversation) and the one reply; the greeting and
    # its starter buttons follow the switch.
    expect(log.locator(".csw-msg")).to_have_count(2)
    labels = load_catalog()["labels"]
    expect(log.locator(".csw-greeting .csw-text")).to_have_text(labels["greeting"]["pt"])
    expect(log.locator(".csw-greeting [data-choice=person]")).to_have_text(
        labels["starter_person"]["pt"])

    # Unknown or malformed languages change nothing.
    for hint in ({"metadata": {"language": "zh"}}, {"metadata": {"language": 3}},
                 {"metadata": "de"}, {"custom": None}):
        fire(page, "bot_uttered", {"text": "…", **hint})
    assert shown_labels(page)["lang"] == "pt"

    # What is shown while the labels are Portuguese uses them, placeholders filled.
    fire(page, "bot_uttered", {"text": "Olá", "sender": "agent", "agent_name": "Mei",
                               "quick_replies": [{"title": "Sim", "payload": "/affirm"}]})
    expect(log.locator(".csw-from-agent .csw-who").last).to_have_text(
        labels["who_agent_named"]["pt"].replace("{name}", "Mei") + ": ")
    expect(page.get_by_role("group", name=labels["replies_label"]["pt"])).to_be_visible()
    # The assistant speaks again (a person no longer holds the chat): "typing" is shown.
    fire(page, "bot_uttered", {"text": "Em que posso ajudar?"})
    page.get_by_label(labels["input_label"]["pt"]).fill("tenho um problema")
    page.get_by_role("button", name=labels["send"]["pt"], exact=True).click()
    expect(page.locator(".csw-typing")).to_have_text(labels["typing"]["pt"])

    # The switch relabels what is on screen: the typing notice and the suggested replies.
    fire(page, "bot_uttered", {"custom": {"language": "it"}})
    expect(page.locator(".csw-typing")).to_have_text(labels["typing"]["it"])
    fire(page, "bot_uttered", {"text": "Sì?", "quick_replies": [{"title": "Sì", "payload": "/a"}]})
    expect(page.get_by_role("group", name=labels["replies_label"]["it"])).to_be_visible()
    # The message still goes with the customer's own locale (dates), not the label language.
    sent = page.evaluate("window.__sockets.at(-1).emitted.filter(e => e[0] === 'user_uttered')")
    assert sent[-1][1]["locale"] == "en-US"

    # After a reload the server's session_confirm may name the language (signed in here).
    fire(page, "session_confirm", {"session_token": "s", "verified": True, "history": [],
                                   "language": "fr"})
    assert shown_labels(page) == expected_labels("fr", "status_verified")
    page.context.close()


@pytest.mark.browser
def test_the_host_pages_title_and_alerts_in_the_customers_language(chromium: Any) -> None:
    labels = load_catalog()["labels"]
    page = open_widget(chromium, browser_locale="nl-NL", options={"title": "Hulp bij je pakket"})
    assert page.locator(".csw-title").inner_text() == "Hulp bij je pakket"
    page.evaluate("window.__sockets.at(-1).connected = false")
    page.get_by_label(labels["input_label"]["nl"]).fill("hallo")
    page.get_by_label(labels["input_label"]["nl"]).press("Enter")
    alert = page.locator(".csw-alert")
    assert alert.inner_text() == labels["error_not_connected"]["nl"]
    # An alert on screen follows a switch; the title the host page chose stays.
    fire(page, "bot_uttered", {"custom": {"language": "de"}})
    assert alert.inner_text() == labels["error_not_connected"]["de"]
    assert page.locator(".csw-title").inner_text() == "Hulp bij je pakket"
    # The server's own message is shown as it comes.
    fire(page, "chat_error", {"message": "Too many messages."})
    assert alert.inner_text() == "Too many messages."
    fire(page, "disconnect", None)
    assert page.locator(".csw-status").inner_text() == labels["status_reconnecting"]["de"]
    page.context.close()


@pytest.mark.browser
def test_a_page_without_the_labels_gets_a_clear_error(chromium: Any) -> None:
    page = open_widget(chromium, with_labels=False)
    error = page.evaluate(
        "() => { try { CSSecureWidget.mount(document.getElementById('chat'), {}); return ''; }"
        " catch (e) { return String(e.message); } }"
    )
    assert "load cssecure-widget-i18n.js before cssecure-widget.js" in error
    page.context.close()
