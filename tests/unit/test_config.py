"""Settings: a postgresql:// URL selects PostgreSQL, anything else is a DuckDB file."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import store
from core.config import DEFAULT_DB, Settings, database_path, is_postgres

URL = "postgresql://ann:secret@db.internal:5432/batches"


def test_a_postgresql_url_selects_postgresql_and_stays_a_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BATCH_UNLOCK_DB", URL)
    settings = Settings.from_env()
    assert settings.on_postgres and settings.database == URL
    assert database_path() == URL and is_postgres("postgres://x@y/z")


def test_anything_else_is_a_duckdb_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BATCH_UNLOCK_DB", str(tmp_path / "x.duckdb"))
    settings = Settings.from_env()
    assert not settings.on_postgres and settings.database == (tmp_path / "x.duckdb").resolve()
    monkeypatch.delenv("BATCH_UNLOCK_DB")
    assert database_path() == DEFAULT_DB


def test_a_database_never_gets_demo_data_unless_init_demo_asks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BATCH_UNLOCK_DB", URL)
    monkeypatch.setenv("BATCH_UNLOCK_DEMO", "1")
    assert Settings.from_env().wants_demo() is False


def test_a_database_is_described_without_its_password() -> None:
    assert store.describe(URL) == "database db.internal:5432/batches"
    assert store.describe("data/x.duckdb") == "data file data/x.duckdb"
