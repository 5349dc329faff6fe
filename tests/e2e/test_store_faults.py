"""A data file that cannot be written or read: plain words for the user, details in the log.

A full disk is made real without root tricks: after a checkpoint DuckDB has no write-ahead log
open, and a `<file>.wal` symlink to /dev/full makes its next commit fail with "No space left on
device", exactly as on a full disk. (chmod would not do: the tests run as root.)
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from core import store
from tests.support.browser import _stop
from tests.support.faults import damaged

ROOT = Path(__file__).resolve().parents[2]


# --- a damaged data file --------------------------------------------------------------------


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
