"""What the fact reader's mutants showed open (issue 20): a refusal keeps its field and
message when it is copied or sent to another process, and asking the read facts for a name
that is no field of theirs answers None instead of failing."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable

import pytest

from cssecure.policy.facts import InvalidFacts, read_facts


@pytest.mark.parametrize(
    "duplicate", [copy.copy, lambda exc: pickle.loads(pickle.dumps(exc))], ids=["copy", "pickle"]
)
def test_a_refusal_keeps_its_field_and_message_when_copied(
    duplicate: Callable[[InvalidFacts], InvalidFacts],
) -> None:
    with pytest.raises(InvalidFacts) as refused:
        read_facts({"claim_type": "lost", "items_value": "-1"})
    again = duplicate(refused.value)
    assert (again.field, again.message, str(again)) == (
        "items_value", "must not be negative, got -1",
        "items_value (the value of the goods): must not be negative, got -1",
    )
    assert again.args == ("items_value", "must not be negative, got -1")


def test_the_read_facts_answer_none_for_a_name_that_is_no_fact_of_theirs() -> None:
    facts = read_facts({"claim_type": "lost", "items_value": "100"})
    assert facts.get("colour") is None
    assert facts.others == {}  # every registered fact is a field of ClaimFacts today


# The plain words of two facts that contradict each other (issue 14 trial: the filing told a
# customer "affected_items_value (...): 5000.00 is more than ... (items_value 900.00)"): the
# refusal's message keeps the field names for staff, its explanation says it without them.
@pytest.mark.parametrize(
    ("facts", "field", "message", "explanation"),
    [
        ({"shipped_date": "2024-02-03", "delivered_date": "2024-02-02"}, "delivered_date",
         "2024-02-02 is before shipped_date 2024-02-03",
         "the delivery date (2024-02-02) can't be before the date the parcel left the "
         "warehouse (2024-02-03)"),
        ({"items_value": "900", "affected_items_value": "5000"}, "affected_items_value",
         "5000 is more than the value of all the goods (items_value 900)",
         "5000.00 RMB is more than the value of all the goods in the parcel (900.00 RMB)"),
    ],
    ids=["dates-out-of-order", "affected-over-goods"],
)
def test_a_contradiction_is_explained_to_the_customer_without_field_names(
    facts: dict[str, object], field: str, message: str, explanation: str
) -> None:
    with pytest.raises(InvalidFacts) as refused:
        read_facts({"claim_type": "damaged", **facts})
    assert (refused.value.field, refused.value.message) == (field, message)
    assert refused.value.explanation is not None
    assert refused.value.explanation.english() == explanation
