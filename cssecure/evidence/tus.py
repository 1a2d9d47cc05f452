"""Resumable uploads: the storage side of the tus 1.0 protocol (issue 15).

A phone's unboxing video is often hundreds of MB on a mobile connection: the upload must
survive a dropped connection. tus (https://tus.io, protocol 1.0.0, extensions ``creation``
and ``termination``) lets the client create an upload of a known length, send its bytes in
one or more ``PATCH`` requests, ask how much arrived (``HEAD``) after a break and go on from
there. The routes live with the other upload routes (``cssecure.web.api``); this module
keeps the uploads: a partial file and a small JSON record each, in a private folder of the
evidence directory (so finishing is a rename into the store, never a copy).

The sha256 is computed on the way: the running hash of each upload is kept in memory
between its requests; if it is missing (another process served the first part, or a
restart) it is computed again by reading the partial file once, in chunks.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import os
import re
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from cssecure.claims.evidence import HEAD_BYTES, ReceivedFile, UploadTooLarge
from cssecure.evidence.upload import ReadChunk, UploadLimits, UploadStalled, body_chunks
from cssecure.i18n.catalog import N_, Message

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination"
TUS_FOLDER = ".tus"
_ID = re.compile(r"^[A-Za-z0-9_-]{32}$")
_CHUNK = 1024 * 1024
# An upload nobody added to for this long is abandoned: its bytes are deleted by the
# sweep (the job worker's passes, :func:`cssecure.notify.worker.build_job_worker`).
ABANDONED_AFTER = timedelta(hours=24)
# An unfinished upload added to within this long holds its share of the claim's quota.
ACTIVE_WITHIN = timedelta(hours=1)


class UploadBusy(RuntimeError):
    """Another request is writing to this upload (a client's retry while the first
    request still runs): tus answers 423 Locked and the client tries again."""


@dataclass(frozen=True)
class TusUpload:
    """One resumable upload.

    Attributes:
        upload_id: its random id (the last part of its URL).
        length: the file's declared length in bytes (``Upload-Length``).
        conversation_id, customer_id: who created it (only they may go on with it).
        to, key: where the file goes (``claim``/``draft``/``loose`` and its key).
        kind, filename, language: from ``Upload-Metadata`` (the kind may be empty: guessed
            from the bytes at the end).
        channel: the channel whose customer sends it (``web``, or a chat's for a link).
        created_at: ISO time (UTC).
    """

    upload_id: str
    length: int
    conversation_id: str
    customer_id: str | None
    to: str
    key: str | None
    kind: str
    filename: str
    language: str | None
    channel: str
    created_at: str


def parse_metadata(header: str | None) -> dict[str, str]:
    """tus ``Upload-Metadata``: ``key base64value,key2 base64value2`` as text values.

    Raises:
        ValueError: a value that is not base64 or not UTF-8.
    """
    found: dict[str, str] = {}
    for pair in (header or "").split(","):
        key, _, value = pair.strip().partition(" ")
        if key:
            found[key] = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    return found


class TusStore:
    """The resumable uploads of one evidence directory."""

    def __init__(self, directory: Path) -> None:
        """Keep uploads in ``directory`` (created, mode 0700, on first use)."""
        self.directory = directory
        self._hashes: dict[str, Any] = {}  # upload id -> (offset, running sha256)

    def _meta(self, upload_id: str) -> Path:
        return self.directory / f"{upload_id}.json"

    def part(self, upload_id: str) -> Path:
        """Where an upload's bytes are gathered."""
        return self.directory / f"{upload_id}.part"

    def create(self, **fields: Any) -> TusUpload:
        """A new, empty upload (``fields``: :class:`TusUpload`'s but id and time)."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        upload = TusUpload(
            upload_id=secrets.token_urlsafe(24), created_at=datetime.now(timezone.utc).isoformat(),
            **fields,
        )
        fd = os.open(self.part(upload.upload_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        self._meta(upload.upload_id).write_text(json.dumps(asdict(upload)), encoding="utf-8")
        self._hashes[upload.upload_id] = (0, hashlib.sha256())
        return upload

    def get(self, upload_id: str) -> TusUpload | None:
        """The upload with this id, or None (unknown, finished or terminated)."""
        if not _ID.match(upload_id or ""):
            return None
        try:
            fields: Mapping[str, Any] = json.loads(self._meta(upload_id).read_text("utf-8"))
        except (FileNotFoundError, ValueError):
            return None
        return TusUpload(**fields)

    def reserved(self, *, to: str, key: str | None, conversation_id: str,
                 active_within: timedelta = ACTIVE_WITHIN) -> int:
        """Bytes announced by the unfinished uploads to one target (a claim; a draft or the
        loose files of one conversation) that were added to within ``active_within``: a
        quota counts them before their bytes arrive (issue 15 review: four parallel 190 MB
        uploads each passed the check at creation and the last was refused only after its
        whole body). An upload left longer stops counting (the customer may start again
        elsewhere) and is swept after :data:`ABANDONED_AFTER`."""
        if not self.directory.is_dir():
            return 0
        cutoff = (datetime.now(timezone.utc) - active_within).timestamp()
        total = 0
        for meta in self.directory.glob("*.json"):
            upload = self.get(meta.stem)
            if upload is None or (upload.to, upload.key) != (to, key):
                continue
            if to != "claim" and upload.conversation_id != conversation_id:
                continue
            try:
                touched = self.part(upload.upload_id).stat().st_mtime
            except FileNotFoundError:
                continue
            if touched >= cutoff:
                total += upload.length
        return total

    def offset(self, upload_id: str) -> int:
        """How many bytes arrived so far."""
        try:
            return self.part(upload_id).stat().st_size
        except FileNotFoundError:
            return 0

    async def append(
        self, upload: TusUpload, read: ReadChunk, *, declared_bytes: int, limits: UploadLimits
    ) -> int:
        """Append a ``PATCH`` body to the upload; the new offset.

        What arrived before a dropped connection or a stall is kept (the client resumes
        from the offset ``HEAD`` reports).

        Raises:
            UploadTooLarge: the body goes past the declared length (nothing of it past the
                length is written).
        """
        start = self.offset(upload.upload_id)
        known = self._hashes.get(upload.upload_id)
        digest = known[1] if known and known[0] == start else self._rehash(upload.upload_id)
        written = start
        try:
            with self.part(upload.upload_id).open("ab") as handle:
                async for chunk in body_chunks(read, limits, declared_bytes):
                    if written + len(chunk) > upload.length:
                        raise UploadTooLarge(Message(N_(
                            "The file is too large: files may be at most {limit} MB."),
                            {"limit": upload.length // (1024 * 1024)}))
                    # Written and hashed together (no await between): a cut keeps both equal.
                    handle.write(chunk)
                    handle.flush()
                    digest.update(chunk)
                    written += len(chunk)
        except UploadStalled:
            pass  # kept: the client resumes from the offset
        finally:
            self._hashes[upload.upload_id] = (written, digest)
        return written

    def _rehash(self, upload_id: str) -> Any:
        digest = hashlib.sha256()
        with self.part(upload_id).open("rb") as handle:
            for block in iter(lambda: handle.read(_CHUNK), b""):
                digest.update(block)
        return digest

    def received(self, upload: TusUpload) -> ReceivedFile:
        """The finished upload as a file to store (its bytes are moved by the store)."""
        path = self.part(upload.upload_id)
        known = self._hashes.get(upload.upload_id)
        size = self.offset(upload.upload_id)
        digest = known[1] if known and known[0] == size else self._rehash(upload.upload_id)
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        return ReceivedFile(path, size, digest.hexdigest(), head)

    @contextlib.contextmanager
    def lock(self, upload_id: str) -> Iterator[None]:
        """Hold the upload for one request (an exclusive ``flock`` on its bytes: across
        the web app's processes and replicas on one disk), from reading its offset to
        writing or deleting it.

        Raises:
            UploadBusy: another request holds it.
        """
        try:
            fd = os.open(self.part(upload_id), os.O_RDONLY)
        except FileNotFoundError:
            yield  # finished or terminated meanwhile: the caller finds it gone
            return
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise UploadBusy(upload_id) from None
            yield
        finally:
            os.close(fd)  # releases the lock

    def sweep(self, now: datetime, idle: timedelta = ABANDONED_AFTER) -> int:
        """Delete the uploads nobody added to for ``idle`` (their last byte, else their
        creation); one being written (locked) is left alone.

        Args:
            now: timezone-aware UTC now.
            idle: how long an upload may rest before it counts as abandoned.

        Returns:
            How many uploads were deleted.
        """
        if not self.directory.is_dir():
            return 0
        cutoff = (now - idle).timestamp()
        deleted = 0
        for meta in self.directory.glob("*.json"):
            upload_id = meta.stem
            part = self.part(upload_id)
            try:
                touched = (part if part.exists() else meta).stat().st_mtime
            except FileNotFoundError:
                continue
            if touched > cutoff:
                continue
            try:
                with self.lock(upload_id):
                    self.delete(upload_id)
            except UploadBusy:
                continue
            deleted += 1
        return deleted

    def delete(self, upload_id: str) -> None:
        """Forget an upload and its bytes (terminated, refused, or stored)."""
        self._hashes.pop(upload_id, None)
        for path in (self.part(upload_id), self._meta(upload_id)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
