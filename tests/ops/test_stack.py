"""The stack launcher: refuses busy ports clearly, waits for health, stops every child."""

import socket
import sys
import time
from pathlib import Path

import pytest

from cssecure.ops.launch import free_port
from cssecure.ops.stack import Part, Stack, StackError, newest_model, port_in_use


def test_busy_port_gives_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert port_in_use(port)
        stack = Stack([Part("web app", ["true"], port, "")], tmp_path, {})
        with pytest.raises(StackError, match=rf"port {port} \(web app\)"):
            stack.check_ports()


def test_free_port_passes(tmp_path: Path) -> None:
    port = free_port()
    Stack([Part("web app", ["true"], port, "")], tmp_path, {}).check_ports()


def test_start_waits_for_health_then_stop_ends_children(tmp_path: Path) -> None:
    port = free_port()
    server = Part(
        "test server",
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        port,
        "/",
    )
    stack = Stack([server], tmp_path, {"PATH": "/usr/bin:/bin"})
    stack.start(timeout_s=20)
    try:
        assert port_in_use(port)
    finally:
        stack.stop(grace_s=5)
    assert server.process is not None and server.process.poll() is not None
    deadline = time.monotonic() + 5
    while port_in_use(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not port_in_use(port)


def test_a_part_that_dies_at_start_is_reported_with_its_log(tmp_path: Path) -> None:
    port = free_port()
    crash = Part(
        "crashing part",
        [sys.executable, "-c", "import sys; print('boom: bad config'); sys.exit(3)"],
        port,
        "/",
    )
    stack = Stack([crash], tmp_path, {"PATH": "/usr/bin:/bin"})
    with pytest.raises(StackError, match="boom: bad config"):
        stack.start(timeout_s=10)
    stack.stop()


def test_newest_model_picks_the_latest(tmp_path: Path) -> None:
    assert newest_model(tmp_path) is None
    old = tmp_path / "a.tar.gz"
    old.write_bytes(b"x")
    new = tmp_path / "b.tar.gz"
    new.write_bytes(b"y")
    import os

    os.utime(old, (1, 1))
    assert newest_model(tmp_path) == new


def test_write_endpoints_points_rasa_at_the_configured_action_server(tmp_path: Path) -> None:
    import yaml

    from cssecure.ops.launch import write_endpoints

    dest = write_endpoints("http://127.0.0.1:6001/webhook", tmp_path / "endpoints.yml")
    written = yaml.safe_load(dest.read_text())
    from cssecure.settings import PROJECT_ROOT

    original = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text())
    assert written["action_endpoint"] == {
        **original["action_endpoint"], "url": "http://127.0.0.1:6001/webhook"}
    assert written["action_endpoint"]["enable_selective_domain"] is True
    # Everything else is the repository's own endpoints.yml.
    assert {k: v for k, v in written.items() if k != "action_endpoint"} == {
        k: v for k, v in original.items() if k != "action_endpoint"
    }


def test_every_form_validator_is_sent_the_domain() -> None:
    """With selective domain (endpoints.yml), an action gets the domain only when domain.yml
    says so: Rasa validates form F with the action ``validate_F``, which needs its forms and
    slots."""
    from rasa.shared.core.domain import Domain

    from cssecure.settings import PROJECT_ROOT

    domain = Domain.load(PROJECT_ROOT / "domain.yml")
    assert set(domain.form_names) == {"claim_form", "quote_form"}
    for form in domain.form_names:
        assert f"validate_{form}" in domain.user_actions
        assert domain.does_custom_action_explicitly_need_domain(f"validate_{form}")
    assert not domain.does_custom_action_explicitly_need_domain("action_ask_insured")
