"""The one-time "Create the first admin account" page of a store that has no account yet."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware

from core.access import accounts, sessions
from core.access.roles import Account, Role
from pages.web import auth, runtime
from pages.web.guard import LoginGuard
from tests.support.asgi import Reply, login_app, request


@pytest.fixture
def empty_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The login routes on a new data file that is not the default one: no account in it."""
    db = tmp_path / "typo.duckdb"
    monkeypatch.setenv("BATCH_UNLOCK_DB", str(db))
    monkeypatch.delenv("BATCH_UNLOCK_DEMO", raising=False)
    yield db
    runtime.close_all()


def setup_post(password2: str = "first-admin-pass", **headers: str) -> Reply:
    return request(
        login_app(),
        "POST",
        "/setup",
        form={"username": "boss", "password": "first-admin-pass", "password2": password2},
        headers=headers,
    )


def test_a_store_without_accounts_leads_from_login_to_the_setup_form(empty_store: Path) -> None:
    login = request(login_app(), "GET", "/login?next=/batch-unlock")
    assert login.status == 303 and login.header("location") == "/setup"
    form = request(login_app(), "GET", "/setup")
    assert form.status == 200
    assert "Create the first admin account" in form.text
    assert 'name="password2"' in form.text
    assert form.header("x-frame-options") == "DENY"
    assert "frame-ancestors 'none'" in form.header("content-security-policy")


def test_the_setup_form_creates_an_admin_and_logs_it_in(empty_store: Path) -> None:
    created = setup_post()
    assert created.status == 303 and created.header("location") == "/"
    cookie = created.header("set-cookie")
    assert cookie.startswith(f"{auth.COOKIE}=") and "httponly" in cookie.lower()
    token = cookie.split(";")[0].split("=", 1)[1]
    assert sessions.session_account(runtime.unit_of_work(), token) == Account("boss", Role.ADMIN)


def test_the_setup_form_is_gone_once_an_account_exists(empty_store: Path) -> None:
    assert setup_post().status == 303
    again = request(
        login_app(),
        "POST",
        "/setup",
        form={"username": "mallory", "password": "takeover-pass", "password2": "takeover-pass"},
    )
    assert again.status == 303 and again.header("location") == "/login"
    page = request(login_app(), "GET", "/setup")
    assert page.status == 303 and page.header("location") == "/login"
    assert request(login_app(), "GET", "/login").status == 200
    assert accounts.list_accounts(runtime.unit_of_work())["username"].to_list() == ["boss"]


def test_the_setup_form_refuses_two_different_passwords_and_short_ones(
    empty_store: Path,
) -> None:
    mismatch = setup_post(password2="other-password")
    assert mismatch.status == 400 and "The two passwords differ" in mismatch.text
    short = request(
        login_app(), "POST", "/setup", form={"username": "boss", "password": "x", "password2": "x"}
    )
    assert short.status == 400 and "too short" in short.text
    assert not accounts.has_accounts(runtime.unit_of_work())


def test_the_setup_form_refuses_a_post_from_another_site(empty_store: Path) -> None:
    refused = setup_post(Origin="https://evil.example")
    assert refused.status == 403
    assert not accounts.has_accounts(runtime.unit_of_work())


def test_the_guard_lets_a_visitor_without_a_session_reach_the_setup_form(
    empty_store: Path,
) -> None:
    guarded = Starlette(routes=auth.ROUTES, middleware=[Middleware(LoginGuard)])
    page = request(guarded, "GET", "/setup")
    assert page.status == 200 and "Create the first admin account" in page.text
