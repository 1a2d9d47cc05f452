"""One-time upload links for files too big for a chat (issue 15).

Telegram bots may fetch files up to 20 MB; an unboxing video is often hundreds. Such a
file is answered with a link to the website's upload page, bound to the conversation, the
customer, where the file goes (the claim or the claim being reported) and its kind; valid
for :data:`LINK_TTL`; it works once.

The links live beside the evidence they admit (a private folder under the evidence
directory, shared by the chat connectors and the web app like the files themselves), one
small JSON file per link, named by the SHA-256 of its token: a copy of the folder holds no
usable link. "Works once" is an atomic rename: ``<digest>.json`` (open) becomes
``<digest>.inflight`` while an upload runs (a second use at the same time finds nothing),
then ``<digest>.used``; a failed upload renames it back so the customer can try again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cssecure.channels.evidence import EvidenceTarget
from cssecure.handoff import rasa_api
from cssecure.i18n.catalog import N_, tr
from cssecure.settings import Settings

LINK_TTL = timedelta(hours=2)
LINK_FOLDER = ".upload-links"

LINK_UNKNOWN = N_("This upload link is not valid. Please ask in the chat for a new one.")
LINK_USED = N_("This upload link has already been used. Please ask in the chat for a new one.")
LINK_EXPIRED = N_("This upload link has expired. Please ask in the chat for a new one.")
LINK_OFFER = N_(
    "This file is {size_mb} MB, more than I can receive here ({limit_mb} MB). Please upload "
    "it on our website instead; the link works once, for {hours} hours: {url}"
)


def utcnow() -> datetime:
    """Now, aware UTC."""
    return datetime.now(timezone.utc)


class LinkRefused(Exception):
    """A link that cannot be used; :meth:`text` says why in the customer's language."""

    message = LINK_UNKNOWN

    def __init__(self, language: str | None = None) -> None:
        """``language``: the chat's, when the link is known (its page is worded in it)."""
        super().__init__(type(self).__name__)
        self.language = language

    def text(self, language: str | None = None) -> str:
        """The refusal in ``language`` (None: English)."""
        return tr(language, self.message)


class LinkUnknown(LinkRefused):
    """No such link (mistyped, or never issued)."""


class LinkUsed(LinkRefused):
    """The link was used already (or is being used right now)."""

    message = LINK_USED


class LinkExpired(LinkRefused):
    """The link's time has passed."""

    message = LINK_EXPIRED


@dataclass(frozen=True)
class UploadGrant:
    """What a link allows: one file for one target of one conversation.

    Attributes:
        conversation_id: the chat the file belongs to.
        customer_id: the verified customer of the chat, or None.
        channel: the chat's channel (``telegram``, ``discord``).
        to: ``claim``, ``draft`` or ``loose`` (:class:`EvidenceTarget`).
        key: the claim reference or draft id.
        kind: the evidence kind the file was sent as.
        language: the chat's language (the upload page's words).
        expires_at: ISO time (UTC) after which the link is refused.
    """

    conversation_id: str
    customer_id: str | None
    channel: str
    to: str
    key: str | None
    kind: str
    language: str | None
    expires_at: str

    @property
    def target(self) -> EvidenceTarget:
        """Where the file goes."""
        to = self.to if self.to in ("claim", "draft") else "loose"
        return EvidenceTarget(to, self.key if to != "loose" else None)  # type: ignore[arg-type]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class UploadLinks:
    """The one-time links of one evidence directory."""

    def __init__(self, directory: Path, clock: Callable[[], datetime] = utcnow) -> None:
        """Keep links in ``directory`` (created, mode 0700, on first issue)."""
        self.directory = directory
        self.clock = clock

    @classmethod
    def for_settings(cls, settings: Settings) -> UploadLinks:
        """The links beside ``settings.evidence_dir``."""
        return cls(settings.evidence_dir / LINK_FOLDER)

    def issue(
        self,
        *,
        conversation_id: str,
        customer_id: str | None,
        channel: str,
        target: EvidenceTarget,
        kind: str,
        language: str | None,
        ttl: timedelta = LINK_TTL,
    ) -> str:
        """A new link token (43 URL-safe characters) for one file to ``target``."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        token = secrets.token_urlsafe(32)
        grant = UploadGrant(
            conversation_id, customer_id, channel, target.to, target.key, kind, language,
            (self.clock() + ttl).isoformat(),
        )
        path = self.directory / f"{_digest(token)}.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(grant), handle)
        return token

    def _path(self, token: str, state: str) -> Path:
        return self.directory / f"{_digest(token)}.{state}"

    def peek(self, token: str) -> UploadGrant:
        """The grant of an open link, without using it.

        Raises:
            LinkUnknown, LinkUsed, LinkExpired.
        """
        if not token or len(token) > 200:
            raise LinkUnknown()
        path = self._path(token, "json")
        if not path.exists():
            for state in ("used", "inflight"):
                with contextlib.suppress(FileNotFoundError, ValueError, TypeError):
                    used = self._grant(self._path(token, state))
                    raise LinkUsed(used.language)
            raise LinkUnknown()
        grant = self._grant(path)
        if datetime.fromisoformat(grant.expires_at) <= self.clock():
            raise LinkExpired(grant.language)
        return grant

    @staticmethod
    def _grant(path: Path) -> UploadGrant:
        return UploadGrant(**json.loads(path.read_text(encoding="utf-8")))

    def begin(self, token: str) -> UploadGrant:
        """Take the link for an upload (no other use can start until :meth:`release`).

        Raises:
            LinkUnknown, LinkUsed, LinkExpired.
        """
        grant = self.peek(token)
        try:
            os.rename(self._path(token, "json"), self._path(token, "inflight"))
        except FileNotFoundError:
            raise LinkUsed() from None  # taken by a use that started at the same time
        return grant

    def finish(self, token: str) -> None:
        """The upload succeeded: the link is used up."""
        with contextlib.suppress(FileNotFoundError):
            os.rename(self._path(token, "inflight"), self._path(token, "used"))

    def release(self, token: str) -> None:
        """The upload failed: the link may be used again (until it expires)."""
        with contextlib.suppress(FileNotFoundError):
            os.rename(self._path(token, "inflight"), self._path(token, "json"))


async def tell_chat(
    settings: Settings, grant: UploadGrant, kind: str, evidence_id: str
) -> bool:
    """Tell the bot of a chat (Telegram) that a file of its upload link arrived, through the
    chat's own channel (``POST /webhooks/<channel>/evidence`` on the Rasa server), so that
    the bot's answer reaches the customer there. False when it could not be told (no
    ``RASA_TOKEN``, Rasa down, a channel without that route)."""
    body = {"conversation_id": grant.conversation_id, "customer_id": grant.customer_id,
            "evidence_kind": kind, "evidence_id": evidence_id}
    return await rasa_api.tell_evidence(settings.rasa_url, settings.rasa_token, grant.channel, body)


def public_upload_url(settings: Settings, token: str) -> str:
    """The upload page of a link: ``CSSECURE_PUBLIC_WEB_URL`` (the website as customers
    reach it), else the local web app."""
    base = os.environ.get("CSSECURE_PUBLIC_WEB_URL") or f"http://localhost:{settings.web_port}"
    return f"{base.rstrip('/')}/api/upload/{token}"
