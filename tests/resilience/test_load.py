"""N concurrent customers each file a claim end to end through the REST channel:
exactly N tickets, none duplicated, no error reply, nobody sees another's parcel or claim.

`make test` runs 50 at once (CSSECURE_LOAD_CUSTOMERS) to stay inside its time budget on
2 cores; `make bench` (bench/bench_load.py --customers 200) runs the issue's 200 and prints
the numbers. The checks are the same code (bench_load.check_tickets).

The conversations are bench/conversations.yml (records that agree with their customers, and
claims whose proof is only said to exist waiting for the file, as issue 12 decides)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .stack import Stack

pytestmark = [pytest.mark.stack, pytest.mark.slow]

CUSTOMERS = int(os.environ.get("CSSECURE_LOAD_CUSTOMERS", "50"))

def test_concurrent_customers_each_get_exactly_their_own_ticket(
    tmp_path: Path, trained_model: Path
) -> None:
    from bench.bench_load import check_tickets, customers, load_conversations, run_customers, seed

    model = trained_model
    crowd = customers(CUSTOMERS, load_conversations())
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
