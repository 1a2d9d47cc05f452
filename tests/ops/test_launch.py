"""The launcher library every stack uses (cssecure/ops/launch.py): ports, the model a test
stack runs, a server that dies or never answers, the stop of a whole process group."""

from __future__ import annotations

import ast
import math
import socket
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from cssecure.ops.launch import (
    GENEROUS_LIMITS,
    LaunchError,
    LocalStack,
    free_port,
    model_for_tests,
    newest_model,
    port_in_use,
    rasa_server,
    spawn,
    start,
    wait_all,
    wait_ready,
    web_app_argv,
)
from cssecure.settings import PROJECT_ROOT


def test_a_free_port_is_free_and_a_listened_one_is_not() -> None:
    port = free_port()
    assert not port_in_use(port)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port))
        listener.listen()
        assert port_in_use(port)


def test_the_test_model_is_the_named_one_else_the_newest(tmp_path: Path) -> None:
    named = tmp_path / "chosen.tar.gz"
    assert model_for_tests({"CSSECURE_TEST_MODEL": str(named)}) == named
    assert model_for_tests({}) == newest_model()


def test_a_server_that_exits_is_reported_with_its_log(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "print('boom: no such setting'); raise SystemExit(3)"]
    with pytest.raises(LaunchError, match=r"(?s)crash exited \(3\).*boom: no such setting"):
        start("crash", argv, free_port(), "/", tmp_path, timeout_s=20)


def test_a_server_that_never_answers_is_stopped_after_the_timeout(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "import time; print('sleeping', flush=True); time.sleep(60)"]
    started = time.monotonic()
    with pytest.raises(LaunchError, match=r"(?s)silent not healthy after 2 s.*sleeping"):
        start("silent", argv, free_port(), "/", tmp_path, timeout_s=2)
    assert time.monotonic() - started < 20


def test_a_healthy_server_is_ready_and_stop_ends_its_group(tmp_path: Path) -> None:
    port = free_port()
    # The server runs in a child of the started process: stop must end the whole group.
    child = (f"import subprocess, sys; subprocess.run([sys.executable, '-m', 'http.server', "
             f"'{port}', '--bind', '127.0.0.1'])")
    server = start("group", [sys.executable, "-c", child], port, "/", tmp_path, timeout_s=30)
    assert server.ready_s > 0 and port_in_use(port)
    server.stop(grace_s=5)
    deadline = time.monotonic() + 5
    while port_in_use(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not port_in_use(port)
    assert (tmp_path / "group.log").stat().st_mode & 0o077 == 0  # owner-only log


def test_the_web_app_command_is_written_once() -> None:
    assert web_app_argv() == [sys.executable, "-m", "cssecure.web"]
    assert web_app_argv("/venv/bin/python", host="127.0.0.1") == [
        "/venv/bin/python", "-m", "cssecure.web", "--host", "127.0.0.1"]


def test_a_failed_wait_stops_them_all_with_the_given_grace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cssecure.ops import launch

    graces: list[float] = []
    real_stop_all = launch.stop_all

    def recording_stop_all(servers: Any, grace_s: float = 10.0) -> None:
        graces.append(grace_s)
        real_stop_all(servers, grace_s)

    monkeypatch.setattr(launch, "stop_all", recording_stop_all)
    crash = spawn("crash", [sys.executable, "-c", "raise SystemExit(5)"], free_port(), tmp_path)
    with pytest.raises(LaunchError, match=r"crash exited \(5\)"):
        wait_all([crash], timeout_s=30, grace_s=15)
    assert 15 in graces


def test_a_stock_rasa_server_never_gets_a_token(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="command line"):
        rasa_server(tmp_path / "m.tar.gz", tmp_path, tmp_path / "e.yml", api_token="x",
                    stock=True)


def test_servers_spawned_together_are_waited_for_and_one_failing_stops_them_all(
    tmp_path: Path,
) -> None:
    ports = [free_port(), free_port()]
    servers = [spawn(f"web{i}", [sys.executable, "-m", "http.server", str(port), "--bind",
                                 "127.0.0.1"], port, tmp_path) for i, port in enumerate(ports)]
    assert wait_all(servers, timeout_s=30) == servers
    assert all(s.ready_s > 0 and port_in_use(s.port) for s in servers)
    servers[0].stop(grace_s=5)
    crash = spawn("crash", [sys.executable, "-c", "raise SystemExit(4)"], free_port(), tmp_path)
    with pytest.raises(LaunchError, match=r"crash exited \(4\)"):
        wait_all([servers[1], crash], timeout_s=30)
    # The healthy one was stopped with it: nothing is left running after a failed start.
    assert servers[1].process.poll() is not None


def test_a_server_spawned_long_before_it_is_waited_for_is_ready_past_its_timeout(
    tmp_path: Path,
) -> None:
    port = free_port()
    server = spawn("early", [sys.executable, "-m", "http.server", str(port), "--bind",
                             "127.0.0.1"], port, tmp_path)
    deadline = time.monotonic() + 30
    while not port_in_use(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    try:
        # Spawned "an hour ago" with a 2 s timeout: healthy now, so it is ready.
        server.started -= 3600
        assert wait_all([server], timeout_s=2) == [server]
        assert server.process.poll() is None
        assert wait_ready(server, started=time.monotonic() - 3600, timeout_s=2) is server
    finally:
        server.stop(grace_s=5)


def test_a_stack_keeps_production_limits_and_its_logs_where_it_is_told(tmp_path: Path) -> None:
    model = tmp_path / "m.tar.gz"
    usual = LocalStack.create(tmp_path / "usual", model, parcels=())
    assert {name: usual.env[name] for name in GENEROUS_LIMITS} == GENEROUS_LIMITS
    assert usual.log_dir == tmp_path / "usual" / "logs"
    # bench/bench_flood.py: production's limits are what it measures; its logs outlive it.
    flood = LocalStack.create(tmp_path / "flood", model, parcels=(), log_folder=tmp_path / "kept",
                              generous_limits=False, CSSECURE_RATE_PER_SENDER="5/minute")
    assert set(GENEROUS_LIMITS) & set(flood.env) == {"CSSECURE_RATE_PER_SENDER"}
    assert flood.env["CSSECURE_RATE_PER_SENDER"] == "5/minute"
    assert flood.log_dir == tmp_path / "kept"
    assert flood.env["CSSECURE_DATABASE_URL"] == usual.env["CSSECURE_DATABASE_URL"].replace(
        "usual", "flood")


def test_the_benchmarks_start_our_stack_only_through_the_launchers_local_stack() -> None:
    # Issue 19 review: bench_rest and bench_flood set up a stack by hand (database, action
    # server, endpoints, Rasa server), each its own way.
    by_hand = {"action_server", "rasa_server", "write_endpoints", "seed_claims_database",
               "stack_env", "spawn", "start"}
    found = {}
    for path in sorted((PROJECT_ROOT / "bench").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        names = {
            alias.name for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.ImportFrom) and node.module == "cssecure.ops.launch"
            for alias in node.names
        } & by_hand
        if '"db", "upgrade"' in source:  # the claims database migrated by hand
            names.add("db upgrade")
        if names:
            found[path.name] = sorted(names)
    # The baseline bot is stock Rasa (no stack of ours): its one Rasa server. The upload
    # benchmark's web app alone (no Rasa, no action server): LocalStack starts no web app, so
    # it is started (and its database migrated) by the launcher's functions themselves.
    assert found == {"bench_rest.py": ["rasa_server"],
                     "bench_upload.py": ["seed_claims_database", "start"]}


def _by_hand(source: str) -> list[str]:
    """What ``source`` does that only the launcher library should: start a process with
    ``subprocess.Popen`` (any spelling), bind a socket (a free port of its own), end a
    process with ``terminate()``/``kill()`` or ``os.kill``/``os.killpg``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(
            func.value, ast.Name) else ""
        if name == "Popen" or name == "bind" or (
            name in {"terminate", "kill", "killpg"} and owner != "signal"):
            found.append(f"{owner + '.' if owner else ''}{name}:{node.lineno}")
    return found


def stack_modules() -> list[Path]:
    """The benchmarks and the test stacks' modules (tests/**/*stack*.py but the tests)."""
    tests = [p for p in (PROJECT_ROOT / "tests").rglob("*stack*.py")
             if not p.name.startswith("test_")]
    return sorted([*(PROJECT_ROOT / "bench").glob("*.py"), *tests])


def test_no_benchmark_or_test_stack_starts_or_stops_a_process_by_hand() -> None:
    # Issue 19 review 2: bench/bench_upload.py bound its own port, started its web app with
    # subprocess.Popen, polled its health and terminate()d it; the guard above only looked
    # at the names imported from cssecure.ops.launch and missed it.
    found = {}
    for path in stack_modules():
        calls = _by_hand(path.read_text(encoding="utf-8"))
        if calls:
            found[path.relative_to(PROJECT_ROOT).as_posix()] = [c.split(":")[0] for c in calls]
    # The flood's abusive clients: processes that send, not servers (their counts are read
    # from their output); killed only when one does not answer in time.
    assert found == {"bench/bench_flood.py": ["subprocess.Popen", "attacker.kill"]}


@pytest.mark.parametrize("snippet", [
    "import subprocess\nsubprocess.Popen(['x'])",
    "from subprocess import Popen\nPopen(['x'])",
    "import socket\nwith socket.socket() as s:\n    s.bind(('127.0.0.1', 0))",
    "server.terminate()",
    "import os\nos.killpg(1, 15)",
])
def test_the_scan_finds_each_way_of_starting_or_stopping_by_hand(snippet: str) -> None:
    assert _by_hand(snippet)
    assert not _by_hand("from cssecure.ops.launch import LocalStack\nLocalStack.create")


def test_the_baseline_bot_is_rasas_starter_trained_once_by_the_launcher(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from importlib import resources

    import bench.servers

    trained: list[Path] = []

    def bot_model(bot_dir: Path, prefix: str, out_dir: Path) -> Path:
        model = out_dir / f"{prefix}-hash.tar.gz"
        if not model.exists():
            trained.append(bot_dir)
            out_dir.mkdir(parents=True, exist_ok=True)
            model.write_bytes(b"model")
        return model

    monkeypatch.setattr(bench.servers, "bot_model", bot_model)
    project, model, train_s = bench.servers.baseline_model(tmp_path)
    assert model == project / "models" / "rasa-init-hash.tar.gz" and train_s >= 0
    starter = resources.files("rasa.cli") / "initial_project"
    for name in ("config.yml", "domain.yml", "endpoints.yml", "data/nlu.yml"):
        assert (project / name).read_text() == starter.joinpath(name).read_text()
    again = bench.servers.baseline_model(tmp_path)
    assert again[:2] == (project, model) and math.isnan(again[2])  # not trained again
    assert trained == [project]
