"""Turn latency and throughput through Rasa's REST channel, for scripted conversations.

Used by ``bench/bench_rest.py`` for both our assistant and the baseline bot that
``rasa init`` creates, measured in the same run on the same machine. Each conversation
is a list of customer messages sent in order (a turn waits for the bot's replies); N
conversations run at once, each with its own sender id.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    """Latencies of every turn (seconds) and what went wrong."""

    concurrency: int
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    replies: dict[str, list[list[dict[str, object]]]] = field(default_factory=dict)

    def percentile(self, q: float) -> float:
        """The q-th percentile of turn latency in milliseconds (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
        return ordered[rank] * 1000

    def summary(self) -> dict[str, float | int]:
        """p50/p95/p99 in ms, turns per second, counts."""
        turns = len(self.latencies)
        return {
            "concurrency": self.concurrency,
            "turns": turns,
            "errors": len(self.errors),
            "p50_ms": round(self.percentile(50), 1),
            "p95_ms": round(self.percentile(95), 1),
            "p99_ms": round(self.percentile(99), 1),
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 1) if turns else float("nan"),
            "turns_per_s": round(turns / self.wall_s, 1) if self.wall_s else 0.0,
        }


def send(url: str, sender: str, text: str, metadata: dict[str, object] | None = None,
         timeout_s: float = 30.0) -> list[dict[str, object]]:
    """One REST turn; returns the bot's messages."""
    body: dict[str, object] = {"sender": sender, "message": text}
    if metadata:
        body["metadata"] = metadata
    request = urllib.request.Request(  # noqa: S310 - loopback benchmark target
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
        replies: list[dict[str, object]] = json.loads(response.read())
    return replies


def run_load(
    url: str,
    conversations: Sequence[Sequence[str]],
    concurrency: int,
    check: Callable[[int, list[list[dict[str, object]]]], str | None] | None = None,
    metadata_for: Callable[[int], dict[str, object] | None] | None = None,
    timeout_s: float = 30.0,
) -> LoadResult:
    """Run every conversation, ``concurrency`` at a time; collect per-turn latency.

    Args:
        url: the REST webhook URL.
        conversations: each a list of messages.
        concurrency: how many conversations run at once.
        check: optional; given a conversation's index and its replies, returns an error text.
        metadata_for: optional; message metadata for conversation i (e.g. the channel).
        timeout_s: how long one turn may take before it counts as an error.
    """
    result = LoadResult(concurrency=concurrency)
    lock = threading.Lock()
    next_index = iter(range(len(conversations)))

    def worker() -> None:
        while True:
            with lock:
                i = next(next_index, None)
            if i is None:
                return
            sender = f"bench-{uuid.uuid4().hex[:12]}"
            metadata = metadata_for(i) if metadata_for else None
            replies: list[list[dict[str, object]]] = []
            for text in conversations[i]:
                start = time.perf_counter()
                try:
                    turn = send(url, sender, text, metadata, timeout_s)
                except Exception as exc:  # noqa: BLE001 - counted, not raised: it is a measurement
                    with lock:
                        result.errors.append(f"{sender}: {text!r}: {exc}")
                    break
                elapsed = time.perf_counter() - start
                replies.append(turn)
                with lock:
                    result.latencies.append(elapsed)
            problem = check(i, replies) if check else None
            with lock:
                result.replies[sender] = replies
                if problem:
                    result.errors.append(f"{sender}: {problem}")

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.wall_s = time.perf_counter() - started
    return result
