"""N concurrent customers each file a claim end to end through the REST channel:
exactly N tickets, none duplicated, no error reply, nobody sees another's parcel or claim.

`make test` runs 50 at once (CSSECURE_LOAD_CUSTOMERS) to stay inside its time budget on
2 cores; `make bench` (bench/bench_load.py --customers 200) runs the issue's 200 and prints
the numbers. The checks are the same code (bench_load.check_tickets).

The conversations are bench/conversations.yml (records that agree with their customers, and
claims whose proof is only said to exist waiting for the file, as issue 12 decides). The
stack is the one several test folders share (tests/shared_stack.py): the crowd's parcels
(``P8xxxxxx``) and senders are its own, and only its tickets are counted (the other tests'
claims are on the same database)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from shared_stack import SharedStack

from cssecure.claims import services
from cssecure.claims.app import ClaimsApp
from cssecure.ops.launch import seed_claims_database

CUSTOMERS = int(os.environ.get("CSSECURE_LOAD_CUSTOMERS", "50"))


@pytest.mark.stack
@pytest.mark.slow
def test_concurrent_customers_each_get_exactly_their_own_ticket(shared_stack: SharedStack) -> None:
    from bench.bench_load import (
        check_tickets,
        crowd_parcels,
        customers,
        load_conversations,
        run_customers,
    )

    crowd = customers(CUSTOMERS, load_conversations())
    stack = shared_stack.stack
    stack.add_parcels(crowd_parcels(crowd))
    result = run_customers(f"{shared_stack.rasa.url}/webhooks/rest/webhook", crowd, CUSTOMERS)
    report = check_tickets(stack.database_url, crowd, result)
    assert report.errors == []
    assert report.tickets == CUSTOMERS
    assert report.duplicates == 0


def _file(app: ClaimsApp, parcel_id: str, customer_id: str) -> str:
    filed = services.file_claim(
        app.uow, parcel_id=parcel_id, claim_type="lost", facts={}, customer_id=customer_id,
        channel="rest", conversation_id=f"conversation-{customer_id}", verified=True,
        parcel=None,
        assessor=lambda facts: {"decision": "review", "payout_rmb": "0.00",
                                "payout_form": "none", "eligible_from": None, "reasons": []},
    )
    return filed.claim.reference


def test_only_the_crowds_tickets_are_counted_on_a_database_it_shares(tmp_path: Path) -> None:
    from bench.bench_load import check_tickets, crowd_parcels, customers
    from bench.rest_load import LoadResult

    crowd = customers(2)
    other = replace(crowd_parcels(crowd)[0], parcel_id="P9990001")
    evidence = tmp_path / "evidence"
    url = seed_claims_database(f"sqlite:///{tmp_path / 'claims.db'}", evidence,
                               [*crowd_parcels(crowd), other])
    app = ClaimsApp(url, evidence)
    try:
        mine = _file(app, crowd[0].parcel_id, "crowd-0")
        foreign = _file(app, other.parcel_id, "another-test")
    finally:
        app.dispose()
    result = LoadResult(concurrency=2, replies={"crowd-0": [[
        {"text": f"Your claim on {crowd[0].parcel_id} is filed. Reference: {mine}"}]]})
    report = check_tickets(url, crowd, result)
    # Another test's claim is not the crowd's: not counted, no error about it.
    assert report.tickets == 1
    assert not [e for e in report.errors if foreign in e]
    assert "1 customers without a ticket" in report.errors
    # A crowd customer told that reference: the crowd's ticket, on a parcel not its own.
    result.replies["crowd-1"] = [[{"text": f"Filed on {other.parcel_id}. Reference: {foreign}"}]]
    report = check_tickets(url, crowd, result)
    assert report.tickets == 2
    assert f"{foreign}: ticket for an unknown parcel {other.parcel_id}" in report.errors
