"""A handoff never means silence: what a customer hears while waiting for a person.

When the assistant hands a conversation to a person (``action_human_handoff``, or a filing
that failed twice) it pauses the conversation. Rasa still records every customer message
of a paused conversation in its tracker (so the agent reads them in the console's
transcript) but answers nothing. This module answers them, in the one place every channel
goes through: the Rasa server's message processor (:mod:`cssecure.rasa_server.handoff`
wraps ``MessageProcessor._run_prediction_loop``, which Rasa calls for every message and
which does nothing while the conversation is paused, and calls :func:`after_turn`).
Replies go out through the message's own output channel (REST, widget, Telegram, Discord
alike) and are recorded in the tracker as bot messages whose metadata carries
``handoff_notice`` (the console shows them; this module reads them back to know what was
already said).

While the conversation **waits** (paused by the assistant, and no agent has taken it or
written in it since):

* the first customer message gets the full acknowledgement: when to expect a person (the
  office hours, ``CSSECURE_OFFICE_HOURS`` in ``CSSECURE_OFFICE_TIMEZONE``, and the time we
  aim for: ``CSSECURE_HANDOFF_WAIT_MINUTES`` of office time after the handoff), the place
  in the team's queue (:mod:`cssecure.handoff.queue`) and what to do meanwhile (send
  files; ask for the claim's status);
* later messages get a short one ("Your message was added for the agent. You're number 2
  in the queue."), at most one per ``CSSECURE_HANDOFF_ACK_INTERVAL_MINUTES``: a flood of
  messages gets one full and one short answer, not a flood of answers;
* "status" (or the NLU's ``check_claim_status``, or the "Claim status" button) is answered
  with the status of the claims of this conversation (and of the signed-in customer);
* once the promised time has passed, the customer is told so, once, with a "Continue with
  the assistant" button: that answer (or typing it) resumes the conversation with the same
  ``resume`` event the console's "Hand back" appends; the case stays in the team's queue.
  The web app's outbox worker tells the customer at that time without waiting for a
  message (job ``handoff_wait``, scheduled when the conversation is paused, see
  :meth:`HandoffWaiting.check_wait`); a REST customer (no push) is told at the next message.

When an agent **holds** the conversation (the console's "Take over" pauses it with
``metadata.sender == "agent"``, or an agent's message was pushed since the handoff), no
automatic answer is sent: every message is for the agent.

A pause outlives a new session: Rasa's ``SessionStarted`` (the customer wrote after
``session_expiration_time`` of silence, or a channel sent ``/session_start``) and
``Restarted`` reset the tracker, pause included, so without more the assistant would
answer again in the middle of an agent's takeover after an hour of silence.
:mod:`cssecure.rasa_server.handoff` also wraps ``MessageProcessor._log_action_on_tracker``
(every action's events pass through it): when an action's events end a pause that way, the same
pause is appended again (:func:`carried_pause`). Only the team's "Hand back" and the
customer's "Continue with the assistant" end a handoff.

Every answer is in the conversation's language (its ``language`` slot, issue 14; English
when unset), and the words a customer may type for the buttons are understood in every
language we speak.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from cssecure.claims import orm
from cssecure.handoff import texts
from cssecure.handoff.office_hours import OfficeHours
from cssecure.handoff.queue import Place, place_in_queue
from cssecure.handoff.transcript import AGENT_SENDER, latest_slot
from cssecure.i18n import LANGUAGES
from cssecure.i18n.catalog import tr
from cssecure.settings import Settings

logger = logging.getLogger(__name__)

# Metadata key of the bot messages this module sends, and its values.
NOTICE_KEY = "handoff_notice"
FULL = "full"
SHORT = "short"
STATUS = "status"
EXPIRED = "expired"
RESUMED = "resumed"
# Metadata key of the assistant's pause event: {"reply_by": <unix time>}, stamped when
# the conversation is paused (the promise stays what it was, whatever the settings say
# later).
WAIT_KEY = "handoff_wait"
# Metadata of the resume event when the customer asked for the assistant back.
RESUMED_BY_CUSTOMER = {"by": "customer"}
# The outbox job that tells a customer the promised time has passed.
JOB_TOPIC = "handoff_wait"
# Channels with a push endpoint (cssecure.handoff.rasa_api.PUSH_CHANNELS).
PUSH_CHANNELS = frozenset({"web", "telegram", "discord"})

_PUNCTUATION = re.compile(r"[\s.!?,;:'\"“”‘’]+")


def utcnow() -> datetime:
    """Timezone-aware UTC now."""
    return datetime.now(timezone.utc)


def _fields(event: Any) -> tuple[str | None, Mapping[str, Any], float | None]:
    """``(type, metadata, timestamp)`` of a Rasa event object or its JSON form."""
    if isinstance(event, Mapping):
        kind, metadata, stamp = event.get("event"), event.get("metadata"), event.get("timestamp")
    else:
        kind = getattr(event, "type_name", None)
        metadata, stamp = getattr(event, "metadata", None), getattr(event, "timestamp", None)
    return (
        kind if isinstance(kind, str) else None,
        metadata if isinstance(metadata, Mapping) else {},
        float(stamp) if isinstance(stamp, (int, float)) else None,
    )


@dataclass(frozen=True)
class WaitState:
    """Where a conversation stands with its handoff, read from its tracker's events.

    Attributes:
        paused: the assistant is paused.
        agent: an agent holds the conversation (took it, or wrote in it since the pause).
        since: when the assistant paused it (unix time), for a wait.
        reply_by: the promised time stamped on that pause (unix time), if any.
        full_sent: the full acknowledgement was sent in this wait.
        last_short_at: when the latest short acknowledgement was sent (unix time).
        expired_told: the customer was told the promised time has passed.
    """

    paused: bool = False
    agent: bool = False
    since: float | None = None
    reply_by: float | None = None
    full_sent: bool = False
    last_short_at: float | None = None
    expired_told: bool = False

    @property
    def waiting(self) -> bool:
        """Paused by the assistant and nobody from the team holds it yet."""
        return self.paused and not self.agent


def wait_state(events: Iterable[Any]) -> WaitState:
    """The handoff state after ``events`` (Rasa event objects or their JSON, oldest first).

    Reads back from the end to the latest pause, resume or new session only.
    """
    ordered = events if hasattr(events, "__reversed__") else list(events)
    agent = full_sent = expired_told = False
    last_short: float | None = None
    for event in reversed(ordered):  # type: ignore[call-overload]
        kind, metadata, stamp = _fields(event)
        if kind == "bot":
            if metadata.get("sender") == AGENT_SENDER:
                agent = True
            notice = metadata.get(NOTICE_KEY)
            if notice == FULL:
                full_sent = True
            elif notice == SHORT and last_short is None:
                last_short = stamp
            elif notice == EXPIRED:
                expired_told = True
        elif kind == "pause":
            if metadata.get("sender") == AGENT_SENDER:
                return WaitState(paused=True, agent=True)
            wait = metadata.get(WAIT_KEY)
            reply_by = wait.get("reply_by") if isinstance(wait, Mapping) else None
            # A pause carried into a new session keeps the wait's start (see carry_pause).
            began = wait.get("since") if isinstance(wait, Mapping) else None
            return WaitState(
                paused=True,
                agent=agent,
                since=float(began) if isinstance(began, (int, float)) else stamp,
                reply_by=float(reply_by) if isinstance(reply_by, (int, float)) else None,
                full_sent=full_sent,
                last_short_at=last_short,
                expired_told=expired_told,
            )
        elif kind in ("resume", "session_started", "restart"):
            return WaitState()
    return WaitState()


def _words(text: str) -> str:
    return _PUNCTUATION.sub(" ", text.lower()).strip()


@cache
def _continue_words() -> frozenset[str]:
    """``texts.CONTINUE_WORDS`` and, in every language, the button's title and the words
    the texts tell the customer to write."""
    translated = {
        _words(tr(language, text))
        for language in LANGUAGES
        for text in (texts.CONTINUE_TITLE, texts.CONTINUE_TYPED)
    }
    return texts.CONTINUE_WORDS | frozenset(translated)


@cache
def _status_words() -> frozenset[str]:
    """``texts.STATUS_WORDS`` and, in every language, the button's title and the word the
    texts tell the customer to write."""
    translated = {
        _words(tr(language, text))
        for language in LANGUAGES
        for text in (texts.STATUS_TITLE, texts.STATUS_TYPED)
    }
    return texts.STATUS_WORDS | frozenset(translated)


def asks_for_assistant(text: str) -> bool:
    """The customer's answer asks for the assistant back ("Continue with the assistant",
    or its words in any of our languages)."""
    return _words(text) in _continue_words()


def asks_for_status(text: str, intent: str | None) -> bool:
    """The customer asks for their claim's status (button, typed words in any of our
    languages, or the NLU)."""
    return (
        text.strip() == texts.STATUS_PAYLOAD
        or _words(text) in _status_words()
        or intent == "check_claim_status"
    )


def _language_of(value: Any) -> str | None:
    """A ``language`` slot's value when it is one of ours (else None: English)."""
    return value if isinstance(value, str) and value in LANGUAGES else None


def is_file(text: str) -> bool:
    """The message is a channel's note of a stored evidence file (``/inform{...}``)."""
    return text.startswith("/inform{") and "evidence_id" in text


@dataclass(frozen=True)
class Reply:
    """What to answer a message in a waiting conversation."""

    kind: str
    text: str
    buttons: tuple[Mapping[str, str], ...] = ()
    resume: bool = False


@dataclass(frozen=True)
class Message:
    """What the reply depends on of the customer's message and conversation."""

    conversation_id: str
    text: str
    intent: str | None = None
    claim_ref: str | None = None
    customer_id: str | None = None
    language: str | None = None


@dataclass
class HandoffWaiting:
    """The answers of a waiting conversation, configured from ``settings``.

    Args:
        settings: office hours, waits and the claims database.
        engine: the claims database (made from ``settings`` on first use if omitted).
        clock: timezone-aware now (tests move it).
    """

    settings: Settings
    engine: Engine | None = None
    clock: Callable[[], datetime] = utcnow
    hours: OfficeHours = field(init=False)

    def __post_init__(self) -> None:
        self.hours = OfficeHours.from_settings(self.settings)

    @property
    def wait(self) -> timedelta:
        """The promised wait, in office time."""
        return timedelta(minutes=self.settings.handoff_wait_minutes)

    @property
    def ack_interval(self) -> timedelta:
        """The shortest time between two short acknowledgements."""
        return timedelta(minutes=self.settings.handoff_ack_interval_minutes)

    def _engine(self) -> Engine:
        if self.engine is None:
            from cssecure.claims.db import create_engine

            self.engine = create_engine(self.settings.database_url)
        return self.engine

    # ----------------------------------------------------------------- reading

    def reply_by(self, since: float) -> datetime:
        """When we aim to answer a handoff made at ``since`` (unix time)."""
        return self.hours.reply_by(datetime.fromtimestamp(since, timezone.utc), self.wait)

    def deadline(self, state: WaitState) -> datetime | None:
        """The promised time of a wait: stamped on its pause, else computed."""
        if state.reply_by is not None:
            return datetime.fromtimestamp(state.reply_by, timezone.utc)
        if state.since is not None:
            return self.reply_by(state.since)
        return None

    def place(self, conversation_id: str, now: datetime) -> Place:
        """The conversation's place in the queue (unknown when the database is down)."""
        try:
            return place_in_queue(self._engine(), conversation_id, now)
        except SQLAlchemyError as exc:
            logger.warning("Handoff queue not read (%s)", type(exc).__name__)
            return Place(None, 0)

    def claim_statuses(self, message: Message) -> list[tuple[str, str]] | None:
        """``(reference, status)`` of the claims filed in this conversation, the one it is
        about and (signed in) the customer's, newest first (at most 5); None when the
        claims database cannot be read."""
        claims = orm.claims
        which = claims.c.conversation_id == message.conversation_id
        if message.claim_ref:
            which = which | (claims.c.reference == message.claim_ref)
        if message.customer_id:
            which = which | (claims.c.customer_id == message.customer_id)
        try:
            with self._engine().connect() as conn:
                rows = conn.execute(
                    sa.select(claims.c.reference, claims.c.status)
                    .where(which)
                    .order_by(claims.c.created_at.desc(), claims.c.id.desc())
                    .limit(5)
                ).all()
        except SQLAlchemyError as exc:
            logger.warning("Claim status not read (%s)", type(exc).__name__)
            return None
        return [(str(r), str(s)) for r, s in rows]

    # ------------------------------------------------------------- deciding

    def expired_text(
        self, conversation_id: str, deadline: datetime, now: datetime,
        language: str | None = None,
    ) -> str:
        """The text telling the customer the promised time has passed (in ``language``)."""
        return texts.expired(
            promised=self.hours.when_in_zone(deadline, now, language),
            place=self.place(conversation_id, now),
            hours=self.hours.describe(now, language),
            open_now=self.hours.is_open(now),
            language=language,
        )

    def decide(self, state: WaitState, message: Message, now: datetime) -> Reply | None:
        """The answer to ``message`` in a conversation in ``state`` (None: stay silent).

        Blocking (reads the claims database): call it from a worker thread.
        """
        if not state.waiting:
            return None
        text = message.text.strip()
        if not text or text.startswith(("/session_start", "/restart")):
            return None
        language = message.language
        if asks_for_assistant(text):
            return Reply(RESUMED, tr(language, texts.RESUMED), resume=True)
        if asks_for_status(text, message.intent):
            statuses = self.claim_statuses(message)
            if statuses is None:
                return Reply(STATUS, tr(language, texts.STATUS_UNAVAILABLE))
            if not statuses:
                return Reply(STATUS, tr(language, texts.NO_CLAIM_STATUS))
            place = self.place(message.conversation_id, now)
            return Reply(STATUS, texts.status_lines(statuses, place, language))
        deadline = self.deadline(state)
        expired = deadline is not None and deadline <= now
        if expired and not state.expired_told:
            assert deadline is not None
            return Reply(
                EXPIRED,
                self.expired_text(message.conversation_id, deadline, now, language),
                (texts.continue_button(language),),
            )
        if not state.full_sent and not expired:
            assert deadline is not None
            place = self.place(message.conversation_id, now)
            text = texts.full_ack(
                open_now=self.hours.is_open(now),
                hours=self.hours.describe(now, language),
                zone=self.hours.zone_label(now, language),
                reply_by=self.hours.when(deadline, now, language),
                place=place,
                wait_minutes=self.settings.handoff_wait_minutes,
                language=language,
            )
            return Reply(
                FULL, text, (texts.status_button(language), texts.continue_button(language))
            )
        last = state.last_short_at
        if last is not None and now.timestamp() - last < self.ack_interval.total_seconds():
            return None  # said a moment ago: no flood of acknowledgements
        place = self.place(message.conversation_id, now)
        return Reply(
            SHORT,
            texts.short_ack(place, file=is_file(text), offer_assistant=expired,
                            language=language),
            (texts.continue_button(language),) if expired else (),
        )

    # ------------------------------------------------ inside the Rasa server

    async def answer(self, tracker: Any, output_channel: Any) -> Reply | None:
        """Answer the message just logged in a paused ``tracker`` (Rasa's processor, under
        the conversation's lock; the processor saves the tracker afterwards)."""
        from rasa.shared.core.constants import ACTION_LISTEN_NAME
        from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationResumed

        state = wait_state(tracker.events)
        latest = tracker.latest_message
        if not state.waiting or latest is None:
            return None
        verified = bool(tracker.get_slot("verified")) if "verified" in tracker.slots else False
        customer = tracker.get_slot("customer_id") if "customer_id" in tracker.slots else None
        claim_ref = tracker.get_slot("claim_ref") if "claim_ref" in tracker.slots else None
        message = Message(
            conversation_id=tracker.sender_id,
            text=latest.text or "",
            intent=(latest.intent or {}).get("name"),
            claim_ref=claim_ref if isinstance(claim_ref, str) else None,
            customer_id=customer if verified and isinstance(customer, str) else None,
            language=tracker_language(tracker),
        )
        now = self.clock()
        reply = await asyncio.to_thread(self.decide, state, message, now)
        if reply is None:
            return None
        if reply.resume:
            # As the console's "Hand back" (RasaConversations.resume): resumed, listening.
            tracker.update(ConversationResumed(metadata=dict(RESUMED_BY_CUSTOMER)))
            tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        buttons = [dict(b) for b in reply.buttons]
        body: dict[str, Any] = {"text": reply.text}
        if buttons:
            body["buttons"] = [dict(b) for b in buttons]
        await output_channel.send_response(tracker.sender_id, body)
        tracker.update(
            BotUttered(
                reply.text,
                data={"buttons": buttons} if buttons else {},
                metadata={NOTICE_KEY: reply.kind},
                timestamp=now.timestamp(),
            )
        )
        return reply

    async def started(self, tracker: Any, first_new: int) -> None:
        """The message just handled paused the conversation: stamp the promised time on
        the assistant's pause and schedule the job that tells the customer when it has
        passed."""
        from rasa.shared.core.events import ConversationPaused

        new = list(itertools.islice(tracker.events, first_new, None))
        pause = next(
            (
                e
                for e in reversed(new)
                if isinstance(e, ConversationPaused)
                and (e.metadata or {}).get("sender") != AGENT_SENDER
            ),
            None,
        )
        if pause is None:
            return
        deadline = self.reply_by(pause.timestamp)
        pause.metadata = {**(pause.metadata or {}), WAIT_KEY: {"reply_by": deadline.timestamp()}}
        channel = _channel_of(tracker)
        try:
            await asyncio.to_thread(
                self.schedule, tracker.sender_id, channel, pause.timestamp, deadline
            )
        except SQLAlchemyError as exc:  # the next message still tells the customer
            logger.warning("Handoff wait not scheduled (%s)", type(exc).__name__)

    def schedule(
        self, conversation_id: str, channel: str | None, since: float, deadline: datetime
    ) -> None:
        """Queue the ``handoff_wait`` job in the outbox, due at ``deadline``."""
        with self._engine().begin() as conn:
            conn.execute(
                orm.outbox.insert().values(
                    topic=JOB_TOPIC,
                    payload={
                        "conversation_id": conversation_id,
                        "channel": channel,
                        "since": since,
                        "reply_by": deadline.timestamp(),
                    },
                    created_at=self.clock().astimezone(timezone.utc),
                    attempts=0,
                    # UTC: SQLite keeps the wall time only (the worker compares in UTC).
                    next_attempt_at=deadline.astimezone(timezone.utc),
                )
            )

    # ----------------------------------------------- in the outbox worker

    def check_wait(self, payload: Mapping[str, Any], conversations: Any) -> None:
        """The ``handoff_wait`` job: if the conversation still waits for the same handoff
        and nobody told the customer yet, tell them the promised time has passed (pushed
        in their channel with the "Continue with the assistant" button).

        Raises:
            cssecure.notify.outbox.JobNotDue: the promised time is still ahead.
            cssecure.notify.outbox.JobGiveUp: the customer cannot be reached at all (they
                blocked the bot): recorded, never retried.
            RasaUnavailable, CustomerNotReached: try again later.
        """
        from cssecure.handoff.rasa_api import CustomerUnreachable
        from cssecure.notify.outbox import JobGiveUp, JobNotDue

        conversation = payload.get("conversation_id")
        if not isinstance(conversation, str) or not conversation:
            return
        events = conversations.events(conversation)
        state = wait_state(events)
        since = payload.get("since")
        same_wait = (
            state.since is not None
            and isinstance(since, (int, float))
            and abs(state.since - float(since)) < 0.001
        )
        if not state.waiting or state.expired_told or not same_wait:
            return  # taken, handed back, resumed, or already told: nothing to say
        now = self.clock()
        deadline = self.deadline(state)
        if deadline is None:
            return
        if deadline > now:
            raise JobNotDue(deadline)
        channel = payload.get("channel")
        if channel not in PUSH_CHANNELS:
            return  # no push (REST): told at their next message
        language = _language_of(latest_slot(events, "language"))
        try:
            conversations.notify(
                channel,
                conversation,
                self.expired_text(conversation, deadline, now, language),
                [texts.continue_button(language)],
                EXPIRED,
            )
        except CustomerUnreachable as exc:
            raise JobGiveUp(str(exc)) from exc


CARRIED_KEY = "carried_over"


def carried_pause(events: Iterable[Any]) -> dict[str, Any] | None:
    """The metadata for the pause that continues the current one in a new session, or None
    when ``events`` (oldest first) do not end paused.

    The agent's or the assistant's pause metadata is kept (who holds it, the promised time);
    a wait's start goes in ``handoff_wait.since`` so that its job and its answers still see
    the same wait (:func:`wait_state`).
    """
    ordered = list(events)
    for event in reversed(ordered):
        kind, metadata, stamp = _fields(event)
        if kind in ("resume", "session_started", "restart"):
            return None
        if kind == "pause":
            carried: dict[str, Any] = {**metadata, CARRIED_KEY: True}
            if metadata.get("sender") != AGENT_SENDER:
                wait = metadata.get(WAIT_KEY)
                wait = dict(wait) if isinstance(wait, Mapping) else {}
                wait.setdefault("since", stamp)
                carried[WAIT_KEY] = wait
            return carried
    return None


def tracker_language(tracker: Any) -> str | None:
    """The ``language`` slot of a Rasa tracker when it is one of ours (None: English)."""
    return _language_of(tracker.get_slot("language") if "language" in tracker.slots else None)


def _channel_of(tracker: Any) -> str | None:
    """The channel of a conversation: its latest message's metadata, else its slot."""
    latest = tracker.latest_message
    metadata = getattr(latest, "metadata", None) or {}
    channel = metadata.get("channel") if isinstance(metadata, Mapping) else None
    if not isinstance(channel, str) and "channel" in tracker.slots:
        channel = tracker.get_slot("channel")
    if not isinstance(channel, str):
        channel = getattr(latest, "input_channel", None)
    return channel if isinstance(channel, str) else None


# ------------------------------------------------------------ processor hook

_service: HandoffWaiting | None = None


def configure(service: HandoffWaiting | None) -> None:
    """Use ``service`` for the replies of waiting conversations (None: stay silent)."""
    global _service
    _service = service


def configured() -> HandoffWaiting | None:
    """The service in use, if any."""
    return _service


def serve_waiting_replies(settings: Settings | None, channel: str) -> None:
    """Answer the messages of waiting conversations with ``settings``'s service.

    Our channels call it when Rasa mounts them (``blueprint``); ``settings`` (re)configures
    the service (None: keep the one in use). The hook into Rasa's message processor that
    calls it is a patch of :mod:`cssecure.rasa_server.handoff`, installed only by
    :func:`cssecure.rasa_server.install` (which :mod:`cssecure.ops.rasa_run` calls before
    Rasa starts): this never installs it, and warns, naming ``channel``, when it is not in
    force (a Rasa server started by hand with ``rasa run``).

    Raises:
        OfficeHoursError: the office hours settings cannot be read.
    """
    from cssecure.rasa_server import warn_unless_installed

    if settings is not None and (_service is None or _service.settings != settings):
        configure(HandoffWaiting(settings))
    warn_unless_installed(f"the {channel} channel")


async def after_turn(tracker: Any, output_channel: Any, *, was_paused: bool, before: int) -> None:
    """What follows Rasa's handling of one message (called by the processor hook).

    Args:
        tracker: the conversation's ``DialogueStateTracker``, after the turn.
        output_channel: the message's own output channel.
        was_paused: whether the conversation was paused before the turn.
        before: how many events the tracker had before the turn.
    """
    # The channels tell their own refusals in the language the conversation now has.
    from cssecure.channels.intake import remember_language

    remember_language(tracker.sender_id, tracker_language(tracker))
    service = _service
    if service is None:
        return
    try:
        if was_paused and tracker.is_paused():
            await service.answer(tracker, output_channel)
        elif not was_paused and tracker.is_paused():
            await service.started(tracker, before)
    except Exception:  # noqa: BLE001 - the customer's message is kept whatever happens
        # Never the text or the tracker: customer data.
        logger.exception("Handoff reply failed")
