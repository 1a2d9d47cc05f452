"""Canned replies (issue 18): the store, placeholder checks, filling in the customer's
language; managed by supervisors only, used on claim pages."""

from __future__ import annotations

from datetime import date
from html import unescape

import pytest
import requests
from handoff.claims_fixtures import file_claim
from handoff.support import engine  # noqa: F401 - the fixture
from sqlalchemy.engine import Engine

from console.conftest import PASSWORD, Console, csrf_of
from cssecure.claims import services
from cssecure.console.canned import (
    CannedReplies,
    CannedReplyError,
    check_body,
    claim_values,
    fill,
    unfilled,
)
from cssecure.console.desk import conversation_item
from cssecure.i18n import LANGUAGES

GERMAN = (
    "Ihr Antrag {reference}: wir erstatten {payout}. Bitte senden Sie das Video bis {deadline}."
)


@pytest.mark.parametrize(
    "body",
    ["", "   ", "Hello {name}", "Hello {reference", "Hello {0}", "x" * 2001, "{payout!r}"[:-3]],
)
def test_a_bad_text_is_refused(body: str) -> None:
    with pytest.raises(CannedReplyError):
        check_body(body)


def test_known_placeholders_and_plain_text_are_accepted() -> None:
    assert check_body(" Claim {reference}, {payout}, {deadline} ") == (
        "Claim {reference}, {payout}, {deadline}"
    )
    assert check_body("x" * 2000) == "x" * 2000


def test_the_values_of_a_claim_are_written_the_customers_way() -> None:
    view = {
        "reference": "CS-2026-000001",
        "payout_rmb": None,
        "assessment": {"payout_rmb": "1234.50"},
        "missing_evidence": [
            {"fact": "a", "due": "2026-12-03"}, {"fact": "b", "due": "2026-12-01"},
        ],
    }
    german = fill(GERMAN, claim_values(view, "de"))
    assert german == (
        "Ihr Antrag CS-2026-000001: wir erstatten 1.234,50\u00a0RMB. "
        "Bitte senden Sie das Video bis 01.12.2026."
    )
    english = fill("{payout} by {deadline}", claim_values(view, "en"))
    assert english == "1234.50 RMB by 01 December 2026"


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_deadline_reads_as_the_assistant_told_the_customer(language: str) -> None:
    """Review (minor): the English canned reply's {deadline} filled as "2026-12-14" while the
    assistant had told the customer "14 December 2026" when it asked for the file."""
    from actions.texts import long_day_text

    day = date(2026, 12, 14)
    view = {"reference": "CS-1", "missing_evidence": [{"fact": "a", "due": day.isoformat()}]}
    told = long_day_text(day, language)
    assert claim_values(view, language)["deadline"] == told
    if language == "en":
        assert told == "14 December 2026"


def test_a_value_the_claim_lacks_stays_visible_for_the_agent() -> None:
    view = {"reference": "CS-1", "payout_rmb": None, "assessment": {"payout_rmb": "0.00"}}
    assert fill(GERMAN, claim_values(view, "de")) == (
        "Ihr Antrag CS-1: wir erstatten [payout?]. Bitte senden Sie das Video bis [deadline?]."
    )


def test_the_store_keeps_one_title_per_language(engine: Engine) -> None:  # noqa: F811
    store = CannedReplies(engine)
    first = store.save(language="de", title="Danke", body="Danke!", by="sue")
    store.save(language="fr", title="Danke", body="Merci !", by="sue")
    with pytest.raises(CannedReplyError, match="already a reply"):
        store.save(language="de", title="Danke", body="Noch mal", by="sue")
    changed = store.save(language="de", title="Danke", body="Vielen Dank!", by="max",
                         reply_id=first.id)
    assert (changed.body, changed.updated_by) == ("Vielen Dank!", "max")
    assert [r.language for r in store.all()] == ["de", "fr"]
    assert [r.body for r in store.all("de")] == ["Vielen Dank!"]
    with pytest.raises(CannedReplyError):
        store.save(language="xx", title="t", body="b", by="sue")
    with pytest.raises(CannedReplyError):
        store.save(language="de", title="t", body="b", by="sue", reply_id=999)
    assert store.delete(first.id) and not store.delete(first.id)


# ------------------------------------------------------------------ over HTTP


def _supervisor(console: Console) -> requests.Session:
    console.deps.directory.add_agent("sue", PASSWORD, "supervisor")
    return console.login("sue")


def test_agents_cannot_manage_canned_replies(console: Console) -> None:
    alice = console.login()
    assert alice.get(f"{console.url}/console/canned").status_code == 403
    token = csrf_of(alice.get(f"{console.url}/console/").text)
    posted = alice.post(f"{console.url}/console/canned", data={
        "csrf_token": token, "language": "en", "title": "t", "body": "b"})
    assert posted.status_code == 403
    assert console.deps.canned.all() == []
    assert 'id="nav-canned"' not in alice.get(f"{console.url}/console/").text


def test_a_supervisor_adds_a_german_reply_and_an_agent_gets_it_filled_on_the_claim(
    console: Console,
) -> None:
    claim = file_claim(console.engine, decision="approve", payout="300.00")
    console.rasa.add_conversation("conv-1", [{"event": "slot", "name": "language", "value": "de"}])
    sue = _supervisor(console)
    page = sue.get(f"{console.url}/console/canned")
    assert page.ok and 'id="nav-canned"' in page.text
    saved = sue.post(f"{console.url}/console/canned", data={
        "csrf_token": csrf_of(page.text), "language": "de", "title": "Erstattung",
        "body": GERMAN})
    assert saved.ok and "Erstattung" in saved.text
    assert console.deps.desk.actions()[0]["agent"] == "sue"
    claim_page = console.login().get(f"{console.url}/console/claims/{claim.reference}").text
    expected = (f"Ihr Antrag {claim.reference}: wir erstatten 300,00\u00a0RMB. "
                "Bitte senden Sie das Video bis [deadline?].")
    assert f'<option value="{expected}">Erstattung</option>' in unescape(claim_page)


def test_a_reply_in_another_language_is_not_offered(console: Console) -> None:
    claim = file_claim(console.engine)
    console.deps.canned.save(language="fr", title="Merci", body="Merci {reference}", by="sue")
    page = console.login().get(f"{console.url}/console/claims/{claim.reference}").text
    assert "Merci" not in page and 'id="canned"' not in page


def test_an_unknown_placeholder_is_refused_with_the_reason(console: Console) -> None:
    sue = _supervisor(console)
    token = csrf_of(sue.get(f"{console.url}/console/canned").text)
    refused = sue.post(f"{console.url}/console/canned", data={
        "csrf_token": token, "language": "en", "title": "t", "body": "Dear {name}"})
    assert refused.status_code == 400 and "Unknown placeholder {name}" in refused.text
    assert console.deps.canned.all() == []


def test_a_supervisor_removes_a_reply(console: Console) -> None:
    saved = console.deps.canned.save(language="en", title="Hi", body="Hi", by="sue")
    sue = _supervisor(console)
    token = csrf_of(sue.get(f"{console.url}/console/canned").text)
    assert sue.post(f"{console.url}/console/canned/{saved.id}/delete",
                    data={"csrf_token": token}).ok
    assert console.deps.canned.all() == []
    gone = sue.post(f"{console.url}/console/canned/{saved.id}/delete", data={"csrf_token": token})
    assert gone.status_code == 404


# --------------------------------------------------- unfilled placeholders are refused


def test_unfilled_placeholders_are_found_as_they_appear() -> None:
    assert unfilled("Claim CS-1: payout [payout?], by {deadline}; [payout?] again") == [
        "[payout?]", "{deadline}"]
    assert unfilled("Plain text with [brackets?] and {braces} and [reference]") == []


@pytest.mark.parametrize("page", ["claim", "conversation"])
@pytest.mark.parametrize("text", [
    "Your claim: payout [payout?], please send the file by [deadline?].",
    "Your claim {reference} is being checked.",
])
def test_a_message_with_an_unfilled_placeholder_is_refused_before_anything_is_sent(
    console: Console, page: str, text: str,
) -> None:
    """Review of issue 18 (finding 7): the English canned reply on a claim without a payout
    filled as "payout [payout?]"; sending it returned 303 and the customer received it."""
    claim = file_claim(console.engine)
    console.rasa.add_conversation("conv-1", [{"event": "slot", "name": "channel",
                                               "value": "web"}])
    url = (f"{console.url}/console/claims/{claim.reference}" if page == "claim"
           else f"{console.url}/console/conversations/conv-1")
    alice = console.login()
    refused = alice.post(url + "/reply", data={"csrf_token": csrf_of(alice.get(url).text),
                                               "text": text}, allow_redirects=False)
    assert refused.status_code == 400
    assert "Nothing was sent: the message still has a placeholder" in refused.text
    # The agent's text stays in the box, to correct and send.
    assert f">{text}</textarea>" in unescape(refused.text)
    assert console.rasa.pushed == [] and not console.rasa.paused("conv-1")
    after = services.get_claim(console.deps.ports.uow_factory, claim.reference)
    assert len(after.history) == len(claim.history)
    assert console.deps.desk.holder(conversation_item("conv-1")) is None
