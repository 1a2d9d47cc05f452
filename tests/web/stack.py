"""A real stack for the browser tests: Rasa server + action server + web app on free ports.

The model: ``CSSECURE_TEST_MODEL`` if set, else the newest ``models/*.tar.gz`` (the
dialogue's trained model), else the tiny assistant in ``tests/web/stack_bot`` trained once
into ``var/test-models/`` (keyed by a hash of its files, so it is reused until they change).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from cssecure.ops import launch
from cssecure.ops.launch import (
    BIN,
    Server,
    free_port,
    rasa_run_args,
    rasa_server_argv,
    spawn,
    stack_env,
    stop_all,
    wait_all,
    web_app_argv,
    write_endpoints,
)
from cssecure.settings import new_secret

BOT_DIR = Path(__file__).resolve().parent / "stack_bot"


def model_for_tests(log_dir: Path) -> Path:
    """The model the browser tests run (see the module docstring)."""
    found = launch.model_for_tests()
    if found is not None:
        return found
    return launch.bot_model(BOT_DIR, "widget-test", log=log_dir / "train.log", timeout_s=600)


@dataclass
class RunningStack:
    """URLs and settings of the started stack; :meth:`stop` ends every process."""

    rasa_url: str
    web_url: str
    env: dict[str, str]
    processes: list[Server] = field(default_factory=list)

    def stop(self) -> None:
        """Stop every process (SIGTERM to its group, SIGKILL 15 s later)."""
        stop_all(self.processes, grace_s=15)


def start_stack(
    tmp: Path, env_extra: dict[str, str], timeout_s: float = 300, rest: str = "rest"
) -> RunningStack:
    """Start action server, Rasa server and web app; wait until each answers its health check.

    ``rest``: the REST channel's entry in ``credentials.yml`` (Rasa's own ``rest``, or ours,
    ``cssecure.channels.rest.CSSecureRestInput`` as in the project's credentials.yml).
    """
    model = model_for_tests(tmp)
    rasa_port, action_port, web_port = free_port(), free_port(), free_port()
    (tmp / "credentials.yml").write_text(
        f"{rest}:\n"
        "cssecure.channels.socketio.WebSocketIOInput:\n"
        "  user_message_evt: user_uttered\n"
        "  bot_message_evt: bot_uttered\n"
    )
    # The repository's endpoints (tracker and lock stores), this stack's action server.
    endpoints = write_endpoints(f"http://127.0.0.1:{action_port}/webhook", tmp / "endpoints.yml")
    env = {
        **os.environ,
        **stack_env(tmp / "var"),
        "CSSECURE_RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "CSSECURE_ACTION_URL": f"http://127.0.0.1:{action_port}/webhook",
        "CSSECURE_WEB_PORT": str(web_port),
        # The action server refuses calls without it (cssecure/ops/action_server.py).
        "CSSECURE_ACTION_TOKEN": new_secret(),
        **env_extra,
    }
    stack = RunningStack(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{web_port}", env)
    plan = [
        ("action server", launch.action_server_argv(action_port, str(BIN / "python")),
         action_port, "/health"),
        # RASA_TOKEN and the CORS origins (the web app's) come from env: cssecure/ops/rasa_run.py.
        ("rasa server",
         rasa_server_argv(rasa_run_args(model, rasa_port, endpoints, tmp / "credentials.yml",
                                        enable_api=True), str(BIN / "python")),
         rasa_port, "/"),
        ("web app", web_app_argv(str(BIN / "python"), host="127.0.0.1"), web_port, "/health"),
    ]
    try:
        # All three start at once (they do not depend on each other to boot).
        for name, argv, port, health in plan:
            stack.processes.append(spawn(name, argv, port, tmp, env, health=health))
        wait_all(stack.processes, timeout_s, grace_s=15)
    except BaseException:
        stack.stop()
        raise
    return stack
