"""Each console route handler is a module-level function, called here without any server:
its dependencies, a request and a session are all it needs."""

from __future__ import annotations

import asyncio
from typing import Any

from handoff.claims_fixtures import file_claim
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse

from console.conftest import Desk
from cssecure.console import blueprint, supervisor
from cssecure.console.accounts import AgentSession

_app = Sanic("console_handlers_alone")


def _request(path: str, method: str = "GET") -> Request:
    from sanic.compat import Header

    return Request(path.encode(), Header(), "1.1", method, None, _app)  # type: ignore[arg-type]


def _session(desk: Desk) -> AgentSession:
    agent = desk.deps.directory.authenticate("alice", "correct horse battery")
    assert agent is not None
    _token, session = desk.deps.directory.open_session(agent)
    return session


def _run(coro: Any) -> HTTPResponse:
    result = asyncio.run(coro)
    assert isinstance(result, HTTPResponse)
    return result


def test_every_route_names_a_module_level_handler() -> None:
    for module in (blueprint, supervisor):
        for route in module.ROUTES:
            assert getattr(module, route.handler.__name__) is route.handler
            assert route.handler.__qualname__ == route.handler.__name__  # not a closure


def test_the_queue_handler_alone_lists_an_open_claim(desk: Desk) -> None:
    claim = file_claim(desk.engine)
    resp = _run(blueprint.queue(desk.deps, _request("/console/"), _session(desk)))
    assert resp.status == 200
    assert claim.reference in resp.body.decode()


def test_the_claim_handler_alone_shows_the_claim_and_404s_an_unknown_one(desk: Desk) -> None:
    claim = file_claim(desk.engine)
    session = _session(desk)
    shown = _run(
        blueprint.show_claim(
            desk.deps, _request(f"/console/claims/{claim.reference}"), session, claim.reference
        )
    )
    assert shown.status == 200 and f'id="reference">{claim.reference}<' in shown.body.decode()
    missing = _run(
        blueprint.show_claim(desk.deps, _request("/console/claims/CS-0"), session, "CS-0")
    )
    assert missing.status == 404


def test_the_page_guard_alone_sends_a_stranger_to_login_and_lets_an_agent_in(
    desk: Desk,
) -> None:
    seen: list[str] = []

    async def handler(deps: Any, request: Request, session: AgentSession) -> HTTPResponse:
        seen.append(session.agent.name)
        return HTTPResponse("ok")

    stranger = _run(blueprint.page_guard(desk.deps, handler, _request("/console/x?a=1")))
    assert stranger.status == 303
    assert stranger.headers["Location"] == "/console/login?next=%2Fconsole%2Fx%3Fa%3D1"
    assert seen == []

    agent = desk.deps.directory.authenticate("alice", "correct horse battery")
    assert agent is not None
    token, _ = desk.deps.directory.open_session(agent)
    request = _request("/console/x")
    request.headers["cookie"] = f"{blueprint.SESSION_COOKIE}={token}"
    assert _run(blueprint.page_guard(desk.deps, handler, request)).status == 200
    assert seen == ["alice"]
