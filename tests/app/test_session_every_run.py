"""Every run checks who is logged in at that moment: callbacks, "Log out everywhere", the
publishing rate (admins only), and the upload limit the server and the app share.

AppTest cannot run a fragment on its own or a deferred download (tests/app/test_websocket_session.py
does, over the websocket); widget callbacks it does run, before the script, as the server does.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.access import sessions
from core.access.roles import Account, Role
from core.batches import add_one
from core.errors import PermissionDenied
from core.publishing import publish_rate
from core.upload import limits
from pages.ui import session
from pages.web import runtime
from tests.support.apptest import app_as, serve_demo_store
from tests.support.store import sql_view

ROOT = Path(__file__).resolve().parents[2]
LIST = "pages/screens/batch_list.py"
DETAIL = "pages/screens/batch_detail.py"


@pytest.fixture(scope="module", autouse=True)
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A demo data file that the app of this module's tests serves."""
    yield from serve_demo_store(tmp_path_factory.mktemp("every_run"))


def rows_per_page(at) -> object:
    """The batch list's "Rows per page" box (its callback puts the size in the URL)."""
    return next(s for s in at.selectbox if s.label == "Rows per page")


def test_a_widget_callback_after_the_login_ended_is_refused_before_it_acts() -> None:
    at = app_as("dev", LIST).run()
    assert not at.exception
    # The identity ends between two runs (as a logout in another tab ends the session).
    at.user = {"is_logged_in": False}
    rows_per_page(at).set_value(50).run()
    assert not at.exception
    assert session.NOT_LOGGED_IN in [w.value for w in at.warning]
    assert "size" not in at.query_params  # the callback did not run
    assert not at.dataframe


def test_a_widget_callback_acts_while_the_login_lasts() -> None:
    at = app_as("dev", LIST).run()
    rows_per_page(at).set_value(50).run()
    assert at.query_params["size"] == "50"


def test_log_out_everywhere_ends_every_session_of_the_account_and_only_those() -> None:
    cur = sql_view(runtime.unit_of_work())
    dev, analyst = Account("dev", Role.DEV), Account("analyst", Role.ANALYST)
    dev_tokens = [sessions.start_session(cur, dev) for _ in range(3)]
    analyst_token = sessions.start_session(cur, analyst)

    at = app_as("dev").run()
    at.button(key="log_out_everywhere").click().run()
    assert not at.exception
    assert [sessions.session_account(cur, t) for t in dev_tokens] == [None, None, None]
    assert sessions.session_account(cur, analyst_token) == analyst


def test_a_dev_sees_the_publishing_rate_but_only_an_admin_can_change_it() -> None:
    dev = app_as("dev", LIST).run()
    assert not [n for n in dev.number_input if n.label.startswith("Unlocks per second")]
    assert any("only an admin can change it" in c.value for c in dev.caption)
    admin = app_as("admin", LIST).run()
    assert [n for n in admin.number_input if n.label.startswith("Unlocks per second")]


def test_core_lets_only_admins_set_the_publishing_rate() -> None:
    cur = sql_view(runtime.unit_of_work())
    before = publish_rate.get_rate(cur)
    with pytest.raises(PermissionDenied, match="publishing rate"):
        publish_rate.set_rate(cur, Account("dev", Role.DEV), 0)
    assert publish_rate.get_rate(cur) == before
    publish_rate.set_rate(cur, Account("admin", Role.ADMIN), 123)
    assert publish_rate.get_rate(cur) == 123
    publish_rate.set_rate(cur, Account("admin", Role.ADMIN), before)


def test_a_write_with_the_account_of_an_ended_session_changes_nothing() -> None:
    # What a page passes to core is the account checked at that moment: None once ended.
    cur = sql_view(runtime.unit_of_work())
    token = sessions.start_session(cur, Account("dev", Role.DEV))
    sessions.end_session(cur, token)
    (batch_id,) = cur.execute(
        "SELECT id FROM batches WHERE status = 'published' ORDER BY id LIMIT 1"
    ).fetchall()[0]
    (before,) = cur.execute(
        "SELECT count(*) FROM batch_users WHERE batch_id = ?", [batch_id]
    ).fetchall()[0]
    with pytest.raises(PermissionDenied, match="not logged in"):
        add_one.add_single(cur, sessions.session_account(cur, token), batch_id, "id", "1")
    (after,) = cur.execute(
        "SELECT count(*) FROM batch_users WHERE batch_id = ?", [batch_id]
    ).fetchall()[0]
    assert after == before


def test_a_deferred_download_outside_any_session_builds_nothing() -> None:
    built: list[Account] = []
    download = session.deferred(lambda _cur, acct: built.append(acct) or "data")
    with pytest.raises(PermissionDenied, match="not logged in"):
        download()
    assert built == []


class _UnitOfWork:
    """A stand-in unit of work that tells whether it was closed."""

    closed = False

    def close(self) -> None:
        self.closed = True


def test_each_deferred_download_builds_on_a_unit_of_work_of_its_own_closed_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[_UnitOfWork] = []
    monkeypatch.setattr(runtime, "unit_of_work", lambda: made.append(_UnitOfWork()) or made[-1])
    dev = Account("dev", Role.DEV)
    # The session check reads the account through the download's own unit of work too.
    monkeypatch.setattr(
        session, "_account_of_session", lambda uow, _id: dev if uow is made[-1] else None
    )
    built: list[tuple[object, Account]] = []
    download = session.deferred(lambda uow, acct: built.append((uow, acct)) or "data")
    assert made == []  # drawing the button opens nothing: the click does
    assert download() == "data" and download() == "data"
    assert [uow for uow, _acct in built] == made and len(made) == 2
    assert all(uow.closed for uow in made) and [acct for _uow, acct in built] == [dev, dev]


def test_the_server_and_the_upload_box_cap_uploads_at_the_apps_own_limit() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    limit_mb = limits.MAX_FILE_BYTES // (1024 * 1024)
    assert config["server"]["maxUploadSize"] == limit_mb

    published = (
        sql_view(runtime.unit_of_work())
        .execute("SELECT id FROM batches WHERE status = 'published' ORDER BY id LIMIT 1")
        .fetchall()[0][0]
    )
    at = app_as("dev", DETAIL, id=str(published)).run()
    at.button(key=f"detail_{published}_upload").click().run()
    uploaders = at.get("file_uploader")
    assert uploaders, "the upload dialog shows its drop zone"
    assert uploaders[0].proto.max_upload_size_mb == limit_mb
