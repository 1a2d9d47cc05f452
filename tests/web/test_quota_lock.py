"""The per-claim lock that makes the quota's last check and the store one step (issue 15):
cssecure.evidence.quota, alone and in both upload routes of the web app."""

from __future__ import annotations

import asyncio
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from cssecure.evidence.quota import QUOTA_FOLDER, QuotaBusy, QuotaLocks, quota_key
from cssecure.identity.tokens import issue_session_token, new_anonymous_conversation_id

from .evidence_media import quicktime_video
from .test_tus import TUS, create
from .test_upload_stream import Web, started_web


@pytest.mark.parametrize(("to", "key", "expected"), [
    ("claim", " cs-2026-000001 ", "claim:CS-2026-000001"),
    ("draft", "draft-1", "draft:conv-1:draft-1"),
    ("loose", None, "loose:conv-1"),
    ("claim", None, None),
])
def test_the_lock_of_an_upload_is_its_claim_or_its_draft_in_its_conversation(
    to: str, key: str | None, expected: str | None
) -> None:
    assert quota_key(to, key, "conv-1") == expected


def test_a_second_holder_waits_until_the_first_let_go(tmp_path: Path) -> None:
    locks = QuotaLocks(tmp_path)
    order: list[str] = []

    async def holder(name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        async with locks.hold("claim:CS-1"):
            order.append(f"{name} in")
            await asyncio.sleep(0.2)
            order.append(f"{name} out")

    async def both() -> None:
        await asyncio.gather(holder("first", 0), holder("second", 0.05))

    asyncio.run(both())
    assert order == ["first in", "first out", "second in", "second out"]


def test_other_claims_and_loose_files_do_not_wait(tmp_path: Path) -> None:
    locks = QuotaLocks(tmp_path, wait_seconds=0.1)

    async def nested() -> None:
        async with locks.hold("claim:CS-1"), locks.hold("claim:CS-2"), locks.hold(None):
            pass

    asyncio.run(nested())


def test_a_lock_held_past_the_wait_is_busy_and_then_free_again(tmp_path: Path) -> None:
    locks = QuotaLocks(tmp_path, wait_seconds=0.2)
    fd = hold_from_outside(locks, "claim:CS-1")  # another process or replica
    try:
        started = time.monotonic()
        with pytest.raises(QuotaBusy):
            asyncio.run(enter(locks, "claim:CS-1"))
        assert time.monotonic() - started >= 0.2
    finally:
        os.close(fd)
    asyncio.run(enter(locks, "claim:CS-1"))
    # No reference on disk: the lock file is named by a hash.
    assert [p.name for p in tmp_path.iterdir()] == [locks.path("claim:CS-1").name]
    assert "CS-1" not in locks.path("claim:CS-1").name


async def enter(locks: QuotaLocks, key: str) -> None:
    async with locks.hold(key):
        pass


def hold_from_outside(locks: QuotaLocks, key: str) -> int:
    locks.directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(locks.path(key), os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


# --- in the web app -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    with started_web(tmp_path_factory.mktemp("quota-lock")) as started:
        yield started


def _finish_while_locked(web: Web, send: object, draft: str, conversation: str) -> None:
    """Hold the draft's lock as a side-by-side upload would, run ``send`` in a thread:
    it must not store the file until the lock is let go."""
    assert callable(send)
    locks = QuotaLocks(web.claims.evidence_store.directory / QUOTA_FOLDER)
    fd = hold_from_outside(locks, f"draft:{conversation}:{draft}")
    answers: list[requests.Response] = []
    worker = threading.Thread(target=lambda: answers.append(send()))
    try:
        worker.start()
        time.sleep(1.0)
        assert answers == [], "stored while another file of the claim held its quota"
        assert web.claims.draft_evidence_kinds(conversation, draft) == []
    finally:
        os.close(fd)
    worker.join(30)
    assert [a.status_code for a in answers] in ([201], [204]), [a.text for a in answers]
    assert web.claims.draft_evidence_kinds(conversation, draft) == ["unboxing_video"]


def test_a_tus_upload_s_last_byte_waits_for_the_claims_other_file(web: Web) -> None:
    conversation = new_anonymous_conversation_id()
    web.rasa.slots[conversation] = {"claim_draft_id": "draft-lock-tus"}
    token = issue_session_token(web.key, conversation)
    video = quicktime_video(datetime(2026, 11, 20, 18, tzinfo=timezone.utc), 30)
    location = create(web, token, len(video), filename="v.mov",
                      kind="unboxing_video").headers["Location"]

    def send() -> requests.Response:
        return requests.patch(web.url(location), data=video, timeout=60, headers={
            **TUS, "Authorization": f"Bearer {token}", "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream"})

    _finish_while_locked(web, send, "draft-lock-tus", conversation)


def test_a_one_request_upload_waits_for_the_claims_other_file(web: Web) -> None:
    conversation = new_anonymous_conversation_id()
    web.rasa.slots[conversation] = {"claim_draft_id": "draft-lock-post"}
    token = issue_session_token(web.key, conversation)
    video = quicktime_video(datetime(2026, 11, 20, 19, tzinfo=timezone.utc), 30)

    def send() -> requests.Response:
        return requests.post(web.url("/api/evidence?kind=unboxing_video"), timeout=60,
                             headers={"Authorization": f"Bearer {token}"},
                             files={"file": ("v.mov", video, "video/quicktime")})

    _finish_while_locked(web, send, "draft-lock-post", conversation)
