"""Human handoff: what an agent does with a conversation the assistant handed over.

The service functions in :mod:`cssecure.handoff.service` take plain values and the ports
they need (claims, Rasa conversations, the customer's channel), so the console, a command
line or a test can drive them alike; only entry points translate errors.

While a conversation waits for a person, :mod:`cssecure.handoff.waiting` answers the
customer (office hours: :mod:`cssecure.handoff.office_hours`; the team's queue:
:mod:`cssecure.handoff.queue`; the texts: :mod:`cssecure.handoff.texts`).
"""
