"""What an evidence file says about itself, read from its bytes by maintained libraries.

* type: libmagic (``python-magic``), from the first bytes;
* photos: EXIF ``DateTimeOriginal`` (else ``DateTime``) and the camera's make and model,
  with Pillow (only the header is parsed; no pixel is decoded);
* videos: the container's duration and recorded-at time (``mvhd`` creation time, shown by
  MediaInfo as ``encoded_date``), with ``pymediainfo`` (its wheel bundles libmediainfo).

Nothing here executes a customer's file, and a file a library cannot read yields facts
marked unreadable rather than an exception.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from PIL import ExifTags, Image, UnidentifiedImageError
from pymediainfo import MediaInfo

from cssecure.claims.evidence import HEAD_BYTES, detected_type

logger = logging.getLogger(__name__)

_VIDEO_FORMATS = frozenset({"MPEG-4", "QuickTime"})
_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = ExifTags.Base.DateTimeOriginal.value
_DATETIME = ExifTags.Base.DateTime.value
_MAKE, _MODEL = ExifTags.Base.Make.value, ExifTags.Base.Model.value


@dataclass(frozen=True)
class FileFacts:
    """What a file's bytes say.

    Attributes:
        detected_type: the MIME type libmagic finds (e.g. ``video/quicktime``, ``text/html``).
        readable: a photo Pillow can open, or a video whose container MediaInfo can read
            (with a duration, a recorded time or a video track); PDFs: True when detected.
        recorded_at: when the photo was taken or the video recorded (aware; EXIF times carry
            no zone and are read as UTC), or None when the file does not say.
        duration_s: a video's length in seconds.
        camera: the photo's camera make and model.
        video_track: a video file has a video track.
    """

    detected_type: str
    readable: bool
    recorded_at: datetime | None = None
    duration_s: float | None = None
    camera: str | None = None
    video_track: bool = False


def _exif_time(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.strptime(text.strip("\x00 "), "%Y:%m:%d %H:%M:%S").replace(
            tzinfo=timezone.utc
        )
    except ValueError:
        return None


def photo_facts(path: Path, found: str) -> FileFacts:
    """Capture time and camera from a photo's EXIF (header only)."""
    try:
        with Image.open(path) as image:
            exif = image.getexif()
            taken = _exif_time(exif.get_ifd(_EXIF_IFD).get(_DATETIME_ORIGINAL)) or _exif_time(
                exif.get(_DATETIME)
            )
            parts = [str(exif.get(tag) or "").strip("\x00 ") for tag in (_MAKE, _MODEL)]
    # A header claiming billions of pixels is Pillow's DecompressionBombError (not an
    # OSError): a flagged, unreadable photo, never a 500.
    except (
        UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError
    ) as exc:
        logger.info("photo not readable (%s)", type(exc).__name__)
        return FileFacts(found, readable=False)
    camera = " ".join(p for p in parts if p) or None
    return FileFacts(found, readable=True, recorded_at=taken, camera=camera)


def _media_time(text: object) -> datetime | None:
    """MediaInfo's ``"2026-11-20 10:00:00 UTC"`` (or ISO) as an aware time."""
    if not isinstance(text, str) or not text.strip():
        return None
    value = text.strip().removeprefix("UTC ").removesuffix(" UTC").replace("T", " ")
    value = value.rstrip("Z")
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    return None


def video_facts(path: Path, found: str) -> FileFacts:
    """Duration, recorded-at time and video track from the container (MediaInfo)."""
    try:
        info = MediaInfo.parse(path)
    except (OSError, RuntimeError) as exc:
        logger.warning("MediaInfo could not read a video (%s)", type(exc).__name__)
        return FileFacts(found, readable=False)
    general = next((t for t in info.tracks if t.track_type == "General"), None)
    videos = [t for t in info.tracks if t.track_type == "Video"]
    if general is None or general.format not in _VIDEO_FORMATS:
        return FileFacts(found, readable=False)
    duration_ms = general.duration or next((v.duration for v in videos if v.duration), None)
    recorded = _media_time(general.encoded_date) or _media_time(general.tagged_date)
    # A container name alone proves nothing ("....moov<html>"): it must say something.
    readable = bool(videos or duration_ms or recorded)
    if recorded is not None and recorded.year < 1971:
        recorded = None  # the zero time of the format: not written by the camera
    return FileFacts(
        found,
        readable=readable,
        recorded_at=recorded,
        duration_s=round(float(duration_ms) / 1000, 3) if duration_ms else None,
        video_track=bool(videos),
    )


def inspect_file(path: Path) -> FileFacts:
    """Everything the file at ``path`` says about itself (see the module doc).

    Args:
        path: a stored or received evidence file.

    Returns:
        Its facts; a file no library can read gives ``readable=False``.
    """
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    found = detected_type(head)
    if found.startswith("image/"):
        return photo_facts(path, found)
    if found.startswith("video/"):
        return video_facts(path, found)
    return FileFacts(found, readable=found == "application/pdf")
