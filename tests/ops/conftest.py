"""The running stack the stack tests of tests/ops share (started once per session): the
real action server and a Rasa server started by the launcher library as every test stack
starts one, its action calls going through a recording relay (``action_recorder``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from action_recorder import ALLOWED_ORIGIN, ActionRecorder, OpsStack

from cssecure.ops.launch import LocalStack, model_for_tests


@pytest.fixture(scope="session")
def ops_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpsStack]:
    model = model_for_tests()
    if model is None:
        pytest.fail("no trained model in models/: run `make train` first")
    stack = LocalStack.create(tmp_path_factory.mktemp("ops-stack"), model,
                              CSSECURE_CORS_ORIGINS=ALLOWED_ORIGIN)
    recorder = None
    try:
        actions = stack.action_server()
        recorder = ActionRecorder(f"{actions.url}/webhook")
        rasa = stack.rasa_server(recorder.start())
        yield OpsStack(stack, actions, rasa, recorder)
    finally:
        stack.stop()
        if recorder is not None:
            recorder.stop()
