"""Column widths that fit their text, for data grids whose cells must show whole sentences."""

from __future__ import annotations

from collections.abc import Iterable

# The grid's 14 px sans-serif is narrower than this per character on average (capitals and
# digits included); the padding is the cell's, both sides.
PX_PER_CHAR = 7.2
CELL_PADDING = 24


def fitting_width(texts: Iterable[object], minimum: int = 120, maximum: int = 720) -> int:
    """Return a column width in px wide enough for the longest text, within [minimum, maximum]."""
    longest = max((len(str(t)) for t in texts if t is not None), default=0)
    return max(minimum, min(maximum, round(longest * PX_PER_CHAR) + CELL_PADDING))
