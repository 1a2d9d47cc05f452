"""What the claim form asks for each fact, why, and how the answer is read.

The fact registry (cssecure/policy/facts.yaml) drives the question, the re-prompt with an
example, the parser and the label in the summary, so that a fact is worded the same way
everywhere. Fact names are the spec's vocabulary (claims-spec.md section 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from cssecure.policy.registry import REGISTRY, Fact

AnswerKind = Literal[
    "parcel", "bool", "money", "weight", "date", "delivered", "choice", "line", "country"
]

# Facts the assistant sets itself and never asks.
UNASKED_FACTS = frozenset(
    name for name, fact in REGISTRY.facts.items() if fact.sources == ("assistant",)
)

# Stored in the delivered_date slot when the customer says the parcel never arrived:
# a slot of None means "not known yet", but "not delivered" is a known fact.
NOT_DELIVERED = "not_delivered"


@dataclass(frozen=True)
class Question:
    """How one fact is asked and read.

    Attributes:
        slot: the fact (and slot) name.
        kind: how the answer is parsed.
        text: the question, with a short reason why it is needed.
        example: an example answer, shown after a failed answer.
        label: the fact's name in the claim summary.
        choices: ``(value, button title, keywords)`` for ``choice`` answers.
        correction_words: words a customer uses to name this fact when correcting it.
    """

    slot: str
    kind: AnswerKind
    text: str
    example: str
    label: str
    choices: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    correction_words: tuple[str, ...] = field(default=())


def _question(fact: Fact) -> Question:
    """The form's question for a registered fact that is asked."""
    assert fact.ask is not None
    return Question(
        slot=fact.name,
        kind=fact.ask.answer,  # type: ignore[arg-type]  # checked by the registry loader
        text=fact.ask.question,
        example=fact.ask.example,
        label=fact.summary,
        choices=tuple((c.value, c.title, c.words) for c in fact.ask.choices),
        correction_words=fact.ask.correction_words,
    )


# Built from the fact registry (cssecure/policy/facts.yaml): one place per fact.
QUESTIONS: dict[str, Question] = {
    name: _question(fact) for name, fact in REGISTRY.facts.items() if fact.ask is not None
}

# Labels for the summary, questions or not (the report date is never asked).
FACT_LABELS: dict[str, str] = {name: fact.summary for name, fact in REGISTRY.facts.items()}

CLAIM_TYPE_WORDS: dict[str, str] = {
    "damaged": "damaged parcel",
    "lost": "lost parcel",
    "seized": "seized parcel",
    "returned": "returned parcel",
    "delayed": "delayed parcel",
}


def question_text(slot: str, claim_type: str | None) -> str:
    """The question for ``slot`` as the customer sees it, worded for the claim type."""
    what = _AFFECTED_GOODS.get(str(claim_type), "the damaged or missing goods")
    if slot == "affected_items_value":
        return f"What is the value, in RMB, of {what}? The compensation is based on it."
    if slot == "weight_kg":
        return (
            f"How much do {what} weigh, in kg? Buy It Yourself goods are compensated per kg "
            "of the affected goods."
        )
    if slot == "delivered_date" and claim_type not in (None, "damaged"):
        # The 3-day damage window concerns damage only (issue 13 review).
        return (
            'On what date was the parcel delivered? Say "not delivered" if it hasn\'t arrived.'
        )
    return QUESTIONS[slot].text


_AFFECTED_GOODS = {"seized": "the seized goods", "lost": "the lost goods"}
