"""Chat channels between customers and the assistant: website widget, Telegram, Discord.

Each channel passes the message metadata ``{"channel", "customer_id", "verified"}`` (and
``locale``, a BCP-47 tag, when the platform tells the customer's language) to Rasa
(docs/TEAM-CONTRACTS.md) and stores evidence files through the claims service, never
through the dialogue. Mounting a channel in the Rasa server installs the answers to
customers waiting for a person (:mod:`cssecure.handoff.waiting`).

Every customer message of every channel (REST included) passes one door before Rasa sees
it: :func:`cssecure.channels.intake.admit` (sender id, rate limit, the one text
normalisation, length, intent payloads only from buttons offered in the conversation).
"""
