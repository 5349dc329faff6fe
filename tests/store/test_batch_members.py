"""A batch's users as the detail page shows them: search, status filter, sort, paging, exports."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from core import words
from core.batches import members
from core.batches.members import MemberQuery
from core.cli import main
from core.errors import InputError, NotFound, PermissionDenied
from core.upload import intake
from tests.support.store import open_store
from tests.support.world import admin, analyst, dev


@pytest.fixture
def batch(small_world: duckdb.DuckDBPyConnection) -> int:
    """A partially published batch of dev's: users 1-3 published, 4 in error, 5 unpublished."""
    cur = small_world
    cur.execute(
        "INSERT INTO batches (name, quest_id, created_by, status) VALUES ('B', 1, 'dan', 'in_progress')"
    )
    cur.execute(
        """INSERT INTO batch_users (batch_id, user_id, status, error_reason, added_via, added_by)
           VALUES (1, 1, 'published', NULL, 'csv', 'dan'), (1, 2, 'published', NULL, 'csv', 'dan'),
                  (1, 3, 'published', NULL, 'single', 'dan'),
                  (1, 4, 'error', '=HYPERLINK("x") deactivated', 'csv', 'dan'),
                  (1, 5, 'unpublished', NULL, 'csv', 'dan')"""
    )
    cur.execute("UPDATE platform_users SET username = '@evil' WHERE id = 3")
    return 1


def test_members_are_filtered_by_status_in_code_or_spec_words(
    small_world: duckdb.DuckDBPyConnection, batch: int
) -> None:
    by_code = members.list_members(small_world, analyst, batch, MemberQuery(status="error"))
    by_word = members.list_members(small_world, analyst, batch, MemberQuery(status="Error"))
    assert by_code.rows["user_id"].to_list() == by_word.rows["user_id"].to_list() == [4]
    with pytest.raises(InputError, match="not a user status"):
        MemberQuery(status="Done")


def test_members_are_searched_by_part_of_the_username_or_email_case_insensitively(
    small_world: duckdb.DuckDBPyConnection, batch: int
) -> None:
    found = members.list_members(small_world, analyst, batch, MemberQuery(search="USER2"))
    assert found.rows["user_id"].to_list() == [2]
    by_email = members.list_members(small_world, analyst, batch, MemberQuery(search="5@example"))
    assert by_email.rows["user_id"].to_list() == [5]


def test_members_are_sorted_as_a_whole_then_paged(
    small_world: duckdb.DuckDBPyConnection, batch: int
) -> None:
    first = members.list_members(
        small_world, analyst, batch, MemberQuery(sort="user_id", desc=True, page_size=2)
    )
    assert (first.total, first.pages, first.rows["user_id"].to_list()) == (5, 3, [5, 4])
    last = members.list_members(
        small_world, analyst, batch, MemberQuery(sort="user_id", desc=True, page=9, page_size=2)
    )
    assert (last.page, last.rows["user_id"].to_list()) == (3, [1])
    by_status = members.list_members(small_world, analyst, batch, MemberQuery(sort="status"))
    assert by_status.rows["status"].to_list() == [
        "unpublished",
        "published",
        "published",
        "published",
        "error",
    ]


def test_an_unknown_batch_or_another_users_draft_is_refused(
    small_world: duckdb.DuckDBPyConnection, batch: int
) -> None:
    with pytest.raises(NotFound):
        members.list_members(small_world, analyst, 99, MemberQuery())
    small_world.execute("UPDATE batches SET status = 'draft' WHERE id = 1")
    with pytest.raises(PermissionDenied):
        members.list_members(small_world, analyst, batch, MemberQuery())
    assert members.list_members(small_world, dev, batch, MemberQuery()).total == 5
    assert members.list_members(small_world, admin, batch, MemberQuery()).total == 5


def test_the_users_export_has_every_user_with_status_words_and_neutralised_formulas(
    small_world: duckdb.DuckDBPyConnection, batch: int
) -> None:
    text = members.members_csv(small_world, analyst, batch).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("User ID;Username;Email;Status;Reason")
    assert len(lines) == 6
    assert "'@evil" in text and ";@evil" not in text
    assert "'=HYPERLINK" in text
    assert {line.split(";")[3] for line in lines[1:]} == {
        words.PUBLISHED,
        words.ERROR,
        words.UNPUBLISHED,
    }


def test_the_error_rows_export_is_the_template_and_uploads_again(
    small_world: duckdb.DuckDBPyConnection, batch: int
) -> None:
    data = members.error_rows_csv(small_world, analyst, batch)
    lines = data.decode("utf-8-sig").strip().splitlines()
    assert lines[0] == "ID;Username;Registered email;Reason"
    assert lines[1].startswith("4;user4;user4@example.com;\"'=HYPERLINK")
    again = intake.read_upload(data, "errors.csv")
    assert again.rows["id"].to_list() == ["4"]
    assert "Reason" not in again.ignored_columns


@pytest.mark.slow
def test_batch_users_on_the_command_line_lists_statuses_in_spec_words(
    db_path: Path, capsys: pytest.CaptureFixture
) -> None:
    con = open_store(db_path)
    con.execute("INSERT INTO badges (name) VALUES ('B')")
    con.execute("INSERT INTO quests (badge_id, name) VALUES (1, 'Q')")
    con.execute(
        "INSERT INTO platform_users (id, username, email, username_norm, email_norm, active) VALUES (1, 'ann', 'a@x.org', 'ann', 'a@x.org', TRUE)"
    )
    con.execute(
        "INSERT INTO batches (name, quest_id, created_by, status) VALUES ('B', 1, 'x', 'published')"
    )
    con.execute(
        "INSERT INTO batch_users (batch_id, user_id, status, added_via, added_by) "
        "VALUES (1, 1, 'published', 'csv', 'x')"
    )
    con.close()
    assert (
        main(["--db", str(db_path), "batch", "users", "1", "--status", "Published", "--json"]) == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert [(r["user_id"], r["status"]) for r in rows] == [(1, "Published")]
    assert main(["--db", str(db_path), "batch", "users", "7"]) == 2
    assert "no batch" in capsys.readouterr().err.lower()


def test_every_sort_the_domain_offers_has_an_order_in_the_store() -> None:
    from core.store.duckdb.members import ORDER_BY

    assert tuple(ORDER_BY) == members.SORT_KEYS
