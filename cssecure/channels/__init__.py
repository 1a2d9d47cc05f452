"""Chat channels between customers and the assistant: website widget, Telegram, Discord.

Each channel passes the message metadata ``{"channel", "customer_id", "verified"}`` to Rasa
(docs/TEAM-CONTRACTS.md) and stores evidence files through the claims service, never
through the dialogue.
"""
