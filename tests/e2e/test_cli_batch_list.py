"""`python -m core batch list`: the page's filters and sort from the command line."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs

import duckdb
import pytest

from core.cli import build_parser, main
from core.cli.batch_list import filter_from_args
from core.history.url import parse_query_params
from core.publishing import batch_report
from tests.support.batch_list import ANSWER, EXPLORER, VISIT_10, VISIT_100, add_batch
from tests.support.store import open_store


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A data file with three batches and a draft by someone else, closed for the CLI to open."""
    path = tmp_path / "cli.duckdb"
    con = open_store(path)
    cur = con.cursor()
    cur.execute("INSERT INTO badges (name) VALUES ('Explorer'), ('Mentor')")
    cur.execute(
        "INSERT INTO quests (badge_id, name) VALUES "
        "(1, 'Visit 10 pages'), (1, 'Visit 100 pages'), (2, 'Answer a question')"
    )
    add_batch(
        cur, "Spring onboarding", VISIT_10, "published", created_at="2026-03-01 09:00", users=40
    )
    add_batch(
        cur,
        "Hackathon winners",
        VISIT_100,
        "in_progress",
        created_at="2026-03-05 23:30:00+00",
        counts={"unpublished": 6, "in_progress": 0, "published": 3, "error": 1},
    )
    add_batch(
        cur, "=Community", ANSWER, "partially_published", created_at="2026-03-10 09:00", users=25
    )
    add_batch(cur, "Dan's draft", ANSWER, "draft", created_by="dan", created_at="2026-03-12 09:00")
    con.close()
    return str(path)


def listed(db: str, capsys: pytest.CaptureFixture, *args: str) -> list[dict]:
    """Run `batch list --json ARGS` and return the printed objects."""
    assert main(["--db", db, "batch", "list", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def failure(db: str, capsys: pytest.CaptureFixture, *args: str) -> str:
    """Run `batch list ARGS`, check it exits 2, and return its one-line message."""
    assert main(["--db", db, "batch", "list", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    return err


def test_without_options_every_batch_is_listed_newest_first_drafts_included(db, capsys) -> None:
    assert [b["name"] for b in listed(db, capsys)] == [
        "Dan's draft",
        "=Community",
        "Hackathon winners",
        "Spring onboarding",
    ]


def test_json_has_the_batch_show_keys_with_spec_words_and_iso_dates(db, capsys) -> None:
    running = listed(db, capsys, "--name", "hackathon")[0]
    assert running == {
        "id": 2,
        "name": "Hackathon winners",
        "badge": "Explorer",
        "quest": "Visit 100 pages",
        "status": "In Progress",
        "progress": 40,
        "paused": False,
        "users": 10,
        "counts": {
            "Unpublished": 6,
            "In Progress": 0,
            "Published": 3,
            "Error": 1,
            "Revoking": 0,
            "Revoked": 0,
        },
        "created_at": "2026-03-05T23:30:00+00:00",
        "updated_at": "2026-03-05T23:30:00+00:00",
    }
    assert datetime.fromisoformat(running["updated_at"]).tzinfo is not None


def test_status_takes_spec_words_or_codes_in_any_case(db, capsys) -> None:
    by_words = listed(db, capsys, "--status", "In Progress", "--status", "PUBLISHED")
    by_codes = listed(db, capsys, "--status", "in_progress", "--status", "published")
    assert [b["name"] for b in by_words] == ["Hackathon winners", "Spring onboarding"]
    assert by_words == by_codes
    assert [b["name"] for b in listed(db, capsys, "--status", "partially published")] == [
        "=Community"
    ]


def test_quest_and_badge_options_repeat_and_a_badge_means_all_its_quests(db, capsys) -> None:
    assert len(listed(db, capsys, "--badge", str(EXPLORER))) == 2
    assert len(listed(db, capsys, "--quest", str(VISIT_10), "--quest", str(ANSWER))) == 3


def test_dates_take_an_operator_and_a_day_in_the_chosen_time_zone(db, capsys) -> None:
    assert [b["name"] for b in listed(db, capsys, "--created", "=", "2026-03-05")] == [
        "Hackathon winners"
    ]
    # 23:30 UTC on the 5th is the 6th in Paris, and printed with Paris' offset.
    in_paris = listed(db, capsys, "--created", "=", "2026-03-06", "--tz", "Europe/Paris")
    assert [b["created_at"] for b in in_paris] == ["2026-03-06T00:30:00+01:00"]
    assert len(listed(db, capsys, "--created", ">", "2026-03-05")) == 2
    assert len(listed(db, capsys, "--updated", "<", "2026-03-05")) == 1


def test_sort_takes_a_column_and_an_optional_desc(db, capsys) -> None:
    assert [b["name"] for b in listed(db, capsys, "--sort", "name")] == [
        "=Community",
        "Dan's draft",
        "Hackathon winners",
        "Spring onboarding",
    ]
    by_users = listed(db, capsys, "--sort", "users:desc")
    assert [(b["name"], b["users"]) for b in by_users] == [
        ("Spring onboarding", 40),
        ("=Community", 25),
        ("Dan's draft", 10),  # Equal counts: the higher id first, as the reverse of ascending.
        ("Hackathon winners", 10),
    ]


def test_the_table_shows_the_spec_words_and_the_percentage(db, capsys) -> None:
    assert main(["--db", db, "batch", "list", "--status", "in_progress"]) == 0
    out = capsys.readouterr().out
    header, row = out.splitlines()[:2]
    for column in ("Title", "Badge", "Quest", "Users", "Created at", "Last updated", "Status"):
        assert column in header
    assert "Hackathon winners" in row
    assert "In Progress (40%)" in row
    assert "1 batch" in out


def test_no_match_says_so_plainly(db, capsys) -> None:
    assert main(["--db", db, "batch", "list", "--name", "nothing like it"]) == 0
    assert capsys.readouterr().out.strip() == "No batch matches these filters."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--status", "Done"], "'Done' is not a batch status"),
        (["--created", "~", "2026-03-01"], "“~” is not a date operator"),
        (["--created", ">", "01/03/2026"], "is not a day; write it as YYYY-MM-DD"),
        (["--updated", "=", "2026-02-30"], "is not a day of the calendar"),
        (["--sort", "colour"], "'colour' is not a sort"),
        (["--quest", "three"], "Quest id 'three' is not a positive whole number"),
        (["--tz", "Mars/Olympus"], "'Mars/Olympus' is not a time zone name"),
    ],
)
def test_bad_input_exits_2_with_one_sentence(db, capsys, args: list[str], message: str) -> None:
    assert message in failure(db, capsys, *args)


def test_the_command_line_and_the_page_build_the_same_filter() -> None:
    args = build_parser().parse_args(
        ["batch", "list", "--status", "Published", "--status", "in progress", "--name", "spring",
         "--quest", "3", "--badge", "2", "--created", ">", "2026-10-01", "--sort", "name:desc"]
    )  # fmt: skip
    assert isinstance(args, argparse.Namespace)
    from_url, notes = parse_query_params(
        parse_qs(
            "status=published&status=in_progress&name=spring&quest=3&badge=2"
            "&created=%3E2026-10-01&sort=name:desc"
        )
    )
    assert notes == []
    assert filter_from_args(args) == from_url


def test_the_listing_reads_the_file_without_changing_it(db, capsys) -> None:
    listed(db, capsys, "--sort", "status")
    con = duckdb.connect(db, read_only=True)
    assert con.sql("SELECT count(*) FROM batches").fetchall()[0][0] == 4
    con.close()


def test_each_json_object_is_batch_show_plus_the_two_dates(db, capsys) -> None:
    rows = listed(db, capsys)
    con = open_store(db)
    try:
        for row in rows:
            shown = batch_report.batch_summary(con.cursor(), row["id"])
            assert {k: v for k, v in row.items() if k not in ("created_at", "updated_at")} == shown
    finally:
        con.close()
