"""Architecture rules that keep the code base honest."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def _serve_copy(app_dir: Path, db: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """Start `streamlit run app.py` in `app_dir` on a new data file; return it once it answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port),
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=app_dir,
            env={**os.environ, "BATCH_UNLOCK_DB": str(db), "BATCH_UNLOCK_WORKER": "0"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, f"the app exited at start:\n{log.read_text()}"
        try:
            requests.get(f"{url}/_stcore/health", timeout=5)
            return proc, url
        except requests.RequestException:  # not listening yet, or still starting
            assert time.monotonic() < deadline, f"the app did not answer:\n{log.read_text()}"
            time.sleep(0.3)


@pytest.mark.slow
def test_a_script_dropped_directly_into_pages_is_not_served(tmp_path: Path) -> None:
    from tests.support.streamlit_client import StreamlitClient

    # A copy of the app with a stray script in pages/ (the repository's own pages/ stays clean).
    app_dir = tmp_path / "app"
    for name in ("core", "pages", ".streamlit"):
        shutil.copytree(ROOT / name, app_dir / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "app.py", app_dir / "app.py")
    ran = tmp_path / "stray-ran"
    (app_dir / "pages" / "stray.py").write_text(
        f"import pathlib\npathlib.Path({str(ran)!r}).touch()\n"
        "import streamlit as st\nst.write('The stray page ran')\n"
    )
    proc, url = _serve_copy(app_dir, tmp_path / "new.duckdb", tmp_path / "server.log")
    try:
        http = requests.Session()
        setup = {
            "username": "boss",
            "password": "first-admin-pass",
            "password2": "first-admin-pass",
        }
        assert (
            http.post(f"{url}/setup", data=setup, allow_redirects=False, timeout=30).status_code
            == 303
        )
        http.get(f"{url}/_stcore/health", timeout=30)  # as the page does: it sets the XSRF cookie
        # The very first run of the process, when Streamlit would still use old-style pages.
        for page in ("stray", "stray", "badges"):
            client = StreamlitClient(url, http.cookies.get_dict())
            try:
                run = client.run(page=page)
            finally:
                client.close()
            assert not run.shows("The stray page ran")
        assert run.shows("Badges")  # the router's own page: the client did reach the app
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert not ran.exists()
