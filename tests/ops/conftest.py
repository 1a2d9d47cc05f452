"""The running stack the stack tests of tests/ops use: the stack several test folders share
(tests/shared_stack.py, started once per session), the real action server and a Rasa server
started by the launcher library as every test stack starts one, its action calls going
through a recording relay (``action_recorder``)."""

from __future__ import annotations

import pytest
from action_recorder import OpsStack


@pytest.fixture(scope="session")
def ops_stack(request: pytest.FixtureRequest) -> OpsStack:
    # These tests fail without a model: checked before the shared stack is asked for.
    request.getfixturevalue("trained_model")
    stack: OpsStack = request.getfixturevalue("shared_stack")
    return stack
