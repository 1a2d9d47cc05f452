"""Account linking: one-time codes that bind a Telegram or Discord chat to a customer.

Telegram and Discord users are anonymous until they link: the logged-in customer asks the
website for a code (``POST /api/link-code``), then types ``/link CODE`` in the chat; the
connector calls :func:`redeem_link_code`, which returns the customer id and records the
binding so that :func:`linked_customer` finds it on every later message.

Rules (issue 6, "Account linking"): a code expires 10 minutes after it was issued and works
once; issuing a new code cancels the customer's earlier unused codes. Codes are 8 symbols
from an alphabet without look-alikes (0/O, 1/I); spaces, dashes and case are ignored when
typed. Only a SHA-256 digest of each code is stored, so a copy of the database holds no
usable codes. With 32^8 (about 10^12) possible codes and at most one live code per customer
for 10 minutes, guessing is not a practical attack.

The pure core (:func:`new_code`, :func:`normalize_code`, :func:`check_redeemable`) has no
database; :class:`LinkStore` keeps codes and bindings in the claims database (tables
``link_codes`` and ``channel_links``, created by migration ``0003``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cssecure.claims.db import create_engine
from cssecure.i18n.catalog import N_, tr
from cssecure.settings import Settings

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CODE_TTL = timedelta(minutes=10)
LINKABLE_CHANNELS = frozenset({"telegram", "discord"})

metadata = sa.MetaData()

link_codes = sa.Table(
    "link_codes",
    metadata,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("customer_id", sa.String(64), nullable=False, index=True),
    # Naive UTC throughout: SQLite keeps no time zone, so none is stored anywhere.
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("used_at", sa.DateTime, nullable=True),
    sa.Column("used_channel", sa.String(16), nullable=True),
    sa.Column("used_external_id", sa.String(128), nullable=True),
)

channel_links = sa.Table(
    "channel_links",
    metadata,
    sa.Column("channel", sa.String(16), primary_key=True),
    sa.Column("external_user_id", sa.String(128), primary_key=True),
    sa.Column("customer_id", sa.String(64), nullable=False, index=True),
    sa.Column("linked_at", sa.DateTime, nullable=False),
)


class LinkCodeError(Exception):
    """A link code was refused: ``str(exc)`` is the customer's message in English,
    :meth:`text` the same in the customer's language (issue 14)."""

    #: The English message, marked for translation (``N_``) by each subclass.
    template = ""

    def __init__(self) -> None:
        super().__init__(self.template)

    def text(self, language: str | None = None) -> str:
        """The message in ``language`` (None or unknown: English)."""
        return tr(language, self.template)


class LinkCodeInvalid(LinkCodeError):
    """The code is malformed or unknown."""

    template = N_(
        "That link code is not valid. Check it, or get a new one on the website "
        "(Account > Link Telegram/Discord)."
    )


class LinkCodeExpired(LinkCodeError):
    """The code is older than 10 minutes."""

    template = N_(
        "That link code has expired (codes work for 10 minutes). "
        "Get a new one on the website."
    )


class LinkCodeUsed(LinkCodeError):
    """The code was redeemed before."""

    template = N_(
        "That link code has already been used. Each code works once: "
        "get a new one on the website."
    )


@dataclass(frozen=True)
class IssuedCode:
    """A code as shown to the customer once (it is not stored in clear)."""

    code: str
    expires_at: datetime

    def to_json(self) -> dict[str, str]:
        """``{"code": "ABCD-EFGH", "expires_at": "2026-01-01T10:10:00Z"}``."""
        return {
            "code": format_code(self.code),
            "expires_at": self.expires_at.replace(microsecond=0).isoformat() + "Z",
        }


@dataclass(frozen=True)
class LinkCodeRecord:
    """What is stored about a code."""

    customer_id: str
    expires_at: datetime
    used_at: datetime | None


def utcnow() -> datetime:
    """Now, as naive UTC (the form stored in the database)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def new_code(randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    """A fresh code of :data:`CODE_LENGTH` symbols (unformatted)."""
    return "".join(CODE_ALPHABET[randbelow(len(CODE_ALPHABET))] for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """``ABCDEFGH`` -> ``ABCD-EFGH``: easier to read and type."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def normalize_code(typed: str) -> str:
    """The code as typed (any case, spaces, dashes) in canonical form, or LinkCodeInvalid."""
    code = "".join(ch for ch in typed.upper() if ch not in " -\t")
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        raise LinkCodeInvalid()
    return code


def code_digest(code: str) -> str:
    """The stored form of a canonical code."""
    return hashlib.sha256(code.encode()).hexdigest()


def check_redeemable(record: LinkCodeRecord | None, now: datetime) -> str:
    """Return the customer id if the code can be redeemed at ``now``; raise otherwise.

    The last valid instant is ``expires_at`` itself; one second later the code is expired.
    """
    if record is None:
        raise LinkCodeInvalid()
    if record.used_at is not None:
        raise LinkCodeUsed()
    if now > record.expires_at:
        raise LinkCodeExpired()
    return record.customer_id


def _check_channel(channel: str, external_user_id: str) -> None:
    if channel not in LINKABLE_CHANNELS:
        raise ValueError(f"channel must be one of {sorted(LINKABLE_CHANNELS)}, not {channel!r}")
    if not external_user_id:
        raise ValueError("external_user_id must not be empty")


class LinkStore:
    """Link codes and channel bindings in the claims database."""

    def __init__(self, engine: Engine) -> None:
        """Use ``engine``; call :meth:`create_schema` once for a database without the tables."""
        self.engine = engine

    @classmethod
    def from_url(cls, database_url: str) -> LinkStore:
        """A store on ``database_url`` (the claims database, migrated by ``cssecure db
        upgrade``: migration 0003 creates the tables)."""
        return cls(create_engine(database_url))

    def create_schema(self) -> None:
        """Create the tables without Alembic (tests, throw-away databases)."""
        metadata.create_all(self.engine)

    def issue_code(self, customer_id: str, now: datetime | None = None) -> IssuedCode:
        """Issue a new code for ``customer_id``; earlier unused codes stop working."""
        if not customer_id:
            raise ValueError("customer_id must not be empty")
        now = now or utcnow()
        code = new_code()
        issued = IssuedCode(code=code, expires_at=now + CODE_TTL)
        with self.engine.begin() as conn:
            conn.execute(
                link_codes.delete().where(
                    link_codes.c.customer_id == customer_id, link_codes.c.used_at.is_(None)
                )
            )
            conn.execute(
                link_codes.insert().values(
                    code_hash=code_digest(code),
                    customer_id=customer_id,
                    created_at=now,
                    expires_at=issued.expires_at,
                )
            )
        return issued

    def redeem(
        self, typed_code: str, channel: str, external_user_id: str, now: datetime | None = None
    ) -> str:
        """Redeem a code for a chat user; returns the customer id and records the binding.

        Raises:
            LinkCodeInvalid, LinkCodeExpired, LinkCodeUsed: with a customer-readable message
                (``exc.text(language)``).
            ValueError: for an unknown channel or an empty user id (a programming error).
        """
        _check_channel(channel, external_user_id)
        now = now or utcnow()
        digest = code_digest(normalize_code(typed_code))
        with self.engine.begin() as conn:
            row = conn.execute(
                sa.select(
                    link_codes.c.customer_id, link_codes.c.expires_at, link_codes.c.used_at
                ).where(link_codes.c.code_hash == digest)
            ).first()
            record = None if row is None else LinkCodeRecord(row[0], row[1], row[2])
            customer_id = check_redeemable(record, now)
            # Conditional update: of two simultaneous redemptions only one changes the row.
            claimed = conn.execute(
                link_codes.update()
                .where(
                    link_codes.c.code_hash == digest,
                    link_codes.c.used_at.is_(None),
                    link_codes.c.expires_at >= now,
                )
                .values(used_at=now, used_channel=channel, used_external_id=external_user_id)
            )
            if claimed.rowcount != 1:
                raise LinkCodeUsed()
            conn.execute(
                channel_links.delete().where(
                    channel_links.c.channel == channel,
                    channel_links.c.external_user_id == external_user_id,
                )
            )
            conn.execute(
                channel_links.insert().values(
                    channel=channel,
                    external_user_id=external_user_id,
                    customer_id=customer_id,
                    linked_at=now,
                )
            )
        return customer_id

    def linked_customer(self, channel: str, external_user_id: str) -> str | None:
        """The customer a chat user is linked to, or ``None`` (anonymous)."""
        _check_channel(channel, external_user_id)
        with self.engine.connect() as conn:
            value = conn.execute(
                sa.select(channel_links.c.customer_id).where(
                    channel_links.c.channel == channel,
                    channel_links.c.external_user_id == external_user_id,
                )
            ).scalar()
        return None if value is None else str(value)

    def unlink(self, channel: str, external_user_id: str) -> bool:
        """Remove a binding (``/unlink``); True when there was one."""
        _check_channel(channel, external_user_id)
        with self.engine.begin() as conn:
            result = conn.execute(
                channel_links.delete().where(
                    channel_links.c.channel == channel,
                    channel_links.c.external_user_id == external_user_id,
                )
            )
        return bool(result.rowcount)


_stores: dict[str, LinkStore] = {}


def store_for(settings: Settings) -> LinkStore:
    """The process's store for the claims database of ``settings`` (created once)."""
    store = _stores.get(settings.database_url)
    if store is None:
        store = _stores[settings.database_url] = LinkStore.from_url(settings.database_url)
    return store


def redeem_link_code(
    code: str, channel: str, external_user_id: str, settings: Settings | None = None
) -> str:
    """Redeem ``code`` typed in ``channel`` by ``external_user_id``; return the customer id.

    The function the Telegram and Discord connectors call for ``/link CODE``. Raises a
    :class:`LinkCodeError` subclass: send the user its :meth:`~LinkCodeError.text` in the
    chat's language.
    """
    return store_for(settings or Settings.from_env()).redeem(code, channel, external_user_id)


def linked_customer(
    channel: str, external_user_id: str, settings: Settings | None = None
) -> str | None:
    """The customer id a Telegram/Discord user has linked, or ``None``."""
    return store_for(settings or Settings.from_env()).linked_customer(channel, external_user_id)
