"""What the stack tests of tests/ops use of the stack several test folders share
(tests/shared_stack.py, started once per session): the recording relay between its Rasa
server and its action server (tests/ops/test_patches_in_force.py looks at what Rasa sends)
and the one origin it answers CORS for (tests/ops/test_stack_secrets.py)."""

from __future__ import annotations

from shared_stack import ALLOWED_ORIGIN, ActionRecorder, Call, SharedStack

__all__ = ["ALLOWED_ORIGIN", "ActionRecorder", "Call", "OpsStack"]

# The shared stack as tests/ops sees it: ``stack`` (env, tokens, logs), its two servers and
# the relay between them.
OpsStack = SharedStack
