"""Which patches of Rasa this process has installed (each at most once), and what two
patches share."""

from __future__ import annotations

from typing import Any

# Patch names, in installation order; appended by each ``install_*`` of behaviour.py and
# speed.py once its attributes are replaced.
INSTALLED: list[str] = []
# Rasa's own code that a patch replaced, by patch name: its equivalence test compares the
# two (tests/ops/test_rasa_server.py) without reaching into Rasa's private attributes. The
# one place a patch keeps what it replaced (nothing is hung on the patch's function).
_RASAS: dict[str, Any] = {}


def first_time(name: str) -> bool:
    """True when the patch ``name`` is not installed yet (its installer then runs)."""
    return name not in INSTALLED


def done(name: str) -> None:
    """Record that the patch ``name`` is installed."""
    INSTALLED.append(name)


def keep_rasas(name: str, original: Any) -> None:
    """Keep Rasa's own ``original`` that the patch ``name`` replaces (:func:`rasas`)."""
    _RASAS[name] = original


def rasas(name: str) -> Any:
    """Rasa's own code that the installed patch ``name`` replaced.

    Raises:
        KeyError: the patch is not installed or keeps nothing.
    """
    return _RASAS[name]


def endpoint_twin(endpoint: Any, mark: str, cls: type, headers: dict[str, str] | None) -> Any:
    """A copy of the Rasa ``EndpointConfig`` ``endpoint`` as ``cls`` with ``headers``,
    made once per configured endpoint (Rasa builds a ``RemoteAction`` per call) and kept on
    it under the attribute ``mark`` (made again if the endpoint changed since)."""
    source, twin = getattr(endpoint, mark, (None, None))
    if twin is None or source != endpoint:
        twin = cls(
            endpoint.url, endpoint.params, headers, endpoint.basic_auth, endpoint.token,
            endpoint.token_name, endpoint.cafile, **endpoint.kwargs,
        )
        twin.type = endpoint.type
        setattr(endpoint, mark, (endpoint.copy(), twin))
    return twin
