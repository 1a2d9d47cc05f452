"""Puts tests/ on sys.path (shared support modules such as postgres_support), and the
Hypothesis profiles.

Profiles (``HYPOTHESIS_PROFILE``, default ``ci``):

- ``ci``: derandomised (the examples are a fixed function of each test), so a failure under
  ``make test`` or CI fails again on every run and on every machine; no example database.
- ``random``: fresh random examples on each run, with the seed printed on failure
  (``@seed`` reproduces it); ``make mutation`` runs it, so generated cases keep exploring.

A test's own ``@settings(max_examples=..., deadline=...)`` keeps its budget under both.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from cssecure.ops.launch import model_for_tests

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("random", derandomize=False, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# --- PostgreSQL and Redis are required (issue 20) ------------------------------------------
# A test skipped because one of them is down fails, unless CSSECURE_TESTS_WITHOUT names it;
# the plugin (tests/service_requirements.py) says so in the header and the summary line.
# tests/engine_hygiene.py disposes the SQLite engines a test left on its own files.
# tests/shared_stack.py: the one running stack (Rasa + action server) the test folders that
# can share one use, spawned early in the session and stopped at its end (issue 19).
pytest_plugins = ["service_requirements", "engine_hygiene", "shared_stack"]


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The model the test stacks run (:func:`cssecure.ops.launch.model_for_tests`).

    A test that needs one fails without it (never skips): ``make test`` trains one first.
    """
    found = model_for_tests()
    if found is None:
        pytest.fail("no trained model in models/: run `make train` first")
    return found
