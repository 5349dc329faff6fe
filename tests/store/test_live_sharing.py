"""Live pages' timer runs share reads between tabs that would see the same rows, and only those."""

from __future__ import annotations

import pytest

from core.access.roles import Account, Role
from core.batches.errors import BatchNotVisible
from core.history.view import BatchFilter
from pages.ui import live
from tests.support.publish import make_batch

ACTIVE = range(1, 10)  # small_world: users 1-9 are active


@pytest.fixture
def timer_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a fragment's own rerun, with nothing shared yet."""
    live.forget()
    monkeypatch.setattr(live, "is_timer_run", lambda: True)
    yield
    live.forget()


def test_two_admins_share_the_list_page_a_timer_run_read(small_world, accounts, timer_runs):
    cur = small_world
    make_batch(cur, ACTIVE)
    other_admin = Account("second-admin", Role.ADMIN)
    first = live.list_table(cur, accounts["admin"], BatchFilter(), "UTC")
    assert live.list_table(cur, other_admin, BatchFilter(), "UTC") is first


def test_a_dev_does_not_get_the_list_an_admin_read(small_world, accounts, timer_runs):
    cur = small_world
    make_batch(cur, ACTIVE)
    first = live.list_table(cur, accounts["admin"], BatchFilter(), "UTC")
    assert live.list_table(cur, accounts["dev"], BatchFilter(), "UTC") is not first
    assert live.list_table(cur, accounts["admin"], BatchFilter(), "Europe/Paris") is not first


def test_a_shared_batch_read_is_still_checked_for_its_viewer(small_world, accounts, timer_runs):
    cur = small_world
    draft = make_batch(cur, ACTIVE)  # a draft of the admin "ada"
    assert live.batch(cur, draft, accounts["admin"]).id == draft  # read, and now shared
    with pytest.raises(BatchNotVisible):
        live.batch(cur, draft, accounts["dev"])  # someone else's draft, shared read or not


def test_a_full_run_never_takes_a_shared_read(small_world, accounts, monkeypatch):
    cur = small_world
    live.forget()
    monkeypatch.setattr(live, "is_timer_run", lambda: False)
    first = live.list_table(cur, accounts["admin"], BatchFilter(), "UTC")
    assert live.list_table(cur, accounts["admin"], BatchFilter(), "UTC") is not first
