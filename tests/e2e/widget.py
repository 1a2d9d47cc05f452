"""The website chat as the widget uses it: a socket.io client of the Rasa server's web
channel (``cssecure/channels/socketio.py``), anonymous or signed in with the customer token
the agency's site signs (``cssecure/identity/tokens.py``).

A message is sent with an acknowledgement, which the server gives once the assistant has
handled it; the replies are read from the conversation's tracker (in order) and must also
have reached this socket (the customer saw them).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import socketio

from e2e.evidence import upload
from e2e.stack import AssistantStack


class WebChat:
    """One browser tab with the chat widget open."""

    def __init__(self, stack: AssistantStack, customer_id: str | None = None) -> None:
        self.stack = stack
        self.customer_id = customer_id
        self._received: list[str] = []
        self._lock = threading.Lock()
        self._session: dict[str, Any] = {}
        confirmed = threading.Event()
        self.sio = socketio.Client(reconnection=False)

        def on_bot(data: Any = None) -> None:
            with self._lock:
                self._received.append(str((data or {}).get("text") or ""))

        def on_session(data: Any = None) -> None:
            self._session.update(data or {})
            confirmed.set()

        self.sio.on("bot_uttered", on_bot)
        self.sio.on("session_confirm", on_session)
        token = stack.customer_token(customer_id) if customer_id else None
        self.sio.connect(
            stack.rasa.url,
            transports=["polling"],
            auth={"token": token} if token else {},
            wait_timeout=30,
        )
        self.sio.emit("session_request", {})
        if not confirmed.wait(30):
            self.close()
            raise AssertionError("the web channel never confirmed the chat session")
        self.conversation_id = str(self._session["session_id"])
        self.verified = bool(self._session["verified"])

    def say(self, text: str) -> list[dict[str, Any]]:
        """Type a message; the assistant's replies (``{"text", "buttons"}``)."""
        with self._lock:
            self._received.clear()
        self.sio.call(
            "user_uttered",
            {"message": text, "session_id": self.conversation_id},
            timeout=180,
        )
        return self._delivered(self.stack.last_replies(self.conversation_id))

    def send_file(self, kind: str) -> list[dict[str, Any]]:
        """Upload an evidence file of ``kind`` (see ``e2e.evidence.upload``); the replies."""
        with self._lock:
            self._received.clear()
        _, replies = upload(self.stack, self.conversation_id, self.customer_id, kind)
        return self._delivered(replies)

    def _delivered(
        self, replies: list[dict[str, Any]], timeout_s: float = 15
    ) -> list[dict[str, Any]]:
        """Wait until the socket has received the replies the tracker recorded (Rasa's
        socket.io output sends each paragraph of a reply as a message of its own)."""
        wanted = Counter(
            part
            for reply in replies
            for part in str(reply.get("text") or "").strip().split("\n\n")
        )
        deadline = time.monotonic() + timeout_s
        while True:
            with self._lock:
                got = Counter(self._received)
            if not wanted - got:
                return replies
            if time.monotonic() > deadline:
                raise AssertionError(f"the widget never received {sorted(wanted - got)}")
            time.sleep(0.05)

    def close(self) -> None:
        """Leave (a graceful polling disconnect would wait for the server's next ping)."""
        self.sio.eio.disconnect(abort=True)
