"""The running assistant the end-to-end tests use: the stack several test folders share
(tests/shared_stack.py, started once per session). Each test keeps to conversation ids,
customers and parcels of its own."""

from __future__ import annotations

import pytest
from shared_stack import SharedStack

from e2e.stack import AssistantStack


@pytest.fixture(scope="session")
def assistant(shared_stack: SharedStack) -> AssistantStack:
    """Rasa (models/) + action server on a temporary claims database with the demo parcels
    and their walk-in twins."""
    return shared_stack.stack
