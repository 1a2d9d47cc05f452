"""The agency API adapter against a loopback fake HTTP server (http.server in a thread)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from loopback import serve

from cssecure.claims.app import ClaimsApp
from cssecure.claims.parcels import AgencyApiError, HttpParcelSource
from cssecure.settings import Settings

RECORD = {
    "parcel_id": "P100001",
    "customer_id": "cust-1",
    "order_type": "agent",
    "shipping_line": "EMS",
    "destination_country": "FR",
    "items_value": 800.10,
    "shipping_fee": "200.00",
    "insured": True,
    "insured_value": 1000.10,
    "weight_kg": 2.5,
    "waterproof_selected": False,
    "submitted_date": "2024-02-01",
    "shipped_date": "2024-02-03",
    "delivered_date": None,
    "tracking_url": "https://example.test/t/1",  # fields we do not know are ignored
}


@dataclass
class FakeAgency:
    """Scripted answers: each request pops the next (status, body, delay_s)."""

    url: str
    script: list[tuple[int, str, float]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    def answer(self, status: int, body: object = "", delay_s: float = 0.0) -> None:
        text = body if isinstance(body, str) else json.dumps(body)
        self.script.append((status, text, delay_s))


@pytest.fixture
def agency() -> Iterator[FakeAgency]:
    fake = FakeAgency(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            fake.paths.append(self.path)
            status, body, delay = fake.script.pop(0) if fake.script else (500, "", 0.0)
            time.sleep(delay)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body.encode())))
                self.end_headers()
                self.wfile.write(body.encode())
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        def log_message(self, *args: object) -> None:
            pass

    with serve(Handler, poll_interval_s=0.05) as url:
        fake.url = f"{url}/api/"
        yield fake


def source(agency: FakeAgency, **options: float) -> HttpParcelSource:
    return HttpParcelSource(
        agency.url,
        timeout_s=options.get("timeout_s", 2.0),
        retries=int(options.get("retries", 2)),
        backoff_s=0.01,
    )


def test_a_parcel_is_read_exactly_and_unknown_fields_ignored(agency: FakeAgency) -> None:
    agency.answer(200, RECORD)
    parcel = source(agency).get("P100001")
    assert parcel is not None
    assert parcel.items_value == Decimal("800.10")  # parsed as Decimal, never a float
    assert parcel.insured_value == Decimal("1000.10")
    assert parcel.customer_id == "cust-1"
    assert agency.paths == ["/api/parcels/P100001"]


def test_an_unknown_parcel_is_none(agency: FakeAgency) -> None:
    agency.answer(404, {"error": "not found"})
    assert source(agency).get("P404") is None
    assert len(agency.paths) == 1  # a 404 is an answer, not retried


def test_an_invalid_parcel_number_never_reaches_the_api(agency: FakeAgency) -> None:
    assert source(agency).get("../../admin?x=1") is None
    assert agency.paths == []


def test_overload_is_retried_until_an_answer(agency: FakeAgency) -> None:
    agency.answer(503)
    agency.answer(502)
    agency.answer(200, RECORD)
    assert source(agency).get("P100001") is not None
    assert len(agency.paths) == 3


def test_retries_end_with_a_clear_error(agency: FakeAgency) -> None:
    for _ in range(3):
        agency.answer(503)
    with pytest.raises(AgencyApiError, match=r"not available \(status 503, 3 attempts\)"):
        source(agency).get("P100001")
    assert len(agency.paths) == 3


def test_a_slow_answer_times_out_then_a_retry_succeeds(agency: FakeAgency) -> None:
    agency.answer(200, RECORD, delay_s=1.0)
    agency.answer(200, RECORD)
    started = time.monotonic()
    assert source(agency, timeout_s=0.3, retries=1).get("P100001") is not None
    assert time.monotonic() - started < 1.0


def test_timeouts_on_every_attempt_are_reported(agency: FakeAgency) -> None:
    agency.answer(200, RECORD, delay_s=1.0)
    agency.answer(200, RECORD, delay_s=1.0)
    with pytest.raises(AgencyApiError, match=r"no answer within 0.3 s, 2 attempts"):
        source(agency, timeout_s=0.3, retries=1).get("P100001")


def test_a_refused_connection_is_reported() -> None:
    dead = HttpParcelSource("http://127.0.0.1:9/api", timeout_s=0.5, retries=1, backoff_s=0.01)
    with pytest.raises(AgencyApiError, match="the connection failed, 2 attempts"):
        dead.get("P100001")


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (200, "<html>maintenance</html>", "not JSON"),
        (200, "[1, 2]", "answered a list, not an object"),
        (200, {**RECORD, "items_value": "lots"}, "invalid record for parcel P100001"),
        (200, {**RECORD, "parcel_id": "P2"}, "answered parcel P2 when asked for P100001"),
        (401, {"error": "token"}, "answered status 401"),
    ],
)
def test_unusable_answers_are_clear_errors(
    agency: FakeAgency, status: int, body: object, message: str
) -> None:
    agency.answer(status, body)
    with pytest.raises(AgencyApiError, match=message):
        source(agency).get("P100001")
    assert len(agency.paths) == 1


def test_the_app_uses_the_agency_api_when_configured(agency: FakeAgency, tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "CSSECURE_VAR_DIR": str(tmp_path),
            "CSSECURE_AGENCY_API_URL": agency.url,
            "CSSECURE_AGENCY_API_TIMEOUT": "1",
        }
    )
    app = ClaimsApp.from_settings(settings)
    agency.answer(200, RECORD)
    agency.answer(200, RECORD)
    assert app.lookup_parcel("P100001", "cust-2") is None  # not the owner
    facts = app.lookup_parcel("P100001", "cust-1")
    assert facts is not None and facts["items_value"] == "800.10"
    assert not (tmp_path / "claims.db").exists()  # no database was needed
