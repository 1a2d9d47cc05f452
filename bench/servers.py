"""What only the benchmarks need on top of the launcher library (``cssecure.ops.launch``,
which starts, checks and stops every server): the memory of a server, and the ``rasa init``
baseline bot.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from pathlib import Path

from cssecure.ops.launch import BIN


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MiB (Linux /proc)."""
    total_kb = 0
    pids = [pid]
    with contextlib.suppress(OSError):
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    for p in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
    return round(total_kb / 1024, 1)


def baseline_model(work: Path) -> tuple[Path, float]:
    """The ``rasa init`` bot, trained once and cached; returns (project dir, train seconds)."""
    project = work / "rasa-init-bot"
    models = sorted((project / "models").glob("*.tar.gz")) if project.exists() else []
    if models:
        return project, float("nan")
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir(parents=True)
    started = time.perf_counter()
    subprocess.run(  # noqa: S603
        [str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(project)],
        check=True, cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return project, round(time.perf_counter() - started, 1)
