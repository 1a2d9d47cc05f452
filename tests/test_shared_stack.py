"""The shared stack's plugin (tests/shared_stack.py) follows the suite's policy on a missing
model: a test that needs the stack fails, never skips (``trained_model``, tests/conftest.py;
``make test`` trains first)."""

from __future__ import annotations

from pathlib import Path

import pytest

import cssecure.ops.launch

pytest_plugins = ["pytester"]

A_TEST_ON_THE_SHARED_STACK = '''
def test_needs_the_shared_stack(shared_stack):
    pass
'''


def test_a_shared_stack_test_fails_without_a_trained_model(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The suite's own conftest (the plugins and trained_model), on no model at all.
    pytester.makeconftest((Path(__file__).parent / "conftest.py").read_text())
    pytester.makepyfile(A_TEST_ON_THE_SHARED_STACK)
    monkeypatch.delenv(cssecure.ops.launch.TEST_MODEL_VARIABLE, raising=False)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(cssecure.ops.launch, "newest_model", lambda *_: None)
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*no trained model in models/*"])
