"""What a customer waiting for a person is told (cssecure.handoff.waiting sends these).

Plain words, no internals; times are the office's (the customer's own time zone is not
known), always with the zone named. Every text has its builder here, so wording changes in
one place; the tests read the same constants.
"""

from __future__ import annotations

from cssecure.handoff.queue import Place

CONTINUE_TITLE = "Continue with the assistant"
# Sent back by the button: plain words, so it works on every channel (a typed slash is
# stripped) and reads well in the agent's transcript.
CONTINUE_PAYLOAD = CONTINUE_TITLE
STATUS_TITLE = "Claim status"
STATUS_PAYLOAD = "/check_claim_status"

CONTINUE_BUTTON = {"title": CONTINUE_TITLE, "payload": CONTINUE_PAYLOAD}
STATUS_BUTTON = {"title": STATUS_TITLE, "payload": STATUS_PAYLOAD}

# Typed words that ask for the assistant back while waiting (compared lower-case, without
# punctuation); "/assistant" arrives as "assistant" (channels drop a typed slash).
CONTINUE_WORDS = frozenset(
    {
        "continue with the assistant",
        "continue with assistant",
        "back to the assistant",
        "assistant",
    }
)
# Typed words that ask for the claim status while waiting (besides the NLU's
# check_claim_status intent).
STATUS_WORDS = frozenset({"status", "claim status", "my claim status", "status of my claim"})

MEANWHILE = (
    "Meanwhile you can send photos, videos or documents here: they are added to your case "
    f'for the agent. To see where your claim stands, press "{STATUS_TITLE}" or write "status".'
)


# Said with the first answer, so that a customer who no longer needs a person is never
# stuck until the promised time has passed (issue 13 review).
CHANGED_YOUR_MIND = (
    f'Changed your mind? Press "{CONTINUE_TITLE}" (or write it) to go on with me; your case '
    "stays with the team."
)


def queue_words(place: Place) -> str:
    """``You're number 2 in the queue.`` (or the queue's length when the place is unknown)."""
    if place.position is not None:
        if place.position == 1:
            return "You're next in the queue."
        return f"You're number {place.position} in the queue."
    if place.length:
        waiting = "customer is" if place.length == 1 else "customers are"
        return f"{place.length} {waiting} waiting for our team."
    return ""


def full_ack(
    *, open_now: bool, hours: str, zone: str, reply_by: str, place: Place, wait_minutes: int
) -> str:
    """The first answer to a customer writing while waiting for a person.

    Args:
        open_now: the team works now.
        hours: the office hours in words (``Monday to Friday 09:00-18:00, Asia/Shanghai
            time, UTC+8``).
        zone: the office's time zone in words (``Asia/Shanghai time, UTC+8``).
        reply_by: when we aim to answer (``today at 10:30``).
        place: the conversation's place in the queue.
        wait_minutes: the promised wait in office time.
    """
    if open_now:
        when = (
            f"Our team is working now and aims to answer you within {wait_minutes} minutes, "
            f"by {reply_by} ({zone})."
        )
    else:
        when = (
            f"Our team is offline now (they work {hours}) and will answer you after they "
            f"open, by {reply_by}."
        )
    queue = queue_words(place)
    parts = [
        "Thanks, your message is saved for our support team: a person will answer you in "
        "this chat.",
        when,
        queue,
        MEANWHILE,
        CHANGED_YOUR_MIND,
    ]
    return " ".join(p for p in parts if p)


def short_ack(place: Place, *, file: bool = False, offer_assistant: bool = False) -> str:
    """A later answer while waiting: the message (or file) reached the agent; after the
    promised time ran out, with the way back to the assistant."""
    what = "Your file was added to your case" if file else "Your message was added"
    back = f'To get the assistant back, press "{CONTINUE_TITLE}".' if offer_assistant else ""
    return " ".join(p for p in (f"{what} for the agent.", queue_words(place), back) if p)


def expired(*, promised: str, place: Place, hours: str, open_now: bool) -> str:
    """The wait ran out: say so, keep the case queued, offer the assistant back.

    Args:
        promised: when we aimed to answer, with the zone (``today at 10:30 (Asia/Shanghai
            time, UTC+8)``).
        place: the conversation's place in the queue.
        hours: the office hours in words.
        open_now: the team works now.
    """
    later = (
        "A person will answer you here as soon as one is free."
        if open_now
        else f"A person will answer you here when our team is back ({hours})."
    )
    parts = [
        f"I'm sorry: nobody from our team could take your conversation yet (we aimed for "
        f"{promised}). Your case stays in our team's queue.",
        queue_words(place),
        later,
        f'Meanwhile I can carry on helping you myself: press "{CONTINUE_TITLE}" or write '
        '"continue with the assistant".',
    ]
    return " ".join(p for p in parts if p)


RESUMED = (
    "You're back with the CSSecure assistant. Your case stays in our team's queue, so a "
    "person will still answer you here. What can I do for you?"
)

NO_CLAIM_STATUS = (
    "There is no claim filed in this chat yet, so there's no status to show. The person "
    "who takes your conversation will help you with it."
)
STATUS_UNAVAILABLE = (
    "I can't reach our claims system right now to check the status. Please try again in a "
    "few minutes; your messages are kept for the agent."
)


STATUS_WORDS_OF = {
    "submitted": "submitted",
    "awaiting_evidence": "waiting for evidence from you",
    "in_review": "in review: a person is checking it",
    "approved": "approved",
    "rejected": "rejected",
    "paid": "paid",
    "voucher_issued": "settled: the voucher was issued",
    "withdrawn": "withdrawn",
}


def status_lines(claims: list[tuple[str, str]], place: Place) -> str:
    """``Your claim CS-2026-000001 is in review.`` for each claim, then the queue."""
    lines = [
        f"Your claim {reference} is {STATUS_WORDS_OF.get(status, status.replace('_', ' '))}."
        for reference, status in claims
    ]
    tail = "A person will answer you here. " + queue_words(place)
    return " ".join(lines + [tail.strip()])
