"""Importing platform users from CSV and Parquet: upserts by id, rejections with reasons."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from core.errors import InputError, PermissionDenied
from core.platform_users import directory
from core.platform_users.names import normal_form
from core.upload.table_file import read_table_file
from tests.support.world import admin, dev


def frame(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["id", "username", "email"], orient="row")


def test_new_users_are_added_with_matching_forms(cur: duckdb.DuckDBPyConnection) -> None:
    report = directory.import_users(
        cur, admin, frame([("1", " Ann ", "Ann@X.org"), ("2", "bob", "b@x.org")])
    )
    assert (report.added, report.updated, report.rejected) == (2, 0, [])
    assert cur.execute(
        "SELECT username, username_norm, email_norm, active FROM platform_users WHERE id = 1"
    ).fetchone() == ("Ann", "ann", "ann@x.org", True)


def test_a_typed_name_is_compared_in_the_normal_form_the_import_stored(
    cur: duckdb.DuckDBPyConnection,
) -> None:
    directory.import_users(cur, admin, frame([("1", " ÉLODIE\t", " Élodie@Example.ORG ")]))
    stored = cur.execute("SELECT username_norm, email_norm FROM platform_users").fetchone()
    assert stored == (normal_form("élodie  "), normal_form("\u00c9lodie@example.org"))


def test_existing_ids_are_updated(small_world: duckdb.DuckDBPyConnection) -> None:
    report = directory.import_users(small_world, admin, frame([("3", "renamed", "new@x.org")]))
    assert (report.added, report.updated) == (0, 1)
    assert small_world.execute("SELECT username FROM platform_users WHERE id = 3").fetchone() == (
        "renamed",
    )


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (("", "a", "a@x.org"), "missing id"),
        (("12a", "a", "a@x.org"), "id is not a whole number"),
        (("-5", "a", "a@x.org"), "id is not a whole number"),
        (("1e3", "a", "a@x.org"), "id is not a whole number"),
        (("50", "", "a@x.org"), "missing username"),
        (("50", "a", "not-an-email"), "missing or invalid email"),
        (("50", "user1", "a@x.org"), "username already used by another user"),
        (("50", "a", "USER2@example.com"), "email already used by another user"),
    ],
)
def test_a_bad_row_is_rejected_with_its_reason_and_the_rest_imported(
    small_world: duckdb.DuckDBPyConnection, row: tuple, reason: str
) -> None:
    report = directory.import_users(small_world, admin, frame([row, ("60", "fine", "fine@x.org")]))
    assert report.rejected == [{"row": 2, "reason": reason}]
    assert report.added == 1


def test_duplicates_inside_the_file_are_all_rejected(cur: duckdb.DuckDBPyConnection) -> None:
    report = directory.import_users(
        cur,
        admin,
        frame(
            [
                ("1", "a", "a@x.org"),
                ("1", "b", "b@x.org"),
                ("2", "C", "c@x.org"),
                ("3", "c", "d@x.org"),
            ]
        ),
    )
    assert report.rejected == [
        {"row": 2, "reason": "duplicate id in the file"},
        {"row": 3, "reason": "duplicate id in the file"},
        {"row": 4, "reason": "duplicate username in the file"},
        {"row": 5, "reason": "duplicate username in the file"},
    ]
    assert cur.execute("SELECT count(*) FROM platform_users").fetchall() == [(0,)]


def test_the_active_column_deactivates_users(cur: duckdb.DuckDBPyConnection) -> None:
    data = pl.DataFrame(
        {
            "id": ["1", "2"],
            "username": ["a", "b"],
            "email": ["a@x.org", "b@x.org"],
            "Active": ["false", "yes"],
        }
    )
    directory.import_users(cur, admin, data)
    assert cur.execute("SELECT id, active FROM platform_users ORDER BY id").fetchall() == [
        (1, False),
        (2, True),
    ]


def test_a_file_without_the_required_columns_is_refused_whole(
    cur: duckdb.DuckDBPyConnection,
) -> None:
    with pytest.raises(InputError, match="lacks the column"):
        directory.import_users(cur, admin, pl.DataFrame({"id": ["1"], "name": ["a"]}))


def test_only_admins_import_users(cur: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(PermissionDenied):
        directory.import_users(cur, dev, frame([("1", "a", "a@x.org")]))


def test_csv_and_parquet_files_are_read_as_text(tmp_path: Path) -> None:
    csv = tmp_path / "u.csv"
    csv.write_text("id,username,email\n007,bond,bond@x.org\n")
    assert read_table_file(csv).row(0) == ("007", "bond", "bond@x.org")
    parquet = tmp_path / "u.parquet"
    pl.DataFrame({"id": [7], "username": ["bond"], "email": ["b@x.org"]}).write_parquet(parquet)
    assert read_table_file(parquet).row(0) == ("7", "bond", "b@x.org")


def test_a_missing_or_unreadable_file_is_explained(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no file"):
        read_table_file(tmp_path / "missing.csv")
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet")
    with pytest.raises(InputError, match="cannot be read"):
        read_table_file(broken)


def test_registered_and_last_active_are_read_as_iso_days_or_moments_in_utc(
    cur: duckdb.DuckDBPyConnection,
) -> None:
    data = pl.DataFrame(
        {
            "id": ["1", "2", "3"],
            "username": ["a", "b", "c"],
            "email": ["a@x.org", "b@x.org", "c@x.org"],
            " Registered_At ": ["2025-03-04", "2025-03-04T10:30:00+02:00", ""],
            "last_active_at": ["2026-11-30 23:15", "2026-12-01T08:00:00.5Z", None],
        }
    )
    report = directory.import_users(cur, admin, data)
    assert (report.added, report.rejected) == (3, [])
    stored = cur.execute(
        "SELECT id, registered_at, last_active_at FROM platform_users ORDER BY id"
    ).fetchall()
    assert [(i, r and r.astimezone(UTC), a and a.astimezone(UTC)) for i, r, a in stored] == [
        (1, datetime(2025, 3, 4, tzinfo=UTC), datetime(2026, 11, 30, 23, 15, tzinfo=UTC)),
        (2, datetime(2025, 3, 4, 8, 30, tzinfo=UTC), datetime(2026, 12, 1, 8, 0, 0, 500000, UTC)),
        (3, None, None),
    ]


def test_a_bad_date_rejects_its_row_and_a_missing_one_keeps_the_stored_date(
    small_world: duckdb.DuckDBPyConnection,
) -> None:
    small_world.execute(
        "UPDATE platform_users SET registered_at = TIMESTAMPTZ '2024-01-01 00:00:00+00', "
        "last_active_at = TIMESTAMPTZ '2024-06-01 00:00:00+00' WHERE id IN (1, 2)"
    )
    data = pl.DataFrame(
        {
            "id": ["1", "2", "50", "51", "52"],
            "username": ["user1", "user2", "x", "y", "z"],
            "email": ["user1@example.com", "user2@example.com", "x@x.org", "y@x.org", "z@x.org"],
            "registered_at": ["", "2024-02-30", "2024-1-5", "2025-01-01", "2025-01-01"],
            "last_active_at": ["2024-07-01", "", "", "yesterday", "2024-12-31"],
        }
    )
    report = directory.import_users(small_world, admin, data)
    assert report.rejected == [
        {"row": 3, "reason": "registered_at must be a date (YYYY-MM-DD) or an ISO date-time"},
        {"row": 4, "reason": "registered_at must be a date (YYYY-MM-DD) or an ISO date-time"},
        {"row": 5, "reason": "last_active_at must be a date (YYYY-MM-DD) or an ISO date-time"},
        {"row": 6, "reason": "last_active_at is before registered_at"},
    ]
    assert (report.added, report.updated) == (0, 1)
    # Without the columns at all, the stored dates stay too.
    directory.import_users(small_world, admin, frame([("1", "user1", "user1@example.com")]))
    stored = small_world.execute(
        "SELECT registered_at, last_active_at FROM platform_users WHERE id = 1"
    ).fetchone()
    assert [moment.astimezone(UTC) for moment in stored] == [
        datetime(2024, 1, 1, tzinfo=UTC),
        datetime(2024, 7, 1, tzinfo=UTC),
    ]
