"""Who the customer is, for every channel and the web app alike (issue 19).

- :mod:`cssecure.identity.tokens`: the customer tokens (JWT) the shop's site issues to a
  signed-in customer, the anonymous visitor's session tokens, and the conversation ids
  derived from them (the widget's, Telegram's and Discord's conversations are named here);
- :mod:`cssecure.identity.linking`: account linking, one-time codes that bind a Telegram or
  Discord chat to a signed-in customer, and the links' table;
- :mod:`cssecure.identity.metadata`: the metadata every channel sends with a message (who
  the customer is, the channel, the locale).

The channels and the web app both import it; it imports neither.
"""
