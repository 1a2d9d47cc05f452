"""The CSSecure policy engine: the terms as tested, pure-Python rules.

Imports nothing from Rasa or SQLAlchemy. The public API is the contract of
docs/TEAM-CONTRACTS.md; everything else is internal.
"""

from cssecure.policy.catalog import Line, country_name, resolve_country, resolve_line
from cssecure.policy.engine import (
    Assessment,
    CancellationRefund,
    Quote,
    assess,
    cancellation_refund,
    needed_facts,
    parse_facts,
    payout_limit,
    payout_limits,
    quote,
)
from cssecure.policy.facts import FACT_LABELS, FACT_NAMES, ClaimFacts, InvalidFacts
from cssecure.policy.rules import PAYOUT_KINDS
from cssecure.policy.terms import Terms, TermsError, load_terms

__all__ = [
    "FACT_LABELS",
    "FACT_NAMES",
    "PAYOUT_KINDS",
    "Assessment",
    "CancellationRefund",
    "ClaimFacts",
    "InvalidFacts",
    "Line",
    "Quote",
    "Terms",
    "TermsError",
    "assess",
    "cancellation_refund",
    "country_name",
    "load_terms",
    "needed_facts",
    "parse_facts",
    "payout_limit",
    "payout_limits",
    "quote",
    "resolve_country",
    "resolve_line",
]
