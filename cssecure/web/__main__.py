"""``python -m cssecure.web [--no-demo] [--no-console] [--host H] [--port P]``: serve the web app.

Loopback by default (``127.0.0.1``); a deployment names the interface (``--host 0.0.0.0``)
and leaves the demo out: the demo page signs anyone in as a demo customer without a
password, so it is refused on any address other machines can reach.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
from collections.abc import Sequence

from sanic import Sanic

from cssecure.settings import Settings
from cssecure.web.app import create_app

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or name to listen on) is reachable from this machine only."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name other than localhost: may resolve to any interface


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line; exits with a message for a demo served beyond loopback."""
    parser = argparse.ArgumentParser(prog="python -m cssecure.web", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1",
                        help="the interface to listen on (default: loopback only)")
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument(
        "--no-demo", action="store_true", help="leave out the demo page and sign-in"
    )
    parser.add_argument(
        "--no-console", action="store_true",
        help="leave out the agent console and its background jobs (the upload benchmark)",
    )
    args = parser.parse_args(argv)
    if not args.no_demo and not is_loopback(args.host):
        parser.error(
            f"the demo page signs anyone in as a demo customer without a password: it is "
            f"not served on {args.host}, which other machines can reach. Add --no-demo, "
            f"or listen on 127.0.0.1."
        )
    return args


def build_app(args: argparse.Namespace, settings: Settings) -> Sanic:
    """The web app the command line asks for (demo and console in or out)."""
    return create_app(
        settings, demo=not args.no_demo, console=not args.no_console, name="cssecure_web"
    )


def main() -> None:
    """Serve on ``settings.web_port`` (or ``--port``) until stopped."""
    args = parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = Settings.from_env()
    app = build_app(args, settings)
    app.run(host=args.host, port=args.port or settings.web_port, access_log=False)

if __name__ == "__main__":
    main()
