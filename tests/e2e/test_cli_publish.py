"""The command line: `batch publish`, `batch show`, `batch retry`, `batch queue` and `worker`."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import main
from tests.support.publish import ROOT, cli_env, make_batch, run_cli
from tests.support.store import open_store


@pytest.fixture
def world(db_path: Path) -> Path:
    """A closed data file with a badge quest, users 1-10 (10 inactive) and three drafts."""
    con = open_store(db_path)
    cur = con.cursor()
    cur.execute("INSERT INTO badges (name) VALUES ('Explorer')")
    cur.execute("INSERT INTO quests (badge_id, name) VALUES (1, 'Visit 10 pages')")
    cur.execute(
        """INSERT INTO platform_users (id, username, email, username_norm, email_norm, active) SELECT i, 'user' || i, 'user' || i || '@example.com',
               'user' || i, 'user' || i || '@example.com', i <> 10 FROM range(1, 11) r(i)"""
    )
    make_batch(cur, range(1, 10), name="Spring onboarding")  # 1: all active
    make_batch(cur, [1, 2, 10], name="Hackathon winners")  # 2: one deactivated user
    make_batch(cur, [], name="Empty")  # 3
    con.close()
    return db_path


def cli(db: Path, *args: str) -> int:
    return main(["--db", str(db), *args])


def show_json(db: Path, batch_id: int, capsys) -> dict:
    capsys.readouterr()
    assert cli(db, "batch", "show", str(batch_id), "--json") == 0
    return json.loads(capsys.readouterr().out)


def test_batch_show_json_prints_the_agreed_keys_with_the_spec_words(world, capsys):
    shown = show_json(world, 1, capsys)

    assert shown == {
        "id": 1,
        "name": "Spring onboarding",
        "badge": "Explorer",
        "quest": "Visit 10 pages",
        "status": "Draft",
        "progress": 0,
        "paused": False,
        "users": 9,
        "counts": {
            "Unpublished": 9,
            "In Progress": 0,
            "Published": 0,
            "Error": 0,
            "Revoking": 0,
            "Revoked": 0,
        },
    }


def test_publish_then_worker_once_takes_a_batch_from_unpublished_to_published(world, capsys):
    assert cli(world, "batch", "publish", "1") == 0
    out = capsys.readouterr().out
    assert "was queued" in out and "1st in the queue" in out
    assert show_json(world, 1, capsys)["status"] == "Unpublished"

    assert cli(world, "worker", "--once") == 0
    out = capsys.readouterr().out
    assert "batch 1 “Spring onboarding”: Published (9 of 9)" in out
    assert "Queue empty: processed 9 users" in out

    shown = show_json(world, 1, capsys)
    assert (shown["status"], shown["progress"]) == ("Published", 100)
    assert shown["counts"] == {
        "Unpublished": 0,
        "In Progress": 0,
        "Published": 9,
        "Error": 0,
        "Revoking": 0,
        "Revoked": 0,
    }


def test_a_batch_published_with_zero_users_shows_published_at_once(world, capsys):
    assert cli(world, "batch", "publish", "3", "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["status"], shown["progress"], shown["users"]) == ("Published", 100, 0)


def test_batch_show_prints_a_readable_summary_with_the_error_reasons(world, capsys):
    cli(world, "batch", "publish", "2")
    cli(world, "worker", "--once")
    capsys.readouterr()

    assert cli(world, "batch", "show", "2") == 0
    out = capsys.readouterr().out

    assert "Batch 2: Hackathon winners" in out
    assert "Status: Partially published" in out
    assert "The user was deactivated after being added to the batch." in out
    assert [line.split() for line in out.splitlines() if line.strip().startswith("Error ")] == [
        ["Error", "1"]
    ]


def test_an_unpublished_batch_shows_its_place_in_the_queue(world, capsys):
    cli(world, "batch", "publish", "2")
    cli(world, "batch", "publish", "1")
    capsys.readouterr()

    cli(world, "batch", "show", "1")
    assert "Status: Unpublished, 2nd in the queue" in capsys.readouterr().out
    assert cli(world, "batch", "queue", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["position"], r["id"], r["status"]) for r in rows] == [
        (1, 2, "Unpublished"),
        (2, 1, "Unpublished"),
    ]
    assert list(rows[0]) == [
        "position",
        "id",
        "name",
        "status",
        "queued_at",
        "users",
        "pending",
        "progress",
        "paused",
    ]  # the JSON shape scripts read
    assert (rows[0]["pending"], rows[0]["progress"]) == (rows[0]["users"], 0)


def test_batch_retry_requeues_the_users_in_error(world, capsys):
    cli(world, "batch", "publish", "2")
    cli(world, "worker", "--once")
    con = open_store(world)
    con.execute("UPDATE platform_users SET active = TRUE WHERE id = 10")
    con.close()
    capsys.readouterr()

    assert cli(world, "batch", "retry", "2") == 0
    assert "1 user in “Error” was queued again." in capsys.readouterr().out
    cli(world, "worker", "--once")
    assert show_json(world, 2, capsys)["status"] == "Published"


def test_batch_retry_leaves_a_still_deactivated_user_in_error_and_says_why(world, capsys):
    cli(world, "batch", "publish", "2")
    cli(world, "worker", "--once")
    capsys.readouterr()

    assert cli(world, "batch", "retry", "2") == 0
    out = capsys.readouterr().out
    assert "0 users in “Error” were queued again." in out
    assert "1 user in “Error” would fail again as things stand (1 still deactivated)" in out
    assert "--all" in out
    assert show_json(world, 2, capsys)["status"] == "Partially published"

    assert cli(world, "batch", "retry", "2", "--all") == 0
    assert "1 user in “Error” was queued again." in capsys.readouterr().out
    assert show_json(world, 2, capsys)["counts"]["Unpublished"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["batch", "publish", "99"], "No batch 99 is visible to you"),
        (["batch", "show", "99"], "No batch 99 is visible to you"),
        (
            ["batch", "retry", "1"],
            "only a finished batch with users in “Error” has errors to retry.",
        ),
        (["worker", "--once", "--rate", "fast"], "--rate must be a number of unlocks per second"),
        (["worker", "--once", "--rate", "-3"], "--rate must be a number of unlocks per second"),
        (["worker", "--once", "--chunk", "0"], "--chunk must be at least 1."),
    ],
)
def test_bad_input_exits_2_with_one_sentence(world, capsys, args, message):
    assert cli(world, *args) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_the_worker_follows_the_stored_rate_unless_told_otherwise(world, capsys):
    con = open_store(world)
    con.cursor().settings.put("publish_rate", "5000")
    con.close()

    cli(world, "worker", "--once")
    assert "at most 5000 unlocks per second, from the stored setting" in capsys.readouterr().out
    cli(world, "worker", "--once", "--rate", "0")
    assert "rate: unlimited" in capsys.readouterr().out


def test_python_m_core_publishes_in_a_subprocess_and_stops_on_sigterm(world):
    queued = run_cli(world, "batch", "publish", "1")
    assert queued.returncode == 0, queued.stderr

    lines = []
    with subprocess.Popen(
        [sys.executable, "-m", "core", "--db", str(world), "worker", "--rate", "1000"],
        cwd=ROOT,
        env=cli_env(),
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        for line in proc.stdout:
            lines.append(line)
            if "Published (9 of 9)" in line:
                proc.send_signal(signal.SIGTERM)
    assert proc.returncode == 0
    assert lines[0].startswith("Publishing worker started (rate: at most 1000 unlocks per second)")
    assert lines[-1].startswith("Stopped: processed 9 users")

    shown = run_cli(world, "batch", "show", "1", "--json")
    assert json.loads(shown.stdout)["status"] == "Published"
