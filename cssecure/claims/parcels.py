"""Where parcel records come from: one small interface, two adapters.

``SqlParcelSource`` reads the ``parcels`` table (the embedded default, filled by
``cssecure parcels import`` / ``seed-demo``); ``HttpParcelSource`` asks the agency's API
at ``settings.agency_api_url`` (``GET {base}/parcels/{parcel_id}`` answering a JSON
object with the spec's field names plus ``customer_id``; 404 when unknown).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Protocol
from urllib.parse import quote

import requests

from cssecure.claims.errors import ClaimsUnavailable, InvalidParcelData
from cssecure.claims.model import Parcel, is_valid_id, parse_parcel
from cssecure.claims.unit_of_work import UnitOfWork

# Answers worth trying again: the service is overloaded or restarting.
_RETRY_STATUSES = frozenset({429, 502, 503, 504})


class ParcelSource(Protocol):
    """Looks up the agency's record of a parcel."""

    def get(self, parcel_id: str) -> Parcel | None:
        """The parcel with this number, or ``None`` if the agency has no such parcel.

        Raises:
            ClaimsUnavailable: the source cannot answer right now.
        """
        ...


class SqlParcelSource:
    """Parcels from the claims database's ``parcels`` table."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork]) -> None:
        """Read through units of work made by ``uow_factory``."""
        self.uow_factory = uow_factory

    def get(self, parcel_id: str) -> Parcel | None:
        """The parcel with this number, or ``None``."""
        if not is_valid_id(parcel_id):
            return None
        with self.uow_factory() as uow:
            return uow.parcels.get(parcel_id)


class AgencyApiError(ClaimsUnavailable):
    """The agency's parcel API failed or answered something unusable."""


class HttpParcelSource:
    """Parcels from the agency's HTTP API, with timeouts and retries."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 3.0,
        retries: int = 2,
        backoff_s: float = 0.3,
        session: requests.Session | None = None,
    ) -> None:
        """Configure the adapter.

        Args:
            base_url: e.g. ``https://agency.example/api``; ``/parcels/{id}`` is appended.
            timeout_s: connect and read timeout of each attempt.
            retries: further attempts after a timeout, connection error or 429/502/503/504.
            backoff_s: wait before the first retry; doubled for each further one.
            session: a ``requests.Session`` to reuse (one is made otherwise).
        """
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.session = session or requests.Session()

    def get(self, parcel_id: str) -> Parcel | None:
        """Ask the agency for a parcel.

        Raises:
            AgencyApiError: no usable answer after the retries (the message says which).
        """
        if not is_valid_id(parcel_id):
            return None  # cannot exist, and must never reach the URL path unescaped
        url = f"{self.base_url}/parcels/{quote(parcel_id, safe='')}"
        problem = "no answer"
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            try:
                response = self.session.get(
                    url, timeout=self.timeout_s, headers={"Accept": "application/json"}
                )
            except requests.Timeout:
                problem = f"no answer within {self.timeout_s:g} s"
                continue
            except requests.ConnectionError:
                problem = "the connection failed"
                continue
            if response.status_code in _RETRY_STATUSES:
                problem = f"status {response.status_code}"
                continue
            return self._parse(parcel_id, response)
        raise AgencyApiError(
            f"The agency's parcel service is not available ({problem}, "
            f"{self.retries + 1} attempts). Please try again in a few minutes."
        )

    def _parse(self, parcel_id: str, response: requests.Response) -> Parcel | None:
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise AgencyApiError(
                f"The agency's parcel service answered status {response.status_code} "
                f"for parcel {parcel_id}."
            )
        try:
            data = response.json(parse_float=Decimal)
        except ValueError:
            raise AgencyApiError(
                f"The agency's parcel service answered something that is not JSON for "
                f"parcel {parcel_id}."
            ) from None
        if not isinstance(data, dict):
            raise AgencyApiError(
                f"The agency's parcel service answered a {type(data).__name__}, not an "
                f"object, for parcel {parcel_id}."
            )
        try:
            parcel = parse_parcel(data, strict=False)
        except InvalidParcelData as exc:
            raise AgencyApiError(
                f"The agency's parcel service sent an invalid record for parcel {parcel_id}: {exc}"
            ) from None
        if parcel.parcel_id != parcel_id:
            raise AgencyApiError(
                f"The agency's parcel service answered parcel {parcel.parcel_id} when "
                f"asked for {parcel_id}."
            )
        return parcel
