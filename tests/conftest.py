"""Puts tests/ on sys.path (shared support modules such as postgres_support)."""
