"""``python -m cssecure.web [--no-demo] [--host H] [--port P]``: serve the web app."""

from __future__ import annotations

import argparse
import logging

from cssecure.settings import Settings
from cssecure.web.app import create_app


def main() -> None:
    """Serve on ``settings.web_port`` (or ``--port``) until stopped."""
    parser = argparse.ArgumentParser(prog="python -m cssecure.web", description=__doc__)
    parser.add_argument("--host", default="0.0.0.0")  # noqa: S104 - a server listens on all interfaces
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument(
        "--no-demo", action="store_true", help="leave out the demo page and sign-in"
    )
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = Settings.from_env()
    app = create_app(settings, demo=not args.no_demo, name="cssecure_web")
    app.run(host=args.host, port=args.port or settings.web_port, access_log=False)

if __name__ == "__main__":
    main()
