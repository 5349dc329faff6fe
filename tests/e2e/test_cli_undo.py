"""The command line's undo: `batch cancel`, `batch pause`/`resume`, `worker pause`/`resume` and
`batch revoke`, with `batch show`, `batch users` and `worker` telling what they did."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import main
from core.publishing import unlocking
from core.words import MSG_DUPLICATE, MSG_MISMATCH
from tests.e2e.test_revoke_crash import assert_revoked_once
from tests.support.publish import ROOT, assert_consistent, cli_env, make_batch, run_cli
from tests.support.store import open_store

REASON = "Awarded by mistake"


@pytest.fixture
def world(db_path: Path) -> Path:
    """A closed data file: quest 1, users 1-10 (10 inactive), drafts 1 (users 1-9), 2 (users 1, 2
    and 10) and 3 (empty), and users 11-12 in no batch."""
    con = open_store(db_path)
    cur = con.cursor()
    cur.execute("INSERT INTO badges (name) VALUES ('Explorer')")
    cur.execute("INSERT INTO quests (badge_id, name) VALUES (1, 'Visit 10 pages')")
    cur.execute(
        """INSERT INTO platform_users (id, username, email, username_norm, email_norm, active) SELECT i, 'user' || i, 'user' || i || '@example.com',
               'user' || i, 'user' || i || '@example.com', i <> 10 FROM range(1, 13) r(i)"""
    )
    make_batch(cur, range(1, 10), name="Spring onboarding")
    make_batch(cur, [1, 2, 10], name="Hackathon winners")
    make_batch(cur, [], name="Empty")
    con.close()
    return db_path


@pytest.fixture
def published(world: Path) -> Path:
    """Batch 1 Published (users 1-9), then batch 2 Partially published: its users 1 and 2 hold
    the quest from batch 1 already, user 10 (deactivated) is in Error."""
    for batch in ("1", "2"):
        assert cli(world, "batch", "publish", batch) == 0
        assert cli(world, "worker", "--once") == 0
    return world


def cli(db: Path, *args: str) -> int:
    return main(["--db", str(db), *args])


def show_json(db: Path, batch_id: int, capsys: pytest.CaptureFixture) -> dict:
    capsys.readouterr()
    assert cli(db, "batch", "show", str(batch_id), "--json") == 0
    return json.loads(capsys.readouterr().out)


def refusal(db: Path, capsys: pytest.CaptureFixture, *args: str) -> str:
    """Run a command that must be refused: exit 2, one sentence on stderr; return it."""
    capsys.readouterr()
    assert cli(db, *args) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    return err


def start_publishing(db: Path, batch_id: int, users: int) -> None:
    """Queue the batch and unlock only its first `users` users: it is "In Progress"."""
    assert main(["--db", str(db), "batch", "publish", str(batch_id)]) == 0
    con = open_store(db)
    try:
        assert unlocking.process_once(con.cursor(), users).processed == users
    finally:
        con.close()


def unlocks(db: Path) -> dict[int, int | None]:
    """{user id: the batch credited with the unlock} for quest 1."""
    con = open_store(db)
    try:
        rows = con.execute("SELECT user_id, batch_id FROM unlocks WHERE quest_id = 1").fetchall()
        return dict(rows)
    finally:
        con.close()


def consistent(db: Path) -> None:
    con = open_store(db)
    try:
        assert_consistent(con.cursor())
        assert_revoked_once(con.cursor())
    finally:
        con.close()


# --- batch show: the new keys ------------------------------------------------------------------


def test_batch_show_json_has_paused_and_the_revoke_counts_in_a_fixed_order(world, capsys):
    shown = show_json(world, 1, capsys)

    assert list(shown) == [
        "id", "name", "badge", "quest", "status", "progress", "paused", "users", "counts",
    ]  # fmt: skip
    assert shown["paused"] is False
    assert shown["counts"] == {
        "Unpublished": 9,
        "In Progress": 0,
        "Published": 0,
        "Error": 0,
        "Revoking": 0,
        "Revoked": 0,
    }


# --- batch cancel ------------------------------------------------------------------------------


def test_cancel_takes_a_queued_batch_out_of_the_queue_and_back_to_a_draft(world, capsys):
    assert cli(world, "batch", "publish", "1") == 0
    capsys.readouterr()

    assert cli(world, "batch", "cancel", "1") == 0
    out = capsys.readouterr().out
    assert "Spring onboarding" in out and len(out.strip().splitlines()) == 1

    shown = show_json(world, 1, capsys)
    assert (shown["status"], shown["counts"]["Unpublished"]) == ("Draft", 9)
    assert cli(world, "batch", "queue", "--json") == 0
    assert json.loads(capsys.readouterr().out) == []
    assert cli(world, "worker", "--once") == 0
    assert unlocks(world) == {}, "a cancelled batch is not published"


def test_a_cancelled_batch_can_be_published_again(world, capsys):
    cli(world, "batch", "publish", "1")
    cli(world, "batch", "cancel", "1")
    capsys.readouterr()

    assert cli(world, "batch", "publish", "1") == 0
    assert cli(world, "worker", "--once") == 0
    assert show_json(world, 1, capsys)["status"] == "Published"


def test_cancel_json_prints_the_batch_afterwards(world, capsys):
    cli(world, "batch", "publish", "1")
    capsys.readouterr()

    assert cli(world, "batch", "cancel", "1", "--json") == 0
    assert json.loads(capsys.readouterr().out)["status"] == "Draft"


def test_cancelling_an_in_progress_batch_is_refused_and_points_at_pause(world, capsys):
    start_publishing(world, 1, 3)

    err = refusal(world, capsys, "batch", "cancel", "1")

    assert "pause" in err.lower()
    assert show_json(world, 1, capsys)["status"] == "In Progress"


@pytest.mark.parametrize("batch", ["1", "3"])  # a draft; a published empty batch (below)
def test_cancelling_a_batch_that_is_not_queued_is_refused(world, capsys, batch):
    if batch == "3":
        cli(world, "batch", "publish", "3")  # no users: Published at once
    refusal(world, capsys, "batch", "cancel", batch)


# --- batch pause / resume ----------------------------------------------------------------------


def test_a_paused_batch_keeps_its_progress_and_place_until_resumed(world, capsys):
    start_publishing(world, 1, 3)
    capsys.readouterr()

    assert cli(world, "batch", "pause", "1") == 0
    assert "Spring onboarding" in capsys.readouterr().out

    shown = show_json(world, 1, capsys)
    assert (shown["status"], shown["paused"], shown["progress"]) == (
        "In Progress · Paused",
        True,
        33,
    )
    assert cli(world, "batch", "show", "1") == 0
    out = capsys.readouterr().out
    assert "Status: In Progress (33%) · Paused" in out
    assert "Paused by cli:" in out and "batch resume 1" in out

    assert cli(world, "batch", "queue", "--json") == 0
    queued = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["status"], r["paused"]) for r in queued] == [
        (1, "In Progress · Paused", True)  # still queued, in its place
    ]

    assert cli(world, "worker", "--once") == 0  # ends: only a paused batch is left
    assert show_json(world, 1, capsys)["counts"]["Published"] == 3

    assert cli(world, "batch", "resume", "1") == 0
    assert "Spring onboarding" in capsys.readouterr().out
    assert show_json(world, 1, capsys)["paused"] is False
    assert cli(world, "worker", "--once") == 0
    assert show_json(world, 1, capsys)["status"] == "Published"
    consistent(world)


def test_other_batches_keep_publishing_while_one_is_paused(world, capsys):
    start_publishing(world, 1, 3)
    cli(world, "batch", "pause", "1")
    cli(world, "batch", "publish", "2")

    assert cli(world, "worker", "--once") == 0

    assert show_json(world, 2, capsys)["status"] == "Partially published"
    assert show_json(world, 1, capsys)["status"] == "In Progress · Paused"


def test_batch_list_shows_a_paused_batch_as_paused(world, capsys):
    start_publishing(world, 1, 3)
    cli(world, "batch", "pause", "1")
    capsys.readouterr()

    assert cli(world, "batch", "list") == 0
    assert "In Progress (33%) · Paused" in capsys.readouterr().out
    assert cli(world, "batch", "list", "--status", "paused", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["paused"]) for r in rows] == [(1, True)]


@pytest.mark.parametrize(
    "args",
    [
        ["batch", "pause", "1"],  # a draft
        ["batch", "resume", "1"],  # a draft
        ["batch", "pause", "99"],  # no such batch
    ],
)
def test_pausing_or_resuming_what_cannot_be_is_refused(world, capsys, args):
    refusal(world, capsys, *args)


def test_pausing_twice_and_resuming_a_running_batch_are_refused(world, capsys):
    start_publishing(world, 1, 3)

    refusal(world, capsys, "batch", "resume", "1")  # running
    assert cli(world, "batch", "pause", "1") == 0
    refusal(world, capsys, "batch", "pause", "1")  # paused already
    assert show_json(world, 1, capsys)["paused"] is True


def test_a_finished_batch_cannot_be_paused(published, capsys):
    refusal(published, capsys, "batch", "pause", "1")


# --- worker pause / resume ---------------------------------------------------------------------


def test_worker_pause_stops_all_publishing_until_worker_resume(world, capsys):
    cli(world, "batch", "publish", "1")
    capsys.readouterr()

    assert cli(world, "worker", "pause") == 0
    assert capsys.readouterr().out.strip()
    con = open_store(world)
    try:
        chunk = unlocking.process_once(con.cursor(), 100)
    finally:
        con.close()
    assert (chunk.processed, chunk.paused_publisher) == (0, True)

    assert cli(world, "worker", "resume") == 0
    assert capsys.readouterr().out.strip()
    assert cli(world, "worker", "--once") == 0
    assert show_json(world, 1, capsys)["status"] == "Published"


def test_a_worker_started_while_the_publisher_is_paused_says_so_and_once_ends(world):
    assert run_cli(world, "batch", "publish", "1").returncode == 0
    assert run_cli(world, "worker", "pause").returncode == 0

    done = run_cli(world, "worker", "--once", timeout=60)

    assert done.returncode == 0, done.stderr
    assert "The publisher is paused (by cli:" in done.stdout
    assert "worker resume" in done.stdout
    assert "processed 0 users" in done.stdout


def test_worker_once_on_a_paused_publisher_says_it_is_paused_not_that_the_queue_is_empty(
    world, capsys
):
    cli(world, "batch", "publish", "1")
    assert cli(world, "worker", "pause") == 0
    capsys.readouterr()

    assert cli(world, "worker", "--once") == 0

    out = capsys.readouterr().out
    assert "Queue empty" not in out
    assert "Stopped, as the publisher is paused: processed 0 users" in out
    assert out.strip().splitlines()[-1].startswith("The publisher is paused (by cli:")
    assert out.strip().endswith("until `python -m core worker resume`.")


def test_batch_show_and_queue_say_when_the_whole_publisher_is_paused(world, capsys):
    cli(world, "batch", "publish", "1")
    capsys.readouterr()
    assert cli(world, "batch", "show", "1") == 0
    assert cli(world, "batch", "queue") == 0
    assert "The publisher is paused" not in capsys.readouterr().out

    assert cli(world, "worker", "pause") == 0
    capsys.readouterr()
    assert cli(world, "batch", "show", "1") == 0
    shown = capsys.readouterr().out
    assert cli(world, "batch", "queue") == 0
    queued = capsys.readouterr().out
    assert cli(world, "batch", "show", "2") == 0  # a draft: the pause does not hold it up
    draft = capsys.readouterr().out

    assert "The publisher is paused (by cli:" in shown and "worker resume" in shown
    assert "The publisher is paused (by cli:" in queued and "Spring onboarding" in queued
    assert "The publisher is paused" not in draft


def test_worker_pause_twice_or_resume_when_running_is_refused(world, capsys):
    refusal(world, capsys, "worker", "resume")
    assert cli(world, "worker", "pause") == 0
    refusal(world, capsys, "worker", "pause")


# --- batch revoke ------------------------------------------------------------------------------


def test_revoke_dry_run_prints_the_four_counts_and_the_details_and_changes_nothing(
    published, capsys
):
    before = unlocks(published)
    capsys.readouterr()

    args = ["batch", "revoke", "1", "--user", "1", "--user", "3", "--user", "10", "--user", "99"]
    assert cli(published, *args, "--dry-run", "--json") == 0
    preview = json.loads(capsys.readouterr().out)

    assert list(preview) == [
        "id", "name", "quest", "dry_run", "revoke", "not_in_batch", "not_unlocked_by_this_batch",
        "kept_from_other_batch", "question", "details",
    ]  # fmt: skip
    assert (preview["id"], preview["name"], preview["dry_run"]) == (1, "Spring onboarding", True)
    assert preview["quest"] == "Explorer › Visit 10 pages"
    counts = {key: preview[key] for key in list(preview)[4:8]}
    assert counts == {
        "revoke": 1,  # user 3
        "not_in_batch": 2,  # users 10 and 99
        "not_unlocked_by_this_batch": 0,
        "kept_from_other_batch": 1,  # user 1: Published in batch 2 as well
    }
    by_user = {d["user_id"]: d for d in preview["details"]}
    assert {d["category"] for d in preview["details"]} >= {"revoke", "not_in_batch"}
    assert by_user[3]["category"] == "revoke" and by_user[3]["username"] == "user3"
    assert by_user[1]["category"] == "kept_from_other_batch" and by_user[1]["message"]
    assert set(preview["details"][0]) == {"row", "user_id", "username", "category", "message"}
    assert preview["question"].startswith("Revoke")
    assert unlocks(published) == before
    assert show_json(published, 1, capsys)["status"] == "Published"


def test_revoke_dry_run_in_text_says_what_and_why_not(published, capsys):
    capsys.readouterr()
    assert cli(published, "batch", "revoke", "2", "--all", "--dry-run") == 0
    out = capsys.readouterr().out

    assert "Batch 2: Hackathon winners (Explorer › Visit 10 pages)" in out
    lines = {line.strip().rsplit(None, 1)[0].strip(): line.split()[-1] for line in out.splitlines()}
    assert lines["Will be revoked"] == "0"
    assert lines["Keep it (they hold it from another batch)"] == "2"  # batch 1 unlocked 1 and 2
    assert lines["Not unlocked by this batch"] == "1"  # user 10: Error
    assert "Not revoked (or merged), and why:" in out and "user10" in out
    assert "Nothing was changed (dry run). To revoke, give --reason TEXT without --dry-run." in out


def test_a_dry_run_with_a_reason_says_to_run_it_again_without_dry_run(published, capsys):
    capsys.readouterr()
    assert cli(published, "batch", "revoke", "1", "--all", "--reason", REASON, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "Nothing was changed (dry run). To revoke, run it again without --dry-run." in out
    assert cli(published, "batch", "show", "1", "--json") == 0
    assert json.loads(capsys.readouterr().out)["counts"]["Revoking"] == 0


def test_revoke_all_then_the_worker_takes_back_only_this_batchs_unlocks(published, capsys):
    capsys.readouterr()
    assert cli(published, "batch", "revoke", "1", "--all", "--reason", REASON) == 0
    out = capsys.readouterr().out
    assert "worker --once" in out
    shown = show_json(published, 1, capsys)
    assert shown["status"] == "Revoking"
    assert shown["counts"]["Revoking"] == 9 and shown["counts"]["Published"] == 0

    assert cli(published, "worker", "--once") == 0
    out = capsys.readouterr().out
    assert "batch 1 “Spring onboarding”: Revoked (9 of 9 revoked)" in out
    assert "9 revoked" in out.splitlines()[-1]

    shown = show_json(published, 1, capsys)
    assert (shown["status"], shown["progress"]) == ("Revoked", 100)
    assert shown["counts"]["Revoked"] == 9 and shown["counts"]["Revoking"] == 0
    # Users 1 and 2 are Published in batch 2 too: they keep the quest, now credited to it.
    assert unlocks(published) == {1: 2, 2: 2}
    assert show_json(published, 2, capsys)["status"] == "Partially published"
    consistent(published)


def test_batch_users_lists_the_revoked_with_reason_by_and_when(published, capsys):
    cli(published, "batch", "revoke", "1", "--user", "3", "--user", "4", "--reason", REASON)
    cli(published, "worker", "--once")
    capsys.readouterr()

    assert cli(published, "batch", "users", "1", "--status", "Revoked", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["user_id"], r["status"], r["revoke_reason"]) for r in rows] == [
        (3, "Revoked", REASON),
        (4, "Revoked", REASON),
    ]
    assert all(r["revoked_by"].startswith("cli:") and r["revoked_at"] for r in rows)
    assert all(r["kept_by_batch"] is None for r in rows)

    assert cli(published, "batch", "users", "1", "--status", "Revoked") == 0
    out = capsys.readouterr().out
    assert "revoke_reason" in out.splitlines()[0] and REASON in out and " UTC" in out
    assert show_json(published, 1, capsys)["status"] == "Partially revoked"
    consistent(published)


def test_revoke_json_prints_the_outcome(published, capsys):
    capsys.readouterr()
    assert cli(published, "batch", "revoke", "1", "--all", "--reason", REASON, "--json") == 0
    outcome = json.loads(capsys.readouterr().out)

    assert list(outcome) == ["id", "dry_run", "requested", "kept", "status", "message"]
    assert (outcome["id"], outcome["dry_run"], outcome["status"]) == (1, False, "Revoking")
    assert (outcome["requested"], outcome["kept"]) == (9, 2)  # both set Revoking; 2 keep it


def test_revoke_from_a_csv_in_the_template_format(published, capsys, tmp_path):
    csv = tmp_path / "wrong.csv"
    csv.write_text("ID,Username\n3,user3\n4,user4\n999,nobody\n")
    capsys.readouterr()

    assert cli(published, "batch", "revoke", "1", "--csv", str(csv), "--dry-run", "--json") == 0
    preview = json.loads(capsys.readouterr().out)
    assert (preview["revoke"], preview["not_in_batch"]) == (2, 1)
    missing = [d for d in preview["details"] if d["category"] == "not_in_batch"]
    assert missing[0]["row"] is not None and missing[0]["message"]

    assert cli(published, "batch", "revoke", "1", "--csv", str(csv), "--reason", REASON) == 0
    cli(published, "worker", "--once")
    assert set(unlocks(published)) == {1, 2, 5, 6, 7, 8, 9}


def test_revoke_dry_run_lists_merged_rows_and_unknown_user_ids_so_the_file_adds_up(
    published, capsys, tmp_path
):
    csv = tmp_path / "twice.csv"
    csv.write_text("ID,Username\n3,user3\n3,user3\n4,user4\n")
    capsys.readouterr()

    assert cli(published, "batch", "revoke", "1", "--csv", str(csv), "--dry-run") == 0
    out = capsys.readouterr().out
    assert cli(published, "batch", "revoke", "1", "--csv", str(csv), "--dry-run", "--json") == 0
    preview = json.loads(capsys.readouterr().out)
    assert cli(published, "batch", "revoke", "1", "--user", "99", "--dry-run", "--json") == 0
    unknown = json.loads(capsys.readouterr().out)

    assert preview["revoke"] == 2 and len(preview["details"]) == 3  # every row of the file
    merged = [d for d in preview["details"] if d["message"] == MSG_DUPLICATE]
    assert [(d["row"], d["user_id"], d["category"]) for d in merged] == [(3, 3, "revoke")]
    assert "Not revoked (or merged), and why:" in out and MSG_DUPLICATE in out
    assert unknown["not_in_batch"] == 1
    assert [(d["user_id"], d["message"]) for d in unknown["details"]] == [(99, MSG_MISMATCH)]


def test_one_username_can_be_revoked_by_name(published, capsys):
    assert cli(published, "batch", "revoke", "1", "--user", "user5", "--reason", REASON) == 0
    cli(published, "worker", "--once")
    assert 5 not in unlocks(published)


def test_a_revoked_user_can_be_added_to_the_batch_again_and_is_unlocked(published, capsys):
    cli(published, "batch", "revoke", "1", "--user", "3", "--reason", REASON)
    cli(published, "worker", "--once")
    capsys.readouterr()

    assert cli(published, "batch", "add", "1", "--user", "3") == 0
    assert "1 user added to batch 1." in capsys.readouterr().out
    assert cli(published, "worker", "--once") == 0
    assert unlocks(published)[3] == 1
    consistent(published)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["batch", "revoke", "1", "--all"], "--reason"),  # no reason
        (["batch", "revoke", "1", "--all", "--reason", "   "], ""),  # a blank reason
        (["batch", "revoke", "1", "--all", "--reason", "x" * 501], ""),  # too long
        (["batch", "revoke", "3", "--all", "--reason", REASON], ""),  # an empty draft
        (["batch", "revoke", "1", "--user", "abc", "--user", "2", "--reason", REASON], "User ID"),
        (["batch", "revoke", "99", "--all", "--reason", REASON], "no batch"),
    ],
)
def test_a_revoke_that_cannot_be_done_is_refused_in_one_sentence(published, capsys, args, words):
    err = refusal(published, capsys, *args)
    assert words.lower() in err.lower()
    assert unlocks(published) == {i: 1 for i in range(1, 10)}


def test_revoking_a_draft_or_a_queued_batch_is_refused(world, capsys):
    refusal(world, capsys, "batch", "revoke", "1", "--all", "--reason", REASON)
    cli(world, "batch", "publish", "1")
    refusal(world, capsys, "batch", "revoke", "1", "--all", "--reason", REASON)


def test_revoking_twice_revokes_nobody_the_second_time_and_is_refused(published, capsys):
    assert cli(published, "batch", "revoke", "1", "--all", "--reason", REASON) == 0
    refusal(published, capsys, "batch", "revoke", "1", "--all", "--reason", REASON)  # Revoking
    cli(published, "worker", "--once")
    refusal(published, capsys, "batch", "revoke", "1", "--all", "--reason", REASON)  # Revoked


def test_a_paused_revoke_waits_until_resumed(published, capsys):
    cli(published, "batch", "revoke", "1", "--all", "--reason", REASON)
    assert cli(published, "batch", "pause", "1") == 0
    assert cli(published, "worker", "--once") == 0
    assert show_json(published, 1, capsys)["status"] == "Revoking · Paused"
    assert len(unlocks(published)) == 9

    cli(published, "batch", "resume", "1")
    cli(published, "worker", "--once")
    assert show_json(published, 1, capsys)["status"] == "Revoked"


@pytest.mark.parametrize(
    "args",
    [
        ["batch", "revoke", "1", "--reason", REASON],  # whom?
        ["batch", "revoke", "1", "--all", "--user", "3", "--reason", REASON],  # both
        ["batch", "revoke", "1", "--all", "--csv", "x.csv", "--reason", REASON],
    ],
)
def test_revoke_needs_exactly_one_of_user_csv_and_all(published, capsys, args):
    assert cli(published, *args) == 2
    assert "--user" in capsys.readouterr().err


# --- help and a file the app holds -------------------------------------------------------------


def test_help_names_the_undo_commands():
    done = subprocess.run(
        [sys.executable, "-m", "core", "batch", "--help"],
        cwd=ROOT,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    for command in ("cancel", "pause", "resume", "revoke"):
        assert f"    {command} " in done.stdout
    worker = subprocess.run(
        [sys.executable, "-m", "core", "worker", "--help"],
        cwd=ROOT,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "pause" in worker.stdout and "resume" in worker.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["batch", "cancel", "1"],
        ["batch", "pause", "1"],
        ["batch", "resume", "1"],
        ["worker", "pause"],
        ["worker", "resume"],
        ["batch", "revoke", "1", "--all", "--reason", REASON],
        ["batch", "revoke", "1", "--all", "--dry-run"],
    ],
)
def test_a_data_file_the_app_holds_is_reported_on_one_line_with_the_way_in_the_app(world, args):
    holder = open_store(world)  # this test process holds the file, as a running app does
    try:
        done = run_cli(world, *args)
    finally:
        holder.close()
    assert done.returncode == 2
    assert "in use by another process" in done.stderr
    assert "While the app runs" in done.stderr and "in the app" in done.stderr  # the way there
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["batch", "cancel", "4"],
        ["batch", "pause", "4", "--json"],
        ["batch", "resume", "4"],
        ["worker", "pause"],
        ["worker", "resume"],
        ["worker", "--once"],
        ["batch", "revoke", "4", "--user", "7", "--user", "8", "--reason", "x", "--dry-run"],
    ],
    ids=" ".join,
)
def test_the_quick_parse_of_an_undo_command_gives_what_the_full_parser_gives(argv):
    from core.cli import build_parser, parse_quickly

    quick = parse_quickly(argv)
    assert quick is not None, "the command table names the command's module"
    assert vars(quick) == vars(build_parser().parse_args(argv))
