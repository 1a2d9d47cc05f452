"""What the claim page shows of each evidence file, and how the console serves the bytes.

Pure functions over the claim view (``cssecure.claims.views.claim_to_dict``): a card per
file (thumbnail or video player, its checks in words), a download name the console makes
up itself (the customer's file name is shown, never used: ``statement.html`` must not
reach an agent's disk under that name), and the words a "send it again" request uses.

The checks on a file (issue 15: ``checks`` as ``{name, outcome, detail}``,
``detected_type``, ``sha256``, ``recorded_at``...) are shown when present; files stored
before them have none, and their cards say so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from cssecure.i18n.catalog import N_, tr

# A file's bytes served for a link a person clicks: inline only for what a browser shows
# without running anything (pictures, videos); everything else is downloaded.
INLINE_PREFIXES = ("image/", "video/")

# Extensions of the content types the evidence store accepts (sniffed from the bytes).
_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/heic": ".heic",
    "image/heif": ".heif",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/webm": ".webm",
    "video/x-matroska": ".mkv",
    "video/3gpp": ".3gp",
    "application/pdf": ".pdf",
}

# Outcomes of a check (issue 15) as the agent reads them; anything else is shown as is.
OUTCOME_WORDS = {"ok": "ok", "flag": "check this", "unknown": "could not tell"}

# Evidence kinds in words: the same msgids as the assistant's (actions/texts.py), so the
# customer reads the kind in their language when an agent asks for a file again.
KIND_WORDS: dict[str, str] = {
    "unboxing_video": N_("unboxing video"),
    "photo": N_("photo"),
    "customs_letter": N_("customs letter"),
    "carrier_confirmation": N_("carrier confirmation"),
    "value_proof": N_("value proof"),
    "other": N_("other"),
}

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Check:
    """One check made on a file, in words."""

    name: str
    outcome: str
    detail: str
    flagged: bool


@dataclass(frozen=True)
class EvidenceCard:
    """One evidence file on the claim page.

    Attributes:
        evidence_id: the item's public id.
        kind: its kind in words ("unboxing video").
        src: the console address of its bytes (thumbnail, player).
        download: the address that always downloads it, under ``download_name``.
        download_name: the generated file name.
        media: ``image``, ``video`` or ``""`` (a document: no preview).
        filename: the customer's own file name (shown, escaped; never used as a name).
        facts: further facts as (label, words) pairs: size, type, channel, times...
        checks: the checks made on the bytes (empty for files stored before issue 15).
        flagged: some check asks the agent to look closer.
    """

    evidence_id: str
    kind: str
    src: str
    download: str
    download_name: str
    media: str
    filename: str
    facts: tuple[tuple[str, str], ...]
    checks: tuple[Check, ...]
    flagged: bool


def kind_words(kind: str, language: str | None = None) -> str:
    """An evidence kind in words, in ``language`` (English by default)."""
    words = KIND_WORDS.get(kind)
    return tr(language, words) if words else kind.replace("_", " ")


def download_name(reference: str, item: Mapping[str, Any]) -> str:
    """A file name made by the console: ``<reference>-<kind>-<id8><ext>``.

    Only letters, digits, ``-`` and ``_`` survive from the reference, kind and id; the
    extension comes from the sniffed content type (``.bin`` for an unknown one), never
    from the name the customer gave.
    """
    parts = [
        _UNSAFE.sub("", str(reference)) or "claim",
        _UNSAFE.sub("", str(item.get("kind") or "")) or "file",
        _UNSAFE.sub("", str(item.get("evidence_id") or ""))[:8] or "item",
    ]
    content_type = str(item.get("content_type") or "").split(";")[0].strip().lower()
    return "-".join(parts) + _EXTENSIONS.get(content_type, ".bin")


def disposition(item: Mapping[str, Any], *, download: bool, name: str) -> str:
    """The ``Content-Disposition`` of a file: inline for a picture or video shown on the
    page, ``attachment`` for every other type and whenever a download was asked for."""
    inline = str(item.get("content_type") or "").startswith(INLINE_PREFIXES) and not download
    return f"{'inline' if inline else 'attachment'}; filename=\"{name}\""


def _size_words(size: Any) -> str:
    if not isinstance(size, int) or isinstance(size, bool):
        return "size unknown"
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} bytes"


def _checks(item: Mapping[str, Any]) -> tuple[Check, ...]:
    found = []
    for check in item.get("checks") or ():
        if not isinstance(check, Mapping):
            continue
        outcome = str(check.get("outcome") or "unknown")
        found.append(
            Check(
                name=str(check.get("name") or "check").replace("_", " "),
                outcome=OUTCOME_WORDS.get(outcome, outcome),
                detail=str(check.get("detail") or ""),
                flagged=outcome == "flag",
            )
        )
    return tuple(found)


def evidence_cards(view: Mapping[str, Any], prefix: str) -> list[EvidenceCard]:
    """The evidence section of a claim page, one card per file, in the order received."""
    reference = str(view.get("reference") or "")
    base = f"{prefix}/claims/{quote(reference, safe='')}/evidence/"
    cards = []
    for item in view.get("evidence") or ():
        if not isinstance(item, Mapping):
            continue
        evidence_id = str(item.get("evidence_id") or "")
        content_type = str(item.get("content_type") or "")
        src = base + quote(evidence_id, safe="")
        media = "image" if content_type.startswith("image/") else (
            "video" if content_type.startswith("video/") else ""
        )
        facts: list[tuple[str, str]] = [
            ("Type", content_type or "unknown"),
            ("Size", _size_words(item.get("size_bytes"))),
            ("Received", f"{item.get('received_at') or 'unknown'} via "
                         f"{item.get('source_channel') or 'unknown channel'}"),
        ]
        detected = item.get("detected_type")
        if detected:
            facts.append(("Detected from the bytes", str(detected)))
        if item.get("recorded_at"):
            facts.append(("Recorded", str(item["recorded_at"])))
        if item.get("duration_s") is not None:
            facts.append(("Duration", f"{float(item['duration_s']):.0f} s"))
        if item.get("camera"):
            facts.append(("Camera", str(item["camera"])))
        if item.get("sha256"):
            facts.append(("SHA-256", str(item["sha256"])))
        checks = _checks(item)
        cards.append(
            EvidenceCard(
                evidence_id=evidence_id,
                kind=kind_words(str(item.get("kind") or "")),
                src=src,
                download=src + "?download=1",
                download_name=download_name(reference, item),
                media=media,
                filename=str(item.get("filename") or ""),
                facts=tuple(facts),
                checks=checks,
                flagged=any(c.flagged for c in checks),
            )
        )
    return cards
