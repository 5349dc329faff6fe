"""`python -m core users list|count` and `batch add|create --from-users`: filters, output, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.access.roles import command_line_account
from core.batches import drafts, read_model
from core.cli import main, user_filter_args
from core.cli.cmd_users import JSON_KEYS
from core.segments import segment, user_filter
from core.segments.user_filter import UserFilter
from tests.support.batches import ANSWER, VISIT_10, VISIT_100, members_of
from tests.support.held import refresh_held


@pytest.fixture
def cli(batch_world, db_path: Path, capsysbinary: pytest.CaptureFixture):
    """Run `python -m core --db DB ARGS` in this process; return (exit code, stdout, stderr).

    batch_world (users 1-12, 10 deactivated, 7 holding quest 1), plus: user 3 holds quest 2;
    user N registered on 2026-01-N at noon UTC and was last active on 2026-06-N, but user 12,
    never active.
    """
    batch_world.execute("INSERT INTO unlocks (user_id, quest_id) VALUES (3, 2)")
    refresh_held(batch_world)  # the stored quests held, as the product's writes keep them
    batch_world.execute(
        "UPDATE platform_users SET "
        "registered_at = TIMESTAMPTZ '2026-01-01 12:00:00+00' + (id - 1) * INTERVAL 1 DAY, "
        "last_active_at = CASE WHEN id <> 12 THEN "
        "TIMESTAMPTZ '2026-06-01 12:00:00+00' + (id - 1) * INTERVAL 1 DAY END"
    )

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--db", str(db_path), *args])
        out = capsysbinary.readouterr()
        return code, out.out.decode("utf-8"), out.err.decode("utf-8")

    return run


def ids_of(out: str) -> list[int]:
    return [row["id"] for row in json.loads(out)]


def test_users_list_and_count_filter_sort_and_print_for_scripts_and_people(cli) -> None:
    code, out, err = cli("users", "list", "--json")
    assert (code, err) == (0, "")
    rows = json.loads(out)
    assert [list(r) for r in rows] == [list(JSON_KEYS)] * 12
    assert list(JSON_KEYS) == [
        "id", "username", "email", "active", "registered_at", "last_active_at", "quests_held",
    ]  # fmt: skip
    assert rows[6] == {
        "id": 7,
        "username": "user7",
        "email": "user7@example.com",
        "active": True,
        "registered_at": "2026-01-07T12:00:00+00:00",
        "last_active_at": "2026-06-07T12:00:00+00:00",
        "quests_held": 1,
    }
    assert rows[11]["last_active_at"] is None and rows[9]["active"] is False
    assert ids_of(cli("users", "list", "--holds", "1", "--holds", "2", "--json")[1]) == [3, 7]
    _, out, _ = cli("users", "list", "--lacks", "1", "--active", "no", "--json")
    assert ids_of(out) == [10]
    # Dates are days in --tz.
    _, out, _ = cli("users", "list", "--registered", "=", "2026-01-05", "--json")
    assert ids_of(out) == [5]
    _, out, _ = cli(
        "users", "list", "--registered", "=", "2026-01-05", "--tz", "Pacific/Kiritimati", "--json"
    )  # UTC+14: user 4's noon on Jan 4 is 02:00 on Jan 5 there
    assert ids_of(out) == [4]
    _, out, _ = cli("users", "list", "--last-active", "<", "2026-06-04", "--json")
    assert ids_of(out) == [1, 2, 3]  # 12, never active, matches no date
    _, out, _ = cli("users", "list", "--text", "USER1", "--sort", "username:desc", "--json")
    assert ids_of(out) == [10, 1]  # case-insensitive "contains"; user11 is Renée
    _, out, _ = cli("users", "list", "--sort", "last_active_at", "--limit", "3", "--json")
    assert ids_of(out) == [11, 10, 9]  # most recent first
    _, out, _ = cli("users", "list", "--id", "4,2", "--id", "9", "--sort", "id:desc", "--json")
    assert ids_of(out) == [9, 4, 2]
    assert cli("users", "count", "--active", "yes", "--json")[1:] == ('{\n  "count": 11\n}\n', "")
    assert cli("users", "count", "--in-batch", "1")[1] == "1 user\n"

    code, out, _ = cli("users", "list", "--limit", "2", "--tz", "Europe/Paris")
    assert code == 0
    header, first = out.splitlines()[:2]
    assert header.split() == [
        "ID", "Username", "Registered", "email", "Active", "Registered", "Last", "active",
        "Quests", "held",
    ]  # fmt: skip
    assert first.split() == [
        "1", "user1", "user1@example.com", "yes", "2026-01-01", "13:00", "2026-06-01", "14:00", "0",
    ]  # fmt: skip
    assert out.endswith("\n2 of 12 users\n")
    assert cli("users", "list", "--text", "nobody")[1] == "No user matches these filters.\n"
    assert user_filter_args.SORTS == user_filter.USER_SORTS  # the help's list is the real one


def test_users_list_csv_prints_exactly_the_bytes_the_page_exports(cli, batch_world) -> None:
    flt = UserFilter(lacks=[VISIT_10], active=True, sort="username", desc=True)
    expected = segment.export_template(batch_world, command_line_account(), flt, "UTC")
    code, out, err = cli(
        "users", "list", "--lacks", "1", "--active", "yes", "--sort", "username:desc", "--csv"
    )
    assert (code, err) == (0, "")
    assert out.encode("utf-8") == expected
    assert expected.startswith("\ufeffID;Username;Registered email".encode())
    assert expected.count(b"user") == 2 * 8  # users 1-6, 8, 9 (and Renée, JÜRGEN)
    _, out, _ = cli("users", "list", "--csv", "--limit", "2")
    assert out.splitlines()[1:] == ["1;user1;user1@example.com", "2;user2;user2@example.com"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--active", "maybe"], "is not an active choice"),
        (["--registered", ">", "2026-13-01"], "is not a day of the calendar"),
        (["--last-active", "~", "2026-01-01"], "is not a date operator"),
        (["--holds", "1", "--lacks", "1"], "cannot be both held and not held"),
        (["--in-batch-status", "Error"], "--in-batch-status needs a batch: add --in-batch BID"),
        (["--sort", "height"], "is not a sort"),
        (["--limit", "0"], "is not a whole number"),
        (["--tz", "Mars/Olympus"], "is not a time zone name"),
        (["--id", "12x"], "is not a User ID"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else "",
)
def test_bad_input_exits_2_with_one_sentence_on_stderr(cli, args: list[str], says: str) -> None:
    code, out, err = cli("users", "list", *args)
    assert (code, out) == (2, "")
    assert says in err and len(err.strip().splitlines()) == 1


def test_batch_add_and_create_from_users_add_with_the_upload_rules_and_report(
    cli, batch_world, accounts
) -> None:
    draft = drafts.create_draft(batch_world, accounts["dev"], "Draft", VISIT_10)
    code, out, err = cli("batch", "add", str(draft), "--from-users", "--id", "6,7,8,10", "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert (data["id"], data["added"], data["matched"]) == (draft, 2, 4)
    assert (data["ok"], data["already_unlocked"], data["inactive"]) == (2, 1, 1)
    members = members_of(batch_world, draft)
    assert sorted(members["user_id"]) == [6, 8]
    assert set(members["added_via"]) == {"users"}
    code, out, _ = cli("batch", "add", str(draft), "--from-users", "--id", "6,9")
    assert code == 0
    assert out.startswith("1 user added to the batch. 1 row not added: 1 already in")

    code, out, err = cli(
        "batch", "create", "--name", "Holders", "--quest", str(ANSWER), "--from-users",
        "--holds", str(VISIT_10), "--holds", str(VISIT_100),
    )  # fmt: skip
    assert code == 0
    made = int(out)
    assert sorted(members_of(batch_world, made)["user_id"]) == [3, 7]
    assert err == f"Batch {made}: 2 users added to the batch.\n"
    assert read_model.read(batch_world, made).name == "Holders"

    before = batch_world.execute("SELECT count(*) FROM batches").fetchone()[0]
    for args, says in [
        (["batch", "add", str(draft), "--active", "yes"], "only with --from-users"),
        (["batch", "add", str(draft), "--from-users", "--user", "3"], "not both"),
        (["batch", "create", "--name", "X", "--quest", "1", "--split"], "--split splits"),
        (["batch", "create", "--name", "X", "--quest", "1", "--from-users", "--text", "zz"],
         "No users match"),
    ]:  # fmt: skip
        code, out, err = cli(*args)
        assert (code, out) == (2, ""), args
        assert says in err and len(err.strip().splitlines()) == 1, err
    assert batch_world.execute("SELECT count(*) FROM batches").fetchone()[0] == before


def test_more_users_than_a_batch_holds_exit_2_unless_create_splits_them(cli, batch_world) -> None:
    batch_world.execute(
        "INSERT INTO platform_users (id, username, email, username_norm, email_norm, active) "
        "SELECT i, 'u' || i, 'u' || i || '@x.org', 'u' || i, 'u' || i || '@x.org', TRUE "
        "FROM range(13, 5013) r(i)"
    )  # 5,011 active users in all
    before = batch_world.execute("SELECT count(*) FROM batches").fetchone()[0]
    code, out, err = cli(
        "batch",
        "create",
        "--name",
        "Big",
        "--quest",
        str(ANSWER),
        "--from-users",
        "--active",
        "yes",
    )
    assert (code, out) == (2, "")
    assert err == (
        "5,011 of the matching users can be added; a batch holds at most 5,000. Split them "
        "into 2 drafts of at most 5,000 each, or narrow the filters. To split them, add --split.\n"
    )
    code, _, err = cli("batch", "add", "1", "--from-users", "--active", "yes")
    assert code == 2 and "batch create --from-users --split" in err
    assert ", but batch 1 has room for 4,999 more (it holds 1 of 5,000)." in err
    assert "file" not in err
    assert batch_world.execute("SELECT count(*) FROM batches").fetchone()[0] == before

    code, out, err = cli(
        "batch", "create", "--name", "Big", "--quest", str(ANSWER), "--from-users",
        "--active", "yes", "--split", "--json",
    )  # fmt: skip
    assert code == 0
    made = json.loads(out)["batches"]
    assert [b["added"] for b in made] == [5000, 11]
    assert [read_model.read(batch_world, b["id"]).name for b in made] == [
        "Big (1 of 2)",
        "Big (2 of 2)",
    ]
    assert len(err.strip().splitlines()) == 2
