"""Store-neutral SQL (core/store/shared/) as each store's base puts it in its own form."""

from __future__ import annotations

import pytest

from core.store.duckdb.base import Repository as DuckRepository
from core.store.postgres.base import Repository as PgRepository

NEUTRAL = "SELECT id FROM webhooks w WHERE w.id = ? AND strpos(w.events, ',' || ? || ',') > 0"


def test_duckdb_runs_store_neutral_sql_as_it_is() -> None:
    assert DuckRepository.sql(NEUTRAL) == NEUTRAL


def test_postgresql_reads_each_question_mark_as_a_psycopg_parameter() -> None:
    assert PgRepository.sql(NEUTRAL) == (
        "SELECT id FROM webhooks w WHERE w.id = %s AND strpos(w.events, ',' || %s || ',') > 0"
    )


@pytest.mark.parametrize(
    "text",
    [
        "SELECT id FROM api_tokens WHERE name LIKE 'a%'",
        "SELECT id FROM api_tokens WHERE name = ? AND prefix LIKE ? || '%'",
        "SELECT id FROM api_tokens WHERE name = 'why?'",
        "SELECT id FROM api_tokens WHERE name = 'it''s ?' AND id = ?",
    ],
)
def test_postgresql_refuses_a_percent_sign_or_a_quoted_question_mark(text: str) -> None:
    with pytest.raises(ValueError, match="not store-neutral SQL"):
        PgRepository.sql(text)
