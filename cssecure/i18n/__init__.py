"""The customer's language: which languages we speak, detection, and translated texts (issue 14).

English is the source language: every text is written in English in the code, in
``domain.yml`` and in ``cssecure/policy/facts.yaml``; the other languages are Rasa
conditional response variations on the ``language`` slot (domain responses) and gettext
catalogs kept with Babel (texts composed in code), see ``cssecure/i18n/catalog.py``.
"""

from __future__ import annotations

#: Languages the assistant speaks, ISO 639-1; English first (the default and the source).
LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "es", "it", "nl", "pl", "pt")
DEFAULT_LANGUAGE = "en"
