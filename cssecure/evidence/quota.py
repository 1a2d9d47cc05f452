"""One file at a time into a claim: the per-claim quota checked and used atomically (issue 15).

The web app checks a claim's quota before an upload's body is read (to refuse early), and
again when the file is whole, just before it is stored. Two uploads finishing side by side
(two tus uploads, two browser tabs, a script) could both pass that second check and both be
stored: every one that passes holds the claim's whole remaining quota. :class:`QuotaLocks`
makes "read what the claim holds, check, store" one step per claim: an exclusive ``flock``
on a small file per claim (or claim being reported) in the evidence directory, so it holds
across the web app's processes and replicas on one disk, as the tus uploads' own locks do
(:mod:`cssecure.evidence.tus`).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import os
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

QUOTA_FOLDER = ".quota"
# How long a file waits for the claim's other file to be stored before it gives up (a store
# of the largest file, 500 MB, is a rename and a database row: well under a second).
WAIT_SECONDS = 30.0
_POLL_SECONDS = 0.05
# A claim's lock file unused this long is deleted by the job worker's sweep.
IDLE_AFTER = timedelta(hours=24)


class QuotaBusy(RuntimeError):
    """The claim's lock was not free within the wait: the upload may be tried again."""


def quota_key(to: str, key: str | None, conversation_id: str) -> str | None:
    """The lock name of an upload's target: its claim, its draft, or for a file kept loose
    its conversation (the loose files share the conversation's quota); None without one.

    Args:
        to: ``"claim"``, ``"draft"`` or ``"loose"`` (``cssecure.channels.evidence.EvidenceTarget``).
        key: the claim reference or the draft id.
        conversation_id: the conversation a draft or a loose file belongs to.
    """
    if to == "claim" and key:
        return f"claim:{key.strip().upper()}"
    if to == "draft" and key:
        return f"draft:{conversation_id}:{key}"
    if to == "loose" and conversation_id:
        return f"loose:{conversation_id}"
    return None


class QuotaLocks:
    """Exclusive locks per claim for the quota's check and use.

    Args:
        directory: where the lock files live (created on first use; one empty file per
            claim or draft, named by a hash of its key: no reference or id on disk).
        wait_seconds: how long :meth:`hold` waits for a busy lock.
    """

    def __init__(self, directory: Path, wait_seconds: float = WAIT_SECONDS) -> None:
        self.directory = directory
        self.wait_seconds = wait_seconds

    def path(self, key: str) -> Path:
        """The lock file of ``key``."""
        return self.directory / (hashlib.sha256(key.encode("utf-8")).hexdigest() + ".lock")

    @contextlib.asynccontextmanager
    async def hold(self, key: str | None) -> AsyncIterator[None]:
        """Hold ``key``'s lock for the block (nothing to hold for None: a loose file).

        Waits without blocking the event loop.

        Raises:
            QuotaBusy: the lock stayed taken for ``wait_seconds``.
        """
        if key is None:
            yield
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path(key)
        deadline = time.monotonic() + self.wait_seconds
        while True:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                if time.monotonic() >= deadline:
                    raise QuotaBusy(key) from None
                await asyncio.sleep(_POLL_SECONDS)
                continue
            if _same_file(fd, path):
                break
            os.close(fd)  # swept between open and lock: the next holder uses a new file
        try:
            os.utime(fd)  # used now: the sweep leaves it alone
            yield
        finally:
            os.close(fd)  # releases the lock

    def sweep(self, now: datetime, idle: timedelta = IDLE_AFTER) -> int:
        """Delete the lock files not used for ``idle`` (one per claim would pile up).

        A lock being held is left alone; a holder that opened a file just before it was
        deleted finds it gone and opens the new one (:meth:`hold`).

        Args:
            now: timezone-aware UTC now.
            idle: how long a lock file may rest unused.

        Returns:
            How many lock files were deleted.
        """
        if not self.directory.is_dir():
            return 0
        cutoff = (now - idle).timestamp()
        deleted = 0
        for path in self.directory.glob("*.lock"):
            try:
                if path.stat().st_mtime > cutoff:
                    continue
                fd = os.open(path, os.O_RDWR)
            except FileNotFoundError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                if _same_file(fd, path) and os.fstat(fd).st_mtime <= cutoff:
                    path.unlink()
                    deleted += 1
            except BlockingIOError:
                continue  # in use
            finally:
                os.close(fd)
        return deleted


def _same_file(fd: int, path: Path) -> bool:
    """Whether ``fd`` is still the file at ``path`` (not deleted or replaced since)."""
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False
