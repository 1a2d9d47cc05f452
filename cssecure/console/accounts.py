"""Agent accounts and their console sessions (SQLAlchemy Core, the claims database).

Two tables, created by this package's Alembic migration: ``agent_accounts`` (name,
scrypt hash, active flag, failed-login counter; ``locked_until`` is no longer set:
see :meth:`AgentDirectory.authenticate`) and ``agent_sessions`` (SHA-256 of the
session token, the CSRF token of that session, and when it expires). Sessions are
server-side so that logging out or disabling an agent ends them at once.

Times are naive UTC ``datetime`` values: SQLite keeps no time zone, and one convention
on both databases keeps comparisons honest.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cssecure.claims import orm as claims_orm
from cssecure.console.security import (
    burn_password_check,
    check_password_strength,
    hash_password,
    new_token,
    token_digest,
    verify_password,
)

# The claims store's naming convention, so constraint names match the migration's.
metadata = sa.MetaData(naming_convention=claims_orm.metadata.naming_convention)

agent_accounts = sa.Table(
    "agent_accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("failed_logins", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", sa.DateTime, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    # Issue 18 (migration 0006): ``agent`` or ``supervisor``.
    sa.Column("role", sa.String(20), nullable=False, default="agent", server_default="agent"),
)

agent_sessions = sa.Table(
    "agent_sessions",
    metadata,
    sa.Column("token_sha256", sa.String(64), primary_key=True),
    sa.Column(
        "agent_id",
        sa.Integer,
        sa.ForeignKey("agent_accounts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_seen_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
)

# An agent idle for this long must log in again; no session outlives a working day.
IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=10)

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")


def utcnow() -> datetime:
    """The current time as naive UTC (the tables' convention)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class AccountError(ValueError):
    """An account operation was refused; ``str(exc)`` says why."""


def validate_role(role: str) -> str:
    """``agent`` or ``supervisor`` (case and spaces ignored).

    Raises:
        AccountError: any other role.
    """
    normalised = role.strip().lower()
    if normalised not in ("agent", "supervisor"):
        raise AccountError("A role is 'agent' or 'supervisor'.")
    return normalised


AGENT = "agent"
SUPERVISOR = "supervisor"
ROLES = (AGENT, SUPERVISOR)


@dataclass(frozen=True)
class Agent:
    """A support agent as the console sees it.

    Attributes:
        role: ``agent`` (works claims) or ``supervisor`` (also the dashboard, the canned
            replies and customers' data requests).
    """

    id: int
    name: str
    role: str = AGENT

    @property
    def is_supervisor(self) -> bool:
        """Whether the supervisor's pages are open to this agent."""
        return self.role == SUPERVISOR


@dataclass(frozen=True)
class AgentSession:
    """A live console session: who, and the CSRF token every form must carry."""

    agent: Agent
    csrf_token: str
    expires_at: datetime


def validate_agent_name(name: str) -> str:
    """Normalise and check an agent name (it appears in every claim history entry).

    Raises:
        AccountError: for names that are empty, too long or use odd characters.
    """
    normalised = name.strip().lower()
    if not _NAME.match(normalised):
        raise AccountError(
            "An agent name has 2 to 32 characters: lowercase letters, digits, '.', '_' or '-',"
            " starting with a letter or digit."
        )
    return normalised


class AgentDirectory:
    """Agent accounts and sessions stored in the claims database.

    Args:
        engine: the claims database engine.
        clock: returns naive UTC now; tests pass a fake to expire sessions.
        password_cost: scrypt N for new hashes (tests lower it; keep the default otherwise).
    """

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime] = utcnow,
        password_cost: int | None = None,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._cost = password_cost

    def _hash(self, password: str) -> str:
        if self._cost is None:
            return hash_password(password)
        return hash_password(password, n=self._cost)

    def add_agent(self, name: str, password: str, role: str = AGENT) -> Agent:
        """Create an agent account with ``role`` (``agent`` or ``supervisor``).

        Raises:
            AccountError: bad name, weak password, unknown role, or the name is taken.
        """
        name = validate_agent_name(name)
        role = validate_role(role)
        try:
            check_password_strength(password)
        except ValueError as exc:
            raise AccountError(str(exc)) from exc
        with self._engine.begin() as conn:
            taken = conn.execute(
                sa.select(agent_accounts.c.id).where(agent_accounts.c.name == name)
            ).first()
            if taken:
                raise AccountError(f"An agent named {name!r} already exists.")
            result = conn.execute(
                agent_accounts.insert().values(
                    name=name,
                    password_hash=self._hash(password),
                    active=True,
                    failed_logins=0,
                    created_at=self._clock(),
                    role=role,
                )
            )
            (agent_id,) = result.inserted_primary_key
        return Agent(id=int(agent_id), name=name, role=role)

    def set_role(self, name: str, role: str) -> None:
        """Give an agent another role; their sessions end (the next sign-in has it).

        Raises:
            AccountError: unknown agent or role.
        """
        name = validate_agent_name(name)
        role = validate_role(role)
        with self._engine.begin() as conn:
            agent_id = self._id_of(conn, name)
            conn.execute(
                agent_accounts.update().where(agent_accounts.c.id == agent_id).values(role=role)
            )
            conn.execute(agent_sessions.delete().where(agent_sessions.c.agent_id == agent_id))

    def active_names(self) -> list[str]:
        """The names of the agents who may sign in (for "assign to a colleague")."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(agent_accounts.c.name)
                .where(agent_accounts.c.active)
                .order_by(agent_accounts.c.name)
            ).all()
        return [str(r.name) for r in rows]

    def set_password(self, name: str, password: str) -> None:
        """Replace an agent's password and end all their sessions.

        Raises:
            AccountError: unknown agent or weak password.
        """
        name = validate_agent_name(name)
        try:
            check_password_strength(password)
        except ValueError as exc:
            raise AccountError(str(exc)) from exc
        with self._engine.begin() as conn:
            agent_id = self._id_of(conn, name)
            conn.execute(
                agent_accounts.update()
                .where(agent_accounts.c.id == agent_id)
                .values(password_hash=self._hash(password), failed_logins=0, locked_until=None)
            )
            conn.execute(agent_sessions.delete().where(agent_sessions.c.agent_id == agent_id))

    def set_active(self, name: str, active: bool) -> None:
        """Enable or disable an agent; disabling ends their sessions at once.

        Raises:
            AccountError: unknown agent.
        """
        name = validate_agent_name(name)
        with self._engine.begin() as conn:
            agent_id = self._id_of(conn, name)
            conn.execute(
                agent_accounts.update().where(agent_accounts.c.id == agent_id).values(active=active)
            )
            if not active:
                conn.execute(agent_sessions.delete().where(agent_sessions.c.agent_id == agent_id))

    def list_agents(self) -> list[dict[str, object]]:
        """Every account as ``{"name", "role", "active", "created_at"}`` (never the hash)."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    agent_accounts.c.name, agent_accounts.c.role, agent_accounts.c.active,
                    agent_accounts.c.created_at,
                ).order_by(agent_accounts.c.name)
            ).all()
        return [
            {"name": r.name, "role": r.role, "active": bool(r.active),
             "created_at": r.created_at.isoformat()}
            for r in rows
        ]

    @staticmethod
    def _id_of(conn: sa.engine.Connection, name: str) -> int:
        row = conn.execute(
            sa.select(agent_accounts.c.id).where(agent_accounts.c.name == name)
        ).first()
        if row is None:
            raise AccountError(f"There is no agent named {name!r}.")
        return int(row.id)

    def authenticate(self, name: str, password: str) -> Agent | None:
        """The agent when ``name``/``password`` are right and the account may log in.

        Unknown names, wrong passwords and disabled accounts all return ``None`` after the
        same amount of work, so the answer reveals nothing about which. Wrong passwords do
        not lock the account (anyone knowing a name could then lock its agent out): the
        console slows down the guessing source instead, per address and name, with growing
        delays (:func:`cssecure.security.limits.check_login`). ``failed_logins`` only counts
        wrong passwords since the last sign-in, for the record.
        """
        try:
            name = validate_agent_name(name)
        except AccountError:
            burn_password_check(password)
            return None
        # The password is checked outside any transaction: a write transaction held for
        # the hash's tens of milliseconds would stall every other writer (on SQLite, all).
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(agent_accounts).where(agent_accounts.c.name == name)
            ).first()
        if row is None:
            burn_password_check(password)
            return None
        ok = verify_password(password, row.password_hash)
        with self._engine.begin() as conn:
            if not ok:
                conn.execute(
                    agent_accounts.update()
                    .where(agent_accounts.c.id == row.id)
                    .values(failed_logins=agent_accounts.c.failed_logins + 1)
                )
                return None
            if not row.active:
                return None
            signed_in = conn.execute(
                agent_accounts.update()
                .where(
                    (agent_accounts.c.id == row.id)
                    # not if the password was changed during the check
                    & (agent_accounts.c.password_hash == row.password_hash)
                    & agent_accounts.c.active
                )
                .values(failed_logins=0, locked_until=None)
            )
            if signed_in.rowcount != 1:
                return None
        return Agent(id=int(row.id), name=row.name, role=str(row.role))

    def open_session(self, agent: Agent) -> tuple[str, AgentSession]:
        """Start a session; returns the cookie token (shown once, stored hashed) and the session."""
        now = self._clock()
        token = new_token()
        session = AgentSession(
            agent=agent, csrf_token=new_token(), expires_at=now + IDLE_TIMEOUT
        )
        with self._engine.begin() as conn:
            conn.execute(
                agent_sessions.insert().values(
                    token_sha256=token_digest(token),
                    agent_id=agent.id,
                    csrf_token=session.csrf_token,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=session.expires_at,
                )
            )
        return token, session

    def session(self, token: str | None, *, slide: bool = True) -> AgentSession | None:
        """The live session for a cookie token, sliding its idle expiry; ``None`` if expired.

        Args:
            token: the session cookie's value.
            slide: ``False`` only looks (the live-update stream: an open tab is not an
                agent at work, so it must not keep the session from expiring).
        """
        if not token or len(token) > 200:
            return None
        now = self._clock()
        digest = token_digest(token)
        with self._engine.begin() as conn:
            row = conn.execute(
                sa.select(
                    agent_sessions.c.agent_id,
                    agent_sessions.c.csrf_token,
                    agent_sessions.c.created_at,
                    agent_sessions.c.expires_at,
                    agent_accounts.c.name,
                    agent_accounts.c.active,
                    agent_accounts.c.role,
                )
                .select_from(agent_sessions.join(agent_accounts))
                .where(agent_sessions.c.token_sha256 == digest)
            ).first()
            if row is None:
                return None
            if row.expires_at <= now or not row.active:
                conn.execute(agent_sessions.delete().where(agent_sessions.c.token_sha256 == digest))
                return None
            if slide:
                expires_at = min(now + IDLE_TIMEOUT, row.created_at + ABSOLUTE_TIMEOUT)
                conn.execute(
                    agent_sessions.update()
                    .where(agent_sessions.c.token_sha256 == digest)
                    .values(last_seen_at=now, expires_at=expires_at)
                )
            else:
                expires_at = row.expires_at
        return AgentSession(
            agent=Agent(id=int(row.agent_id), name=row.name, role=str(row.role)),
            csrf_token=row.csrf_token,
            expires_at=expires_at,
        )

    def close_session(self, token: str | None) -> None:
        """End a session (logout). Unknown tokens are ignored."""
        if not token:
            return
        with self._engine.begin() as conn:
            conn.execute(
                agent_sessions.delete().where(agent_sessions.c.token_sha256 == token_digest(token))
            )
            # Housekeeping: expired sessions of anyone are useless.
            conn.execute(
                agent_sessions.delete().where(agent_sessions.c.expires_at <= self._clock())
            )
