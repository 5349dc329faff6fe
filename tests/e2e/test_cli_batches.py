"""`python -m core preview`, `batch create` and `batch add`: output, JSON, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.batches import drafts, read_model
from core.cli import build_parser, main
from tests.support.batches import VISIT_10, members_of
from tests.support.world import DATA


@pytest.fixture
def cli(batch_world, db_path: Path, capsys: pytest.CaptureFixture):
    """Run `python -m core --db DB ARGS` in this process; return (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--db", str(db_path), *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def write(tmp_path: Path, text: str, name: str = "users.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_preview_json_prints_the_keys_of_the_issue(cli, tmp_path) -> None:
    file = write(tmp_path, "ID;Username;Team\n1;;a\n999;;\n;USER1;\n10;;\n7;;\n1;user2;\n")
    code, out, err = cli("preview", "--quest", str(VISIT_10), file, "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert list(data) == [
        "rows", "ok", "not_found", "mismatch", "duplicate", "already_in_batch",
        "already_unlocked", "inactive", "users_to_add", "limit", "over_limit",
        "ignored_columns", "details",
    ]  # fmt: skip
    assert (data["rows"], data["ok"], data["duplicate"], data["users_to_add"]) == (6, 1, 1, 1)
    assert (data["limit"], data["over_limit"], data["ignored_columns"]) == (5000, False, ["Team"])
    assert data["details"][1] == {
        "row": 3,
        "status": "not_found",
        "message": "Where Id, Username or Email was not found",
        "user_id": None,
    }


def test_preview_prints_totals_and_the_rows_not_added_for_people(cli, tmp_path) -> None:
    code, out, _ = cli("preview", "--quest", "1", write(tmp_path, "ID;Notes\n1;\n999;\n"))
    assert code == 0
    assert "users.csv: 2 rows, 1 will be added, 1 contains errors." in out
    assert "ignored columns: Notes" in out
    assert "Where Id, Username or Email was not found" in out


def test_preview_with_a_batch_finds_users_already_in_it(cli, tmp_path, batch_world) -> None:
    _, out, _ = cli("preview", "--quest", "1", "--batch", "1", write(tmp_path, "ID\n7\n"), "--json")
    assert json.loads(out)["already_in_batch"] == 1


def test_a_refused_file_exits_2_with_one_sentence_on_stderr(cli) -> None:
    code, out, err = cli("preview", "--quest", "1", str(DATA / "garbage.bin"))
    assert (code, out) == (2, "")
    assert "is not a CSV file or an .xlsx workbook" in err
    assert len(err.strip().splitlines()) == 1


def test_a_preview_over_the_limit_prints_it_and_exits_2(cli, batch_world) -> None:
    batch_world.execute(
        "INSERT INTO platform_users (id, username, email, username_norm, email_norm, active) SELECT i, 'u' || i, 'u' || i || '@x.org', 'u' || i, "
        "'u' || i || '@x.org', TRUE FROM range(13, 5002) r(i)"
    )
    batch_world.execute("UPDATE platform_users SET active = TRUE")
    code, out, err = cli("preview", "--quest", "2", str(DATA / "users_5001.csv"), "--json")
    assert code == 2
    assert json.loads(out)["over_limit"] is True
    assert "5,001 users in all, over the limit of 5,000" in err


def test_an_unknown_quest_exits_2(cli, tmp_path) -> None:
    code, _, err = cli("preview", "--quest", "99", write(tmp_path, "ID\n1\n"))
    assert code == 2
    assert "no badge quest with id 99" in err


def test_batch_create_prints_the_id_and_adds_files_and_users(cli, tmp_path, batch_world) -> None:
    file = write(tmp_path, "ID\n1\n2\n999\n")
    code, out, err = cli(
        "batch", "create", "--name", "Winners", "--quest", "1", "--csv", file, "--user", "3"
    )
    assert code == 0
    batch_id = int(out.strip())
    assert "users.csv: 2 added; not added: not_found (row 4)" in err
    assert "user3 (User ID 3) was added to the batch." in err
    frame = members_of(batch_world, batch_id)
    assert sorted(frame["user_id"]) == [1, 2, 3]
    assert set(frame["added_via"]) == {"cli"}
    assert read_model.read(batch_world, batch_id).name == "Winners"


def test_batch_create_json_prints_the_id_object(cli, batch_world) -> None:
    code, out, _ = cli("batch", "create", "--name", "Empty", "--quest", "2", "--json")
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["id"]
    assert read_model.read(batch_world, data["id"]).is_draft


def test_batch_create_with_an_unknown_user_creates_nothing(cli, batch_world) -> None:
    code, out, err = cli("batch", "create", "--name", "X", "--quest", "1", "--user", "999")
    assert (code, out) == (2, "")
    assert "No user has the User ID “999”" in err
    assert batch_world.execute("SELECT count(*) FROM batches").fetchall()[0][0] == 1


def test_batch_create_refuses_an_archived_quest_or_an_empty_name(cli, batch_world) -> None:
    batch_world.execute("UPDATE quests SET archived = TRUE WHERE id = 3")
    assert cli("batch", "create", "--name", "X", "--quest", "3")[0] == 2
    assert cli("batch", "create", "--name", " ", "--quest", "1")[0] == 2


def test_batch_add_adds_to_a_draft_with_the_same_rules(
    cli, tmp_path, batch_world, accounts
) -> None:
    draft = drafts.create_draft(batch_world, accounts["dev"], "Draft", VISIT_10)
    file = write(tmp_path, "Username\nuser1\nuser1\n")
    code, out, _ = cli("batch", "add", str(draft), "--csv", file, "--user", "2", "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["id"], data["added"], data["users"]) == (draft, 2, [2])
    assert data["files"][0]["duplicate"] == 1
    code, out, err = cli("batch", "add", str(draft), "--user", "2")
    assert code == 2
    assert "already in this batch" in err


def test_batch_add_to_a_published_batch_queues_it_again(cli, batch_world) -> None:
    code, out, _ = cli("batch", "add", "1", "--user", "4")
    assert code == 0
    assert out.startswith("1 user added to batch 1.")
    status = batch_world.execute("SELECT status FROM batches WHERE id = 1").fetchall()[0][0]
    assert status in ("unpublished", "in_progress")


def test_batch_add_needs_something_to_add(cli) -> None:
    code, _, err = cli("batch", "add", "1")
    assert code == 2
    assert "--csv FILE or --user ID" in err


def test_the_commands_explain_themselves_in_help() -> None:
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    assert "preview" in commands
    assert "5,000" in commands["preview"].description
    batch_commands = commands["batch"]._subparsers._group_actions[0].choices
    assert {"create", "add"} <= set(batch_commands)
    assert "--csv" in batch_commands["create"].format_help()
