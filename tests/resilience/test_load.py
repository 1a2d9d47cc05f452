"""200 concurrent customers each file a claim end to end through the REST channel:
exactly 200 tickets, none duplicated, no error reply, nobody sees another's parcel or claim.
(bench/bench_load.py runs the same crowd and prints the numbers.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from .stack import ROOT, Stack, newest_model

pytestmark = [pytest.mark.stack, pytest.mark.slow]

CUSTOMERS = 200


def test_200_concurrent_customers_each_get_exactly_their_own_ticket(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    from bench_load import check_tickets, customers, run_customers, seed

    model = newest_model()
    if model is None:
        pytest.fail("no trained model in models/: run `make train` first")
    crowd = customers(CUSTOMERS)
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
