"""The readable claim page over HTTP (issue 18) and its evidence (issue 15, console half):
taps as labels, files as thumbnails, the sandboxing policy on the real response, generated
download names, and "ask for this file again" reaching the customer in their language."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import requests
from handoff.claims_fixtures import file_claim

from console.conftest import Console, csrf_of
from console.media import png_bytes
from cssecure.claims import services
from cssecure.console import sla

YES_NO = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def _with_photo(console: Console, filename: str = "statement.html") -> tuple[str, str]:
    claim = file_claim(console.engine)
    item, _ = services.attach_evidence(
        console.deps.ports.uow_factory,
        console.deps.evidence,
        claim.reference,
        kind="photo",
        filename=filename,
        data=png_bytes(),
        source_channel="telegram",
    )
    return claim.reference, item.evidence_id


def test_the_chat_shows_a_tap_as_its_label_and_a_file_as_its_thumbnail(console: Console) -> None:
    reference, evidence_id = _with_photo(console)
    console.rasa.add_conversation(
        "conv-1",
        [
            {"event": "bot", "text": "Do you have photos of the damage?",
             "data": {"buttons": YES_NO}},
            {"event": "user", "text": "/affirm"},
            {"event": "user", "text": '/inform{"evidence_kind": "photo", "evidence_id": "'
             + evidence_id + '"}'},
        ],
    )
    browser = console.login()
    page = browser.get(f"{console.url}/console/claims/{reference}").text
    chat = page[page.index('id="transcript"'):page.index("</section>", page.index('id="chat"'))]
    assert "/affirm" not in chat and "/inform" not in chat
    assert ('<span class="tap" title="tapped a button"><small class="tap-note">tapped</small> Yes'
            '</span>') in chat
    assert "from-customer kind-button" in chat and "from-assistant" in chat
    assert f'<img src="/console/claims/{reference}/evidence/{evidence_id}"' in chat
    assert 'data-customer-messages="2"' in chat


def test_the_evidence_response_really_carries_the_sandboxing_policy(console: Console) -> None:
    reference, evidence_id = _with_photo(console)
    browser = console.login()
    reply = browser.get(f"{console.url}/console/claims/{reference}/evidence/{evidence_id}")
    assert reply.status_code == 200
    policy = reply.headers["Content-Security-Policy"]
    assert "sandbox" in policy.split("; ") and "default-src 'none'" in policy
    assert "script-src" not in policy
    # The pages keep the console's own policy (no sandbox there: its forms must work).
    page = browser.get(f"{console.url}/console/claims/{reference}")
    assert "sandbox" not in page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_an_evidence_file_is_streamed_from_disk_not_read_whole(console: Console) -> None:
    """Found by review: videos up to 200 MB were read into memory for every request. The
    console (a thread of this process) serves a 96 MiB file while this process's resident
    memory is sampled: it never grows by anything near the file."""
    import threading
    from pathlib import Path

    def rss() -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS")

    reference, evidence_id = _with_photo(console)
    claim = services.get_claim(console.deps.ports.uow_factory, reference)
    (item,) = claim.evidence
    big = 96 * 1024 * 1024
    with console.deps.evidence.path(item.stored_name).open("ab") as stored:
        stored.truncate(big)  # the stored file grows to 96 MiB (sparse: no memory used)
    browser = console.login()
    before, peak, done = rss(), [0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss())
            done.wait(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        with browser.get(f"{console.url}/console/claims/{reference}/evidence/{evidence_id}",
                         stream=True) as reply:
            assert reply.status_code == 200
            assert reply.headers["Content-Type"].startswith("image/png")
            assert reply.headers["Content-Length"] == str(big)
            received = sum(len(c) for c in reply.iter_content(1024 * 1024))
    finally:
        done.set()
        sampler.join()
    assert received == big
    grown = peak[0] - before
    assert grown < 48 * 1024 * 1024, f"grew by {grown // (1024 * 1024)} MiB while serving"


def test_a_download_gets_a_generated_name_never_the_customers(console: Console) -> None:
    reference, evidence_id = _with_photo(console, filename="statement.html")
    browser = console.login()
    base = f"{console.url}/console/claims/{reference}/evidence/{evidence_id}"
    download = browser.get(base + "?download=1")
    expected = f"{reference}-photo-{evidence_id[:8]}.png"
    assert download.headers["Content-Disposition"] == f'attachment; filename="{expected}"'
    assert "statement" not in download.headers["Content-Disposition"]
    page = browser.get(f"{console.url}/console/claims/{reference}").text
    assert f'download="{expected}"' in page
    # The customer's name is still shown to the agent, as text.
    assert "statement.html" in page


def test_request_again_asks_the_customer_in_their_language_and_is_attributed(
    console: Console,
) -> None:
    reference, evidence_id = _with_photo(console)
    console.rasa.add_conversation(
        "conv-1", [{"event": "slot", "name": "language", "value": "de"}]
    )
    browser = console.login()
    page = browser.get(f"{console.url}/console/claims/{reference}")
    reply = browser.post(
        f"{console.url}/console/claims/{reference}/evidence/{evidence_id}/again",
        data={"csrf_token": csrf_of(page.text)},
        allow_redirects=False,
    )
    assert reply.status_code == 303, reply.text
    (pushed,) = console.rasa.pushed
    assert pushed["conversation_id"] == "conv-1" and "Foto" in pushed["text"]
    claim = services.get_claim(console.deps.ports.uow_factory, reference)
    assert claim.status == "awaiting_evidence"
    assert (claim.history[-1].actor, claim.history[-1].note) == (
        "agent:alice", "evidence requested: Foto"
    )


def test_a_closed_claim_offers_no_ask_again_and_nothing_overdue(console: Console) -> None:
    """Found by review: a rejected claim's page offered "Ask the customer to send this photo
    again" (which then failed) and counted down its missing evidence."""
    reference, _ = _with_photo(console)
    browser = console.login()
    url = f"{console.url}/console/claims/{reference}"
    assert "request-again" in browser.get(url).text  # open: offered
    services.change_status(console.deps.ports.uow_factory, reference, "rejected",
                           actor="agent:alice", note="not covered")
    page = browser.get(url).text
    assert "request-again" not in page
    assert "overdue" not in page


def test_request_again_needs_the_csrf_token_and_a_real_item(console: Console) -> None:
    reference, evidence_id = _with_photo(console)
    browser = console.login()
    url = f"{console.url}/console/claims/{reference}/evidence/"
    forged = browser.post(url + evidence_id + "/again", data={}, allow_redirects=False)
    assert forged.status_code == 403
    token = csrf_of(browser.get(f"{console.url}/console/claims/{reference}").text)
    unknown = browser.post(url + "ev_nope/again", data={"csrf_token": token})
    assert unknown.status_code == 404
    assert console.rasa.pushed == []
    stranger = requests.post(url + evidence_id + "/again", data={"csrf_token": token})
    assert stranger.status_code == 401


def test_the_claim_page_shows_the_reply_promise_while_the_customer_waits(
    console: Console,
) -> None:
    claim = file_claim(console.engine)  # handed to an agent just now
    page = console.login().get(f"{console.url}/console/claims/{claim.reference}").text
    deadlines = page[page.index('id="deadlines"'):page.index("</ul>", page.index('id="deadlines"'))]
    # The promise the customer was given (office time after the request: cssecure.console.sla).
    asked = sla.waiting_since(console.engine, datetime.now(timezone.utc))[claim.reference]
    due = sla.reply_due(asked)
    assert f"reply to the customer (due {due:%Y-%m-%d %H:%M} UTC)" in deadlines
    assert "left" in deadlines and "overdue" not in deadlines


def test_the_same_file_on_two_claims_is_flagged_on_both_pages(console: Console) -> None:
    """Issue 15 review: the second claim said "the same file is on CS-...1" but the first
    kept saying "not on any other claim": its check was recorded before the second came."""
    first, _ = _with_photo(console)
    second = file_claim(console.engine, parcel_id="P1002", conversation_id="conv-2")
    services.attach_evidence(console.deps.ports.uow_factory, console.deps.evidence,
                             second.reference, kind="photo", filename="same.png",
                             data=png_bytes(), source_channel="web")
    browser = console.login()
    first_page = browser.get(f"{console.url}/console/claims/{first}").text
    second_page = browser.get(f"{console.url}/console/claims/{second.reference}").text
    assert f"the same file is on {second.reference}" in first_page
    assert f"the same file is on {first}" in second_page
    assert "not on any other claim" not in first_page


# ------------------------------------------------ the assistant and the agent's reply


def _post(browser: requests.Session, url: str, action: str, **data: str) -> requests.Response:
    token = csrf_of(browser.get(url).text)
    return browser.post(f"{url}/{action}", data={"csrf_token": token, **data})


def test_a_reply_from_the_claim_page_pauses_the_assistant_until_handed_back(
    console: Console,
) -> None:
    """Review of issue 18 (finding 2): Alice replied on a claim; the customer's next messages
    got the assistant's fallbacks and it started a new claim. Now her reply pauses it under
    her name (the page says so) until she hands it back."""
    claim = file_claim(console.engine)
    browser = console.login()
    url = f"{console.url}/console/claims/{claim.reference}"
    assert "The assistant answers this customer" in browser.get(url).text
    sent = _post(browser, url, "reply", text="Alice here, looking at it.")
    assert sent.ok and "stays quiet in this conversation" in sent.text
    assert console.rasa.paused("conv-1")
    pause = [e for e in console.rasa.events["conv-1"] if e["event"] == "pause"][-1]
    assert pause["metadata"] == {"sender": "agent", "agent_name": "alice"}
    page = browser.get(url).text
    assert "The assistant is quiet: alice is talking to the customer" in page
    assert _post(browser, url, "handback").ok
    assert not console.rasa.paused("conv-1")


def test_a_reply_from_the_conversation_page_pauses_the_assistant_too(console: Console) -> None:
    console.rasa.add_conversation("web-a-1", [{"event": "slot", "name": "channel",
                                                "value": "web"}])
    browser = console.login()
    url = f"{console.url}/console/conversations/web-a-1"
    assert _post(browser, url, "reply", text="Alice here.").ok
    assert console.rasa.paused("web-a-1")
    assert "alice is talking to the customer" in browser.get(url).text


def test_assign_to_me_and_take_over_say_what_each_does_and_do_only_that(
    console: Console,
) -> None:
    """Review (minor): "Take it" (hold only) and "Take over the conversation" (pauses the
    assistant) sat side by side and were confused. The hold-only button is "Assign to me"
    (a desk's word for it), each button says what it does, and the page says what the
    assistant does now."""
    claim = file_claim(console.engine)
    browser = console.login()
    url = f"{console.url}/console/claims/{claim.reference}"
    page = browser.get(url).text
    assert "Take it" not in page
    assert 'id="hold" aria-describedby="hold-hint">Assign to me</button>' in page
    assert "Nothing is sent to the customer and the assistant goes on answering" in page
    assert 'id="take" aria-describedby="take-hint">Take over the conversation</button>' in page
    assert "the assistant stops answering and the customer is told" in page
    # Assign to me: the desk's hold only.
    assigned = _post(browser, url, "hold")
    assert "Nothing was sent" in assigned.text and "You hold this conversation." in assigned.text
    assert console.rasa.pushed == [] and not console.rasa.paused("conv-1")
    # Take over: the assistant stops and the customer is greeted.
    taken = _post(browser, url, "take")
    assert "the assistant is paused" in taken.text
    assert console.rasa.paused("conv-1") and len(console.rasa.pushed) == 1


def test_times_on_the_claim_page_are_readable_not_iso(console: Console) -> None:
    """Review (minor): filing and history times showed as 2026-11-30T09:02:09.530324+00:00."""
    claim = file_claim(console.engine)
    page = console.login().get(f"{console.url}/console/claims/{claim.reference}").text
    summary = page[page.index('class="summary"'):page.index("</p>", page.index('class="summary"'))]
    history = page[page.index('id="history"'):page.index("</section>", page.index('id="history"'))]
    shown = claim.created_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    assert f">{shown}</time>" in summary
    for part in (summary, history):
        words = re.sub(r'datetime="[^"]*"', "", part)  # the machine-readable attribute
        assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d+|\dT\d", words), part
    assert history.count(" UTC</time>") == len(claim.history)
