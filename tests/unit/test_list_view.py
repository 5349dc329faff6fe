"""The batch list's one current view, its grid's widths, and the page HTML's base-URL hint."""

from __future__ import annotations

import ast
from pathlib import Path

from streamlit import config

from pages.ui import batch_grid
from pages.ui.text_width import fitting_width
from pages.web.base_url import base_url_script

ROOT = Path(__file__).resolve().parents[2]


def test_the_hint_follows_a_configured_base_url_path() -> None:
    config.set_option("server.baseUrlPath", "/tools/unlock/")
    try:
        assert b'window.location.origin+"/tools/unlock"' in base_url_script()
    finally:
        config.set_option("server.baseUrlPath", "")


def test_the_grid_fits_the_list_at_1100_px_wide() -> None:
    # 1,100 px less the page's 3rem side paddings (app.css) and the grid's border.
    assert sum(c.width for c in batch_grid.COLUMNS) <= 1100 - 2 * 48 - 2
    assert [c.field for c in batch_grid.COLUMNS][-2:] == ["status", "open"]


def test_a_reason_column_is_as_wide_as_its_longest_reason() -> None:
    reasons = ["The user was deleted from the platform after being added to the batch.", "x"]
    assert fitting_width(reasons) >= len(reasons[0]) * 7
    assert fitting_width([]) == 120
    assert fitting_width(["y" * 500]) == 720


def _callback_views(source: str) -> list[str]:
    """The names each lambda/def of the list page builds its next view from."""
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("changed", "with_page", "sorted_by", "cleared")
        ):
            found.append(ast.unparse(node.func.value))
    return found


def test_every_callback_of_the_list_builds_on_the_view_of_that_moment() -> None:
    source = (ROOT / "pages" / "screens" / "batch_list.py").read_text()
    views = _callback_views(source)
    assert views, "the list page builds no view"
    # `flt` is the view the last full run read: a sort made in the table's fragment since
    # then is not in it.
    assert "flt" not in views and "view_now()" in views, views
