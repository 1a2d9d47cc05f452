"""The website widget's socket.io channel: Rasa's ``SocketIOInput`` with identity.

Rasa 3.6's ``SocketIOInput`` lets the browser choose the conversation (``session_id``) and
trusts it on every message, so anyone who learns or guesses an id can read and write
another customer's conversation. This channel decides the conversation on the server:

* ``connect``: an optional customer token (``auth.token``, a JWT, see
  :mod:`cssecure.identity.tokens`) is verified; a forged or expired token refuses the connection
  with a readable message. No token: the visitor is anonymous.
* ``session_request``: a verified customer always gets the conversation derived from the
  customer id; an anonymous visitor resumes a conversation only with its session token
  (``session_token``) and otherwise gets a fresh random one. Any ``session_id`` the
  browser sends is ignored. The answer ``session_confirm`` is
  ``{"session_id", "verified", "session_token", "history", "idle", "language"}``: the
  history (from the tracker store) is what lets the widget show the conversation again
  after a reload; ``idle`` (:func:`settled`) lets it offer its starters again under it.
* ``user_uttered``: the message goes to the conversation bound to this socket, with
  server-made metadata ``{"channel": "web", "customer_id", "verified"}`` plus ``locale``
  when the widget sends a valid BCP-47 tag with the message (``{"message", "locale"}``: the
  host page's ``lang``, else ``navigator.language``); a message that names another
  conversation is refused. The message goes through
  :func:`cssecure.channels.intake.admit` like on every channel: normalised, rate-limited,
  length-capped, and an intent payload only when it is a button the assistant offered in
  this conversation's recent messages (read from the tracker store); typed text loses its
  leading slashes and invisible characters, so nobody can type ``/inform{"evidence_id":
  ...}`` or any other intent with made-up entities. The channel's own answers
  (``chat_error``: refusals) are in the conversation's language, else the widget's
  ``locale`` (issue 14).

Two endpoints under ``/webhooks/web/`` let our own services reach a conversation; both
require ``Authorization: Bearer <RASA_TOKEN>``:

* ``POST /webhooks/web/push`` ``{"conversation_id", "text", "agent_name"?, "buttons"?}``:
  an agent's message, recorded in the tracker and shown in the widget; with ``"notice"``
  instead of an agent's name, the assistant's own (e.g. the wait for a person ran out:
  :mod:`cssecure.handoff.waiting`, installed when the channel is mounted).
* ``POST /webhooks/web/inject`` ``{"conversation_id", "message", "customer_id", "verified",
  "display"?}``: a user message on the customer's behalf (the web app uses it to tell the
  bot about an uploaded evidence file): a notice built by our own service, checked by
  :func:`~cssecure.channels.intake.admit` for its conversation id, size and depth.

Configure in ``credentials.yml``::

    cssecure.channels.socketio.WebSocketIOInput:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer
from socketio.exceptions import ConnectionRefusedError as SocketRefused

from cssecure.channels.common import MAX_MESSAGE_CHARS, client_key
from cssecure.channels.core import PushRequest, mount_push_route, unauthorised
from cssecure.channels.intake import (
    REFUSED_LENGTH,
    admit,
    clean_text,
    notice_language,
    remembered_language,
)
from cssecure.handoff.waiting import serve_waiting_replies
from cssecure.i18n.catalog import N_, tr
from cssecure.identity.tokens import (
    TokenRejected,
    WebIdentity,
    client_language,
    customer_conversation_id,
    issue_session_token,
    new_anonymous_conversation_id,
    verify_customer_token,
    verify_session_token,
    widget_key,
)
from cssecure.settings import Settings

logger = logging.getLogger(__name__)

HISTORY_LIMIT = 100
ERROR_EVT = "chat_error"

STILL_CONNECTING = N_("The chat is still connecting. Please try again.")
NOT_YOUR_SESSION = N_("This chat session does not belong to you.")
KEEP_SHORT = N_("Please keep messages under {limit} characters.")


def evidence_custom(custom: Any) -> dict[str, Any] | None:
    """The part of a bot message's ``custom`` payload the widget acts on: ``{"evidence_request":
    {"kind", "kinds"?, "later_payload"?}}`` (an evidence question's file panel), else None."""
    request = custom.get("evidence_request") if isinstance(custom, dict) else None
    if not isinstance(request, dict) or not isinstance(request.get("kind"), str):
        return None
    kept: dict[str, Any] = {"kind": request["kind"]}
    kinds = request.get("kinds")
    if isinstance(kinds, list) and kinds and all(isinstance(k, str) for k in kinds):
        kept["kinds"] = kinds
    if isinstance(request.get("later_payload"), str):
        kept["later_payload"] = request["later_payload"]
    return {"evidence_request": kept}


class WidgetOutput(SocketIOOutput):
    """Rasa's socket.io output, with an evidence question as one ``bot_uttered`` message.

    Rasa emits a reply's text with its buttons, then its ``custom`` payload apart (and
    passes the payload's keys to ``AsyncServer.emit`` as arguments, which fails on any key
    but emit's own). The widget needs the question, its buttons and its file panel's
    request together: ``{"text", "quick_replies", "custom": {"evidence_request"}}``.
    """

    async def emit_message(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Emit ``message`` as one ``bot_uttered`` to the conversation's room, as Rasa's
        output does with each of its messages (through its attributes, not its private
        method)."""
        await self.sio.emit(self.bot_message_evt, message, room=recipient_id)

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Send one reply; an evidence question as one message (see the class)."""
        custom = evidence_custom(message.get("custom"))
        text = message.get("text")
        if custom is None or not isinstance(text, str) or not text.strip():
            await super().send_response(recipient_id, message)
            return
        buttons = message.get("quick_replies") or message.get("buttons") or []
        await self.emit_message(recipient_id, {
            "text": text.strip(),
            "quick_replies": [
                {"content_type": "text", "title": b["title"], "payload": b["payload"]}
                for b in buttons
            ],
            "custom": custom,
        })

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """A custom payload as the ``custom`` key of one message (never emit's arguments)."""
        await self.emit_message(recipient_id, {"custom": json_message})


def settled(tracker: Any) -> bool:
    """Whether a conversation waits for nothing: no form asks a question and no person
    holds it. A returning customer is then offered the starters again under the history
    (issue 17: a finished claim is no dead end); otherwise they answer where they left off.

    Args:
        tracker: Rasa's ``DialogueStateTracker`` of the conversation.
    """
    return tracker.active_loop_name is None and not tracker.is_paused()


def history_from_events(
    events: Iterable[Mapping[str, Any]], limit: int = HISTORY_LIMIT
) -> list[dict[str, Any]]:
    """The messages of a conversation as the widget shows them, oldest first.

    Args:
        events: serialised tracker events (``Event.as_dict()``).
        limit: how many of the latest messages to keep.

    Returns:
        ``{"sender": "user"|"bot"|"agent", "text", "quick_replies"?, "custom"?, "at"?}``
        items (``at``: the event's Unix time in seconds, when it has one: the widget shows
        it; ``custom``: an evidence question's ``{"evidence_request"}``, see
        :func:`evidence_custom`). Button
        payloads (``/affirm``) are shown with the title of the button that sent them;
        other internal payloads are shown by their ``display`` metadata or left out.
    """
    items: list[dict[str, Any]] = []
    titles: dict[str, str] = {}
    for event in events:
        kind = event.get("event")
        text = event.get("text") or ""
        metadata = event.get("metadata") or {}
        if kind == "user":
            shown = text
            if text.startswith("/"):
                shown = metadata.get("display") or titles.get(text) or ""
            if shown:
                items.append(_stamped({"sender": "user", "text": shown}, event))
        elif kind == "bot":
            data = event.get("data") or {}
            buttons = data.get("buttons") or data.get("quick_replies") or []
            item: dict[str, Any] = {
                "sender": "agent" if metadata.get("sender") == "agent" else "bot",
                "text": text,
            }
            if metadata.get("agent_name"):
                item["agent_name"] = metadata["agent_name"]
            if buttons:
                item["quick_replies"] = [
                    {"title": b.get("title", ""), "payload": b.get("payload", "")}
                    for b in buttons
                ]
                titles.update({b.get("payload", ""): b.get("title", "") for b in buttons})
            custom = evidence_custom(data.get("custom"))
            if custom and text:
                # An evidence question: the widget shows its file panel again under it
                # when it is still the last message.
                item["custom"] = custom
            if text or buttons:
                items.append(_stamped(item, event))
    return items[-limit:]


def _stamped(item: dict[str, Any], event: Mapping[str, Any]) -> dict[str, Any]:
    """The item with its event's time (``at``, Unix seconds), when the event has one."""
    timestamp = event.get("timestamp")
    if isinstance(timestamp, (int, float)) and not isinstance(timestamp, bool):
        item["at"] = float(timestamp)
    return item


def _address(environ: Any) -> str | None:
    """The client's address of a socket.io connection (Sanic's request), if known."""
    request = environ.get("sanic.request") if isinstance(environ, dict) else None
    address = getattr(request, "remote_addr", None) or getattr(request, "ip", None)
    return address if isinstance(address, str) and address else None


def _display(value: Any) -> str | None:
    """A ``display`` text (how a button press or notice is shown) cleaned like any text."""
    if not isinstance(value, str):
        return None
    return clean_text(value)[:200] or None


def _agent(bp: Blueprint) -> Any:
    """The Rasa agent of the app the blueprint is registered on, or None."""
    app = getattr(bp.ctx, "app", None)
    return getattr(getattr(app, "ctx", None), "agent", None)


class _WebSocketBlueprint(SocketBlueprint):
    """Rasa's socket blueprint that also remembers the app (for its agent and stores)."""

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        self.ctx.app = app
        super().register(app, options)


class WebSocketIOInput(SocketIOInput):
    """socket.io input channel for the website widget, with verified identity."""

    @classmethod
    def name(cls) -> str:
        return "web"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        return cls(
            settings=Settings.from_env(),
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            namespace=credentials.get("namespace"),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
        )

    def __init__(
        self,
        settings: Settings,
        user_message_evt: str = "user_uttered",
        bot_message_evt: str = "bot_uttered",
        namespace: str | None = None,
        socketio_path: str = "/socket.io",
    ) -> None:
        """Create the channel; secrets come from ``settings`` (the environment)."""
        super().__init__(
            user_message_evt=user_message_evt,
            bot_message_evt=bot_message_evt,
            namespace=namespace,
            session_persistence=True,
            socketio_path=socketio_path,
        )
        self.settings = settings
        self.key = widget_key(settings)
        self.service_token = settings.rasa_token
        self.app: Sanic | None = None

    def _output(self) -> SocketIOOutput:
        assert self.sio is not None
        return WidgetOutput(self.sio, self.bot_message_evt)

    def get_output_channel(self) -> OutputChannel | None:
        return None if self.sio is None else self._output()

    async def _history(
        self, sio_blueprint: Blueprint, conversation_id: str
    ) -> tuple[list[dict], bool]:
        """The conversation so far, from the Rasa agent's tracker store (if there is one),
        and whether it is :func:`settled`."""
        app = getattr(sio_blueprint.ctx, "app", None)
        agent = getattr(getattr(app, "ctx", None), "agent", None)
        store = getattr(agent, "tracker_store", None)
        if store is None:
            return [], True
        tracker = await store.retrieve(conversation_id)
        if tracker is None:
            return [], True
        return history_from_events(e.as_dict() for e in tracker.events), settled(tracker)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The socket.io server plus the push/inject endpoints."""
        serve_waiting_replies(self.settings, "widget")
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        bp = _WebSocketBlueprint(sio, self.socketio_path or "/socket.io", "web_webhook", __name__)
        self.sio = sio
        namespace = self.namespace

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: dict, auth: dict | None = None) -> bool:
            token = auth.get("token") if isinstance(auth, dict) else None
            customer_id: str | None = None
            if token:
                try:
                    customer_id = verify_customer_token(self.key, token)
                except TokenRejected as exc:
                    # The browser's connect_error handler shows this message: in the
                    # widget's language (its auth ``locale``), else the browser's.
                    language = client_language(
                        auth.get("locale") if isinstance(auth, dict) else None,
                        environ.get("HTTP_ACCEPT_LANGUAGE"),
                    )
                    raise SocketRefused(exc.text(language)) from None
            await sio.save_session(
                sid, {"customer_id": customer_id, "address": _address(environ)},
                namespace=namespace,
            )
            return True

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: Any = None) -> None:
            state = await sio.get_session(sid, namespace=namespace)
            customer_id = state.get("customer_id")
            session_token: str | None = None
            if customer_id:
                conversation_id = customer_conversation_id(self.key, customer_id)
            else:
                conversation_id = ""
                supplied = data.get("session_token") if isinstance(data, dict) else None
                if supplied:
                    try:
                        conversation_id = verify_session_token(self.key, supplied)
                    except TokenRejected:
                        conversation_id = ""  # not theirs or expired: start afresh
                if not conversation_id:
                    conversation_id = new_anonymous_conversation_id()
                session_token = issue_session_token(self.key, conversation_id)
            previous = state.get("conversation_id")
            if previous and previous != conversation_id:
                await sio.leave_room(sid, previous, namespace=namespace)
            state["conversation_id"] = conversation_id
            await sio.save_session(sid, state, namespace=namespace)
            await sio.enter_room(sid, conversation_id, namespace=namespace)
            history, idle = await self._history(bp, conversation_id)
            await sio.emit(
                "session_confirm",
                {
                    "session_id": conversation_id,
                    "verified": customer_id is not None,
                    "session_token": session_token,
                    "history": history,
                    # Settled: the widget offers its starters again under the history.
                    "idle": idle,
                    # The widget's own labels follow the conversation's language (issue 14);
                    # None: not settled, the widget keeps the page's language.
                    "language": await notice_language(_agent(bp), conversation_id),
                },
                room=sid,
                namespace=namespace,
            )

        async def refuse(sid: str, message: str) -> None:
            # Said to this socket only: the message was not taken.
            await sio.emit(ERROR_EVT, {"message": message}, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any = None) -> None:
            state = await sio.get_session(sid, namespace=namespace)
            conversation_id = state.get("conversation_id")
            if not isinstance(data, dict):
                data = {}
            locale = data.get("locale")
            if not conversation_id:
                language = await notice_language(None, None, locale)
                await refuse(sid, tr(language, STILL_CONNECTING))
                return
            claimed = data.get("session_id")
            if claimed and claimed != conversation_id:
                logger.warning("Refused a web message naming a conversation not bound to it.")
                # The language of the socket's own conversation, never of the one it named.
                language = await notice_language(_agent(bp), conversation_id, locale)
                await refuse(sid, tr(language, NOT_YOUR_SESSION))
                return
            text = data.get("message")
            if not isinstance(text, str):
                return
            admitted = await admit(
                self.name(), conversation_id, text, agent=_agent(bp),
                address=state.get("address"), hint=locale,
            )
            if admitted.text is None:
                if admitted.reply:
                    message = admitted.reply
                    if admitted.refused == REFUSED_LENGTH:
                        language = await notice_language(_agent(bp), conversation_id, locale)
                        message = tr(language, KEEP_SHORT, limit=MAX_MESSAGE_CHARS)
                    await refuse(sid, message)
                return
            text = admitted.text
            identity = WebIdentity(conversation_id, state.get("customer_id"))
            # Other tabs of the same conversation see what was typed here.
            await sio.emit(
                "user_echo",
                {"text": _display(data.get("display")) or text},
                room=conversation_id,
                skip_sid=sid,
                namespace=namespace,
            )
            await on_new_message(
                UserMessage(
                    text,
                    self._output(),
                    conversation_id,
                    input_channel=self.name(),
                    metadata={
                        **identity.metadata(data.get("locale")),
                        "client": client_key(state.get("address"), self.key),
                    },
                )
            )
            # After the turn: the conversation's language, so the widget's labels follow a
            # switch ("auf Deutsch"). A message without text: the widget shows no bubble.
            language = remembered_language(conversation_id)
            if language:
                await sio.emit(self.bot_message_evt, {"metadata": {"language": language}},
                               room=conversation_id, namespace=namespace)

        async def show_pushed(push: PushRequest) -> dict[str, Any]:
            # Shown in the conversation's widgets (recorded first: a reload shows it too).
            message: dict[str, Any] = {"text": push.text,
                                       "sender": "bot" if push.notice else "agent"}
            if push.agent_name and not push.notice:
                message["agent_name"] = push.agent_name
            if push.buttons:
                message["quick_replies"] = [{"content_type": "text", **b} for b in push.buttons]
            room = push.conversation_id
            online = bool(list(sio.manager.get_participants(namespace or "/", room)))
            await sio.emit(self.bot_message_evt, message, room=room, namespace=namespace)
            return {"online": online}

        mount_push_route(
            bp, token=lambda: self.service_token, deliver=show_pushed, record_first=True
        )

        @bp.route("/inject", methods=["POST"])
        async def inject(request: Request) -> HTTPResponse:
            refused = unauthorised(request, self.service_token)
            if refused is not None:
                return refused
            body = request.json if isinstance(request.json, dict) else {}
            conversation_id = body.get("conversation_id")
            text = body.get("message")
            if not isinstance(conversation_id, str) or not conversation_id:
                return response.json({"error": "conversation_id is required."}, status=400)
            if not isinstance(text, str) or not text.strip():
                return response.json({"error": "message is required."}, status=400)
            customer_id = body.get("customer_id")
            if not isinstance(customer_id, str) or not customer_id:
                customer_id = None
            admitted = await admit(
                self.name(), conversation_id, text.strip(), agent=_agent(bp), notice=True
            )
            if admitted.text is None:
                return response.json(
                    {"error": "conversation_id or message is not acceptable."}, status=400
                )
            metadata = WebIdentity(conversation_id, customer_id).metadata(body.get("locale"))
            if _display(body.get("display")):
                # Shown for this message when the history is replayed after a reload.
                metadata["display"] = _display(body.get("display"))
            await on_new_message(
                UserMessage(
                    admitted.text,
                    self._output(),
                    conversation_id,
                    input_channel=self.name(),
                    metadata=metadata,
                )
            )
            return response.json({"delivered": True})

        return bp
