"""The unit of work: one database transaction that rolls back unless committed.

Services open one per request (``with uow: ...; uow.commit()``). Leaving the block
without ``commit()``, or with an exception, rolls everything back and runs the
registered undo actions (e.g. deleting evidence bytes written during the unit), so a
refused request leaves no trace.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy.engine import Connection, Engine, RootTransaction
from sqlalchemy.exc import IntegrityError

from cssecure.claims.errors import ConflictingWrite
from cssecure.claims.repository import (
    ClaimRepository,
    HeldEvidenceRepository,
    OutboxRepository,
    ParcelRepository,
)


class UnitOfWork:
    """A transaction on the claims database with its repositories."""

    parcels: ParcelRepository
    claims: ClaimRepository
    outbox: OutboxRepository

    def __init__(self, engine: Engine) -> None:
        """Prepare a unit on ``engine``; nothing is opened until ``with``."""
        self.engine = engine
        self._connection: Connection | None = None
        self._transaction: RootTransaction | None = None
        self._undo: list[Callable[[], None]] = []

    def __enter__(self) -> UnitOfWork:
        self._connection = self.engine.connect()
        try:
            self._transaction = self._connection.begin()
        except BaseException:
            self._connection.close()
            raise
        self._undo = []
        self.parcels = ParcelRepository(self._connection)
        self.claims = ClaimRepository(self._connection)
        self.outbox = OutboxRepository(self._connection)
        self.held_evidence = HeldEvidenceRepository(self._connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def on_rollback(self, undo: Callable[[], None]) -> None:
        """Run ``undo`` if this unit ends without a successful commit."""
        self._undo.append(undo)

    def commit(self) -> None:
        """Write the repositories' changes and commit the transaction."""
        if self._transaction is None:
            raise RuntimeError("commit() outside of a 'with' block")
        try:
            self.claims.flush()
            self._transaction.commit()
        except IntegrityError as exc:
            self.rollback()
            raise ConflictingWrite(
                "The change collides with another one made at the same time; try again."
            ) from exc
        self._transaction = None
        self._undo = []

    def rollback(self) -> None:
        """Undo everything not committed (safe to call twice)."""
        transaction, self._transaction = self._transaction, None
        undo, self._undo = self._undo, []
        try:
            if transaction is not None and transaction.is_active:
                transaction.rollback()
        finally:
            for action in reversed(undo):
                action()
