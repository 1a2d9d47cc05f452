"""The console in a real browser (Debian's chromium via Playwright): the agent's side of a
handoff, with the customer's channel faked by the loopback push endpoint. Both sides
against the whole stack (the customer's widget showing the agent's reply and decision):
tests/e2e/test_handoff_browser.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browsers import launched_chromium
from handoff.claims_fixtures import file_claim

from console.conftest import PASSWORD, Console

pytestmark = pytest.mark.browser


@pytest.fixture
def page() -> Iterator[object]:
    with launched_chromium() as browser:
        yield browser.new_page()


def test_agent_logs_in_takes_over_replies_and_approves(
    console: Console, page: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import Page, expect

    monkeypatch.setenv("CSSECURE_AGENT_ALIASES", "alice=Mei")

    assert isinstance(page, Page)
    claim = file_claim(console.engine)
    page.goto(f"{console.url}/console/claims/{claim.reference}")
    # Not signed in: sent to the login page, and back to the claim afterwards.
    page.fill("input[name=name]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#reference")).to_have_text(claim.reference)

    page.click("#take")
    expect(page.locator(".notice")).to_contain_text("assistant is paused")
    assert console.rasa.paused("conv-1")

    page.fill("#reply-text", "Hello, could you send a photo of the handle?")
    page.click("#reply")
    expect(page.locator(".notice")).to_contain_text("delivered to the customer")
    expect(page.locator("#transcript")).to_contain_text("could you send a photo of the handle?")

    page.fill("#payout-rmb", "300.00")
    page.fill("#approve-note", "goods unusable")
    page.click("#approve")
    expect(page.locator("#status")).to_have_text("approved")
    expect(page.locator("#payout")).to_have_text("300.00 RMB")
    # The decision, then (issue 17) the conversation back with the assistant.
    decision = next(p for p in console.rasa.pushed if "approved" in p["text"])
    # The customer sees the agent's alias; the history keeps the login name.
    assert decision["agent_name"] == "Mei" and "approved" in decision["text"]
    expect(page.locator("#history")).to_contain_text("agent:alice")
