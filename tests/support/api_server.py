"""The app's HTTP API served over loopback for tests: `api_server`, a real server on a real store.

uvicorn serves, in a thread of the test process, the app's API routes (`API_ROUTES`, as app.py
adds them) behind the app's own StoreGuard and LoginGuard, on a temporary DuckDB file holding the
demo (accounts admin, dev and analyst; quests; a few thousand users; batches in every status).
Requests go over HTTP to 127.0.0.1, so everything below the socket is the product's; running in
the test process lets a test make tokens and read or change the store the server uses.

Use it in a test module with
    from tests.support.api_server import api_server  # noqa: F401
and then
    def test_x(api_server: ApiServer) -> None:
        token = api_server.token("dev")                      # a new API token of the demo dev
        answer = api_server.get("/batches", token=token)     # paths under /api/v1
        assert answer.status == 200 and answer.json()["total"] > 0
        api_server.post("/batches", {"name": "X", "quest_id": 1}, token=token,
                        headers={"Idempotency-Key": "k1"})
        api_server.publish_all()                             # the publisher, until the queue is empty
The server is one per test module (its store is shared by the module's tests); nothing runs after
the module ends. `pg_api_server` is the same on PostgreSQL (a database of its own, the same demo;
mark its tests `pg`). Each installs its store as the process's runtime while it serves, so one
server runs at a time: use one of them per module.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware

from core.access import api_throttle, api_tokens
from core.access.roles import command_line_account
from core.config import Settings
from core.demo import data_file, loader
from core.store import connect
from core.store.ports import UnitOfWork
from pages.web import runtime
from pages.web.api import API_ROUTES
from pages.web.guard import LoginGuard
from pages.web.store_guard import StoreGuard
from tests.support.pg_fixtures import PgStores
from tests.support.postgres import drop_database

DEMO_USERS = 2_000
ROLES = {"admin": "admin", "dev": "dev", "analyst": "analyst"}  # role → the demo's account
START_TIMEOUT_S = 20


@dataclass
class Answer:
    """What the server answered: status, headers (names in lower case) and body."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode()


@dataclass
class ApiServer:
    """A running API: its URLs, its data file, and helpers to make tokens and send requests."""

    root: str  # http://127.0.0.1:PORT
    db: Path | str  # the DuckDB file, or the PostgreSQL database's URL
    _names: Iterator[int] = field(default_factory=lambda: iter(range(1, 1_000_000)))

    @property
    def base_url(self) -> str:
        """The API's base URL: http://127.0.0.1:PORT/api/v1."""
        return f"{self.root}/api/v1"

    def uow(self) -> UnitOfWork:
        """A new unit of work on the server's own store (close it after use)."""
        return runtime.unit_of_work()

    def token(
        self, role: str = "admin", *, read_only: bool = False, username: str | None = None
    ) -> str:
        """A new API token of the demo account of `role` (or of `username`); its text."""
        uow = self.uow()
        try:
            secret, _token = api_tokens.create_token(
                uow,
                command_line_account(),
                username or ROLES[role],
                f"test token {next(self._names)}",
                read_only=read_only,
            )
        finally:
            uow.close()
        return secret

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
        timeout: float = 60,
    ) -> Answer:
        """Send one request to the API (`path` under /api/v1; `body` as JSON, or `raw` bytes)."""
        sent = dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        url = path if path.startswith("http") else self.base_url + path
        request = urllib.request.Request(url, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return Answer(response.status, _headers(response.headers), response.read())
        except urllib.error.HTTPError as error:
            with error:
                return Answer(error.code, _headers(error.headers), error.read())

    def get(self, path: str, **kwargs: Any) -> Answer:
        """GET a path under /api/v1."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Answer:
        """POST a JSON body (or `raw=` bytes) to a path under /api/v1."""
        return self.request("POST", path, body, **kwargs)

    def publish_all(self) -> None:
        """Run the publisher on the server's store until nothing is queued."""
        from core.publishing import worker

        uow = self.uow()
        try:
            worker.run_until_empty(uow)
        finally:
            uow.close()


def _headers(message: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in message.items()}


def api_app() -> Starlette:
    """The app's API routes behind the app's own store and login guards (as app.py stacks them)."""
    return Starlette(routes=API_ROUTES, middleware=[Middleware(StoreGuard), Middleware(LoginGuard)])


_demo_lock = threading.Lock()


def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's demo data file, made on first use; each server works on a copy of it."""
    path = tmp_path_factory.getbasetemp() / "api_demo" / "demo.duckdb"
    with _demo_lock:
        if not path.exists():
            path.parent.mkdir(exist_ok=True)
            data_file.create_file(path, connect, n_users=DEMO_USERS)
    return path


@contextlib.contextmanager
def serving(location: Path | str) -> Iterator[ApiServer]:
    """Serve the API over loopback on the store at `location` until the block ends."""
    runtime.install(Settings(database=location, demo=False, run_worker=False))
    # In-process, as a new app process would: no counts left by an earlier module's server
    # (token names and the loopback address repeat from one module to the next).
    api_throttle.forget_all()
    config = uvicorn.Config(
        api_app(), host="127.0.0.1", port=0, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="api-server", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("The API test server did not start")
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield ApiServer(f"http://127.0.0.1:{port}", location)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        runtime.close_all()


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """The API over loopback HTTP on a copy of the demo DuckDB file, for one module's tests."""
    db = tmp_path_factory.mktemp("api_server") / "batch_unlock.duckdb"
    shutil.copyfile(demo_file(tmp_path_factory), db)
    with serving(db) as server:
        yield server


@pytest.fixture(scope="module")
def pg_api_server(pg_stores: PgStores) -> Iterator[ApiServer]:
    """The same on a PostgreSQL database of its own holding the same demo (dropped afterwards)."""
    url = pg_stores.url("empty")
    uow = connect(url)
    try:
        loader.fill(uow, n_users=DEMO_USERS)
    finally:
        uow.close()
    try:
        with serving(url) as server:
            yield server
    finally:
        drop_database(pg_stores.server.url, url.rsplit("/", 1)[1])


@pytest.fixture(scope="module")
def dev_token(api_server: ApiServer) -> str:
    """A token of the demo dev on the module's `api_server` (`dev_token = served.dev_token`)."""
    return api_server.token("dev")


@pytest.fixture(scope="module")
def quest_id(api_server: ApiServer, dev_token: str) -> int:
    """A badge quest of the demo, read through the API (`quest_id = served.quest_id`)."""
    return api_server.get("/quests", token=dev_token).json()["items"][0]["id"]


@pytest.fixture(
    scope="module",
    params=["duckdb", pytest.param("postgres", marks=pytest.mark.pg)],
    name="server",
)
def server_on_each_store(request: pytest.FixtureRequest) -> ApiServer:
    """`server`: the API on each store (their transactions and locks differ), one after the
    other; a module that imports this also imports `api_server` and `pg_api_server`."""
    return request.getfixturevalue("api_server" if request.param == "duckdb" else "pg_api_server")


def new_quest(server: ApiServer, badge: str, quest: str) -> int:
    """A new badge with one quest, which nobody holds yet; the quest's id."""
    from core.catalog import badge_tree, editing

    uow = server.uow()
    try:
        badge_id = editing.add_badge(uow, command_line_account(), badge, [quest])
        quests = badge_tree.quests(uow)
        return int(quests.filter(quests["badge_id"] == badge_id)["id"][0])
    finally:
        uow.close()


def new_draft(server: ApiServer, token: str, quest_id: int, prefix: str) -> int:
    """A new empty draft (named PREFIX and a random tail) made through the API; its id."""
    import uuid

    name = f"{prefix} {uuid.uuid4().hex[:8]}"
    answer = server.post("/batches", {"name": name, "quest_id": quest_id}, token=token)
    assert answer.status == 201, answer.text
    return answer.json()["id"]
