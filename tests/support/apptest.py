"""Helpers for AppTest: a demo store per module, and logging in through single sign-on.

AppTest cannot carry the login cookie, so these tests log in through the optional OIDC path
(`st.user` seeded by AppTest, mapped to an account by email), which is the same account lookup
the cookie path ends in.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.demo import content, loader
from pages.web import runtime
from tests.support.store import open_store, sql_view

ROOT = Path(__file__).resolve().parents[2]
# The script every page load runs: the one the served app names as its main script (app.py).
APP = str(ROOT / "pages" / "entry" / "router.py")
EMAILS = {u: e for u, _r, _p, e in content.DEMO_ACCOUNTS}
SSO = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-only-secret",
    "client_id": "test",
    "client_secret": "test",
    "server_metadata_url": "http://localhost/.well-known/openid-configuration",
}


def make_demo_store(path: Path, users: int = 1500) -> Path:
    """Create a demo data file at `path` and return it."""
    con = open_store(path)
    loader.fill(con, n_users=users)
    con.close()
    return path


def app_as(username: str | None, page: str | None = None, **query: str) -> AppTest:
    """Return an AppTest of the app, logged in as a demo account (None: logged out), ready to run.

    With `page` (a path from the repository root, e.g. "pages/screens/batch_list.py"), the app
    has run once already: AppTest maps a page file to its URL only after `st.navigation`
    registered the pages.
    """
    at = AppTest.from_file(APP, default_timeout=60)
    if username is not None:
        at.secrets["auth"] = SSO
        at.user = {"is_logged_in": True, "email": EMAILS.get(username, f"{username}@nowhere")}
    for key, value in query.items():
        at.query_params[key] = value
    if page:
        at.run()
        at.switch_page(page_path(page))
    return at


def page_path(page: str) -> str:
    """A page's path as AppTest's switch_page wants it: relative to the main script's folder."""
    return os.path.relpath(ROOT / page, Path(APP).parent)


def serve_demo_store(tmp: Path) -> Iterator[Path]:
    """Point the app at a fresh demo data file for a test module; close it afterwards."""
    path = make_demo_store(tmp / "demo.duckdb")
    mp = pytest.MonkeyPatch()
    mp.setenv("BATCH_UNLOCK_DB", str(path))
    yield path
    # Close the process's connections so the next module opens its own data file.
    runtime.close_all()
    mp.undo()


def app_cursor() -> object:
    """The app's own connection to the demo store (one per process), taking raw SQL."""
    return sql_view(runtime.unit_of_work())


def app_query(sql: str, params: list | None = None) -> list[tuple]:
    """Rows of a query on the store the app under test serves."""
    return app_cursor().execute(sql, params or []).fetchall()


def fresh_quest_and_users(n: int) -> tuple[int, list[int]]:
    """A usable quest and `n` active users who do not hold it."""
    quest = app_query(
        "SELECT q.id FROM quests q JOIN badges b ON b.id = q.badge_id "
        "WHERE NOT q.archived AND NOT b.archived ORDER BY q.id DESC LIMIT 1"
    )[0][0]
    users = [
        r[0]
        for r in app_query(
            "SELECT id FROM platform_users p WHERE active AND NOT EXISTS "
            "(SELECT 1 FROM unlocks WHERE user_id = p.id AND quest_id = ?) ORDER BY id LIMIT ?",
            [quest, n],
        )
    ]
    return quest, users
