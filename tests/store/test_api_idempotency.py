"""Idempotency keys of API writes (core/api/idempotency.py, m010) on both stores: a write sent again
with its key is answered with the first answer and done once, also when both copies run at once."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from core.access.roles import Account, Role
from core.api import idempotency
from core.api.idempotency import KeyReused, run_once
from core.errors import InputError
from tests.support.threads import together

ADA = Account("ada", Role.ADMIN, via_token="ci-bot")
_n = itertools.count()


def make_one(status: int = 201):
    """A write that leaves one new settings row each time it commits, answering its name."""

    def work(u):
        name = f"made-{next(_n)}"
        u.settings.put(name, "x")
        return status, {"made": name, "at": datetime(2026, 12, 2, tzinfo=UTC)}

    return work


def made(con) -> int:
    return con.execute("SELECT count(*) FROM settings WHERE key LIKE 'made-%'").fetchall()[0][0]


def test_a_key_sent_twice_answers_the_first_answer_and_writes_once(con):
    first = run_once(con, ADA, "key-1", "fp", make_one())
    again = run_once(con, ADA, "key-1", "fp", make_one())

    assert first[0] == again[0] == 201
    assert first[2] is False and again[2] is True
    assert again[1] == {"made": first[1]["made"], "at": "2026-12-02T00:00:00+00:00"}
    assert made(con) == 1


def test_the_same_key_with_another_request_is_refused_and_does_nothing(con):
    run_once(con, ADA, "key-1", "fp-a", make_one())

    with pytest.raises(KeyReused, match="already used for another request"):
        run_once(con, ADA, "key-1", "fp-b", make_one())
    assert made(con) == 1


def test_keys_are_apart_per_account_and_per_token(con):
    other_token = Account("ada", Role.ADMIN, via_token="laptop")
    other_account = Account("dan", Role.DEV, via_token="ci-bot")

    answers = [
        run_once(con, who, "key-1", "fp", make_one()) for who in (ADA, other_token, other_account)
    ]

    assert [replayed for _s, _b, replayed in answers] == [False, False, False]
    assert made(con) == 3


def test_a_write_that_fails_keeps_no_key_so_sending_it_again_runs_it(con):
    def refused(u):
        u.settings.put("made-refused", "x")
        raise InputError("The batch has no name.")

    with pytest.raises(InputError):
        run_once(con, ADA, "key-1", "fp", refused)
    status, _body, replayed = run_once(con, ADA, "key-1", "fp", make_one())

    assert (status, replayed) == (201, False)
    assert made(con) == 1  # the refused write's row was rolled back with it


def test_a_key_older_than_a_day_is_new_again_and_purged(con):
    run_once(con, ADA, "old", "fp-a", make_one())
    day_ago = datetime.now(UTC) - idempotency.KEEP - timedelta(minutes=1)
    con.execute("UPDATE api_idempotency SET created_at = ? WHERE idem_key = 'old'", [day_ago])

    status, _body, replayed = run_once(con, ADA, "old", "fp-b", make_one())  # no KeyReused
    assert (status, replayed) == (201, False)
    con.execute("UPDATE api_idempotency SET created_at = ? WHERE idem_key = 'old'", [day_ago])
    run_once(con, ADA, "fresh", "fp", make_one())

    assert idempotency.purge(con) == 1
    keys = con.execute("SELECT idem_key FROM api_idempotency").fetchall()
    assert keys == [("fresh",)]


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "é"])
def test_a_key_that_is_not_1_to_255_printable_ascii_characters_is_refused(con, key):
    with pytest.raises(InputError, match="1 to 255 printable"):
        run_once(con, ADA, key, "fp", make_one())
    assert made(con) == 0


@pytest.mark.slow
@pytest.mark.parametrize("attempt", range(3))
def test_duplicates_sent_at_the_same_moment_write_once_and_get_one_answer(con, attempt):
    cursors = [con.cursor() for _ in range(3)]

    results = together(*(lambda u=u: run_once(u, ADA, "same", "fp", make_one()) for u in cursors))

    assert all(isinstance(r, tuple) for r in results), results
    assert sorted(r[2] for r in results) == [False, True, True]
    assert len({r[1]["made"] for r in results}) == 1
    assert made(con) == 1
