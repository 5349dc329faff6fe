"""Store-neutral SQL (core/store/shared/) as each store's base puts it in its own form."""

from __future__ import annotations

from pathlib import Path

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
        "SELECT id FROM api_tokens -- which one?\nWHERE id = ?",
        "SELECT id /* why? */ FROM api_tokens WHERE id = ?",
        'SELECT "odd?" FROM api_tokens WHERE id = ?',
        "SELECT $$why?$$, id FROM api_tokens WHERE id = ?",
        "SELECT id FROM hooks WHERE tags ?| ? AND id = ?",
    ],
)
def test_postgresql_refuses_a_percent_sign_or_a_quoted_question_mark(text: str) -> None:
    with pytest.raises(ValueError, match="not store-neutral SQL"):
        PgRepository.sql(text)


def test_every_shared_statement_reads_as_postgresql_sql() -> None:
    # Each statement of core/store/shared/ goes through the translation without a refusal.
    import ast

    from core.store import shared

    folder = Path(shared.__file__).parent
    texts = [
        node.value
        for path in sorted(folder.glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "?" in node.value
    ]
    assert texts  # the shared statements are found
    for text in texts:
        assert "?" not in PgRepository.sql(text)
