"""Property (issue 12): whatever claims are filed and decided on one parcel, in whatever
order, the approved and settled payouts never exceed what the terms allow for it
(``policy.payout_limits``): compensation (lost, seized, damaged together) at most min of
insured value, actual value and the line's maximum, the one reshipping voucher at most the
shipping fee, the delay refund at most its share, and all of them together their sum."""

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
from cssecure.policy import PAYOUT_KINDS, payout_limits

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


def _paid(app: ClaimsApp) -> dict[str, Decimal]:
    """Approved and settled payouts on the parcel, per kind of payout and in all."""
    paid = dict.fromkeys(("compensation", "voucher", "delay_refund", "total"), Decimal(0))
    for summary in app.list_claims():
        claim = app.claim_detail(summary["reference"])
        if claim and claim["status"] in PAYOUT_STATUSES:
            amount = Decimal(claim["payout_rmb"])
            paid[PAYOUT_KINDS[claim["claim_type"]]] += amount
            paid["total"] += amount
    return paid


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
        limits = payout_limits({**record_facts(), "claim_type": "lost"})
        assert limits is not None and limits["total"] == Decimal("1240.00")
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
            paid = _paid(app)
            assert all(paid[kind] <= limit for kind, limit in limits.items()), (paid, limits)
    finally:
        app.dispose()
        shutil.rmtree(workdir, ignore_errors=True)
