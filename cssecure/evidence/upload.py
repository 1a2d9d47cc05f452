"""Receiving an upload's body: streamed to disk with its hash, never held in memory, cut
when it trickles (issue 15).

The web app checks the token, the claim and the declared size first (``stream=True``
routes: Sanic hands over the headers before any body is read), then reads the body here:
a multipart form (``file`` plus small text fields) or a raw chunk (tus ``PATCH``), chunk by
chunk into an :class:`~cssecure.claims.evidence.IncomingFile`.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from cssecure.claims.evidence import (
    MB,
    EvidenceFileStore,
    IncomingFile,
    ReceivedFile,
    UploadTooLarge,
)

# Read one chunk of the body: bytes, or None at its end (Sanic's ``request.stream.read``).
ReadChunk = Callable[[], Awaitable[bytes | None]]

# What one claim may hold in all, across its files (two long unboxing videos and photos).
CLAIM_QUOTA_BYTES = 1024 * MB  # a 500 MB video, its photos and letters, and room to spare
# Room for the multipart envelope around the file (boundaries, headers, text fields).
ENVELOPE_BYTES = 64 * 1024
_MAX_FIELDS, _MAX_FIELD_CHARS = 16, 2000


class UploadStalled(Exception):
    """The body stopped coming (no chunk within the idle timeout) or came too slowly."""


class BadUpload(Exception):
    """The body is not a multipart form with a file, or ends before its declared size."""


@dataclass(frozen=True)
class UploadLimits:
    """How long an upload may take and how much a claim may hold.

    Attributes:
        idle_timeout_s: longest wait for the next chunk, in seconds.
        min_rate_bytes_s: the lowest average speed, in bytes per second: an upload of
            ``n`` bytes may take ``max(grace_s, n / min_rate_bytes_s)`` seconds in all.
        grace_s: what even a small upload may take, in seconds.
        claim_quota_bytes: all the files of one claim (or claim being reported), in bytes.
    """

    idle_timeout_s: float = 30.0
    min_rate_bytes_s: float = 16 * 1024
    grace_s: float = 120.0
    claim_quota_bytes: int = CLAIM_QUOTA_BYTES

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> UploadLimits:
        """From ``CSSECURE_UPLOAD_IDLE_TIMEOUT_S``, ``CSSECURE_UPLOAD_MIN_RATE_BPS``,
        ``CSSECURE_UPLOAD_GRACE_S`` and ``CSSECURE_CLAIM_QUOTA_MB`` (defaults above)."""
        env = os.environ if env is None else env
        default = cls()
        return cls(
            idle_timeout_s=float(env.get("CSSECURE_UPLOAD_IDLE_TIMEOUT_S",
                                         default.idle_timeout_s)),
            min_rate_bytes_s=float(env.get("CSSECURE_UPLOAD_MIN_RATE_BPS",
                                           default.min_rate_bytes_s)),
            grace_s=float(env.get("CSSECURE_UPLOAD_GRACE_S", default.grace_s)),
            claim_quota_bytes=int(env.get("CSSECURE_CLAIM_QUOTA_MB",
                                          default.claim_quota_bytes // MB)) * MB,
        )

    def deadline(self, declared_bytes: int) -> float:
        """The ``time.monotonic()`` by which an upload of ``declared_bytes`` must end."""
        return time.monotonic() + max(self.grace_s, declared_bytes / self.min_rate_bytes_s)


async def body_chunks(
    read: ReadChunk, limits: UploadLimits, declared: int
) -> AsyncIterator[bytes]:
    """The body's chunks, each within the idle timeout and all before the deadline.

    Raises:
        UploadStalled: no chunk within ``limits.idle_timeout_s``, or past the deadline.
    """
    deadline = limits.deadline(declared)
    while True:
        wait = min(limits.idle_timeout_s, deadline - time.monotonic())
        if wait <= 0:
            raise UploadStalled("the upload took too long")
        try:
            chunk = await asyncio.wait_for(read(), timeout=wait)
        except asyncio.TimeoutError:
            raise UploadStalled("no data within the timeout") from None
        if chunk is None:
            return
        yield chunk


@dataclass
class StreamedForm:
    """A multipart form whose file went to disk.

    Attributes:
        fields: its text fields (the first ``_MAX_FIELDS``, each cut to
            ``_MAX_FIELD_CHARS``).
        file: the ``file`` part, streamed to disk; None when there was none.
        filename: the file part's name as the customer's browser gave it.
    """

    fields: dict[str, str] = field(default_factory=dict)
    file: ReceivedFile | None = None
    filename: str = ""


class _FormSink:
    """The multipart parser's callbacks: text fields in memory (small), the file to disk."""

    def __init__(self, store: EvidenceFileStore | None, max_file_bytes: int) -> None:
        self.store, self.max_file_bytes = store, max_file_bytes
        self.form = StreamedForm()
        self.incoming: IncomingFile | None = None
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._part: str | None = None  # "file", a field name, or "" (ignored)
        self._text = bytearray()
        self.error: BaseException | None = None

    def callbacks(self) -> dict[str, Callable[..., None]]:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda d, s, e: self._header_name.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._header_value.extend(d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_done,
            "on_part_data": self._data,
            "on_part_end": self._end,
        }

    def _begin(self) -> None:
        self._headers, self._part, self._text = {}, None, bytearray()

    def _header_end(self) -> None:
        self._headers[bytes(self._header_name).lower()] = bytes(self._header_value)
        self._header_name, self._header_value = bytearray(), bytearray()

    def _headers_done(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in options:
            if (
                name == "file" and self.store is not None and self.incoming is None
                and self.form.file is None
            ):
                self._part = "file"
                self.form.filename = options[b"filename"].decode("utf-8", "replace")
                self.incoming = self.store.receive(self.max_file_bytes)
            else:
                self._part = ""  # a second file: not read into anything
        elif len(self.form.fields) < _MAX_FIELDS:
            self._part = name
        else:
            self._part = ""

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._part == "file" and self.incoming is not None:
            self.incoming.write(data[start:end])
        elif self._part and len(self._text) < _MAX_FIELD_CHARS * 4:
            self._text.extend(data[start:end])

    def _end(self) -> None:
        if self._part == "file" and self.incoming is not None:
            self.form.file = self.incoming.finish()
            self.incoming = None
        elif self._part:
            text = self._text.decode("utf-8", "replace")[:_MAX_FIELD_CHARS]
            self.form.fields[self._part] = text


async def receive_form(
    read: ReadChunk,
    content_type: str,
    *,
    declared_bytes: int,
    store: EvidenceFileStore,
    max_file_bytes: int,
    limits: UploadLimits,
) -> StreamedForm:
    """Read a ``multipart/form-data`` body, its ``file`` part streamed into ``store``.

    Args:
        read: the body's next chunk (None at its end).
        content_type: the request's ``Content-Type`` (with the boundary).
        declared_bytes: its ``Content-Length``.
        max_file_bytes: the largest file taken (the kind's limit, or the largest of all).

    Returns:
        The form; the caller stores or :meth:`~ReceivedFile.discard` s its file.

    Raises:
        BadUpload: not a multipart form, or shorter than declared.
        UploadTooLarge: the file passed ``max_file_bytes`` (its bytes are removed).
        UploadStalled: the body trickled (see :class:`UploadLimits`).
    """
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind == b"application/x-www-form-urlencoded" and declared_bytes <= _MAX_FIELD_CHARS * 4:
        # A form without a file (its fields say the customer's language for the refusal).
        body = b"".join([chunk async for chunk in body_chunks(read, limits, declared_bytes)])
        fields = parse_qs(body.decode("utf-8", "replace"))
        return StreamedForm({k: v[0][:_MAX_FIELD_CHARS] for k, v in fields.items()})
    if kind != b"multipart/form-data" or not boundary:
        raise BadUpload("not a multipart form")
    sink = _FormSink(store, max_file_bytes)
    parser = MultipartParser(boundary, sink.callbacks())  # type: ignore[arg-type]
    received = 0
    try:
        try:
            async for chunk in body_chunks(read, limits, declared_bytes):
                received += len(chunk)
                parser.write(chunk)
            parser.finalize()
        except FormParserError as exc:  # a malformed form, a part header over 8 KiB...
            raise BadUpload("not a well-formed multipart form") from exc
    except BaseException:
        if sink.incoming is not None:
            sink.incoming.abort()
        if sink.form.file is not None:
            sink.form.file.discard()
        raise
    if received < declared_bytes or sink.incoming is not None:
        if sink.incoming is not None:
            sink.incoming.abort()
        if sink.form.file is not None:
            sink.form.file.discard()
        raise BadUpload("the body ended early")
    return sink.form


async def form_fields_only(
    read: ReadChunk, content_type: str, *, declared_bytes: int, limits: UploadLimits
) -> dict[str, str]:
    """The text fields of a SMALL form (at most :data:`ENVELOPE_BYTES`), its file parts
    dropped unread: the language of a refusal said in the form (an older widget's
    ``language`` field). Bigger bodies are never read: the answer is ``{}``."""
    if declared_bytes > ENVELOPE_BYTES:
        return {}
    kind, options = parse_options_header(content_type)
    body = b"".join([chunk async for chunk in body_chunks(read, limits, declared_bytes)])
    if kind == b"application/x-www-form-urlencoded":
        fields = parse_qs(body.decode("utf-8", "replace"))
        return {k: v[0][:_MAX_FIELD_CHARS] for k, v in fields.items()}
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        return {}
    sink = _FormSink(None, 0)
    parser = MultipartParser(boundary, sink.callbacks())  # type: ignore[arg-type]
    try:
        parser.write(body)
        parser.finalize()
    except FormParserError:
        return {}
    return sink.form.fields


async def receive_raw(
    read: ReadChunk, incoming: IncomingFile, *, declared_bytes: int, limits: UploadLimits
) -> int:
    """Append a raw body (a tus ``PATCH``) to ``incoming``; the number of bytes read.

    A body cut short keeps what arrived (tus resumes from there).

    Raises:
        UploadTooLarge: past the file's size.
        UploadStalled: the body trickled.
    """
    received = 0
    try:
        async for chunk in body_chunks(read, limits, declared_bytes):
            incoming.write(chunk)
            received += len(chunk)
    except UploadStalled:
        if received == 0:
            raise
    return received


__all__ = [
    "CLAIM_QUOTA_BYTES",
    "ENVELOPE_BYTES",
    "BadUpload",
    "body_chunks",
    "StreamedForm",
    "UploadLimits",
    "UploadStalled",
    "UploadTooLarge",
    "form_fields_only",
    "receive_form",
    "receive_raw",
]
