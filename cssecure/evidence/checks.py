"""The checks recorded on an evidence item before anyone relies on it (issue 15).

Each check is ``{"name", "outcome", "detail"}`` with ``outcome`` one of ``ok``, ``flag``
(a person must look) or ``unknown`` (the file does not say); the console shows them. The
details are for staff (English), never shown to the customer.

* ``type``: the type found in the bytes, flagged when the customer's file name says another
  kind of file (``statement.html`` that is a JPEG, ``clip.mov`` that is a PDF);
* ``readable``: the photo or video container could be read;
* ``recorded_at``: when the photo was taken / the video recorded (EXIF, container);
* ``camera`` (photos), ``duration`` (videos);
* ``duplicate``: the same bytes (sha256) on another claim, or held for another conversation;
* ``delivery``: the recorded time against the parcel's delivery date: a photo or video of
  the parcel made before it was delivered is flagged, and so is an unboxing video made after
  the terms' 3 days to report damage.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Literal

from cssecure.evidence.inspect import FileFacts

Outcome = Literal["ok", "flag", "unknown"]
Check = dict[str, str]

# The terms: "contact us within 3 days of delivery"; the unboxing is when it arrives.
UNBOXING_DAYS = 3
# A recorded time carries no reliable zone (EXIF has none; phones differ): a day's bounds
# are taken in the earliest (UTC+14) and latest (UTC-12) zones, so that no honest customer
# is flagged for where they live.
_EARLIEST_ZONE = timedelta(hours=14)
_LATEST_ZONE = timedelta(hours=12)
# The kinds whose recorded time says something about the parcel's delivery.
_DATED_KINDS = frozenset({"unboxing_video", "photo"})

_FAMILIES: Mapping[str, str] = {
    ".jpg": "image", ".jpeg": "image", ".png": "image", ".webp": "image", ".heic": "image",
    ".heif": "image", ".gif": "image", ".mov": "video", ".mp4": "video", ".m4v": "video",
    ".3gp": "video", ".pdf": "document", ".html": "web page", ".htm": "web page",
    ".svg": "web page", ".exe": "program", ".js": "program", ".bat": "program",
}


def check(name: str, outcome: Outcome, detail: str) -> Check:
    """One check's record."""
    return {"name": name, "outcome": outcome, "detail": detail}


def _family(content_type: str) -> str:
    if content_type == "application/pdf":
        return "document"
    return content_type.split("/", 1)[0]


def type_check(filename: str, detected: str) -> Check:
    """The real type, flagged when the file's name claims another kind of file."""
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    named = _FAMILIES.get(suffix)
    if named is not None and named != _family(detected):
        return check("type", "flag", f"named {suffix} ({named}) but the bytes are {detected}")
    return check("type", "ok", detected)


def duplicate_check(elsewhere: Sequence[str]) -> Check:
    """The same file on other claims (their references, or ``held in <conversation>``)."""
    if elsewhere:
        return check("duplicate", "flag", "the same file is on " + ", ".join(sorted(elsewhere)))
    return check("duplicate", "ok", "not on any other claim")


# The kinds a delivery check does not date, in the agent's words (not the stored names).
_UNDATED_WORDS = {
    "customs_letter": "a customs letter",
    "carrier_confirmation": "a carrier's confirmation",
    "value_proof": "a proof of value",
    "other": "a file of no named kind",
}


def delivery_check(kind: str, recorded_at: datetime | None, delivered: date | None) -> Check:
    """The recorded time against the delivery date (see the module doc)."""
    if kind not in _DATED_KINDS:
        return check("delivery", "unknown",
                     f"{_UNDATED_WORDS.get(kind, 'this kind of file')} is not compared with "
                     "the delivery date")
    if recorded_at is None:
        return check("delivery", "unknown", "the file does not say when it was recorded")
    if delivered is None:
        return check("delivery", "unknown", "the delivery date is not known yet")
    midnight = datetime.combine(delivered, time(), tzinfo=timezone.utc)
    if recorded_at < midnight - _EARLIEST_ZONE:
        return check(
            "delivery", "flag",
            f"recorded {recorded_at:%Y-%m-%d %H:%M} UTC, before the delivery on {delivered}",
        )
    latest = midnight + timedelta(days=UNBOXING_DAYS + 1) + _LATEST_ZONE
    if kind == "unboxing_video" and recorded_at > latest:
        days = (recorded_at.date() - delivered).days
        return check(
            "delivery", "flag",
            f"recorded {days} days after the delivery on {delivered} (the terms: within "
            f"{UNBOXING_DAYS} days)",
        )
    return check(
        "delivery", "ok", f"recorded {recorded_at:%Y-%m-%d %H:%M} UTC, delivered {delivered}"
    )


def file_checks(
    facts: FileFacts,
    *,
    kind: str,
    filename: str,
    elsewhere: Sequence[str] = (),
    delivered: date | None = None,
) -> list[Check]:
    """All the checks of a file.

    Args:
        facts: what the file says (:func:`cssecure.evidence.inspect.inspect_file`).
        kind: its evidence kind (``photo``, ``unboxing_video``, ...).
        filename: the name the customer gave.
        elsewhere: the claims (or other conversations) that hold the same bytes.
        delivered: the parcel's delivery date, when known.

    Returns:
        The checks in a fixed order (type, readable, recorded_at, camera/duration,
        duplicate, delivery).
    """
    found = facts.detected_type
    checks = [type_check(filename, found)]
    if found.startswith(("image/", "video/")):
        what = "photo" if found.startswith("image/") else "video container"
        checks.append(
            check("readable", "ok", f"the {what} could be read")
            if facts.readable
            else check("readable", "flag", f"the {what} could not be read")
        )
        checks.append(
            check("recorded_at", "ok", facts.recorded_at.isoformat())
            if facts.recorded_at
            else check("recorded_at", "unknown", "no capture time in the file")
        )
    if found.startswith("image/"):
        checks.append(
            check("camera", "ok", facts.camera)
            if facts.camera
            else check("camera", "unknown", "no camera in the file")
        )
    if found.startswith("video/"):
        if facts.duration_s is not None:
            checks.append(check("duration", "ok", f"{facts.duration_s:g} s"))
        else:
            checks.append(check("duration", "unknown", "no duration in the container"))
        if facts.readable and not facts.video_track:
            checks.append(check("video_track", "flag", "the container has no video track"))
    checks.append(duplicate_check(elsewhere))
    checks.append(delivery_check(kind, facts.recorded_at, delivered))
    return checks


def replace_checks(checks: Iterable[Mapping[str, Any]], *new: Check) -> list[Check]:
    """``checks`` with those named like ``new`` replaced (in place) or appended."""
    fresh = {c["name"]: c for c in new}
    out = [fresh.pop(str(c["name"]), {k: str(v) for k, v in c.items()}) for c in checks]
    return out + list(fresh.values())


def delivered_date(facts: Mapping[str, Any]) -> date | None:
    """A claim's ``delivered_date`` fact as a date (facts keep dates as ISO text)."""
    value = facts.get("delivered_date")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None
