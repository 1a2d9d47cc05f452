"""A file sent without saying what it is (the widget's attach button, no caption) is what the
conversation waits for (issue 15 review: a customs letter sent with the paper clip was
stored as "other" and never answered the question)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from cssecure.identity.tokens import issue_session_token, new_anonymous_conversation_id

from .test_tus import TUS, create
from .test_upload_stream import Web, started_web

PDF = b"%PDF-1.7\n" + b"%" * 64


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    with started_web(tmp_path_factory.mktemp("kinds")) as started:
        yield started


@pytest.mark.parametrize(("asked", "expected"), [
    ("seizure_proof", "customs_letter"),
    ("loss_proof", "carrier_confirmation"),
    ("value_proof", "value_proof"),
    ("delivered_date", "other"),  # no file asked: the file's own type decides
    (None, "other"),
])
def test_a_document_from_the_attach_button_is_what_the_question_asks(
    web: Web, asked: str | None, expected: str
) -> None:
    conversation = new_anonymous_conversation_id()
    draft = f"draft-kind-{asked}"
    web.rasa.slots[conversation] = {"claim_draft_id": draft, "requested_slot": asked}
    token = issue_session_token(web.key, conversation)
    answer = requests.post(web.url("/api/evidence"), timeout=30,
                           headers={"Authorization": f"Bearer {token}"},
                           files={"file": ("scan.pdf", PDF, "application/pdf")})
    assert answer.status_code == 201, answer.text
    assert answer.json()["kind"] == expected
    assert web.claims.draft_evidence_kinds(conversation, draft) == [expected]


def test_a_resumable_upload_without_a_kind_is_what_the_question_asks(web: Web) -> None:
    conversation = new_anonymous_conversation_id()
    web.rasa.slots[conversation] = {"claim_draft_id": "draft-kind-tus",
                                    "requested_slot": "seizure_proof"}
    token = issue_session_token(web.key, conversation)
    location = create(web, token, len(PDF), filename="letter.pdf").headers["Location"]
    done = requests.patch(web.url(location), data=PDF, timeout=30, headers={
        **TUS, "Authorization": f"Bearer {token}", "Upload-Offset": "0",
        "Content-Type": "application/offset+octet-stream"})
    assert done.status_code == 204, done.text
    assert web.claims.draft_evidence_kinds(conversation, "draft-kind-tus") == ["customs_letter"]


def test_the_kind_the_customer_names_wins(web: Web) -> None:
    conversation = new_anonymous_conversation_id()
    web.rasa.slots[conversation] = {"claim_draft_id": "draft-kind-named",
                                    "requested_slot": "seizure_proof"}
    token = issue_session_token(web.key, conversation)
    answer = requests.post(web.url("/api/evidence?kind=carrier_confirmation"), timeout=30,
                           headers={"Authorization": f"Bearer {token}"},
                           files={"file": ("scan.pdf", PDF, "application/pdf")})
    assert answer.status_code == 201, answer.text
    assert answer.json()["kind"] == "carrier_confirmation"


def test_an_address_that_sent_its_allowance_is_refused_before_the_body(web: Web) -> None:
    """Issue 15 review: new anonymous conversations each had a fresh quota, so one address
    could fill the disk a gigabyte at a time. Both routes count an address's megabytes."""
    from cssecure.security.limits import LimitSettings, RateLimits, set_default_limits

    set_default_limits(RateLimits(
        LimitSettings.from_env({"CSSECURE_RATE_UPLOAD_MB_PER_ADDRESS": "2/hour"}),
        namespace="test-upload-volume",
    ))
    try:
        answers = []
        for _ in range(3):  # a new anonymous conversation each time: 1 MB, 1 MB, refused
            token = issue_session_token(web.key, new_anonymous_conversation_id())
            answers.append(requests.post(
                web.url("/api/evidence"), timeout=30,
                headers={"Authorization": f"Bearer {token}"},
                files={"file": ("scan.pdf", PDF, "application/pdf")}))
        assert [a.status_code for a in answers] == [201, 201, 429], [a.text for a in answers]
        assert "Too many files" in answers[2].json()["error"]
        token = issue_session_token(web.key, new_anonymous_conversation_id())
        refused = create(web, token, len(PDF), filename="letter.pdf")
        assert refused.status_code == 429 and "Too many files" in refused.json()["error"]
    finally:
        set_default_limits(None)
