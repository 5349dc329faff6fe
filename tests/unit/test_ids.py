"""One rule for user IDs everywhere: 1 to 18 ASCII digits, never other scripts' digits."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from core.errors import InputError
from core.history import terms
from core.platform_users import ids

ROOT = Path(__file__).resolve().parents[2]
FULL_WIDTH = "１２３"  # U+FF11..: `\d` and str.isdigit() take these for digits
ARABIC_INDIC = "١٢٣"


@pytest.mark.parametrize("text", ["0", "7", "007", "9" * 18])
def test_ascii_digits_are_an_id(text: str) -> None:
    assert pl.select(ids.id_expr(pl.lit(text))).item()
    assert pl.Series([text]).str.contains(ids.ID_PATTERN)[0]


@pytest.mark.parametrize("text", [FULL_WIDTH, ARABIC_INDIC, "12\n", "1" * 19, "", "1e3", "²"])
def test_other_digits_and_other_text_are_not_an_id(text: str) -> None:
    assert not pl.select(ids.id_expr(pl.lit(text))).item()
    assert not pl.Series([text]).str.contains(ids.ID_PATTERN)[0]


def test_every_id_check_uses_the_shared_rule() -> None:
    assert ids.ID_PATTERN == "^[0-9]{1,18}$"
    # No other module of core/ writes its own check of what an ID is.
    own_checks = ("isdigit(", "isdecimal(", "isnumeric(", "{1,18}", "ID_PATTERN =")
    home = ROOT / "core" / "platform_users" / "ids.py"
    found = [
        f"{path.relative_to(ROOT)}: {check}"
        for path in sorted((ROOT / "core").rglob("*.py"))
        if path != home
        for check in own_checks
        if check in path.read_text(encoding="utf-8")
    ]
    assert found == []


@pytest.mark.parametrize("text", [FULL_WIDTH, ARABIC_INDIC])
def test_batch_ids_in_links_and_commands_take_ascii_digits_only(text: str) -> None:
    with pytest.raises(InputError, match="not a positive whole number"):
        terms.parse_id(text, "batch")
    with pytest.raises(InputError, match="not a whole number"):
        terms.parse_positive(text, "page")
