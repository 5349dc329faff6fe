"""Read and click the batch list's data grid, which Streamlit draws on a canvas.

The grid keeps an accessible copy of its visible cells (`glide-cell-<column>-<row>`), which
gives the text; clicks go to where a column and row are drawn, computed from the column widths
the page sets (the grid shares any spare width evenly between its columns).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TypeVar

from playwright.sync_api import Locator, Page, expect

from pages.ui.batch_grid import COLUMNS, ROW_HEIGHT

FIELDS = [c.field for c in COLUMNS]
T = TypeVar("T")


def grid(page: Page) -> Locator:
    """The batch list's grid, once it shows rows."""
    frame = page.get_by_test_id("stDataFrame").first
    expect(frame.get_by_test_id("glide-cell-0-0")).to_be_attached()
    return frame


_SNAPSHOT = """el => {
    const table = el.querySelector('table[role=grid]');
    if (!table) return {expected: -1, rows: []};  // a new grid, not drawn yet
    const rows = [...table.querySelectorAll('tbody tr')].map(
        tr => [...tr.querySelectorAll('td')].map(td => td.textContent.trim()));
    return {expected: Number(table.getAttribute('aria-rowcount')) - 1, rows};
}"""


def rows(page: Page) -> list[list[str]]:
    """Every shown row's cell texts, once the grid has drawn all its rows and stopped changing
    (it redraws a moment after the app's run ends)."""
    last: dict | None = None
    for _ in range(60):
        snap = grid(page).evaluate(_SNAPSHOT)
        if snap["expected"] == len(snap["rows"]) and snap == last:
            return snap["rows"]
        last = snap
        page.wait_for_timeout(150)
    raise AssertionError(f"the grid did not settle: {last}")


def cell(page: Page, row: int, field: str) -> str:
    """The text of a cell, by row (0 = first) and field (see pages.ui.batch_grid.COLUMNS)."""
    return rows(page)[row][FIELDS.index(field)]


def column(page: Page, field: str) -> list[str]:
    """Every shown row's text in one column."""
    return [r[FIELDS.index(field)] for r in rows(page)]


def _wait(page: Page, find: Callable[[list[list[str]]], T | None], fail: str, timeout: float) -> T:
    """Poll the grid's rows until `find` returns something (not None); return it.

    A sort, a page or a live update reruns only part of the page, which the page's "running"
    state does not always show: tests wait for what they expect to see instead.
    """
    deadline = time.monotonic() + timeout
    while True:
        shown = rows(page)
        if (found := find(shown)) is not None:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{fail}: {shown}")
        page.wait_for_timeout(200)


def wait_column(
    page: Page, field: str, check: Callable[[list[str]], bool], what: str, timeout: float = 15
) -> list[str]:
    """Wait until a column's texts pass `check`, and return them."""
    i = FIELDS.index(field)

    def find(shown: list[list[str]]) -> list[str] | None:
        texts = [r[i] for r in shown]
        return texts if texts and check(texts) else None

    return _wait(page, find, f"the {field} column never became {what}", timeout)


def wait_for_cell(page: Page, title: str, field: str, pattern: str, timeout: float = 15) -> int:
    """Wait until the row titled `title` shows text matching `pattern` in `field`; its row."""
    name, i = FIELDS.index("name"), FIELDS.index(field)

    def find(shown: list[list[str]]) -> int | None:
        titles = [r[name] for r in shown]
        if title in titles and re.search(pattern, shown[row := titles.index(title)][i]):
            return row
        return None

    return _wait(page, find, f"{title!r} never showed /{pattern}/ in {field}", timeout)


def _x(page: Page, field: str) -> float:
    box = grid(page).bounding_box()
    assert box is not None
    widths = [c.width for c in COLUMNS]
    spare = max(0.0, (box["width"] - 2 - sum(widths)) / len(widths))
    i = FIELDS.index(field)
    return box["x"] + 1 + sum(widths[:i]) + spare * i + (widths[i] + spare) / 2


def _y(page: Page, row: int | None) -> float:
    """Where a row (None: the header) is drawn, scrolling the page so that it is on screen."""
    offset = ROW_HEIGHT * (0.5 if row is None else row + 1.5)
    box = grid(page).bounding_box()
    assert box is not None
    height = (page.viewport_size or {"height": 800})["height"]
    if not 80 < box["y"] + offset < height - 40:
        # Streamlit scrolls its main container, not the window: scroll whichever holds the grid.
        grid(page).evaluate(
            """(el, dy) => {
                let p = el.parentElement;
                while (p && !(p.scrollHeight > p.clientHeight &&
                              /(auto|scroll)/.test(getComputedStyle(p).overflowY))) {
                    p = p.parentElement;
                }
                (p || document.scrollingElement).scrollBy(0, dy);
            }""",
            box["y"] + offset - height / 2,
        )
        box = grid(page).bounding_box()
        assert box is not None
    return box["y"] + offset


def click_header(page: Page, field: str) -> None:
    """Click a column's header (the list sorts by it)."""
    y = _y(page, None)
    page.mouse.click(_x(page, field), y)


def click_open(page: Page, row: int) -> None:
    """Click the Edit (or View) button of a row."""
    y = _y(page, row)
    page.mouse.click(_x(page, "open"), y)
