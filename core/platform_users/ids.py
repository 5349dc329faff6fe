"""The one rule for what a typed or uploaded user ID is: 1 to 18 ASCII digits.

`\\d` in polars and Python regexes also matches other scripts' digits (full-width `１２３`,
Arabic-Indic `٣`), which then pass the check and fail a cast to an integer. Every ID check uses
these instead.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl


DIGITS = "[0-9]"  # ASCII only, unlike \\d
MAX_ID = 2**63 - 1  # every id (batch, quest, user) is a BIGINT in both stores
MAX_DIGITS = 18  # 18 digits always fit a BIGINT
ID_PATTERN = rf"^{DIGITS}{{1,{MAX_DIGITS}}}$"
NOT_AN_ID = f"“{{text}}” is not a User ID. Write it as 1 to {MAX_DIGITS} digits."
# fullmatch, not a `$` pattern: in Python `$` also matches before a final newline ("12\\n").
_DIGITS = re.compile(rf"{DIGITS}+")


def is_digits(text: str) -> bool:
    """Tell whether text is one or more ASCII digits (never full-width or other scripts')."""
    return _DIGITS.fullmatch(text) is not None


def id_expr(column: pl.Expr) -> pl.Expr:
    """Polars: true where the (trimmed) value is a user ID."""
    return column.str.contains(ID_PATTERN)
