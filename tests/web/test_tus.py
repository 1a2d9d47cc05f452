"""Resumable uploads over tus 1.0.0 (issue 15): a big video interrupted and resumed.

The web app runs for real (tests/web/test_upload_stream.py's stack); the interruption is a
real dropped connection (a raw socket closed in the middle of a PATCH body).
"""

from __future__ import annotations

import base64
import hashlib
import socket
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from cssecure.claims.evidence import MB
from cssecure.identity.tokens import issue_session_token, new_anonymous_conversation_id

from .evidence_media import quicktime_video
from .test_upload_stream import Web, started_web

TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    with started_web(tmp_path_factory.mktemp("tus")) as started:
        yield started


def metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def create(web: Web, token: str, length: int, **meta: str) -> requests.Response:
    return requests.post(web.url("/api/tus"), timeout=10, headers={
        **TUS, "Authorization": f"Bearer {token}", "Upload-Length": str(length),
        "Upload-Metadata": metadata(**meta)})


def offset_of(web: Web, token: str, location: str) -> int:
    answer = requests.head(web.url(location), timeout=10,
                           headers={**TUS, "Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.status_code
    return int(answer.headers["Upload-Offset"])


def test_the_server_says_what_it_speaks(web: Web) -> None:
    answer = requests.options(web.url("/api/tus"), timeout=10)
    assert answer.status_code == 204
    assert answer.headers["Tus-Version"] == "1.0.0"
    assert answer.headers["Tus-Extension"] == "creation,termination"
    assert int(answer.headers["Tus-Max-Size"]) == 500 * MB  # a phone's unboxing video


def test_a_big_video_upload_interrupted_and_resumed_is_stored_whole(web: Web) -> None:
    conversation = new_anonymous_conversation_id()
    web.rasa.slots[conversation] = {"claim_draft_id": "draft-tus-1"}
    token = issue_session_token(web.key, conversation)
    video = quicktime_video(datetime(2026, 11, 20, 18, tzinfo=timezone.utc), 95,
                            padding=6 * MB)
    created = create(web, token, len(video), filename="unboxing.mov", kind="unboxing_video")
    assert created.status_code == 201, created.text
    location = created.headers["Location"]
    assert location.startswith("/api/tus/")

    # The connection drops after 40% of the body.
    cut = len(video) * 4 // 10
    with socket.create_connection(("127.0.0.1", web.port)) as sock:
        sock.sendall(
            (f"PATCH {location} HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
             f"Authorization: Bearer {token}\r\nUpload-Offset: 0\r\n"
             "Content-Type: application/offset+octet-stream\r\n"
             f"Content-Length: {len(video)}\r\n\r\n").encode() + video[:cut])
        time.sleep(0.5)
    deadline = time.monotonic() + 10
    while offset_of(web, token, location) < cut and time.monotonic() < deadline:
        time.sleep(0.1)
    resumed_at = offset_of(web, token, location)
    assert resumed_at == cut  # what arrived before the break is kept

    # A PATCH from the wrong offset is refused with the right one.
    wrong = requests.patch(web.url(location), data=video[:10], timeout=10, headers={
        **TUS, "Authorization": f"Bearer {token}", "Upload-Offset": "0",
        "Content-Type": "application/offset+octet-stream"})
    assert wrong.status_code == 409 and wrong.headers["Upload-Offset"] == str(cut)

    rest = requests.patch(web.url(location), data=video[resumed_at:], timeout=60, headers={
        **TUS, "Authorization": f"Bearer {token}", "Upload-Offset": str(resumed_at),
        "Content-Type": "application/offset+octet-stream"})
    assert rest.status_code == 204, rest.text
    assert rest.headers["Upload-Offset"] == str(len(video))
    evidence_id = rest.headers["Upload-Evidence-Id"]
    assert web.claims.draft_evidence_kinds(conversation, "draft-tus-1") == ["unboxing_video"]
    stored = [p for p in web.settings.evidence_dir.iterdir()
              if p.is_file() and p.stat().st_size == len(video)]
    assert len(stored) == 1 and stored[0].read_bytes() == video
    told = [m for m in web.rasa.received if evidence_id in (m.text or "")]
    assert len(told) == 1 and told[0].sender_id == conversation
    # The partial upload is gone; its id no longer answers.
    gone = requests.head(web.url(location), timeout=10,
                         headers={**TUS, "Authorization": f"Bearer {token}"})
    assert gone.status_code == 404
    held = web.claims.loose_evidence(evidence_id, conversation)
    assert held is None  # with the claim being reported, not loose
    assert hashlib.sha256(video).hexdigest() == hashlib.sha256(stored[0].read_bytes()).hexdigest()


def test_only_its_creator_may_go_on_and_termination_removes_it(web: Web) -> None:
    mine = issue_session_token(web.key, new_anonymous_conversation_id())
    stranger = issue_session_token(web.key, new_anonymous_conversation_id())
    created = create(web, mine, 1000, filename="v.mov")
    location = created.headers["Location"]
    other = requests.head(web.url(location), timeout=10,
                          headers={**TUS, "Authorization": f"Bearer {stranger}"})
    assert other.status_code == 404
    ended = requests.delete(web.url(location), timeout=10,
                            headers={**TUS, "Authorization": f"Bearer {mine}"})
    assert ended.status_code == 204
    after = requests.head(web.url(location), timeout=10,
                          headers={**TUS, "Authorization": f"Bearer {mine}"})
    assert after.status_code == 404
    assert not list((web.settings.evidence_dir / ".tus").glob(location.rsplit("/", 1)[1] + "*"))


def test_creation_checks_the_kinds_limit_the_token_and_the_protocol(web: Web) -> None:
    token = issue_session_token(web.key, new_anonymous_conversation_id())
    at_limit = create(web, token, 20 * MB, filename="p.jpg", kind="photo")
    over = create(web, token, 20 * MB + 1, filename="p.jpg", kind="photo")
    assert at_limit.status_code == 201 and over.status_code == 413
    assert "at most 20 MB" in over.json()["error"]
    anonymous = requests.post(web.url("/api/tus"), timeout=10,
                              headers={**TUS, "Upload-Length": "10"})
    assert anonymous.status_code == 401
    old = requests.post(web.url("/api/tus"), timeout=10, headers={
        "Tus-Resumable": "0.2.2", "Authorization": f"Bearer {token}", "Upload-Length": "10"})
    assert old.status_code == 412 and old.headers["Tus-Version"] == "1.0.0"


def test_a_patch_past_the_declared_length_is_refused(web: Web) -> None:
    token = issue_session_token(web.key, new_anonymous_conversation_id())
    location = create(web, token, 100, filename="v.mov").headers["Location"]
    answer = requests.patch(web.url(location), data=b"x" * 101, timeout=10, headers={
        **TUS, "Authorization": f"Bearer {token}", "Upload-Offset": "0",
        "Content-Type": "application/offset+octet-stream"})
    assert answer.status_code == 413
    # Why it was refused: not "files may be at most 0 MB" (the announced length's MB).
    assert answer.json()["error"] == (
        "More was sent than the 100 bytes announced for this file. Please send it again.")
    assert offset_of(web, token, location) == 0


@pytest.fixture
def tight(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Web]:
    """A web app with a 1 MB quota per claim."""
    monkeypatch.setenv("CSSECURE_CLAIM_QUOTA_MB", "1")
    with started_web(tmp_path) as started:
        yield started


def test_uploads_created_side_by_side_cannot_pass_the_claims_quota_together(
    tight: Web,
) -> None:
    """Found by review: each fitted the 1 MB quota when created; finishing both stored
    2.1 MB. Then (review again) the second was refused only after its whole body: an upload
    under way now holds its share of the quota from its creation."""
    conversation = new_anonymous_conversation_id()
    tight.rasa.slots[conversation] = {"claim_draft_id": "draft-tus-quota"}
    token = issue_session_token(tight.key, conversation)
    videos = [quicktime_video(datetime(2026, 11, 20, 18, n, tzinfo=timezone.utc), 30,
                              padding=700 * 1024) for n in range(2)]
    first = create(tight, token, len(videos[0]), filename="v0.mov", kind="unboxing_video")
    assert first.status_code == 201, first.text
    second = create(tight, token, len(videos[1]), filename="v1.mov", kind="unboxing_video")
    assert second.status_code == 413 and "at most 1 MB" in second.json()["error"]
    done = requests.patch(tight.url(first.headers["Location"]), data=videos[0], timeout=60,
                          headers={**TUS, "Authorization": f"Bearer {token}",
                                   "Upload-Offset": "0",
                                   "Content-Type": "application/offset+octet-stream"})
    assert done.status_code == 204, done.text
    assert tight.claims.draft_evidence_kinds(conversation, "draft-tus-quota") == [
        "unboxing_video"
    ]
    # Stored now, it still counts: a second one is refused the same way.
    again = create(tight, token, len(videos[1]), filename="v1.mov", kind="unboxing_video")
    assert again.status_code == 413


def test_an_upload_left_for_an_hour_no_longer_holds_the_quota(tight: Web) -> None:
    import os
    import time as clock

    from cssecure.evidence.tus import ACTIVE_WITHIN, TUS_FOLDER

    conversation = new_anonymous_conversation_id()
    tight.rasa.slots[conversation] = {"claim_draft_id": "draft-tus-left"}
    token = issue_session_token(tight.key, conversation)
    first = create(tight, token, 700 * 1024, filename="v0.mov", kind="unboxing_video")
    assert first.status_code == 201
    assert create(tight, token, 700 * 1024, filename="v1.mov",
                  kind="unboxing_video").status_code == 413
    part = (tight.settings.evidence_dir / TUS_FOLDER
            / (first.headers["Location"].rsplit("/", 1)[1] + ".part"))
    stale = clock.time() - ACTIVE_WITHIN.total_seconds() - 60
    os.utime(part, (stale, stale))
    assert create(tight, token, 700 * 1024, filename="v1.mov",
                  kind="unboxing_video").status_code == 201


def test_a_retry_while_the_first_patch_still_writes_is_told_to_wait_and_the_file_stays_whole(
    web: Web,
) -> None:
    """A client retries (or a second tab sends) while its first PATCH is still open: both
    read offset 0, and without a lock both bodies were appended. The second gets 423
    Locked (tus-js-client retries it), the first finishes, the file is stored once, whole;
    termination waits for a running PATCH the same way."""
    conversation = new_anonymous_conversation_id()
    web.rasa.slots[conversation] = {"claim_draft_id": "draft-tus-lock"}
    token = issue_session_token(web.key, conversation)
    video = quicktime_video(datetime(2026, 11, 20, 18, tzinfo=timezone.utc), 60, padding=MB)
    location = create(web, token, len(video), filename="unboxing.mov",
                      kind="unboxing_video").headers["Location"]
    patch = {**TUS, "Authorization": f"Bearer {token}", "Upload-Offset": "0",
             "Content-Type": "application/offset+octet-stream"}
    with socket.create_connection(("127.0.0.1", web.port)) as sock:
        # The first PATCH: its headers, and its body a moment later.
        sock.sendall(
            (f"PATCH {location} HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
             f"Authorization: Bearer {token}\r\nUpload-Offset: 0\r\n"
             "Content-Type: application/offset+octet-stream\r\n"
             f"Content-Length: {len(video)}\r\n\r\n").encode() + video[:1000])
        time.sleep(0.5)
        second = requests.patch(web.url(location), data=video, timeout=10, headers=patch)
        assert second.status_code == 423, second.status_code
        ended = requests.delete(web.url(location), timeout=10,
                                headers={**TUS, "Authorization": f"Bearer {token}"})
        assert ended.status_code == 423, ended.status_code
        sock.sendall(video[1000:])
        sock.settimeout(30)
        answer = sock.recv(4096).decode("latin-1")
    assert answer.startswith("HTTP/1.1 204"), answer
    stored = [p for p in web.settings.evidence_dir.iterdir()
              if p.is_file() and p.stat().st_size == len(video)]
    assert len(stored) == 1 and stored[0].read_bytes() == video
    assert web.claims.draft_evidence_kinds(conversation, "draft-tus-lock") == ["unboxing_video"]


def test_abandoned_uploads_are_swept_and_a_recent_or_running_one_is_kept(tmp_path: Path) -> None:
    import os
    from datetime import timedelta

    from cssecure.evidence.tus import ABANDONED_AFTER, TusStore

    store = TusStore(tmp_path / ".tus")
    fields = dict(length=10, conversation_id="c", customer_id=None, to="loose", key=None,
                  kind="", filename="v.mov", language=None, channel="web")
    old, running, recent = (store.create(**fields) for _ in range(3))
    now = datetime.now(timezone.utc)
    long_ago = (now - ABANDONED_AFTER - timedelta(minutes=1)).timestamp()
    for upload in (old, running):
        os.utime(store.part(upload.upload_id), (long_ago, long_ago))
    # At the limit (a minute short of it): kept.
    short = (now - ABANDONED_AFTER + timedelta(minutes=1)).timestamp()
    os.utime(store.part(recent.upload_id), (short, short))
    with store.lock(running.upload_id):
        assert store.sweep(now) == 1
    assert store.get(old.upload_id) is None and not store.part(old.upload_id).exists()
    assert store.get(running.upload_id) is not None
    assert store.get(recent.upload_id) is not None
    assert store.sweep(now) == 1  # the running one, once it is let go


def test_a_creation_with_a_body_is_refused_unread_with_or_without_a_token(web: Web) -> None:
    """Reviewer's reproduction: anonymous POST /api/tus with a 150 MiB body grew the web
    app by 209 MiB before its 401; four of 190 MiB took it to 1 GiB. A creation carries no
    file: the answer comes on the headers, the connection is closed, memory stays flat."""
    from .test_upload_stream import push_body, read_answer, rss_bytes

    declared = 190 * MB
    token = issue_session_token(web.key, new_anonymous_conversation_id())
    before = rss_bytes()
    sent = []
    for auth in ("", f"Authorization: Bearer {token}\r\n", "", ""):
        with socket.create_connection(("127.0.0.1", web.port)) as sock:
            sock.sendall((
                f"POST /api/tus HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n{auth}"
                f"Upload-Length: {declared}\r\nContent-Length: {declared}\r\n\r\n").encode())
            sent.append(push_body(sock, declared))
    grown = rss_bytes() - before
    assert grown < 40 * MB, f"the web app grew by {grown / MB:.0f} MiB"
    assert max(sent) < 64 * MB, [s // MB for s in sent]
    # Without a body, the same creation is answered as always (401 without a token).
    with socket.create_connection(("127.0.0.1", web.port)) as sock:
        sock.sendall(b"POST /api/tus HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
                     b"Upload-Length: 10\r\nContent-Length: 0\r\n\r\n")
        status, _ = read_answer(sock)
    assert status == 401


@pytest.mark.parametrize("name", ["../../x.mov", "a/b.mov", ".hidden.mov"])
def test_a_path_like_file_name_is_refused_at_creation(web: Web, name: str) -> None:
    token = issue_session_token(web.key, new_anonymous_conversation_id())
    answer = create(web, token, 1000, filename=name, kind="unboxing_video")
    assert answer.status_code == 422, answer.status_code
    assert "Location" not in answer.headers
    assert not list((web.settings.evidence_dir / ".tus").glob("*.json")) or all(
        name not in p.read_text() for p in (web.settings.evidence_dir / ".tus").glob("*.json"))
