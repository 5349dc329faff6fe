"""Login throttling: per (name, address), counted before the password check, alike for everyone.

Concurrency tests send attempts from threads, each with its own cursor, as the web server's
worker threads do.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.access import accounts, client_address
from core.access.roles import Account, Role
from pages.web import auth, runtime
from tests.support.asgi import login_app, request

ROOT = Account("root", Role.ADMIN)
ATTACKER = "203.0.113.66"


# Through the real /login route.


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The login routes on a fresh store holding the account admin / right-password."""
    db = tmp_path / "served.duckdb"
    monkeypatch.setenv("BATCH_UNLOCK_DB", str(db))
    monkeypatch.delenv(client_address.TRUSTED_PROXIES_ENV, raising=False)
    accounts.add_account(runtime.unit_of_work(), ROOT, "admin", "admin", "right-password")
    yield db
    runtime.close_all()


def post_login(password: str, client: str = ATTACKER, **headers: str):
    return request(
        login_app(),
        "POST",
        "/login",
        form={"username": "admin", "password": password, "next": "/"},
        headers=headers,
        client=client,
    )


def test_the_login_route_throttles_per_client_address(served: Path) -> None:
    for _ in range(5):
        assert post_login("guess").status == 401
    refused = post_login("right-password")
    assert refused.status == 401 and "Too many failed attempts" in refused.text
    assert refused.header("set-cookie") is None
    elsewhere = post_login("right-password", client="198.51.100.20")
    assert elsewhere.status == 303 and auth.COOKIE in elsewhere.header("set-cookie")


def test_the_login_route_ignores_forwarded_for_unless_the_proxy_is_trusted(
    served: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Untrusted: forging X-Forwarded-For does not get the attacker a fresh address.
    for k in range(5):
        post_login("guess", client="127.0.0.1", **{"X-Forwarded-For": f"198.51.100.{k}"})
    assert post_login("right-password", client="127.0.0.1").status == 401
    # Trusted proxy on 127.0.0.1: each forwarded client is counted on its own.
    monkeypatch.setenv(client_address.TRUSTED_PROXIES_ENV, "127.0.0.1")
    for _ in range(5):
        post_login("guess", client="127.0.0.1", **{"X-Forwarded-For": ATTACKER})
    behind_proxy = {"X-Forwarded-For": "198.51.100.20"}
    assert post_login("right-password", client="127.0.0.1", **behind_proxy).status == 303
    attacker = {"X-Forwarded-For": f"10.0.0.1, {ATTACKER}"}
    assert post_login("right-password", client="127.0.0.1", **attacker).status == 401


def test_the_login_route_holds_answers_for_a_name_many_addresses_fail_on(
    served: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pauses: list[float] = []

    async def record(seconds: float) -> None:
        pauses.append(seconds)

    monkeypatch.setattr(auth, "_pause", record)
    assert post_login("right-password", client="198.51.100.20").status == 303
    assert pauses == []
    for k in range(10):
        post_login("guess", client=f"203.0.113.{k}")
    assert post_login("right-password", client="198.51.100.20").status == 303
    assert pauses and pauses[-1] > 0


def test_the_login_page_refuses_to_be_framed(served: Path) -> None:
    page = request(login_app(), "GET", "/login")
    assert page.status == 200
    assert page.header("x-frame-options") == "DENY"
    csp = page.header("content-security-policy")
    assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
    assert "default-src 'self'" in csp
    failed = post_login("guess")
    assert failed.header("x-frame-options") == "DENY"


def post_through_uvicorn(password: str, client: str, forwarded_for: str):
    """A login post as Streamlit's server hands it on: uvicorn's own proxy-header middleware
    (which believes X-Forwarded-For from loopback by default) in front of the routes."""
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    return request(
        ProxyHeadersMiddleware(login_app(), trusted_hosts="127.0.0.1,::1"),
        "POST",
        "/login",
        form={"username": "admin", "password": password, "next": "/"},
        headers={"X-Forwarded-For": forwarded_for},
        client=client,
    )


def test_a_client_on_the_same_host_gets_no_fresh_address_from_uvicorns_forwarded_for(
    served: Path,
) -> None:
    # uvicorn rewrites the peer from the header before the app sees it; each guess naming a
    # new address must still count against the one address that really connected.
    for k in range(5):
        assert post_through_uvicorn("guess", "127.0.0.1", f"10.99.0.{k}").status == 401
    refused = post_through_uvicorn("right-password", "127.0.0.1", "10.99.0.200")
    assert refused.status == 401 and "Too many failed attempts" in refused.text
    # A remote client is its own address, whatever it writes into the header.
    assert post_through_uvicorn("right-password", "198.51.100.7", "10.99.0.201").status == 303


def test_a_victims_address_cannot_be_locked_out_by_naming_it_in_the_header(
    served: Path,
) -> None:
    for _ in range(5):
        post_through_uvicorn("guess", "127.0.0.1", "198.51.100.30")
    victim = post_login("right-password", client="198.51.100.30")
    assert victim.status == 303


def test_a_flood_of_logins_is_answered_at_once_in_words_without_queueing(
    served: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auth._logins, "waiting", auth.MAX_LOGINS_WAITING)
    busy = post_login("right-password", client="198.51.100.40")
    assert busy.status == 503 and auth.LOGINS_BUSY in busy.text
    assert busy.header("set-cookie") is None
    monkeypatch.setattr(auth._logins, "waiting", 0)
    assert post_login("right-password", client="198.51.100.40").status == 303
    assert auth._logins.waiting == 0
