"""The claim conversation: start, validate and ask, summarise, file, stop and resume.

One form, ``claim_form``, whose required slots are the parcel number, then whatever the
engine's ``needed_facts`` still lists (so only what this claim needs is asked, in the
engine's order, and asking stops once the outcome is settled), then the customer's
confirmation of the summary. The actions stay thin: rules live in ``cssecure.policy``,
storage in ``cssecure.claims``; these only read answers and word replies.
"""

from __future__ import annotations

import json
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import (
    ActionExecutionRejected,
    ActiveLoop,
    ConversationPaused,
    EventType,
    SlotSet,
)
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.parsing import (
    AmbiguousAnswer,
    AnswerError,
    answer_word_list,
    answer_words,
    conversation_languages,
    date_order_for_locale,
    entity_values,
    extracted_entities,
    files_as_is,
    names_fact_kind,
    not_yet,
    parse_bool,
    parse_choice,
    parse_date,
    parse_delivered,
    parse_money,
    parse_parcel_id,
    parse_weight,
    sends_later,
    yes_or_no,
)
from actions.questions import (
    CLAIM_TYPE_WORDS,
    NOT_DELIVERED,
    QUESTIONS,
    UNASKED_FACTS,
    Question,
    claim_type_words,
    question_text,
)
from actions.quotes import quote_buttons, quote_reply, refusal_text
from actions.texts import (
    checks_text,
    decision_text,
    evidence_text,
    fact_lines,
    format_value,
    money_text,
    parcel_found_text,
    status_text,
    summary_text,
    weight_text,
)
from actions.volunteered import volunteered_facts
from cssecure.claims.errors import ClaimsError, ClaimsUnavailable, InvalidClaim
from cssecure.claims.model import (  # noqa: F401 - REVIEW_REASON re-exported
    REPORTED_AGAIN_REASON,
    REVIEW_REASON,
    UNVERIFIED_REASON,
)
from cssecure.i18n import DEFAULT_LANGUAGE
from cssecure.i18n.catalog import N_, Message, language_or_default, render, tr
from cssecure.nlu.languages import fold, words_pattern
from cssecure.policy.facts import FACT_NAMES, Conflict, conflict_with
from cssecure.policy.registry import REGISTRY

logger = logging.getLogger(__name__)

FORM = "claim_form"
REQUESTED_SLOT = "requested_slot"
# Button titles are English here (marked with N_); shown with ``handoff_button`` and
# ``confirm_buttons`` in the customer's language. Payloads are never translated.
HANDOFF_BUTTON = {"title": N_("Talk to a person"), "payload": "/human_handoff"}
CONFIRM_BUTTONS = [
    {"title": N_("Yes"), "payload": "/affirm"},
    {"title": N_("No"), "payload": "/deny"},
]
# The widget's evidence question: its file panel asks for the file (attach, camera, "I'll
# send it later"), so the one button left is the customer who has none (issue 15: "ask for
# the file, not for a yes"). Telegram and Discord, without a panel, keep Yes / No.
NO_FILE_BUTTON = {"title": N_("No, I don't have it"), "payload": "/deny"}
WIDGET_CHANNEL = "web"  # cssecure.channels.socketio.WebSocketIOInput.name()
INTENT_CLAIM_TYPES = {f"report_{claim_type}": claim_type for claim_type in CLAIM_TYPE_WORDS}
# The widget's "I'll send it later" under an evidence question (issue 15): a button's
# payload, so no classifier reads it; the form takes it as the words "later" (the file
# comes later, the claim is filed awaiting it).
LATER_CHOICE = "later"
LATER_PAYLOAD = f'/inform{{"choice": "{LATER_CHOICE}"}}'
# Slots that belong to one claim draft (cleared when it is filed or dropped).
DRAFT_SLOTS = (
    *FACT_NAMES,
    "claim_draft_id",
    "parcel_record",
    "evidence_received",
    "claim_confirmed",
    "correcting",
    "correcting_fact",
    "answer_readings",
    "parcel_looked_up",
    "parcel_weight_kg",
    "quote_requested",
)


def translated_buttons(
    buttons: list[dict[str, str]], language: str | None
) -> list[dict[str, str]]:
    """``buttons`` (titles marked with N_) with their titles in ``language``."""
    return [{**button, "title": tr(language, button["title"])} for button in buttons]


def handoff_button(language: str | None) -> dict[str, str]:
    """The "Talk to a person" button in ``language``."""
    return translated_buttons([HANDOFF_BUTTON], language)[0]


def confirm_buttons(language: str | None) -> list[dict[str, str]]:
    """The Yes / No buttons in ``language``."""
    return translated_buttons(CONFIRM_BUTTONS, language)


def evidence_request(slot: str) -> dict[str, Any] | None:
    """The custom payload of an evidence question, which the widget turns into its file
    panel (cssecure-widget-evidence.js; other channels ignore it), or None for a question
    that asks no file.

    Returns:
        ``{"evidence_request": {"kind", "kinds", "later_payload"}}``: ``kinds`` are the
        upload API's evidence kinds that prove the fact, in the registry's order (e.g.
        ``customs_letter`` and ``carrier_confirmation`` for ``seizure_proof``: the panel
        then asks which one a file is), ``kind`` the first of them; ``later_payload`` is
        what "I'll send it later" sends (:data:`LATER_PAYLOAD`).
    """
    fact = REGISTRY.facts.get(slot)
    if fact is None or not fact.proven_by:
        return None
    return {"evidence_request": {"kind": fact.proven_by[0], "kinds": list(fact.proven_by),
                                 "later_payload": LATER_PAYLOAD}}


def language_of(tracker: Tracker) -> str | None:
    """The customer's language (``language`` slot; None: English)."""
    language = tracker.get_slot("language")
    return language if isinstance(language, str) else None


class Answer:
    """The latest customer message as the validators need it.

    Attributes:
        language: The conversation's language (``language`` slot; None: English): the
            readers read day-first dates, local words and amounts with it, and word their
            refusals and questions in it.
    """

    def __init__(self, tracker: Tracker) -> None:
        message = tracker.latest_message or {}
        self.text: str = message.get("text") or ""
        self.intent: str | None = (message.get("intent") or {}).get("name")
        self.entities: list[dict[str, Any]] = list(message.get("entities") or [])
        # The customer's language: what the validators say back is written in it.
        self.language: str | None = language_of(tracker)
        # How a numeric date is read ("10/09/2026"): the customer's locale settles it, else
        # the customer is asked (issue 13).
        self.date_order: str | None = date_order_for_locale(tracker.get_slot("locale"))
        # No date of the parcel's journey is before it was submitted to ship.
        record = tracker.get_slot("parcel_record") or {}
        submitted = record.get("submitted_date") or tracker.get_slot("submitted_date")
        self.submitted: date | None = None
        if isinstance(submitted, str):
            try:
                self.submitted = date.fromisoformat(submitted)
            except ValueError:
                self.submitted = None

    def is_fresh(self, value: Any) -> bool:
        """True when ``value`` is this message's text, i.e. a new answer, not a stored fact."""
        return isinstance(value, str) and value == self.text

    @property
    def is_protocol(self) -> bool:
        """True for a message a channel or a button produced (``/intent{...}``), which is
        read by its intent and entities only, never as typed words: an evidence notice
        carries a random id whose letters must not answer a question (issue 12)."""
        return self.text.lstrip().startswith("/")

    @property
    def evidence_kind(self) -> str | None:
        """The kind of the evidence file a channel just stored, if this is its notice."""
        kinds = entity_values(self.entities, "evidence_kind")
        return str(kinds[0]) if kinds and self.is_protocol else None


EVIDENCE_FACT_NAMES = frozenset(fact.name for fact in REGISTRY.evidence_facts)
# Evidence facts whose "not yet" / "later" is a yes with the file to follow (the customer
# makes the file); for the others "not yet" is no proof (``Fact.sent_later``).
_SENT_LATER_FACTS = frozenset(fact.name for fact in REGISTRY.evidence_facts if fact.sent_later)


def read_answer(question: Question, value: Any, answer: Answer) -> Any:
    """Parse one answer (or re-check a stored value) into the fact's stored form.

    Entities and the intent of the latest message are only used when ``value`` is that
    message's text: a stored fact revalidated at form activation must not pick up an
    amount from an unrelated message.

    Raises:
        AnswerError: the answer cannot be read; the message says why.
    """
    fresh = answer.is_fresh(value)
    entities = answer.entities if fresh else []
    intent = answer.intent if fresh else None
    text = str(value)
    kind = question.kind
    if fresh and answer.is_protocol:
        return _read_protocol(question, answer)
    language = answer.language
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if question.slot in EVIDENCE_FACT_NAMES:
            if question.slot not in _SENT_LATER_FACTS and not_yet(text):
                # The carrier's confirmation "not yet": no proof (yet), not a file to come.
                return False
            if sends_later(text):
                # "not yet, I can take some tomorrow": a yes whose file comes later (issue 17).
                return True
        return parse_bool(text, intent, language=language)
    if kind == "money":
        return parse_money(text, entities, today=services.today(), language=language)
    if kind == "weight":
        return parse_weight(text, entities, language=language)
    order = answer.date_order
    not_before = answer.submitted if question.slot != "submitted_date" else None
    if kind == "date":
        return parse_date(
            text, entities, services.today(), date_order=order, not_before=not_before,
            language=language,
        )
    if kind == "delivered":
        return (
            NOT_DELIVERED
            if value == NOT_DELIVERED
            else parse_delivered(
                text, entities, services.today(), date_order=order, not_before=not_before,
                language=language,
            )
        )
    if kind == "choice":
        return parse_choice(text, question, entities, language=language)
    if kind == "parcel":
        return parse_parcel_id(text, entities, language=language)
    if kind == "line":
        return _read_line(text, entities, language)
    return _read_country(text, entities, language)


def _read_protocol(question: Question, answer: Answer) -> Any:
    """A button or a channel's notice as the answer to ``question``: by intent or entity.

    Raises:
        AnswerError: the message does not answer this question (e.g. a file of another
            kind): the customer is told what was received and asked again.
    """
    kind = answer.evidence_kind
    if kind is not None:
        if question.slot in REGISTRY.facts_proven_by(kind):
            return True
        raise AnswerError(
            tr(
                answer.language,
                "Thanks, I've received your {file}; I'll keep it with this claim. {question}",
                file=evidence_text(kind, answer.language),
                question=question_text(question.slot, None, language=answer.language),
            )
        )
    choice = entity_values(answer.entities, "choice")
    language = answer.language
    if question.slot in EVIDENCE_FACT_NAMES and choice == [LATER_CHOICE]:
        # The panel's "I'll send it later": a yes whose file comes later, as in words.
        return True
    if question.kind == "choice" and choice:
        return parse_choice(str(choice[0]), question, answer.entities, language=language)
    # A reading's button (an ambiguous amount or date, issue 13): its entities hold the
    # value in its stored form and no other reading.
    if question.kind == "money" and entity_values(answer.entities, "amount"):
        return parse_money("", answer.entities, today=services.today(), language=language)
    if question.kind in ("date", "delivered") and entity_values(answer.entities, "date"):
        return parse_date("", answer.entities, services.today(), not_before=(
            answer.submitted if question.slot != "submitted_date" else None),
            language=language)
    if question.kind == "weight" and entity_values(answer.entities, "weight"):
        return parse_weight("", answer.entities, language=language)
    if question.kind == "bool" and answer.intent in ("affirm", "deny"):
        return answer.intent == "affirm"
    raise AnswerError(
        tr(
            answer.language,
            "Sorry, that doesn't answer my question. {question}",
            question=tr(answer.language, question.text),
        )
    )


def received_evidence(tracker: Tracker, answer: Answer) -> list[EventType]:
    """The event adding the kind of a file a channel just stored to ``evidence_received``
    (none when this message is no evidence notice or the kind is already there)."""
    kind = answer.evidence_kind
    kinds = list(tracker.get_slot("evidence_received") or [])
    if kind is None or kind in kinds:
        return []
    return [SlotSet("evidence_received", [*kinds, kind])]


def _read_line(text: str, entities: list[dict[str, Any]], language: str | None = None) -> str:
    named = entity_values(entities, "shipping_line")
    raw = (named[0] if named else text).strip()
    refused = AnswerError(
        tr(language, "I need the name of the shipping line, as shown on your parcel page.")
    )
    if not any(ch.isalpha() for ch in raw) or len(raw) > 60:
        raise refused
    known = services.resolve_line(raw)
    if known:
        return known
    # Unknown lines are ordinary air lines (claims-spec.md section 1): keep the name given,
    # when it is a name: a few words that say no yes or no. "je n'ai pas de confirmation du
    # transporteur" was stored as the line (issue 14 trial).
    if len(raw.split()) > MAX_LINE_NAME_WORDS or yes_or_no(raw, language) is not None:
        raise refused
    return raw


# The longest unknown line name kept as given, in words ("YunExpress Global Direct Line DE").
MAX_LINE_NAME_WORDS = 5


def _read_country(
    text: str, entities: list[dict[str, Any]], language: str | None = None
) -> str:
    """A country's ISO code from its entity, its name or code, or (the entities holding
    none) the extractor's reading of the text: a name in any of our languages ("Niemcy",
    "nach Österreich")."""
    named = entity_values(entities, "country")
    raw = (named[0] if named else text).strip()
    code = services.resolve_country(raw)
    if code is None and not named:
        found = entity_values(extracted_entities(text, entities, services.today()), "country")
        code = services.resolve_country(found[0]) if len(set(found)) == 1 else None
    if code is None:
        raise AnswerError(
            tr(
                language,
                'I don\'t know the country "{country}". Please check how it is written, or '
                "give its two-letter code (for example DE for Germany).",
                country=raw[:40],
            )
        )
    return code


# Answers that can sound like reporting another claim type ("only some of the items"
# reads like a missing item) but are read as the answer when they fit the question.
# Not yes/no answers ("no, it was seized" is a switch, not a "no") nor line names (any
# words are a line name the catalog doesn't know); a parcel number only when the message
# is nothing but the number and its labels ("parcel id CSB-100016, tracking EE1...CN").
_ANSWER_FIRST_KINDS = frozenset({"choice", "money", "weight", "date", "delivered", "country"})

# Requests that are no answer. When the question asked gets a message the classifier reads
# as one of these and the message is no valid answer to it, the form steps aside
# (ActionExecutionRejected) and a rule of data/rules/claim.yml replies; a valid answer is
# taken whatever the classifier says ("agent" at the order-type question is an agent
# order, not a request for a person).
REQUEST_INTENTS = frozenset(
    {
        "faq",
        "quote_premium",
        "stop",
        "human_handoff",
        "check_claim_status",
        "bot_challenge",
        "out_of_scope",
        "greet",
        "thank",
        "goodbye",
    }
)

def _fillers(language: str | None) -> frozenset[str]:
    """Words around an answer that add nothing to it ("it was an agent order I think",
    "c'était une commande agent"): ``fillers`` of ``actions/answer_words.yml`` in English
    and the conversation's language, folded (accents ignored)."""
    return _folded_words(conversation_languages(language))


@lru_cache(maxsize=16)
def _folded_words(codes: tuple[str, ...]) -> frozenset[str]:
    return frozenset(fold(word) for word in answer_word_list("fillers", codes))


def _answer_shaped(question: Question, answer: Answer) -> bool:
    """True when the message holds nothing but an answer and filler words.

    A request that names a valid answer ("I want to talk to an agent" names the agent
    order) is not answer-shaped; "agent", "an agent order" and "parcel id CSB-100016,
    tracking EE123456789CN" are. Words are compared without accents ("commande agent",
    "beschadigt"), the choices' titles also as the customer's buttons show them; an
    elided article is a filler of its own ("l'agent").
    """
    text = fold(answer.text)  # (one character for one: entity offsets still hold)
    fillers = _fillers(answer.language)
    covered = [
        (int(e["start"]), int(e["end"]))
        for e in answer.entities
        if isinstance(e.get("start"), int) and isinstance(e.get("end"), int)
    ]
    choice_words = {
        fold(word)
        for _, title, keywords in question.choices
        for phrase in (title, tr(answer.language, title), *keywords)
        for word in phrase.lower().split()
    }

    def adds_nothing(word: str) -> bool:
        return (
            any(ch.isdigit() for ch in word)
            or word in fillers
            or any(word.startswith(keyword) for keyword in choice_words)
        )

    for match in re.finditer(r"[\w'-]+", text):
        word = match.group(0)
        if any(start <= match.start() < end for start, end in covered):
            continue
        if adds_nothing(word):
            continue
        parts = [part for part in word.split("'") if part]
        if len(parts) > 1 and all(adds_nothing(part) for part in parts):
            continue
        return False
    return True


def _states_claim_type(claim_type: str, text: str, language: str | None = None) -> bool:
    """True when the message names ``claim_type`` in words (the claim type's words in the
    fact registry, in every language: "seized", "customs", "never arrived", "beschlagnahmt"
    ...), accents ignored ("arrive casse", "beschadigt"); the title also as shown in
    ``language``."""
    return bool(_claim_type_words(claim_type, language).search(fold(text)))


@lru_cache(maxsize=64)
def _claim_type_words(claim_type: str, language: str | None) -> re.Pattern[str]:
    """The claim type's words as a pattern on folded text: each at a word's start."""
    words = [
        word
        for value, title, keywords in QUESTIONS["claim_type"].choices
        if value == claim_type
        for word in (*keywords, title, tr(language, title))
    ]
    return re.compile(rf"(?<!\w)(?:{words_pattern(words)})")


def _parses(slot: str | None, answer: Answer) -> bool:
    """True when the latest message is a valid value for the fact question ``slot``."""
    question = QUESTIONS.get(slot or "")
    if question is None:
        return False
    try:
        read_answer(question, answer.text, answer)
    except AnswerError:
        return False
    return True


def _answers_question(slot: str | None, answer: Answer, *, shaped: bool = False) -> bool:
    """True when the latest message reads as an answer to the fact question ``slot``.

    Args:
        slot: the requested slot.
        answer: the latest message.
        shaped: also require the message to be nothing but the answer (for messages the
            classifier reads as a request or another claim), and accept every kind of
            answer then, yes/no and parcel numbers included.
    """
    question = QUESTIONS.get(slot or "")
    if question is None or question.slot == "claim_type":
        return False
    if not shaped and question.kind not in _ANSWER_FIRST_KINDS:
        return False
    if shaped and question.kind == "line" and not entity_values(answer.entities, "shipping_line"):
        return False  # any words are a line name: only a known line is an answer here
    return _parses(slot, answer) and (not shaped or _answer_shaped(question, answer))


# The repeated-failure counter of the validators (failed_answer / _answered).
FAILURE_SLOTS = ("failed_slot", "failed_attempts")


# Slots that are no fact's question, and the fact whose example answer fits theirs.
_EXAMPLE_OF = {"quote_insured_value": "insured_value"}


def failed_answer(
    slot: str,
    problem: str,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    *,
    example_of: str | None = None,
) -> dict[str, Any]:
    """Re-prompt after a failed answer; the second failure in a row adds an example and
    offers a person (the repeated-failure pattern of RasaHQ/financial-demo).

    Args:
        example_of: the fact whose example answer to show, when the answer was for another
            fact than ``slot`` says (a correction at the summary: ``claim_confirmed``'s
            example is "yes", not an amount; issue 14 trial).
    """
    language = language_of(tracker)
    attempts = 1
    if tracker.get_slot("failed_slot") == slot:
        attempts = int(tracker.get_slot("failed_attempts") or 0) + 1
    if attempts >= 2:
        shown = example_of or _EXAMPLE_OF.get(slot, slot)
        example = (
            tr(language, QUESTIONS[shown].example) if shown in QUESTIONS else tr(language, "yes")
        )
        dispatcher.utter_message(
            text=tr(
                language,
                '{problem} An answer could look like this: "{example}". '
                "If it's easier, a person from our team can help you.",
                problem=problem,
                example=example,
            ),
            buttons=[handoff_button(language)],
        )
    else:
        dispatcher.utter_message(text=problem)
    return {slot: None, "failed_slot": slot, "failed_attempts": float(attempts)}


READINGS_SLOT = "answer_readings"


def ask_which_reading(slot: str, exc: AmbiguousAnswer) -> dict[str, Any]:
    """Keep the readings of an ambiguous answer for the question's ask action, which asks
    which one was meant, with a button per reading (``reading_buttons``)."""
    return {
        slot: None,
        READINGS_SLOT: {
            "slot": slot,
            "question": str(exc),
            "readings": [
                {"label": reading.label, "entities": reading.entities}
                for reading in exc.readings
            ],
        },
    }


def reading_buttons(readings: Mapping[str, Any]) -> list[dict[str, str]]:
    """One button per reading: its label, and its value as the entities it sends."""
    return [
        {
            "title": str(reading["label"]),
            "payload": "/inform" + json.dumps(reading["entities"], separators=(",", ":")),
        }
        for reading in readings.get("readings") or ()
    ]


def _answered(slot: str, value: Any) -> dict[str, Any]:
    return {slot: value, "failed_slot": None, "failed_attempts": None}


class ValidateClaimForm(FormValidationAction):
    """Validates each answer of ``claim_form`` and decides what to ask next."""

    def name(self) -> str:
        """Name of the action."""
        return "validate_claim_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Take the answer to the question asked first; then requests and type switches.

        A valid answer is the answer whatever the classifier reads (issue 13); a request
        that is no answer rejects the form so that its rule replies; a message reporting
        another claim type switches the claim (keeping an answer it also gives). Facts the
        message states unasked are taken too ("EMS, it arrived yesterday").
        """
        answer = Answer(tracker)
        new_type = INTENT_CLAIM_TYPES.get(answer.intent or "")
        current = tracker.get_slot("claim_type")
        requested = tracker.get_slot(REQUESTED_SLOT)
        fresh = bool(requested) and answer.is_fresh(tracker.get_slot(requested))
        if (
            answer.intent in REQUEST_INTENTS
            and fresh
            and not _answers_question(requested, answer, shaped=True)
            and not (requested in EVIDENCE_FACT_NAMES and sends_later(answer.text))
            and not (requested == "claim_confirmed" and _names_a_fact_to_correct(answer))
        ):
            # No answer but a request ("I'd like to talk to a person"): its rule replies,
            # and the form asks its question again afterwards.
            return [SlotSet(requested, None), ActionExecutionRejected(FORM)]
        switch = (
            new_type is not None
            and current is not None
            and new_type != current
            # A switch is stated in words ("it was seized, not lost"), never guessed by the
            # classifier from "tracking" in a parcel number's message (issue 13).
            and _states_claim_type(str(new_type), answer.text, answer.language)
            and not _answers_question(requested, answer)
            and not _answers_question(requested, answer, shaped=True)
        )
        candidates = tracker.slots_to_validate()
        events: list[EventType] = []
        # On a switch, an answer it also gives is kept ("P100016, it was seized actually"),
        # but not a yes/no ("no, customs seized it" is the switch, not a "no") nor a line.
        kind = QUESTIONS[requested].kind if requested in QUESTIONS else None
        keep_answer = fresh and kind not in (None, "bool", "line") and _parses(requested, answer)
        if switch:
            dispatcher.utter_message(
                text=tr(
                    answer.language,
                    "Understood: a {new_kind} claim, not a {old_kind} one. I'll keep what "
                    "you've told me and only ask what this claim still needs.",
                    new_kind=claim_type_words(str(new_type), answer.language),
                    old_kind=claim_type_words(current, answer.language),
                )
            )
            events += [
                SlotSet("claim_type", new_type),
                SlotSet("claim_confirmed", None),
                SlotSet("correcting", False),
            ]
            if fresh and not keep_answer:
                events.append(SlotSet(requested, None))
        events += self._volunteered(tracker, answer, new_type if switch else current, requested)
        if events:
            tracker.add_slots(events)
        if switch and not keep_answer:
            other_parcel = candidates.get("parcel_id")
            if requested != "parcel_id" and other_parcel and other_parcel != tracker.get_slot(
                "parcel_looked_up"
            ):
                # "it was seized, parcel P900003": the other parcel is looked up too.
                found = await self.validate_parcel_id(other_parcel, dispatcher, tracker, domain)
                looked_up = [SlotSet(name, value) for name, value in found.items()]
                tracker.add_slots(looked_up)
                events += looked_up
            next_slot = await self.next_requested_slot(dispatcher, tracker, domain)
            return [*events, next_slot] if next_slot else events
        already_clear = {name for name in FAILURE_SLOTS if tracker.get_slot(name) is None}
        received = received_evidence(tracker, answer)
        if received:
            # A file arrived while the claim is reported: the facts it proves are not
            # asked any more (the filing counts the file itself, from the draft).
            tracker.add_slots(received)
        validated = [*events, *received, *await super().run(dispatcher, tracker, domain)]
        # A failure counter that is already clear needs no event: every answer would
        # add two, each costing the Rasa server on every later turn of the claim.
        return [
            event for event in validated
            if not (event.get("event") == "slot" and event.get("name") in already_clear
                    and event.get("value") is None)
        ]

    def _volunteered(
        self, tracker: Tracker, answer: Answer, claim_type: str | None, requested: str | None
    ) -> list[EventType]:
        """``SlotSet`` events for facts the message states unasked (not the one asked)."""
        if answer.is_protocol:
            return []
        known = {name for name in FACT_NAMES if tracker.get_slot(name) is not None}
        found = volunteered_facts(
            answer.text, answer.entities, claim_type, services.today(),
            known=known | {requested or ""}, language=answer.language,
        )
        return [SlotSet(name, value) for name, value in found.items()]

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Parcel number first, then the facts the engine still needs, then confirmation.

        Fresh answers (not yet validated) are always listed so that they get validated;
        for deciding what else is needed they count with their parsed value, if any.
        """
        answer = Answer(tracker)
        slots = dict(tracker.slots)
        pending = [name for name in FACT_NAMES if answer.is_fresh(slots.get(name))]
        for name in pending:
            try:
                slots[name] = read_answer(QUESTIONS[name], slots[name], answer)
            except (AnswerError, KeyError):
                slots[name] = None
        # A quote asked without an amount in the middle of the claim: its amount first.
        first = ["quote_insured_value"] if slots.get("quote_requested") else []
        if not slots.get("parcel_id") or slots.get("parcel_looked_up") != slots["parcel_id"]:
            return list(dict.fromkeys([*first, "parcel_id", *pending, "claim_confirmed"]))
        try:
            needed = services.needed_facts(slots)
        except Exception as exc:  # noqa: BLE001 - inconsistent facts: the summary says why
            logger.info("needed_facts failed (%s); going to the summary", type(exc).__name__)
            needed = []
        unknown = [n for n in needed if n not in QUESTIONS and n not in UNASKED_FACTS]
        if unknown:
            logger.warning("engine needs facts the form cannot ask: %s", unknown)
        asked = [n for n in needed if n in QUESTIONS and n not in UNASKED_FACTS]
        return list(dict.fromkeys([*first, "parcel_id", *asked, *pending, "claim_confirmed"]))

    async def validate_quote_insured_value(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Quote the amount asked for mid-claim; the claim's next question follows."""
        done: dict[str, Any] = {"quote_insured_value": None, "quote_requested": None}
        if not tracker.get_slot("quote_requested"):
            return done
        answer = Answer(tracker)
        try:
            amount = parse_money(
                str(value),
                answer.entities if answer.is_fresh(value) else [],
                language=answer.language,
            )
        except AmbiguousAnswer as exc:
            # Which amount to quote: a button each; the claim goes on meanwhile.
            dispatcher.utter_message(text=str(exc), buttons=quote_buttons(exc))
            return done
        except AnswerError:
            # Not an amount: no quote now, nothing lost; the claim goes on.
            dispatcher.utter_message(
                text=tr(
                    answer.language,
                    "I didn't get an amount, so no quote for now: ask me again any time with "
                    'the value, for example "how much to insure 500 rmb?". Back to your claim.',
                )
            )
            return done
        quoted = quote_reply(amount, answer.entities, language=answer.language)
        dispatcher.utter_message(
            text=quoted + " " + tr(answer.language, "Back to your claim.")
        )
        return done

    async def validate_parcel_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Look the parcel up and fill in what the agency already knows."""
        answer = Answer(tracker)
        try:
            parcel_id = read_answer(QUESTIONS["parcel_id"], value, answer)
        except AnswerError as exc:
            return failed_answer("parcel_id", str(exc), dispatcher, tracker)
        if parcel_id == tracker.get_slot("parcel_looked_up"):
            return {"parcel_id": parcel_id}
        customer_id = tracker.get_slot("customer_id") if tracker.get_slot("verified") else None
        try:
            record = services.claims_app().lookup_parcel(parcel_id, customer_id)
        except ClaimsUnavailable:
            dispatcher.utter_message(
                text=tr(
                    answer.language,
                    "I can't reach our parcel records right now, so I'll ask you for the "
                    "parcel's details myself.",
                )
            )
            record = {"parcel_id": parcel_id, "exists": True}
        if record is None and customer_id is None:
            # Anonymous: the same answer whether the parcel exists or not, so that nobody
            # learns which parcel numbers exist (issue 16); a person checks the parcel and
            # whose it is before anything is paid (UNVERIFIED_REASON at filing).
            record = {"parcel_id": parcel_id}
        if record is None:
            return failed_answer(
                "parcel_id",
                tr(
                    answer.language,
                    "I can't find parcel {parcel_id} on your account. Please check the number "
                    "on your parcel page.",
                    parcel_id=parcel_id,
                ),
                dispatcher,
                tracker,
            )
        updates = _answered("parcel_id", parcel_id)
        updates["parcel_looked_up"] = parcel_id
        if tracker.get_slot("parcel_looked_up"):
            # Another parcel than before: nothing said about the old one applies.
            updates.update({n: None for n in FACT_NAMES if n not in ("claim_type", "report_date")})
            updates["parcel_weight_kg"] = None
            updates["parcel_record"] = None
            updates["parcel_id"] = parcel_id
        found = {
            name: NOT_DELIVERED if record[name] is None else record[name]
            for name in FACT_NAMES
            if name in record
            # The record's weight is the whole parcel's, not the affected goods' (weight_kg):
            # services.known_facts uses it only for claims about the whole parcel.
            and name not in ("claim_type", "parcel_id", "report_date", "weight_kg")
            and (record[name] is not None or name == "delivered_date")
        }
        # What the customer already said stays as said: where it differs from the record,
        # the record counts and the difference goes to a person (cssecure/policy/trust.py).
        said_before = {} if tracker.get_slot("parcel_looked_up") else {
            name: tracker.get_slot(name) for name in found
            if tracker.get_slot(name) is not None
        }
        updates.update({name: value for name, value in found.items() if name not in said_before})
        if found:
            # The record as the agency holds it: what the form asks is decided on it, as
            # the filing will be (a customer's correction never hides it: issue 12).
            updates["parcel_record"] = {
                name: value for name, value in record.items() if name in FACT_NAMES
            }
        if record.get("weight_kg") is not None:
            updates["parcel_weight_kg"] = str(record["weight_kg"])
        if found:
            dispatcher.utter_message(
                text=parcel_found_text(parcel_id, found, language=answer.language)
            )
        else:
            dispatcher.utter_message(
                text=tr(
                    answer.language,
                    "Thanks, I've noted parcel {parcel_id}. As you're not logged in, I can't "
                    "see its details, so I'll ask you a few questions; a person checks that the "
                    "parcel is yours before anything is paid. (Logging in on the website, or "
                    "linking your account, saves you these.)",
                    parcel_id=parcel_id,
                )
            )
        return updates

    async def validate_claim_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Yes files the claim; no (or a correction) changes a fact before filing."""
        if value is True:
            return {"claim_confirmed": True}
        answer = Answer(tracker)
        text = str(value)
        offered = tracker.get_slot(READINGS_SLOT)
        offered_slot = offered.get("slot") if isinstance(offered, dict) else None
        reading_pending = offered_slot in QUESTIONS
        if answer.is_fresh(value) and answer.is_protocol and not (
            reading_pending and answer.intent == "inform"
        ):
            # A button or a channel's notice: its intent says it, never its letters.
            if answer.intent == "affirm":
                return _answered("claim_confirmed", True) | _stop_correcting(tracker)
            if answer.intent == "deny":
                return {"claim_confirmed": None, "correcting": True}
            if answer.evidence_kind is not None:
                dispatcher.utter_message(
                    text=tr(
                        answer.language,
                        "Thanks, I've received your {file}; it goes with this claim.",
                        file=evidence_text(answer.evidence_kind, answer.language),
                    )
                )
            return {"claim_confirmed": None}
        correcting = bool(tracker.get_slot("correcting"))
        named = tracker.get_slot(CORRECTING_FACT)
        cleared = {READINGS_SLOT: None} if offered else {}
        if named in QUESTIONS and not reading_pending:
            # "the date is wrong" asked for the right date: this is its new value, unless the
            # customer files as it is after all (issue 17).
            if files_as_is(text, answer.language):
                return _answered("claim_confirmed", True) | _stop_correcting(tracker)
            try:
                correction: tuple[str, Any] | None = (
                    str(named), read_answer(QUESTIONS[str(named)], text, answer)
                )
            except AmbiguousAnswer as exc:
                readings = ask_which_reading(str(named), exc)[READINGS_SLOT]
                dispatcher.utter_message(text=str(exc), buttons=reading_buttons(readings))
                return {"claim_confirmed": None, "correcting": True, READINGS_SLOT: readings}
            except AnswerError as exc:
                return failed_answer(
                    "claim_confirmed", f"{exc} {tr(answer.language, FILE_AS_IS_HINT)}",
                    dispatcher, tracker, example_of=str(named),
                ) | {"correcting": True, CORRECTING_FACT: named}
        else:
            try:
                correction = self._correction(text, answer, offered if reading_pending else None)
            except AmbiguousCorrection as ambiguous:
                # "value of the damaged goods 1.250": which amount, a button each (issue 13).
                readings = ask_which_reading(ambiguous.slot, ambiguous.asked)[READINGS_SLOT]
                dispatcher.utter_message(
                    text=str(ambiguous.asked), buttons=reading_buttons(readings)
                )
                return {"claim_confirmed": None, "correcting": True, READINGS_SLOT: readings}
        if correction is None and not reading_pending:
            # Filing as it is, at any time ("nothing to correct, please file it"; issue 17).
            if files_as_is(text, answer.language):
                return _answered("claim_confirmed", True) | _stop_correcting(tracker)
            facts = _facts_named(text, tracker)
            if len(facts) == 1 and QUESTIONS[facts[0]].kind == "money":
                try:  # "change the amount to 300": the draft's only amount
                    value_read = _value_in(facts[0], text, answer)
                except AmbiguousCorrection as ambiguous:
                    readings = ask_which_reading(ambiguous.slot, ambiguous.asked)[READINGS_SLOT]
                    dispatcher.utter_message(
                        text=str(ambiguous.asked), buttons=reading_buttons(readings)
                    )
                    return {"claim_confirmed": None, "correcting": True,
                            READINGS_SLOT: readings}
                if value_read is not None:
                    correction = (facts[0], value_read)
        if correction is None and not reading_pending:
            facts = _facts_named(text, tracker)
            if len(facts) == 1:
                # "the date is wrong": its question, then its new value (issue 17).
                return {"claim_confirmed": None, "correcting": True, CORRECTING_FACT: facts[0],
                        "failed_slot": None, "failed_attempts": None, **cleared}
            if len(facts) > 1:
                labels = [tr(answer.language, QUESTIONS[f].label) for f in facts]
                return failed_answer(
                    "claim_confirmed",
                    tr(answer.language,
                       "Which one should I correct: {facts}? Name it and give the right value.",
                       facts=", ".join(labels)),
                    dispatcher, tracker,
                ) | {"correcting": True, **cleared}
            try:
                if parse_bool(text, answer.intent, language=answer.language):
                    # "yes" files, also after a "no" (the summary is shown again after
                    # every correction; issue 17).
                    return _answered("claim_confirmed", True) | _stop_correcting(tracker)
                if not correcting:
                    return {
                        "claim_confirmed": None,
                        "correcting": True,
                        "failed_slot": None,
                        "failed_attempts": None,
                    }
            except AnswerError:
                pass
        if correction is None:
            return failed_answer(
                "claim_confirmed",
                tr(answer.language, NOT_A_CORRECTION),
                dispatcher,
                tracker,
            ) | {"correcting": True, **cleared}
        slot, fact_value = correction
        done = {"claim_confirmed": None, "correcting": False,
                **_stop_correcting(tracker), **cleared}
        if slot == "parcel_id":
            # Another parcel: look it up, as if it had been given first.
            found = await self.validate_parcel_id(fact_value, dispatcher, tracker, domain)
            return found | done
        label = tr(answer.language, QUESTIONS[slot].label)
        value_text = format_value(slot, fact_value, language=answer.language)
        if REGISTRY.facts[slot].on_record and tracker.get_slot("parcel_looked_up"):
            # The agency's record beats a customer's word (issue 12): noted, not taken.
            dispatcher.utter_message(
                text=tr(
                    answer.language,
                    "Noted: {label} is now {value} in your claim. Where our parcel record says "
                    "otherwise, the record counts and a person from our claims team checks it "
                    "with you before anything is paid.",
                    label=label,
                    value=value_text,
                )
            )
        else:
            dispatcher.utter_message(
                text=tr(
                    answer.language,
                    "Updated: {label} is now {value}.",
                    label=label,
                    value=value_text,
                )
            )
        return {slot: fact_value, **done, "failed_slot": None, "failed_attempts": None}

    @staticmethod
    def _correction(
        text: str, answer: Answer, offered: dict[str, Any] | None
    ) -> tuple[str, Any] | None:
        """The fact and new value a correction gives: a reading picked among those just
        offered for it (button or typed), else the fact named and its value.

        Raises:
            AmbiguousCorrection: the new value has several readings.
        """
        if offered is not None:
            slot = str(offered["slot"])
            try:
                if answer.is_protocol:  # the reading's button: read by its entities
                    return slot, read_answer(QUESTIONS[slot], text, answer)
                picked = picked_reading(offered, slot, answer)
                if picked is not None:
                    return slot, read_answer(QUESTIONS[slot], picked, _as_button(answer, picked))
            except AnswerError:
                return None
        return _read_correction(text, answer)

    async def validate_weight_kg(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The affected goods' weight: a weight, and no more than the whole parcel's."""
        answer = Answer(tracker)
        try:
            weight = read_answer(QUESTIONS["weight_kg"], value, answer)
        except AmbiguousAnswer as exc:
            return ask_which_reading("weight_kg", exc)
        except AnswerError as exc:
            return failed_answer("weight_kg", str(exc), dispatcher, tracker)
        whole = tracker.get_slot("parcel_weight_kg")
        if whole is not None and Decimal(weight) > Decimal(str(whole)):
            return failed_answer(
                "weight_kg",
                tr(
                    answer.language,
                    "That's more than the whole parcel weighed ({weight}). Please give the "
                    "weight of the affected goods only.",
                    weight=weight_text(whole, answer.language),
                ),
                dispatcher,
                tracker,
            )
        return _answered("weight_kg", weight)


# The fact a customer named at the summary without its new value ("the date is wrong"):
# its question is asked and the next answer is its value (issue 17).
CORRECTING_FACT = "correcting_fact"
_NOT_CORRECTING: dict[str, Any] = {"correcting": False, CORRECTING_FACT: None}
FILE_AS_IS_HINT = N_('Or say "file it" to file the claim as it is.')
NOT_A_CORRECTION = N_(
    "I couldn't tell which detail to change. Name it and give the right value, for example "
    '"shipping fee 180" or "delivered 2024-05-01". Or say "file it" to file the claim as '
    "it is."
)
CORRECT_PROMPT = N_(
    "Which detail should I correct? Name it and give the right value, for example "
    '"shipping fee 180" or "delivered 2024-05-01". Say "file it" to file the claim as it '
    'is, or "stop" to drop it.'
)
FILE_AS_IS_BUTTON = {"title": N_("File it as it is"), "payload": "/affirm"}
_DATE_KINDS = ("date", "delivered")


def _stop_correcting(tracker: Tracker) -> dict[str, Any]:
    """The slots that end a correction, those of them that are set."""
    return {name: value for name, value in _NOT_CORRECTING.items()
            if tracker.get_slot(name) not in (None, False)}


def _fact_named(text: str, language: str | None) -> str | None:
    """The fact whose name the message holds, the longest name found: its correction words
    or its summary label, in English or the conversation's language ("Wert der betroffenen
    Waren" typed back was answered as a question; issue 14 trial)."""
    lowered = text.lower()
    whole = " ".join(lowered.split()).strip(" .!?:")
    best: tuple[int, str] | None = None
    for slot, question in QUESTIONS.items():
        labels = {question.label.lower(), tr(language, question.label).lower()}
        # A label of one word ("Parcel", "Versandt") names its fact only alone: inside a
        # sentence it is just a word ("my parcel", "wann wird es versandt?").
        names = (*question.correction_words,
                 *(label for label in labels if " " in label or label == whole))
        for word in names:
            if lowered.find(word) >= 0 and (best is None or len(word) > best[0]):
                best = (len(word), slot)
    return best[1] if best else None


def _names_a_fact_to_correct(answer: Answer) -> bool:
    """At the summary: a short message that names a fact and asks nothing ("wert der
    betroffenen waren", "the shipping fee") picks that fact to correct, whatever the
    classifier hears in it; "what happens with my parcel now?" stays a question."""
    text = answer.text.strip()
    return (
        not text.endswith("?")
        and len(text.split()) <= 6
        and _fact_named(text, answer.language) is not None
    )


def _facts_named(text: str, tracker: Tracker) -> list[str]:
    """The facts a message names without a value: the one its correction words name
    ("the delivery date is wrong"), else the draft's dates or amounts that a general word
    names ("the date is wrong", "the amount"), in the form's order."""
    named = _fact_named(text, language_of(tracker))
    kinds: tuple[str, ...] = ()
    if names_fact_kind(text, "date_fact"):
        kinds = _DATE_KINDS
    elif names_fact_kind(text, "amount_fact"):
        kinds = ("money",)
    if named is not None and (not kinds or QUESTIONS[named].kind in kinds):
        return [named]
    if named is not None:
        # "the shipping date": a date whose own words share a stem with the message's
        # ("shipping" / "shipped"), not the shipping fee.
        stems = {word[:4] for word in answer_words(text) if len(word) >= 4}
        near = [
            slot for slot, question in QUESTIONS.items()
            if question.kind in kinds
            and any(word[:4] in stems for cw in question.correction_words
                    for word in answer_words(cw) if len(word) >= 4)
        ]
        if len(near) == 1:
            return near
    held = [
        slot for slot, question in QUESTIONS.items()
        if question.kind in kinds and tracker.get_slot(slot) not in (None, NOT_DELIVERED)
    ]
    # The customer's own words before the agency's record: what they gave is what they
    # most likely correct (the record's values count anyway, issue 12).
    record = tracker.get_slot("parcel_record") or {}
    own = [slot for slot in held if not isinstance(record, dict) or record.get(slot) is None]
    return own or held


def _value_in(slot: str, text: str, answer: Answer) -> Any:
    """The new value of ``slot`` in a correction that named it by a general word ("change
    the amount to 300"), or None when the message gives none.

    Raises:
        AmbiguousCorrection: the value has several readings.
    """
    try:
        return read_answer(QUESTIONS[slot], text, answer)
    except AmbiguousAnswer as exc:
        raise AmbiguousCorrection(slot, exc) from exc
    except AnswerError:
        return None


def _read_correction(text: str, answer: Answer) -> tuple[str, Any] | None:
    """Find which fact a correction names and read its new value, or None."""
    lowered = text.lower()
    best: tuple[int, str] | None = None
    for slot, question in QUESTIONS.items():
        for word in question.correction_words:
            at = lowered.find(word)
            if at >= 0 and (best is None or len(word) > best[0]):
                best = (len(word), slot)
    if best is None:
        return None
    slot = best[1]
    question = QUESTIONS[slot]
    rest = text
    for word in question.correction_words:
        rest = rest.lower().replace(word, " ")
    # Read the value from the words after the fact's name; entities still apply.
    probe = Answer.__new__(Answer)
    probe.text, probe.intent, probe.entities = rest, None, answer.entities
    probe.date_order, probe.submitted = answer.date_order, answer.submitted
    probe.language = answer.language
    try:
        return slot, read_answer(question, rest, probe)
    except AmbiguousAnswer as exc:
        raise AmbiguousCorrection(slot, exc) from exc
    except AnswerError:
        return None


class AmbiguousCorrection(Exception):
    """A correction whose new value has several readings ("value of the goods 1.250")."""

    def __init__(self, slot: str, asked: AmbiguousAnswer) -> None:
        super().__init__(str(asked))
        self.slot, self.asked = slot, asked


SEND_IT_LATER = N_(
    "No problem: send it here in this chat when you have it. The claim is filed without "
    "waiting and then waits for the file; nothing is paid before it has arrived and been "
    "checked."
)
SEND_THE_FILE = N_(
    "Good. Please send it here in this chat, now or later: the claim waits for the file, "
    "and nothing is paid before it has arrived and been checked."
)


def explained(message: Message | None, english: str, language: str | None) -> str:
    """A policy text for the customer: ``english`` as it always was in English, elsewhere
    ``message`` rendered in ``language`` (``english`` when the policy layer gave none)."""
    if message is None or language_or_default(language) == DEFAULT_LANGUAGE:
        return english
    return render(language, message)


def conflict_text(conflict: Conflict, language: str | None) -> str:
    """Why two facts cannot both be right, in ``language`` (``Conflict.message``)."""
    return explained(conflict.message, conflict.why, language)


def _implausible(slot: str, value: Any, tracker: Tracker) -> Conflict | None:
    """Why an answer cannot be right next to what is known (a later date before an
    earlier one, damaged goods worth more than all the goods), in plain words."""
    if value == NOT_DELIVERED or not isinstance(value, str):
        return None
    known = services.known_facts({**tracker.slots, slot: None})
    record = tracker.get_slot("parcel_record") or {}
    return conflict_with(slot, value, {**known, **{k: v for k, v in record.items()
                                                   if v is not None}})


def _make_validator(slot: str) -> Any:
    async def validate(
        self: ValidateClaimForm,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        answer = Answer(tracker)
        offered = tracker.get_slot(READINGS_SLOT)
        done_offer = {READINGS_SLOT: None} if offered else {}
        picked = picked_reading(offered, slot, answer)
        try:
            parsed = (
                read_answer(QUESTIONS[slot], picked, _as_button(answer, picked))
                if picked is not None
                else read_answer(QUESTIONS[slot], value, answer)
            )
        except AmbiguousAnswer as exc:
            return ask_which_reading(slot, exc)
        except AnswerError as exc:
            if answer.evidence_kind is not None:
                dispatcher.utter_message(text=str(exc))
                return {slot: None, **done_offer}
            return failed_answer(slot, str(exc), dispatcher, tracker) | done_offer
        return await _checked(self, slot, parsed, answer, dispatcher, tracker) | done_offer

    validate.__name__ = f"validate_{slot}"
    validate.__doc__ = f"Validate the answer for ``{slot}`` (see actions.questions)."
    return validate


async def _checked(
    form: ValidateClaimForm,
    slot: str,
    parsed: Any,
    answer: Answer,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
) -> dict[str, Any]:
    """A read answer checked against what is known (``_implausible``), then taken."""
    conflict = _implausible(slot, parsed, tracker)
    if conflict is not None:
        other = conflict.other if conflict.fact == slot else conflict.fact
        record = tracker.get_slot("parcel_record") or {}
        if record.get(other) is None and tracker.get_slot(other) is not None:
            # Both are the customer's word and one is wrong: both are asked again, so
            # neither locks the other (issue 13 review).
            dispatcher.utter_message(
                text=tr(
                    answer.language,
                    "That doesn't fit: {why}. Let's check both again.",
                    why=conflict_text(conflict, answer.language),
                )
            )
            return {slot: None, other: None}
        return failed_answer(
            slot,
            tr(
                answer.language,
                "That doesn't fit: {why}. Please check it and give it again.",
                why=conflict_text(conflict, answer.language),
            ),
            dispatcher,
            tracker,
        )
    if slot == "insured_value":
        above = _above_maximum(str(parsed), tracker, answer.language)
        if above is not None:
            dispatcher.utter_message(text=above)
    if parsed is True and slot in EVIDENCE_FACT_NAMES and answer.evidence_kind is None:
        # "Yes, I have it" is a claim until the file is here (issue 12).
        said = SEND_IT_LATER if _says_later(answer) else SEND_THE_FILE
        dispatcher.utter_message(text=tr(answer.language, said))
    return _answered(slot, parsed)


ABOVE_MAXIMUM = N_(
    "Noted: {amount}. The most a parcel can be insured for is {maximum}, so a payout never "
    "exceeds that."
)


def _above_maximum(amount: str, tracker: Tracker, language: str | None) -> str | None:
    """The notice for an insured value above what can be insured on the parcel's line and
    destination ("50,000 RMB"; issue 14 trial: accepted without a word), else None. The
    customer's figure is kept and the engine caps the payout (terms "Maximum Insured Value",
    claims-spec.md 2.2); the notice only says so before the summary does."""
    from cssecure.policy import InvalidFacts

    try:
        quoted = services.quote_premium(
            amount,
            shipping_line=tracker.get_slot("shipping_line"),
            destination_country=tracker.get_slot("destination_country"),
            shipping_fee=tracker.get_slot("shipping_fee"),
        )
    except InvalidFacts:
        return None  # the limit needs facts not known yet: the summary's assessment tells
    if quoted.get("insurable", True):
        return None
    return tr(language, ABOVE_MAXIMUM, amount=money_text(amount, language),
              maximum=money_text(quoted["max_insurable_rmb"], language))


def _says_later(answer: Answer) -> bool:
    """Whether an evidence answer says the file comes later: the panel's button, or words."""
    if answer.is_protocol:
        return entity_values(answer.entities, "choice") == [LATER_CHOICE]
    return sends_later(answer.text)


# "the first one", "das erste", "la deuxième" (answer_words.yml, every language), on folded
# text.
_FIRST = re.compile(rf"(?<!\w)(?:{words_pattern(answer_word_list('first'))})(?!\w)")
_SECOND = re.compile(rf"(?<!\w)(?:{words_pattern(answer_word_list('second'))})(?!\w)")
_PICK_FILLER = frozenset({"the", "one", "yes", "yuan", "rmb", "that", "use", "it", "is", "and"})


def picked_reading(offered: Any, slot: str, answer: Answer) -> str | None:
    """The reading a typed answer picks among those just offered for ``slot`` ("yes" to
    the only one, "the first one", "october"), as the button's payload; None otherwise."""
    if not isinstance(offered, dict) or offered.get("slot") != slot or answer.is_protocol:
        return None
    readings = list(offered.get("readings") or ())
    if not readings:
        return None
    chosen: dict[str, Any] | None = None
    text = fold(answer.text)
    if len(readings) == 1:
        try:
            if parse_bool(answer.text, answer.intent, language=answer.language):
                chosen = readings[0]
        except AnswerError:
            return None
    elif _FIRST.search(text) and not _SECOND.search(text):
        chosen = readings[0]
    elif _SECOND.search(text) and not _FIRST.search(text) and len(readings) == 2:
        chosen = readings[1]
    else:
        words = _pick_words(answer.text, answer.language)
        hits = [r for r in readings if words & _pick_words(str(r["label"]), answer.language)]
        chosen = hits[0] if len(hits) == 1 else None
    if chosen is None:
        return None
    return "/inform" + json.dumps(chosen["entities"], separators=(",", ":"))


def _pick_words(text: str, language: str | None) -> set[str]:
    """The words of a reading's label, or of a typed pick, that can tell readings apart
    ("october", "marz"): three letters or more, folded, no filler."""
    return {
        word for word in answer_words(text) if len(word) >= 3
    } - _PICK_FILLER - _fillers(language)


def _as_button(answer: Answer, payload: str) -> Answer:
    """The answer as if the reading's button had been pressed (read by its entities)."""
    entities = json.loads(payload[len("/inform"):])
    button = Answer.__new__(Answer)
    button.text, button.intent = payload, "inform"
    button.entities = [{"entity": name, "value": value} for name, value in entities.items()]
    button.date_order, button.submitted = answer.date_order, answer.submitted
    button.language = answer.language
    return button


for _slot in QUESTIONS:
    if not hasattr(ValidateClaimForm, f"validate_{_slot}"):
        setattr(ValidateClaimForm, f"validate_{_slot}", _make_validator(_slot))


def _is_file_notice(event: Mapping[str, Any]) -> bool:
    """A ``user`` event that is a channel's notice of a stored evidence file."""
    entities = (event.get("parse_data") or {}).get("entities") or []
    return str(event.get("text") or "").lstrip().startswith("/") and any(
        e.get("entity") == "evidence_kind" for e in entities
    )


def asked_with_only_files_since(tracker: Tracker, action: str) -> bool:
    """Whether ``action`` (a question) was the last question asked and every customer
    message since is a file notice: several photos sent at once come as one notice each,
    and asking again after each repeated the question under every file (issue 15 review)."""
    saw_notice = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if not _is_file_notice(event):
                return False
            saw_notice = True
        elif event.get("event") == "action" and str(event.get("name")).startswith("action_ask_"):
            return saw_notice and event.get("name") == action
    return False


class AskFact(Action, ABC):
    """Asks for one fact: ``action_ask_<fact>`` (one subclass per fact below)."""

    @property
    @abstractmethod
    def slot(self) -> str:
        """The fact this action asks for."""

    def name(self) -> str:
        """Name of the action."""
        return f"action_ask_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Ask the question, with buttons for yes/no and fixed choices; after an ambiguous
        answer, ask which reading was meant instead."""
        readings = tracker.get_slot(READINGS_SLOT)
        if isinstance(readings, dict) and readings.get("slot") == self.slot:
            # Kept until answered: a typed "the first one" or "october" picks a reading too.
            dispatcher.utter_message(
                text=str(readings.get("question")), buttons=reading_buttons(readings)
            )
            return []
        if asked_with_only_files_since(tracker, self.name()):
            return []  # the question stands just above the files' receipts
        language = language_of(tracker)
        question = QUESTIONS[self.slot]
        text = question_text(self.slot, tracker.get_slot("claim_type"), language=language)
        whole = tracker.get_slot("parcel_weight_kg")
        if self.slot == "weight_kg" and whole is not None:
            text += " " + tr(
                language,
                "(The whole parcel weighed {weight}.)",
                weight=weight_text(whole, language),
            )
        if question.kind == "bool":
            buttons = confirm_buttons(language)
        else:
            # Titles in the customer's language; the payload carries the choice's value.
            buttons = [
                {"title": tr(language, title), "payload": f'/inform{{"choice": "{value}"}}'}
                for value, title, _ in question.choices
            ]
        # An evidence question carries its file panel's request (issue 15): the widget
        # shows an attach button in it; Telegram and Discord get the text and buttons.
        request = evidence_request(self.slot)
        if request is not None and tracker.get_latest_input_channel() == WIDGET_CHANNEL:
            buttons = translated_buttons([NO_FILE_BUTTON], language)
        dispatcher.utter_message(text=text, buttons=buttons or None, json_message=request)
        return []


ASK_ACTIONS: list[type[AskFact]] = [
    type(f"AskFact_{fact}", (AskFact,), {"slot": fact}) for fact in QUESTIONS
]


SOME_DETAILS = N_("some details contradict each other")


class ActionAskClaimConfirmed(Action):
    """Shows the summary and the decision with its reasons, and asks to file."""

    def name(self) -> str:
        """Name of the action."""
        return "action_ask_claim_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Summarise, or ask what to correct when the customer said something is wrong."""
        from cssecure.policy import InvalidFacts

        language = language_of(tracker)
        correct_prompt = tr(language, CORRECT_PROMPT)
        if tracker.get_slot("correcting"):
            if isinstance(tracker.get_slot(READINGS_SLOT), dict):
                return []  # (while a correction's readings are asked, that question stands alone)
            buttons = translated_buttons([FILE_AS_IS_BUTTON], language)
            named = tracker.get_slot(CORRECTING_FACT)
            if named in QUESTIONS:
                # "the date is wrong": that fact's own question, and the way out.
                question = question_text(str(named), tracker.get_slot("claim_type"),
                                         language=language)
                dispatcher.utter_message(
                    text=f"{question} {tr(language, FILE_AS_IS_HINT)}", buttons=buttons
                )
            else:
                dispatcher.utter_message(text=correct_prompt, buttons=buttons)
            return []
        slots = dict(tracker.slots)
        try:
            preview = services.preview_claim(slots, tracker.sender_id)
        except (InvalidFacts, InvalidClaim) as exc:
            # In plain words: the customer never sees a field name (issue 13).
            conflict = conflict_with(None, None, services.known_facts(slots))
            if conflict is not None:
                why = conflict_text(conflict, language)
            elif language_or_default(language) == DEFAULT_LANGUAGE:
                why = getattr(exc, "message", SOME_DETAILS)  # (English as it always was)
            elif isinstance(getattr(exc, "explanation", None), Message):
                why = refusal_text(exc, language)
            else:  # (an English text meant for staff: not shown in another language)
                why = tr(language, SOME_DETAILS)
            dispatcher.utter_message(
                text=tr(language, "Something doesn't fit: {why}.", why=why)
                + "\n"
                + correct_prompt
            )
            return [SlotSet("correcting", True)]
        assessment = preview["assessment"]
        # The facts the decision rests on (the record's where it holds them); the customer's
        # differing words are listed under the checks.
        summary = summary_text(
            {**services.known_facts(slots), **(preview.get("facts") or {})}, language=language,
            awaited={str(item.get("fact")) for item in preview.get("missing_evidence") or ()},
        )
        shown = bool(slots.get("verified"))
        checks = checks_text(preview, show_record=shown, language=language)
        held: bool | str = "checks" if checks else bool(preview.get("held"))
        if preview.get("disagreements") and not shown:
            held = "hide_amount"
        decision = decision_text(assessment, services.today(), held=held, language=language)
        if checks:
            decision = f"{decision}\n\n{checks}"
        if assessment.get("decision") == "reject":
            ask = tr(
                language,
                "Do you still want me to file it? A person will see it, but the terms "
                "decide the outcome. Say no to correct a detail.",
            )
        else:
            ask = tr(language, "Shall I file this claim? Say no to correct a detail first.")
        assessed = tr(language, "My assessment: {decision}", decision=decision)
        dispatcher.utter_message(
            text=f"{summary}\n\n{assessed}\n\n{ask}", buttons=confirm_buttons(language)
        )
        return []


class ActionStartClaim(Action):
    """Starts (or resumes, or switches) a claim when the customer reports a problem."""

    def name(self) -> str:
        """Name of the action."""
        return "action_start_claim"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Set the claim type from the intent; a draft in progress is kept."""
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        new_type = INTENT_CLAIM_TYPES.get(intent)
        current = tracker.get_slot("claim_type")
        events: list[EventType] = [
            SlotSet("pending_confirmation", None),
            SlotSet("report_date", services.today().isoformat()),
        ]
        if not tracker.get_slot("claim_draft_id"):
            # The draft's identity from its first question: files sent while the claim is
            # reported are kept under it and move to the claim when it is filed.
            events.append(SlotSet("claim_draft_id", services.new_draft_id()))
        language = language_of(tracker)
        parcel = tracker.get_slot("parcel_looked_up")
        if current and (new_type is None or new_type == current):
            kind = claim_type_words(current, language, default=str(current))
            dispatcher.utter_message(
                text=tr(
                    language,
                    "Let's pick up your {claim_kind} claim for parcel {parcel_id} where we "
                    "left off.",
                    claim_kind=kind,
                    parcel_id=parcel,
                )
                if parcel
                else tr(
                    language,
                    "Let's pick up your {claim_kind} claim where we left off.",
                    claim_kind=kind,
                )
            )
        elif current and new_type:
            dispatcher.utter_message(
                text=tr(
                    language,
                    "Understood: a {new_kind} claim, not a {old_kind} one. I'll keep what "
                    "you've told me.",
                    new_kind=claim_type_words(new_type, language),
                    old_kind=claim_type_words(current, language, default=str(current)),
                )
            )
            events += [SlotSet("claim_type", new_type), SlotSet("claim_confirmed", None)]
        else:
            words = claim_type_words(new_type, language, default=tr(language, "parcel"))
            dispatcher.utter_message(
                text=tr(
                    language,
                    "I'm sorry about your {claim_kind}. I'll help you claim: I only ask what "
                    "this claim needs, one question at a time.",
                    claim_kind=words,
                )
            )
            events.append(SlotSet("claim_type", new_type))
        return events + _noted_from_opening(dispatcher, tracker, new_type or current)


def _noted_from_opening(
    dispatcher: CollectingDispatcher, tracker: Tracker, claim_type: str | None
) -> list[EventType]:
    """Take the facts the reporting message states ("my DHL parcel arrived crushed
    yesterday") and say so, so that the form does not ask them again (issue 13)."""
    answer = Answer(tracker)
    if answer.is_protocol:
        return []
    known = {name for name in FACT_NAMES if tracker.get_slot(name) is not None}
    found = volunteered_facts(
        answer.text, answer.entities, claim_type, services.today(), known=known,
        language=answer.language,
    )
    if not found:
        return []
    lines = "\n".join(fact_lines(found, tuple(found), language=answer.language))
    noted = tr(answer.language, "Noted from your message:")
    dispatcher.utter_message(text=f"{noted}\n{lines}")
    return [SlotSet(name, value) for name, value in found.items()]


class ActionFileClaim(Action):
    """Files the confirmed claim through the claims service and gives the reference."""

    def name(self) -> str:
        """Name of the action."""
        return "action_file_claim"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """File; on a service failure keep every fact so that a retry works."""
        language = language_of(tracker)
        slots = dict(tracker.slots)
        if slots.get("claim_confirmed") is not True or not slots.get("parcel_id"):
            dispatcher.utter_message(text=tr(language, "There is no confirmed claim to file yet."))
            return [SlotSet("pending_confirmation", None)]
        try:
            result = services.claims_app().file_claim(
                parcel_id=slots["parcel_id"],
                claim_type=slots["claim_type"],
                facts=services.known_facts(slots),
                customer_id=slots.get("customer_id"),
                channel=slots.get("channel") or "web",
                conversation_id=tracker.sender_id,
                verified=bool(slots.get("verified")),
                flag_for_agent=True,
                draft_id=slots.get("claim_draft_id"),
            )
        except ClaimsUnavailable:
            return _filing_failed(dispatcher, tracker)
        except ClaimsError as exc:
            reason = refusal_text(exc, language)
            # A sentence of its own before the next: "... (900,00 RMB). Eine Person ..."
            # (issue 14 re-trial: the plain explanations end without a full stop).
            if not reason.endswith((".", "!", "?")):
                reason += "."
            dispatcher.utter_message(
                text=tr(
                    language,
                    "I couldn't file the claim: {reason} A person from our team can help.",
                    reason=reason,
                ),
                buttons=[handoff_button(language)],
            )
            return [SlotSet("pending_confirmation", None), SlotSet("claim_confirmed", None)]
        reference = str(result["reference"])
        assessment = result.get("assessment") or {}
        if result.get("created", True):
            head = tr(language, "Your claim is filed. Reference: {reference}.", reference=reference)
        elif result.get("agent_reason") == REPORTED_AGAIN_REASON:
            head = tr(
                language,
                "You already have an open claim for this parcel: {reference}. I haven't "
                "opened a second one: I've added what you told me and any files you sent to "
                "it, and a person from our claims team will look at it.",
                reference=reference,
            )
        else:
            head = tr(
                language,
                "You already have an open claim for this parcel: {reference} "
                "(status: {status}). I haven't opened a second one.",
                reference=reference,
                status=status_text(str(result.get("status", "open")), language),
            )
        shown = bool(slots.get("verified"))
        checks = (
            checks_text(result, show_record=shown, language=language)
            if result.get("created", True)
            else ""
        )
        # Any person's check (ownership included) comes before money: said as in the summary.
        held: bool | str = "checks" if checks else bool(result.get("agent_reason"))
        if not shown:
            # Not signed in: the reply rests on what the customer said, exactly as the
            # summary did, never on the agency's record, so that its words cannot tell
            # whether the parcel exists or what the record holds (issue 16, point 7).
            try:
                assessment = services.assess_claim(slots)
            except Exception:  # noqa: BLE001 - the summary assessed the same facts
                logger.info("anonymous filing reply: no assessment of the facts as told")
            held = True
        decision = decision_text(assessment, services.today(), held=held, language=language)
        if checks:
            decision = f"{decision}\n{checks}"
        evidence = tr(
            language,
            "You can send photos, the unboxing video or letters here at any time: they are "
            "added to {reference}.",
            reference=reference,
        )
        review_step = tr(language, REVIEW_NEXT_STEP)
        unverified_step = tr(language, UNVERIFIED_NEXT_STEP)
        # The claims service flags a new claim for a person and notifies the team with it
        # (Claim.agent_needed_on_filing); the assistant keeps talking either way: the
        # customer may still add evidence, and an agent's "take over" pauses it.
        agent_reason = str(result.get("agent_reason") or "")
        if not shown:
            # The next step from what the customer said, whatever the record made of it:
            # a claim their words would pay or send to review always reaches a person (the
            # ownership check; a record that differs holds it too); a rejection on their
            # words may not, so nothing is promised (issue 16, point 7).
            if assessment.get("decision") == "reject":
                text = f"{head}\n{decision}\n{evidence}"
            else:
                text = f"{head}\n{decision}\n{review_step} {unverified_step} {evidence}"
        elif agent_reason and agent_reason != UNVERIFIED_REASON:
            # A person decides (review, facts against the record, files to check, another
            # claim on the parcel, the parcel's limit): the reasons are the service's.
            steps = review_step
            if UNVERIFIED_REASON in agent_reason:
                steps += " " + unverified_step
            text = f"{head}\n{decision}\n{steps} {evidence}"
        elif agent_reason == UNVERIFIED_REASON:
            # Money never moves on an anonymous claim until a person has checked that the
            # parcel is the customer's.
            text = f"{head}\n{decision}\n{unverified_step} {evidence}"
        else:
            text = f"{head}\n{decision}\n{evidence}"
        dispatcher.utter_message(text=text)
        return [
            *reset_draft(slots),
            SlotSet("claim_ref", reference),
            SlotSet("pending_confirmation", None),
        ]


# Handoff reason shown to the support team (no customer data: see cssecure.notify); those
# of a filed claim are the claims service's (REVIEW_REASON, UNVERIFIED_REASON).
NOT_FILED_REASON = "the claim could not be filed twice in a row: a service is unavailable"

REVIEW_NEXT_STEP = N_(
    "I've passed it to our claims team: a person will answer you here in this chat. "
    "Until then I'm still here for questions."
)
UNVERIFIED_NEXT_STEP = N_(
    "As you're not signed in, a person from our claims team will first confirm that the "
    "parcel is yours (they'll answer you here in this chat); the payout follows that check. "
    "Signing in on the website or linking your account makes this faster."
)


def _filing_failed(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """The claims service is down: keep the draft; offer a retry and a person; on the
    second failure in a row hand over to a person if the team's queue can be reached."""
    language = language_of(tracker)
    if tracker.get_slot("pending_confirmation") == "retry_filing":
        try:
            services.claims_app().request_agent(None, tracker.sender_id, NOT_FILED_REASON)
        except ClaimsError as exc:
            # Never pause when nobody was told: the customer would be left with silence.
            logger.warning("handoff after a failed filing failed: %s", type(exc).__name__)
        else:
            dispatcher.utter_message(
                text=tr(
                    language,
                    "I'm sorry, I still can't file your claim: our claims system is not "
                    "answering. I've asked a person from our support team to take over; "
                    "they usually answer within a few hours on working days, here in this "
                    "chat. Everything you told me is kept, so you won't need to repeat it.",
                )
            )
            return [SlotSet("pending_confirmation", None), ConversationPaused()]
    dispatcher.utter_message(
        text=tr(
            language,
            "I'm sorry: our claims system can't be reached right now, so the claim "
            "is not filed yet. I've kept everything you told me. Shall I try again? "
            "Or a person from our team can take over.",
        ),
        buttons=[*confirm_buttons(language), handoff_button(language)],
    )
    return [SlotSet("pending_confirmation", "retry_filing")]


def reset_draft(slots: Mapping[str, Any]) -> list[EventType]:
    """Events that clear a claim draft (filed or dropped): one per slot that holds a value.

    Slots already empty get no event: a draft uses a third of the ~36 slots, and every
    event costs the Rasa server a schema check, a tracker update and a stored row on the
    turn that sets the p95 latency (bench/bench_rest.py).
    """
    names = (*DRAFT_SLOTS, *FAILURE_SLOTS)
    return [SlotSet(name, None) for name in names if slots.get(name) is not None]


def has_draft(slots: Mapping[str, Any]) -> bool:
    """True when a claim was started and not yet filed or dropped."""
    return bool(slots.get("claim_type"))


class ActionAskStopClaim(Action):
    """``stop`` mid-claim: pause the form and ask before dropping anything."""

    def name(self) -> str:
        """Name of the action."""
        return "action_ask_stop_claim"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Ask to confirm; the answers so far are kept either way until confirmed."""
        language = language_of(tracker)
        dispatcher.utter_message(
            text=tr(language, "Do you want to drop this claim? Nothing has been filed yet."),
            buttons=[
                {"title": tr(language, "Yes, drop it"), "payload": "/affirm"},
                {"title": tr(language, "No, continue"), "payload": "/deny"},
            ],
        )
        return [
            ActiveLoop(None),
            SlotSet(REQUESTED_SLOT, None),
            SlotSet("pending_confirmation", "abandon_claim"),
        ]


class ActionAbandonClaim(Action):
    """Drops the claim draft after the customer confirmed ``stop``."""

    def name(self) -> str:
        """Name of the action."""
        return "action_abandon_claim"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Clear the draft."""
        dispatcher.utter_message(
            text=tr(
                language_of(tracker),
                "OK, I've dropped that claim; nothing was filed. Anything else I can do?",
            )
        )
        return [*reset_draft(tracker.slots), SlotSet("pending_confirmation", None)]


class ActionResumeClaim(Action):
    """Carries on with the claim draft (the form runs next)."""

    def name(self) -> str:
        """Name of the action."""
        return "action_resume_claim"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Clear the pending question; the form re-asks where it stopped. The claim is
        reported today, even if it was started on an earlier day."""
        dispatcher.utter_message(
            text=tr(language_of(tracker), "OK, let's carry on with your claim.")
        )
        return [
            SlotSet("pending_confirmation", None),
            SlotSet("report_date", services.today().isoformat()),
        ]


class ActionKeepDraft(Action):
    """The customer doesn't want to continue now: keep the draft for later."""

    def name(self) -> str:
        """Name of the action."""
        return "action_keep_draft"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Keep the draft."""
        dispatcher.utter_message(
            text=tr(
                language_of(tracker),
                "No problem, I'll keep what you told me. Tell me about the parcel again "
                "whenever you want to continue. What can I do for you?",
            )
        )
        return [SlotSet("pending_confirmation", None)]
