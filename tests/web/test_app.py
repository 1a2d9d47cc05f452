"""The web app over HTTP: demo page and sign-in, evidence upload, link codes.

The web app runs for real on a loopback port with the real claims service (SQLite,
migrated with Alembic) and talks to the channel stand-in (servers.FakeRasa) over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from loopback import ServerThread

from cssecure.claims import services
from cssecure.claims.app import ClaimsApp
from cssecure.claims.db import upgrade
from cssecure.claims.evidence import EVIDENCE_POLICIES, MB
from cssecure.identity.linking import LinkCodeUsed, redeem_link_code
from cssecure.identity.tokens import (
    customer_conversation_id,
    issue_customer_token,
    issue_session_token,
    new_anonymous_conversation_id,
    verify_customer_token,
    widget_key,
)
from cssecure.ops.launch import free_port
from cssecure.settings import Settings
from cssecure.web.app import create_app

from .servers import FakeRasa, WebOnFakeRasa, web_on_fake_rasa, web_settings

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 60
PDF = b"%PDF-1.4\n" + b"%" * 60
PHOTO_LIMIT = EVIDENCE_POLICIES["photo"].max_bytes


class Stack(WebOnFakeRasa):
    """The web app on the Rasa stand-in, with these tests' claims and photo uploads."""

    UPLOAD_TYPE = "image/jpeg"

    def file_claim(self, customer_id: str | None, conversation_id: str, parcel_id: str) -> str:
        """A filed claim (the assessment is not what these tests are about)."""
        filed = services.file_claim(
            self.claims.uow, parcel_id=parcel_id, claim_type="damaged", facts={},
            customer_id=customer_id, channel="web", conversation_id=conversation_id,
            verified=customer_id is not None, parcel=None,
            assessor=lambda facts: {"decision": "review", "payout_rmb": "0.00",
                                    "payout_form": "none", "eligible_from": None,
                                    "reasons": ["photos of the damage are needed"]},
        )
        return filed.claim.reference


JWT_SECRET = "web-app-test-secret-" + "y" * 20


def _settings(tmp: Path, rasa_url: str) -> Settings:
    return web_settings(tmp, JWT_SECRET, rasa_url)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with web_on_fake_rasa(tmp_path_factory.mktemp("webapp"), JWT_SECRET) as app:
        yield Stack(app.settings, app.claims, app.rasa, app.web)


# --- page, sign-in, health -----------------------------------------------------------


def test_health(stack: Stack) -> None:
    answer = requests.get(stack.url("/health"), timeout=5)
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


def test_demo_page_is_labelled_and_only_talks_to_our_servers(stack: Stack) -> None:
    page = requests.get(stack.url("/"), timeout=5)
    assert page.status_code == 200
    assert "Demo page." in page.text
    assert f'data-socket-url="{stack.rasa.url}"' in page.text
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert f"connect-src 'self' {stack.rasa.url} ws://127.0.0.1:" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    for asset in ("socket.io.min.js", "cssecure-widget.js", "cssecure-widget.css", "demo.js"):
        assert requests.get(stack.url(f"/static/{asset}"), timeout=5).status_code == 200


def test_demo_login_signs_a_token_for_a_demo_customer_only(stack: Stack) -> None:
    ok = requests.post(stack.url("/demo/login"), json={"customer_id": "demo-alice"}, timeout=5)
    assert ok.status_code == 200 and ok.json()["demo"] is True
    assert verify_customer_token(stack.key, ok.json()["token"]) == "demo-alice"
    refused = requests.post(stack.url("/demo/login"), json={"customer_id": "C-9"}, timeout=5)
    assert refused.status_code == 400
    assert "demo customers" in refused.json()["error"]


def test_without_demo_there_is_no_page_and_no_sign_in(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "http://127.0.0.1:9")
    upgrade(settings.database_url)
    web = ServerThread(create_app(settings, demo=False, console=False)).start()
    try:
        assert requests.get(web.url + "/", timeout=5).status_code == 404
        login = requests.post(web.url + "/demo/login", json={"customer_id": "demo-alice"},
                              timeout=5)
        assert login.status_code == 404
        assert requests.get(web.url + "/health", timeout=5).status_code == 200
    finally:
        web.stop()


# --- evidence upload ------------------------------------------------------------------


def where_it_went(body: dict[str, Any]) -> tuple[str | None, str | None, bool]:
    """``(claim_ref, draft_id, loose)`` of an upload's answer: exactly one is set."""
    went = (body["claim_ref"], body["draft_id"], body["loose"])
    assert sum(1 for part in went if part) == 1, body
    return went


def test_upload_while_reporting_goes_to_the_draft_not_the_earlier_open_claim(
    stack: Stack,
) -> None:
    # Issue 12's reproduction: the signed-in customer filed a claim in this conversation
    # (it is still the one discussed) and is reporting a second one; the photo belongs to
    # the claim being reported.
    conversation = customer_conversation_id(stack.key, "C-3001")
    earlier = stack.file_claim("C-3001", conversation, "P-3001")
    stack.rasa.slots[conversation] = {"claim_draft_id": "draft-3001", "claim_ref": earlier}
    answer = stack.upload(issue_customer_token(stack.key, "C-3001"), "damage.jpg", JPEG)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert where_it_went(body) == (None, "draft-3001", False) and body["kind"] == "photo"
    assert stack.claims.draft_evidence_kinds(conversation, "draft-3001") == ["photo"]
    stored = stack.claims.claim_detail(earlier)
    assert stored is not None and stored["evidence"] == []
    assert body["bot_notified"] is True
    assert body["message"] == (
        '/inform{"evidence_kind": "photo", "evidence_id": "' + body["evidence_id"] + '"}'
    )
    told = [m for m in stack.rasa.received if m.text == body["message"]]
    assert len(told) == 1
    assert told[0].sender_id == conversation
    assert told[0].metadata == {"channel": "web", "customer_id": "C-3001", "verified": True,
                                "display": "Sent damage.jpg"}


def test_a_named_claim_of_the_caller_wins_over_the_draft(stack: Stack) -> None:
    earlier = stack.file_claim("C-3101", "web-c-elsewhere-31", "P-3101")
    conversation = customer_conversation_id(stack.key, "C-3101")
    stack.rasa.slots[conversation] = {"claim_draft_id": "draft-3101"}
    answer = stack.upload(issue_customer_token(stack.key, "C-3101"), "a.jpg", JPEG,
                          claim_ref=earlier.lower())
    assert answer.status_code == 201, answer.text
    assert where_it_went(answer.json()) == (earlier, None, False)
    stored = stack.claims.claim_detail(earlier)
    assert stored is not None
    assert [e["evidence_id"] for e in stored["evidence"]] == [answer.json()["evidence_id"]]
    assert stack.claims.draft_evidence_kinds(conversation, "draft-3101") == []


def test_upload_outside_any_claim_is_kept_loose_never_guessed_and_the_bot_is_told(
    stack: Stack,
) -> None:
    earlier = stack.file_claim("C-3201", "web-c-elsewhere-32", "P-3201")
    conversation = customer_conversation_id(stack.key, "C-3201")
    answer = stack.upload(issue_customer_token(stack.key, "C-3201"), "a.jpg", JPEG)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert where_it_went(body) == (None, None, True)
    stored = stack.claims.claim_detail(earlier)
    assert stored is not None and stored["evidence"] == []  # her only open claim: not guessed
    assert [m.sender_id for m in stack.rasa.received if m.text == body["message"]] == [
        conversation]
    # Kept: once the customer says which claim it is for, it moves there.
    stack.claims.assign_evidence(body["evidence_id"], earlier, conversation_id=conversation,
                                 customer_id="C-3201")
    moved = stack.claims.claim_detail(earlier)
    assert moved is not None
    assert [e["evidence_id"] for e in moved["evidence"]] == [body["evidence_id"]]


def test_anonymous_upload_reaches_only_a_claim_of_its_own_conversation(stack: Stack) -> None:
    mine = new_anonymous_conversation_id()
    token = issue_session_token(stack.key, mine)
    no_claim = stack.upload(token, "a.jpg", JPEG)
    assert no_claim.status_code == 201 and where_it_went(no_claim.json())[2] is True

    reference = stack.file_claim(None, mine, "P-4001")
    named = stack.upload(token, "a.jpg", JPEG, claim_ref=reference)
    assert named.status_code == 201 and where_it_went(named.json())[0] == reference

    stranger = issue_session_token(stack.key, new_anonymous_conversation_id())
    refused = stack.upload(stranger, "b.jpg", JPEG, claim_ref=reference)
    assert refused.status_code == 404
    assert reference in refused.json()["error"]


def test_upload_after_filing_goes_to_the_claim_the_conversation_is_about(
    stack: Stack,
) -> None:
    mine = new_anonymous_conversation_id()
    reference = stack.file_claim(None, mine, "P-4101")
    stack.rasa.slots[mine] = {"claim_draft_id": None, "claim_ref": reference}
    answer = stack.upload(issue_session_token(stack.key, mine), "a.jpg", JPEG)
    assert answer.status_code == 201 and where_it_went(answer.json())[0] == reference

    # A slot naming a claim of another conversation does not open it: the file is kept.
    other = new_anonymous_conversation_id()
    stack.rasa.slots[other] = {"claim_ref": reference}
    kept = stack.upload(issue_session_token(stack.key, other), "b.jpg", JPEG)
    assert kept.status_code == 201 and where_it_went(kept.json())[2] is True
    stored = stack.claims.claim_detail(reference)
    assert stored is not None
    assert [e["evidence_id"] for e in stored["evidence"]] == [answer.json()["evidence_id"]]


def test_upload_to_another_customers_claim_is_refused(stack: Stack) -> None:
    reference = stack.file_claim("C-5001", "web-c-five", "P-5001")
    refused = stack.upload(issue_customer_token(stack.key, "C-5002"), "a.jpg", JPEG,
                           claim_ref=reference)
    assert refused.status_code == 404
    stored = stack.claims.claim_detail(reference)
    assert stored is not None and stored["evidence"] == []


@pytest.fixture(scope="module")
def photo_claim(stack: Stack) -> tuple[str, str]:
    reference = stack.file_claim("C-6001", "web-c-six", "P-6001")
    return reference, issue_customer_token(stack.key, "C-6001")


def test_photo_at_the_size_limit_is_taken_and_one_byte_more_is_refused(
    stack: Stack, photo_claim: tuple[str, str]
) -> None:
    reference, token = photo_claim
    at_limit = JPEG + b"\x01" * (PHOTO_LIMIT - len(JPEG))
    assert stack.upload(token, "big.jpg", at_limit, claim_ref=reference).status_code == 201
    over = at_limit + b"\x02"
    refused = stack.upload(token, "bigger.jpg", over, claim_ref=reference)
    assert refused.status_code == 422
    assert f"at most {PHOTO_LIMIT // MB} MB" in refused.json()["error"]


@pytest.mark.parametrize(
    ("name", "data", "kind", "message"),
    [
        ("photo.jpg", PDF, "photo", "is of type application/pdf"),
        ("photo.jpg", b"MZ\x90\x00 not an image at all" * 4, "photo", "not a file type we accept"),
        ("../../etc/passwd.jpg", JPEG, "photo", "is not allowed"),
        ("..\\..\\boot.jpg", JPEG, "photo", "is not allowed"),
        ("empty.jpg", b"", "photo", "is empty"),
        ("clip.jpg", JPEG, "unboxing_video", "must be one of: mov, mp4"),
        ("x.jpg", JPEG, "selfie", "Unknown evidence kind"),
    ],
    ids=["pdf-named-jpg", "exe-named-jpg", "path-traversal", "windows-path", "empty",
         "image-as-video", "unknown-kind"],
)
def test_bad_files_are_refused_with_a_clear_message_and_nothing_is_stored(
    stack: Stack, photo_claim: tuple[str, str], name: str, data: bytes, kind: str, message: str
) -> None:
    reference, token = photo_claim
    before = stack.claims.claim_detail(reference)
    assert before is not None
    refused = stack.upload(token, name, data, claim_ref=reference, kind=kind)
    assert refused.status_code == 422, refused.text
    assert message in refused.json()["error"]
    after = stack.claims.claim_detail(reference)
    assert after is not None and after["evidence"] == before["evidence"]


def test_upload_without_a_file_or_without_a_valid_token_is_refused(stack: Stack) -> None:
    token = issue_customer_token(stack.key, "C-6001")
    no_file = requests.post(stack.url("/api/evidence"),
                            headers={"Authorization": f"Bearer {token}"},
                            data={"kind": "photo"}, timeout=5)
    assert no_file.status_code == 400 and "No file" in no_file.json()["error"]
    anonymous = stack.upload(None, "a.jpg", JPEG)
    assert anonymous.status_code == 401 and "sign in" in anonymous.json()["error"].lower()
    forged = stack.upload(issue_customer_token(b"z" * 32, "C-6001"), "a.jpg", JPEG)
    assert forged.status_code == 401 and "could not be verified" in forged.json()["error"]


def test_request_over_the_servers_limit_gets_a_json_message(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "http://127.0.0.1:9")
    upgrade(settings.database_url)
    app = create_app(settings, console=False)
    app.config.REQUEST_MAX_SIZE = 1 * MB
    web = ServerThread(app).start()
    try:
        token = issue_customer_token(widget_key(settings), "C-1")
        answer = requests.post(
            web.url + "/api/evidence", headers={"Authorization": f"Bearer {token}"},
            files={"file": ("v.mp4", b"\x00" * (2 * MB), "video/mp4")}, timeout=30,
        )
        assert answer.status_code == 413
        assert "too large" in answer.json()["error"]
    finally:
        web.stop()


def test_evidence_is_kept_when_the_bot_cannot_be_told(tmp_path: Path) -> None:
    settings = _settings(tmp_path, f"http://127.0.0.1:{free_port()}")
    upgrade(settings.database_url)
    claims = ClaimsApp.from_settings(settings)
    web = ServerThread(create_app(settings, console=False, claims=claims)).start()
    try:
        stack_like = Stack(settings, claims, FakeRasa(settings), web)
        reference = stack_like.file_claim("C-7001", "web-c-seven", "P-7001")
        answer = stack_like.upload(issue_customer_token(stack_like.key, "C-7001"), "a.jpg", JPEG,
                                   claim_ref=reference)
        assert answer.status_code == 201
        body: dict[str, Any] = answer.json()
        # Stored and attached even though the bot could not be told.
        assert body["bot_notified"] is False and body["message"].startswith("/inform{")
        stored = claims.claim_detail(reference)
        assert stored is not None and len(stored["evidence"]) == 1
    finally:
        web.stop()
        claims.dispose()


# --- link codes -----------------------------------------------------------------------


def test_signed_in_customer_gets_a_link_code_that_works_once(stack: Stack) -> None:
    token = issue_customer_token(stack.key, "C-8001")
    answer = requests.post(stack.url("/api/link-code"),
                           headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert answer.status_code == 201
    code = answer.json()["code"]
    assert len(code) == 9 and code[4] == "-" and answer.json()["expires_at"].endswith("Z")
    assert redeem_link_code(code, "telegram", "tg-77", settings=stack.settings) == "C-8001"
    with pytest.raises(LinkCodeUsed):
        redeem_link_code(code, "discord", "dc-99", settings=stack.settings)


def test_anonymous_visitor_gets_no_link_code(stack: Stack) -> None:
    session = issue_session_token(stack.key, new_anonymous_conversation_id())
    for headers in ({"Authorization": f"Bearer {session}"}, {}):
        answer = requests.post(stack.url("/api/link-code"), headers=headers, timeout=5)
        assert answer.status_code == 401
        assert "sign in" in answer.json()["error"].lower()
