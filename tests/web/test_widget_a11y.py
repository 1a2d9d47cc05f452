"""The widget against WCAG 2.1 A/AA with axe-core (axe-playwright-python bundles axe-core
4.12) in Debian's chromium, on a desktop and a phone viewport, in each state a customer
sees: the launcher alone, the greeting with its starters, the parcel choices, a running
conversation with times, delivery states, typing and an agent's message, another language.
No violation of serious or critical impact is allowed (issue 17); every violation is
printed, so a moderate one is seen too.
"""

from __future__ import annotations

from typing import Any

import pytest

from .test_widget_journey import (
    EVIDENCE_QUESTION,
    LABELS,
    PARCELS,
    chromium,  # noqa: F401 - the module's browser fixture
    fire,
    open_page,
    start_session,
)

pytestmark = pytest.mark.browser

WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
              "resultTypes": ["violations"]}
BLOCKING = {"serious", "critical"}
VIEWPORTS = {"desktop": None, "phone": {"width": 390, "height": 700}}


def violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    found: list[dict[str, Any]] = Axe().run(page, options=WCAG_21_AA).response["violations"]
    for violation in found:
        targets = [node["target"] for node in violation["nodes"]]
        print(f"{violation['impact']}: {violation['id']} {violation['help']} {targets}")
    return found


def blocking(page: Any) -> list[str]:
    return [f"{v['id']} ({v['impact']})" for v in violations(page) if v["impact"] in BLOCKING]


def open_chat(page: Any, language: str = "en") -> None:
    page.get_by_role("button", name=LABELS["launcher_open"][language]).click()
    page.wait_for_selector(".csw", state="visible")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_no_serious_violations_in_any_state(chromium: Any, viewport: str) -> None:  # noqa: F811
    page = open_page(chromium, 'data-socket-url="http://rasa.test" data-token="jwt"',
                     viewport=VIEWPORTS[viewport], parcels=PARCELS, evidence_panel=True)
    assert blocking(page) == [], "the launcher alone"

    open_chat(page)
    start_session(page, verified=True)
    page.wait_for_selector(".csw-greeting .csw-reply")
    assert blocking(page) == [], "the greeting and its starters"

    page.get_by_role("button", name=LABELS["starter_problem"]["en"]).click()
    page.get_by_role("button", name=LABELS["problem_damaged"]["en"]).click()
    page.wait_for_selector(".csw-parcels .csw-reply")
    assert blocking(page) == [], "the parcel choices"

    page.locator(".csw-parcels .csw-reply").first.click()  # sent; typing until acknowledged
    fire(page, "bot_uttered", {"text": "Thanks. When was it delivered?",
                               "quick_replies": [{"title": "Yesterday", "payload": "/inform"}]})
    fire(page, "bot_uttered", {"text": "Hello, this is Mei.", "sender": "agent",
                               "agent_name": "Mei"})
    page.wait_for_selector(".csw-from-agent")
    assert blocking(page) == [], "a conversation: times, states, typing, an agent"

    fire(page, "bot_uttered", EVIDENCE_QUESTION)
    page.wait_for_selector(".csw-evidence .csw-evidence-attach")
    assert blocking(page) == [], "an evidence question with its file panel"

    fire(page, "bot_uttered", {"custom": {"language": "de"}})
    page.wait_for_selector(".csw[lang=de]")
    assert blocking(page) == [], "after a switch to German"
    page.context.close()


def test_the_check_finds_a_serious_violation(chromium: Any) -> None:  # noqa: F811
    """The run above is not vacuous: an unlabelled button and grey-on-grey text are found."""
    page = open_page(chromium)
    open_chat(page)
    page.evaluate("""() => {
      document.querySelector('.csw-send').textContent = '';
      document.querySelector('.csw-title').style.color = '#1a5a9a';
    }""")
    found = blocking(page)
    assert "button-name (critical)" in found
    assert "color-contrast (serious)" in found
    page.context.close()
