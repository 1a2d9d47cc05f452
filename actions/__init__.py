"""The CSSecure action server (rasa_sdk): thin actions over the engine and claims service.

Run with ``rasa run actions --actions actions``; every ``Action`` subclass in the
modules imported here is registered.
"""

from actions import claim, general, language

__all__ = ["claim", "general", "language"]
