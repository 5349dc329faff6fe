"""The developers' command line: init, imports, accounts, quests, help and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import main
from tests.support.store import open_store

ROOT = Path(__file__).resolve().parents[2]


def run(db: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """Run `python -m core --db DB ARGS` as a developer would."""
    return subprocess.run(
        [sys.executable, "-m", "core", "--db", str(db), *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_init_demo_creates_a_file_a_developer_can_query(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    result = run(db, "init", "--demo", "--users", "300")
    assert result.returncode == 0, result.stderr
    assert "300 platform users" in result.stdout
    quests = json.loads(run(db, "quests", "--json").stdout)
    assert {"id", "badge", "quest", "archived", "unlocks"} == set(quests[0])
    assert any(q["archived"] for q in quests)
    assert sum(q["unlocks"] for q in quests) > 0


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    assert run(db, "init", "--demo", "--users", "300").returncode == 0
    # As `python -m core quests --json | head -c 0`: the pipe is closed before the output.
    proc = subprocess.Popen(
        [sys.executable, "-m", "core", "--db", str(db), "quests", "--json"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    with proc.stderr:
        stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr


def test_init_demo_refuses_a_file_that_has_users(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    db = str(tmp_path / "x.duckdb")
    assert main(["--db", db, "init", "--demo", "--users", "50"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "init", "--demo", "--users", "50"]) == 2
    err = capsys.readouterr().err.strip()
    assert "already has 50 platform users" in err
    assert len(err.splitlines()) == 1


def test_import_users_prints_counts_and_each_rejected_row(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    db = str(tmp_path / "x.duckdb")
    csv = tmp_path / "users.csv"
    csv.write_text("id,username,email\n1,ann,ann@x.org\nabc,bob,bob@x.org\n2,cy,cy@x.org\n")
    assert main(["--db", db, "import-users", str(csv)]) == 0
    out = capsys.readouterr().out
    assert "Added 2, updated 0, rejected 1." in out
    assert "row 3: id is not a whole number" in out
    csv.write_text("id,username,email\n1,ann2,ann@x.org\n")
    assert main(["--db", db, "import-users", str(csv), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"added": 0, "updated": 1, "rejected": []}


def test_a_bad_file_exits_2_with_one_sentence(tmp_path: Path) -> None:
    bad = tmp_path / "users.csv"
    bad.write_text("name,mail\nann,ann@x.org\n")
    result = run(tmp_path / "x.duckdb", "import-users", str(bad))
    assert result.returncode == 2
    assert "lacks the column(s) id, username, email" in result.stderr
    assert "Traceback" not in result.stderr


def test_import_badges_creates_missing_badges(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    db = str(tmp_path / "x.duckdb")
    csv = tmp_path / "badges.csv"
    csv.write_text("badge,quest\nStreak,7 days\nStreak,30 days\n")
    assert main(["--db", db, "import-badges", str(csv), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"badges_added": 1, "quests_added": 2}


def test_accounts_are_added_from_stdin_and_listed_without_secrets(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    added = run(
        db, "account", "add", "ann", "--role", "analyst", "--password-stdin", stdin="s3cret-pass\n"
    )
    assert added.returncode == 0, added.stderr
    listed = json.loads(run(db, "account", "list", "--json").stdout)
    assert [(a["username"], a["role"]) for a in listed] == [("ann", "analyst")]
    assert "s3cret" not in json.dumps(listed)
    again = run(
        db, "account", "add", "ann", "--role", "analyst", "--password-stdin", stdin="s3cret-pass\n"
    )
    assert again.returncode == 2
    assert "exists already" in again.stderr


def test_an_unknown_role_is_refused_by_the_parser(tmp_path: Path) -> None:
    result = run(
        tmp_path / "x.duckdb", "account", "add", "x", "--role", "owner", "--password-stdin"
    )
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_help_explains_the_commands_to_a_new_user() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "core", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    for command in ("init", "import-users", "import-badges", "account", "quests", "batch"):
        assert command in result.stdout
    assert "BATCH_UNLOCK_DB" in result.stdout


def test_a_locked_data_file_is_reported_without_a_traceback(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    holder = open_store(db)  # this test process holds the file, like a running app
    try:
        result = run(db, "quests")
    finally:
        holder.close()
    assert result.returncode == 2
    assert "in use by another process" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_publishing_rate_is_shown_and_set(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    db = str(tmp_path / "x.duckdb")
    assert main(["--db", db, "rate", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"rate": None}
    assert main(["--db", db, "rate", "25"]) == 0
    assert "25 unlocks per second" in capsys.readouterr().out
    assert main(["--db", db, "rate", "fast"]) == 2
    assert "positive number" in capsys.readouterr().err
    assert main(["--db", db, "rate", "0", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"rate": None}
