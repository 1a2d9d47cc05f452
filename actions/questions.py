"""What the claim form asks for each fact, why, and how the answer is read.

The fact registry (cssecure/policy/facts.yaml) drives the question, the re-prompt with an
example, the parser and the label in the summary, so that a fact is worded the same way
everywhere. Fact names are the spec's vocabulary (claims-spec.md section 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from cssecure.i18n.catalog import N_, tr
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

# English words of the claim types (shown with ``tr`` in the customer's language).
CLAIM_TYPE_WORDS: dict[str, str] = {
    "damaged": N_("damaged parcel"),
    "lost": N_("lost parcel"),
    "seized": N_("seized parcel"),
    "returned": N_("returned parcel"),
    "delayed": N_("delayed parcel"),
}


def claim_type_words(claim_type: str | None, language: str | None, default: str = "") -> str:
    """The claim type in words ("damaged parcel") in ``language``; ``default`` (a text
    already in the customer's language) for no or an unknown claim type."""
    words = CLAIM_TYPE_WORDS.get(str(claim_type))
    return tr(language, words) if words else default


# The questions worded for the claim type, as whole sentences (a translation may need
# another word order or case for "the seized goods" than the English sentence).
_AFFECTED_VALUE = {
    "seized": N_(
        "What is the value, in RMB, of the seized goods? The compensation is based on it."
    ),
    "lost": N_("What is the value, in RMB, of the lost goods? The compensation is based on it."),
    None: N_(
        "What is the value, in RMB, of the damaged or missing goods? The compensation is "
        "based on it."
    ),
}
_AFFECTED_WEIGHT = {
    "seized": N_(
        "How much do the seized goods weigh, in kg? Buy It Yourself goods are compensated per "
        "kg of the affected goods."
    ),
    "lost": N_(
        "How much do the lost goods weigh, in kg? Buy It Yourself goods are compensated per kg "
        "of the affected goods."
    ),
    None: N_(
        "How much do the damaged or missing goods weigh, in kg? Buy It Yourself goods are "
        "compensated per kg of the affected goods."
    ),
}


def question_text(slot: str, claim_type: str | None, *, language: str | None = None) -> str:
    """The question for ``slot`` as the customer sees it, worded for the claim type, in
    ``language`` (None: English)."""
    kind = claim_type if claim_type in ("seized", "lost") else None
    if slot == "affected_items_value":
        return tr(language, _AFFECTED_VALUE[kind])
    if slot == "weight_kg":
        return tr(language, _AFFECTED_WEIGHT[kind])
    if slot == "delivered_date" and claim_type not in (None, "damaged"):
        # The 3-day damage window concerns damage only (issue 13 review).
        return tr(
            language,
            'On what date was the parcel delivered? Say "not delivered" if it hasn\'t arrived.',
        )
    return tr(language, QUESTIONS[slot].text)
