"""Errors of the claims service.

Every message is written for the person who will read it (a customer in the chat or an
agent at the command line): it says what is wrong and what to do, and never contains a
stack trace, a secret or another customer's data. Only the entry points (``ClaimsApp``,
the ``cssecure`` commands) translate database errors into these.

A refusal a customer may read is raised with a ``Message`` (issue 14): ``str(exc)`` is its
English, as before, and ``exc.explanation`` the message to ``render`` in the customer's
language. Texts only staff read (agents, the command line) are plain strings.
"""

from __future__ import annotations

from cssecure.i18n.catalog import N_, Message


class ClaimsError(Exception):
    """Base class: a request the claims service refuses, with a readable message.

    Attributes:
        explanation: the message for the customer's language (``render``) when the error
            was raised with a ``Message``; None for texts only staff read.
    """

    explanation: Message | None = None

    def __init__(self, *args: object) -> None:
        if args and isinstance(args[0], Message):
            self.explanation = args[0]
            args = (args[0].english(), *args[1:])
        super().__init__(*args)


class ClaimsUnavailable(ClaimsError):
    """The claims database (or the agency's parcel API) cannot be reached right now."""


class InvalidClaim(ClaimsError):
    """The claim's facts or identifiers are not acceptable; nothing was stored."""


class ClaimNotFound(ClaimsError):
    """No claim has this reference (or it is not visible to the caller)."""

    def __init__(self, reference: str) -> None:
        super().__init__(
            Message(N_("No claim with reference {reference} was found."),
                    {"reference": repr(reference)})
        )
        self.reference = reference


class ParcelNotFound(ClaimsError):
    """No parcel has this number (or it is not on the caller's account)."""

    def __init__(self, parcel_id: str) -> None:
        super().__init__(
            Message(N_("No parcel with number {parcel_id} was found on this account."),
                    {"parcel_id": repr(parcel_id)})
        )
        self.parcel_id = parcel_id


class InvalidTransition(ClaimsError):
    """A status change the claim workflow does not allow."""


class ConcurrentUpdate(ClaimsError):
    """Someone else changed the claim between reading and saving it."""


class ConflictingWrite(ClaimsError):
    """The database refused a write that collides with another one (a unique key).

    Raised by the unit of work's commit; services that expect the collision (filing
    the same claim twice at once) catch it and re-read.
    """


class EvidenceRejected(ClaimsError):
    """An evidence file was refused (type, size, name); nothing was stored."""


class InvalidParcelData(ClaimsError):
    """A parcel record (from an import file or the agency API) is malformed.

    Attributes:
        problems: ``(line, message)`` pairs, one per bad field or row; ``line`` is 0 when
            the problem is not tied to a line (e.g. an API response).
    """

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = problems
        lines = [f"line {line}: {msg}" if line else msg for line, msg in problems]
        super().__init__("; ".join(lines))
