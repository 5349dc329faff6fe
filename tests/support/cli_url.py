"""The existing command-line tests, run again in `--url` mode (issue 17): a pytest plugin.

    .venv/bin/python -m pytest -p tests.support.cli_url tests/e2e/test_cli_publish.py …

With this plugin every CLI test module's `main` is replaced, for its tests only, by one that runs
each command the API supports as `python -m core --url URL …` against the real API served over
loopback HTTP on the test's own data file, with an admin's token in BATCH_UNLOCK_TOKEN; every
other command (`worker --once`, `preview`, `init` …) still runs locally on the file, as a
developer would beside the app. The tests' own assertions are unchanged: what passes locally must
pass through the API. tests/e2e/test_cli_url.py runs this in a child pytest; the few tests that
check what only local mode does are deselected here, each with its reason (URL_MODE_LOCAL_ONLY).

The API runs in this process (uvicorn in a thread, no publisher thread: the tests drive the
worker themselves), so it shares DuckDB's instance with the test's own connections.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import core.cli
from core.access.roles import command_line_account
from core.cli import remote_commands
from core.errors import BatchUnlockError

REAL_MAIN = core.cli.main
REPORT_ENV = "BATCH_UNLOCK_CLI_URL_REPORT"  # where to write {test id: the commands sent by HTTP}
# The token's account bears the local CLI account's name ("cli:USER", an admin), so what shows
# who acted (revoked_by, created_by, paused by) reads the same in both modes.
TOKEN_ACCOUNT = command_line_account().username

# Tests that check what only local mode does, by test name, with the reason.
URL_MODE_LOCAL_ONLY = {
    "test_the_listing_reads_the_file_without_changing_it": "the API's token writes last_used_at",
    "test_users_list_csv_prints_exactly_the_bytes_the_page_exports": "no --csv export over --url",
    "test_batch_add_and_create_from_users_add_with_the_upload_rules_and_report": "--from-users "
    "is local only",
    "test_more_users_than_a_batch_holds_exit_2_unless_create_splits_them": "--from-users is "
    "local only",
    "test_a_data_file_the_app_holds_is_reported_on_one_line_with_the_way_in_the_app": "about a "
    "locked file, which --url never opens",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the tests of what only local mode does."""
    kept, dropped = [], []
    for item in items:
        name = getattr(item, "originalname", item.name)
        (dropped if name in URL_MODE_LOCAL_ONLY else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


_sent: dict[str, list[str]] = {}


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write which commands each test sent through the API (the outer test reads it)."""
    path = os.environ.get(REPORT_ENV)
    if path:
        Path(path).write_text(json.dumps(_sent, indent=1))


@pytest.fixture(autouse=True)
def url_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run the test's supported commands through the API served on its own data file."""
    module = request.module
    if getattr(module, "main", None) is not REAL_MAIN:
        yield
        return
    servers: dict[str, ApiServer] = {}
    sent = _sent.setdefault(request.node.nodeid, [])

    def url_main(argv: list[str] | None = None) -> int:
        argv = list(argv or [])
        location, rest = _store_and_rest(argv)
        name = _supported(rest)
        if location is None or name is None:
            return REAL_MAIN(argv)
        if location not in servers:
            servers[location] = ApiServer.start(location)
        monkeypatch.setenv(remote_commands.TOKEN_ENV, servers[location].token)
        sent.append(name)
        return REAL_MAIN(["--url", servers[location].url, *rest])

    monkeypatch.setattr(module, "main", url_main)
    try:
        yield
    finally:
        for server in servers.values():
            server.stop()


def _store_and_rest(argv: list[str]) -> tuple[str | None, list[str]]:
    """The --db location and the arguments without it."""
    if len(argv) >= 2 and argv[0] == "--db":
        return argv[1], argv[2:]
    if argv and argv[0].startswith("--db="):
        return argv[0].split("=", 1)[1], argv[1:]
    return None, argv


def _supported(rest: list[str]) -> str | None:
    """The command's name if it runs through the API, else None."""
    args = core.cli.parse_quickly(rest)
    if args is None:
        return None
    name = remote_commands.command_of(args)
    return name if name in remote_commands.COMMANDS else None


class ApiServer:
    """The app's API over loopback HTTP on one store, in a thread of this process."""

    def __init__(self, url: str, token: str, stop: Callable[[], None]) -> None:
        self.url = url
        self.token = token
        self.stop = stop

    @classmethod
    def start(cls, location: str) -> ApiServer:
        """Serve the API on the store at `location`, with an admin's token made on it."""
        import uvicorn
        from starlette.applications import Starlette

        from core.config import Settings
        from pages.web import runtime
        from pages.web.api import API_ROUTES

        database = location if location.startswith("postgres") else Path(location)
        runtime.install(Settings(database=database, run_worker=False))
        uow = runtime.unit_of_work()
        try:
            token = make_token(uow, TOKEN_ACCOUNT)
        finally:
            uow.close()
        port = _free_port()
        config = uvicorn.Config(
            Starlette(routes=API_ROUTES),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the API server did not start")
            time.sleep(0.01)

        def stop() -> None:
            server.should_exit = True
            thread.join(10)
            runtime.close_all()

        return cls(f"http://127.0.0.1:{port}", token, stop)


def make_token(uow: object, username: str, role: str = "admin", read_only: bool = False) -> str:
    """Create the account (if new) and an API token for it on the store; return the token."""
    from core.access import accounts, api_tokens

    actor = command_line_account()
    with contextlib.suppress(BatchUnlockError):  # the account exists already: a second server
        accounts.add_account(uow, actor, username, role, "a long enough password")
    secret, _ = api_tokens.create_token(
        uow, actor, username, f"url-mode {time.monotonic_ns()}", read_only=read_only
    )
    return secret


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
