"""Fixtures shared by the tests of the trained NLU model."""

from __future__ import annotations

import pytest
from rasa.core.agent import Agent

from cssecure.ops.stack import newest_model
from cssecure.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def agent() -> Agent:
    """The newest trained model in models/, loaded once per test module."""
    model = newest_model(PROJECT_ROOT / "models")
    if model is None:
        pytest.fail("no model in models/: run `make train` first")
    return Agent.load(str(model))
