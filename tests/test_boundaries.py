"""Architecture rules that keep the code base honest."""

from __future__ import annotations

import ast
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent


def test_nothing_under_core_imports_streamlit() -> None:
    offenders = []
    for path in (ROOT / "core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "streamlit" or n.startswith("streamlit.") for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_no_page_renders_raw_html_from_data() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in [*(ROOT / "pages").rglob("*.py"), ROOT / "app.py"]
        if "unsafe_allow_html=True" in p.read_text()
    ]
    assert offenders == []


def _imports(path: Path) -> list[str]:
    """Every module a file imports (`from core import store` counts as `core.store`)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names += [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
    return names


def _is_store(name: str) -> bool:
    # The port's types (`core.store.ports`) are what pages pass along; the store itself is not.
    if name == "core.store.ports" or name.startswith("core.store.ports."):
        return False
    return name in ("duckdb", "core.store") or name.startswith(("duckdb.", "core.store."))


def test_pages_import_no_store_module_but_the_runtime_that_composes_the_app() -> None:
    composition_root = ROOT / "pages" / "web" / "runtime.py"
    offenders = sorted(
        f"{p.relative_to(ROOT)}: {name}"
        for p in [*(ROOT / "pages").rglob("*.py"), ROOT / "app.py"]
        if p != composition_root
        for name in _imports(p)
        if _is_store(name)
    )
    assert offenders == []


def _literal_state_keys(path: Path) -> list[str]:
    """The string constants used as keys of `st.session_state` (subscript, get, pop, setdefault)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Subscript):
            target, key = node.value, node.slice
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            if node.func.attr not in ("get", "pop", "setdefault"):
                continue
            target, key = node.func.value, node.args[0]
        else:
            continue
        if (
            isinstance(target, ast.Attribute)
            and target.attr == "session_state"
            and isinstance(key, ast.Constant | ast.JoinedStr)
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_the_app_keeps_its_session_entries_only_through_the_typed_slots() -> None:
    # Each entry the app keeps has one spelling and one type, in pages/ui/state.py; a widget's
    # own key (a variable) may still be read or set directly.
    offenders = [
        hit
        for p in (ROOT / "pages").rglob("*.py")
        if p.name != "state.py"
        for hit in _literal_state_keys(p)
    ]
    assert offenders == []


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
    from tests.streamlit_client import StreamlitClient

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


def test_the_app_refuses_to_start_when_a_pages_folder_appears_beside_the_router(
    tmp_path: Path,
) -> None:
    from pages.web import main_script as app

    app.check_no_stray_pages(tmp_path / "absent")  # no folder: starts
    (tmp_path / "pages").mkdir()
    with pytest.raises(SystemExit, match="would serve every script"):
        app.check_no_stray_pages(tmp_path / "pages")
    assert app.ROUTER.parent / "pages" == app.STRAY_PAGES
    assert not app.STRAY_PAGES.exists()


def test_the_router_is_alone_in_its_folder_so_it_shadows_no_module_on_sys_path() -> None:
    folder = Path(__file__).resolve().parent.parent / "pages" / "entry"
    assert sorted(p.name for p in folder.iterdir() if p.name != "__pycache__") == ["router.py"]
