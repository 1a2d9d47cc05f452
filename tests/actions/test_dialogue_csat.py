"""Issue 17: after the claim closes, one satisfaction question (1-5), its answer stored with
the claim (the button's ``/inform`` read by ``action_inform_outside_claim``)."""

from __future__ import annotations

from typing import Any

import pytest
from dialogue_support import ent, make_tracker, run, texts
from handoff.claims_fixtures import file_claim

from actions.general import ActionInformOutsideClaim
from cssecure.claims import services
from cssecure.claims.app import ClaimsApp
from cssecure.notify.customer_updates import csat_buttons


def _paid(app: ClaimsApp) -> str:
    claim = file_claim(app.engine, decision="approve", payout="300.00", needs_agent=False)
    services.change_status(app.uow, claim.reference, "paid", actor="cli", note="paid")
    return claim.reference


def _press(reference: str, score: int, sender: str = "conv-1", **slots: Any) -> Any:
    (button,) = [b for b in csat_buttons(reference) if b["title"] == str(score)]
    return make_tracker(
        slots, text=button["payload"], intent="inform", sender_id=sender,
        entities=[ent("csat_score", str(score)), ent("rated_claim", reference)],
    )


def _notes(app: ClaimsApp, reference: str) -> list[str]:
    return [h.note for h in services.get_claim(app.uow, reference).history]


def test_the_rating_button_stores_the_score_with_the_claim_and_thanks(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    reference = _paid(claims_app)
    events, messages = run(ActionInformOutsideClaim(), _press(reference, 4), domain)
    assert events == []
    assert texts(messages) == [
        "Thank you for your answer! Write here any time if you need more help."
    ]
    assert _notes(claims_app, reference)[-1] == "csat: 4/5"
    # A second press is thanked for, never stored twice.
    run(ActionInformOutsideClaim(), _press(reference, 1), domain)
    assert [n for n in _notes(claims_app, reference) if n.startswith("csat")] == ["csat: 4/5"]


def test_another_conversation_cannot_rate_the_claim(
    claims_app: ClaimsApp, domain: dict[str, Any]
) -> None:
    reference = _paid(claims_app)
    run(ActionInformOutsideClaim(), _press(reference, 1, sender="someone-else"), domain)
    assert not any(n.startswith("csat") for n in _notes(claims_app, reference))


@pytest.mark.parametrize(("language", "thanks"), [
    ("de", "Danke für Ihre Antwort!"), ("pl", "Dziękujemy za odpowiedź!"),
])
def test_the_thanks_is_in_the_customers_language(
    claims_app: ClaimsApp, domain: dict[str, Any], language: str, thanks: str
) -> None:
    reference = _paid(claims_app)
    _, messages = run(ActionInformOutsideClaim(), _press(reference, 5, language=language),
                      domain)
    assert texts(messages)[0].startswith(thanks)


def test_the_scores_are_declared_entities_of_the_domain(domain: dict[str, Any]) -> None:
    assert {"csat_score", "rated_claim"} <= set(domain["entities"])
