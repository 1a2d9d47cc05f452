"""Test servers on the loopback address, each started and stopped one way:

- :func:`serve`: a ``http.server`` handler (a fake of a service outside the stack: a
  carrier's API, a team's webhook, an action server) in a background thread;
- :func:`served`: a Sanic app (a channel, a web app, Rasa's own server) in the running event
  loop, with its start and stop listeners;
- :class:`ServerThread`: :func:`served` in a background thread with its own event loop, for
  synchronous tests.

Nothing here listens on anything but 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sanic import Sanic

from cssecure.ops.launch import free_port

__all__ = ["ServerThread", "serve", "served"]

HOST = "127.0.0.1"
# How long a start or a stop may take before the test is told.
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


@contextmanager
def serve(
    handler_class: type[BaseHTTPRequestHandler], poll_interval_s: float = 0.5
) -> Iterator[str]:
    """Serve ``handler_class`` on a free loopback port from a daemon thread (one thread per
    request); yields the base URL (``http://127.0.0.1:<port>``), shuts the server down and
    joins its thread on exit.

    Args:
        handler_class: the request handler.
        poll_interval_s: how often the server looks for the shutdown request (the longest
            an exit waits for it).
    """
    server = ThreadingHTTPServer((HOST, 0), handler_class)
    thread = threading.Thread(target=server.serve_forever, args=(poll_interval_s,),
                              daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(STOP_TIMEOUT_S)


@asynccontextmanager
async def served(app: Sanic, port: int | None = None) -> AsyncIterator[str]:
    """Run ``app`` in this event loop on ``port`` (default: a free one) on the loopback
    address, with its start and stop listeners; yields its base URL."""
    port = free_port() if port is None else port
    server = await app.create_server(
        host=HOST, port=port, return_asyncio_server=True, access_log=False
    )
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield f"http://{HOST}:{port}"
    finally:
        await server.before_stop()
        await server.close()
        await server.after_stop()


class ServerThread:
    """Serve a Sanic app on 127.0.0.1:<free port> (:func:`served`) from a background thread
    with its own event loop, until :meth:`stop`."""

    def __init__(self, app: Sanic) -> None:
        self.app = app
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stopping: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        try:
            async with served(self.app, self.port):
                self._ready.set()
                await self._stopping.wait()
        except BaseException as exc:  # a failed start is reported to the test thread
            if self._ready.is_set():
                raise
            self._error = exc
            self._ready.set()

    def start(self) -> ServerThread:
        """Start serving; returns once the app answers.

        Raises:
            RuntimeError: the app did not start in time.
            BaseException: what the app raised while starting.
        """
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_S):
            raise RuntimeError(f"{self.app.name} did not start")
        if self._error is not None:
            raise self._error
        return self

    def call(self, coro: Any, timeout: float = 10) -> Any:
        """Run a coroutine on the server's loop (e.g. to read its tracker store)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        """Stop serving (the app's stop listeners run) and join the thread."""
        if self._stopping is not None:
            self.loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(STOP_TIMEOUT_S)
        if not self._thread.is_alive():
            self.loop.close()
