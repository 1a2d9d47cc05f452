"""Evidence files: what is accepted, and where the bytes are kept.

The content type is sniffed from the first bytes (the sender's name and MIME type are
never trusted), checked against an allow-list per evidence kind, and the bytes are
written under a private directory (mode 0700, files 0600) with random names, outside
anything a web server serves. The customer's file name is kept for display only.
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
_DOCUMENTS = _IMAGES | {PDF}


@dataclass(frozen=True)
class EvidencePolicy:
    """Which file types and how many bytes each evidence kind accepts."""

    content_types: frozenset[str]
    max_bytes: int


# Value proof is often a screen recording of the seller chat (terms: "screen-recordings
# of chat logs"), so it takes videos as well as screenshots and PDFs.
EVIDENCE_POLICIES: Mapping[str, EvidencePolicy] = {
    "unboxing_video": EvidencePolicy(_VIDEOS, 200 * MB),
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
        "The file {filename} is {size_mb} MB; a unboxing video may be at most {max_mb} MB."
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
        "The file {filename} is {size_mb} MB; a other may be at most {max_mb} MB."
    ),
}
# A file of a type its kind does not take.
_WRONG_TYPE: Mapping[str, str] = {
    "unboxing_video": N_(
        "The file {filename} is a {content_type} file; a unboxing video must be one of: "
        "{accepted}."
    ),
    "photo": N_(
        "The file {filename} is a {content_type} file; a photo must be one of: {accepted}."
    ),
    "customs_letter": N_(
        "The file {filename} is a {content_type} file; a customs letter must be one of: "
        "{accepted}."
    ),
    "carrier_confirmation": N_(
        "The file {filename} is a {content_type} file; a carrier confirmation must be one of: "
        "{accepted}."
    ),
    "value_proof": N_(
        "The file {filename} is a {content_type} file; a value proof must be one of: {accepted}."
    ),
    "other": N_(
        "The file {filename} is a {content_type} file; a other must be one of: {accepted}."
    ),
}
# A file whose type is none we know.
_UNKNOWN_TYPE: Mapping[str, str] = {
    "unboxing_video": N_(
        "The file {filename} is not a file type we accept; a unboxing video must be one of: "
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
        "The file {filename} is not a file type we accept; a other must be one of: {accepted}."
    ),
}

assert set(_TOO_LARGE) == set(_WRONG_TYPE) == set(_UNKNOWN_TYPE) == set(EVIDENCE_KINDS)

_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})
_MP4_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash"}
    | {b"3gp4", b"3gp5", b"3gp6", b"3g2a", b"MSNV", b"f4v "}
)
_MOV_ATOMS = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})


def sniff_content_type(data: bytes) -> str | None:
    """The content type the bytes really are, from their magic numbers, or ``None``."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"%PDF-"):
        return PDF
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in _HEIC_BRANDS:
            return HEIC
        if brand == b"qt  ":
            return MOV
        if brand in _MP4_BRANDS:
            return MP4
        return None
    if data[4:8] in _MOV_ATOMS and len(data) >= 16:
        return MOV  # old QuickTime files start with an atom instead of ftyp
    return None


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


def check_evidence(kind: str, filename: str, data: bytes) -> CheckedFile:
    """Check an evidence file against the kind's allow-list and size limit.

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
    if not data:
        raise EvidenceRejected(
            Message(N_("The file {filename} is empty; please send it again."), {"filename": shown})
        )
    if len(data) > policy.max_bytes:
        raise EvidenceRejected(
            Message(
                _TOO_LARGE[kind],
                {
                    "filename": shown,
                    "size_mb": f"{len(data) / MB:.1f}",
                    "max_mb": policy.max_bytes // MB,
                },
            )
        )
    content_type = sniff_content_type(data)
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
    return CheckedFile(kind, name, content_type, len(data), hashlib.sha256(data).hexdigest())


class EvidenceFileStore:
    """Keeps evidence bytes under one private directory, by random name."""

    def __init__(self, directory: Path) -> None:
        """Remember the directory; it is created (mode 0700) on first write."""
        self.directory = directory

    def save(self, data: bytes, content_type: str) -> str:
        """Write the bytes atomically under a new random name; return that name."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        name = secrets.token_hex(16) + EXTENSIONS.get(content_type, ".bin")
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
