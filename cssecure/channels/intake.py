"""The one door every customer message goes through, on every channel (issue 16).

REST, the website widget (socket.io), Telegram and Discord all call :func:`admit` with what
the customer's client sent, before anything reaches Rasa. It decides, in this order:

1. **Sender id**: the conversation id must match the channel's safe pattern
   (:data:`SENDER_PATTERNS`): letters, digits and ``_ . : @ -`` only, so an id can never
   carry markup, spaces or ``/`` into links, notifications or log lines. REST callers
   choose their own id (refused with a clear message otherwise); the other channels derive
   theirs, and a derived id that does not match is a bug, refused the same way.
2. **Rate limit**: ``cssecure.security.limits.check_message(channel, sender_id, address)``
   when that module exists (imported lazily; the only call site of it for messages).
3. **Text**: :func:`clean_text` (the one normalisation of customer text: NFC, control and
   bidirectional-override characters removed, lone surrogates replaced) and the length cap
   (refused with :data:`TOO_LONG_REPLY`).
4. **Payloads**: a message is an intent payload (``/affirm``, ``/inform{...}``) only when it
   is, exactly, the payload of a button the assistant offered in this conversation's recent
   bot messages (read from the Rasa agent's tracker store: :func:`offered_payloads`) and is
   small and shallow (:func:`payload_is_safe`). Anything else is typed text: its leading
   slashes, whitespace and invisible characters are stripped until none is left
   (:func:`strip_leading`), so ``"/ /inform{...}"``, ``"\\u200b/restart"`` or
   ``" \\t/session_start"`` reach the NLU as words. Payloads the channel builds itself
   (evidence notices ``/inform{"evidence_kind", "evidence_id"}``, ``/greet`` for Telegram's
   ``/start``, ``/session_start`` after ``/link``) are passed with ``notice=True`` and only
   checked for size and depth.

Refusals are told in the conversation's language (issue 14): :func:`notice_language`
(what the Rasa server last saw of the conversation, else its tracker, else the channel's
locale hint).

:func:`log_safe` escapes customer text for our own log lines (newlines, terminal escapes).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cssecure.channels.common import MAX_MESSAGE_CHARS, too_long_reply
from cssecure.i18n import DEFAULT_LANGUAGE, LANGUAGES
from cssecure.i18n.catalog import N_, tr
from cssecure.i18n.detect import hint_language

logger = logging.getLogger(__name__)

# --- sender ids ----------------------------------------------------------------------------

REST_SENDER = re.compile(r"[A-Za-z0-9_.:@-]{1,64}")
SENDER_PATTERNS: dict[str, re.Pattern[str]] = {
    "rest": REST_SENDER,
    # cssecure.identity.tokens: web-c-<32 hex> (verified customer), web-a-<32 hex> (anonymous).
    "web": re.compile(r"web-[ac]-[0-9a-f]{1,64}"),
    # cssecure.channels.common.conversation_id: <channel>-<external id>-<20 hex MAC>.
    "telegram": re.compile(r"telegram-[0-9]{1,20}-[0-9a-f]{20}"),
    "discord": re.compile(r"discord-[0-9]{1,20}(?:@[0-9]{1,20})?-[0-9a-f]{20}"),
}
# Conversation ids other channels bind to a verified chat or browser session.
RESERVED_PREFIXES = ("web-", "telegram-", "discord-")
SENDER_REFUSED = (
    '"sender" must be 1 to 64 characters, each a letter, a digit or one of _ . : @ -'
)
SENDER_OF_ANOTHER_CHANNEL = (
    '"sender" names a web, Telegram or Discord conversation: use that channel.'
)
SENDER_LIKE_A_REFERENCE = '"sender" must not look like a claim reference (CS-...).'


def sender_problem(channel: str, sender_id: object) -> str | None:
    """Why ``sender_id`` is not acceptable on ``channel``, or None when it is."""
    pattern = SENDER_PATTERNS.get(channel)
    if pattern is None or not isinstance(sender_id, str) or not pattern.fullmatch(sender_id):
        return SENDER_REFUSED
    if channel == "rest" and sender_id.lower().startswith(RESERVED_PREFIXES):
        return SENDER_OF_ANOTHER_CHANNEL  # in any case ("WEB-c-...": issue 16 review)
    if channel == "rest" and _LOOKS_LIKE_A_REFERENCE.match(sender_id):
        # It would pose as a claim in the agents' notifications and console.
        return SENDER_LIKE_A_REFERENCE
    return None


_LOOKS_LIKE_A_REFERENCE = re.compile(r"^cs[-_.:]?\d{4}", re.IGNORECASE)


# --- text ----------------------------------------------------------------------------------

# Bidirectional embeddings, overrides and isolates: text would read differently on an
# agent's screen than it is.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Invisible characters dropped anywhere: zero-width space, word joiner and invisible
# operators, deprecated format controls, BOM, interlinear annotation; tag characters below.
_DROPPED = frozenset(
    "\u200b\u2060\u2061\u2062\u2063\u2064\u206a\u206b\u206c\u206d\u206e\u206f"
    "\ufeff\ufff9\ufffa\ufffb"
) | BIDI_CONTROLS
# Letters and symbols that show as blank space (Hangul fillers, Braille blank, ...): not
# whitespace for Python, yet nothing a customer sees.
# U+FFFD: what a lone surrogate became.
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e\u17b4\u17b5\ufffd")
# Characters that read as a slash.
_SLASHES = frozenset("/\uff0f\u2044\u2215\u29f8\u2571\u1735\u3033")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"})


def _kept(ch: str) -> str:
    """What one character of customer text becomes ("" when dropped)."""
    if ch in "\n\t":
        return ch
    if ch in "\u2028\u2029":
        return "\n"
    if ch in _DROPPED or "\U000e0000" <= ch <= "\U000e007f":  # tag characters
        return ""
    category = unicodedata.category(ch)
    if category == "Cs":
        return "\ufffd"  # a lone surrogate (JSON "\ud800") cannot be stored or encoded
    if category == "Cc":
        return ""  # NUL, ESC (terminal codes), CR, DEL, C1 controls...
    return ch


def clean_text(text: str) -> str:
    """The one normalisation of customer text (every channel, before anything else).

    Unicode NFC; line endings made ``\\n``; control characters (other than line breaks and
    tabs), bidirectional embeddings/overrides/isolates, zero-width spaces and other
    invisible formatting characters removed; lone surrogates replaced by U+FFFD; outer
    whitespace stripped. Letters of every script, emoji (with their joiners) and accents
    are kept.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(_kept(ch) for ch in text)
    return unicodedata.normalize("NFC", kept).strip()


def _is_leading_junk(ch: str) -> bool:
    """A character that may not start typed text: a slash or anything that looks like
    nothing (whitespace of any kind, invisible and format characters, lone marks)."""
    if ch in _SLASHES or ch in _BLANK_LOOKING or ch.isspace():
        return True
    if unicodedata.category(ch) in _INVISIBLE_CATEGORIES:
        return True
    folded = unicodedata.normalize("NFKC", ch)
    return folded != ch and all(c in _SLASHES or c.isspace() for c in folded)


def strip_leading(text: str) -> str:
    """``text`` without leading slashes, whitespace or invisible characters, stripped
    repeatedly until none is left (``"/ /x"``, ``"\\u200b/x"``, ``"\\t//x"`` -> ``"x"``)."""
    start = 0
    while start < len(text) and _is_leading_junk(text[start]):
        start += 1
    return text[start:].rstrip()


def typed_text(text: str) -> str:
    """Customer text as the NLU may read it: :func:`clean_text`, then never a payload."""
    return strip_leading(clean_text(text))


MAX_RAW_CHARS = 4 * MAX_MESSAGE_CHARS  # refused before normalising


def too_long(text: str) -> bool:
    """Whether a customer's message is refused for its length: more than
    ``MAX_MESSAGE_CHARS`` characters once cleaned (what the customer sees), or so long as
    sent that it is not even read (``MAX_RAW_CHARS``)."""
    return len(text) > MAX_RAW_CHARS or len(typed_text(text)) > MAX_MESSAGE_CHARS


# --- payloads ------------------------------------------------------------------------------

MAX_PAYLOAD_CHARS = 512
MAX_PAYLOAD_DEPTH = 3
RECENT_TURNS = 3  # buttons of the bot messages since the customer's third-last message
_INTENT_NAME = re.compile(r"/[A-Za-z_][A-Za-z0-9_]{0,63}")


def payload_is_safe(text: str) -> bool:
    """A payload Rasa's parser may read: short, ``/intent`` or ``/intent{...}`` with JSON
    nested at most :data:`MAX_PAYLOAD_DEPTH` deep, printable. Checked before Rasa's own
    parser ever sees it (a deeply nested payload was a 503 and a huge traceback)."""
    if len(text) > MAX_PAYLOAD_CHARS or not text.isprintable():
        return False
    match = _INTENT_NAME.match(text)
    if match is None:
        return False
    rest = text[match.end():]
    if not rest:
        return True
    if not rest.startswith("{"):
        return False
    depth = deepest = 0
    in_string = escaped = False
    for ch in rest:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_PAYLOAD_DEPTH:
                return False
        elif ch in "}]":
            depth -= 1
    return depth == 0


def buttons_of(events: Iterable[Any], turns: int = RECENT_TURNS) -> set[str]:
    """Payloads of the buttons (and of evidence panels' "I'll send it later") in the bot
    messages since the customer's ``turns``-th last message (``events``: a tracker's events,
    objects or dicts, oldest first)."""
    items = list(events)
    start, seen = 0, 0
    for index in range(len(items) - 1, -1, -1):
        if _kind(items[index]) == "user":
            seen += 1
            if seen >= turns:
                start = index
                break
    offered: set[str] = set()
    for event in items[start:]:
        if _kind(event) != "bot":
            continue
        data = event.get("data") if isinstance(event, dict) else getattr(event, "data", None)
        data = data if isinstance(data, dict) else {}
        for button in (data.get("buttons") or []) + (data.get("quick_replies") or []):
            if isinstance(button, dict) and isinstance(button.get("payload"), str):
                offered.add(button["payload"])
        # An evidence question's "I'll send it later" (the widget's file panel, issue 15).
        custom = data.get("custom")
        request = custom.get("evidence_request") if isinstance(custom, dict) else None
        if isinstance(request, dict) and isinstance(request.get("later_payload"), str):
            offered.add(request["later_payload"])
    return offered


def _kind(event: Any) -> str | None:
    if isinstance(event, dict):
        return event.get("event")
    return getattr(event, "type_name", None)


async def offered_payloads(agent: Any, conversation_id: str) -> set[str]:
    """The payloads of the buttons the assistant recently offered in a conversation, from
    the Rasa agent's tracker store (empty without an agent or a conversation)."""
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return set()
    try:
        tracker = await store.retrieve(conversation_id)
    except Exception:  # noqa: BLE001 - no buttons known: the message is read as typed text
        logger.warning("Offered buttons not readable for a %s conversation.",
                       conversation_id.split("-", 1)[0])
        return set()
    return set() if tracker is None else buttons_of(tracker.events)


# --- the customer's language ---------------------------------------------------------------

# The language each conversation had after its latest message in this Rasa server (the
# message processor's hook records it, cssecure.handoff.waiting): refusals under a flood are
# told in it without reading the tracker store once per refused message.
_MAX_REMEMBERED = 10_000
_languages: OrderedDict[str, str] = OrderedDict()
_languages_lock = threading.Lock()


def remember_language(conversation_id: str, language: str | None) -> None:
    """Record a conversation's language (None: not settled, so English)."""
    value = language if language in LANGUAGES else DEFAULT_LANGUAGE
    with _languages_lock:
        _languages[conversation_id] = str(value)
        _languages.move_to_end(conversation_id)
        while len(_languages) > _MAX_REMEMBERED:
            _languages.popitem(last=False)


def remembered_language(conversation_id: str) -> str | None:
    """The language recorded for a conversation in this process, if any."""
    with _languages_lock:
        return _languages.get(conversation_id)


def _slot_language(tracker: Any) -> str | None:
    slots = getattr(tracker, "slots", None) or {}
    value = tracker.get_slot("language") if "language" in slots else None
    return value if isinstance(value, str) and value in LANGUAGES else None


async def notice_language(
    agent: Any, conversation_id: str | None, hint: object = None, *, read_store: bool = True
) -> str | None:
    """The language to tell a customer something the channel says itself (a refusal, a
    stored file's trouble) before or outside the dialogue.

    In order: what this Rasa server last saw of the conversation; its ``language`` slot in
    the agent's tracker store (``read_store``; skipped under a flood); the channel's locale
    ``hint`` (Telegram's ``language_code``, the widget's ``locale``, Discord's locale);
    else None (English).
    """
    if conversation_id:
        known = remembered_language(conversation_id)
        if known:
            return known
        store = getattr(agent, "tracker_store", None)
        if read_store and store is not None:
            try:
                tracker = await store.retrieve(conversation_id)
            except Exception:  # noqa: BLE001 - the hint (or English) will do
                logger.warning("Language not readable for a %s conversation.",
                               conversation_id.split("-", 1)[0])
                tracker = None
            language = _slot_language(tracker) if tracker is not None else None
            if language:
                return language
    return hint_language(hint) if isinstance(hint, str) else None


# --- rate limit ----------------------------------------------------------------------------

RATE_REFUSED = N_("You are sending messages too quickly. Please wait a moment.")


def _check_rate(channel: str, sender_id: str, address: str | None) -> str | None:
    """THE call site of the message rate limiter (cssecure.security.limits, another part):
    the message to the customer when refused, else None. Absent module: no limit."""
    try:
        limits = importlib.import_module("cssecure.security.limits")
    except ImportError:
        return None
    check = getattr(limits, "check_message", None)
    if check is None:
        return None
    allowed, message = check(channel, sender_id, address)
    if allowed:
        return None
    return message or RATE_REFUSED


def _refusal_delay() -> float:
    """Seconds a refused message waits before its answer (the limiter's setting; none when
    the limiter has no such setting)."""
    limits = importlib.import_module("cssecure.security.limits")
    delay = getattr(limits, "refusal_delay_seconds", None)
    return float(delay()) if callable(delay) else 0.0


# --- the door ------------------------------------------------------------------------------

# Why a message was not admitted.
REFUSED_SENDER = "sender"
REFUSED_RATE = "rate"
REFUSED_LENGTH = "length"
REFUSED_EMPTY = "empty"
REFUSED_PAYLOAD = "payload"


@dataclass(frozen=True)
class Admission:
    """What :func:`admit` decided.

    Attributes:
        text: what goes to Rasa (None: nothing does).
        reply: what to tell the customer instead (None: nothing).
        refused: why nothing goes to Rasa (``REFUSED_*``), None when ``text`` is set.
        payload: ``text`` is an intent payload (an offered button or a channel's notice).
    """

    text: str | None
    reply: str | None = None
    refused: str | None = None
    payload: bool = False


async def admit(
    channel: str,
    sender_id: str,
    text: str,
    *,
    agent: Any = None,
    address: str | None = None,
    notice: bool = False,
    hint: object = None,
) -> Admission:
    """Decide what a customer's message on ``channel`` becomes (module docstring).

    Args:
        channel: ``"rest"``, ``"web"``, ``"telegram"`` or ``"discord"``.
        sender_id: the Rasa conversation id the message goes to.
        text: the message as the client sent it (typed text, or a button's payload).
        agent: the Rasa agent (``request.app.ctx.agent``), to read the offered buttons.
        address: the client's network address when the channel knows it (rate limit).
        notice: ``text`` is a payload the channel itself built (an evidence notice,
            ``/greet``, ``/session_start``): rate-limited like a message (the customer
            triggers it), then only checked for size.
        hint: the channel's locale for the customer (``language_code``, the widget's
            ``locale``): the language of a refusal when the conversation has none yet.

    A refused message is answered only after the limiter's refusal delay (a tarpit: a
    flooding client that retries as soon as it is refused slows to about one a second).
    """
    problem = sender_problem(channel, sender_id)
    if problem is not None:
        logger.warning("Refused a %s message with an invalid sender id.", channel)
        return Admission(None, problem, REFUSED_SENDER)
    # Notices count too: the customer triggers them (a file, Telegram's /start), and each
    # is a turn of the assistant (issue 16 review).
    limited = _check_rate(channel, sender_id, address)
    if limited is not None:
        await asyncio.sleep(_refusal_delay())
        # No tracker read for a refused message (a flood must cost nothing more); the
        # limiter's texts are marked for translation where they are written.
        language = await notice_language(agent, sender_id, hint, read_store=False)
        return Admission(None, tr(language, limited), REFUSED_RATE)
    if notice:
        if not text.startswith("/"):  # a channel's own words, e.g. a caption passed on
            cleaned = typed_text(text)[:MAX_MESSAGE_CHARS]
            return Admission(cleaned) if cleaned else Admission(None, None, REFUSED_EMPTY)
        if payload_is_safe(text):
            return Admission(text, payload=True)
        logger.error("Refused an oversized or malformed %s notice payload.", channel)
        return Admission(None, None, REFUSED_PAYLOAD)
    if len(text) > MAX_RAW_CHARS:  # not worth normalising
        language = await notice_language(agent, sender_id, hint)
        return Admission(None, too_long_reply(language), REFUSED_LENGTH)
    candidate = text.strip()
    if (
        candidate.startswith("/")
        and payload_is_safe(candidate)
        and candidate in await offered_payloads(agent, sender_id)
    ):
        return Admission(candidate, payload=True)
    cleaned = typed_text(text)
    if len(cleaned) > MAX_MESSAGE_CHARS:
        language = await notice_language(agent, sender_id, hint)
        return Admission(None, too_long_reply(language), REFUSED_LENGTH)
    if not cleaned:
        return Admission(None, None, REFUSED_EMPTY)
    return Admission(cleaned)


# --- logs ----------------------------------------------------------------------------------


def log_safe(text: object, limit: int = 200) -> str:
    """Customer text for one of our log lines: one line, no terminal escapes, bounded.

    Line breaks, tabs, ESC and every other character Python does not call printable
    (controls, invisible formatting and bidi characters, separators, lone surrogates) are
    written as escapes (``\\n``, ``\\x1b``, ``\\u202e``), so the text can neither start a
    fake log line nor recolour the terminal.
    """
    value = text if isinstance(text, str) else repr(text)
    if len(value) <= limit and value.isprintable():
        return value  # the common case, fast
    out = [
        ch if ch.isprintable() else ch.encode("unicode_escape", "backslashreplace").decode("ascii")
        for ch in value[:limit]
    ]
    if len(value) > limit:
        out.append("...")
    return "".join(out)


_factory_lock = threading.Lock()
# The loggers that may write a customer's text: Rasa's (it logs each message), the web
# servers' and chat libraries', ours of the channels.
ESCAPED_LOGGERS = ("rasa", "sanic", "socketio", "engineio", "aiogram", "discord",
                   "cssecure.channels", "cssecure.web", "cssecure.handoff")
_installed = False


def install_log_escaping() -> None:
    """Make every log record of :data:`ESCAPED_LOGGERS` one line without terminal escapes:
    the message (after ``%`` formatting, so Rasa's own f-string lines with a customer's text
    too) goes through :func:`log_safe` without a length limit. Tracebacks are left as they
    are. Installed once per process, explicitly: in the Rasa server by
    :func:`cssecure.rasa_server.install` (its ``log_escaping`` patch, before Rasa starts),
    in the Discord bot process by its ``main``; a customer's
    ``"hi\\n... ERROR rasa.server ..."`` then cannot fake a log line."""
    global _installed
    with _factory_lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            if not record.name.startswith(ESCAPED_LOGGERS):
                return record
            try:
                message = record.getMessage()
            except Exception:  # noqa: BLE001 - a bad format string: let logging report it
                return record
            safe = log_safe(message, limit=len(message))
            if safe != message or record.args:
                record.msg, record.args = safe, ()
            return record

        logging.setLogRecordFactory(factory)
        _installed = True
