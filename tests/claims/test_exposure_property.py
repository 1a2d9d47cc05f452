"""Property (issue 12): whatever claims are filed and decided on one parcel, in whatever
order, the approved and settled payouts together never exceed what the terms allow for it
(``policy.payout_limit``: min of insured value, actual value and the line's maximum, plus
the one reshipping voucher and the delay refund)."""

from __future__ import annotations

import shutil
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cssecure.claims.app import ClaimsApp
from cssecure.claims.errors import ClaimsError
from cssecure.claims.model import PAYOUT_STATUSES
from cssecure.policy import payout_limit

from .support import make_parcel
from .test_trusted_facts import CLAIM_TYPES, RECORD, file, record_facts

# One step: file a claim (type, filer, whether its files come), or a person decides the
# n-th claim (approve with the rules' payout or another amount, reject), or settles it.
FILE = st.tuples(
    st.just("file"),
    st.sampled_from(CLAIM_TYPES),
    st.sampled_from(["cust-1", None]),
    st.booleans(),
)
DECIDE = st.tuples(
    st.just("approve"),
    st.integers(0, 9),
    st.one_of(
        st.none(),
        st.sampled_from([Decimal(v) for v in ("40", "200", "300", "1000", "1240")]),
        st.decimals(min_value=1, max_value=2000, places=2),
    ),
    st.just(None),
)
OTHER = st.tuples(st.sampled_from(["reject", "settle"]), st.integers(0, 9), st.none(), st.none())
STEPS = st.lists(st.one_of(FILE, DECIDE, DECIDE, OTHER), min_size=1, max_size=12)


def _total(app: ClaimsApp) -> Decimal:
    claims = [app.claim_detail(c["reference"]) for c in app.list_claims()]
    return sum(
        (Decimal(c["payout_rmb"]) for c in claims if c and c["status"] in PAYOUT_STATUSES),
        Decimal(0),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STEPS)
def test_payouts_on_one_parcel_never_exceed_what_the_terms_allow(
    steps: list[tuple[Any, ...]], sqlite_template: Path
) -> None:
    workdir = Path(tempfile.mkdtemp())
    path = workdir / "claims.db"
    shutil.copy(sqlite_template, path)
    app = ClaimsApp(f"sqlite:///{path}", workdir / "evidence")
    try:
        app.import_parcels([make_parcel(**RECORD)])
        limit = payout_limit({**record_facts(), "claim_type": "lost"})
        assert limit is not None
        filed: list[str] = []
        for number, (action, first, second, third) in enumerate(steps):
            try:
                if action == "file":
                    result = file(app, first, customer_id=second, conversation=f"c{number}",
                                  files=None if third else ())
                    filed.append(result["reference"])
                elif filed and action == "approve":
                    ref = filed[first % len(filed)]
                    app.decide(ref, approve=True, note="checked", agent="alice",
                               payout_rmb=second)
                elif filed and action == "reject":
                    app.decide(filed[first % len(filed)], approve=False, note="no",
                               agent="alice")
                elif filed and action == "settle":
                    ref = filed[first % len(filed)]
                    detail = app.claim_detail(ref)
                    assert detail is not None
                    to = "voucher_issued" if detail["payout_form"] == "voucher" else "paid"
                    app.change_status(ref, to, agent="alice", note="done")
            except ClaimsError:
                pass  # a refused step changes nothing
            assert _total(app) <= limit
    finally:
        app.dispose()
        shutil.rmtree(workdir, ignore_errors=True)
