"""Live pages share one recent read between tabs in timer runs, never in full runs."""

from __future__ import annotations

import pytest

from core.access.roles import Account, Role
from pages.ui import live


@pytest.fixture(autouse=True)
def _fresh() -> None:
    live.forget()


def test_a_read_is_shared_while_it_is_younger_than_its_age() -> None:
    calls: list[int] = []

    def read() -> int:
        calls.append(1)
        return len(calls)

    assert live.shared("k", read, max_age=60) == 1
    assert live.shared("k", read, max_age=60) == 1
    assert calls == [1]


def test_a_read_older_than_its_age_is_made_again() -> None:
    answers = iter([1, 2])
    assert live.shared("k", lambda: next(answers), max_age=0) == 1
    assert live.shared("k", lambda: next(answers), max_age=0) == 2


def test_each_key_has_its_own_answer_and_the_oldest_go_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(live, "MAX_ENTRIES", 2)
    live.shared("a", lambda: "A", max_age=60)
    live.shared("b", lambda: "B", max_age=60)
    live.shared("c", lambda: "C", max_age=60)
    assert live.shared("b", lambda: "new", max_age=60) == "B"
    assert live.shared("a", lambda: "new", max_age=60) == "new"  # evicted: read again


def test_outside_a_fragment_s_own_run_every_read_is_fresh() -> None:
    answers = iter([1, 2])
    assert not live.is_timer_run()  # no script run at all here
    assert live._polled("k", lambda: next(answers)) == 1
    assert live._polled("k", lambda: next(answers)) == 2


def test_every_admin_sees_the_same_batches_and_every_other_account_its_own() -> None:
    admins = {live.seen_by(Account(name, Role.ADMIN)) for name in ("ada", "bob")}
    others = [live.seen_by(Account(name, role)) for name, role in
              (("dev1", Role.DEV), ("dev2", Role.DEV), ("ana", Role.ANALYST))]  # fmt: skip
    assert len(admins) == 1
    assert len(set(others)) == 3 and not admins & set(others)
    # No account's name makes it see what admins see.
    assert live.seen_by(Account("all drafts", Role.DEV)) not in admins
