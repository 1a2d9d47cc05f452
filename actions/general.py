"""Actions outside the claim form: session start, greeting, quotes, claim status,
handoff to a person, fallback and evidence acknowledgements.

Every reply is in the conversation's language (the ``language`` slot, issue 14; None is
English): texts are marked for translation and shown with ``tr``; claim references, button
payloads and what other parts word themselves (a parser's question) are passed as they are.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import (
    ActionExecuted,
    ActiveLoop,
    ConversationPaused,
    EventType,
    SessionStarted,
    SlotSet,
)
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.claim import (
    EVIDENCE_FACT_NAMES,
    FORM,
    REQUESTED_SLOT,
    Answer,
    confirm_buttons,
    failed_answer,
    handoff_button,
    has_draft,
    language_of,
    received_evidence,
)
from actions.language import unsupported_notice
from actions.parsing import AmbiguousAnswer, AnswerError, entity_values, parse_money
from actions.questions import claim_type_words
from actions.quotes import quote_buttons, quote_reply
from actions.texts import STATUS_WORDS, evidence_text
from cssecure.claims.errors import ClaimsError, ClaimsUnavailable
from cssecure.i18n import DEFAULT_LANGUAGE
from cssecure.i18n.catalog import N_, language_or_default, tr, trn
from cssecure.i18n.detect import foreign_language

logger = logging.getLogger(__name__)

# "rest": scripts and tests through the REST channel (always anonymous, no push back).
CHANNELS = frozenset({"web", "telegram", "discord", "rest"})
# Intents that count as "I didn't understand" for the two-in-a-row rule.
FALLBACK_INTENTS = frozenset({"nlu_fallback", "out_of_scope"})
WHAT_I_DO = N_(
    "I can help with a damaged, lost, seized, returned or delayed parcel, quote the "
    "CSSecure premium, tell you the status of your claims, or answer questions about "
    "the insurance terms."
)


class ActionSessionStart(Action):
    """Starts a session: carries slots over and copies the channel's metadata."""

    def name(self) -> str:
        """Name of the action."""
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Keep the previous session's slots (a claim draft survives), then set
        ``channel``, ``customer_id`` and ``verified`` from the channel's metadata."""
        events: list[EventType] = [SessionStarted()]
        carried = {
            key: value
            for key, value in tracker.slots.items()
            if value is not None
            and key not in ("session_started_metadata", REQUESTED_SLOT, "pending_confirmation")
        }
        events += [SlotSet(key, value) for key, value in carried.items()]
        metadata = tracker.get_slot("session_started_metadata") or {}
        events += metadata_slots(metadata)
        events.append(ActionExecuted("action_listen"))
        return events


def metadata_slots(metadata: dict[str, Any]) -> list[EventType]:
    """``SlotSet`` events for the channel contract ``{channel, customer_id, verified, locale}``.

    Unknown channels are ignored; a customer id is only trusted with ``verified`` true.
    """
    channel = metadata.get("channel")
    customer_id = metadata.get("customer_id")
    verified = metadata.get("verified") is True and bool(customer_id)
    locale = metadata.get("locale")
    return [
        SlotSet("channel", channel if channel in CHANNELS else None),
        SlotSet("customer_id", str(customer_id) if customer_id else None),
        SlotSet("verified", verified),
        SlotSet("locale", locale if isinstance(locale, str) and _LOCALE.match(locale) else None),
    ]


# A BCP 47 language tag as channels send it ("en-US", "de", "pt_BR"); anything else is dropped.
_LOCALE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,3}$")


class ActionGreet(Action):
    """Greets, and offers to continue a claim draft if there is one."""

    def name(self) -> str:
        """Name of the action."""
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Greet; with a draft, ask whether to continue it."""
        slots = tracker.slots
        language = language_of(tracker)
        if has_draft(slots):
            kind = claim_type_words(slots["claim_type"], language, tr(language, "parcel"))
            parcel = slots.get("parcel_id")
            if parcel:
                text = tr(language, "Hi again! You have an unfinished {kind} claim for parcel "
                                    "{parcel}. Shall we continue it?", kind=kind, parcel=parcel)
            else:
                text = tr(language, "Hi again! You have an unfinished {kind} claim. Shall we "
                                    "continue it?", kind=kind)
            dispatcher.utter_message(text=text, buttons=confirm_buttons(language))
            return [SlotSet("pending_confirmation", "resume_claim")]
        dispatcher.utter_message(
            text=tr(language, "Hi! I'm the CSSecure claims assistant. {what_i_do}",
                    what_i_do=tr(language, WHAT_I_DO))
        )
        return []


class ValidateQuoteForm(FormValidationAction):
    """Reads the insured value to quote."""

    def name(self) -> str:
        """Name of the action."""
        return "validate_quote_form"

    async def validate_quote_insured_value(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accept an RMB amount."""
        answer = Answer(tracker)
        # The amount entity's value alone ("150.00") has lost its currency and its other
        # readings: the message it came from is read whole (issue 13 review: "quote for
        # €150" was quoted as 150 RMB).
        whole = answer.is_fresh(value) or bool(entity_values(answer.entities, "amount"))
        try:
            amount = parse_money(
                answer.text if whole else str(value),
                answer.entities if whole else [],
                language=answer.language,
            )
        except AmbiguousAnswer:
            # "1.250" or "150 euros": the form ends and action_quote_premium, reading the
            # same message, asks which amount to quote (a button each), never a guess.
            return {"quote_insured_value": None, "requested_slot": None}
        except AnswerError as exc:
            return failed_answer("quote_insured_value", str(exc), dispatcher, tracker)
        return {"quote_insured_value": amount, "failed_slot": None, "failed_attempts": None}


class ActionAskQuoteInsuredValue(Action):
    """Asks for the value to insure."""

    def name(self) -> str:
        """Name of the action."""
        return "action_ask_quote_insured_value"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Ask, saying what the premium depends on."""
        language = language_of(tracker)
        text = tr(
            language,
            "What value do you want to insure, in RMB? The premium is a share of the "
            'insured value (for example "500 rmb").',
        )
        if tracker.active_loop_name == FORM:
            text += " " + tr(language, "Then we carry on with your claim.")
        dispatcher.utter_message(text=text)
        return []


class ActionQuotePremium(Action):
    """Quotes the CSSecure premium for an amount from the message or the quote form."""

    def name(self) -> str:
        """Name of the action."""
        return "action_quote_premium"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Quote; without an amount in the middle of a claim, the claim form asks for it
        first (``quote_requested``), quotes, and carries on with the claim."""
        answer = Answer(tracker)
        events: list[EventType] = [
            SlotSet("quote_insured_value", None),
            SlotSet("quote_requested", None),
        ]
        amount = tracker.get_slot("quote_insured_value")
        if entity_values(answer.entities, "amount") and not answer.is_protocol:
            amount = None  # read from the message itself, currency and readings included
        if amount is None and entity_values(answer.entities, "amount"):
            try:
                amount = parse_money(answer.text, answer.entities, language=answer.language)
            except AmbiguousAnswer as exc:
                dispatcher.utter_message(text=str(exc), buttons=quote_buttons(exc))
                return events
            except AnswerError as exc:
                dispatcher.utter_message(text=str(exc))
                return events
        language = language_of(tracker)
        if amount is None:
            if tracker.active_loop_name == FORM:
                return [SlotSet("quote_requested", True)]
            dispatcher.utter_message(
                text=tr(
                    language,
                    "I can quote any amount: just tell me the value to insure, for example "
                    '"how much to insure 500 rmb?".',
                )
            )
            return events
        dispatcher.utter_message(text=quote_reply(amount, answer.entities, language=language))
        return events


class ActionCheckClaimStatus(Action):
    """Tells a logged-in customer the status of their own claims."""

    def name(self) -> str:
        """Name of the action."""
        return "action_check_claim_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Only verified customers, only their claims."""
        language = language_of(tracker)
        customer_id = tracker.get_slot("customer_id")
        if not customer_id or not tracker.get_slot("verified"):
            dispatcher.utter_message(
                text=tr(
                    language,
                    "For your privacy I can only show claims to a logged-in customer. Please "
                    "log in on the website chat, or link your account in Telegram or Discord, "
                    "and ask me again.",
                )
            )
            return []
        refs = entity_values(Answer(tracker).entities, "claim_ref")
        try:
            if refs:
                claim = services.claims_app().get_claim(refs[0].upper(), customer_id)
                claims = [claim] if claim else []
                if not claims:
                    dispatcher.utter_message(
                        text=tr(language, "I can't find claim {reference} on your account.",
                                reference=refs[0].upper())
                    )
                    return []
            else:
                claims = services.claims_app().claims_for_customer(customer_id)
        except ClaimsUnavailable:
            dispatcher.utter_message(
                text=tr(language, "I can't reach our claims system right now. Please try "
                                  "again in a few minutes.")
            )
            return []
        if not claims:
            dispatcher.utter_message(text=tr(language, "You have no claims with us yet."))
            return []
        newest_first = list(reversed(claims))  # the service lists oldest first
        lines = [_claim_line(c, language) for c in newest_first[:5]]
        older = len(claims) - 5
        # English says "ones" for any count (as it always has); the plural entry lets the
        # other languages inflect.
        more = "\n" + trn(language, "(and {count} older ones)", "(and {count} older ones)",
                          older, count=older) if older > 0 else ""
        dispatcher.utter_message(
            text=tr(language, "Your claims:") + "\n" + "\n".join(lines) + more
        )
        return []


def _claim_line(claim: dict[str, Any], language: str | None = None) -> str:
    """``- CS-2026-000042: lost parcel P100001, in review``."""
    kind = claim_type_words(claim.get("claim_type"), language, tr(language, "claim"))
    status = str(claim.get("status", ""))
    if language_or_default(language) == DEFAULT_LANGUAGE or status not in STATUS_WORDS:
        words = status.replace("_", " ")
    else:
        words = tr(language, STATUS_WORDS[status])
    return f"- {claim.get('reference')}: {kind} {claim.get('parcel_id', '')}, {words}"


class ActionHumanHandoff(Action):
    """Hands the conversation to a person and pauses the assistant."""

    def name(self) -> str:
        """Name of the action."""
        return "action_human_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Mark the claim (or conversation) as needing an agent, then pause."""
        from cssecure.handoff.service import request_handoff

        language = language_of(tracker)
        reference = tracker.get_slot("claim_ref")
        reason = _handoff_reason(tracker)
        try:
            # Limited per customer (cssecure/security/limits.py), so that nobody can flood
            # the team's channel with requests for a person (issue 16).
            # The channel's keyed digest of the customer's network, when it knows it: the
            # per-address limit (many sender ids from one place, issue 16 review).
            client = ((tracker.latest_message or {}).get("metadata") or {}).get("client")
            request = request_handoff(
                services.claims_app().request_agent, reference, tracker.sender_id, reason,
                address=str(client) if client else None,
            )
        except ClaimsError as exc:
            logger.warning("handoff request failed: %s", type(exc).__name__)
            dispatcher.utter_message(
                text=tr(
                    language,
                    "I'm sorry, I can't reach our support team's queue right now. Please "
                    "try again in a few minutes; I've kept everything you told me.",
                )
            )
            return []
        if not request.queued:
            # The limiter's message is marked for translation where it is written.
            message = request.message or PLEASE_WAIT
            dispatcher.utter_message(text=tr(language, message))
            return []
        promise = _reply_promise(language)
        if promise is None:
            text = tr(
                language,
                "I've asked a person from our support team to take over, here in this chat. "
                "What you've told me is kept, so you won't need to repeat it.",
            )
        else:
            hours, when = promise
            text = tr(
                language,
                "I've asked a person from our support team to take over, here in this chat. "
                "Our team works {hours}; we aim to answer {when}. What you've told me is "
                "kept, so you won't need to repeat it.",
                hours=hours, when=when,
            )
        dispatcher.utter_message(text=text)
        return [
            ActiveLoop(None),
            SlotSet(REQUESTED_SLOT, None),
            SlotSet("pending_confirmation", None),
            ConversationPaused(),
        ]


PLEASE_WAIT = N_("Please wait a little.")


def _reply_promise(language: str | None = None) -> tuple[str, str] | None:
    """When a person answers, from the team's office hours and promised wait (the same
    settings the waiting answers use, cssecure/handoff/waiting.py), in ``language``:
    ``("Monday to Friday 09:00-18:00, Asia/Shanghai time, UTC+8", "today at 15:10
    (Asia/Shanghai time, UTC+8)")``;
    None when the office hours cannot be read."""
    from cssecure.handoff.office_hours import OfficeHours, OfficeHoursError
    from cssecure.settings import Settings

    try:
        settings = Settings.from_env()
        hours = OfficeHours.from_settings(settings)
        now = datetime.now(timezone.utc)
        by = hours.reply_by(now, timedelta(minutes=settings.handoff_wait_minutes))
        return hours.describe(now, language), hours.when_in_zone(by, now, language)
    except (OfficeHoursError, ValueError) as exc:
        logger.warning("office hours unavailable: %s", type(exc).__name__)
        return None


def _handoff_reason(tracker: Tracker) -> str:
    """A short reason for the agent (no customer data)."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if intent == "human_handoff":
        return "customer asked for a person"
    return f"assistant handed off after {intent or 'an unclear message'}"


NOT_AN_ANSWER = N_("I couldn't take that as an answer to my question.")
WAYS_OUT_EVIDENCE = N_(
    'If you don\'t have it yet, say "later" and send it here when you have it; the claim '
    'waits for it. Or say "stop" to drop the claim, or ask for a person.'
)
WAYS_OUT_CONFIRM = N_(
    'Say "file it" to file the claim as it is, name a detail to correct it, or say "stop" '
    "to drop it."
)
WAYS_OUT_QUESTION = N_(
    'Please answer it, say "stop" to drop the claim, or ask for a person.'
)


def _ways_out(requested: str) -> str:
    """The ways out of the claim form's question ``requested`` (untranslated)."""
    if requested in EVIDENCE_FACT_NAMES:
        return WAYS_OUT_EVIDENCE
    if requested == "claim_confirmed":
        return WAYS_OUT_CONFIRM
    return WAYS_OUT_QUESTION


class ActionFallback(Action):
    """Out of scope or not understood: an honest answer and a way forward."""

    def name(self) -> str:
        """Name of the action."""
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The second miss in a row offers a person."""
        language = language_of(tracker)
        what_i_do = tr(language, WHAT_I_DO)
        text = str(tracker.latest_message.get("text") or "")
        requested = tracker.get_slot("requested_slot")
        if tracker.active_loop.get("name") == "claim_form" and requested:
            # Inside the claim form nothing is "not something I can help with": the
            # question is asked again (the rule runs the form next) with the ways out
            # (issue 17).
            dispatcher.utter_message(
                text=tr(language, NOT_AN_ANSWER) + " " + tr(language, _ways_out(str(requested))),
                buttons=[handoff_button(language)],
            )
            return []
        if language_or_default(language) == DEFAULT_LANGUAGE and foreign_language(text):
            # Not understood and perhaps written in a language we do not speak (issue 14).
            dispatcher.utter_message(**unsupported_notice())
        elif _previous_user_intent(tracker) in FALLBACK_INTENTS:
            dispatcher.utter_message(
                text=tr(
                    language,
                    "I'm still not getting it, sorry. A person from our support team can "
                    "help you with this. Or, if it's about insurance: {what_i_do}",
                    what_i_do=what_i_do,
                ),
                buttons=[handoff_button(language)],
            )
        elif tracker.latest_message.get("intent", {}).get("name") == "out_of_scope":
            dispatcher.utter_message(
                text=tr(language, "That's not something I can help with, sorry. {what_i_do}",
                        what_i_do=what_i_do)
            )
        else:
            dispatcher.utter_message(
                text=tr(language, "Sorry, I didn't understand that. Could you say it another "
                                  "way? {what_i_do}", what_i_do=what_i_do)
            )
        return []


def _previous_user_intent(tracker: Tracker) -> str | None:
    """The intent of the user message before the latest one, if any."""
    seen = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen += 1
            if seen == 2:
                return (event.get("parse_data", {}).get("intent") or {}).get("name")
    return None


CSAT_THANKS = N_("Thank you for your answer! Write here any time if you need more help.")
CSAT_NOT_STORED = N_(
    "Thank you! Your answer could not be saved just now; please press the button again "
    "in a moment."
)


class ActionInformOutsideClaim(Action):
    """Information with no question pending: an evidence file a channel stored is
    acknowledged (or, kept outside any claim, the customer is asked which claim it is
    for: never guessed, issue 12); anything else gets a way forward."""

    def name(self) -> str:
        """Name of the action."""
        return "action_inform_outside_claim"

    @staticmethod
    def _rate(
        dispatcher: CollectingDispatcher, tracker: Tracker, reference: str, score: Any
    ) -> list[EventType]:
        """Store the customer's rating of their closed claim and thank them (a rating
        that cannot be stored, e.g. given twice, is thanked for without storing)."""
        from cssecure.claims.errors import ClaimNotFound
        from cssecure.notify.customer_updates import CsatRefused

        language = language_of(tracker)
        try:
            services.rate_claim(reference, tracker.sender_id, score)
        except (CsatRefused, ClaimNotFound):
            logger.info("a rating was not stored (refused)")
        except ClaimsError:
            dispatcher.utter_message(text=tr(language, CSAT_NOT_STORED))
            return []
        dispatcher.utter_message(text=tr(language, CSAT_THANKS))
        return []

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Say where an evidence file went, ask which claim a kept one is for, or move it."""
        language = language_of(tracker)
        answer = Answer(tracker)
        evidence_ids = entity_values(answer.entities, "evidence_id")
        chosen = entity_values(answer.entities, "claim_ref")
        if answer.is_protocol and evidence_ids and chosen:
            return self._assign(dispatcher, tracker, str(evidence_ids[0]), str(chosen[0]))
        scores = entity_values(answer.entities, "csat_score")
        rated = entity_values(answer.entities, "rated_claim")
        if answer.is_protocol and scores and rated:
            # The closing question's button (cssecure.notify.customer_updates, issue 17).
            return self._rate(dispatcher, tracker, str(rated[0]), scores[0])
        kind = answer.evidence_kind or ""
        if not kind or not evidence_ids:
            dispatcher.utter_message(
                text=tr(language, "Thanks. What would you like me to do with that? {what_i_do}",
                        what_i_do=tr(language, WHAT_I_DO))
            )
            return []
        # The kind in words ("unboxing video"; English: the kind's own words, as always).
        kind_word = evidence_text(kind, language)
        if tracker.get_slot("claim_draft_id"):
            dispatcher.utter_message(
                text=tr(language, "Thanks, I've received your {kind}; it stays with the claim "
                                  "you're reporting.", kind=kind_word)
            )
            return received_evidence(tracker, answer)
        try:
            kept = services.claims_app().loose_evidence(str(evidence_ids[0]), tracker.sender_id)
        except ClaimsError:
            kept = None
        if kept is None:
            reference = tracker.get_slot("claim_ref")
            if reference:
                text = tr(language, "Thanks, I've received your {kind}; it is added to claim "
                                    "{reference}.", kind=kind_word, reference=reference)
            else:
                text = tr(language, "Thanks, I've received your {kind}; it is stored.",
                          kind=kind_word)
            dispatcher.utter_message(text=text)
            return []
        return self._ask_which_claim(dispatcher, tracker, kind_word, str(evidence_ids[0]))

    @staticmethod
    def _ask_which_claim(
        dispatcher: CollectingDispatcher, tracker: Tracker, kind_word: str, evidence_id: str
    ) -> list[EventType]:
        customer_id = tracker.get_slot("customer_id") if tracker.get_slot("verified") else None
        references: list[str] = []
        try:
            if customer_id:
                references = [
                    str(c["reference"])
                    for c in services.claims_app().claims_for_customer(customer_id)
                    if c.get("open")
                ]
        except ClaimsError:
            references = []
        own = tracker.get_slot("claim_ref")
        if own and own not in references:
            references.append(str(own))
        language = language_of(tracker)
        if not references:
            dispatcher.utter_message(
                text=tr(language, "Thanks, I've kept your {kind}, but I don't see a claim of "
                                  "yours to add it to yet. Tell me what happened to your "
                                  "parcel and I'll start one; you can send the file again "
                                  "while we go.", kind=kind_word)
            )
            return []
        buttons = [
            {
                "title": reference,
                "payload": "/inform"
                + json.dumps({"claim_ref": reference, "evidence_id": evidence_id}),
            }
            for reference in references[:10]
        ]
        dispatcher.utter_message(
            text=tr(language, "Thanks, I've kept your {kind}. Which claim is it for?",
                    kind=kind_word),
            buttons=buttons,
        )
        return []

    @staticmethod
    def _assign(
        dispatcher: CollectingDispatcher, tracker: Tracker, evidence_id: str, reference: str
    ) -> list[EventType]:
        language = language_of(tracker)
        customer_id = tracker.get_slot("customer_id") if tracker.get_slot("verified") else None
        try:
            services.claims_app().assign_evidence(
                evidence_id, reference, conversation_id=tracker.sender_id,
                customer_id=customer_id,
            )
        except ClaimsUnavailable:
            dispatcher.utter_message(
                text=tr(language, "Sorry, I can't reach our claims system just now. Your file "
                                  "is kept; please tap the claim again in a few minutes.")
            )
            return []
        except ClaimsError:
            dispatcher.utter_message(
                text=tr(language, "I can't add that file to that claim: it isn't one of your "
                                  "claims, or the file was already added. A person from our "
                                  "team can help.")
            )
            return []
        dispatcher.utter_message(
            text=tr(language, "Done: the file is added to claim {reference}.",
                    reference=reference)
        )
        return []
