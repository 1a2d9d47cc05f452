"""The loopback test servers (tests/loopback.py) answer while in use and are gone after."""

from __future__ import annotations

import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from loopback import ServerThread, serve
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = b"hello " + self.path.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_serve_answers_on_loopback_and_closes_the_port_on_exit() -> None:
    with serve(_Hello) as url:
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(f"{url}/x", timeout=5) as answer:  # noqa: S310
            assert answer.read() == b"hello /x"
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{url}/x", timeout=5)  # noqa: S310


def test_a_sanic_app_served_from_a_thread_runs_its_listeners_and_stops() -> None:
    Sanic.test_mode = True  # several apps in one test process
    app = Sanic("loopback_test_app")
    heard: list[str] = []

    @app.get("/x")
    async def x(request: Request) -> HTTPResponse:
        return response.text("hello")

    @app.after_server_start
    async def started(*_: Any) -> None:
        heard.append("started")

    @app.after_server_stop
    async def stopped(*_: Any) -> None:
        heard.append("stopped")

    server = ServerThread(app).start()
    with urllib.request.urlopen(f"{server.url}/x", timeout=5) as answer:  # noqa: S310
        assert answer.read() == b"hello"
    assert heard == ["started"]
    server.stop()
    assert heard == ["started", "stopped"]
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{server.url}/x", timeout=5)  # noqa: S310
