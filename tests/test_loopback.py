"""The loopback test servers (tests/loopback.py) answer while in use and are gone after."""

from __future__ import annotations

import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from loopback import serve


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
