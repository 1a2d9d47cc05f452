"""Evidence files: types found by libmagic, allow-lists, size limits, names, the private
file store."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from cssecure.claims.errors import EvidenceRejected
from cssecure.claims.evidence import (
    EVIDENCE_POLICIES,
    MB,
    EvidenceFileStore,
    check_evidence,
    sniff_content_type,
)

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
# libmagic reads a PNG's header chunk, not only its signature.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x08\x00\x00\x00\x08\x08\x02" + b"\x00" * 24
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00" + b"\x00" * 32
MP4 = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00" + b"\x00" * 32
MOV = b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00" + b"\x00" * 32
# A QuickTime file without ftyp, its movie atom first ("fast start"). (One that starts with
# "wide" + "mdat" is not one libmagic knows: refused, as any unknown type.)
OLD_MOV = b"\x00\x00\x00\x10moov\x00\x00\x00\x08mvhd" + b"\x00" * 32
PDF = b"%PDF-1.7\n" + b"\x00" * 32


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (JPEG, "image/jpeg"),
        (PNG, "image/png"),
        (WEBP, "image/webp"),
        (HEIC, "image/heic"),
        (MP4, "video/mp4"),
        (MOV, "video/quicktime"),
        (OLD_MOV, "video/quicktime"),
        (PDF, "application/pdf"),
        (b"MZ\x90\x00" + b"\x00" * 40, None),  # a Windows program
        (b"<html><script>alert(1)</script>", None),
        (b"PK\x03\x04" + b"\x00" * 40, None),  # zip
        (b"\x00\x00\x00\x18ftypXXXX" + b"\x00" * 20, None),  # unknown ISO brand
        (b"\xff\xd8", None),  # truncated JPEG magic
    ],
)
def test_content_type_is_sniffed_from_the_bytes(data: bytes, content_type: str | None) -> None:
    assert sniff_content_type(data) == content_type


def test_a_checked_file_carries_its_sniffed_type_size_and_hash() -> None:
    checked = check_evidence("photo", "scratch.png", PNG)
    assert checked.content_type == "image/png"
    assert checked.size_bytes == len(PNG)
    assert checked.sha256 == hashlib.sha256(PNG).hexdigest()


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("unboxing_video", JPEG),  # a photo is not an unboxing video
        ("photo", MP4),
        ("photo", PDF),
        ("customs_letter", MP4),
        ("carrier_confirmation", MOV),
        ("other", b"GIF89a" + b"\x00" * 20),
    ],
)
def test_types_outside_the_kinds_allow_list_are_refused(kind: str, data: bytes) -> None:
    with pytest.raises(EvidenceRejected, match="must be one of"):
        check_evidence(kind, "file.bin", data)


def test_value_proof_accepts_a_screen_recording_and_a_pdf() -> None:
    assert check_evidence("value_proof", "chat.mp4", MP4).content_type == "video/mp4"
    assert check_evidence("value_proof", "order.pdf", PDF).content_type == "application/pdf"


def test_a_renamed_file_is_judged_by_its_bytes() -> None:
    with pytest.raises(EvidenceRejected, match="not a file type we accept"):
        check_evidence("photo", "photo.jpg", b"#!/bin/sh\nrm -rf /\n")


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(EvidenceRejected, match="Unknown evidence kind 'selfie'"):
        check_evidence("selfie", "a.jpg", JPEG)


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(EvidenceRejected, match="is empty"):
        check_evidence("photo", "a.jpg", b"")


@pytest.mark.parametrize("kind", ["photo", "customs_letter"])
def test_a_file_at_the_kinds_size_limit_is_accepted(kind: str) -> None:
    limit = EVIDENCE_POLICIES[kind].max_bytes
    data = JPEG + b"\x00" * (limit - len(JPEG))
    assert check_evidence(kind, "big.jpg", data).size_bytes == limit


@pytest.mark.parametrize("kind", ["photo", "customs_letter"])
def test_a_file_one_byte_over_the_kinds_size_limit_is_refused(kind: str) -> None:
    limit = EVIDENCE_POLICIES[kind].max_bytes
    data = JPEG + b"\x00" * (limit - len(JPEG) + 1)
    with pytest.raises(EvidenceRejected, match=f"may be at most {limit // MB} MB"):
        check_evidence(kind, "big.jpg", data)


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "..\\..\\windows\\system32",
        "/etc/passwd",
        "photos/a.jpg",
        ".htaccess",
        "a..jpg",
        "evil\x00.jpg",
        "line\nbreak.jpg",
        "",
        "   ",
        "x" * 201,
    ],
)
def test_path_like_or_odd_file_names_are_refused(name: str) -> None:
    with pytest.raises(EvidenceRejected):
        check_evidence("photo", name, JPEG)


def test_plain_names_with_spaces_and_unicode_are_fine() -> None:
    assert check_evidence("photo", "破损 照片 (1).jpg", JPEG).filename == "破损 照片 (1).jpg"


def test_the_store_writes_private_files_under_random_names(tmp_path: Path) -> None:
    store = EvidenceFileStore(tmp_path / "evidence")
    first = store.save(JPEG, "image/jpeg")
    second = store.save(JPEG, "image/jpeg")
    assert first != second and first.endswith(".jpg") and len(first) == 32 + 4
    assert store.read(first) == JPEG
    assert stat.S_IMODE((tmp_path / "evidence").stat().st_mode) == 0o700
    assert stat.S_IMODE(store.path(first).stat().st_mode) == 0o600
    assert sorted(p.name for p in (tmp_path / "evidence").iterdir()) == sorted([first, second])
    store.delete(first)
    assert not store.path(first).exists()


@pytest.mark.parametrize("name", ["../claims.db", ".incoming-x", "a/b.jpg"])
def test_the_store_refuses_names_that_are_not_its_own(tmp_path: Path, name: str) -> None:
    with pytest.raises(EvidenceRejected):
        EvidenceFileStore(tmp_path).read(name)


@pytest.mark.parametrize(
    "name",
    ["photo\u202egpj.exe", "scan\u2066.pdf", "video\u200b.mp4", "a\ufeffb.jpg", "x\u2028y.png"],
)
def test_a_file_name_with_invisible_or_direction_changing_characters_is_refused(
    name: str,
) -> None:
    """Issue 16 review: "photo\\u202egpj.exe" showed to agents as "photoexe.jpg"."""
    from cssecure.claims.evidence import EvidenceRejected, check_filename

    with pytest.raises(EvidenceRejected, match="not allowed"):
        check_filename(name)


@pytest.mark.parametrize("name", ["photo.jpg", "Überweisung 2026.pdf", "照片.png", "🙂.jpg"])
def test_ordinary_file_names_in_any_script_are_kept(name: str) -> None:
    from cssecure.claims.evidence import check_filename

    assert check_filename(name) == name
