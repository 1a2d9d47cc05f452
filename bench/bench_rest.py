"""REST turn latency and throughput: our assistant against the `rasa init` baseline.

Both bots run on this machine in the same run: the baseline (trained once, cached under
var/bench/) answers its own small talk; ours runs whole claim conversations from
bench/conversations.yml with the action server and a fresh SQLite claims database.
Prints a table and writes results/rest.json. Targets (issue 8): our p95 at most 1.5x
the baseline's, our throughput at least 0.7x.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.rest_load import LoadResult, run_load  # noqa: E402
from bench.servers import BIN, ROOT, action_server, baseline_model, rasa_server, rss_mb  # noqa: E402
from cssecure.ops.stack import write_endpoints  # noqa: E402

CONCURRENCY = (1, 16)
# Turns per measurement at least: the baseline's conversations are short (3-4 turns), and
# with 4 of them at 1 customer its "p95" was the slowest of 14 turns.
MIN_TURNS = 100
WARM_UP = 5  # our conversations run before measuring (lazily initialised parts)

BASELINE_CONVERSATIONS = [
    ["hi", "I am feeling great", "bye"],
    ["hello", "I am sad", "yes", "goodbye"],
    ["hey there", "very bad", "no", "bye"],
    ["good morning", "are you a bot?", "see you"],
]


def _newest(models: Path) -> Path:
    found = sorted(models.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not found:
        raise SystemExit(f"no model in {models}: run `make train` first")
    return found[-1]


def batch_size(lengths: Sequence[int], concurrency: int, start: int = 0) -> int:
    """How many conversations one measurement runs, taking them in turn from ``start``
    (their numbers of turns cycle through ``lengths``): at least four per concurrent
    conversation and ``MIN_TURNS`` turns, so a p95 is never just the slowest turn or two.
    """
    count = turns = 0
    while count < concurrency * 4 or turns < MIN_TURNS:
        turns += lengths[(start + count) % len(lengths)]
        count += 1
    return count


def _measure(url: str, conversations: list[list[str]]) -> dict[str, object]:
    out: dict[str, object] = {}
    lengths = [len(c) for c in conversations]
    for concurrency in CONCURRENCY:
        count = batch_size(lengths, concurrency)
        batch = [conversations[i % len(conversations)] for i in range(count)]
        result: LoadResult = run_load(url, batch, concurrency)
        out[f"c{concurrency}"] = result.summary()
        if result.errors:
            out[f"c{concurrency}_errors"] = result.errors[:5]
    return out


def bench_baseline(work: Path, logs: Path) -> dict[str, object]:
    project, train_s = baseline_model(work)
    server = rasa_server(_newest(project / "models"), logs, project / "endpoints.yml",
                         name="baseline-rasa", cwd=project)
    try:
        url = f"{server.url}/webhooks/rest/webhook"
        # Warm-up: the first turns load lazily initialised parts.
        run_load(url, BASELINE_CONVERSATIONS, 1)
        numbers = _measure(url, BASELINE_CONVERSATIONS)
        numbers.update(model_load_s=server.ready_s, rasa_rss_mb=rss_mb(server.process.pid),
                       train_s=train_s)
        return numbers
    finally:
        server.stop()


def bench_ours(logs: Path) -> dict[str, object]:
    """Whole claim conversations (bench/conversations.yml), each on its own seeded parcel."""
    from bench.bench_load import customers, load_conversations, seed

    lengths = [len(script["messages"]) for script in load_conversations()]
    sizes = []
    start = WARM_UP
    for concurrency in CONCURRENCY:
        sizes.append(batch_size(lengths, concurrency, start))
        start += sizes[-1]
    crowd = customers(start)  # each customer claims its own seeded parcel
    with tempfile.TemporaryDirectory(prefix="cssecure-bench-") as var:
        env = {"CSSECURE_VAR_DIR": var}
        subprocess.run([str(BIN / "cssecure"), "db", "upgrade"], check=True,  # noqa: S603
                       env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.DEVNULL)
        seed(f"sqlite:///{var}/claims.db", crowd, Path(var) / "evidence")
        actions = action_server(logs, env)
        endpoints = write_endpoints(f"{actions.url}/webhook", Path(var) / "endpoints.yml")
        rasa = rasa_server(_newest(ROOT / "models"), logs, endpoints, name="cssecure-rasa",
                           env=env, credentials=ROOT / "credentials.yml")
        try:
            url = f"{rasa.url}/webhooks/rest/webhook"
            run_load(url, [c.messages for c in crowd[:WARM_UP]], 1)
            numbers: dict[str, object] = {}
            first = WARM_UP
            for concurrency, size in zip(CONCURRENCY, sizes, strict=True):
                batch = crowd[first:first + size]
                first += size
                result = run_load(url, [c.messages for c in batch], concurrency)
                numbers[f"c{concurrency}"] = result.summary()
                if result.errors:
                    numbers[f"c{concurrency}_errors"] = result.errors[:5]
            numbers.update(model_load_s=rasa.ready_s, rasa_rss_mb=rss_mb(rasa.process.pid),
                           action_rss_mb=rss_mb(actions.process.pid))
            return numbers
        finally:
            rasa.stop()
            actions.stop()


def main() -> int:
    work = ROOT / "var" / "bench"
    logs = work / "logs"
    started = time.perf_counter()
    baseline = bench_baseline(work, logs)
    ours = bench_ours(logs)
    report: dict[str, object] = {"baseline_rasa_init": baseline, "cssecure": ours}
    verdict = {}
    for c in ("c1", "c16"):
        b, o = baseline[c], ours[c]
        assert isinstance(b, dict) and isinstance(o, dict)
        verdict[c] = {
            "p95_ratio": round(o["p95_ms"] / b["p95_ms"], 2),
            "throughput_ratio": round(o["turns_per_s"] / b["turns_per_s"], 2),
        }
    report["ratios"] = verdict
    report["bench_wall_s"] = round(time.perf_counter() - started, 1)
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "rest.json").write_text(json.dumps(report, indent=2))
    print("REST channel latency (ms) and throughput (turns/s):")
    print(f"{'':22}{'conc':>5}{'p50':>8}{'p95':>8}{'p99':>8}{'turns/s':>9}{'errors':>8}")
    for name, numbers in (("rasa init baseline", baseline), ("cssecure", ours)):
        for c in ("c1", "c16"):
            s = numbers[c]
            assert isinstance(s, dict)
            print(f"{name:22}{s['concurrency']:>5}{s['p50_ms']:>8}{s['p95_ms']:>8}"
                  f"{s['p99_ms']:>8}{s['turns_per_s']:>9}{s['errors']:>8}")
    for c, r in verdict.items():
        ok = r["p95_ratio"] <= 1.5 and r["throughput_ratio"] >= 0.7
        print(f"{c}: p95 x{r['p95_ratio']} (target <= 1.5), throughput x{r['throughput_ratio']}"
              f" (target >= 0.7): {'MET' if ok else 'NOT MET'}")
    print(f"memory: rasa {ours['rasa_rss_mb']} MiB (baseline {baseline['rasa_rss_mb']} MiB),"
          f" action server {ours['action_rss_mb']} MiB; model load {ours['model_load_s']} s"
          f" (baseline {baseline['model_load_s']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
