"""Checks before use (issue 15): what a file's bytes say, recorded on its evidence item.

Real claims app (SQLite and PostgreSQL), real libmagic, Pillow and MediaInfo, on media
built in code (tests/web/evidence_media.py).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from web.evidence_media import HTML_BEHIND_MOOV, HTML_PAGE, jpeg_with_exif, quicktime_video

from cssecure.claims.app import ClaimsApp
from cssecure.claims.errors import EvidenceRejected
from cssecure.claims.evidence import download_name
from cssecure.evidence.checks import UNBOXING_DAYS, delivery_check, type_check

from .support import make_parcel

DELIVERED = date(2024, 4, 15)
UTC = timezone.utc
# A damaged claim's statements (the rest comes from the agency's record of the parcel).
DAMAGE = {"damage_kind": "broken", "report_date": "2024-04-16", "affected_items_value": "300.00",
          "usable_after_damage": False}


def _at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def store(app: ClaimsApp) -> ClaimsApp:
    app.import_parcels([
        make_parcel(parcel_id="P500001", delivered_date=DELIVERED),
        make_parcel(parcel_id="P500002", delivered_date=DELIVERED, customer_id="cust-2"),
    ])
    return app


def _claim(app: ClaimsApp, parcel_id: str, customer: str, conversation: str) -> str:
    filed = app.file_claim(
        parcel_id=parcel_id, claim_type="damaged",
        facts={**DAMAGE, "unboxing_video": False, "damage_photos": False},
        customer_id=customer, channel="web", conversation_id=conversation, verified=True,
        flag_for_agent=False,
    )
    return str(filed["reference"])


def _checks(item: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {c["name"]: (c["outcome"], c["detail"]) for c in item["checks"]}


def _evidence(app: ClaimsApp, reference: str, evidence_id: str) -> dict[str, Any]:
    claim = app.claim_detail(reference)
    assert claim is not None
    return next(e for e in claim["evidence"] if e["evidence_id"] == evidence_id)


# --- type ---------------------------------------------------------------------------


def test_a_web_page_named_mov_is_refused_as_the_html_it_is(store: ClaimsApp) -> None:
    reference = _claim(store, "P500001", "cust-1", "conv-1")
    with pytest.raises(EvidenceRejected, match="not a file type we accept") as refused:
        store.attach_evidence(reference, "unboxing_video", "statement.mov", HTML_PAGE, "web")
    assert "must be one of: mov, mp4" in str(refused.value)
    claim = store.claim_detail(reference)
    assert claim is not None and claim["evidence"] == []


@pytest.mark.parametrize("kind", ["unboxing_video", "value_proof", "other"])
def test_a_web_page_behind_a_quicktime_atom_is_refused_and_nothing_is_stored(
    store: ClaimsApp, kind: str
) -> None:
    """The issue's own example (found again by review): libmagic sees "moov" and says
    QuickTime; MediaInfo finds no video in it. It was stored with a flag and counted as the
    unboxing video; now it is refused, as any kind that takes videos."""
    reference = _claim(store, "P500001", "cust-1", "conv-1")
    folder = store.evidence_store.directory
    with pytest.raises(EvidenceRejected, match="could not be opened as a video"):
        store.attach_evidence(reference, kind, "clip.mov", HTML_BEHIND_MOOV, "web")
    claim = store.claim_detail(reference)
    assert claim is not None and claim["evidence"] == []
    assert not folder.exists() or [p for p in folder.iterdir() if p.is_file()] == []
    real = store.attach_evidence(reference, kind, "real.mov",
                                 quicktime_video(_at(DELIVERED)), "web")
    assert _checks(_evidence(store, reference, real["evidence_id"]))["readable"][0] == "ok"


def test_a_name_that_says_another_kind_of_file_is_flagged() -> None:
    assert type_check("statement.html", "image/jpeg") == {
        "name": "type", "outcome": "flag",
        "detail": "named .html (web page) but the bytes are image/jpeg"}
    assert type_check("IMG_0001.JPG", "image/jpeg")["outcome"] == "ok"
    assert type_check("clip.mov", "video/mp4")["outcome"] == "ok"  # both videos
    assert type_check("no-extension", "video/mp4")["outcome"] == "ok"


def test_downloads_get_a_generated_name_never_the_customers() -> None:
    assert download_name("value_proof", "application/pdf", "ev_x/../y", "CS-2026-000007") == (
        "CS-2026-000007-value_proof-ev_x____y.pdf")
    assert download_name("photo", "text/html", "ev_1") == "photo-ev_1.bin"


# --- photos: EXIF, duplicates -------------------------------------------------------


def test_a_photo_records_its_capture_time_and_camera(store: ClaimsApp) -> None:
    reference = _claim(store, "P500001", "cust-1", "conv-1")
    taken = _at(DELIVERED + timedelta(days=1), 9)
    stored = store.attach_evidence(reference, "photo", "damage.jpg",
                                   jpeg_with_exif(taken, ("Apple", "iPhone 13")), "web")
    item = _evidence(store, reference, stored["evidence_id"])
    assert item["detected_type"] == "image/jpeg"
    assert item["recorded_at"] == taken.isoformat() and item["camera"] == "Apple iPhone 13"
    checks = _checks(item)
    assert checks["camera"] == ("ok", "Apple iPhone 13")
    assert checks["delivery"][0] == "ok" and checks["duplicate"][0] == "ok"
    bare = store.attach_evidence(reference, "photo", "b.jpg",
                                 jpeg_with_exif(None, None, colour=(1, 2, 3)), "web")
    bare_checks = _checks(_evidence(store, reference, bare["evidence_id"]))
    assert bare_checks["recorded_at"][0] == bare_checks["camera"][0] == "unknown"
    assert bare_checks["delivery"][0] == "unknown"


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels (no image data)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def test_a_photo_claiming_billions_of_pixels_is_stored_flagged_never_an_error(
    store: ClaimsApp,
) -> None:
    """A 69-byte PNG saying 30000 x 30000 is Pillow's decompression bomb: flagged, no 500."""
    reference = _claim(store, "P500001", "cust-1", "conv-1")
    stored = store.attach_evidence(reference, "photo", "bomb.png", _png_header(30000, 30000),
                                   "web")
    assert _checks(_evidence(store, reference, stored["evidence_id"]))["readable"][0] == "flag"
    # Its pair: a real small PNG is read.
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(buffer, format="PNG")
    small = store.attach_evidence(reference, "photo", "small.png", buffer.getvalue(), "web")
    assert _checks(_evidence(store, reference, small["evidence_id"]))["readable"][0] == "ok"


def test_the_same_photo_on_two_claims_is_flagged_on_the_second(store: ClaimsApp) -> None:
    first = _claim(store, "P500001", "cust-1", "conv-1")
    second = _claim(store, "P500002", "cust-2", "conv-2")
    photo = jpeg_with_exif(_at(DELIVERED))
    one = store.attach_evidence(first, "photo", "damage.jpg", photo, "web")
    two = store.attach_evidence(second, "photo", "mine.jpg", photo, "telegram")
    assert _checks(_evidence(store, first, one["evidence_id"]))["duplicate"] == (
        "ok", "not on any other claim")
    assert _checks(_evidence(store, second, two["evidence_id"]))["duplicate"] == (
        "flag", f"the same file is on {first}")
    other = store.attach_evidence(second, "photo", "other.jpg",
                                  jpeg_with_exif(_at(DELIVERED), colour=(9, 9, 9)), "web")
    assert _checks(_evidence(store, second, other["evidence_id"]))["duplicate"][0] == "ok"


# --- videos: duration, recorded time against the delivery ------------------------------


def test_a_video_records_its_duration_and_recorded_time(store: ClaimsApp) -> None:
    reference = _claim(store, "P500001", "cust-1", "conv-1")
    recorded = _at(DELIVERED, 18)
    stored = store.attach_evidence(reference, "unboxing_video", "unboxing.mp4",
                                   quicktime_video(recorded, 47, brand=b"isom"), "web")
    item = _evidence(store, reference, stored["evidence_id"])
    assert item["detected_type"] == "video/mp4" and item["duration_s"] == 47
    assert item["recorded_at"] == recorded.isoformat()
    checks = _checks(item)
    assert checks["duration"] == ("ok", "47 s")
    assert checks["delivery"] == ("ok", f"recorded 2024-04-15 18:00 UTC, delivered {DELIVERED}")


def test_an_unboxing_video_recorded_before_the_delivery_is_flagged(store: ClaimsApp) -> None:
    reference = _claim(store, "P500001", "cust-1", "conv-1")
    before = store.attach_evidence(reference, "unboxing_video", "unboxing.mov",
                                   quicktime_video(_at(DELIVERED - timedelta(days=5))), "web")
    outcome, detail = _checks(_evidence(store, reference, before["evidence_id"]))["delivery"]
    assert outcome == "flag"
    assert detail == f"recorded 2024-04-10 12:00 UTC, before the delivery on {DELIVERED}"


@pytest.mark.parametrize(
    ("recorded", "outcome"),
    [
        # The delivery day starts at 10:00 UTC the day before in the earliest zone (UTC+14).
        (datetime(2024, 4, 14, 10, 0, tzinfo=UTC), "ok"),
        (datetime(2024, 4, 14, 9, 59, tzinfo=UTC), "flag"),
        # The 3rd day after delivery ends at 12:00 UTC the day after in the latest (UTC-12).
        (datetime(2024, 4, 19, 12, 0, tzinfo=UTC), "ok"),
        (datetime(2024, 4, 19, 12, 1, tzinfo=UTC), "flag"),
        (datetime(2024, 5, 6, 12, 0, tzinfo=UTC), "flag"),  # weeks later
    ],
)
def test_unboxing_video_time_bounds_in_pairs(recorded: datetime, outcome: str) -> None:
    assert UNBOXING_DAYS == 3
    assert delivery_check("unboxing_video", recorded, DELIVERED)["outcome"] == outcome


def test_a_photo_weeks_after_the_delivery_is_fine_but_one_before_it_is_not() -> None:
    weeks = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)
    assert delivery_check("photo", weeks, DELIVERED)["outcome"] == "ok"
    assert delivery_check("photo", _at(DELIVERED - timedelta(days=2)), DELIVERED)["outcome"] == (
        "flag")
    assert delivery_check("customs_letter", weeks, DELIVERED)["outcome"] == "unknown"
    assert delivery_check("photo", weeks, None)["detail"] == "the delivery date is not known yet"


def test_a_file_sent_while_reporting_is_checked_again_against_the_claim_it_joins(
    store: ClaimsApp,
) -> None:
    # While the claim is reported the delivery date is not known: "unknown"; filed, the
    # record's date applies and the early video is flagged.
    early = quicktime_video(_at(DELIVERED - timedelta(days=3)))
    held = store.attach_draft_evidence("conv-9", "dr-9", "unboxing_video", "u.mov", early, "web",
                                       customer_id="cust-1")
    assert {c["name"]: c["outcome"] for c in held["checks"]}["delivery"] == "unknown"
    filed = store.file_claim(
        parcel_id="P500001", claim_type="damaged",
        facts={**DAMAGE, "unboxing_video": True, "damage_photos": False},
        customer_id="cust-1", channel="web", conversation_id="conv-9", verified=True,
        flag_for_agent=False, draft_id="dr-9",
    )
    item = _evidence(store, str(filed["reference"]), held["evidence_id"])
    assert _checks(item)["delivery"][0] == "flag"


@pytest.mark.parametrize("kind", ["customs_letter", "carrier_confirmation", "value_proof", "other"])
def test_an_undated_kind_is_named_in_words_for_the_agent(kind: str) -> None:
    """Issue 15 review: "a other is not dated", "a carrier_confirmation is not dated"."""
    found = delivery_check(kind, None, DELIVERED)
    assert found["outcome"] == "unknown"
    assert "_" not in found["detail"] and "a other" not in found["detail"]
    assert found["detail"].endswith("is not compared with the delivery date")


def test_a_file_of_no_named_kind_is_your_file_to_the_customer() -> None:
    from actions.texts import evidence_text

    assert evidence_text("other", None) == "file"
    assert evidence_text("other", "de") == "Dokument"
