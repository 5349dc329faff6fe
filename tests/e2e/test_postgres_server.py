"""The throwaway PostgreSQL server of tests/support/postgres.py: start, copy, drop, stop, fail.

In e2e (so marked slow): the tests start real servers, ~2.5 s for the module.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from tests.support.postgres import (
    ENV_URL,
    PostgresServer,
    PostgresStartError,
    create_database,
    drop_database,
    find_binaries,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """One real server for the module (never the external one: this tests starting it)."""
    with PostgresServer.start(tmp_path_factory.mktemp("pg"), use_env=False) as running:
        yield running


def _processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line contains `text` (zombies have none)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Whether a process runs (a zombie waiting for its parent counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_the_server_answers_with_the_settings_we_asked_for(server: PostgresServer) -> None:
    assert server.url.startswith("postgresql://postgres@127.0.0.1:")
    assert server.url.endswith("/postgres")
    with psycopg.connect(server.url) as con:
        version = con.execute("SELECT version()").fetchone()
        settings = dict(
            con.execute(
                "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)",
                [["fsync", "synchronous_commit", "full_page_writes", "max_connections"]],
            ).fetchall()
        )
        encoding = con.execute("SHOW server_encoding").fetchone()
    assert version and version[0].startswith("PostgreSQL ")
    assert settings == {
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": "300",
    }
    assert encoding == ("UTF8",)


def test_a_database_copied_from_a_template_has_its_tables_and_pg_trgm(
    server: PostgresServer,
) -> None:
    template, copy = 'tmpl "quoted"; x', "copy-1"  # identifiers are quoted, not pasted
    create_database(server.url, template)
    with psycopg.connect(server.url_for(template), autocommit=True) as con:
        con.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        con.execute(
            "CREATE TABLE item AS SELECT 'badge ' || g AS name FROM generate_series(1, 50) g"
        )
    create_database(server.url, copy, template=template)
    with psycopg.connect(server.url_for(copy), autocommit=True) as open_session:
        rows = open_session.execute(
            "SELECT count(*) FROM item WHERE name %% %s", ["badge 7"]
        ).fetchone()
        assert rows and rows[0] > 0
        # FORCE ends this still-open session instead of failing.
        drop_database(server.url, copy)
    drop_database(server.url, template)
    drop_database(server.url, template)  # dropping what is gone is fine
    with psycopg.connect(server.url) as con:
        left = con.execute(
            "SELECT datname FROM pg_database WHERE datname = ANY(%s)", [[template, copy]]
        ).fetchall()
    assert left == []


def test_stop_is_clean_and_idempotent(tmp_path: Path) -> None:
    running = PostgresServer.start(tmp_path, use_env=False)
    data_dir, pid = running.data_dir, running.pid()
    assert data_dir is not None and pid is not None and _alive(pid)
    running.stop()
    running.stop()
    assert not _alive(pid)
    assert _processes_mentioning(str(data_dir)) == []
    assert not (data_dir / "postmaster.pid").exists()


def test_a_start_failure_shows_the_server_log(tmp_path: Path) -> None:
    with pytest.raises(PostgresStartError) as failure:
        PostgresServer.start(tmp_path, settings={"shared_buffers": "plenty"}, use_env=False)
    message = str(failure.value)
    assert "Last 20 lines of" in message
    assert 'invalid value for parameter "shared_buffers": "plenty"' in message
    data_dir = re.search(r"Last 20 lines of (\S+)/log:", message)
    assert data_dir and _processes_mentioning(data_dir[1]) == []


def test_a_taken_port_is_a_failure_with_the_log(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        with pytest.raises(PostgresStartError, match="Address already in use"):
            PostgresServer.start(tmp_path, port=port, use_env=False)


def test_find_binaries_takes_the_newest_version(tmp_path: Path) -> None:
    for version in ("9.6", "13", "15", "16"):
        bin_dir = tmp_path / version / "bin"
        bin_dir.mkdir(parents=True)
        tools = ("initdb", "pg_ctl") if version != "16" else ("pg_ctl",)  # 16: half installed
        for tool in tools:
            (bin_dir / tool).touch(mode=0o755)
    assert find_binaries(tmp_path) == tmp_path / "15" / "bin"


def test_find_binaries_says_how_to_install_them(tmp_path: Path) -> None:
    with pytest.raises(PostgresStartError, match="apt-get install postgresql"):
        find_binaries(tmp_path)


def test_an_external_server_comes_from_the_environment(
    server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_URL, server.url + "?application_name=tests")
    external = PostgresServer.start(tmp_path)
    assert external.external_server and external.data_dir is None
    port = urlsplit(server.url).port
    assert external.url_for("other db") == (
        f"postgresql://postgres@127.0.0.1:{port}/other%20db?application_name=tests"
    )
    external.stop()  # leaves the server it does not own running
    with psycopg.connect(external.url) as con:
        assert con.execute("SELECT 1").fetchone() == (1,)


def test_an_unreachable_external_server_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens on it once closed
    monkeypatch.setenv(ENV_URL, f"postgresql://postgres:secret@127.0.0.1:{port}/postgres")
    with pytest.raises(PostgresStartError, match=ENV_URL) as failure:
        PostgresServer.start(tmp_path)
    assert "secret" not in str(failure.value)
