"""The live desk in a real browser (Debian's chromium via Playwright): a German canned reply
fills its placeholders (issue 18). Two agents and two customers at once, live updates,
assignment and the "answer anyway" override: tests/console/test_desk_two_agents_browser.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browsers import launched_chromium
from handoff.claims_fixtures import file_claim

from console.conftest import PASSWORD, Console

pytestmark = pytest.mark.browser


@pytest.fixture
def browser() -> Iterator[object]:
    with launched_chromium() as browser:
        yield browser


def _signed_in(browser: object, console: Console, name: str, path: str) -> object:
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    page = browser.new_context().new_page()
    page.goto(f"{console.url}{path}")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    return page


def test_a_german_canned_reply_fills_its_placeholders_in_the_browser(
    console: Console, browser: object
) -> None:
    from playwright.sync_api import Page, expect

    claim = file_claim(console.engine, decision="approve", payout="300.00")
    console.rasa.add_conversation("conv-1", [{"event": "slot", "name": "language", "value": "de"}])
    console.deps.canned.save(
        language="de", title="Erstattung", by="sue",
        body="Ihr Antrag {reference}: wir erstatten {payout}.",
    )
    page = _signed_in(browser, console, "alice", f"/console/claims/{claim.reference}")
    assert isinstance(page, Page)
    page.select_option("#canned", label="Erstattung")
    expect(page.locator("#reply-text")).to_have_value(
        f"Ihr Antrag {claim.reference}: wir erstatten 300,00\u00a0RMB."
    )
