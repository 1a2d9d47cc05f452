"""Data requests in a real browser (issue 18, Debian's chromium via Playwright): a
supervisor downloads a customer's archive (their evidence files and transcripts inside),
then erases the customer after typing the id twice; a search finds nothing of theirs left."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from browsers import launched_chromium

from console.conftest import PASSWORD, Console
from console.customer_data import CUSTOMER, RECEIPT, seed, stores, tracker_store
from console.test_erasure import database_texts, found, tracker_texts
from cssecure.console.supervisor import use_customer_stores
from cssecure.identity.linking import LinkStore

pytestmark = pytest.mark.browser


@pytest.fixture
def page() -> Iterator[object]:
    with launched_chromium() as browser:
        yield browser.new_page()


def test_a_supervisor_exports_then_erases_a_customer_in_the_browser(
    console: Console, page: object, tmp_path: Path
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    LinkStore(console.engine).create_schema()
    tracker = tracker_store(tmp_path)
    seeded = seed(console.engine, console.deps.evidence, tracker)
    use_customer_stores(console.deps, stores(tracker))
    console.deps.directory.add_agent("sue", PASSWORD, "supervisor")
    page.goto(f"{console.url}/console/data-requests")
    page.fill("input[name=name]", "sue")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Customers' data requests")

    page.fill("#customer-id", CUSTOMER)
    with page.expect_download() as download:
        page.click("#export")
    archive_path = tmp_path / "archive.zip"
    download.value.save_as(archive_path)
    archive = zipfile.ZipFile(archive_path)
    names = archive.namelist()
    assert archive.read(f"evidence/unfiled/unfiled-photo-{seeded.held_id[:8]}.png") == RECEIPT
    assert any(n.startswith(f"evidence/{seeded.references[0]}/") for n in names)
    assert {f"transcripts/{c}.json" for c in seeded.conversations} <= set(names)

    page.goto(f"{console.url}/console/data-requests")
    page.fill("#erase-id", CUSTOMER)
    page.fill("#erase-confirm", CUSTOMER.upper())
    page.click("#erase")
    expect(page.locator(".error")).to_contain_text("Nothing was erased")
    assert found(database_texts(console.engine))
    page.fill("#erase-confirm", CUSTOMER)
    page.click("#erase")
    expect(page.locator(".notice")).to_contain_text("Erased.")
    expect(page.locator("#erased")).to_contain_text("claims anonymised")
    assert found(database_texts(console.engine)) == []
    assert found(tracker_texts(tracker)) == []
