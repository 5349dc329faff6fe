"""The preview: one status per row with the spec's messages, the totals, the limit, suggestions."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from core import words
from core.access.roles import Account
from core.batches import add_file, add_one, errors, matching, row_status, suggestions
from core.errors import InputError, NotFound
from core.platform_users import directory
from core.store.duckdb import user_index
from core.upload import intake
from tests.support.batches import (
    HOLDS_VISIT_10,
    INACTIVE_USER,
    VISIT_10,
    VISIT_100,
    upload,
)
from tests.support.world import DATA


def statuses(cur: duckdb.DuckDBPyConnection, text: str, quest: int = VISIT_10, batch=None):
    """Return [(row, status, user_id)] of a preview of CSV text."""
    result = matching.preview(cur, upload(text), quest, batch)
    return result.rows.select("row", "status", "user_id").rows()


# --- one status per row -----------------------------------------------------------------------


def test_a_row_whose_fields_identify_one_user_is_ok(batch_world) -> None:
    text = "ID;Username;Registered email\n1;user1;user1@example.com\n2;;\n;user3;\n;;user4@example.com\n"
    assert statuses(batch_world, text) == [(2, "ok", 1), (3, "ok", 2), (4, "ok", 3), (5, "ok", 4)]


def test_username_and_email_match_case_insensitively_accents_included(batch_world) -> None:
    text = "Username;Email\nUSER2;\n;User3@EXAMPLE.com\nrenée;\nJürgen;\n;JURGEN@example.COM\n"
    assert statuses(batch_world, text, VISIT_100) == [
        (2, "ok", 2),
        (3, "ok", 3),
        (4, "ok", 11),
        (5, "ok", 12),
        (6, "duplicate", 12),
    ]


def test_a_row_whose_filled_fields_match_nobody_is_not_found(batch_world) -> None:
    text = (
        "ID;Username;Registered email\n999;;\n;ghost;\n;;ghost@example.com\n999;ghost;ghost@x.org\n"
    )
    result = matching.preview(batch_world, upload(text), VISIT_10)
    assert result.rows["status"].to_list() == ["not_found"] * 4
    assert set(result.rows["message"]) == {words.MSG_NOT_FOUND}
    assert result.rows["user_id"].to_list() == [None] * 4


def test_a_row_whose_fields_match_different_users_is_a_mismatch(batch_world) -> None:
    text = (
        "ID;Username;Registered email\n1;user2;\n1;;user1@example.com\n;user3;user4@example.com\n"
    )
    result = matching.preview(batch_world, upload(text), VISIT_10)
    assert result.rows["status"].to_list() == ["mismatch", "ok", "mismatch"]
    assert result.rows.filter(pl.col("status") == "mismatch")["message"].to_list() == [
        f"{words.MSG_MISMATCH}: ID 1 is user1, the username belongs to ID 2 (user2).",
        f"{words.MSG_MISMATCH}: The username belongs to ID 3 (user3), "
        "the email belongs to ID 4 (user4).",
    ]


@pytest.mark.slow
def test_a_row_with_one_field_found_and_another_not_found_is_a_mismatch(batch_world) -> None:
    assert statuses(batch_world, "ID;Username\n1;ghost\n999;user1\n") == [
        (2, "mismatch", None),
        (3, "mismatch", None),
    ]


@pytest.mark.slow
def test_a_later_row_for_the_same_user_is_a_duplicate_whatever_the_column(batch_world) -> None:
    text = "ID;Username;Registered email\n;;user5@example.com\n5;;\n;USER5;\n6;;\n"
    result = matching.preview(batch_world, upload(text), VISIT_10)
    assert result.rows.select("row", "status", "user_id").rows() == [
        (2, "ok", 5),
        (3, "duplicate", 5),
        (4, "duplicate", 5),
        (5, "ok", 6),
    ]
    assert result.rows["message"][1] == words.MSG_DUPLICATE
    assert result.users_to_add == 2
    assert result.user_ids_to_add() == [5, 6]


@pytest.mark.slow
def test_a_user_already_in_the_batch_is_reported_and_not_counted_to_add(
    batch_world, draft, accounts
) -> None:
    add_one.add_single(batch_world, accounts["dev"], draft, "id", "3")
    assert statuses(batch_world, "ID\n3\n4\n", batch=draft) == [
        (2, "already_in_batch", 3),
        (3, "ok", 4),
    ]
    # Without the batch, nothing is "already in batch".
    assert statuses(batch_world, "ID\n3\n") == [(2, "ok", 3)]


@pytest.mark.slow
def test_a_user_who_already_holds_the_quest_is_already_unlocked(batch_world) -> None:
    text = f"ID\n{HOLDS_VISIT_10}\n"
    assert statuses(batch_world, text, VISIT_10) == [(2, "already_unlocked", HOLDS_VISIT_10)]
    assert statuses(batch_world, text, VISIT_100) == [(2, "ok", HOLDS_VISIT_10)]


def test_a_deactivated_user_is_inactive_in_every_row_that_names_them(batch_world) -> None:
    text = f"ID;Username\n{INACTIVE_USER};\n;user{INACTIVE_USER}\n"
    assert statuses(batch_world, text) == [
        (2, "inactive", INACTIVE_USER),
        (3, "inactive", INACTIVE_USER),
    ]


@pytest.mark.parametrize("bad_id", ["12a", "1e3", "-5", "+3", "3.0", "0x3", "99999999999999999999"])
def test_an_id_that_is_not_digits_only_finds_nobody(batch_world, bad_id: str) -> None:
    assert statuses(batch_world, f"ID\n{bad_id}\n") == [(2, "not_found", None)]


def test_an_invalid_id_next_to_a_good_username_is_a_mismatch(batch_world) -> None:
    assert statuses(batch_world, "ID;Username\n1e3;user1\n") == [(2, "mismatch", None)]


def test_an_id_with_spaces_or_leading_zeros_still_finds_its_user(batch_world) -> None:
    assert statuses(batch_world, "ID\n  3 \n004\n") == [(2, "ok", 3), (3, "ok", 4)]


def test_formula_looking_values_are_matched_as_plain_text(batch_world) -> None:
    batch_world.execute(
        "INSERT INTO platform_users (id, username, email, username_norm, email_norm, active) VALUES (13, '=eq', 'x@y.org', '=eq', 'x@y.org', TRUE)"
    )
    assert statuses(batch_world, "Username\n=eq\n=1+1\n@cmd\n") == [
        (2, "ok", 13),
        (3, "not_found", None),
        (4, "not_found", None),
    ]


def test_a_row_with_only_other_columns_filled_is_not_found(batch_world) -> None:
    result = matching.preview(batch_world, upload("ID;Notes\n;hello\n1;\n"), VISIT_10)
    assert result.rows.select("row", "status").rows() == [(2, "not_found"), (3, "ok")]
    assert result.ignored_columns == ("Notes",)


# --- the preview as a whole -------------------------------------------------------------------


@pytest.mark.slow
def test_the_preview_dict_has_exactly_the_keys_of_the_issue(batch_world) -> None:
    text = "ID;Username;Team\n1;;a\n999;;\n1;;\n10;;\n7;;\n1;user2;\n"
    data = matching.preview(batch_world, upload(text), VISIT_10).as_dict()
    assert set(data) == {
        "rows", "ok", "not_found", "mismatch", "duplicate", "already_in_batch",
        "already_unlocked", "inactive", "users_to_add", "limit", "over_limit",
        "ignored_columns", "details",
    }  # fmt: skip
    assert data["rows"] == 6
    assert (data["ok"], data["not_found"], data["duplicate"]) == (1, 1, 1)
    assert (data["inactive"], data["already_unlocked"], data["mismatch"]) == (1, 1, 1)
    assert data["already_in_batch"] == 0
    assert (data["users_to_add"], data["limit"], data["over_limit"]) == (1, 5000, False)
    assert data["ignored_columns"] == ["Team"]
    assert data["details"][0] == {
        "row": 2,
        "status": "ok",
        "message": "Will be added",
        "user_id": 1,
    }
    assert all(set(d) == {"row", "status", "message", "user_id"} for d in data["details"])


def test_every_row_gets_exactly_one_status_with_its_message(batch_world) -> None:
    text = "ID;Username\n1;\n999;\n1;user2\n1;\n10;\n7;\n;user8\n"
    rows = matching.preview(batch_world, upload(text), VISIT_10).rows
    assert rows.height == 7
    assert rows["status"].null_count() == 0
    # A "User was not found" row goes on to say which fields disagree.
    assert [
        message if status != "mismatch" else message.split(":")[0]
        for status, message in rows.select("status", "message").rows()
    ] == rows.select(pl.col("status").replace_strict(row_status.MESSAGES)).to_series().to_list()


def test_filters_show_all_rows_the_good_rows_or_one_kind_of_error(batch_world) -> None:
    result = matching.preview(batch_world, upload("ID\n1\n999\n2\n1\n"), VISIT_10)
    assert result.filtered(row_status.FILTER_ALL).height == 4
    assert result.filtered(row_status.OK)["row"].to_list() == [2, 4]
    assert result.filtered(row_status.NOT_FOUND)["row"].to_list() == [3]
    assert result.filtered(row_status.DUPLICATE)["row"].to_list() == [5]
    assert result.n_errors == 2
    assert set(row_status.FILTER_LABELS) == {row_status.FILTER_ALL, *row_status.STATUSES}
    with pytest.raises(ValueError):
        result.filtered("nonsense")


@pytest.mark.slow
def test_the_error_rows_file_can_be_fixed_and_uploaded_again(batch_world) -> None:
    batch_world.execute(
        "INSERT INTO platform_users (id, username, email, username_norm, email_norm, active) VALUES (13, '-dash', 'd@y.org', '-dash', 'd@y.org', TRUE)"
    )
    result = matching.preview(batch_world, upload("ID;Username\n1;\n99;-dash\n"), VISIT_10)
    written = result.error_rows_csv()
    assert written.decode("utf-8-sig").splitlines() == [
        "ID;Username;Registered email;Reason",
        f"99;'-dash;;{words.MSG_MISMATCH}: No user has ID 99, the username belongs to ID 13 "
        "(-dash).",
    ]
    fixed = written.replace(b"99;", b"13;")
    again = matching.preview(batch_world, intake.read_upload(fixed, "errors.csv"), VISIT_10)
    assert again.rows.select("row", "username", "status", "user_id").rows() == [
        (2, "-dash", "ok", 13)
    ]


@pytest.mark.slow
def test_a_preview_over_the_limit_says_how_many_and_the_limit(batch_world) -> None:
    batch_world.execute(
        "INSERT INTO platform_users (id, username, email, username_norm, email_norm, active) SELECT i, 'u' || i, 'u' || i || '@x.org', 'u' || i, "
        "'u' || i || '@x.org', TRUE FROM generate_series(13, 5001) r(i)"
    )
    result = matching.preview(batch_world, intake.read_upload_file(DATA / "users_5001.csv"), 2)
    assert result.n_rows == 5001
    assert result.users_to_add == 4999 + 1  # user 10 is inactive; 11, 12 exist
    result = matching.preview(batch_world, intake.read_upload_file(DATA / "users_5001.csv"), 3)
    assert result.over_limit is (result.users_to_add > 5000)
    batch_world.execute("UPDATE platform_users SET active = TRUE WHERE id = 10")
    result = matching.preview(batch_world, intake.read_upload_file(DATA / "users_5001.csv"), 2)
    assert (result.users_to_add, result.over_limit) == (5001, True)
    assert result.as_dict()["over_limit"] is True
    assert "5,001 users in all, over the limit of 5,000" in result.limit_message
    assert "Remove 1 user from the file" in result.limit_message


def test_the_limit_counts_the_users_already_in_the_batch(batch_world, draft, accounts) -> None:
    batch_world.execute(
        "INSERT INTO batch_users (batch_id, user_id, added_via, added_by) "
        "SELECT ?, i, 'cli', 'test' FROM generate_series(100000, 104998) r(i)",
        [draft],
    )
    result = matching.preview(batch_world, upload("ID\n1\n2\n"), VISIT_10, draft)
    assert (result.users_in_batch, result.users_to_add, result.over_limit) == (4999, 2, True)
    assert result.limit_message.startswith("The batch has 4,999 users and this file would add 2")


def test_the_preview_of_a_batch_uses_the_batch_quest(batch_world, draft) -> None:
    with pytest.raises(InputError, match="unlocks badge quest 1, not 2"):
        matching.preview(batch_world, upload("ID\n1\n"), VISIT_100, draft)
    with pytest.raises(NotFound):
        matching.preview(batch_world, upload("ID\n1\n"), VISIT_10, 999)
    with pytest.raises(NotFound):
        matching.preview(batch_world, upload("ID\n1\n"), 999)


def test_a_preview_changes_nothing(batch_world, draft) -> None:
    before = batch_world.execute("SELECT count(*) FROM batch_users").fetchall()
    matching.preview(batch_world, upload("ID\n1\n2\n"), VISIT_10, draft)
    assert batch_world.execute("SELECT count(*) FROM batch_users").fetchall() == before


# --- keeping the lookup in step with the users ------------------------------------------------


@pytest.mark.slow
def test_users_inserted_after_a_preview_are_found_by_the_next_one(batch_world) -> None:
    assert statuses(batch_world, "Username\nnewbie\n") == [(2, "not_found", None)]
    batch_world.execute(
        "INSERT INTO platform_users (id, username, email, username_norm, email_norm, active) VALUES (50, 'Newbie', 'n@x.org', 'newbie', 'n@x.org', TRUE)"
    )
    assert statuses(batch_world, "Username\nnewbie\n") == [(2, "ok", 50)]
    assert matching.sync_user_index(batch_world) == "fresh"


@pytest.mark.slow
def test_usernames_changed_by_an_import_are_matched_by_their_new_name(
    batch_world, accounts: dict[str, Account]
) -> None:
    assert statuses(batch_world, "Username\nuser3\n") == [(2, "ok", 3)]
    frame = pl.DataFrame({"id": ["3"], "username": ["Trinity"], "email": ["t@x.org"]})
    directory.import_users(batch_world, accounts["admin"], frame)
    assert statuses(batch_world, "Username;Email\nuser3;\ntrinity;\n;T@X.org\n") == [
        (2, "not_found", None),
        (3, "ok", 3),
        (4, "duplicate", 3),
    ]


@pytest.mark.duckdb_only("DuckDB's hashed user_lookup copy; PostgreSQL matches on its indexes")
def test_a_hash_collision_in_the_lookup_cannot_match_the_wrong_user(batch_world) -> None:
    matching.sync_user_index(batch_world)
    # Make user 4's key equal to the key of "user3", as a collision would.
    batch_world.execute(
        "UPDATE user_lookup SET username_key = hash('user3'), email_key = hash('user3@example.com') "
        "WHERE id = 4"
    )
    text = "Username;Email\nuser3;\n;user3@example.com\n"
    assert statuses(batch_world, text) == [(2, "ok", 3), (3, "duplicate", 3)]


# What a sync did: DuckDB rebuilds or updates its lookup copy; PostgreSQL's indexes are never behind.
REBUILT = {"duckdb": "rebuilt", "postgres": "fresh"}
UPDATED = {"duckdb": "updated", "postgres": "fresh"}


def test_a_username_changed_outside_the_importer_is_found_after_a_rebuild(
    batch_world, store_kind: str
) -> None:
    matching.sync_user_index(batch_world)
    batch_world.execute("UPDATE platform_users SET username_norm = 'zed' WHERE id = 3")
    assert matching.sync_user_index(batch_world, rebuild=True) == REBUILT[store_kind]
    assert statuses(batch_world, "Username\nzed\nuser3\n") == [(2, "ok", 3), (3, "not_found", None)]


@pytest.mark.slow
def test_deleted_users_leave_the_lookup(batch_world, store_kind: str) -> None:
    matching.sync_user_index(batch_world)
    batch_world.execute("DELETE FROM platform_users WHERE id = 4")
    assert matching.sync_user_index(batch_world) == UPDATED[store_kind]
    assert statuses(batch_world, "Username\nuser4\n") == [(2, "not_found", None)]


@pytest.mark.duckdb_only("DuckDB's hashed user_lookup copy; PostgreSQL matches on its indexes")
def test_a_lookup_built_with_another_hash_function_is_rebuilt(batch_world) -> None:
    matching.sync_user_index(batch_world)
    batch_world.execute("UPDATE user_lookup_state SET hash_probe = 0")
    assert matching.sync_user_index(batch_world) == "rebuilt"
    assert statuses(batch_world, "Username\nuser4\n") == [(2, "ok", 4)]


# --- username suggestions ---------------------------------------------------------------------


@pytest.fixture
def named(batch_world: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Users whose names test the ordering: exact, prefix, contains, long prefixes."""
    names = [
        "Sam", "samantha.long", "sam.li", "Samuel", "Jo.Sam", "isamu", "alexandra.smith1",
        "alexandra.smith22", "alexandra.smythe", "xalexandra.smith",
    ]  # fmt: skip
    for i, name in enumerate(names, start=100):
        batch_world.execute(
            "INSERT INTO platform_users (id, username, email, username_norm, email_norm, active) VALUES (?, ?, ?, lower(?), ?, TRUE)",
            [i, name, f"{i}@x.org", name, f"{i}@x.org"],
        )
    return batch_world


def test_suggestions_put_the_exact_match_first_then_prefixes_then_contains(named) -> None:
    assert suggestions.suggest_usernames(named, "sam") == [
        "Sam", "sam.li", "Samuel", "samantha.long", "isamu", "Jo.Sam",
    ]  # fmt: skip


def test_suggestions_are_case_insensitive_and_keep_the_usernames_case(named) -> None:
    assert suggestions.suggest_usernames(named, "  SAMU ") == ["Samuel", "isamu"]
    assert suggestions.suggest_usernames(named, "jür") == ["JÜRGEN"]
    assert suggestions.suggest_usernames(named, "RENÉ") == ["Renée"]


def test_suggestions_work_past_the_first_eight_characters(named) -> None:
    assert suggestions.suggest_usernames(named, "alexandra.smith") == [
        "alexandra.smith1", "alexandra.smith22", "xalexandra.smith",
    ]  # fmt: skip


def test_suggestions_stop_at_the_limit(named) -> None:
    assert suggestions.suggest_usernames(named, "user") == [f"user{i}" for i in range(1, 11)]
    assert len(suggestions.suggest_usernames(named, "a", limit=3)) == 3


def test_no_text_or_no_match_suggests_nothing(named) -> None:
    assert suggestions.suggest_usernames(named, "") == []
    assert suggestions.suggest_usernames(named, "   ") == []
    assert suggestions.suggest_usernames(named, "qqq") == []
    assert suggestions.suggest_usernames(named, "%") == []


def test_a_username_renamed_without_an_import_is_not_suggested_under_its_old_name(named) -> None:
    matching.sync_user_index(named)
    named.execute(
        "UPDATE platform_users SET username = 'Zed', username_norm = 'zed' WHERE id = 103"
    )
    assert "Samuel" not in suggestions.suggest_usernames(named, "samu")


@pytest.mark.duckdb_only("DuckDB's hashed user_lookup copy; PostgreSQL matches on its indexes")
def test_a_large_rebuild_sorts_in_ranges_and_keeps_every_user(
    named, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(user_index, "_ROWS_PER_SORT", 3)  # ranges of ~3 users instead of 1M
    assert matching.sync_user_index(named, rebuild=True) == "rebuilt"
    ids = named.execute("SELECT id FROM user_lookup ORDER BY id").fetchall()
    assert ids == named.execute("SELECT id FROM platform_users ORDER BY id").fetchall()
    keys = [r[0] for r in named.execute("SELECT prefix_key FROM user_lookup").fetchall()]
    assert keys == sorted(keys)  # stored in prefix order, range after range
    assert suggestions.suggest_usernames(named, "sam")[:2] == ["Sam", "sam.li"]


# --- what is left to fix after an upload ------------------------------------------------------


@pytest.mark.slow
def test_the_error_rows_download_leaves_out_the_merged_duplicates(
    batch_world, draft, accounts
) -> None:
    text = "ID;Username\n1;\n;user1\n1;\n999;\n1;user2\n"
    result = matching.preview(batch_world, upload(text), VISIT_10, draft)
    assert result.counts[row_status.DUPLICATE] == 2
    assert result.n_errors == 4  # the preview still counts and lists the merged rows
    lines = result.error_rows_csv().decode("utf-8-sig").splitlines()
    assert lines == [
        "ID;Username;Registered email;Reason",
        f"999;;;{words.MSG_NOT_FOUND}",
        f"1;user2;;{words.MSG_MISMATCH}: ID 1 is user1, the username belongs to ID 2 (user2).",
    ]
    # Once the file is added, the download uploaded again reports no row "Already in this batch".
    add_file.add_upload(batch_world, accounts["dev"], draft, upload(text))
    again = matching.preview(
        batch_world, intake.read_upload(result.error_rows_csv(), "errors.csv"), VISIT_10, draft
    )
    assert again.counts[row_status.ALREADY_IN_BATCH] == 0
    assert again.rows["status"].to_list() == ["not_found", "mismatch"]


def test_a_file_whose_only_errors_are_merged_rows_has_nothing_to_fix(batch_world) -> None:
    result = matching.preview(batch_world, upload("ID\n1\n1\n"), VISIT_10)
    assert result.n_errors == 1
    assert result.rows_to_fix().height == 0
    assert result.not_added_text() == ""


def test_the_rows_not_added_are_counted_by_kind_in_words(batch_world) -> None:
    text = f"ID;Username\n999;\n998;\n1;user2\n{INACTIVE_USER};\n{HOLDS_VISIT_10};\n2;\n2;\n"
    result = matching.preview(batch_world, upload(text), VISIT_10)
    assert result.not_added_text() == (
        "2 not found, 1 user not found, 1 already unlocked, 1 deactivated"
    )


# --- adding one user by email -----------------------------------------------------------------


@pytest.mark.slow
def test_a_single_user_can_be_added_by_registered_email(batch_world, draft, accounts) -> None:
    added = add_one.add_single(batch_world, accounts["dev"], draft, "email", " User4@Example.COM ")
    assert (added.user_id, added.username) == (4, "user4")
    assert batch_world.execute(
        "SELECT user_id, added_via FROM batch_users WHERE batch_id = ?", [draft]
    ).fetchall() == [(4, "single")]
    with pytest.raises(errors.AlreadyInBatch, match=r"user4 \(User ID 4\) is already"):
        add_one.add_single(batch_world, accounts["dev"], draft, "email", "user4@example.com")


def test_an_unknown_email_says_so_and_what_to_try(batch_world, draft, accounts) -> None:
    with pytest.raises(errors.UserNotFound) as caught:
        add_one.add_single(batch_world, accounts["dev"], draft, "email", "ghost@example.com")
    assert str(caught.value) == (
        "No user has the registered email “ghost@example.com”. Check the address, or find the "
        "user by User ID or username."
    )


def test_an_email_several_users_share_adds_nobody_and_names_them(
    batch_world, draft, accounts
) -> None:
    batch_world.execute(
        "UPDATE platform_users SET email = 'team@example.com', email_norm = 'team@example.com' "
        "WHERE id IN (3, 4)"
    )
    batch_world.execute(
        "INSERT INTO audit_log (actor, action, detail) VALUES ('test', 'users imported', 'x')"
    )
    with pytest.raises(errors.UserNotFound, match=r"user3 \(User ID 3\), user4 \(User ID 4\)"):
        add_one.add_single(batch_world, accounts["dev"], draft, "email", "team@example.com")
    assert batch_world.execute(
        "SELECT count(*) FROM batch_users WHERE batch_id = ?", [draft]
    ).fetchall() == [(0,)]
