"""The console over HTTP: sign-in, sessions, CSRF, evidence access, actions, escaping."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from handoff.claims_fixtures import file_claim

from console.conftest import Console, csrf_of
from console.media import png_bytes
from cssecure.claims import services
from cssecure.console.accounts import IDLE_TIMEOUT

PNG = png_bytes()


def _history(console: Console, reference: str) -> list[tuple[str, str]]:
    claim = services.get_claim(console.deps.ports.uow_factory, reference)
    return [(h.actor, h.note) for h in claim.history]


# ------------------------------------------------------------------ sign-in


def test_login_sets_a_strict_httponly_session_cookie_on_the_console_path(
    console: Console,
) -> None:
    browser = requests.Session()
    page = browser.get(f"{console.url}/console/login")
    reply = browser.post(
        f"{console.url}/console/login",
        data={
            "csrf_token": csrf_of(page.text),
            "name": "alice",
            "password": "correct horse battery",
        },
        allow_redirects=False,
    )
    assert reply.status_code == 303 and reply.headers["Location"] == "/console/"
    cookie = reply.headers["Set-Cookie"]
    assert "cssecure_console=" in cookie
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie


@pytest.mark.parametrize(
    ("name", "password"),
    [("alice", "wrong password!!"), ("mallory", "correct horse battery"), ("", "")],
)
def test_wrong_credentials_are_refused_with_one_message(
    console: Console, name: str, password: str
) -> None:
    browser = requests.Session()
    page = browser.get(f"{console.url}/console/login")
    reply = browser.post(
        f"{console.url}/console/login",
        data={"csrf_token": csrf_of(page.text), "name": name, "password": password},
        allow_redirects=False,
    )
    assert reply.status_code == 401
    assert "Wrong agent name or password" in reply.text
    assert "cssecure_console=" not in reply.headers.get("Set-Cookie", "").replace(
        "cssecure_console_login", ""
    )


def test_login_without_its_csrf_token_is_refused(console: Console) -> None:
    browser = requests.Session()
    browser.get(f"{console.url}/console/login")
    reply = browser.post(
        f"{console.url}/console/login",
        data={"name": "alice", "password": "correct horse battery"},
        allow_redirects=False,
    )
    assert reply.status_code == 403


def test_login_never_redirects_outside_the_console(console: Console) -> None:
    browser = requests.Session()
    page = browser.get(f"{console.url}/console/login?next=//evil.example/x")
    reply = browser.post(
        f"{console.url}/console/login",
        data={
            "csrf_token": csrf_of(page.text),
            "name": "alice",
            "password": "correct horse battery",
            "next": "https://evil.example/",
        },
        allow_redirects=False,
    )
    assert reply.headers["Location"] == "/console/"


def test_pages_need_a_session_and_redirect_to_login(console: Console) -> None:
    reply = requests.get(f"{console.url}/console/", allow_redirects=False)
    assert reply.status_code == 303
    assert reply.headers["Location"].startswith("/console/login?next=")


def test_expired_session_goes_back_to_login_and_cannot_act(console: Console) -> None:
    claim = file_claim(console.engine)
    browser = console.login()
    page = browser.get(f"{console.url}/console/claims/{claim.reference}")
    token = csrf_of(page.text)
    console.clock.offset = IDLE_TIMEOUT + timedelta(seconds=1)
    reply = browser.get(f"{console.url}/console/", allow_redirects=False)
    assert reply.status_code == 303 and "/console/login" in reply.headers["Location"]
    action = browser.post(
        f"{console.url}/console/claims/{claim.reference}/reply",
        data={"csrf_token": token, "text": "hello"},
        allow_redirects=False,
    )
    assert action.status_code == 401
    assert console.rasa.pushed == []


def test_logout_ends_the_session(console: Console) -> None:
    browser = console.login()
    page = browser.get(f"{console.url}/console/")
    browser.post(f"{console.url}/console/logout", data={"csrf_token": csrf_of(page.text)})
    reply = browser.get(f"{console.url}/console/", allow_redirects=False)
    assert reply.status_code == 303


# --------------------------------------------------------------------- CSRF


@pytest.mark.parametrize("token", [None, "", "forged-token"])
@pytest.mark.parametrize("action", ["reply", "approve", "reject", "take", "handback", "evidence"])
def test_actions_without_the_right_csrf_token_are_403_and_change_nothing(
    console: Console, token: str | None, action: str
) -> None:
    claim = file_claim(console.engine)
    browser = console.login()
    before = _history(console, claim.reference)
    data = {"text": "x", "reason": "x", "what": "x", "payout_rmb": "10", "note": "x"}
    if token is not None:
        data["csrf_token"] = token
    reply = browser.post(
        f"{console.url}/console/claims/{claim.reference}/{action}",
        data=data,
        allow_redirects=False,
    )
    assert reply.status_code == 403
    assert _history(console, claim.reference) == before
    assert console.rasa.pushed == [] and not console.rasa.paused("conv-1")


def test_another_sessions_csrf_token_is_refused(console: Console) -> None:
    claim = file_claim(console.engine)
    first, second = console.login(), console.login()
    token_of_first = csrf_of(first.get(f"{console.url}/console/").text)
    reply = second.post(
        f"{console.url}/console/claims/{claim.reference}/reply",
        data={"csrf_token": token_of_first, "text": "hi"},
        allow_redirects=False,
    )
    assert reply.status_code == 403


# ----------------------------------------------------------------- evidence


def _with_photo(console: Console) -> tuple[str, str]:
    claim = file_claim(console.engine)
    item, _ = services.attach_evidence(
        console.deps.ports.uow_factory,
        console.deps.evidence,
        claim.reference,
        kind="photo",
        filename="broken vase.png",
        data=PNG,
        source_channel="web",
    )
    return claim.reference, item.evidence_id


def test_evidence_is_refused_without_a_session(console: Console) -> None:
    reference, evidence_id = _with_photo(console)
    reply = requests.get(
        f"{console.url}/console/claims/{reference}/evidence/{evidence_id}", allow_redirects=False
    )
    assert reply.status_code == 401
    assert PNG not in reply.content


def test_evidence_is_served_inline_with_its_sniffed_type_to_agents(console: Console) -> None:
    reference, evidence_id = _with_photo(console)
    browser = console.login()
    page = browser.get(f"{console.url}/console/claims/{reference}")
    src = f"/console/claims/{reference}/evidence/{evidence_id}"
    assert f'<img src="{src}"' in page.text
    reply = browser.get(console.url + src)
    assert reply.status_code == 200 and reply.content == PNG
    assert reply.headers["Content-Type"] == "image/png"
    # The console names the file itself: never the customer's name (issue 15).
    assert reply.headers["Content-Disposition"] == (
        f'inline; filename="{reference}-photo-{evidence_id[:8]}.png"'
    )
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert browser.get(f"{console.url}/console/claims/{reference}/evidence/nope").status_code == 404


@pytest.mark.parametrize(
    ("asked", "status", "first", "last"),
    [
        pytest.param("bytes=0-9", 206, 0, 9, id="the start"),
        pytest.param("bytes=10-", 206, 10, None, id="from an offset to the end"),
        pytest.param("bytes=-5", 206, None, None, id="the last five bytes"),
    ],
)
def test_evidence_is_served_in_byte_ranges_for_a_video_to_seek(
    console: Console, asked: str, status: int, first: int | None, last: int | None
) -> None:
    """Review: the console answered a Range request with the whole file (200, no length),
    so an agent could not seek in a 300 MB unboxing video and Safari played nothing."""
    reference, evidence_id = _with_photo(console)
    browser = console.login()
    url = f"{console.url}/console/claims/{reference}/evidence/{evidence_id}"
    whole = browser.get(url)
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["Content-Length"] == str(len(PNG))
    reply = browser.get(url, headers={"Range": asked})
    assert reply.status_code == status
    size = len(PNG)
    start = first if first is not None else size - 5
    end = last if last is not None else size - 1
    assert reply.content == PNG[start:end + 1]
    assert reply.headers["Content-Range"] == f"bytes {start}-{end}/{size}"
    assert reply.headers["Content-Length"] == str(end - start + 1)
    assert "sandbox" in reply.headers["Content-Security-Policy"]
    # A range past the file: 416 with the size.
    beyond = browser.get(url, headers={"Range": f"bytes={size + 10}-{size + 20}"})
    assert beyond.status_code == 416 and beyond.headers["Content-Range"] == f"bytes */{size}"


# ------------------------------------------------------------------ actions


def test_every_action_is_recorded_under_the_agents_name(console: Console) -> None:
    claim = file_claim(console.engine)
    browser = console.login()
    base = f"{console.url}/console/claims/{claim.reference}"

    def post(action: str, **data: str) -> requests.Response:
        token = csrf_of(browser.get(base).text)
        reply = browser.post(f"{base}/{action}", data={"csrf_token": token, **data})
        assert reply.status_code == 200, reply.text
        return reply

    start = len(_history(console, claim.reference))
    assert "assistant is paused" in post("take").text
    post("reply", text="Please show the handle.")
    post("evidence", what="a photo of the handle")
    page = post("approve", payout_rmb="250.00", note="handle broken, vase usable")
    assert "250.00 RMB" in page.text
    post("handback")
    new = _history(console, claim.reference)[start:]
    assert len(new) >= 5
    assert all(actor == "agent:alice" for actor, _ in new), new
    notes = " | ".join(note for _, note in new)
    for expected in ("took over", "replied to the customer: Please show the handle.",
                     "evidence requested: a photo of the handle", "payout 250.00 RMB"):
        assert expected in notes
    texts = [p["text"] for p in console.rasa.pushed]
    assert "Please show the handle." in texts
    assert any("approved" in t for t in texts)
    assert not console.rasa.paused("conv-1")


def test_reject_from_the_console_tells_the_customer(console: Console) -> None:
    claim = file_claim(console.engine)
    browser = console.login()
    base = f"{console.url}/console/claims/{claim.reference}"
    token = csrf_of(browser.get(base).text)
    page = browser.post(f"{base}/reject", data={"csrf_token": token, "reason": "Reported late."})
    assert '<span id="status" class="status">rejected</span>' in page.text
    assert "Reported late." in console.rasa.pushed[-1]["text"]
    assert _history(console, claim.reference)[-2][0] == "agent:alice"


def test_a_refused_action_shows_why_and_keeps_the_claim(console: Console) -> None:
    claim = file_claim(console.engine)
    browser = console.login()
    base = f"{console.url}/console/claims/{claim.reference}"
    token = csrf_of(browser.get(base).text)
    page = browser.post(f"{base}/approve", data={"csrf_token": token, "payout_rmb": "lots"})
    assert page.status_code == 409 and "is not an amount in RMB" in page.text
    # Unchanged (awaiting_evidence since issue 12: the fixture's video is said, not sent).
    after = services.get_claim(console.deps.ports.uow_factory, claim.reference)
    assert (after.status, after.payout_rmb) == (claim.status, None)
    assert _history(console, claim.reference) == [(h.actor, h.note) for h in claim.history]


def test_queue_lists_claims_waiting_for_an_agent_first(console: Console) -> None:
    quiet = file_claim(console.engine, parcel_id="P2001", needs_agent=False)
    waiting = file_claim(console.engine, parcel_id="P2002")
    page = console.login().get(f"{console.url}/console/").text
    assert page.index(waiting.reference) < page.index(quiet.reference)


# ----------------------------------------------------------------- escaping


def test_hostile_customer_text_is_escaped_in_transcript_facts_and_history(
    console: Console,
) -> None:
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    console.rasa.add_conversation(
        "conv-evil", [{"event": "user", "text": attack, "timestamp": 1_700_000_000}]
    )
    claim = file_claim(
        console.engine, conversation_id="conv-evil", facts={"damage_kind": attack}
    )
    browser = console.login()
    base = f"{console.url}/console/claims/{claim.reference}"
    token = csrf_of(browser.get(base).text)
    browser.post(f"{base}/reply", data={"csrf_token": token, "text": attack})
    page = browser.get(base).text
    assert "<script>alert" not in page and "<img src=x" not in page
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"
    assert page.count(escaped) >= 3  # transcript (customer + agent), facts, history
    assert "default-src 'none'" in browser.get(base).headers["Content-Security-Policy"]


@pytest.mark.parametrize("keep", [False, True])
@pytest.mark.parametrize("decision, data", [
    ("approve", {"payout_rmb": "250.00", "note": "handle broken"}),
    ("reject", {"reason": "Reported late."}),
])
def test_after_a_decision_the_assistant_answers_again_unless_the_agent_keeps_talking(
    console: Console, decision: str, data: dict[str, str], keep: bool
) -> None:
    """Issue 17: nobody presses "Hand back" after deciding, yet the customer is answered;
    an agent who ticks "Keep talking to the customer" keeps the conversation."""
    claim = file_claim(console.engine)
    browser = console.login()
    base = f"{console.url}/console/claims/{claim.reference}"
    token = csrf_of(browser.get(base).text)
    assert browser.post(f"{base}/take", data={"csrf_token": token}).status_code == 200
    assert console.rasa.paused("conv-1")
    token = csrf_of(browser.get(base).text)
    box = {"keep_conversation": "on"} if keep else {}
    page = browser.post(f"{base}/{decision}", data={"csrf_token": token, **box, **data})
    assert page.status_code == 200, page.text
    assert 'id="approve-keep"' in page.text and 'id="reject-keep"' in page.text
    assert console.rasa.paused("conv-1") is keep
    # Review: the desk's hold went with the conversation: let go unless still talking.
    from cssecure.console.desk import conversation_item

    held = console.deps.desk.holder(conversation_item(claim.conversation_id))
    assert (held.agent if held else None) == ("alice" if keep else None)
