"""Canned replies (issue 18): per language, with placeholders for the claim's facts.

A supervisor keeps them in the console; an agent picks one on a claim page and gets it
filled in the customer's language: ``{reference}``, ``{payout}`` (the decided or assessed
payout with its currency, written the customer's way) and ``{deadline}`` (the next
evidence due date, written as the assistant told it to the customer: "14 December 2026",
"14.12.2026"). A placeholder the claim has no value for stays visible as ``[payout?]``,
so the agent sees it, and a message that still has one (or a bare ``{payout}``) is refused
before anything is sent (:func:`unfilled_words`); an unknown placeholder is refused when
the reply is saved.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from cssecure.console.accounts import metadata, utcnow
from cssecure.i18n import DEFAULT_LANGUAGE, LANGUAGES
from cssecure.i18n.catalog import language_or_default
from cssecure.i18n.formatting import format_amount, format_day

PLACEHOLDERS = ("reference", "payout", "deadline")
MAX_TITLE = 80
MAX_BODY = 2000

canned_replies = sa.Table(
    "canned_replies",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("title", sa.String(MAX_TITLE), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("language", "title", name="uq_canned_replies_language"),
)


class CannedReplyError(ValueError):
    """A canned reply was refused; ``str(exc)`` says why."""


@dataclass(frozen=True)
class CannedReply:
    """One canned reply."""

    id: int
    language: str
    title: str
    body: str
    updated_by: str
    updated_at: datetime


def check_body(body: str) -> str:
    """A reply's text, checked: not blank, not too long, only known ``{placeholders}``.

    Raises:
        CannedReplyError: blank, too long, a malformed or unknown placeholder.
    """
    body = body.strip()
    if not body:
        raise CannedReplyError("A canned reply needs a text.")
    if len(body) > MAX_BODY:
        raise CannedReplyError(f"A canned reply has at most {MAX_BODY} characters.")
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(body) if f is not None]
    except ValueError as exc:
        raise CannedReplyError(
            "A brace that is not a placeholder: write {reference}, {payout} or {deadline}."
        ) from exc
    unknown = sorted({f for f in fields if f not in PLACEHOLDERS})
    if unknown:
        raise CannedReplyError(
            f"Unknown placeholder {{{unknown[0]}}}: use {{reference}}, {{payout}} or "
            "{deadline}."
        )
    return body


def claim_values(view: Mapping[str, Any], language: str) -> dict[str, str | None]:
    """The placeholders' values for a claim (``claim_to_dict``) in ``language``.

    ``payout`` is the approved payout, else the assessment's (None when it is zero or
    unknown); ``deadline`` the earliest due date of the evidence still missing.
    """
    payout: str | None = None
    raw = view.get("payout_rmb") or (view.get("assessment") or {}).get("payout_rmb")
    try:
        amount = Decimal(str(raw)) if raw is not None else None
    except (InvalidOperation, ValueError):
        amount = None
    if amount is not None and amount > 0:
        payout = format_amount(amount, language)
    dues = []
    for item in view.get("missing_evidence") or ():
        due = item.get("due") if isinstance(item, Mapping) else None
        if isinstance(due, str) and len(due) >= 10:
            try:
                dues.append(date.fromisoformat(due[:10]))
            except ValueError:
                continue
    deadline = deadline_words(min(dues), language) if dues else None
    return {"reference": str(view.get("reference") or ""), "payout": payout, "deadline": deadline}


def deadline_words(day: date, language: str | None) -> str:
    """An evidence due day as the assistant wrote it to the customer when it asked for the
    file (``actions.texts.long_day_text``): "14 December 2026" in English, the locale's
    form elsewhere ("14.12.2026")."""
    if language_or_default(language) == DEFAULT_LANGUAGE:
        return f"{day:%d %B %Y}"
    return format_day(day, language)


def fill(body: str, values: Mapping[str, str | None]) -> str:
    """``body`` with its placeholders filled; a missing value shows as ``[name?]``."""
    parts = []
    for literal, name, _spec, _conv in string.Formatter().parse(body):
        parts.append(literal)
        if name is not None:
            value = values.get(name)
            parts.append(value if value else f"[{name}?]")
    return "".join(parts)


class CannedReplies:
    """The canned replies in the claims database.

    Args:
        engine: the claims database engine.
        clock: naive UTC now.
    """

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def all(self, language: str | None = None) -> list[CannedReply]:
        """Every reply (of ``language``), by language and title."""
        query = sa.select(canned_replies).order_by(
            canned_replies.c.language, canned_replies.c.title
        )
        if language is not None:
            query = query.where(canned_replies.c.language == language)
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return [CannedReply(r.id, r.language, r.title, r.body, r.updated_by, r.updated_at)
                for r in rows]

    def get(self, reply_id: int) -> CannedReply | None:
        """One reply by id (``None``: no such reply)."""
        with self._engine.connect() as conn:
            r = conn.execute(
                sa.select(canned_replies).where(canned_replies.c.id == reply_id)
            ).first()
        return None if r is None else CannedReply(
            r.id, r.language, r.title, r.body, r.updated_by, r.updated_at
        )

    def save(
        self, *, language: str, title: str, body: str, by: str, reply_id: int | None = None
    ) -> CannedReply:
        """Add a reply, or change reply ``reply_id``.

        Raises:
            CannedReplyError: unknown language, blank or long title, a bad text, a title
                already used in that language, or no reply ``reply_id``.
        """
        if language not in LANGUAGES:
            raise CannedReplyError(f"Unknown language {language!r}.")
        title = " ".join(title.split())
        if not title or len(title) > MAX_TITLE:
            raise CannedReplyError(f"A title has 1 to {MAX_TITLE} characters.")
        body = check_body(body)
        values = {"language": language, "title": title, "body": body, "updated_by": by,
                  "updated_at": self._clock()}
        try:
            with self._engine.begin() as conn:
                if reply_id is None:
                    result = conn.execute(canned_replies.insert().values(**values))
                    (reply_id,) = result.inserted_primary_key
                elif not conn.execute(
                    canned_replies.update().where(canned_replies.c.id == reply_id).values(**values)
                ).rowcount:
                    raise CannedReplyError("There is no such canned reply.")
        except IntegrityError as exc:
            raise CannedReplyError(
                f"There is already a reply titled {title!r} in {language}."
            ) from exc
        saved = self.get(int(reply_id))
        assert saved is not None
        return saved

    def delete(self, reply_id: int) -> bool:
        """Remove a reply; False when there was none."""
        with self._engine.begin() as conn:
            return bool(
                conn.execute(
                    canned_replies.delete().where(canned_replies.c.id == reply_id)
                ).rowcount
            )


# What :func:`fill` leaves for a value the claim lacks ("[payout?]"), and a placeholder
# nobody filled ("{payout}"): neither may reach a customer.
_NAMES = "|".join(PLACEHOLDERS)
_UNFILLED = re.compile(rf"\[(?:{_NAMES})\?\]|\{{(?:{_NAMES})\}}")


def unfilled(text: str) -> list[str]:
    """The placeholders still unfilled in a message, as they appear in it (``[payout?]``,
    ``{deadline}``), in order, each once."""
    return list(dict.fromkeys(match.group(0) for match in _UNFILLED.finditer(text)))


def unfilled_words(text: str) -> str | None:
    """Why a message may not be sent as it is (review of issue 18: a canned reply filled as
    "payout [payout?]" reached the customer), or ``None``: it has no unfilled placeholder."""
    found = unfilled(text)
    if not found:
        return None
    return (
        f"Nothing was sent: the message still has a placeholder with no value filled in "
        f"({', '.join(found)}). Write the value in, or take that part out, and send again."
    )
