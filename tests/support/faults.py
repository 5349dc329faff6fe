"""Damaged data files for the store-fault tests: a small complete file, and cuts of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.demo import loader
from tests.support.store import open_store


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a small, complete demo data file."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    con = open_store(path)
    loader.fill(con.cursor(), n_users=2000)
    con.close()
    return path.read_bytes()


def damaged(tmp_path: Path, data: bytes, fraction: float) -> Path:
    """Write the first `fraction` of a data file, as a full disk or a bad copy leaves it."""
    path = tmp_path / f"damaged_{int(fraction * 100)}.duckdb"
    path.write_bytes(data[: int(len(data) * fraction)])
    return path
