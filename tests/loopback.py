"""Test servers on the loopback address, each started and stopped one way:

- :func:`serve`: a ``http.server`` handler (a fake of a service outside the stack: a
  carrier's API, a team's webhook, an action server) in a background thread.

Nothing here listens on anything but 127.0.0.1.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["serve"]

HOST = "127.0.0.1"
# How long a stop may take before the test goes on.
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
