"""Abuse controls shared by every entry point: rate limits (:mod:`cssecure.security.limits`)."""
