"""A data file that cannot be written or read: plain words for the user, details in the log.

A full disk is made real without root tricks: after a checkpoint DuckDB has no write-ahead log
open, and a `<file>.wal` symlink to /dev/full makes its next commit fail with "No space left on
device", exactly as on a full disk. (chmod would not do: the tests run as root.)
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import duckdb
import pytest
from fixtures_publish import batch_status, make_batch
from streamlit import config as st_config
from streamlit.elements import exception as st_exception
from streamlit.proto.Exception_pb2 import Exception as ExceptionProto

from core import store
from core.access import accounts as account_store
from core.access import sessions
from core.access.login import authenticate
from core.cli import main
from core.demo import loader
from core.errors import BatchUnlockError, StoreUnavailable
from core.publishing import actions, throttle, unlocking, worker_thread
from core.store.duckdb.base import Repository
from core.store.duckdb.schema import probe
from core.store.duckdb.unit_of_work import DuckUnitOfWork
from tests.browser.conftest import _stop

ROOT = Path(__file__).resolve().parents[1]


def fill_the_disk(con: duckdb.DuckDBPyConnection, db_path: Path) -> None:
    """Make every later commit on this store fail as on a full disk."""
    con.execute("CHECKPOINT")  # no log file open: DuckDB opens it again at the next commit
    wal = Path(f"{db_path}.wal")
    assert not wal.exists()
    wal.symlink_to("/dev/full")


@pytest.fixture
def full_con(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A migrated store whose disk fills up once the test calls `fill_the_disk`."""
    connection = store.connect(db_path)
    yield connection
    with contextlib.suppress(duckdb.Error):
        connection.close()


def test_a_write_on_a_full_disk_says_so_in_words_and_logs_duckdbs_own(
    full_con, db_path, caplog
) -> None:
    fill_the_disk(full_con, db_path)
    cur = full_con.cursor()
    with (
        caplog.at_level(logging.ERROR, logger="core.store"),
        pytest.raises(StoreUnavailable) as caught,
    ):
        cur.settings.put("publish_rate", "5")
    message = str(caught.value)
    assert isinstance(caught.value, BatchUnlockError)  # session.attempt shows it as it is
    assert "cannot be written" in message and "Free disk space" in message
    assert "wal" not in message.lower() and str(db_path) not in message
    assert "Could not write file" in caplog.text  # the operator still gets DuckDB's words
    assert cur.settings.get("publish_rate") is None


def test_publish_on_a_full_disk_is_refused_with_a_plain_message_and_nothing_queued(
    full_con, db_path, accounts
) -> None:
    cur = full_con.cursor()
    cur.execute("INSERT INTO badges (name) VALUES ('Explorer')")
    cur.execute("INSERT INTO quests (badge_id, name) VALUES (1, 'Visit 10 pages')")
    cur.execute("INSERT INTO platform_users VALUES (1, 'u1', 'u1@x.org', 'u1', 'u1@x.org', true)")
    batch = make_batch(cur, [1])
    fill_the_disk(full_con, db_path)
    with pytest.raises(StoreUnavailable, match="disk full"):
        actions.publish(cur, accounts["admin"], batch)
    assert batch_status(cur, batch) == "draft"


def test_a_login_on_a_full_disk_fails_with_the_store_message_not_a_crash(
    full_con, db_path, accounts
) -> None:
    cur = full_con.cursor()
    account_store.add_account(cur, accounts["admin"], "ada", "admin", "a-long-password-1")
    fill_the_disk(full_con, db_path)
    with pytest.raises(StoreUnavailable):  # the /login route answers it with a plain 503 page
        account = authenticate(cur, "ada", "a-long-password-1")
        sessions.start_session(cur, account)


def test_a_read_only_store_refuses_writes_with_the_same_plain_message(db_path) -> None:
    store.connect(db_path).close()
    read_only = duckdb.connect(str(db_path), read_only=True)
    try:
        with pytest.raises(StoreUnavailable, match="cannot be written"):
            DuckUnitOfWork(read_only.cursor()).settings.put("publish_rate", "5")
    finally:
        read_only.close()


def test_a_conflict_or_a_constraint_is_not_mistaken_for_a_store_failure() -> None:
    assert store.unavailable(duckdb.TransactionException("Conflict on tuple deletion")) is None
    assert store.unavailable(duckdb.ConstraintException("Duplicate key")) is None
    assert store.unavailable(duckdb.IOException("Could not set lock on file")) is None
    assert store.unavailable(ValueError("boom")) is None
    memory = store.unavailable(duckdb.OutOfMemoryException("could not allocate block"))
    assert memory is not None and memory.reason == store.OUT_OF_MEMORY


# --- a damaged data file --------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a small, complete demo data file."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    con = store.connect(path)
    loader.fill(con.cursor(), n_users=2000)
    con.close()
    return path.read_bytes()


def damaged(tmp_path: Path, data: bytes, fraction: float) -> Path:
    """Write the first `fraction` of a data file, as a full disk or a bad copy leaves it."""
    path = tmp_path / f"damaged_{int(fraction * 100)}.duckdb"
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


def test_a_file_of_random_bytes_is_refused_on_opening_in_one_plain_sentence(tmp_path) -> None:
    path = tmp_path / "random.duckdb"
    path.write_bytes(os.urandom(20_000))
    with pytest.raises(StoreUnavailable) as caught:
        store.connect(path)
    assert caught.value.reason == store.CANNOT_READ
    assert "Restore it from a backup" in str(caught.value) and "IO Error" not in str(caught.value)


@pytest.mark.parametrize("fraction", [0.02, 0.25, 0.5])
def test_the_cli_on_a_truncated_file_prints_one_plain_line_and_fails(
    tmp_path, demo_file, fraction
) -> None:
    path = damaged(tmp_path, demo_file, fraction)
    result = subprocess.run(
        [sys.executable, "-m", "core", "--db", str(path), "batch", "list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr and "IO Error" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "damaged" in result.stderr or "cannot be read" in result.stderr


def test_the_health_probe_finds_a_file_that_opens_but_cannot_be_read(tmp_path, demo_file):
    # Some cut of the file opens (its first blocks are whole) yet loses the accounts' blocks.
    reasons = []
    for tenth in range(1, 10):
        path = damaged(tmp_path, demo_file, tenth / 10)
        try:
            con = duckdb.connect(str(path))  # raw: store.connect would migrate (write) it
        except duckdb.Error:
            continue
        try:
            probe(con.cursor())
        except StoreUnavailable as exc:
            reasons.append(exc.reason)
        finally:
            con.close()
    assert reasons and set(reasons) == {store.CANNOT_READ}, "the test lost its damaged case"


def test_a_read_of_a_damaged_file_becomes_the_plain_error(tmp_path, demo_file) -> None:
    for tenth in range(1, 10):
        path = damaged(tmp_path, demo_file, tenth / 10)
        try:
            con = duckdb.connect(str(path))
        except duckdb.Error:
            continue
        try:
            Repository(DuckUnitOfWork(con.cursor())).frame("SELECT * FROM platform_users")
        except StoreUnavailable as exc:
            assert exc.reason == store.CANNOT_READ
            return
        finally:
            con.close()
    pytest.fail("no truncation left platform_users unreadable: the test lost its case")


def test_the_health_probe_passes_on_a_sound_store(cur) -> None:
    cur.probe()  # raises if it cannot read


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _http(url: str, data: bytes | None = None) -> tuple[int, str]:
    """GET (or POST `data`) and return the status and body, errors included."""
    try:
        with urllib.request.urlopen(url, data=data, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _serve(tmp_path: Path, path: Path) -> tuple[subprocess.Popen, str, Path]:
    """Start the app on a data file; return the process, its URL and its log once it answers."""
    port = _free_port()
    log = tmp_path / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port),
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT,
            env={**os.environ, "BATCH_UNLOCK_DB": str(path)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"the app exited at start:\n{log.read_text()}")
        try:
            _http(f"{url}/_stcore/health")
            return proc, url, log
        except OSError:
            if time.monotonic() > deadline:
                _stop(proc)
                raise AssertionError(f"the app did not answer:\n{log.read_text()}") from None
            time.sleep(0.3)


@pytest.mark.parametrize("kind", ["random bytes", "truncated"])
def test_the_app_on_a_damaged_file_starts_and_answers_plain_503s(tmp_path, demo_file, kind) -> None:
    if kind == "random bytes":
        path = tmp_path / "random.duckdb"
        path.write_bytes(os.urandom(50_000))
    else:
        path = damaged(tmp_path, demo_file, 0.5)
    proc, url, log = _serve(tmp_path, path)
    try:
        assert _http(f"{url}/_stcore/health") == (503, f"unavailable: {store.CANNOT_READ}")
        form = urllib.parse.urlencode({"username": "admin", "password": "admin-demo"}).encode()
        for status, body in (_http(f"{url}/login", form), _http(f"{url}/login"), _http(url)):
            assert status == 503
            assert "Batch Unlock cannot reach its data store right now" in body
            assert "Traceback" not in body and str(path) not in body
        assert proc.poll() is None
    finally:
        _stop(proc)
    assert "IO Error" in log.read_text()  # DuckDB's own words stay in the server log


def test_the_app_on_a_sound_file_still_answers_ok_and_shows_the_login_form(
    tmp_path, demo_file
) -> None:
    path = tmp_path / "sound.duckdb"
    path.write_bytes(demo_file)
    proc, url, _log = _serve(tmp_path, path)
    try:
        assert _http(f"{url}/_stcore/health") == (200, "ok")
        status, body = _http(f"{url}/login")
        assert status == 200 and 'name="password"' in body
    finally:
        _stop(proc)


# --- the publisher when the store fails -------------------------------------------------------


def test_the_publisher_records_a_stall_on_a_full_disk_and_backs_off(
    full_con, db_path, accounts, monkeypatch
) -> None:
    cur = full_con.cursor()
    cur.execute("INSERT INTO badges (name) VALUES ('Explorer')")
    cur.execute("INSERT INTO quests (badge_id, name) VALUES (1, 'Visit 10 pages')")
    cur.execute("INSERT INTO platform_users VALUES (1, 'u1', 'u1@x.org', 'u1', 'u1@x.org', true)")
    batch = make_batch(cur, [1])
    actions.publish(cur, accounts["admin"], batch)
    fill_the_disk(full_con, db_path)
    monkeypatch.setattr(worker_thread.Worker, "RETRY_AFTER", 0.01)
    monkeypatch.setattr(worker_thread.Worker, "RETRY_MAX", 0.05)
    background = worker_thread.Worker(full_con, use_stored_rate=False)
    background.start()
    try:
        wait_for(lambda: background.status().stalled)
        status = background.status()
        assert status.running and status.stall_reason == store.CANNOT_WRITE
        sentence = status.stall_message("09:12")
        assert sentence == (
            "Publishing is stalled since 09:12: the data file cannot be written (disk full or "
            "file permissions?). It resumes by itself when this is fixed."
        )
        wait_for(lambda: background.retry_delay() == 0.05)  # 0.01, 0.02, 0.04, then the most
        assert background.status().stalled_since == status.stalled_since  # since the first
    finally:
        background.stop()
    assert batch_status(cur, batch) == "unpublished"


def test_the_retry_delay_doubles_from_2_to_at_most_30_seconds(con) -> None:
    background = worker_thread.Worker(con)
    delays = []
    for _ in range(7):
        background._record_failure(StoreUnavailable("x", store.CANNOT_WRITE))
        delays.append(background.retry_delay())
    assert delays == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]


def test_a_stall_clears_itself_when_the_store_takes_writes_again(
    con, small_world, accounts, monkeypatch
) -> None:
    cur = small_world
    failures = {"left": 3}
    real = unlocking.process_once

    def failing_then_fixed(c, limit=throttle.DEFAULT_CHUNK):
        if failures["left"]:
            failures["left"] -= 1
            raise StoreUnavailable("x", store.CANNOT_WRITE)
        return real(c, limit)

    monkeypatch.setattr(unlocking, "process_once", failing_then_fixed)
    monkeypatch.setattr(worker_thread.Worker, "RETRY_AFTER", 0.01)
    batch = make_batch(cur, [1, 2])
    actions.publish(cur, accounts["admin"], batch)
    background = worker_thread.Worker(con, use_stored_rate=False)
    background.start()
    try:
        wait_for(lambda: batch_status(cur, batch) == "published")
        wait_for(lambda: not background.status().stalled)
    finally:
        background.stop()
    status = background.status()
    assert status.stall_message("now") is None and status.last_error is None
    assert failures["left"] == 0


def wait_for(condition, limit: float = 20.0) -> None:
    """Poll until the condition holds; the limit only stops a broken test from hanging."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


# --- no traceback reaches a browser ---------------------------------------------------------


def test_the_app_config_hides_error_details_from_browsers() -> None:
    client = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["client"]
    assert client["showErrorDetails"] == st_config.ShowErrorDetailsConfigOptions.NONE


def test_with_that_setting_an_uncaught_error_reaches_the_browser_without_trace_or_path(
    monkeypatch,
) -> None:
    value = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["client"][
        "showErrorDetails"
    ]
    monkeypatch.setattr(
        st_config, "get_option", lambda key: value if key == "client.showErrorDetails" else None
    )
    try:
        raise TypeError(f"int() argument must be a string, not 'list' in {ROOT}/pages/x.py")
    except TypeError as exc:
        proto = ExceptionProto()
        st_exception.marshall(proto, exc, apply_show_error_details=True)
    assert list(proto.stack_trace) == [] and proto.type == ""
    assert str(ROOT) not in proto.message and "int()" not in proto.message


def test_the_cli_in_process_also_reports_a_damaged_file_in_one_line(tmp_path, capsys) -> None:
    path = tmp_path / "random.duckdb"
    path.write_bytes(os.urandom(20_000))
    assert main(["--db", str(path), "quests"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "damaged" in err


def test_a_page_action_that_meets_a_damaged_file_shows_the_plain_error_not_a_traceback(
    monkeypatch,
) -> None:
    from pages.ui import session

    shown = []
    monkeypatch.setattr(session.st, "error", lambda text, **_kw: shown.append(text))

    def read_damaged() -> None:
        raise duckdb.IOException('Could not read enough bytes from file "/srv/x.duckdb"')

    assert session.attempt(read_damaged) is None
    assert len(shown) == 1 and "cannot be read" in shown[0] and "/srv" not in shown[0]

    def buggy_query() -> None:
        raise duckdb.CatalogException("Table with name x does not exist")

    with pytest.raises(duckdb.CatalogException):  # a real bug still surfaces
        session.attempt(buggy_query)


def overwritten(tmp_path: Path, data: bytes, fraction: float) -> Path:
    """A data file with 64 KB of garbage written over it at `fraction` (a bad sector, a bad copy)."""
    garbage = random.Random(int(fraction * 100)).randbytes(64 * 1024)
    at = int(len(data) * fraction)
    path = tmp_path / f"overwritten_{int(fraction * 100)}.duckdb"
    path.write_bytes(data[:at] + garbage + data[at + len(garbage) :])
    return path


def test_the_cli_on_a_file_with_bad_blocks_prints_one_plain_line_never_a_traceback(
    tmp_path, demo_file
) -> None:
    # DuckDB reports a bad block as its base Error ("Corrupt database file: computed checksum
    # … does not match"), which is neither an IO nor a transaction error.
    failures = 0
    for fraction in (0.1, 0.3, 0.5, 0.7, 0.9):
        path = overwritten(tmp_path, demo_file, fraction)
        for command in (["batch", "list"], ["quests"], ["batch", "users", "1"]):
            result = subprocess.run(
                [sys.executable, "-m", "core", "--db", str(path), *command],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert "Traceback" not in result.stderr, (fraction, command, result.stderr)
            if result.returncode:
                failures += 1
                assert result.returncode == 1
                assert len(result.stderr.strip().splitlines()) == 1
                assert "cannot be read" in result.stderr or "damaged" in result.stderr
    assert failures, "no bad block was met: the test would prove nothing"
