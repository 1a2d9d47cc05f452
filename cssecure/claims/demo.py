"""The demo parcels of ``make run`` (``cssecure parcels seed-demo``).

``demo_parcels.json`` is an ordinary import file except that its dates are written
``today-N`` (N days before the day of seeding), so the demo stays meaningful on any
day: the damaged parcels were delivered yesterday, the lost one shipped over five
months ago, the delayed one has been travelling for 70 days. Seeding twice on the same
day changes nothing; on a later day it moves the dates along.

=======  ==========  =============================================================
parcel   owner       what it demonstrates
=======  ==========  =============================================================
P900001  demo-alice  lost: shipped 170 days ago, covered even without proof
P900002  demo-alice  lost: shipped 30 days ago, too early without proof
P900003  demo-bob    seized (FedEx to Italy)
P900004  demo-alice  damaged: delivered yesterday (EMS to the Netherlands)
P900005  demo-bob    damaged by water, shipped without the waterproof option
P900006  demo-chen   returned (UPS to the United Kingdom): reshipping voucher
P900007  demo-chen   returned via Aramex: not covered
P900008  demo-bob    delayed 70 days (EMS to Germany): 20% of the freight back
P900009  demo-alice  China Post SAL to Germany: 2000 RMB + shipping cap, no delay refund
P900010  demo-chen   Buy It Yourself, 3.5 kg: 40 RMB/kg, at most 400 RMB
P900011  demo-bob    not insured
P900012  demo-chen   Sea Freight to Australia, 95 days: no delay refund for sea lines
=======  ==========  =============================================================
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from cssecure.claims.importer import parse_parcel_text
from cssecure.claims.model import Parcel

DEMO_PARCELS_FILE = Path(__file__).with_name("demo_parcels.json")
_RELATIVE_DATE = re.compile(r'"today-(\d+)"')


def demo_parcels(today: date, path: Path = DEMO_PARCELS_FILE) -> list[Parcel]:
    """The demo parcels with their ``today-N`` dates resolved against ``today``."""
    text = _RELATIVE_DATE.sub(
        lambda m: f'"{(today - timedelta(days=int(m.group(1)))).isoformat()}"',
        path.read_text(encoding="utf-8"),
    )
    return parse_parcel_text(text, "json")
