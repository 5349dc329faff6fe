"""AppTest: store faults in the pages: a stalled publisher said plainly, a refused Publish in words."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import store
from core.access import sessions
from core.access.roles import Account, Role
from core.errors import StoreUnavailable
from core.publishing import throttle, unlocking, worker_thread
from pages.web import runtime
from tests.support.apptest import app_as, serve_demo_store
from tests.support.store import sql_view

LIST = "pages/screens/batch_list.py"
DETAIL = "pages/screens/batch_detail.py"
NEW = "pages/screens/new_batch.py"
STALLED = (
    "Publishing is stalled since {since}: the data file cannot be written (disk full or file "
    "permissions?). It resumes by itself when this is fixed."
)


@pytest.fixture(scope="module", autouse=True)
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A demo data file that the app of this module's tests serves."""
    yield from serve_demo_store(tmp_path_factory.mktemp("stall"))


@pytest.fixture
def stalled_publisher(monkeypatch: pytest.MonkeyPatch) -> Iterator[worker_thread.Worker]:
    """The app's publisher, running, with every chunk failing as on a full disk."""

    def full_disk(_cur, _limit=throttle.DEFAULT_CHUNK):
        raise StoreUnavailable("The data file cannot be written.", store.CANNOT_WRITE)

    monkeypatch.setattr(unlocking, "process_once", full_disk)
    publisher = runtime.current().start_worker()
    deadline = time.monotonic() + 20
    while not publisher.status().stalled:
        assert time.monotonic() < deadline, "the publisher never tried a chunk"
        time.sleep(0.02)
    yield publisher
    runtime.close_all()  # stops it and forgets it; the next page reopens the data file


def _since(publisher: worker_thread.Worker) -> str:
    # AppTest's viewer has no time zone of their own: the page shows UTC.
    return publisher.status().stalled_since.strftime("%Y-%m-%d %H:%M")


def test_the_page_of_a_running_batch_says_publishing_is_stalled_since_when_and_why(
    stalled_publisher,
) -> None:
    (batch_id,) = (
        sql_view(runtime.unit_of_work())
        .execute("SELECT id FROM batches WHERE status = 'in_progress' ORDER BY id LIMIT 1")
        .fetchall()[0]
    )
    at = app_as("analyst", DETAIL, id=str(batch_id)).run()
    assert not at.exception
    assert [w.value for w in at.warning] == [STALLED.format(since=_since(stalled_publisher))]


def test_the_batch_list_says_it_above_the_table_for_every_role(stalled_publisher) -> None:
    for role in ("analyst", "dev"):
        at = app_as(role, LIST).run()
        assert not at.exception
        shown = [w.value for w in at.warning]
        assert STALLED.format(since=_since(stalled_publisher)) in shown, role


def test_nothing_is_said_while_the_publisher_works() -> None:
    at = app_as("dev", LIST).run()
    assert not [w.value for w in at.warning if "stalled" in w.value]


# Last in this module: it fills the disk of the module's store (and frees it again after).
def test_publish_on_a_full_disk_shows_what_is_wrong_and_what_to_do(demo_store: Path) -> None:
    (draft,) = (
        sql_view(runtime.unit_of_work())
        .execute(
            "SELECT id FROM batches WHERE status = 'draft' AND created_by = 'dev' ORDER BY id LIMIT 1"
        )
        .fetchall()[0]
    )
    at = app_as("dev", NEW, draft=str(draft)).run()
    assert not at.exception
    sql_view(runtime.current().store()).execute(
        "CHECKPOINT"
    )  # no log file open: the next commit opens it
    wal = Path(f"{demo_store}.wal")
    wal.symlink_to("/dev/full")  # every commit now fails with "No space left on device"
    try:
        at.button(key=f"publish_{draft}").click().run()
        at.button(key=f"publish_yes_{draft}").click().run()  # the confirmation's own Publish
        assert not at.exception
        errors = [e.value for e in at.error]
        assert len(errors) == 1 and "cannot be written" in errors[0], errors
        assert "Free disk space" in errors[0] and ".wal" not in errors[0]
    finally:
        runtime.close_all()
        wal.unlink()
    status = sql_view(runtime.unit_of_work()).execute(
        "SELECT status FROM batches WHERE id = ?", [draft]
    )
    assert status.fetchall() == [("draft",)]


def test_log_out_everywhere_on_a_full_disk_says_what_is_wrong_not_a_redacted_error(
    demo_store: Path,
) -> None:
    # A write outside any page's own error handling (the account bar's) meets the full disk.
    at = app_as("dev", LIST).run()
    assert not at.exception
    sessions.start_session(runtime.unit_of_work(), Account("dev", Role.DEV))  # a session to end
    sql_view(runtime.current().store()).execute("CHECKPOINT")
    wal = Path(f"{demo_store}.wal")
    wal.symlink_to("/dev/full")
    try:
        at.button(key="log_out_everywhere").click().run()
        assert not at.exception
        errors = [e.value for e in at.error]
        assert any("cannot be written" in e and "Free disk space" in e for e in errors), errors
    finally:
        runtime.close_all()
        wal.unlink()
