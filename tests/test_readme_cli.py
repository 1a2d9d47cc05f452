"""The README's examples run as written (issue 17).

* Every command of the README's CLI section (the ``bash`` block under "The `cssecure`
  command") runs, in order, in one shell from the project folder on a fresh database
  (temporary ``CSSECURE_*`` settings), under a terminal so that ``agents add`` asks for its
  password as it does for a person.
* The configuration table names every environment variable our code's texts name.
* ``parcels list`` and ``claims list`` print a header and the dates.
"""

from __future__ import annotations

import ast
import errno
import os
import pty
import re
import selectors
import subprocess
import time
from pathlib import Path

import pytest

from cssecure import cli

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CSSECURE = ROOT / ".venv" / "bin" / "cssecure"
PASSWORD = "a long demo password 4 alice"


def section(title: str, text: str | None = None) -> str:
    """The README's text from the heading ``## {title}`` to the next ``## `` heading."""
    text = README.read_text(encoding="utf-8") if text is None else text
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else len(text)]


def bash_blocks(markdown: str) -> list[str]:
    """The contents of the fenced ``bash`` blocks of ``markdown``."""
    return re.findall(r"```bash\n(.*?)```", markdown, flags=re.S)


def fresh_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a fresh installation: every database and file under ``tmp_path``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSSECURE_")}
    env.update(
        CSSECURE_VAR_DIR=str(tmp_path / "var"),
        CSSECURE_DATABASE_URL=f"sqlite:///{tmp_path / 'var' / 'claims.db'}",
        CSSECURE_TRACKER_URL=f"sqlite:///{tmp_path / 'var' / 'tracker.db'}",
        CSSECURE_EVIDENCE_DIR=str(tmp_path / "var" / "evidence"),
    )
    return env


def run_in_terminal(script: str, env: dict[str, str], timeout_s: float = 240.0) -> tuple[int, str]:
    """Run ``script`` with bash under a pseudo-terminal, typing :data:`PASSWORD` at each
    password prompt. Returns the exit status and everything the terminal showed."""
    master, slave = pty.openpty()

    def own_terminal() -> None:  # the pty becomes the child's controlling terminal
        os.setsid()
        import fcntl  # noqa: PLC0415
        import termios  # noqa: PLC0415

        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(  # noqa: S603
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=ROOT, env=env, stdin=slave, stdout=slave, stderr=slave,
        preexec_fn=own_terminal, close_fds=True,
    )
    os.close(slave)
    shown, pending = b"", b""
    # A selector, not select.select: after thousands of tests this process's descriptors
    # may be numbered above FD_SETSIZE (1024), which select() refuses.
    selector = selectors.DefaultSelector()
    selector.register(master, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if selector.select(timeout=0.5):
            try:
                chunk = os.read(master, 4096)
            except OSError as exc:  # EIO: the child closed the terminal
                if exc.errno != errno.EIO:
                    raise
                break
            if not chunk:
                break
            shown += chunk
            pending += chunk
            if pending.rstrip().endswith(b"assword:"):
                os.write(master, PASSWORD.encode() + b"\n")
                pending = b""
        elif process.poll() is not None:
            break
    else:
        process.kill()
        selector.close()
        os.close(master)
        pytest.fail(f"the README's commands did not finish in {timeout_s} s:\n{shown.decode()}")
    selector.close()
    os.close(master)
    return process.wait(timeout=10), shown.decode("utf-8", "replace")


@pytest.mark.slow
def test_every_command_of_the_readme_cli_section_runs_as_written_on_a_fresh_database(
    tmp_path: Path,
) -> None:
    blocks = bash_blocks(section("The `cssecure` command"))
    assert len(blocks) == 1, "the CLI section has one block of commands"
    commands = [line for line in blocks[0].splitlines() if line.strip()]
    assert all(".venv/bin/cssecure" in line for line in commands)

    status, shown = run_in_terminal(blocks[0], fresh_env(tmp_path))

    assert status == 0, shown
    assert "Traceback" not in shown
    assert '"decision": "approve"' in shown  # assess < examples/claim.json
    assert "demo parcels: 12 added" in shown
    assert "imported 2 parcel(s)" in shown
    assert re.search(r"PARCEL\s+CUSTOMER\s+ORDER\s+LINE\s+TO\s+INSURED RMB\s+SUBMITTED", shown)
    assert re.search(r"REFERENCE\s+STATUS\s+AGENT\s+PARCEL\s+TYPE\s+PAYOUT RMB\s+FILED", shown)
    assert re.search(r"CS-\d{4}-000001\s+awaiting_evidence", shown)
    assert "no claims" in shown  # --needs-agent: none waits for a person
    assert re.search(r"awaiting_evidence\s+->\s+approved\s+photos checked", shown)
    assert re.search(r"approved\s+->\s+paid\s+refund sent", shown)
    assert "Agent alice added" in shown


def test_the_readme_block_fails_when_a_command_fails(tmp_path: Path) -> None:
    """The runner itself: a failing command stops the block with its status (so the test
    above cannot pass over a broken example)."""
    script = ".venv/bin/cssecure parcels show P100001\necho after"
    status, shown = run_in_terminal(script, fresh_env(tmp_path), timeout_s=60)
    assert status != 0
    assert "after" not in shown.split("parcels show")[-1]


def test_the_terminal_runner_works_when_descriptors_are_numbered_above_1024(
    tmp_path: Path,
) -> None:
    """Late in a long pytest run this process's descriptors were numbered above 1024 and
    ``select.select`` refused the terminal ("filedescriptor out of range in select()", CI
    on 2026-11-30): the runner must not depend on low descriptor numbers."""
    held: list[int] = []
    try:
        while not held or held[-1] <= 1100:
            held.append(os.open(os.devnull, os.O_RDONLY))
        status, shown = run_in_terminal("echo from-the-terminal", fresh_env(tmp_path), 60)
    finally:
        for fd in held:
            os.close(fd)
    assert status == 0
    assert "from-the-terminal" in shown


def test_the_readme_examples_name_only_parcels_the_demo_data_has() -> None:
    """`parcels show P100001` (no such demo parcel) was the example (issue 17)."""
    demo = set(re.findall(r'"parcel_id": "(P\d+)"',
                          (ROOT / "cssecure/claims/demo_parcels.json").read_text()))
    imported = set(re.findall(r"^(P\d+),", (ROOT / "examples/parcels.csv").read_text(), re.M))
    named = set(re.findall(r"\bP\d{6}\b", bash_blocks(section("The `cssecure` command"))[0]))
    assert named and named <= demo | imported


# --- the configuration table -----------------------------------------------------------------

_VARIABLE = re.compile(r"\b(?:CSSECURE|RASA|TELEGRAM|DISCORD|REDIS|SANIC)_[A-Z0-9_]+\b")


def variables_named_in_code() -> dict[str, str]:
    """Each environment variable a string of cssecure/ or actions/ names -> one file naming it."""
    found: dict[str, str] = {}
    for folder in ("cssecure", "actions"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    for name in _VARIABLE.findall(node.value):
                        found.setdefault(name, str(path.relative_to(ROOT)))
    return found


def test_the_configuration_table_lists_every_variable_our_messages_name() -> None:
    table = "\n".join(
        line for line in section("Configuration").splitlines() if line.startswith("| `")
    )
    listed = set(_VARIABLE.findall(table))
    named = variables_named_in_code()
    assert {"CSSECURE_RASA_URL", "CSSECURE_ACTION_URL", "CSSECURE_WEB_PORT"} <= set(named)
    missing = {name: where for name, where in named.items() if name not in listed}
    assert not missing, f"named in code, not in the README's configuration table: {missing}"


def test_a_variable_missing_from_the_table_is_found() -> None:
    text = "x\n## Configuration\n| `CSSECURE_WEB_PORT` | 8080 | port |\n## Next\n"
    listed = set(_VARIABLE.findall(section("Configuration", text)))
    assert "CSSECURE_WEB_PORT" in listed
    assert "CSSECURE_RASA_URL" not in listed


# --- lists with headers and dates -------------------------------------------------------------


@pytest.fixture()
def fresh_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in fresh_env(tmp_path).items():
        if name.startswith("CSSECURE_"):
            monkeypatch.setenv(name, value)
    assert cli.main(["db", "upgrade"]) == 0
    assert cli.main(["parcels", "seed-demo"]) == 0
    return tmp_path


def test_parcels_list_has_a_header_and_each_parcels_dates(
    fresh_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert cli.main(["parcels", "list", "--customer", "demo-bob"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "PARCEL", "CUSTOMER", "ORDER", "LINE", "TO", "INSURED", "RMB", "SUBMITTED", "SHIPPED",
        "DELIVERED",
    ]
    rows = {line.split()[0]: line for line in lines[2:]}
    assert sorted(rows) == ["P900003", "P900005", "P900008", "P900011"]
    # P900005: delivered; P900011: not insured, not delivered ("-").
    assert re.search(r"\d{4}-\d\d-\d\d\s+\d{4}-\d\d-\d\d\s+\d{4}-\d\d-\d\d$", rows["P900005"])
    assert "not insured" in rows["P900011"]
    assert rows["P900011"].rstrip().endswith("-")


def test_claims_list_has_a_header_and_the_filing_time(
    fresh_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["claims", "list"]) == 0
    assert capsys.readouterr().out.strip() == "no claims"
    facts = '{"delay_days": 1}'
    assert cli.main(["claims", "file", "P900008", "delayed", "--facts", facts, "--quiet"]) == 0
    reference = capsys.readouterr().out.strip()
    assert re.fullmatch(r"CS-\d{4}-\d{6}", reference)
    assert cli.main(["claims", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ["REFERENCE", "STATUS"]
    assert lines[0].rstrip().endswith("FILED (UTC)")
    assert lines[2].startswith(reference)
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d$", lines[2])


def test_claims_file_without_quiet_says_what_was_filed(
    fresh_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert cli.main(["claims", "file", "P900008", "delayed"]) == 0
    assert re.fullmatch(r"CS-\d{4}-\d{6} filed: \w+ \(.+\)\n", capsys.readouterr().out)


def test_deciding_an_approved_claim_again_is_refused_with_what_is_allowed(
    fresh_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's old `claims decide ... --approve` met an already approved claim."""
    facts = (ROOT / "examples/damaged-facts.json").read_text()
    assert cli.main(["claims", "file", "P900004", "damaged", "--facts", facts, "--quiet"]) == 0
    reference = capsys.readouterr().out.strip()
    args = ["claims", "decide", reference, "--approve", "--note", "ok"]
    assert cli.main(args) == 0
    capsys.readouterr()
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert "cannot go from approved to approved" in err
    assert "Traceback" not in err
