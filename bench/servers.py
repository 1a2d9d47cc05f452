"""What only the benchmarks need on top of the launcher library (``cssecure.ops.launch``,
which starts, checks and stops every server): the memory of a server, and the ``rasa init``
baseline bot.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from importlib import resources
from pathlib import Path

from cssecure.ops.launch import bot_model


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


def baseline_model(work: Path) -> tuple[Path, Path, float]:
    """The ``rasa init`` bot: Rasa's starter project (what ``rasa init`` copies) in
    ``<work>/rasa-init-bot``, trained by the launcher library (:func:`launch.bot_model`: once
    per content of its files, so a new Rasa release's starter is trained again).

    Returns:
        The project folder, its model, and the training's seconds (NaN when the model was
        trained by an earlier run).
    """
    project = work / "rasa-init-bot"
    starter = resources.files("rasa.cli") / "initial_project"
    with resources.as_file(starter) as folder:
        shutil.copytree(folder, project, dirs_exist_ok=True)
    models = project / "models"
    before = set(models.glob("*.tar.gz"))
    started = time.perf_counter()
    model = bot_model(project, "rasa-init", out_dir=models)
    train_s = round(time.perf_counter() - started, 1) if model not in before else float("nan")
    return project, model, train_s
