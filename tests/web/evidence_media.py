"""Evidence media built in code for the tests (no ffmpeg, no files in the repository).

* :func:`jpeg_with_exif`: a real JPEG (Pillow) with a capture time and a camera;
* :func:`quicktime_video`: a small valid QuickTime/MP4 container written by hand: ``ftyp``
  and a ``moov`` whose ``mvhd``/``tkhd``/``mdhd`` carry the creation time and duration and
  whose one track is an AVC video track (no samples: MediaInfo reads the container, and
  nothing here is ever played). ``padding`` appends an ``mdat`` of that many bytes.
"""

from __future__ import annotations

import io
import struct
from datetime import datetime, timezone

from PIL import Image

# QuickTime times count seconds from 1904-01-01 UTC.
_QT_EPOCH = datetime(1904, 1, 1, tzinfo=timezone.utc)


def jpeg_with_exif(
    taken: datetime | None = None, camera: tuple[str, str] | None = ("Apple", "iPhone 13"),
    *, colour: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (64, 48),
) -> bytes:
    """A JPEG photo with EXIF ``DateTimeOriginal`` (``taken``) and ``Make``/``Model``."""
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    if camera is not None:
        exif[0x010F], exif[0x0110] = camera
    if taken is not None:
        exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _full(kind: bytes, payload: bytes, flags: int = 0) -> bytes:
    return _box(kind, struct.pack(">I", flags) + payload)


def undated_video(seconds: int = 12) -> bytes:
    """A valid MP4 container whose recorded time is the format's zero (no date written):
    readable, with no recorded-at time to compare with the delivery."""
    return quicktime_video(_QT_EPOCH, seconds, brand=b"isom")


def quicktime_video(
    recorded: datetime, seconds: int = 12, *, brand: bytes = b"qt  ", padding: int = 0
) -> bytes:
    """A valid QuickTime (``brand`` ``qt  ``) or MP4 (``isom``) container recorded at
    ``recorded`` lasting ``seconds``."""
    created = int((recorded - _QT_EPOCH).total_seconds())
    scale, duration = 1000, seconds * 1000
    matrix = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    mvhd = _full(
        b"mvhd",
        struct.pack(">IIII", created, created, scale, duration)
        + struct.pack(">IH", 0x10000, 0x100) + bytes(10) + matrix + bytes(24)
        + struct.pack(">I", 2),
    )
    tkhd = _full(
        b"tkhd",
        struct.pack(">IIIII", created, created, 1, 0, duration) + bytes(8)
        + struct.pack(">hhhH", 0, 0, 0, 0) + matrix + struct.pack(">II", 320 << 16, 240 << 16),
        flags=3,
    )
    mdhd = _full(b"mdhd", struct.pack(">IIII", created, created, scale, duration)
                 + struct.pack(">HH", 0x55C4, 0))
    hdlr = _full(b"hdlr", bytes(4) + b"vide" + bytes(12) + b"VideoHandler\x00")
    avc1 = _box(
        b"avc1",
        bytes(6) + struct.pack(">H", 1) + bytes(16)
        + struct.pack(">HHIIIH", 320, 240, 0x480000, 0x480000, 0, 1) + bytes(32)
        + struct.pack(">Hh", 24, -1),
    )
    stbl = _box(
        b"stbl",
        _full(b"stsd", struct.pack(">I", 1) + avc1) + _full(b"stts", struct.pack(">I", 0))
        + _full(b"stsc", struct.pack(">I", 0)) + _full(b"stsz", struct.pack(">II", 0, 0))
        + _full(b"stco", struct.pack(">I", 0)),
    )
    dinf = _box(b"dinf", _full(b"dref", struct.pack(">I", 1) + _full(b"url ", b"", flags=1)))
    minf = _box(b"minf", _full(b"vmhd", bytes(8), flags=1) + dinf + stbl)
    trak = _box(b"trak", tkhd + _box(b"mdia", mdhd + hdlr + minf))
    head = _box(b"ftyp", brand + bytes(4) + brand) + _box(b"moov", mvhd + trak)
    return head + (_box(b"mdat", bytes(padding)) if padding else b"")


# A web page dressed as a video: QuickTime's "moov" at bytes 4-7, then HTML.
HTML_BEHIND_MOOV = b"\x00\x00\x00\x08moov<html><body><script>alert(1)</script></body></html>"
HTML_PAGE = b"<!DOCTYPE html>\n<html><head><title>Statement</title></head><body>hi</body></html>\n"
