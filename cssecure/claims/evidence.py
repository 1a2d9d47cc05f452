"""Evidence files: what is accepted, and where the bytes are kept.

The content type is found from the bytes with libmagic (``python-magic``; the system's
``libmagic1``), never from the sender's name or MIME type, checked against an allow-list per
evidence kind, and the bytes are written under a private directory (mode 0700, files 0600)
with random names, outside anything a web server serves. The customer's file name is kept
for display only; downloads get a generated name (:func:`download_name`).

A file arrives either as bytes (chat channels, small files) or as a :class:`ReceivedFile`:
streamed into the store's directory by :meth:`EvidenceFileStore.receive` with its sha256
computed on the way, never held in memory (web uploads, resumable uploads).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Union

import magic

from cssecure.claims.errors import EvidenceRejected
from cssecure.claims.model import EVIDENCE_KINDS
from cssecure.i18n.catalog import N_, Message

MB = 1024 * 1024

JPEG, PNG, WEBP, HEIC, MP4, MOV, PDF = (
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "video/mp4",
    "video/quicktime",
    "application/pdf",
)
EXTENSIONS: Mapping[str, str] = {
    JPEG: ".jpg",
    PNG: ".png",
    WEBP: ".webp",
    HEIC: ".heic",
    MP4: ".mp4",
    MOV: ".mov",
    PDF: ".pdf",
}
_IMAGES = frozenset({JPEG, PNG, WEBP, HEIC})
_VIDEOS = frozenset({MP4, MOV})
# Types whose contents must be readable to be stored (a phone's video always is; a web
# page behind a QuickTime atom is not). Photos are not refused: HEIC needs a reader Pillow
# lacks here, so an unreadable photo is stored with its check flagged for a person.
MUST_BE_READABLE = _VIDEOS
UNREADABLE_VIDEO = N_(
    "The file {filename} could not be opened as a video: it may be damaged, or not the "
    "video its name says. Please send the original video file from your phone or camera."
)
_DOCUMENTS = _IMAGES | {PDF}


@dataclass(frozen=True)
class EvidencePolicy:
    """Which file types and how many bytes each evidence kind accepts."""

    content_types: frozenset[str]
    max_bytes: int


# Value proof is often a screen recording of the seller chat (terms: "screen-recordings
# of chat logs"), so it takes videos as well as screenshots and PDFs.
EVIDENCE_POLICIES: Mapping[str, EvidencePolicy] = {
    # A phone's unboxing video of a few minutes is 100-500 MB (issue 15); it comes over tus
    # (resumable, streamed to disk) or the one-time link's page.
    "unboxing_video": EvidencePolicy(_VIDEOS, 500 * MB),
    "photo": EvidencePolicy(_IMAGES, 20 * MB),
    "customs_letter": EvidencePolicy(_DOCUMENTS, 20 * MB),
    "carrier_confirmation": EvidencePolicy(_DOCUMENTS, 20 * MB),
    "value_proof": EvidencePolicy(_DOCUMENTS | _VIDEOS, 100 * MB),
    "other": EvidencePolicy(_DOCUMENTS | _VIDEOS, 50 * MB),
}
assert set(EVIDENCE_POLICIES) == set(EVIDENCE_KINDS)

# What the customer reads when a file is refused: whole sentences, one per evidence kind
# (the kind is named in each language's words). Numbers are written as before ("12.5").
# A file above its kind's size limit.
_TOO_LARGE: Mapping[str, str] = {
    "unboxing_video": N_(
        "The file {filename} is {size_mb} MB; an unboxing video may be at most {max_mb} "
        "MB."
    ),
    "photo": N_(
        "The file {filename} is {size_mb} MB; a photo may be at most {max_mb} MB."
    ),
    "customs_letter": N_(
        "The file {filename} is {size_mb} MB; a customs letter may be at most {max_mb} MB."
    ),
    "carrier_confirmation": N_(
        "The file {filename} is {size_mb} MB; a carrier confirmation may be at most {max_mb} MB."
    ),
    "value_proof": N_(
        "The file {filename} is {size_mb} MB; a value proof may be at most {max_mb} MB."
    ),
    "other": N_(
        "The file {filename} is {size_mb} MB; any other file may be at most {max_mb} "
        "MB."
    ),
}
# A file of a type its kind does not take.
_WRONG_TYPE: Mapping[str, str] = {
    "unboxing_video": N_(
        "The file {filename} is of type {content_type}; an unboxing video must be one "
        "of: {accepted}."
    ),
    "photo": N_(
        "The file {filename} is of type {content_type}; a photo must be one of: "
        "{accepted}."
    ),
    "customs_letter": N_(
        "The file {filename} is of type {content_type}; a customs letter must be one "
        "of: {accepted}."
    ),
    "carrier_confirmation": N_(
        "The file {filename} is of type {content_type}; a carrier confirmation must be "
        "one of: {accepted}."
    ),
    "value_proof": N_(
        "The file {filename} is of type {content_type}; a value proof must be one of: "
        "{accepted}."
    ),
    "other": N_(
        "The file {filename} is of type {content_type}; any other file must be one of: "
        "{accepted}."
    ),
}
# A file whose type is none we know.
_UNKNOWN_TYPE: Mapping[str, str] = {
    "unboxing_video": N_(
        "The file {filename} is not a file type we accept; an unboxing video must be one of: "
        "{accepted}."
    ),
    "photo": N_(
        "The file {filename} is not a file type we accept; a photo must be one of: {accepted}."
    ),
    "customs_letter": N_(
        "The file {filename} is not a file type we accept; a customs letter must be one of: "
        "{accepted}."
    ),
    "carrier_confirmation": N_(
        "The file {filename} is not a file type we accept; a carrier confirmation must be one "
        "of: {accepted}."
    ),
    "value_proof": N_(
        "The file {filename} is not a file type we accept; a value proof must be one of: "
        "{accepted}."
    ),
    "other": N_(
        "The file {filename} is not a file type we accept; any other file must be one of: "
        "{accepted}."
    ),
}

assert set(_TOO_LARGE) == set(_WRONG_TYPE) == set(_UNKNOWN_TYPE) == set(EVIDENCE_KINDS)

# Types libmagic names differently from the ones we store (same containers).
_MAGIC_ALIASES: Mapping[str, str] = {
    "video/x-m4v": MP4,
    "video/3gpp": MP4,
    "video/3gpp2": MP4,
    "image/heif": HEIC,
    "image/heic-sequence": HEIC,
    "image/heif-sequence": HEIC,
}
# How many leading bytes type detection reads (libmagic's own default buffer).
HEAD_BYTES = 1024 * 1024


def detected_type(data: bytes) -> str:
    """The MIME type libmagic finds in ``data`` (the file's first bytes), as it names it.

    Nothing is executed or decoded: libmagic only matches byte patterns.
    """
    found = magic.from_buffer(data[:HEAD_BYTES], mime=True)
    return str(found or "application/octet-stream")


def sniff_content_type(data: bytes) -> str | None:
    """The accepted content type the bytes really are (libmagic), or ``None`` for any other."""
    if not data:
        return None
    found = detected_type(data)
    found = _MAGIC_ALIASES.get(found, found)
    return found if found in EXTENSIONS else None


def check_filename(filename: str) -> str:
    """The customer's file name if it is a plain name; refuses paths and odd names.

    Raises:
        EvidenceRejected: empty, too long, a path (``/``, ``\\``, ``..``), hidden, or
            containing control characters.
    """
    if not filename or not filename.strip():
        raise EvidenceRejected(
            Message(N_("The file has no name; please send it again with a name."))
        )
    if len(filename) > 200:
        raise EvidenceRejected(
            Message(N_("The file name is too long (at most 200 characters)."))
        )
    if (
        "/" in filename
        or "\\" in filename
        or filename.startswith(".")
        or ".." in filename
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in filename)
        # Invisible and direction-changing characters ("photo\u202egpj.exe" shows as
        # "photoexe.jpg"): an agent must read the name as it is (issue 16 review).
        or any(unicodedata.category(ch) in ("Cf", "Co", "Cs", "Zl", "Zp") for ch in filename)
    ):
        raise EvidenceRejected(
            Message(
                N_(
                    "The file name {filename} is not allowed: send a plain file name "
                    "(no folders, no leading dot)."
                ),
                {"filename": repr(filename)},
            )
        )
    return filename


@dataclass(frozen=True)
class CheckedFile:
    """An evidence file that passed the checks, ready to be stored."""

    kind: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str


@dataclass(frozen=True)
class ReceivedFile:
    """A file streamed to disk (:meth:`EvidenceFileStore.receive`), not yet stored.

    Attributes:
        path: where its bytes are (inside the store's directory, a hidden temporary name).
        size_bytes: its length.
        sha256: hex digest computed while it was written.
        head: its first bytes (at most :data:`HEAD_BYTES`), for type detection.
    """

    path: Path
    size_bytes: int
    sha256: str
    head: bytes

    def discard(self) -> None:
        """Remove the bytes (a refused or abandoned file)."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


# What the claims store takes as a file: its bytes, or a file already streamed to disk.
EvidenceData = Union[bytes, ReceivedFile]


def check_evidence(kind: str, filename: str, data: EvidenceData) -> CheckedFile:
    """Check an evidence file against the kind's allow-list and size limit.

    Args:
        data: the bytes, or a :class:`ReceivedFile` (checked from its size, head and hash
            without reading it again).

    Raises:
        EvidenceRejected: with a message the customer can act on.
    """
    policy = EVIDENCE_POLICIES.get(kind)
    if policy is None:
        raise EvidenceRejected(
            f"Unknown evidence kind {kind!r}; expected one of {', '.join(EVIDENCE_KINDS)}."
        )
    name = check_filename(filename)
    shown = repr(name)
    if isinstance(data, ReceivedFile):
        size, head = data.size_bytes, data.head
    else:
        size, head = len(data), data
    if not size:
        raise EvidenceRejected(
            Message(N_("The file {filename} is empty; please send it again."), {"filename": shown})
        )
    if size > policy.max_bytes:
        raise EvidenceRejected(
            Message(
                _TOO_LARGE[kind],
                {
                    "filename": shown,
                    "size_mb": f"{size / MB:.1f}",
                    "max_mb": policy.max_bytes // MB,
                },
            )
        )
    content_type = sniff_content_type(head)
    if content_type not in policy.content_types:
        accepted = ", ".join(sorted(EXTENSIONS[t].lstrip(".") for t in policy.content_types))
        if content_type is None:
            raise EvidenceRejected(
                Message(_UNKNOWN_TYPE[kind], {"filename": shown, "accepted": accepted})
            )
        raise EvidenceRejected(
            Message(
                _WRONG_TYPE[kind],
                {"filename": shown, "content_type": content_type, "accepted": accepted},
            )
        )
    digest = data.sha256 if isinstance(data, ReceivedFile) else hashlib.sha256(data).hexdigest()
    return CheckedFile(kind, name, content_type, size, digest)


def download_name(
    kind: str, content_type: str, evidence_id: str, reference: str | None = None
) -> str:
    """A safe name for a download: never the customer's (``statement.html``), always our
    kind, ids and the extension of the type found in the bytes.

    >>> download_name("photo", "image/jpeg", "ev_AbC-1", "CS-2026-000001")
    'CS-2026-000001-photo-ev_AbC-1.jpg'
    """
    stem = "-".join(part for part in (reference, kind, evidence_id) if part)
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in stem)
    return safe[:120] + EXTENSIONS.get(content_type, ".bin")


class UploadTooLarge(EvidenceRejected):
    """A streamed file went past the size it was allowed (:meth:`IncomingFile.write`)."""


class IncomingFile:
    """A file being streamed into the store: written to a hidden temporary file with its
    sha256 and length counted on the way, refused past ``max_bytes``.

    Use as a context manager: leaving it without :meth:`finish` (an error, a dropped
    connection) removes the partial bytes.
    """

    def __init__(self, directory: Path, max_bytes: int) -> None:
        """Open a new temporary file under ``directory`` (created, mode 0700)."""
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=directory, prefix=".incoming-")
        os.fchmod(fd, 0o600)
        self.path = Path(name)
        self.max_bytes = max_bytes
        self.size_bytes = 0
        self._handle = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()
        self._head = bytearray()
        self._finished = False

    def write(self, chunk: bytes) -> None:
        """Append ``chunk``.

        Raises:
            UploadTooLarge: the file would pass ``max_bytes`` (nothing more is written).
        """
        if self.size_bytes + len(chunk) > self.max_bytes:
            raise UploadTooLarge(
                Message(N_("The file is too large: files may be at most {limit} MB."),
                        {"limit": self.max_bytes // MB})
            )
        self._handle.write(chunk)
        self._hash.update(chunk)
        self.size_bytes += len(chunk)
        if len(self._head) < HEAD_BYTES:
            self._head += chunk[: HEAD_BYTES - len(self._head)]

    def finish(self) -> ReceivedFile:
        """Flush to disk and describe the file (it stays until stored or discarded)."""
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        self._finished = True
        return ReceivedFile(self.path, self.size_bytes, self._hash.hexdigest(), bytes(self._head))

    def abort(self) -> None:
        """Close and remove the partial file."""
        if not self._handle.closed:
            self._handle.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    def __enter__(self) -> IncomingFile:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if not self._finished:
            self.abort()


class EvidenceFileStore:
    """Keeps evidence bytes under one private directory, by random name."""

    def __init__(self, directory: Path) -> None:
        """Remember the directory; it is created (mode 0700) on first write."""
        self.directory = directory

    def receive(self, max_bytes: int) -> IncomingFile:
        """A new :class:`IncomingFile` in this store's directory (the same file system, so
        storing it is a rename, never a copy)."""
        return IncomingFile(self.directory, max_bytes)

    def save(self, data: EvidenceData, content_type: str) -> str:
        """Store the bytes (or move a received file) atomically under a new random name;
        return that name."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        name = secrets.token_hex(16) + EXTENSIONS.get(content_type, ".bin")
        if isinstance(data, ReceivedFile):
            os.chmod(data.path, 0o600)
            os.replace(data.path, self.directory / name)
            return name
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.directory / name)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return name

    def path(self, stored_name: str) -> Path:
        """The path of a stored file; refuses names that are not ours."""
        if "/" in stored_name or "\\" in stored_name or stored_name.startswith("."):
            raise EvidenceRejected(f"{stored_name!r} is not an evidence file name.")
        return self.directory / stored_name

    def read(self, stored_name: str) -> bytes:
        """The bytes of a stored file."""
        return self.path(stored_name).read_bytes()

    def delete(self, stored_name: str) -> None:
        """Remove a stored file (used when the database refused its record)."""
        with contextlib.suppress(FileNotFoundError):
            self.path(stored_name).unlink()
