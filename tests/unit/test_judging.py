"""Judging uploaded rows in polars, without a store: the statuses from the matched frame."""

from __future__ import annotations

import polars as pl

from core.batches import judging, mismatch_detail, row_status
from core.upload.user_list import from_values

MATCHED_SCHEMA = {
    "row": pl.Int64,
    "user_id": pl.Int64,
    "field": pl.Int32,
    "active": pl.Boolean,
    "in_batch": pl.Boolean,
    "unlocked": pl.Boolean,
}


def matched(*hits: tuple) -> pl.DataFrame:
    """A matched frame as the store returns it: (row, user_id, field, active, in_batch, unlocked)."""
    return pl.DataFrame(list(hits), schema=MATCHED_SCHEMA, orient="row")


def test_the_keys_hold_the_id_as_a_number_and_the_normal_forms() -> None:
    rows = from_values(ids=["12", "１２", None], usernames=[None, " Sam ", "x"]).rows
    keys = judging.match_keys(rows)
    assert keys["id_num"].to_list() == [12, None, None]
    assert keys["username_norm"].to_list() == [None, "sam", "x"]
    assert keys["filled"].to_list() == [1, 3, 2]


def test_each_row_gets_its_status_from_the_users_it_matches() -> None:
    rows = from_values(ids=["1", "2", "3", "4", "5", "1", "9"]).rows
    keys = judging.match_keys(rows)
    hits = matched(
        (2, 1, 1, True, False, False),
        (3, 2, 1, True, True, False),
        (4, 3, 1, True, False, True),
        (5, 4, 1, False, False, False),
        (6, 5, 1, True, False, False),
        (7, 1, 1, True, False, False),
    )  # rows are numbered from 2, as in a file with a header
    judged = judging.judge(keys, hits)
    assert judged.rows() == [
        (2, row_status.OK, 1),
        (3, row_status.ALREADY_IN_BATCH, 2),
        (4, row_status.ALREADY_UNLOCKED, 3),
        (5, row_status.INACTIVE, 4),
        (6, row_status.OK, 5),
        (7, row_status.DUPLICATE, 1),
        (8, row_status.NOT_FOUND, None),
    ]


def test_a_row_whose_fields_name_different_users_is_a_mismatch() -> None:
    rows = from_values(ids=["1"], usernames=["bo"]).rows
    keys = judging.match_keys(rows)
    hits = matched((2, 1, 1, True, False, False), (2, 2, 2, True, False, False))
    judged = judging.judge(keys, hits)
    assert judged.rows() == [(2, row_status.MISMATCH, None)]
    names = pl.DataFrame({"user_id": [1, 2], "username": ["al", "bo"]})
    found = mismatch_detail.mismatch_hits(hits, judged)
    detail = mismatch_detail.describe(rows, keys, judged, found, names)
    assert detail["detail"].to_list() == [
        "User was not found: ID 1 is al, the username belongs to ID 2 (bo)."
    ]
