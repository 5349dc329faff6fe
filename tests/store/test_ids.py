"""One rule for user IDs everywhere: 1 to 18 ASCII digits, never other scripts' digits."""

from __future__ import annotations

import polars as pl
import pytest

from core.batches import add_one, errors, matching, row_status
from core.platform_users import directory
from core.upload.user_list import from_values
from tests.support.world import admin

FULL_WIDTH = "１２３"  # U+FF11..: `\d` and str.isdigit() take these for digits


def test_a_full_width_id_in_a_user_import_is_rejected_instead_of_crashing_the_cast(
    small_world,
) -> None:
    rows = pl.DataFrame(
        [(FULL_WIDTH, "wide", "wide@x.org"), ("60", "fine", "fine@x.org")],
        schema=["id", "username", "email"],
        orient="row",
    )
    report = directory.import_users(small_world, admin, rows)
    assert report.rejected == [{"row": 2, "reason": "id is not a whole number"}]
    assert report.added == 1


def test_a_full_width_id_in_an_upload_is_not_found_as_any_user(batch_world) -> None:
    upload = from_values(ids=[FULL_WIDTH, "3"])
    result = matching.preview(batch_world, upload, 1)
    assert result.rows.select("id", "status", "user_id").rows() == [
        (FULL_WIDTH, row_status.NOT_FOUND, None),
        ("3", row_status.OK, 3),
    ]


def test_adding_a_full_width_id_by_hand_says_an_id_has_digits_0_to_9(
    batch_world, draft, accounts
) -> None:
    with pytest.raises(errors.UserNotFound, match=r"A user ID has digits only \(0-9\)"):
        add_one.add_single(batch_world, accounts["dev"], draft, "id", FULL_WIDTH)
