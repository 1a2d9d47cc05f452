"""Uploads: throughput and the web app's peak memory while 8 customers upload 200 MB each.

Starts the web app as every stack starts it (the launcher library, ``cssecure.ops.launch``:
``python -m cssecure.web --no-demo``, its log in the temporary directory, stopped as a
process group) on a fresh SQLite claims database (migrated by the launcher) and evidence
folder in a temporary directory, no Rasa (the bot is simply not told), then 8 clients, each an
anonymous chat with its own session token, post a 200 MB unboxing video at the same time
(``POST /api/evidence``, a multipart form with a valid QuickTime header and 200 MB of
padding, streamed from the client so that the client holds no copy). Measured: the wall
time and the throughput in MB/s (all bytes / wall time, and per client), and the web app's
resident memory before, and its peak (``VmHWM``) after: the body is streamed to disk, so
the peak must stay far below one file's size.

Prints a table and writes results/upload.json. ``make bench`` (bench/run_all.py) runs it,
or ``.venv/bin/python -m bench.bench_upload [--clients 8] [--mb 200]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from cssecure.ops.launch import BIN, free_port, seed_claims_database, start, web_app_argv
from cssecure.settings import PROJECT_ROOT as ROOT
from cssecure.settings import Settings

MIB = 1024 * 1024
BOUNDARY = "bench-upload-boundary"
SECRET = "bench-upload-secret-" + "x" * 24


def _env(var_dir: Path, port: int) -> dict[str, str]:
    return {**os.environ, "CSSECURE_VAR_DIR": str(var_dir), "CSSECURE_JWT_SECRET": SECRET,
            "RASA_TOKEN": "", "CSSECURE_WEB_PORT": str(port)}


def _status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _video_head() -> bytes:
    """A valid QuickTime container's first atoms (ftyp, moov with a video track)."""
    from datetime import datetime, timezone

    # The tests' builder (no media files); run as `python -m bench.bench_upload` from the root.
    from tests.web.evidence_media import quicktime_video
    return quicktime_video(datetime(2026, 11, 20, 18, tzinfo=timezone.utc), 180)


def upload(port: int, token: str, size: int, result: dict[str, float]) -> None:
    """Post one ``size``-byte video, streamed in 1 MiB blocks; record seconds and status."""
    head = _video_head()
    padding = size - len(head) - 8
    prefix = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
              "filename=\"unboxing.mov\"\r\nContent-Type: video/quicktime\r\n\r\n").encode()
    suffix = f"\r\n--{BOUNDARY}--\r\n".encode()
    total = len(prefix) + len(head) + 8 + padding + len(suffix)
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.putrequest("POST", "/api/evidence?kind=unboxing_video")
    conn.putheader("Authorization", f"Bearer {token}")
    conn.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
    conn.putheader("Content-Length", str(total))
    conn.endheaders()
    conn.send(prefix + head + (padding + 8).to_bytes(4, "big") + b"mdat")  # the mdat atom
    block = bytes(MIB)
    left = padding
    while left > 0:
        conn.send(block[: min(MIB, left)])
        left -= min(MIB, left)
    conn.send(suffix)
    answer = conn.getresponse()
    answer.read()
    result["seconds"] = time.perf_counter() - started
    result["status"] = answer.status
    result["bytes"] = total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--mb", type=int, default=200, help="size of each upload in MB")
    args = parser.parse_args()
    from cssecure.identity.tokens import (
        issue_session_token,
        new_anonymous_conversation_id,
        widget_key,
    )

    with tempfile.TemporaryDirectory(prefix="cssecure-bench-upload-") as tmp:
        port = free_port()
        env = _env(Path(tmp) / "var", port)
        settings = Settings.from_env(env)
        seed_claims_database(settings.database_url, settings.evidence_dir, parcels=())
        web = start("web app", [*web_app_argv(str(BIN / "python"), host="127.0.0.1"), "--no-demo",
                             "--no-console"],
                    port, "/health", Path(tmp) / "logs", env, timeout_s=60)
        server = web.process
        try:
            idle_rss = _status(server.pid, "VmRSS")
            key = widget_key(settings)
            results: list[dict[str, float]] = [{} for _ in range(args.clients)]
            threads = [
                threading.Thread(target=upload, args=(
                    port, issue_session_token(key, new_anonymous_conversation_id()),
                    args.mb * 1000 * 1000, results[i]))
                for i in range(args.clients)
            ]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - started
            peak = _status(server.pid, "VmHWM")
        finally:
            web.stop()
    statuses = [int(r.get("status", 0)) for r in results]
    sent = sum(r.get("bytes", 0) for r in results)
    summary = {
        "clients": args.clients,
        "file_mb": args.mb,
        "statuses": statuses,
        "wall_s": round(wall, 1),
        "throughput_mb_s": round(sent / 1e6 / wall, 1),
        "per_client_mb_s": round(min(r["bytes"] / 1e6 / r["seconds"] for r in results), 1),
        "idle_rss_mib": round(idle_rss / MIB, 1),
        "peak_rss_mib": round(peak / MIB, 1),
    }
    print(f"{args.clients} clients x {args.mb} MB: statuses {statuses}")
    print(f"wall {summary['wall_s']} s, throughput {summary['throughput_mb_s']} MB/s "
          f"(slowest client {summary['per_client_mb_s']} MB/s)")
    print(f"web app memory: {summary['idle_rss_mib']} MiB idle, peak "
          f"{summary['peak_rss_mib']} MiB (one file is {args.mb} MB)")
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "upload.json").write_text(json.dumps(summary, indent=2))
    return 0 if all(s == 201 for s in statuses) else 1


if __name__ == "__main__":
    sys.exit(main())
