"""The running assistant shared by the end-to-end tests (started once per session)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from e2e.stack import AssistantStack, start_assistant, trained_model


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AssistantStack]:
    """Rasa (models/) + action server on a temporary claims database with the demo parcels."""
    model = trained_model()
    if model is None:
        message = "no trained model in models/ (run `make train`)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    stack = start_assistant(tmp_path_factory.mktemp("assistant"), model)
    try:
        yield stack
    finally:
        stack.stop()
