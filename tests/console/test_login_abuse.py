"""Console sign-in under abuse (issue 16, point 4): growing delays per source address and
name (a wrong password from one address never locks the agent out from another), and
password checks in their own bounded pool (other pages stay served during a burst)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from console.conftest import ADDRESS_HEADER, PASSWORD, Console, csrf_of
from cssecure.console import accounts
from cssecure.console.security import hash_workers, password_pool


def attempt(console: Console, name: str, password: str, address: str) -> requests.Response:
    browser = requests.Session()
    browser.headers[ADDRESS_HEADER] = address
    page = browser.get(f"{console.url}/console/login")
    return browser.post(
        f"{console.url}/console/login",
        data={"csrf_token": csrf_of(page.text), "name": name, "password": password, "next": ""},
        allow_redirects=False,
    )


def test_wrong_passwords_slow_down_that_address_and_name_only(console: Console) -> None:
    attacker, agent_desk = "203.0.113.66", "10.20.30.40"
    statuses = [attempt(console, "alice", "not the password", attacker).status_code
                for _ in range(4)]
    assert statuses == [401] * 4  # 3 free failures; the 4th starts a delay
    # Now that pair waits, even with the right password; the page says for how long.
    refused = attempt(console, "alice", PASSWORD, attacker)
    assert refused.status_code == 429
    assert "try again in" in refused.text
    # The agent, from their own address, signs in at once.
    assert attempt(console, "alice", PASSWORD, agent_desk).status_code == 303
    # The attacker's address may still try other names (each with its own count).
    assert attempt(console, "bob", "not the password", attacker).status_code == 401


def test_the_delays_grow_with_each_further_failure(console: Console) -> None:
    lim = console.deps.limits
    assert lim is not None
    address = "198.51.100.9"
    for _ in range(4):
        assert attempt(console, "alice", "wrong!", address).status_code == 401
    delays = [lim.login_delay("alice", address)]
    for _ in range(3):  # each further failure doubles it
        lim.login_failed("alice", address)
        delays.append(lim.login_delay("alice", address))
    assert delays[0] >= 1 and delays == sorted(delays) and delays[-1] >= 4 * delays[0]


def test_sign_in_attempts_per_address_are_capped(console: Console) -> None:
    from cssecure.security.limits import LimitSettings, RateLimits

    lim = RateLimits(LimitSettings.from_env({"CSSECURE_RATE_LOGIN_PER_ADDRESS": "3/minute"}))
    object.__setattr__(console.deps, "limits", lim)
    address = "192.0.2.200"
    statuses = [attempt(console, f"ghost{i}", "x" * 12, address).status_code for i in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    assert attempt(console, "alice", PASSWORD, "192.0.2.201").status_code == 303


def test_sixteen_parallel_sign_ins_wait_in_the_small_pool_while_pages_are_served(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent = console.login()  # signed in before the burst
    release = threading.Event()
    lock = threading.Lock()
    running = 0
    most = 0
    threads: set[str] = set()

    def slow_check(*_args: Any, **_kwargs: Any) -> bool:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
            threads.add(threading.current_thread().name)
        release.wait(20)
        with lock:
            running -= 1
        return False

    monkeypatch.setattr(accounts, "verify_password", slow_check)
    monkeypatch.setattr(accounts, "burn_password_check", slow_check)
    workers = hash_workers()
    assert password_pool()._max_workers == workers <= 4

    with ThreadPoolExecutor(16) as burst:
        futures = [
            burst.submit(attempt, console, f"ghost{i}", "guess" * 3, f"10.66.0.{i}")
            for i in range(16)
        ]
        deadline = threading.Event()
        for _ in range(200):
            with lock:
                if running == workers:
                    break
            deadline.wait(0.05)
        # The pool is full and 16 - workers sign-ins wait; other pages answer meanwhile.
        queue = agent.get(f"{console.url}/console/", timeout=5)
        assert queue.status_code == 200 and "Claims queue" in queue.text
        with lock:
            assert running == workers
        release.set()
        statuses = [f.result(timeout=30).status_code for f in futures]
    assert statuses == [401] * 16
    assert most == workers
    assert threads and all(name.startswith("cssecure-password") for name in threads)
