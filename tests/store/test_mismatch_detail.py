"""A "User was not found" row says which of its fields disagree, and whom each one names."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from core import words
from core.batches import matching, row_status
from tests.support.batches import VISIT_10, upload

HEADER = "ID;Username;Registered email\n"


def mismatch_message(cur: duckdb.DuckDBPyConnection, line: str) -> str:
    """Preview one data line under the full header; return its message (it must be a mismatch)."""
    rows = matching.preview(cur, upload(HEADER + line + "\n"), VISIT_10).rows
    assert rows["status"].to_list() == [row_status.MISMATCH]
    return rows["message"][0]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("line", "detail"),
    [
        ("1;user2;", "ID 1 is user1, the username belongs to ID 2 (user2)."),
        ("1;ghost;", "ID 1 is user1, the username belongs to nobody."),
        ("999;user2;", "No user has ID 999, the username belongs to ID 2 (user2)."),
        ("1;;user3@example.com", "ID 1 is user1, the email belongs to ID 3 (user3)."),
        ("1;;ghost@example.com", "ID 1 is user1, the email belongs to nobody."),
        (
            ";user2;user3@example.com",
            "The username belongs to ID 2 (user2), the email belongs to ID 3 (user3).",
        ),
        (
            ";ghost;user3@example.com",
            "The username belongs to nobody, the email belongs to ID 3 (user3).",
        ),
        (
            "1;user2;user3@example.com",
            "ID 1 is user1, the username belongs to ID 2 (user2), "
            "the email belongs to ID 3 (user3).",
        ),
        (
            "1;user1;ghost@example.com",
            "ID 1 is user1, the username is theirs too, the email belongs to nobody.",
        ),
        (
            "1;user2;user1@example.com",
            "ID 1 is user1, the username belongs to ID 2 (user2), the email is theirs too.",
        ),
        (
            "1e3;user2;",
            "“1e3” is not a User ID (digits only), the username belongs to ID 2 (user2).",
        ),
    ],
    ids=[
        "id and username disagree",
        "id known, username unknown",
        "id unknown, username known",
        "id and email disagree",
        "id known, email unknown",
        "username and email disagree",
        "username unknown, email known",
        "all three disagree",
        "id and username agree, email unknown",
        "id and email agree, username elsewhere",
        "id not digits",
    ],
)
def test_a_mismatch_row_names_whom_each_filled_field_belongs_to(
    batch_world, line: str, detail: str
) -> None:
    assert mismatch_message(batch_world, line) == f"{words.MSG_MISMATCH}: {detail}"


def test_the_status_stays_the_spec_words_and_only_mismatch_rows_get_a_detail(batch_world) -> None:
    text = HEADER + "1;user1;\n999;;\n1;user2;\n2;;\n"
    result = matching.preview(batch_world, upload(text), VISIT_10)
    assert result.rows.select("status", "message").rows() == [
        ("ok", row_status.MESSAGES[row_status.OK]),
        ("not_found", words.MSG_NOT_FOUND),
        (
            "mismatch",
            f"{words.MSG_MISMATCH}: ID 1 is user1, the username belongs to ID 2 (user2).",
        ),
        ("ok", row_status.MESSAGES[row_status.OK]),
    ]
    assert row_status.FILTER_LABELS[row_status.MISMATCH] == words.MSG_MISMATCH
    assert result.counts[row_status.MISMATCH] == 1


def test_an_email_shared_by_several_users_names_each_of_them(batch_world) -> None:
    batch_world.execute(
        "UPDATE platform_users SET email = 'team@example.com', email_norm = 'team@example.com' "
        "WHERE id IN (3, 4, 5, 6)"
    )
    batch_world.execute(
        "INSERT INTO audit_log (actor, action, detail) VALUES ('test', 'users imported', 'emails')"
    )
    message = mismatch_message(batch_world, "1;;TEAM@example.com")
    assert message == (
        f"{words.MSG_MISMATCH}: ID 1 is user1, the email belongs to ID 3 (user3) and ID 4 "
        "(user4) and ID 5 (user5) and 1 more."
    )


@pytest.mark.slow
def test_the_detail_names_users_as_they_are_written_not_as_matched(batch_world) -> None:
    assert mismatch_message(batch_world, "1;JÜRGEN;") == (
        f"{words.MSG_MISMATCH}: ID 1 is user1, the username belongs to ID 12 (JÜRGEN)."
    )
    assert mismatch_message(batch_world, "12;;user1@example.com") == (
        f"{words.MSG_MISMATCH}: ID 12 is JÜRGEN, the email belongs to ID 1 (user1)."
    )


def test_many_mismatch_rows_each_get_the_detail_of_their_own_fields(batch_world) -> None:
    lines = "".join(f"{i % 9 + 1};user{(i + 1) % 9 + 1};\n" for i in range(2000))
    result = matching.preview(batch_world, upload(HEADER + lines), VISIT_10)
    mismatches = result.rows.filter(pl.col("status") == row_status.MISMATCH)
    assert mismatches.height == 2000
    assert mismatches["message"][0] == (
        f"{words.MSG_MISMATCH}: ID 1 is user1, the username belongs to ID 2 (user2)."
    )
    assert mismatches["message"][5] == (
        f"{words.MSG_MISMATCH}: ID 6 is user6, the username belongs to ID 7 (user7)."
    )
    assert mismatches["message"].str.starts_with(f"{words.MSG_MISMATCH}: ID ").all()


def test_the_error_rows_download_carries_the_detail_as_its_reason(batch_world) -> None:
    result = matching.preview(batch_world, upload(HEADER + "1;user2;\n"), VISIT_10)
    lines = result.error_rows_csv().decode("utf-8-sig").splitlines()
    assert lines[1] == (
        f"1;user2;;{words.MSG_MISMATCH}: ID 1 is user1, the username belongs to ID 2 (user2)."
    )
