"""Per-turn cost of knowing the customer's language (issue 14): language detection and the
multilingual sentence encoder, one message at a time as the assistant sees them.

Messages: every held-out message of the seven languages and English round 4 (only their
texts, for timing). Prints load time and memory of each model and the per-message
p50/p95/max in milliseconds; writes results/language.json.

Run: ``.venv/bin/python bench/bench_language.py``
"""

from __future__ import annotations

import json
import resource
import statistics
import time
from pathlib import Path

import yaml

from cssecure.i18n.detect import choose_language, warm_up
from cssecure.nlu.sentence_encoder import encode, encoder

ROOT = Path(__file__).resolve().parents[1]


def messages() -> list[str]:
    """The texts of every held-out set (timing only)."""
    texts: list[str] = []
    for path in sorted((ROOT / "bench").glob("heldout_nlu_*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            texts += [line[2:].strip() for line in block.get("examples", "").splitlines()
                      if line.strip()]
    return texts


def rss_mib() -> float:
    """Peak resident memory of this process so far, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(call: object, texts: list[str]) -> dict[str, float]:
    """Per-message milliseconds of ``call(text)``: p50, p95, max."""
    samples = []
    for text in texts:
        started = time.perf_counter()
        call(text)  # type: ignore[operator]
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 3),
            "p95_ms": round(samples[int(len(samples) * 0.95)], 3),
            "max_ms": round(samples[-1], 3)}


def main() -> int:
    texts = messages()
    results: dict[str, object] = {"messages": len(texts)}
    before = rss_mib()
    started = time.perf_counter()
    warm_up()
    results["detector_load_s"] = round(time.perf_counter() - started, 2)
    results["detector_rss_mib"] = round(rss_mib() - before, 1)
    results["detection"] = timed(lambda t: choose_language(t, current=None, hint=None), texts)
    before = rss_mib()
    started = time.perf_counter()
    encoder()
    encode(["warm up"])
    results["encoder_load_s"] = round(time.perf_counter() - started, 2)
    results["encoder_rss_mib"] = round(rss_mib() - before, 1)
    results["encoder"] = timed(lambda t: encode([t]), texts)
    print(json.dumps(results, indent=2))
    out = ROOT / "results" / "language.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
