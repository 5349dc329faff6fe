"""The start-up warm-up: what it imports and reads, and that a failure does not stop the app."""

from __future__ import annotations

import sys

import pytest

from pages.web import warmup


def test_warm_up_imports_what_a_first_page_imports_on_demand() -> None:
    done = warmup.import_libraries()
    assert {"pandas", "pyarrow", "streamlit.elements.arrow"} <= set(done)
    assert all(name in sys.modules for name in done)


def test_warm_up_runs_the_store_reads_it_is_given() -> None:
    reads: list[str] = []
    warmup.warm_up(lambda: reads.append("read"))
    assert reads == ["read"]


def test_a_store_read_that_fails_is_logged_and_does_not_stop_the_warm_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken() -> None:
        raise OSError("disk gone")

    warmup.start(broken).join(timeout=30)
    assert "Warm-up: reading the store failed" in caplog.text
