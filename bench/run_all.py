"""``make bench``: run every benchmark, print its numbers, and write results/summary.json.

Each benchmark is its own module (runnable alone: ``python -m bench.<name>`` from the
repository's folder) and writes its own results/*.json;
this runner only sequences them on the current model and times a full training run.
``--skip NAME`` leaves one out (names: policy, nlu, language, dialogue, rest, load, flood,
upload, dashboard, train).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cssecure.ops.launch import required_model

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
BIN = Path(PY).parent


def train_seconds() -> float:
    """Wall time of a full `rasa train --force` (NLU + dialogue) into a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="cssecure-train-") as out:
        started = time.perf_counter()
        subprocess.run(  # noqa: S603
            [str(BIN / "rasa"), "train", "--force", "--quiet", "--out", out],
            cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        return round(time.perf_counter() - started, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip", action="append", default=[], help="benchmark to leave out")
    args = parser.parse_args()
    model = required_model()
    steps: list[tuple[str, list[str]]] = [
        ("policy", [PY, "-m", "bench.bench_policy"]),
        ("nlu", [PY, "-m", "bench.bench_nlu", "--model", str(model)]),
        # Per-turn cost of language detection and the sentence encoder (issue 14).
        ("language", [PY, "-m", "bench.bench_language"]),
        ("dialogue", [PY, "tests/actions/dialogue_stack.py"]),
        ("rest", [PY, "-m", "bench.bench_rest"]),
        ("load", [PY, "-m", "bench.bench_load", "--customers", "200"]),
        # 40 abusive REST clients against one normal customer (load phases <= 60 s).
        ("flood", [PY, "-m", "bench.bench_flood"]),
        # The console dashboard's queries on 100,000 claims in PostgreSQL (issue 18).
        ("dashboard", [PY, "-m", "bench.bench_dashboard"]),
        # Upload throughput and the web app's peak memory, 8 x 200 MB at once (issue 15).
        ("upload", [PY, "-m", "bench.bench_upload"]),
    ]
    summary: dict[str, object] = {"model": model.name}
    failed = []
    for name, argv in steps:
        if name in args.skip:
            continue
        print(f"\n===== {name}: {' '.join(argv[1:])}", flush=True)
        started = time.perf_counter()
        status = subprocess.run(argv, cwd=ROOT).returncode  # noqa: S603
        summary[f"{name}_wall_s"] = round(time.perf_counter() - started, 1)
        if status != 0:
            failed.append(name)
    if "train" not in args.skip:
        print("\n===== train: rasa train --force (NLU + dialogue, 2 cores)", flush=True)
        seconds = train_seconds()
        summary["train_s"] = seconds
        print(f"full training: {seconds} s (target < 180 s)")
    for result in sorted((ROOT / "results").glob("*.json")):
        if result.name != "summary.json":
            summary[result.stem] = json.loads(result.read_text())
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    print(f"\nresults written to {ROOT / 'results'}/ (summary.json)")
    if failed:
        print(f"benchmarks that failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
