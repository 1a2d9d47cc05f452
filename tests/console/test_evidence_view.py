"""The evidence cards of the claim page and the console's own download names."""

from __future__ import annotations

from typing import Any

import pytest

from cssecure.console.evidence_view import (
    disposition,
    download_name,
    evidence_cards,
    kind_words,
)


def _item(**extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "evidence_id": "ev_AbCdEfGh123",
        "kind": "photo",
        "filename": "statement.html",
        "size_bytes": 2048,
        "content_type": "image/png",
        "sha256": "ab" * 32,
        "source_channel": "telegram",
        "received_at": "2026-11-20T10:00:00+00:00",
    }
    item.update(extra)
    return item


def test_the_download_name_is_made_from_reference_kind_id_and_the_sniffed_type() -> None:
    assert download_name("CS-2026-000001", _item()) == "CS-2026-000001-photo-ev_AbCdE.png"
    video = _item(kind="unboxing_video", content_type="video/quicktime")
    assert download_name("CS-2026-000001", video).endswith("-unboxing_video-ev_AbCdE.mov")


@pytest.mark.parametrize(
    "hostile",
    ['../../etc/passwd', 'x"; filename="evil.exe', "a\r\nSet-Cookie: x=1", "<script>"],
)
def test_no_hostile_reference_kind_or_id_reaches_the_name(hostile: str) -> None:
    name = download_name(hostile, _item(kind=hostile, evidence_id=hostile))
    assert all(c.isalnum() or c in "-_." for c in name), name
    assert name.endswith(".png") and ".." not in name


def test_an_unknown_content_type_downloads_as_bin_never_under_the_customers_extension() -> None:
    assert download_name("CS-1", _item(content_type="text/html")).endswith(".bin")
    assert "html" not in download_name("CS-1", _item(content_type="text/html"))


@pytest.mark.parametrize(
    ("content_type", "download", "expected"),
    [
        ("image/png", False, "inline"),
        ("video/mp4", False, "inline"),
        ("image/png", True, "attachment"),
        ("application/pdf", False, "attachment"),
        ("text/html", False, "attachment"),
    ],
)
def test_only_pictures_and_videos_show_inline_and_only_when_not_downloading(
    content_type: str, download: bool, expected: str
) -> None:
    value = disposition(_item(content_type=content_type), download=download, name="n.bin")
    assert value == f'{expected}; filename="n.bin"'


def test_a_card_shows_the_checks_and_flags_the_file_when_one_asks_for_a_look() -> None:
    checks = [
        {"name": "real_type", "outcome": "ok", "detail": "PNG image"},
        {"name": "same_file_elsewhere", "outcome": "flag", "detail": "also on CS-2026-000007"},
    ]
    (card,) = evidence_cards(
        {"reference": "CS-2026-000001", "evidence": [_item(checks=checks, detected_type="PNG")]},
        "/console",
    )
    assert [(c.name, c.outcome, c.flagged) for c in card.checks] == [
        ("real type", "ok", False),
        ("same file elsewhere", "check this", True),
    ]
    assert card.flagged
    assert ("Detected from the bytes", "PNG") in card.facts
    assert card.media == "image"
    assert card.src == "/console/claims/CS-2026-000001/evidence/ev_AbCdEfGh123"
    assert card.download == card.src + "?download=1"


def test_a_card_without_checks_is_not_flagged_and_keeps_its_facts() -> None:
    (card,) = evidence_cards({"reference": "CS-1", "evidence": [_item()]}, "/console")
    assert card.checks == () and not card.flagged
    assert ("Size", "2.0 KB") in card.facts
    assert card.kind == "photo" and card.filename == "statement.html"


def test_a_document_has_no_preview_and_a_video_a_player() -> None:
    cards = evidence_cards(
        {"reference": "CS-1", "evidence": [_item(content_type="application/pdf"),
                                           _item(content_type="video/mp4")]},
        "/console",
    )
    assert [c.media for c in cards] == ["", "video"]


def test_kind_words_are_in_the_customers_language() -> None:
    assert kind_words("unboxing_video") == "unboxing video"
    assert kind_words("unboxing_video", "de") == "Unboxing-Video"
    assert kind_words("something_new", "de") == "something new"
