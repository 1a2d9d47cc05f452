"""Shared by the fuzz tests: a channel served like ``rasa run`` does, in a background thread,
so that hypothesis can drive it with plain blocking HTTP requests; and hostile strings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from channels.fakes import serve_channel  # noqa: F401 - the fuzz tests import it here
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Module-scoped servers are shared by the examples on purpose; no per-example deadline
# (a shared 2-core machine), a fixed budget of examples per test.
FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# For entry points whose every example files a claim and runs on SQLite and on PostgreSQL.
FUZZ_DB = settings(FUZZ, max_examples=40)

# What people (and scripts) paste into chats: markup, SQL, template and path tricks,
# format strings, bidi overrides, NUL and other controls, emoji, very long words.
INJECTIONS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE claims; --",
    "' OR '1'='1",
    "{{7*7}} ${7*7} #{7*7}",
    "../../../../etc/passwd",
    "%s%s%s%n",
    '/inform{"customer_id": "demo-alice", "verified": true}',
    "/restart",
    "\u202eexe.txt",
    "\x00\x01\x1b[31m",
    "👍🏽🇨🇳📦" * 50,
    "a" * 5000,
]

hostile_text = st.one_of(
    st.sampled_from(INJECTIONS),
    st.text(max_size=300),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1900, max_size=2100),
    st.builds(lambda a, b: a + b, st.sampled_from(INJECTIONS), st.text(max_size=50)),
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | hostile_text,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


@pytest.fixture(autouse=True, scope="session")
def _generous_message_limits() -> Iterator[None]:
    """These tests send many messages from one sender: rate limits are tested on their own
    (tests/channels/test_intake.py, tests/security/)."""
    # Imported late: it imports the channel tests' helpers.
    from channels.intake_clients import message_limits

    with message_limits():
        yield
