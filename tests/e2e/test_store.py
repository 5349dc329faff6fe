"""The data file: migrations, upgrades, refusals, locking and retried write conflicts."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from core.errors import DatabaseLocked
from tests.support.store import open_store


def test_a_file_held_by_another_process_is_reported_in_plain_words(db_path: Path) -> None:
    open_store(db_path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(db_path)!r})
            print("ready", flush=True)
            sys.stdin.read()
        """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(DatabaseLocked) as caught:
            open_store(db_path)
        assert str(db_path) in str(caught.value)
        assert "another process" in str(caught.value)
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
        holder.stdout.close()
