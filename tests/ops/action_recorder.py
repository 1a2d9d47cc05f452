"""A recording relay between a Rasa server and its action server, for the tests that look at
what Rasa sends (tests/ops/test_patches_in_force.py): every call is recorded (the client's
port, its ``Authorization`` header, its body) and passed on unchanged to the real action
server, whose answer goes back unchanged; while ``failing`` it answers 500 itself, as an
action server that is down."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cssecure.ops.launch import LocalStack, Server

# The one origin the shared Rasa server of tests/ops answers CORS for (conftest.py).
ALLOWED_ORIGIN = "https://www.cssbuy.example"


@dataclass
class Call:
    """One call the Rasa server made to the action server."""

    peer_port: int
    authorization: str | None
    body: dict[str, Any]


@dataclass
class ActionRecorder:
    """Relays to ``target`` (the action server's webhook URL) and records the calls."""

    target: str
    calls: list[Call] = field(default_factory=list)
    failing: bool = False
    server: ThreadingHTTPServer | None = None

    def _relay(self, data: bytes, authorization: str | None) -> tuple[int, bytes]:
        if self.failing:
            return 500, b'{"error": "down"}'
        headers = {"Content-Type": "application/json"}
        if authorization is not None:
            headers["Authorization"] = authorization
        request = urllib.request.Request(self.target, data=data, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 - loopback
                return int(answer.status), answer.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def start(self) -> str:
        """Serve on a free loopback port; returns the webhook URL to give Rasa."""
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as rasa_sdk's Sanic server

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                data = self.rfile.read(int(self.headers["Content-Length"]))
                authorization = self.headers.get("Authorization")
                recorder.calls.append(
                    Call(self.client_address[1], authorization, json.loads(data)))
                status, answer = recorder._relay(data, authorization)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/webhook"

    def stop(self) -> None:
        """Stop serving."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@dataclass
class OpsStack:
    """The stack tests/ops share (conftest.py): ``stack`` (env, tokens, logs), its two
    servers and the relay between them."""

    stack: LocalStack
    actions: Server
    rasa: Server
    recorder: ActionRecorder
