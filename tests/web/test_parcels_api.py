"""``GET /api/my-parcels``: a signed-in customer's recently shipped parcels (issue 17).

The web app runs for real on a loopback port with the real claims service (SQLite, the demo
parcels seeded as `make run` does).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests
from loopback import ServerThread

from cssecure.claims.app import ClaimsApp
from cssecure.claims.db import upgrade
from cssecure.claims.demo import demo_parcels
from cssecure.identity.tokens import (
    issue_customer_token,
    issue_session_token,
    new_anonymous_conversation_id,
    widget_key,
)
from cssecure.settings import Settings
from cssecure.web.app import create_app
from cssecure.web.parcels_api import PUBLIC_FIELDS, RECENT_LIMIT, recent_shipped

TODAY = date.today()
SHOP = "https://shop.example"


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, bytes]]:
    tmp: Path = tmp_path_factory.mktemp("parcels-api")
    settings = Settings.from_env({
        "CSSECURE_VAR_DIR": str(tmp),
        "CSSECURE_JWT_SECRET": "parcels-api-test-secret-" + "z" * 20,
        "RASA_TOKEN": "service-token-for-tests",
        "CSSECURE_RASA_URL": "http://127.0.0.1:9",
        "CSSECURE_CORS_ORIGINS": SHOP,
    })
    upgrade(settings.database_url)
    claims = ClaimsApp.from_settings(settings)
    claims.import_parcels(demo_parcels(TODAY))
    server = ServerThread(create_app(settings, console=False, demo=False, claims=claims)).start()
    yield server.url, widget_key(settings)
    server.stop()
    claims.dispose()


def get(url: str, token: str | None, **headers: str) -> requests.Response:
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.get(url + "/api/my-parcels", headers=headers, timeout=10)


def test_a_signed_in_customer_gets_their_shipped_parcels_newest_first(
    web: tuple[str, bytes],
) -> None:
    url, key = web
    answer = get(url, issue_customer_token(key, "demo-alice"))
    assert answer.status_code == 200
    parcels = answer.json()["parcels"]
    # demo-alice's parcels shipped 28, 30, 73 and 170 days ago (demo_parcels.json).
    assert [p["parcel_id"] for p in parcels] == ["P900004", "P900002", "P900009", "P900001"]
    assert parcels[0] == {
        "parcel_id": "P900004", "shipping_line": "EMS", "destination_country": "NL",
        "shipped_date": (TODAY - timedelta(days=28)).isoformat(),
        "delivered_date": (TODAY - timedelta(days=1)).isoformat(),
    }
    assert set(parcels[0]) == set(PUBLIC_FIELDS)  # no values or insurance details
    assert answer.headers["Cache-Control"] == "no-store"


def test_only_the_customer_s_own_parcels(web: tuple[str, bytes]) -> None:
    url, key = web
    answer = get(url, issue_customer_token(key, "demo-bob")).json()
    bob = {p["parcel_id"] for p in answer["parcels"]}
    assert bob == {"P900003", "P900005", "P900008", "P900011"}
    nobody = get(url, issue_customer_token(key, "someone-else")).json()
    assert nobody == {"parcels": []}


def test_an_anonymous_visitor_or_a_bad_token_gets_no_parcels(web: tuple[str, bytes]) -> None:
    url, key = web
    session = issue_session_token(key, new_anonymous_conversation_id())
    assert get(url, session).status_code == 403
    assert get(url, None).status_code == 401
    forged = issue_customer_token(b"another key of 32 bytes or more!", "demo-alice")
    refused = get(url, forged, **{"Accept-Language": "de-DE"})
    assert refused.status_code == 401
    assert "parcels" not in refused.json()
    assert refused.json()["error"].startswith("Ihre Anmeldung")


def test_recent_shipped_keeps_shipped_parcels_newest_first_up_to_the_limit() -> None:
    rows = [
        {"parcel_id": f"P{n}", "shipped_date": f"2026-11-{n:02d}", "insured_value": "9"}
        for n in range(1, 9)
    ] + [{"parcel_id": "P99", "shipped_date": None}]
    recent = recent_shipped(rows)
    assert [p["parcel_id"] for p in recent] == ["P8", "P7", "P6", "P5", "P4"]
    assert len(recent) == RECENT_LIMIT
    assert "insured_value" not in recent[0]
    assert recent_shipped(rows, limit=6)[-1]["parcel_id"] == "P3"
    assert recent_shipped([{"parcel_id": "P1", "shipped_date": None}]) == []


@pytest.mark.parametrize("path", ["/api/my-parcels", "/api/evidence"])
def test_the_widget_on_an_allowed_site_may_call_the_web_app(
    web: tuple[str, bytes], path: str
) -> None:
    """Embedded on the agency's own site, the widget calls the web app cross-origin: the
    browser's preflight is answered for the origins of CSSECURE_CORS_ORIGINS only."""
    url, key = web
    preflight = {"Origin": SHOP, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization"}
    allowed = requests.options(url + path, headers=preflight, timeout=10)
    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == SHOP
    assert "Authorization" in allowed.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in allowed.headers

    other = requests.options(url + path, headers={**preflight, "Origin": "https://evil.example"},
                             timeout=10)
    assert "Access-Control-Allow-Origin" not in other.headers


def test_an_allowed_site_reads_the_answer_and_another_does_not(web: tuple[str, bytes]) -> None:
    url, key = web
    token = issue_customer_token(key, "demo-alice")
    mine = get(url, token, Origin=SHOP)
    assert mine.status_code == 200
    assert mine.headers["Access-Control-Allow-Origin"] == SHOP
    theirs = get(url, token, Origin="https://evil.example")
    assert "Access-Control-Allow-Origin" not in theirs.headers
    # Other paths of the web app are not opened to other sites.
    health = requests.get(url + "/health", headers={"Origin": SHOP}, timeout=10)
    assert "Access-Control-Allow-Origin" not in health.headers
