"""Widget tokens: customer and session tokens, forged/expired/confused ones refused."""

from __future__ import annotations

import time

import jwt
import pytest

from cssecure.identity.tokens import (
    ANONYMOUS_PREFIX,
    CUSTOMER_AUDIENCE,
    ISSUER,
    LEEWAY_S,
    TokenRejected,
    customer_conversation_id,
    identity_from_bearer,
    issue_customer_token,
    issue_session_token,
    new_anonymous_conversation_id,
    verify_customer_token,
    verify_session_token,
    widget_key,
)
from cssecure.settings import Settings

KEY = b"k" * 32


def test_customer_token_round_trip() -> None:
    assert verify_customer_token(KEY, issue_customer_token(KEY, "C-1")) == "C-1"


def test_token_signed_with_another_key_is_refused() -> None:
    forged = issue_customer_token(b"x" * 32, "C-1")
    with pytest.raises(TokenRejected, match="could not be verified"):
        verify_customer_token(KEY, forged)


def test_tampered_subject_is_refused() -> None:
    header, payload, signature = issue_customer_token(KEY, "C-1").split(".")
    other_payload = issue_customer_token(KEY, "C-2").split(".")[1]
    with pytest.raises(TokenRejected):
        verify_customer_token(KEY, f"{header}.{other_payload}x.{signature}")
    with pytest.raises(TokenRejected):
        verify_customer_token(KEY, f"{header}.{other_payload}.{signature}")


def test_unsigned_alg_none_token_is_refused() -> None:
    claims = {"sub": "C-1", "aud": CUSTOMER_AUDIENCE, "iss": ISSUER, "exp": time.time() + 60}
    unsigned = jwt.encode(claims, "", algorithm="none")
    with pytest.raises(TokenRejected):
        verify_customer_token(KEY, unsigned)


def _token_expiring_in(seconds: int) -> str:
    now = int(time.time())
    claims = {"sub": "C-1", "aud": CUSTOMER_AUDIENCE, "iss": ISSUER, "iat": now - 3600,
              "exp": now + seconds}
    return jwt.encode(claims, KEY, algorithm="HS256")


def test_expiry_tolerates_the_clock_leeway_and_not_beyond() -> None:
    # Expired LEEWAY_S - 2 s ago: still accepted (clock skew); LEEWAY_S + 2 s ago: refused.
    assert verify_customer_token(KEY, _token_expiring_in(-(LEEWAY_S - 2))) == "C-1"
    with pytest.raises(TokenRejected, match="expired"):
        verify_customer_token(KEY, _token_expiring_in(-(LEEWAY_S + 2)))


def test_token_without_expiry_is_refused() -> None:
    claims = {"sub": "C-1", "aud": CUSTOMER_AUDIENCE, "iss": ISSUER}
    with pytest.raises(TokenRejected):
        verify_customer_token(KEY, jwt.encode(claims, KEY, algorithm="HS256"))


def test_session_token_is_not_a_customer_token_and_vice_versa() -> None:
    session = issue_session_token(KEY, new_anonymous_conversation_id())
    with pytest.raises(TokenRejected):
        verify_customer_token(KEY, session)
    with pytest.raises(TokenRejected):
        verify_session_token(KEY, issue_customer_token(KEY, "C-1"))


def test_session_token_cannot_name_a_customer_conversation() -> None:
    token = issue_session_token(KEY, customer_conversation_id(KEY, "C-1"))
    with pytest.raises(TokenRejected):
        verify_session_token(KEY, token)


def test_customer_conversation_is_stable_per_customer_and_hides_the_id() -> None:
    a1 = customer_conversation_id(KEY, "C-1")
    assert a1 == customer_conversation_id(KEY, "C-1")
    assert a1 != customer_conversation_id(KEY, "C-2")
    assert "C-1" not in a1
    assert new_anonymous_conversation_id() != new_anonymous_conversation_id()


def test_bearer_identity_for_both_kinds() -> None:
    customer = identity_from_bearer(KEY, issue_customer_token(KEY, "C-1"))
    assert customer.verified and customer.customer_id == "C-1"
    assert customer.metadata() == {"channel": "web", "customer_id": "C-1", "verified": True}
    anon_id = new_anonymous_conversation_id()
    anon = identity_from_bearer(KEY, issue_session_token(KEY, anon_id))
    assert anon.conversation_id == anon_id and anon_id.startswith(ANONYMOUS_PREFIX)
    assert anon.metadata() == {"channel": "web", "customer_id": None, "verified": False}
    with pytest.raises(TokenRejected):
        identity_from_bearer(KEY, "not-a-token")


def test_widget_key_prefers_the_jwt_secret_then_derives_from_the_rasa_token() -> None:
    explicit = Settings.from_env({"CSSECURE_JWT_SECRET": "s3cret", "RASA_TOKEN": "t"})
    assert widget_key(explicit) == b"s3cret"
    derived = Settings.from_env({"RASA_TOKEN": "t"})
    assert widget_key(derived) == widget_key(Settings.from_env({"RASA_TOKEN": "t"}))
    assert widget_key(derived) != widget_key(Settings.from_env({"RASA_TOKEN": "u"}))
    assert widget_key(derived) != b"t"
    alone = Settings.from_env({})
    assert len(widget_key(alone)) == 32 and widget_key(alone) == widget_key(alone)
