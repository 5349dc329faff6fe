"""A duplicate keyed write that meets the first one still running (issue 17's review), on both
stores: it waits for the first to end and replays its answer, or does the write itself if the
first was rolled back; a unique key broken by the work itself is still its own refusal."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from core.access.roles import Account, Role
from core.api.idempotency import run_once
from core.errors import DuplicateKey, InputError

ADA = Account("ada", Role.ADMIN, via_token="ci-bot")
WAIT_S = 20  # a bound for a thread that should end long before, not a timing under test


def made(con) -> list[str]:
    rows = con.execute("SELECT key FROM settings WHERE key LIKE 'held-%' ORDER BY key").fetchall()
    return [r[0] for r in rows]


def writes(name: str) -> Callable:
    """A write leaving the settings row `name`, answering its name."""

    def work(u):
        u.settings.put(name, "x")
        return 201, {"made": name}

    return work


def second_waits_or_ends(con, second: threading.Thread, store_kind: str) -> None:
    """Until the second request waits on the first's key (PostgreSQL) or has ended (DuckDB,
    where a claim racing an open one passes and the later COMMIT loses)."""
    deadline = time.monotonic() + WAIT_S
    while second.is_alive() and time.monotonic() < deadline:
        if store_kind == "postgres":
            waiting = con.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            ).fetchall()[0][0]
            if waiting:
                return
        time.sleep(0.01)


def held_open(con, name: str, outcome: str, release: threading.Event, claimed: threading.Event):
    """The first request: claims the key, writes, then waits for `release` and commits or fails."""

    def work(u):
        u.settings.put(name, "x")
        claimed.set()
        assert release.wait(WAIT_S)
        if outcome == "rolls back":
            raise InputError("The first request was refused.")
        return 201, {"made": name}

    return lambda: run_once(con.cursor(), ADA, "same", "fp", work)


@pytest.mark.parametrize("outcome", ["commits", "rolls back"])
def test_a_duplicate_meeting_the_first_request_still_open_is_answered_once(
    con, store_kind: str, outcome: str
) -> None:
    claimed, release = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def run(label: str, job: Callable) -> None:
        try:
            results[label] = job()
        except Exception as exc:
            results[label] = exc

    first = threading.Thread(
        target=run, args=("first", held_open(con, "held-first", outcome, release, claimed))
    )
    first.start()
    assert claimed.wait(WAIT_S)
    second = threading.Thread(
        target=run,
        args=("second", lambda: run_once(con.cursor(), ADA, "same", "fp", writes("held-second"))),
    )
    second.start()
    second_waits_or_ends(con, second, store_kind)
    release.set()
    first.join(WAIT_S)
    second.join(WAIT_S)

    answers = [r for r in results.values() if isinstance(r, tuple)]
    if outcome == "rolls back":
        assert isinstance(results["first"], InputError)
        assert results["second"] == (201, {"made": "held-second"}, False)  # it did the write
        assert made(con) == ["held-second"]
    else:
        assert len(answers) == 2, results  # both answered; neither refused
        assert sorted(replayed for _s, _b, replayed in answers) == [False, True]
        assert len({body["made"] for _s, body, _r in answers}) == 1
        assert len(made(con)) == 1


def test_a_unique_key_broken_by_the_work_itself_is_refused_and_keeps_no_key(con) -> None:
    def breaks(u):
        u.settings.put("held-broken", "x")
        raise DuplicateKey("Another account has this email.")

    with pytest.raises(DuplicateKey):
        run_once(con, ADA, "own-key", "fp", breaks)
    status, _body, replayed = run_once(con, ADA, "own-key", "fp", writes("held-after"))

    assert (status, replayed) == (201, False)
    assert made(con) == ["held-after"]
