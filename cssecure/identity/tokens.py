"""Signed tokens that tie a website chat to a person.

Two kinds of token, both HS256 JWTs signed with the widget key (see :func:`widget_key`):

* a **customer token** (audience ``cssecure:customer``): the agency's website issues it for
  the logged-in customer and hands it to the widget; the socket.io channel verifies it and
  binds the conversation to ``sub`` (the customer id). The demo page of our web app issues
  such tokens for demo customers only.
* a **session token** (audience ``cssecure:web-session``): the socket.io channel issues it
  to an anonymous visitor together with a random, server-chosen conversation id. Presenting
  it is the only way to resume that conversation after a reload or to upload evidence to it.

Conversation ids of customers are derived from the verified customer id with an HMAC, so
the id says nothing about the customer and knowing it grants nothing: the channel never
accepts a conversation id from the browser without the matching token.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
from dataclasses import dataclass

import jwt

from cssecure.i18n.catalog import N_, tr
from cssecure.i18n.detect import hint_language
from cssecure.identity.metadata import channel_metadata
from cssecure.settings import Settings

logger = logging.getLogger(__name__)

ALGORITHM = "HS256"
CUSTOMER_AUDIENCE = "cssecure:customer"
SESSION_AUDIENCE = "cssecure:web-session"
ISSUER = "cssecure"
# Clock skew tolerated between the host site that signs and the server that verifies.
LEEWAY_S = 10
SESSION_TOKEN_TTL_S = 7 * 24 * 3600
CUSTOMER_PREFIX = "web-c-"
ANONYMOUS_PREFIX = "web-a-"

_process_key: bytes | None = None

NOT_VERIFIED = N_("Your sign-in could not be verified. Please sign in again.")


class TokenRejected(ValueError):
    """A token is missing, malformed, forged or expired.

    ``str(exc)`` is the customer's message in English, :meth:`text` the same in the
    customer's language (issue 14).
    """

    def __init__(self, message: str) -> None:
        """``message``: the English text, marked for translation with ``N_``."""
        super().__init__(message)
        self.template = message

    def text(self, language: str | None = None) -> str:
        """The message in ``language`` (None or unknown: English)."""
        return tr(language, self.template)


@dataclass(frozen=True)
class WebIdentity:
    """Who is on the other end of a website conversation.

    Attributes:
        conversation_id: the Rasa sender id of the conversation.
        customer_id: the verified customer, or ``None`` for an anonymous visitor.
    """

    conversation_id: str
    customer_id: str | None

    @property
    def verified(self) -> bool:
        """True when the customer id comes from a verified customer token."""
        return self.customer_id is not None

    def metadata(self, locale: object = None) -> dict[str, object]:
        """The message metadata every channel sends (docs/TEAM-CONTRACTS.md); ``locale``
        (the page's language or the browser's, BCP-47) only when the widget sent a valid one."""
        tag = locale if isinstance(locale, str) else None
        return channel_metadata("web", self.customer_id, tag)


def widget_key(settings: Settings) -> bytes:
    """The key that signs and verifies widget tokens.

    ``CSSECURE_JWT_SECRET`` when set. Otherwise, when ``RASA_TOKEN`` is set (the stack
    launcher always sets one for all its parts), a key derived from it with a fixed label,
    so that the web app and the Rasa server of one stack agree without configuration.
    Otherwise a random key for this process only: tokens then verify only in the process
    that signed them, which is enough for a single-process demo and never a committed secret.
    """
    if settings.jwt_secret:
        return settings.jwt_secret.encode()
    if settings.rasa_token:
        return hmac.new(settings.rasa_token.encode(), b"cssecure widget jwt v1", "sha256").digest()
    global _process_key
    if _process_key is None:
        logger.warning(
            "CSSECURE_JWT_SECRET is not set: widget tokens are signed with a key of this "
            "process only; set it (same value for the web app and the Rasa server)."
        )
        _process_key = secrets.token_bytes(32)
    return _process_key


def issue_customer_token(key: bytes, customer_id: str, ttl_s: int = 3600) -> str:
    """Sign a customer token (what the host site gives the widget for a logged-in customer)."""
    if not customer_id or not customer_id.strip():
        raise ValueError("customer_id must not be empty")
    now = int(time.time())
    claims = {
        "sub": customer_id,
        "aud": CUSTOMER_AUDIENCE,
        "iss": ISSUER,
        "iat": now,
        "exp": now + ttl_s,
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def issue_session_token(key: bytes, conversation_id: str, ttl_s: int = SESSION_TOKEN_TTL_S) -> str:
    """Sign the token that lets an anonymous visitor resume (and upload to) a conversation."""
    now = int(time.time())
    claims = {
        "sub": conversation_id,
        "aud": SESSION_AUDIENCE,
        "iss": ISSUER,
        "iat": now,
        "exp": now + ttl_s,
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def _decode(key: bytes, token: str, audience: str) -> str:
    """Verify signature, audience, issuer and expiry; return the subject."""
    if not isinstance(token, str) or not token.strip():
        raise TokenRejected(N_("No sign-in token was given."))
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=ISSUER,
            leeway=LEEWAY_S,
            options={"require": ["exp", "sub", "aud", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenRejected(N_("Your sign-in has expired. Please sign in again.")) from exc
    except jwt.InvalidTokenError as exc:
        # Forged, tampered, wrong audience, wrong algorithm, malformed: one message, no details.
        raise TokenRejected(NOT_VERIFIED) from exc
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip():
        raise TokenRejected(NOT_VERIFIED)
    return subject


def verify_customer_token(key: bytes, token: str) -> str:
    """Return the customer id of a valid customer token; raise :class:`TokenRejected`."""
    return _decode(key, token, CUSTOMER_AUDIENCE)


def verify_session_token(key: bytes, token: str) -> str:
    """Return the conversation id of a valid anonymous session token."""
    conversation_id = _decode(key, token, SESSION_AUDIENCE)
    if not conversation_id.startswith(ANONYMOUS_PREFIX):
        raise TokenRejected(
            N_("Your chat session could not be verified. Please reload the page.")
        )
    return conversation_id


def customer_conversation_id(key: bytes, customer_id: str) -> str:
    """The conversation id of a verified customer's website chat (stable, not reversible)."""
    digest = hmac.new(key, b"conversation:" + customer_id.encode(), hashlib.sha256).hexdigest()
    return CUSTOMER_PREFIX + digest[:32]


def new_anonymous_conversation_id() -> str:
    """A fresh, unguessable conversation id for an anonymous visitor."""
    return ANONYMOUS_PREFIX + secrets.token_hex(16)


def identity_from_bearer(key: bytes, token: str) -> WebIdentity:
    """Resolve either kind of token to the conversation it may act on.

    Used by the upload endpoint: a customer token acts on the customer's conversation,
    a session token on its anonymous conversation.
    """
    try:
        customer_id = verify_customer_token(key, token)
    except TokenRejected as customer_error:
        try:
            conversation_id = verify_session_token(key, token)
        except TokenRejected:
            raise customer_error from None
        return WebIdentity(conversation_id=conversation_id, customer_id=None)
    return WebIdentity(customer_conversation_id(key, customer_id), customer_id)


# --- the language of a refusal ------------------------------------------------------------

_QUALITY = re.compile(r"^q=([01](?:\.\d{0,3})?)$")


def accept_language(header: str | None) -> str | None:
    """Our language the browser prefers most in an ``Accept-Language`` header, else None.

    ``"fr-CH, fr;q=0.9, en;q=0.8"`` -> ``"fr"``; ``"ja, en;q=0.5"`` -> ``"en"``; tags with
    ``q=0`` (not wanted) or a malformed quality are skipped, ``*`` names no language.
    """
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, *params = (item.strip() for item in part.split(";"))
        quality = 1.0
        for param in params:
            found = _QUALITY.match(param.replace(" ", "").lower())
            quality = float(found.group(1)) if found else -1.0
        language = hint_language(tag) if tag and tag != "*" else None
        if language and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else None


def client_language(hint: object = None, accept: str | None = None) -> str | None:
    """The language to word a web refusal in (a rejected token, a refused upload) when the
    conversation's language is not known: the widget's own ``language``/``locale`` (BCP-47),
    else the browser's ``Accept-Language`` header, else None (English)."""
    hinted = hint_language(hint) if isinstance(hint, str) else None
    return hinted or accept_language(accept)
