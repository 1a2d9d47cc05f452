"""Flood: one normal customer's turn latency while 40 abusive REST clients hammer the bot.

Starts our stack on loopback (action server and Rasa with the REST channel, a fresh SQLite
claims database, the newest model), then measures the normal customer's turns (p50/p95)
unloaded, and again while 40 abusive clients each send long messages as fast as the bot
answers, rotating sender ids (so only the per-address limit can catch them), in two
floods: from **one machine** (all 40 from 127.0.0.10: the issue's abuse test) and from
**40 machines** (127.0.0.100-139, a small botnet: each address gets its own allowance, so
the server must absorb 40 of them). The abusive clients run in their own processes at a
lower CPU priority (``nice`` 10), so that on one machine the attack's client side (which
has machines of its own in reality) does not steal the CPU the server and the customer's
clock need. The normal customers come one after the other (one is measured at a time),
each with a conversation of 4 turns and a short pause between turns, each from an address
of its own (127.1.x.y unloaded, 127.2.x.y and 127.4.x.y under the floods, 127.3.x.y
warming up), as different people do. The load
phases take at most 60 s (``WARM_UP_S + UNLOADED_S + 2 * FLOOD_S``; requests still in
flight when a flood stops end within their 15 s timeout); everything stays on 127.0.0.x.

Target (issue 16): the normal customer's p95 under a flood stays under 2x its unloaded
value. It is met only when the channels refuse floods early (cssecure.security.limits,
``check_message`` at the channels' intake): without limits, every long message is
understood by the NLU pipeline and 40 clients queue ahead of the customer.

Prints a table and writes results/flood.json. Not part of ``make test``: ``make bench``
(bench/run_all.py) runs it, or ``.venv/bin/python -m bench.bench_flood``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from bench.rest_load import LoadResult
from cssecure.ops.launch import LocalStack, required_model
from cssecure.settings import PROJECT_ROOT as ROOT

ABUSERS = 40
UNLOADED_S = 12.0  # the normal customer alone (after a 3 s warm-up)
WARM_UP_S = 3.0
RAMP_S = 4.0  # a flood runs this long before the customer's turns count
FLOOD_S = 20.0  # each flood, ramp included: WARM_UP_S + UNLOADED_S + 2 * FLOOD_S <= 60
# Where the abusive clients come from, per flood: one address, or one address each.
# name: (first abusive address 127.0.0.N, one address per client?, customers' 127.N.x.y)
FLOODS = {
    "one_machine": (10, False, 2),
    "forty_machines": (100, True, 4),
}
TARGET_RATIO = 2.0
REQUEST_TIMEOUT_S = 15.0
# A normal conversation: the customer asks and waits for each answer, then pauses to read.
NORMAL_TURNS = [
    "hi",
    "what does CSSecure cover?",
    "how much does insurance cost for a parcel worth 300 RMB?",
    "thanks, bye",
]
THINK_S = 0.25
ABUSE_PROCESSES = 4
ABUSE_TEXT = ("my parcel arrived damaged and I want compensation right now " * 60).strip()


def turn(port: int, sender: str, text: str, source: str) -> tuple[int, bytes]:
    """One REST turn from loopback address ``source``; returns (status, body)."""
    conn = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=REQUEST_TIMEOUT_S, source_address=(source, 0)
    )
    try:
        body = json.dumps({"sender": sender, "message": text})
        conn.request("POST", "/webhooks/rest/webhook", body,
                     {"Content-Type": "application/json"})
        reply = conn.getresponse()
        return reply.status, reply.read()
    finally:
        conn.close()


@dataclass
class AbuseCount:
    """What the abusive clients got back."""

    sent: int = 0
    refused: int = 0  # answered with the limiter's message (or HTTP 429)
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def normal_customer(port: int, seconds: float, result: LoadResult,
                    start_after: float = 0.0, network: int = 1) -> None:
    """Run normal conversations for ``seconds``, one after the other, each a customer of its
    own from its own address (127.``network``.0.1, .2, ...); turns that start after
    ``start_after`` seconds are counted."""
    started = time.monotonic()
    deadline = started + seconds
    customers = 0
    while time.monotonic() < deadline:
        customers += 1
        sender = f"bench-normal-{uuid.uuid4().hex[:12]}"
        source = f"127.{network}.{customers // 250}.{1 + customers % 250}"
        for text in NORMAL_TURNS:
            if time.monotonic() >= deadline:
                return
            t0 = time.perf_counter()
            body = b""
            problem = None
            try:
                status, body = turn(port, sender, text, source)
                if status != 200 or b"faster than I can read" in body:
                    problem = f"HTTP {status}: {body[:120]!r}"
            except OSError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            elapsed = time.perf_counter() - t0
            if time.monotonic() - started >= start_after:
                result.latencies.append(elapsed)
                if problem:
                    result.errors.append(problem)
            time.sleep(THINK_S)


def abuser(port: int, index: int, source: str, stop: threading.Event,
           count: AbuseCount) -> None:
    """Long messages as fast as answered, a new sender id each time, from ``source``."""
    while not stop.is_set():
        sender = f"bench-flood-{index}-{uuid.uuid4().hex[:8]}"
        try:
            status, body = turn(port, sender, ABUSE_TEXT, source)
            with count.lock:
                count.sent += 1
                if status == 429 or b"faster than I can read" in body:
                    count.refused += 1
        except OSError:
            with count.lock:
                count.sent += 1
                count.errors += 1
            stop.wait(0.05)


def abuse_process(port: int, first: int, clients: int, seconds: float, base: int,
                  spread: bool) -> None:
    """``--abuse``: ``clients`` abusive threads for ``seconds``, niced; prints the counts.
    Client ``i`` comes from 127.0.0.``base + i`` when ``spread``, else 127.0.0.``base``."""
    os.nice(10)
    stop = threading.Event()
    count = AbuseCount()
    threads = [
        threading.Thread(
            target=abuser,
            args=(port, first + i, f"127.0.0.{base + (first + i if spread else 0)}", stop, count),
            daemon=True,
        )
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT_S + 1)
    print(json.dumps({"sent": count.sent, "refused": count.refused, "errors": count.errors}))


def measure(port: int) -> dict[str, object]:
    """Unloaded, then each flood; returns the numbers."""
    # Warm-up: lazily loaded parts answer the first turns slowly.
    warm = LoadResult(concurrency=1)
    normal_customer(port, WARM_UP_S, warm, network=3)

    alone = LoadResult(concurrency=1)
    t0 = time.perf_counter()
    normal_customer(port, UNLOADED_S, alone, network=1)
    alone.wall_s = time.perf_counter() - t0

    numbers: dict[str, object] = {
        "abusive_clients": ABUSERS, "unloaded": alone.summary(), "target_ratio": TARGET_RATIO,
    }
    load_s = alone.wall_s
    all_met = True
    for name, (base, spread, customer) in FLOODS.items():
        flooded, count = flood(port, base, spread, customer)
        load_s += flooded.wall_s
        loaded = flooded.summary()
        ratio = round(float(loaded["p95_ms"]) / float(alone.summary()["p95_ms"]), 2)
        met = ratio < TARGET_RATIO and not flooded.errors
        all_met = all_met and met
        numbers[name] = {
            **loaded,
            "p95_ratio": ratio,
            "met": met,
            "normal_errors": flooded.errors[:5],
            "abusive_requests": count.sent,
            "abusive_refused": count.refused,
            "abusive_errors": count.errors,
        }
    numbers["met"] = all_met
    numbers["load_phase_s"] = round(load_s, 1)
    return numbers


def flood(port: int, base: int, spread: bool, customer: int) -> tuple[LoadResult, AbuseCount]:
    """One flood of ``FLOOD_S`` seconds; the customer's turns after ``RAMP_S`` count."""
    per_process = ABUSERS // ABUSE_PROCESSES
    attackers = [
        subprocess.Popen(  # noqa: S603
            # As a module from the project's root: run as a file, it cannot import bench.
            [sys.executable, "-m", "bench.bench_flood", "--abuse", str(port),
             str(i * per_process), str(per_process), str(FLOOD_S), str(base),
             "spread" if spread else "one"],
            stdout=subprocess.PIPE, text=True, cwd=ROOT,
        )
        for i in range(ABUSE_PROCESSES)
    ]
    flooded = LoadResult(concurrency=1)
    t0 = time.perf_counter()
    count = AbuseCount()
    try:
        normal_customer(port, FLOOD_S, flooded, start_after=RAMP_S, network=customer)
    finally:
        flooded.wall_s = time.perf_counter() - t0
        for attacker in attackers:
            try:
                out, _ = attacker.communicate(timeout=REQUEST_TIMEOUT_S + 5)
                got = json.loads(out.strip().splitlines()[-1])
                count.sent += got["sent"]
                count.refused += got["refused"]
                count.errors += got["errors"]
            except (subprocess.TimeoutExpired, ValueError, IndexError):
                attacker.kill()
                attacker.wait()
    return flooded, count


def report(numbers: dict[str, object]) -> None:
    """Print the table and the verdicts; write results/flood.json."""
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "flood.json").write_text(json.dumps(numbers, indent=2))
    print("Normal customer's REST turn (ms), alone and with "
          f"{numbers['abusive_clients']} abusive clients:")
    print(f"{'':16}{'turns':>7}{'p50':>9}{'p95':>9}{'p99':>9}{'errors':>8}{'x p95':>8}"
          f"{'abusive':>9}{'refused':>9}")
    for name in ("unloaded", *FLOODS):
        s = numbers[name]
        assert isinstance(s, dict)
        extra = ""
        if name != "unloaded":
            extra = f"{s['p95_ratio']:>8}{s['abusive_requests']:>9}{s['abusive_refused']:>9}"
        print(f"{name:16}{s['turns']:>7}{s['p50_ms']:>9}{s['p95_ms']:>9}{s['p99_ms']:>9}"
              f"{s['errors']:>8}{extra}")
    for name in FLOODS:
        s = numbers[name]
        assert isinstance(s, dict)
        verdict = "MET" if s["met"] else "NOT MET"
        print(f"{name}: p95 under flood x{s['p95_ratio']} of unloaded (target < "
              f"{TARGET_RATIO}x): {verdict}")
    print(f"load phases {numbers['load_phase_s']} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--abuse", nargs=6, help=argparse.SUPPRESS)
    parser.add_argument("--url", help="an already running Rasa server (http://127.0.0.1:PORT)"
                        " instead of starting one; loopback only")
    args = parser.parse_args()
    if args.abuse:
        port, first, clients, seconds, base, spread = args.abuse
        abuse_process(int(port), int(first), int(clients), float(seconds), int(base),
                      spread == "spread")
        return 0
    if args.url:
        host_port = args.url.split("//", 1)[-1].rstrip("/")
        host, _, port = host_port.partition(":")
        if host not in ("127.0.0.1", "localhost"):
            raise SystemExit("bench_flood only floods a loopback server")
        report(measure(int(port or 80)))
        return 0
    with tempfile.TemporaryDirectory(prefix="cssecure-flood-") as work:
        # An empty claims database; production's message limits: they are what is measured.
        stack = LocalStack.create(Path(work), required_model(), parcels=(),
                                  log_folder=ROOT / "var" / "bench" / "logs",
                                  generous_limits=False)
        try:
            actions = stack.action_server("action-server")
            ours = stack.rasa_server(f"{actions.url}/webhook", "flood-rasa")
            report(measure(ours.port))
        finally:
            stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
