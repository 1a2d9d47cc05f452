"""Real small media files for the console tests (the evidence store checks the bytes)."""

from __future__ import annotations

import io

from PIL import Image


def png_bytes(colour: tuple[int, int, int] = (200, 30, 30), size: int = 8) -> bytes:
    """A valid PNG of ``size`` x ``size`` pixels in one colour."""
    out = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(out, format="PNG")
    return out.getvalue()
