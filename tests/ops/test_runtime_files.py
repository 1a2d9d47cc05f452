"""Runtime files of a local stack are owner-only (issue 16, point 6): databases, logs,
token files and evidence; the launcher runs with umask 077 and tightens older files."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from cssecure.ops.stack import Part, Stack, secure_runtime_files, write_private
from cssecure.settings import Settings


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_older_readable_files_are_made_owner_only(tmp_path: Path) -> None:
    var = tmp_path / "var"
    (var / "log").mkdir(parents=True)
    (var / "evidence" / "ab").mkdir(parents=True)
    files = [var / "claims.db", var / "claims.db-wal", var / "tracker.db", var / "rasa-api-token",
             var / "log" / "rasa-server.log", var / "evidence" / "ab" / "photo.jpg"]
    for path in files:
        path.write_text("x")
        path.chmod(0o644)
    for directory in (var, var / "log", var / "evidence", var / "evidence" / "ab"):
        directory.chmod(0o755)
    secure_runtime_files(Settings.from_env({"CSSECURE_VAR_DIR": str(var)}))
    for path in files:
        assert _mode(path) == 0o600, path
    for directory in (var, var / "log", var / "evidence", var / "evidence" / "ab"):
        assert _mode(directory) == 0o700, directory


def test_databases_elsewhere_are_tightened_too(tmp_path: Path) -> None:
    db = tmp_path / "data" / "claims.db"
    db.parent.mkdir()
    db.write_text("x")
    db.chmod(0o664)
    secure_runtime_files(Settings.from_env({
        "CSSECURE_VAR_DIR": str(tmp_path / "var"), "CSSECURE_DATABASE_URL": f"sqlite:///{db}",
    }))
    assert _mode(db) == 0o600


def test_private_files_are_owner_only_even_when_they_existed(tmp_path: Path) -> None:
    path = tmp_path / "action-token"
    path.write_text("old")
    path.chmod(0o644)
    write_private(path, "new")
    assert path.read_text() == "new" and _mode(path) == 0o600


def test_part_logs_are_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        stack = Stack(
            [Part("sleeper", [sys.executable, "-c", "import time; time.sleep(30)"], 0, "")],
            tmp_path / "log", dict(os.environ),
        )
        stack.start()
        stack.stop()
    finally:
        os.umask(old)
    log = tmp_path / "log" / "sleeper.log"
    assert _mode(log) == 0o600 and _mode(tmp_path / "log") == 0o700


def test_files_children_create_under_the_launchers_umask_are_owner_only(tmp_path: Path) -> None:
    # `cssecure stack run` sets umask 077 before starting any part; children inherit it.
    code = "open('claims.db', 'w').write('x'); import os; os.mkdir('evidence')"
    subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=tmp_path, check=True,
        preexec_fn=lambda: os.umask(0o077),  # noqa: PLW1509 - test only, single-threaded
    )
    assert _mode(tmp_path / "claims.db") == 0o600
    assert _mode(tmp_path / "evidence") == 0o700


def test_test_and_bench_server_logs_are_owner_only(tmp_path: Path) -> None:
    """Issue 16 review: the bench and test launchers left 0644 logs (Rasa logs can hold
    customer text) in a 0755 folder."""
    import os
    import stat

    from cssecure.ops.stack import open_private_log

    old = os.umask(0o022)
    try:
        with open_private_log(tmp_path / "logs" / "rasa.log") as log:
            log.write(b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "logs" / "rasa.log").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "logs").stat().st_mode) == 0o700
