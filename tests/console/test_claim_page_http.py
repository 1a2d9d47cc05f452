"""The claim page over HTTP: each fact's source beside the customer's word (issue 12).

Claims are filed through the claims service with a parcel record, so the provenance on the
page is what the real settlement stored: the agency's record wins, a customer's different
statement is kept as "claimed", a "yes, I have a video" without the file is missing
evidence, and another live claim on the parcel is linked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import sqlalchemy as sa
from handoff.claims_fixtures import assessment, file_claim
from sqlalchemy.engine import Engine

from console.conftest import Console
from cssecure.claims import orm, services
from cssecure.claims.model import Claim, Parcel
from cssecure.claims.unit_of_work import UnitOfWork

ATTACK = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED_ATTACK = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
PARCEL_ID = "P3001"


# ------------------------------------------------------------ a small DOM

_VOID = frozenset({"br", "img", "input", "meta", "link", "hr", "source", "wbr"})


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text for c in self.children]
        return re.sub(r"\s+", " ", " ".join(parts)).strip()

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def all(self, tag: str) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if child.tag == tag:
                    found.append(child)
                found.extend(child.all(tag))
        return found

    def by_id(self, element_id: str) -> Node | None:
        for child in self.children:
            if isinstance(child, Node):
                if child.attrs.get("id") == element_id:
                    return child
                hit = child.by_id(element_id)
                if hit is not None:
                    return hit
        return None


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def element(page: Node, element_id: str) -> Node:
    node = page.by_id(element_id)
    assert node is not None, f"no element #{element_id} on the page"
    return node


@dataclass
class Row:
    name: str
    classes: set[str]
    fact: str
    value: str
    source: str
    claimed: str
    at: str


def fact_table(page: Node) -> dict[str, Row]:
    table = element(page, "facts")
    assert table.tag == "table"
    header = [th.text for th in table.all("thead")[0].all("th")]
    assert header[0] == "Fact" and header[1].startswith("Trusted value")
    assert header[2] == "Source" and header[3].startswith("What the customer claimed")
    assert header[4] == "Recorded"
    rows = {}
    for tr in table.all("tbody")[0].all("tr"):
        cells = [c for c in tr.children if isinstance(c, Node) and c.tag in ("th", "td")]
        name = tr.attrs["id"].removeprefix("fact-")
        rows[name] = Row(name, tr.classes, *(c.text for c in cells))
    return rows


# ------------------------------------------------------------ claims


def _parcel(**changes: Any) -> Parcel:
    values: dict[str, Any] = {
        "parcel_id": PARCEL_ID,
        "customer_id": "cust-1",
        "order_type": "agent",
        "shipping_line": "EMS",
        "destination_country": "DE",
        "items_value": Decimal("800.00"),
        "shipping_fee": Decimal("120.00"),
        "insured": True,
        "insured_value": Decimal("800.00"),
        "weight_kg": Decimal("2.5"),
        "waterproof_selected": False,
        "submitted_date": date(2026, 1, 5),
        "shipped_date": date(2026, 1, 7),
        "delivered_date": date(2026, 2, 1),
    }
    values.update(changes)
    return Parcel(**values)


def _file_with_record(engine: Engine, statements: dict[str, Any]) -> Claim:
    """A damage claim filed by the parcel's owner, the agency's record at hand."""
    filed = services.file_claim(
        lambda: UnitOfWork(engine),
        parcel_id=PARCEL_ID,
        claim_type="damaged",
        facts=statements,
        customer_id="cust-1",
        channel="web",
        conversation_id="conv-1",
        verified=True,
        parcel=_parcel(),
        assessor=lambda _facts: assessment("review"),
    )
    return services.get_claim(lambda: UnitOfWork(engine), filed.claim.reference)


def _disputed_claim(console: Console) -> tuple[Claim, Claim]:
    """A lost claim on the parcel, then a damage claim that disagrees with the record."""
    earlier = file_claim(console.engine, parcel_id=PARCEL_ID, claim_type="lost")
    claim = _file_with_record(
        console.engine,
        {
            "insured_value": "1500",  # the record says 800.00
            "shipping_line": ATTACK,  # the record says EMS
            "items_value": "800",  # the same as the record: no disagreement
            "damage_kind": "broken",
            "affected_items_value": "300",
            "unboxing_video": True,  # said, but no file sent
            "damage_photos": False,
        },
    )
    return earlier, claim


def test_the_claim_page_shows_each_facts_source_and_the_customers_differing_word(
    console: Console,
) -> None:
    earlier, claim = _disputed_claim(console)
    assert claim.linked_claims == [earlier.reference]  # the filing linked them
    html = console.login().get(f"{console.url}/console/claims/{claim.reference}").text
    page = parse(html)
    rows = fact_table(page)

    insured = rows["insured_value"]
    assert "disagrees" in insured.classes
    assert insured.fact.startswith("the insured amount") and insured.fact.endswith(
        "insured_value"
    )
    assert insured.value == "800.00 RMB"
    assert insured.source == "agency record"
    assert insured.claimed == "disagrees 1500.00 RMB"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", insured.at), insured.at

    line = rows["shipping_line"]
    assert "disagrees" in line.classes and line.value == "EMS"
    assert line.claimed == f"disagrees {ATTACK}"  # shown as text...
    assert ESCAPED_ATTACK in html and "<script>alert" not in html  # ...never as markup

    # Agreeing, customer-sourced and record-only facts are not flagged.
    for name in ("items_value", "damage_kind", "insured", "delivered_date"):
        assert "disagrees" not in rows[name].classes and rows[name].claimed == "", name
    assert rows["items_value"].value == "800.00 RMB"
    assert (rows["damage_kind"].source, rows["damage_kind"].value) == ("customer", "Broken")
    assert (rows["insured"].value, rows["damage_photos"].value) == ("yes", "no")
    assert rows["delivered_date"].value == "2026-02-01"
    assert not any(r.value in ("True", "False", "None") for r in rows.values())
    assert sum("disagrees" in r.classes for r in rows.values()) == 2

    notice = element(page, "disagreement")
    assert "2 facts disagree with the agency's record: a person must decide." in notice.text
    assert html.index('id="disagreement"') < html.index('id="facts"')

    checklist = element(page, "missing-evidence")
    (item,) = checklist.all("li")
    assert "whether there is an unbroken unboxing video" in item.text
    assert "proven by unboxing video" in item.text
    assert re.search(r"due \d{4}-\d\d-\d\d", item.text), item.text

    linked = element(page, "linked-claims")
    assert "a person must weigh them against this claim" in linked.text
    links = [(a.attrs["href"], a.text) for a in linked.all("a")]
    assert links == [(f"/console/claims/{earlier.reference}", earlier.reference)]


def test_the_linked_claims_page_opens_from_the_link(console: Console) -> None:
    earlier, claim = _disputed_claim(console)
    browser = console.login()
    page = parse(browser.get(f"{console.url}/console/claims/{claim.reference}").text)
    (link,) = element(page, "linked-claims").all("a")
    target = parse(browser.get(console.url + link.attrs["href"]).text)
    assert element(target, "reference").text == earlier.reference


def test_an_old_ticket_without_provenance_still_renders(console: Console) -> None:
    claim = file_claim(console.engine, facts={"unboxing_video": True, "damage_photos": False})
    # A ticket filed before migration 0004: the provenance columns are NULL.
    with console.engine.begin() as conn:
        conn.execute(
            sa.update(orm.claims)
            .where(orm.claims.c.reference == claim.reference)
            .values(fact_sources=sa.null(), missing_evidence=sa.null(), linked_claims=sa.null())
        )
    reply = console.login().get(f"{console.url}/console/claims/{claim.reference}")
    assert reply.status_code == 200
    page = parse(reply.text)
    rows = fact_table(page)
    assert rows["insured_value"].value == "800.00 RMB"
    assert (rows["unboxing_video"].value, rows["damage_photos"].value) == ("yes", "no")
    assert {r.source for r in rows.values()} == {"not recorded (filed before provenance)"}
    assert not any("disagrees" in r.classes for r in rows.values())
    for absent in ("disagreement", "missing-evidence", "linked-claims"):
        assert page.by_id(absent) is None, absent


def test_the_claim_page_says_what_the_parcel_may_still_pay(console: Console) -> None:
    """Agents see the room before they approve (reviewer's finding): the record's 800.00
    compensation, of which nothing is paid yet; after the earlier claim is approved at
    500.00, 300.00 is left for this one."""
    earlier, claim = _disputed_claim(console)
    browser = console.login()
    url = f"{console.url}/console/claims/{claim.reference}"
    assert "at most 800.00 RMB" in element(parse(browser.get(url).text), "payout-room").text
    services.decide(lambda: UnitOfWork(console.engine), earlier.reference, approve=True,
                    note="checked", actor="alice", payout_rmb=Decimal("500.00"))
    assert "at most 300.00 RMB" in element(parse(browser.get(url).text), "payout-room").text
