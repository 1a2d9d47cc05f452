"""The handoff and the general actions in the customer's language (issue 14).

Two test catalogs stand in for the German ``.po`` file (``catalog._translations``):

* ``german``: a few real-looking translations, to check placeholders are filled (German
  days, months and amounts) and that typed German words are understood;
* ``shouting``: every text "translated" to its English in capitals (placeholders kept), so
  a lower-case word in a German answer is a text that bypassed ``tr``.

English output is compared with the texts the assistant always gave.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from handoff.claims_fixtures import file_claim
from handoff.fake_rasa import TOKEN, FakeRasa
from handoff.support import FakeHTTP, fake_http, sqlite_engine  # noqa: F401
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.engine import Engine

from actions import general, services
from cssecure.claims.unit_of_work import UnitOfWork
from cssecure.handoff import service, texts, waiting
from cssecure.handoff.office_hours import OfficeHours
from cssecure.handoff.queue import Place
from cssecure.handoff.rasa_api import RasaConversations, RasaUnavailable
from cssecure.handoff.service import HandoffPorts
from cssecure.handoff.waiting import (
    EXPIRED,
    FULL,
    RESUMED,
    SHORT,
    STATUS,
    WAIT_KEY,
    HandoffWaiting,
    Message,
    WaitState,
)
from cssecure.i18n import catalog
from cssecure.settings import Settings
from tests.i18n_support import ShoutingCatalog

# Monday 2026-03-02 10:00 in Shanghai (02:00 UTC): the team works.
MONDAY_10 = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
HOURS = OfficeHours.parse("Mon-Fri 09:00-18:00", "Asia/Shanghai")

GERMAN = {
    "{first_day} to {last_day}": "{first_day} bis {last_day}",
    "{zone} time, {offset}": "Zeitzone {zone}, {offset}",
    "today at {clock}": "heute um {clock}",
    "tomorrow at {clock}": "morgen um {clock}",
    "{weekday} at {clock}": "{weekday} um {clock}",
    "on {day_and_month} at {clock}": "am {day_and_month} um {clock}",
    "Continue with the assistant": "Weiter mit dem Assistenten",
    "continue with the assistant": "weiter mit dem Assistenten",
    "Claim status": "Stand der Meldung",
    "status": "Stand",
    "You're number {position} in the queue.": "Sie sind Nummer {position} in der Warteschlange.",
    "Good news: your claim {reference} is approved. You will receive a refund of {amount} to "
    "your account.": "Gute Nachricht: Ihre Meldung {reference} ist genehmigt. Sie erhalten "
    "{amount} auf Ihr Konto.",
    "Note from our team: {note}": "Notiz unseres Teams: {note}",
    "We are sorry: your claim {reference} cannot be paid. Reason: {reason} If you have "
    "evidence we have not seen, reply here and we will look again.": "Es tut uns leid: "
    "Ihre Meldung {reference} kann nicht bezahlt werden. Grund: {reason} Antworten Sie "
    "hier, wenn Sie weitere Nachweise haben.",
    "Hi! I'm the CSSecure claims assistant. {what_i_do}": "Hallo! Ich bin der "
    "Schadensassistent von CSSecure. {what_i_do}",
    "I can help with a damaged, lost, seized, returned or delayed parcel, quote the CSSecure "
    "premium, tell you the status of your claims, or answer questions about the insurance "
    "terms.": "Ich helfe bei beschädigten, verlorenen, beschlagnahmten, zurückgeschickten "
    "oder verspäteten Paketen.",
}


@pytest.fixture()
def german(monkeypatch: pytest.MonkeyPatch) -> None:
    """``de`` answers with ``GERMAN``; every other language stays English."""
    table = {english: (german,) for english, german in GERMAN.items()}
    monkeypatch.setattr(catalog, "_translations", lambda lang: table if lang == "de" else {})
    _forget_typed_words()


@pytest.fixture()
def shouting(monkeypatch: pytest.MonkeyPatch) -> None:
    """``de`` answers every text with its English in capitals."""
    monkeypatch.setattr(
        catalog, "_translations", lambda lang: ShoutingCatalog() if lang == "de" else {}
    )
    _forget_typed_words()


def _forget_typed_words() -> None:
    # The typed words of every language are read from the catalogs once (cached).
    waiting._continue_words.cache_clear()
    waiting._status_words.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_typed_words() -> Iterable[None]:
    yield
    _forget_typed_words()


def untranslated(text: str, data: Iterable[str] = ()) -> list[str]:
    """Lower-case words of ``text`` (with the shouting catalog: words that bypassed ``tr``)
    other than those of ``data`` (values: zone, German day and month names, references)."""
    allowed = {"Asia", "Shanghai", "UTC"}
    for value in data:
        allowed.update(re.findall(r"[^\W\d_]+", value))
    return [w for w in re.findall(r"[^\W\d_]+", text) if w != w.upper() and w not in allowed]


GERMAN_DAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag",
               "März")


# --------------------------------------------------------------------- office hours


def test_office_hours_in_english_are_as_they_were() -> None:
    at = MONDAY_10
    assert HOURS.describe(at, "en") == HOURS.describe(at) == (
        "Monday to Friday 09:00-18:00, Asia/Shanghai time, UTC+8"
    )
    assert HOURS.when(at + timedelta(days=14), at, "en") == "on 16 March at 10:00"


def test_office_hours_in_german_use_the_catalog_and_german_days(german: None) -> None:
    at = MONDAY_10
    assert HOURS.describe(at, "de") == (
        "Montag bis Freitag 09:00-18:00, Zeitzone Asia/Shanghai, UTC+8"
    )
    assert HOURS.when(at, at, "de") == "heute um 10:00"
    assert HOURS.when(at + timedelta(days=1), at, "de") == "morgen um 10:00"
    assert HOURS.when(at + timedelta(days=3), at, "de") == "Donnerstag um 10:00"
    assert HOURS.when(at + timedelta(days=14), at, "de") == "am 16. März um 10:00"
    lists = OfficeHours.parse("Mon,Wed 09:00-12:00", "Asia/Shanghai")
    assert lists.describe(at, "de").startswith("Montag und Mittwoch 09:00-12:00")


# ------------------------------------------------------------------- waiting answers


@pytest.fixture
def answers(sqlite_engine: Engine) -> HandoffWaiting:  # noqa: F811
    settings = Settings.from_env({"CSSECURE_DATABASE_URL": "sqlite://"})
    return HandoffWaiting(settings, sqlite_engine, clock=lambda: MONDAY_10)


def waiting_since(t: float, **state: Any) -> WaitState:
    return WaitState(paused=True, since=t, reply_by=t + 1800, **state)


def test_english_waiting_answers_are_unchanged(answers: HandoffWaiting) -> None:
    t = MONDAY_10.timestamp() - 60
    for language in (None, "en"):
        full = answers.decide(waiting_since(t), Message("c", "hello?", language=language),
                              MONDAY_10)
        assert full is not None and full.text == (
            "Thanks, your message is saved for our support team: a person will answer you in "
            "this chat. Our team is working now and aims to answer you within 30 minutes, by "
            "today at 10:29 (Asia/Shanghai time, UTC+8). Meanwhile you can send photos, "
            "videos or documents here: they are added to your case for the agent. To see "
            'where your claim stands, press "Claim status" or write "status". Changed your '
            'mind? Press "Continue with the assistant" (or write it) to go on with me; your '
            "case stays with the team."
        )
        assert full.buttons == (texts.STATUS_BUTTON, texts.CONTINUE_BUTTON)
    assert texts.queue_words(Place(None, 1)) == "1 customer is waiting for our team."
    assert texts.queue_words(Place(None, 3), "en") == "3 customers are waiting for our team."
    assert texts.queue_words(Place(2, 3)) == "You're number 2 in the queue."


def test_every_waiting_answer_in_german_goes_through_the_catalog(
    answers: HandoffWaiting, shouting: None
) -> None:
    t = MONDAY_10.timestamp() - 60
    de = {"language": "de"}
    replies = [
        answers.decide(waiting_since(t), Message("c", "hallo?", **de), MONDAY_10),
        answers.decide(waiting_since(t, full_sent=True), Message("c", "noch da?", **de),
                       MONDAY_10),
        answers.decide(waiting_since(t, full_sent=True), Message("c", '/inform{"evidence_id":'
                                                                 ' "9"}', **de), MONDAY_10),
        answers.decide(waiting_since(t - 1800), Message("c", "?", **de), MONDAY_10),
        answers.decide(waiting_since(t), Message("c", "status", **de), MONDAY_10),
        answers.decide(waiting_since(t), Message("c", "assistant", **de), MONDAY_10),
    ]
    kinds = [r.kind if r else None for r in replies]
    assert kinds == [FULL, SHORT, SHORT, EXPIRED, STATUS, RESUMED]
    for reply in replies:
        assert reply is not None
        assert untranslated(reply.text, GERMAN_DAYS) == [], reply.text
        for button in reply.buttons:
            assert button["title"] == button["title"].upper()
    full, expired = replies[0], replies[3]
    assert full is not None and expired is not None
    # The placeholders are filled (the promise, the zone), the payloads stay as they are.
    assert "HEUTE" not in full.text and "TODAY AT 10:29" in full.text
    assert "Asia/Shanghai TIME, UTC+8" in full.text
    assert [b["payload"] for b in full.buttons] == [texts.STATUS_PAYLOAD, texts.CONTINUE_PAYLOAD]
    assert [b["payload"] for b in expired.buttons] == [texts.CONTINUE_PAYLOAD]


def test_a_german_customer_is_answered_and_understood_in_german(
    answers: HandoffWaiting, german: None
) -> None:
    t = MONDAY_10.timestamp() - 60
    full = answers.decide(waiting_since(t), Message("c", "hallo?", language="de"), MONDAY_10)
    assert full is not None
    assert "heute um 10:29 (Zeitzone Asia/Shanghai, UTC+8)" in full.text
    assert '"Stand der Meldung"' in full.text and '"Stand"' in full.text
    assert full.buttons == (
        {"title": "Stand der Meldung", "payload": texts.STATUS_PAYLOAD},
        {"title": "Weiter mit dem Assistenten", "payload": texts.CONTINUE_PAYLOAD},
    )
    # What the German texts tell the customer to write, and the English words, both work.
    for typed in ("Weiter mit dem Assistenten!", "weiter mit dem assistenten",
                  "Continue with the assistant"):
        reply = answers.decide(waiting_since(t), Message("c", typed, language="de"), MONDAY_10)
        assert reply is not None and (reply.kind, reply.resume) == (RESUMED, True)
    status = answers.decide(waiting_since(t), Message("c", "Stand", language="de"), MONDAY_10)
    assert status is not None and status.kind == STATUS


def test_the_queue_place_is_filled_into_the_german_sentence(german: None) -> None:
    assert texts.queue_words(Place(4, 9), "de") == "Sie sind Nummer 4 in der Warteschlange."


class Conversations:
    """The wait job's view of Rasa (events) and the channels (notify)."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.tracker_events = events
        self.notified: list[tuple[str, list[dict[str, str]]]] = []

    def events(self, conversation_id: str) -> list[dict[str, Any]]:
        return self.tracker_events

    def notify(self, channel: str, conversation_id: str, text: str,
               buttons: list[dict[str, str]], notice: str) -> None:
        self.notified.append((text, buttons))


def test_the_wait_job_tells_the_customer_in_the_conversations_language(
    answers: HandoffWaiting, german: None
) -> None:
    t = MONDAY_10.timestamp() - 1800
    payload = {"conversation_id": "telegram-1-x", "channel": "telegram", "since": t}
    pause = {"event": "pause", "timestamp": t, "metadata": {WAIT_KEY: {"reply_by": t + 1800}}}
    language = {"event": "slot", "name": "language", "value": "de"}
    german_rasa = Conversations([language, {"event": "user", "text": "Hilfe"}, pause])
    answers.check_wait(payload, german_rasa)
    ((text, buttons),) = german_rasa.notified
    assert "heute um 10:00 (Zeitzone Asia/Shanghai, UTC+8)" in text
    assert buttons == [{"title": "Weiter mit dem Assistenten", "payload": texts.CONTINUE_PAYLOAD}]
    english_rasa = Conversations([{"event": "user", "text": "help"}, pause])
    answers.check_wait(payload, english_rasa)
    ((text, buttons),) = english_rasa.notified
    assert "we aimed for today at 10:00 (Asia/Shanghai time, UTC+8)" in text
    assert buttons == [texts.CONTINUE_BUTTON]


# ------------------------------------------------------------- agents' messages


@pytest.fixture
def rasa(fake_http: FakeHTTP) -> FakeRasa:  # noqa: F811
    fake = FakeRasa(fake_http)
    fake.add_conversation("conv-de", [
        {"event": "slot", "name": "language", "value": "de", "timestamp": 1},
        {"event": "user", "text": "meine Vase ist kaputt", "timestamp": 2},
    ])
    fake.add_conversation("conv-en", [{"event": "user", "text": "my vase broke", "timestamp": 1}])
    return fake


@pytest.fixture
def ports(sqlite_engine: Engine, rasa: FakeRasa) -> HandoffPorts:  # noqa: F811
    return HandoffPorts(
        uow_factory=lambda: UnitOfWork(sqlite_engine),
        conversations=RasaConversations(rasa.http.url, TOKEN, timeout_s=2),
    )


def test_the_agents_decision_reaches_the_customer_in_their_language(
    sqlite_engine: Engine, ports: HandoffPorts, rasa: FakeRasa, german: None  # noqa: F811
) -> None:
    claim = file_claim(sqlite_engine, conversation_id="conv-de", facts={
        "insured_value": Decimal("2000.00"), "affected_items_value": Decimal("1500.00")})
    outcome = service.approve(ports, claim.reference, agent="alice", payout_rmb="1250.50",
                              note="Wert laut Rechnung")
    assert outcome.problem is None
    assert rasa.pushed[-1]["text"] == (
        f"Gute Nachricht: Ihre Meldung {claim.reference} ist genehmigt. Sie erhalten "
        "1.250,50\N{NO-BREAK SPACE}RMB auf Ihr Konto. Notiz unseres Teams: Wert laut Rechnung"
    )
    # The claim's history, for the team, stays English.
    assert outcome.claim is not None
    assert "approved" in outcome.claim["status"]


def test_a_rejection_keeps_the_agents_reason_as_written(
    sqlite_engine: Engine, ports: HandoffPorts, rasa: FakeRasa, german: None  # noqa: F811
) -> None:
    claim = file_claim(sqlite_engine, conversation_id="conv-de")
    reason = 'terms: "Insured Value" is the declared value.'
    service.reject(ports, claim.reference, agent="alice", reason=reason)
    assert rasa.pushed[-1]["text"] == (
        f"Es tut uns leid: Ihre Meldung {claim.reference} kann nicht bezahlt werden. Grund: "
        f"{reason} Antworten Sie hier, wenn Sie weitere Nachweise haben."
    )


def test_every_message_of_the_agents_actions_goes_through_the_catalog(
    sqlite_engine: Engine, ports: HandoffPorts, rasa: FakeRasa, shouting: None  # noqa: F811
) -> None:
    claim = file_claim(sqlite_engine, conversation_id="conv-de")
    service.take_over(ports, claim.reference, agent="alice")
    service.request_evidence(ports, claim.reference, agent="alice", what="ein Foto der Vase")
    service.hand_back(ports, claim.reference, agent="alice")
    service.resume_conversation(ports, "web", "conv-de", agent="alice")
    sent = [p["text"] for p in rasa.pushed]
    assert len(sent) == 4
    for text in sent:
        assert untranslated(text, ["ein Foto der Vase"]) == [], text
    assert "ein Foto der Vase" in sent[1]  # the agent's words, as written


def test_agents_messages_to_an_english_conversation_are_unchanged(
    sqlite_engine: Engine, ports: HandoffPorts, rasa: FakeRasa, shouting: None  # noqa: F811
) -> None:
    claim = file_claim(sqlite_engine, conversation_id="conv-en")
    service.take_over(ports, claim.reference, agent="alice")
    service.approve(ports, claim.reference, agent="alice", payout_rmb="300.00", note="ok")
    assert [p["text"] for p in rasa.pushed] == [
        f"Hello, this is the CSSecure support team. I am looking at your claim "
        f"{claim.reference} now and will answer you here.",
        f"Good news: your claim {claim.reference} is approved. You will receive a refund of "
        "300.00 RMB to your account. Note from our team: ok"
        # The decision ends the takeover: the assistant answers again (issue 17).
        "\n\n" + str(service.BACK_WITH_ASSISTANT),
    ]


def test_the_language_is_read_from_rasas_slots_and_a_failure_means_english(
    fake_http: FakeHTTP,  # noqa: F811
) -> None:
    fake_http.routes[("GET", "/conversations/conv-pl/tracker")] = lambda request: (
        200, {"sender_id": "conv-pl", "slots": {"language": "pl"}}
    )
    conversations = RasaConversations(fake_http.url, TOKEN, timeout_s=2)
    assert service.conversation_language(conversations, "conv-pl") == "pl"
    assert "include_events=NONE" in fake_http.requests[-1].path
    broken = RasaConversations("http://127.0.0.1:9", TOKEN, timeout_s=1)
    assert service.conversation_language(broken, "conv-pl") is None


# ------------------------------------------------------------------ general actions


def _tracker(slots: dict[str, Any], *, text: str = "", intent: str = "greet",
             entities: list[dict[str, Any]] | None = None,
             history: list[dict[str, Any]] | None = None) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9},
              "entities": entities or []}
    events = [*(history or []), {"event": "user", "text": text, "parse_data": latest}]
    return Tracker("conv-1", {"verified": False, **slots}, latest, events, False, None, {},
                   "action_listen")


def _run(action: Any, tracker: Tracker) -> list[dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages


def test_the_greeting_in_german_and_in_english(german: None) -> None:
    (german_hi,) = _run(general.ActionGreet(), _tracker({"language": "de"}))
    assert german_hi["text"] == (
        "Hallo! Ich bin der Schadensassistent von CSSecure. Ich helfe bei beschädigten, "
        "verlorenen, beschlagnahmten, zurückgeschickten oder verspäteten Paketen."
    )
    (english_hi,) = _run(general.ActionGreet(), _tracker({}))
    assert english_hi["text"] == f"Hi! I'm the CSSecure claims assistant. {general.WHAT_I_DO}"


class _Claims:
    """The part of the claims service the general actions use."""

    def claims_for_customer(self, customer_id: str) -> list[dict[str, Any]]:
        return [
            {"reference": f"CS-2026-00000{n}", "claim_type": "lost", "parcel_id": f"P90000{n}",
             "status": "in_review", "open": True}
            for n in range(1, 8)
        ]

    def loose_evidence(self, evidence_id: str, conversation_id: str) -> dict[str, Any]:
        return {"evidence_id": evidence_id}

    def assign_evidence(self, *args: Any, **kwargs: Any) -> None:
        return None

    def request_agent(self, *args: Any) -> None:
        return None


@pytest.fixture
def claims() -> Iterable[_Claims]:
    fake = _Claims()
    services.use_claims_app(fake)  # type: ignore[arg-type]
    yield fake
    services.use_claims_app(None)


def test_every_general_reply_in_german_goes_through_the_catalog(
    claims: _Claims, shouting: None
) -> None:
    de = {"language": "de"}
    alice = {**de, "customer_id": "demo-alice", "verified": True}
    evidence = [{"entity": "evidence_kind", "value": "unboxing_video"},
                {"entity": "evidence_id", "value": "ev-1"}]
    miss = {"event": "user", "text": "blah",
            "parse_data": {"intent": {"name": "nlu_fallback"}}}
    runs: list[tuple[Action, Tracker]] = [
        (general.ActionGreet(), _tracker(de)),
        (general.ActionGreet(), _tracker({**de, "claim_type": "lost", "parcel_id": "P900001",
                                           "claim_draft_id": "d-1"})),
        (general.ActionAskQuoteInsuredValue(), _tracker(de)),
        (general.ActionQuotePremium(), _tracker(de, intent="quote_premium")),
        (general.ActionCheckClaimStatus(), _tracker(de, intent="check_claim_status")),
        (general.ActionCheckClaimStatus(), _tracker(alice, intent="check_claim_status")),
        (general.ActionFallback(), _tracker(de, intent="nlu_fallback")),
        (general.ActionFallback(), _tracker(de, intent="out_of_scope")),
        (general.ActionFallback(), _tracker(de, intent="nlu_fallback", history=[miss])),
        (general.ActionInformOutsideClaim(), _tracker(de, intent="inform")),
        (general.ActionInformOutsideClaim(), _tracker({**alice, "claim_draft_id": "d-1"},
                                                      text="/inform", intent="inform",
                                                      entities=evidence)),
        (general.ActionInformOutsideClaim(), _tracker(alice, text="/inform", intent="inform",
                                                      entities=evidence)),
        (general.ActionInformOutsideClaim(), _tracker(alice, text="/inform", intent="inform",
                                                      entities=[*evidence, {
                                                          "entity": "claim_ref",
                                                          "value": "CS-2026-000001"}])),
    ]
    data = ["CS", "P"]
    for action, tracker in runs:
        messages = _run(action, tracker)
        assert messages, action.name()
        for message in messages:
            assert untranslated(message["text"] or "", data) == [], message["text"]
            for button in message.get("buttons") or []:
                if not button["title"].startswith("CS-"):
                    assert button["title"] == button["title"].upper(), button
    status = _run(general.ActionCheckClaimStatus(), _tracker(alice, intent="check_claim_status"))
    # Five claims, then the German plural of the older ones; statuses in words.
    assert status[0]["text"].count("\n- CS-2026-") == 5
    assert "(AND 2 OLDER ONES)" in status[0]["text"] and "IN REVIEW" in status[0]["text"]


def test_general_replies_in_english_are_unchanged(claims: _Claims) -> None:
    alice = {"customer_id": "demo-alice", "verified": True}
    (status,) = _run(general.ActionCheckClaimStatus(), _tracker(alice, intent="check_claim_status"))
    assert status["text"].splitlines()[:2] == [
        "Your claims:", "- CS-2026-000007: lost parcel P900007, in review"
    ]
    assert status["text"].endswith("\n(and 2 older ones)")
    (draft,) = _run(general.ActionGreet(), _tracker({"claim_type": "lost", "parcel_id": "P1",
                                                    "claim_draft_id": "d-1"}))
    assert draft["text"] == (
        "Hi again! You have an unfinished lost parcel claim for parcel P1. Shall we continue it?"
    )
    assert [b["title"] for b in draft["buttons"]] == ["Yes", "No"]


def test_a_limited_request_for_a_person_is_told_in_the_customers_language(
    claims: _Claims, shouting: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cssecure.security import limits

    monkeypatch.setattr(limits, "check_handoff", lambda sender, address: (False, None))
    (wait,) = _run(general.ActionHumanHandoff(), _tracker({"language": "de"},
                                                          intent="human_handoff"))
    assert wait["text"] == "PLEASE WAIT A LITTLE."
    monkeypatch.setattr(limits, "check_handoff", lambda sender, address: (True, None))
    monkeypatch.setenv("CSSECURE_OFFICE_HOURS", "Mon-Sun 00:00-24:00")
    (asked,) = _run(general.ActionHumanHandoff(), _tracker({"language": "de"},
                                                           intent="human_handoff"))
    assert untranslated(asked["text"], GERMAN_DAYS) == [], asked["text"]
    assert "MONTAG BIS SONNTAG" not in asked["text"] and "Montag" in asked["text"]


# ------------------------------------------------------------------------- console


def test_the_console_shows_each_conversations_language(
    ports: HandoffPorts, fake_http: FakeHTTP  # noqa: F811
) -> None:
    from cssecure.console.blueprint import _code_label, _languages, language_label

    assert language_label("de") == "Deutsch (de)"
    assert language_label("pt") == "Português (pt)"
    assert language_label(None) == language_label("xx") == "English (en)"
    # Codes per conversation (the queue filters by them), labelled for the page.
    codes = asyncio.run(_languages(ports, ["conv-de", "conv-en", "conv-de"]))
    assert codes == {"conv-de": "de", "conv-en": "en"}
    assert {c: _code_label(code) for c, code in codes.items()} == {
        "conv-de": "Deutsch (de)", "conv-en": "English (en)"
    }


def test_the_console_does_not_wait_for_rasa_once_per_row() -> None:
    from cssecure.console.blueprint import UNKNOWN_LANGUAGE, _code_label, _languages

    class Down:
        calls = 0

        def language(self, conversation_id: str) -> str:
            Down.calls += 1
            raise RasaUnavailable("The assistant (Rasa) cannot be reached (ConnectTimeout).")

    down = HandoffPorts(uow_factory=lambda: None, conversations=Down())  # type: ignore[arg-type,return-value]
    codes = asyncio.run(_languages(down, [f"conv-{n}" for n in range(20)]))
    assert set(codes.values()) == {None} and len(codes) == 20
    assert _code_label(None) == UNKNOWN_LANGUAGE
    assert Down.calls == 1
