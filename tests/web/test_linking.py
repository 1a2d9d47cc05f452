"""Account-linking codes: format, expiry at the limit, single use, bindings (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from cssecure.claims.db import upgrade
from cssecure.identity.linking import (
    CODE_ALPHABET,
    CODE_LENGTH,
    CODE_TTL,
    LinkCodeExpired,
    LinkCodeInvalid,
    LinkCodeRecord,
    LinkCodeUsed,
    LinkStore,
    check_redeemable,
    format_code,
    new_code,
    normalize_code,
    redeem_link_code,
)
from cssecure.settings import Settings

T0 = datetime(2026, 3, 1, 10, 0, 0)


# --- pure core ---------------------------------------------------------------------------


def test_new_code_uses_the_unambiguous_alphabet_only() -> None:
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == CODE_LENGTH
        assert set(code) <= set(CODE_ALPHABET)
    assert not set("01OI") & set(CODE_ALPHABET)


def test_typed_code_ignores_case_spaces_and_dash() -> None:
    assert normalize_code(" abcd-efgh ") == "ABCDEFGH"
    assert normalize_code(format_code("K7MQ4XPZ")) == "K7MQ4XPZ"


@pytest.mark.parametrize("typed", ["", "ABCDEFG", "ABCDEFGHJ", "ABCD0FGH", "ABCD;FGH"])
def test_malformed_code_is_invalid(typed: str) -> None:
    with pytest.raises(LinkCodeInvalid, match="not valid"):
        normalize_code(typed)


def test_code_redeemable_at_the_expiry_instant_and_not_one_second_later() -> None:
    record = LinkCodeRecord(customer_id="C-1", expires_at=T0 + CODE_TTL, used_at=None)
    assert check_redeemable(record, T0 + CODE_TTL) == "C-1"
    with pytest.raises(LinkCodeExpired, match="expired"):
        check_redeemable(record, T0 + CODE_TTL + timedelta(seconds=1))


def test_used_code_is_refused_even_before_expiry() -> None:
    record = LinkCodeRecord(customer_id="C-1", expires_at=T0 + CODE_TTL, used_at=T0)
    with pytest.raises(LinkCodeUsed, match="already been used"):
        check_redeemable(record, T0)


# --- database ---------------------------------------------------------------------------


@pytest.fixture
def store(engine: Engine) -> LinkStore:
    s = LinkStore(engine)
    s.create_schema()
    return s


def test_code_links_a_telegram_user_to_the_customer(store: LinkStore) -> None:
    issued = store.issue_code("C-100", now=T0)
    assert issued.expires_at == T0 + timedelta(minutes=10)
    shown = issued.to_json()
    assert shown["expires_at"] == "2026-03-01T10:10:00Z"
    assert store.linked_customer("telegram", "555") is None
    customer = store.redeem(shown["code"].lower(), "telegram", "555", now=T0 + timedelta(minutes=1))
    assert customer == "C-100"
    assert store.linked_customer("telegram", "555") == "C-100"
    # The same external id on another channel is another person.
    assert store.linked_customer("discord", "555") is None


def test_second_use_of_a_code_is_refused_and_keeps_the_first_binding(store: LinkStore) -> None:
    issued = store.issue_code("C-100", now=T0)
    store.redeem(issued.code, "telegram", "555", now=T0)
    with pytest.raises(LinkCodeUsed, match="already been used"):
        store.redeem(issued.code, "discord", "attacker", now=T0 + timedelta(seconds=5))
    assert store.linked_customer("discord", "attacker") is None
    assert store.linked_customer("telegram", "555") == "C-100"


def test_code_works_at_ten_minutes_and_not_one_second_later(store: LinkStore) -> None:
    on_time = store.issue_code("C-1", now=T0)
    assert store.redeem(on_time.code, "discord", "u1", now=T0 + CODE_TTL) == "C-1"
    late = store.issue_code("C-2", now=T0)
    with pytest.raises(LinkCodeExpired):
        store.redeem(late.code, "discord", "u2", now=T0 + CODE_TTL + timedelta(seconds=1))
    assert store.linked_customer("discord", "u2") is None


def test_unknown_code_is_invalid(store: LinkStore) -> None:
    store.issue_code("C-1", now=T0)
    with pytest.raises(LinkCodeInvalid):
        store.redeem("AAAA-AAAA", "telegram", "1", now=T0)


def test_new_code_cancels_the_previous_unused_one(store: LinkStore) -> None:
    first = store.issue_code("C-1", now=T0)
    second = store.issue_code("C-1", now=T0 + timedelta(minutes=1))
    with pytest.raises(LinkCodeInvalid):
        store.redeem(first.code, "telegram", "1", now=T0 + timedelta(minutes=2))
    assert store.redeem(second.code, "telegram", "1", now=T0 + timedelta(minutes=2)) == "C-1"


def test_relinking_a_chat_moves_it_to_the_new_customer_and_unlink_removes_it(
    store: LinkStore,
) -> None:
    store.redeem(store.issue_code("C-1", now=T0).code, "telegram", "9", now=T0)
    store.redeem(store.issue_code("C-2", now=T0).code, "telegram", "9", now=T0)
    assert store.linked_customer("telegram", "9") == "C-2"
    assert store.unlink("telegram", "9") is True
    assert store.unlink("telegram", "9") is False
    assert store.linked_customer("telegram", "9") is None


def test_only_telegram_and_discord_can_be_linked(store: LinkStore) -> None:
    code = store.issue_code("C-1", now=T0).code
    with pytest.raises(ValueError, match="channel"):
        store.redeem(code, "web", "1", now=T0)
    # The refused attempt did not use the code up.
    assert store.redeem(code, "telegram", "1", now=T0) == "C-1"


def test_codes_are_not_stored_in_clear(store: LinkStore, engine: Engine) -> None:
    issued = store.issue_code("C-1", now=T0)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT code_hash, customer_id FROM link_codes").all()
    assert len(rows) == 1
    assert issued.code not in rows[0][0]


def test_migrated_claims_database_serves_the_module_function(settings: Settings) -> None:
    upgrade(settings.database_url)  # migration 0003 creates the tables
    store = LinkStore.from_url(settings.database_url)
    code = store.issue_code("C-7").code
    assert redeem_link_code(code, "discord", "42", settings=settings) == "C-7"
    with pytest.raises(LinkCodeUsed):
        redeem_link_code(code, "discord", "42", settings=settings)
