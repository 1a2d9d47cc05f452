"""Customers see an agent's display name (CSSECURE_AGENT_ALIASES), never the login name
(issue 16, point 4); the claim's history keeps the login name for the team."""

from __future__ import annotations

import pytest
from handoff.claims_fixtures import file_claim

from console.conftest import Console, csrf_of
from cssecure.claims import services
from cssecure.handoff.service import agent_aliases, display_name


def test_aliases_are_read_leniently() -> None:
    env = {"CSSECURE_AGENT_ALIASES": " alice.wong = Alice ; bob=Sam W., =x; carol=; junk"}
    assert agent_aliases(env) == {"alice.wong": "Alice", "bob": "Sam W."}
    assert display_name("Alice.Wong", env) == "Alice"
    assert display_name("carol", env) == "" and display_name("dave", {}) == ""
    long = {"CSSECURE_AGENT_ALIASES": "eve=" + "E" * 100}
    assert len(display_name("eve", long)) == 40


def _take_and_reply(console: Console) -> str:
    claim = file_claim(console.engine)
    browser = console.login()
    base = f"{console.url}/console/claims/{claim.reference}"
    token = csrf_of(browser.get(base).text)
    assert browser.post(f"{base}/take", data={"csrf_token": token}).status_code == 200
    assert browser.post(
        f"{base}/reply", data={"csrf_token": token, "text": "Looking at it."}
    ).status_code == 200
    return claim.reference


@pytest.mark.parametrize("alias", ["Mei", "Support agent Sam"])
def test_the_customer_sees_the_alias(
    console: Console, monkeypatch: pytest.MonkeyPatch, alias: str
) -> None:
    monkeypatch.setenv("CSSECURE_AGENT_ALIASES", f"alice={alias}")
    reference = _take_and_reply(console)
    greeting, reply = console.rasa.pushed[-2:]
    assert greeting["agent_name"] == reply["agent_name"] == alias
    assert f"this is {alias} from the CSSecure support team" in greeting["text"]
    assert "alice" not in greeting["text"].lower()
    history = services.get_claim(console.deps.ports.uow_factory, reference).history
    assert history[-1].actor == "agent:alice"


def test_without_an_alias_the_login_name_is_not_shown(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CSSECURE_AGENT_ALIASES", raising=False)
    _take_and_reply(console)
    for pushed in console.rasa.pushed:
        assert pushed["agent_name"] == ""  # the widget then shows "Agent"
        assert "alice" not in pushed["text"].lower()
    assert "this is the CSSecure support team" in console.rasa.pushed[0]["text"]
