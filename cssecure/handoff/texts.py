"""What a customer waiting for a person is told (cssecure.handoff.waiting sends these).

Plain words, no internals; times are the office's (the customer's own time zone is not
known), always with the zone named. Every text has its builder here, so wording changes in
one place; the tests read the same constants.

Every builder takes the conversation's ``language`` (issue 14; None is English): the
constants are the English texts, marked for translation (``N_``) and shown through
``tr``. Button payloads stay English (they are matched, not read); the words a customer may
type instead of pressing a button are accepted in every language we speak.
"""

from __future__ import annotations

from cssecure.handoff.queue import Place
from cssecure.i18n.catalog import N_, tr, trn

CONTINUE_TITLE = N_("Continue with the assistant")
# Sent back by the button: plain words, so it works on every channel (a typed slash is
# stripped) and reads well in the agent's transcript.
CONTINUE_PAYLOAD = CONTINUE_TITLE
STATUS_TITLE = N_("Claim status")
STATUS_PAYLOAD = "/check_claim_status"

CONTINUE_BUTTON = {"title": CONTINUE_TITLE, "payload": CONTINUE_PAYLOAD}
STATUS_BUTTON = {"title": STATUS_TITLE, "payload": STATUS_PAYLOAD}

# What the texts tell a customer to write (quoted in them), in their language.
CONTINUE_TYPED = N_("continue with the assistant")
STATUS_TYPED = N_("status")

# Typed words that ask for the assistant back while waiting (compared lower-case, without
# punctuation); "/assistant" arrives as "assistant" (channels drop a typed slash). Their
# translations (and the button's title) count too: see ``asks_for_assistant`` in
# cssecure.handoff.waiting.
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

_MEANWHILE = N_(
    "Meanwhile you can send photos, videos or documents here: they are added to your case "
    'for the agent. To see where your claim stands, press "{status_title}" or write '
    '"{status_typed}".'
)
MEANWHILE = _MEANWHILE.format(status_title=STATUS_TITLE, status_typed=STATUS_TYPED)

# Said with the first answer, so that a customer who no longer needs a person is never
# stuck until the promised time has passed (issue 13 review).
_CHANGED_YOUR_MIND = N_(
    'Changed your mind? Press "{continue_title}" (or write it) to go on with me; your case '
    "stays with the team."
)
CHANGED_YOUR_MIND = _CHANGED_YOUR_MIND.format(continue_title=CONTINUE_TITLE)


def continue_button(language: str | None = None) -> dict[str, str]:
    """The "Continue with the assistant" button, its title in ``language``."""
    return {"title": tr(language, CONTINUE_TITLE), "payload": CONTINUE_PAYLOAD}


def status_button(language: str | None = None) -> dict[str, str]:
    """The "Claim status" button, its title in ``language``."""
    return {"title": tr(language, STATUS_TITLE), "payload": STATUS_PAYLOAD}


def meanwhile(language: str | None = None) -> str:
    """What to do while waiting (send files; ask for the status), in ``language``."""
    return tr(language, _MEANWHILE, status_title=tr(language, STATUS_TITLE),
              status_typed=tr(language, STATUS_TYPED))


def changed_your_mind(language: str | None = None) -> str:
    """How to get the assistant back, in ``language``."""
    return tr(language, _CHANGED_YOUR_MIND, continue_title=tr(language, CONTINUE_TITLE))


def queue_words(place: Place, language: str | None = None) -> str:
    """``You're number 2 in the queue.`` (or the queue's length when the place is unknown)."""
    if place.position is not None:
        if place.position == 1:
            return tr(language, "You're next in the queue.")
        return tr(language, "You're number {position} in the queue.", position=place.position)
    if place.length:
        return trn(language, "{count} customer is waiting for our team.",
                   "{count} customers are waiting for our team.", place.length,
                   count=place.length)
    return ""


def full_ack(
    *,
    open_now: bool,
    hours: str,
    zone: str,
    reply_by: str,
    place: Place,
    wait_minutes: int,
    language: str | None = None,
) -> str:
    """The first answer to a customer writing while waiting for a person.

    Args:
        open_now: the team works now.
        hours: the office hours in words (``Monday to Friday 09:00-18:00, Asia/Shanghai
            time, UTC+8``), in ``language``.
        zone: the office's time zone in words (``Asia/Shanghai time, UTC+8``).
        reply_by: when we aim to answer (``today at 10:30``).
        place: the conversation's place in the queue.
        wait_minutes: the promised wait in office time.
        language: the conversation's language (None: English).
    """
    if open_now:
        # English says "minutes" for every wait (as it always has); the plural entry lets
        # the other languages inflect.
        when = trn(
            language,
            "Our team is working now and aims to answer you within {minutes} minutes, "
            "by {reply_by} ({zone}).",
            "Our team is working now and aims to answer you within {minutes} minutes, "
            "by {reply_by} ({zone}).",
            wait_minutes, minutes=wait_minutes, reply_by=reply_by, zone=zone,
        )
    else:
        when = tr(
            language,
            "Our team is offline now (they work {hours}) and will answer you after they "
            "open, by {reply_by}.",
            hours=hours, reply_by=reply_by,
        )
    parts = [
        tr(language, "Thanks, your message is saved for our support team: a person will "
                     "answer you in this chat."),
        when,
        queue_words(place, language),
        meanwhile(language),
        changed_your_mind(language),
    ]
    return " ".join(p for p in parts if p)


def short_ack(
    place: Place,
    *,
    file: bool = False,
    offer_assistant: bool = False,
    language: str | None = None,
) -> str:
    """A later answer while waiting: the message (or file) reached the agent; after the
    promised time ran out, with the way back to the assistant."""
    what = (
        tr(language, "Your file was added to your case for the agent.")
        if file
        else tr(language, "Your message was added for the agent.")
    )
    back = (
        tr(language, 'To get the assistant back, press "{continue_title}".',
           continue_title=tr(language, CONTINUE_TITLE))
        if offer_assistant
        else ""
    )
    return " ".join(p for p in (what, queue_words(place, language), back) if p)


def expired(
    *, promised: str, place: Place, hours: str, open_now: bool, language: str | None = None
) -> str:
    """The wait ran out: say so, keep the case queued, offer the assistant back.

    Args:
        promised: when we aimed to answer, with the zone (``today at 10:30 (Asia/Shanghai
            time, UTC+8)``), in ``language``.
        place: the conversation's place in the queue.
        hours: the office hours in words.
        open_now: the team works now.
        language: the conversation's language (None: English).
    """
    later = (
        tr(language, "A person will answer you here as soon as one is free.")
        if open_now
        else tr(language, "A person will answer you here when our team is back ({hours}).",
                hours=hours)
    )
    parts = [
        tr(language, "I'm sorry: nobody from our team could take your conversation yet (we "
                     "aimed for {promised}). Your case stays in our team's queue.",
           promised=promised),
        queue_words(place, language),
        later,
        tr(language, 'Meanwhile I can carry on helping you myself: press "{continue_title}" '
                     'or write "{continue_typed}".',
           continue_title=tr(language, CONTINUE_TITLE),
           continue_typed=tr(language, CONTINUE_TYPED)),
    ]
    return " ".join(p for p in parts if p)


RESUMED = N_(
    "You're back with the CSSecure assistant. Your case stays in our team's queue, so a "
    "person will still answer you here. What can I do for you?"
)

NO_CLAIM_STATUS = N_(
    "There is no claim filed in this chat yet, so there's no status to show. The person "
    "who takes your conversation will help you with it."
)
STATUS_UNAVAILABLE = N_(
    "I can't reach our claims system right now to check the status. Please try again in a "
    "few minutes; your messages are kept for the agent."
)


STATUS_WORDS_OF = {
    "submitted": N_("submitted"),
    "awaiting_evidence": N_("waiting for evidence from you"),
    "in_review": N_("in review: a person is checking it"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "paid": N_("paid"),
    "voucher_issued": N_("settled: the voucher was issued"),
    "withdrawn": N_("withdrawn"),
}


def status_lines(
    claims: list[tuple[str, str]], place: Place, language: str | None = None
) -> str:
    """``Your claim CS-2026-000001 is in review.`` for each claim, then the queue."""
    lines = [
        tr(language, "Your claim {reference} is {status}.", reference=reference,
           status=tr(language, STATUS_WORDS_OF[status]) if status in STATUS_WORDS_OF
           else status.replace("_", " "))
        for reference, status in claims
    ]
    tail = " ".join(
        p for p in (tr(language, "A person will answer you here."),
                    queue_words(place, language)) if p
    )
    return " ".join(lines + [tail])
