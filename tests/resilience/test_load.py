"""N concurrent customers each file a claim end to end through the REST channel:
exactly N tickets, none duplicated, no error reply, nobody sees another's parcel or claim.

`make test` runs 50 at once (CSSECURE_LOAD_CUSTOMERS) to stay inside its time budget on
2 cores; `make bench` (bench/bench_load.py --customers 200) runs the issue's 200 and prints
the numbers. The checks are the same code (bench_load.check_tickets).

The conversations are bench/conversations.yml as issue 12 has them decided: the seeded record
agrees with what each customer says (a statement against the record would go to a person),
and a REST customer who says "yes, I have the proof" cannot send it (no upload on REST), so
those claims wait for the file (``awaiting_evidence``) and pay nothing yet."""

from __future__ import annotations

import copy
import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from .stack import ROOT, Stack, newest_model

pytestmark = [pytest.mark.stack, pytest.mark.slow]

CUSTOMERS = int(os.environ.get("CSSECURE_LOAD_CUSTOMERS", "50"))

# What each script's customer says about the delivery, as the parcel's record must hold it.
DELIVERED = {"delayed": lambda: "2024-03-20", "damaged": lambda: str(date.today() - timedelta(1))}
# Claims whose proof the customer only says they have: the ticket waits for the file (the
# lost parcel shipped more than five months ago needs no proof).
WAITING_FOR_FILES = {"seized", "damaged"}


def issue12_scripts(scripts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The bench conversations with records that agree with the customers and the tickets
    issue 12 files for them."""
    result = []
    for script in copy.deepcopy(scripts):
        claim_type = script["claim_type"]
        script["parcel"] = dict(script["parcel"])
        if claim_type in DELIVERED:
            script["parcel"]["delivered_date"] = DELIVERED[claim_type]()
        if claim_type in WAITING_FOR_FILES:
            script["expect"] = {
                "decision": "approve",
                "status": "awaiting_evidence",
                "payout_rmb": "None",
                "payout_form": "none",
            }
        else:
            script["expect"] = {**script["expect"], "status": "approved"}
        result.append(script)
    return result


def test_concurrent_customers_each_get_exactly_their_own_ticket(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    from bench_load import check_tickets, customers, load_conversations, run_customers, seed

    model = newest_model()
    if model is None:
        pytest.fail("no trained model in models/: run `make train` first")
    crowd = customers(CUSTOMERS, issue12_scripts(load_conversations()))
    stack = Stack.create(tmp_path, model)
    seed(stack.env["CSSECURE_DATABASE_URL"], crowd, tmp_path / "evidence")
    try:
        actions = stack.action_server()
        rasa = stack.rasa_server(f"{actions.url}/webhook")
        result = run_customers(f"{rasa.url}/webhooks/rest/webhook", crowd, CUSTOMERS)
    finally:
        stack.stop()
    report = check_tickets(stack.env["CSSECURE_DATABASE_URL"], crowd, result)
    assert report.errors == []
    assert report.tickets == CUSTOMERS
    assert report.duplicates == 0
