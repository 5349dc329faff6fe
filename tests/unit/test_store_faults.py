"""A data file that cannot be written or read: plain words for the user, details in the log.

A full disk is made real without root tricks: after a checkpoint DuckDB has no write-ahead log
open, and a `<file>.wal` symlink to /dev/full makes its next commit fail with "No space left on
device", exactly as on a full disk. (chmod would not do: the tests run as root.)
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import duckdb
import pytest
from streamlit import config as st_config
from streamlit.elements import exception as st_exception
from streamlit.proto.Exception_pb2 import Exception as ExceptionProto

from core import store
from core.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_a_conflict_or_a_constraint_is_not_mistaken_for_a_store_failure() -> None:
    assert store.unavailable(duckdb.TransactionException("Conflict on tuple deletion")) is None
    assert store.unavailable(duckdb.ConstraintException("Duplicate key")) is None
    assert store.unavailable(duckdb.IOException("Could not set lock on file")) is None
    assert store.unavailable(ValueError("boom")) is None
    memory = store.unavailable(duckdb.OutOfMemoryException("could not allocate block"))
    assert memory is not None and memory.reason == store.OUT_OF_MEMORY


# --- no traceback reaches a browser ---------------------------------------------------------


def test_the_app_config_hides_error_details_from_browsers() -> None:
    client = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["client"]
    assert client["showErrorDetails"] == st_config.ShowErrorDetailsConfigOptions.NONE


def test_with_that_setting_an_uncaught_error_reaches_the_browser_without_trace_or_path(
    monkeypatch,
) -> None:
    value = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["client"][
        "showErrorDetails"
    ]
    monkeypatch.setattr(
        st_config, "get_option", lambda key: value if key == "client.showErrorDetails" else None
    )
    try:
        raise TypeError(f"int() argument must be a string, not 'list' in {ROOT}/pages/x.py")
    except TypeError as exc:
        proto = ExceptionProto()
        st_exception.marshall(proto, exc, apply_show_error_details=True)
    assert list(proto.stack_trace) == [] and proto.type == ""
    assert str(ROOT) not in proto.message and "int()" not in proto.message


def test_the_cli_in_process_also_reports_a_damaged_file_in_one_line(tmp_path, capsys) -> None:
    path = tmp_path / "random.duckdb"
    path.write_bytes(os.urandom(20_000))
    assert main(["--db", str(path), "quests"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "damaged" in err


def test_a_page_action_that_meets_a_damaged_file_shows_the_plain_error_not_a_traceback(
    monkeypatch,
) -> None:
    from pages.ui import session

    shown = []
    monkeypatch.setattr(session.st, "error", lambda text, **_kw: shown.append(text))

    def read_damaged() -> None:
        raise duckdb.IOException('Could not read enough bytes from file "/srv/x.duckdb"')

    assert session.attempt(read_damaged) is None
    assert len(shown) == 1 and "cannot be read" in shown[0] and "/srv" not in shown[0]

    def buggy_query() -> None:
        raise duckdb.CatalogException("Table with name x does not exist")

    with pytest.raises(duckdb.CatalogException):  # a real bug still surfaces
        session.attempt(buggy_query)
