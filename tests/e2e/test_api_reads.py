"""The API's reads over HTTP (issue 17): each endpoint answers the command line's own --json
objects, for each role, and every refusal is a problem with the app's sentence.

The server (tests/support/api_server.py) works on a copy of a demo file; the CLI's answers come
from another copy of the same file, so "the same objects" is checked against the CLI itself.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from core.access import api_throttle, api_tokens, sessions
from core.access.roles import Account, Role, command_line_account
from core.batches import read_model
from core.batches.rules import DRAFT
from pages.web.auth import COOKIE
from pages.web.forms import HEADERS
from tests.support import api_server as served
from tests.support.api_server import ApiServer, demo_file
from tests.support.world import ROOT

api_server = served.api_server  # the fixture: this module's server
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def cli_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another copy of the server's demo file, for `python -m core … --json`."""
    path = tmp_path_factory.mktemp("cli_copy") / "demo.duckdb"
    shutil.copyfile(demo_file(tmp_path_factory), path)
    return path


def cli_json(db: Path, *args: str) -> object:
    run = subprocess.run(
        [sys.executable, "-m", "core", "--db", str(db), *args, "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return json.loads(run.stdout)


@pytest.fixture(scope="module")
def admin(api_server: ApiServer) -> str:
    return api_server.token("admin")


@pytest.fixture(scope="module")
def dev(api_server: ApiServer) -> str:
    return api_server.token("dev")


@pytest.fixture(scope="module")
def admins_draft(api_server: ApiServer) -> int:
    """The demo's draft created by the admin (a dev may not see it)."""
    uow = api_server.uow()
    try:
        drafts = read_model.list_drafts(uow, Account("admin", Role.ADMIN)).to_dicts()
    finally:
        uow.close()
    return next(d["id"] for d in drafts if d["created_by"] == "admin")


def test_the_reads_answer_the_objects_the_command_line_prints(
    api_server: ApiServer,
    admin: str,
    cli_copy: Path,
) -> None:
    quests = api_server.get("/quests", token=admin).json()
    batches = api_server.get("/batches?per_page=500", token=admin).json()
    batch = api_server.get("/batches/1", token=admin)
    users = api_server.get("/batches/1/users?per_page=5000", token=admin).json()
    people = api_server.get("/users?holds=3&sort=quests_held:desc&per_page=20", token=admin).json()
    count = api_server.get("/users/count?holds=3", token=admin).json()

    assert quests == {"items": cli_json(cli_copy, "quests"), "total": len(quests["items"])}
    cli_batches = cli_json(cli_copy, "batch", "list")
    assert [
        {k: v for k, v in b.items() if k != "created_by"} for b in batches["items"]
    ] == cli_batches
    assert batches["total"] == len(cli_batches) and batches["page"] == 1
    shown = batch.json()
    assert {k: shown[k] for k in cli_json(cli_copy, "batch", "show", "1")} == cli_json(
        cli_copy, "batch", "show", "1"
    )
    assert batch.headers["etag"] == f'"{shown["version"]}"'
    assert batch.headers["x-content-type-options"] == "nosniff"
    assert batch.headers["cache-control"] == "no-store"
    assert users["items"] == cli_json(cli_copy, "batch", "users", "1")
    cli_people = cli_json(
        cli_copy, "users", "list", "--holds", "3", "--sort", "quests_held:desc", "--limit", "20"
    )
    assert people["items"] == cli_people
    assert count == cli_json(cli_copy, "users", "count", "--holds", "3")
    assert people["total"] == count["count"] and people["total_capped"] is False


def test_the_list_pages_and_filters_as_the_page_does(api_server: ApiServer, dev: str) -> None:
    first = api_server.get("/batches?status=Published&sort=name&per_page=5", token=dev).json()
    second = api_server.get(
        "/batches?status=Published&sort=name&per_page=5&page=2", token=dev
    ).json()

    assert first["total"] == second["total"] > 10
    assert {b["status"] for b in first["items"] + second["items"]} == {"Published"}
    names = [b["name"] for b in first["items"] + second["items"]]
    assert names == sorted(names, key=str.casefold) and len(set(names)) == 10
    members = api_server.get("/batches/1/users?status=Published&per_page=7", token=dev).json()
    assert len(members["items"]) == 7 and {m["status"] for m in members["items"]} == {"Published"}


def test_someone_elses_draft_reads_as_missing_to_a_dev_and_is_listed_to_admins(
    api_server: ApiServer,
    admin: str,
    dev: str,
    admins_draft: int,
) -> None:
    as_dev = api_server.get(f"/batches/{admins_draft}", token=dev)
    missing = api_server.get("/batches/999999", token=dev)
    as_admin = api_server.get(f"/batches/{admins_draft}", token=admin)

    assert as_dev.status == missing.status == 404
    assert as_dev.json()["detail"] == missing.json()["detail"].replace("999999", str(admins_draft))
    assert as_dev.json()["detail"] == str(read_model.not_visible(admins_draft))
    assert as_admin.status == 200 and as_admin.json()["status"] == "Draft"
    drafts = f"/batches?status={DRAFT}&per_page=500"
    assert admins_draft not in [b["id"] for b in api_server.get(drafts, token=dev).json()["items"]]
    assert admins_draft in [b["id"] for b in api_server.get(drafts, token=admin).json()["items"]]
    users_of = api_server.get(f"/users?in_batch={admins_draft}", token=dev)
    assert users_of.status == 404


def test_analysts_and_read_only_tokens_read_but_may_not_write(api_server: ApiServer) -> None:
    analyst = api_server.token("analyst")
    read_only = api_server.token("admin", read_only=True)
    draft = {"name": "From a read-only token", "quest_id": 3}

    for token in (analyst, read_only):
        assert api_server.get("/batches", token=token).status == 200
        refused = api_server.post("/batches", draft, token=token)
        assert refused.status == 403 and refused.headers["content-type"] == PROBLEM
        assert "may not create, edit and publish batches" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("authorization", "said"),
    [
        (None, "This request carries no API token"),
        ("Basic YWRtaW46YWRtaW4tZGVtbw==", "must read `Bearer `"),
        ("Bearer bu_not-a-real-token", "This API token is not known"),
    ],
)
def test_a_request_without_a_working_token_is_refused_401(
    api_server: ApiServer,
    authorization: str | None,
    said: str,
) -> None:
    headers = {"Authorization": authorization} if authorization else {}

    answer = api_server.get("/batches", headers=headers)

    assert answer.status == 401 and answer.headers["content-type"] == PROBLEM
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert said in answer.json()["detail"]


def test_a_logged_in_session_cookie_does_not_authenticate_the_api(api_server: ApiServer) -> None:
    uow = api_server.uow()
    try:
        cookie = sessions.start_session(uow, Account("admin", Role.ADMIN))
    finally:
        uow.close()

    answer = api_server.get("/batches", headers={"Cookie": f"{COOKIE}={cookie}"})

    assert answer.status == 401


def test_a_revoked_token_stops_working_at_once(api_server: ApiServer) -> None:
    token = api_server.token("dev")
    assert api_server.get("/quests", token=token).status == 200
    uow = api_server.uow()
    try:
        mine = api_tokens.list_tokens(uow, command_line_account(), "dev")
        api_tokens.revoke_token(uow, command_line_account(), max(t.id for t in mine))
    finally:
        uow.close()

    answer = api_server.get("/quests", token=token)

    assert answer.status == 401 and "was revoked" in answer.json()["detail"]


def test_a_token_over_its_throttle_is_refused_429_with_when_to_come_back(
    api_server: ApiServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(api_throttle, "_throttle", api_throttle.Throttle(limit=3))
    token = api_server.token("dev")

    answers = [api_server.get("/quests", token=token) for _ in range(4)]

    assert [a.status for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert int(refused.headers["retry-after"]) == refused.json()["retry_after"] >= 1
    assert "more than 3 requests in 60 seconds" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/batches?per_page=501", "per_page"),
        ("/batches?status=Finished", "'Finished' is not a batch status"),
        ("/batches?created=2026-10-01", "“2026-10-01” needs an operator first"),
        ("/batches?page=2001&per_page=500", "past the first 999,999 batches"),
        ("/batches?colour=red", "colour"),
        ("/batches/1/users?status=Lost", "'Lost' is not a user status"),
        ("/users?active=maybe", "'maybe' is not an active choice"),
        ("/users?tz=Mars/Olympus", "Mars/Olympus"),
    ],
)
def test_a_parameter_core_cannot_use_is_refused_422_with_its_sentence(
    api_server: ApiServer,
    dev: str,
    path: str,
    said: str,
) -> None:
    answer = api_server.get(path, token=dev)

    assert answer.status == 422 and answer.headers["content-type"] == PROBLEM
    assert said in answer.json()["detail"]


def test_the_document_and_its_reference_page_need_no_token_and_the_page_runs_no_script(
    api_server: ApiServer,
) -> None:
    document = api_server.get("/openapi.json")
    page = api_server.get("/docs")

    assert document.status == 200 and document.json()["openapi"] == "3.1.0"
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == HEADERS["Content-Security-Policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert "<script" not in page.text and "GET</span> <code>/api/v1/batches</code>" in page.text


def test_an_unknown_path_or_method_under_the_api_is_a_problem_not_the_login_page(
    api_server: ApiServer,
    dev: str,
) -> None:
    unknown = api_server.get("/nothing", token=dev)
    wrong_method = api_server.request("DELETE", "/batches/1", token=dev)

    assert unknown.status == 404 and unknown.headers["content-type"] == PROBLEM
    assert wrong_method.status == 405 and wrong_method.headers["allow"] == "GET"


def _readme_blocks() -> list[str]:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## API\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.*?)```", section, re.S)


def test_the_readmes_curl_example_works_as_written_against_the_whole_app(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from tests.support.browser import _stop, serve_app

    make_token, calls = _readme_blocks()
    db = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_file(tmp_path_factory), db)
    env = {**os.environ, "BATCH_UNLOCK_DB": str(db)}
    made = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", make_token + 'echo "$BATCH_UNLOCK_TOKEN"'],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("bu_")
    proc, url = serve_app(ROOT, db, tmp_path / "server.log")
    try:
        run = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", calls.replace("http://localhost:8501", url)],
            cwd=ROOT, env={**env, "BATCH_UNLOCK_TOKEN": token}, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        again = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", calls.replace("http://localhost:8501", url)],
            cwd=ROOT, env={**env, "BATCH_UNLOCK_TOKEN": token}, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
    finally:
        _stop(proc)
    assert run.returncode == 0, run.stderr
    decoder = json.JSONDecoder()
    listing, end = decoder.raw_decode(run.stdout)
    created, _ = decoder.raw_decode(run.stdout[end:].lstrip())
    assert listing["per_page"] == 2 and len(listing["items"]) == 2
    assert {b["status"] for b in listing["items"]} == {"Published"}
    assert created["name"] == "Event X attendees" and created["status"] == "Draft"
    _, end = decoder.raw_decode(again.stdout)
    assert decoder.raw_decode(again.stdout[end:].lstrip())[0]["id"] == created["id"]


def _headers_only(server: ApiServer, token: str | None) -> int:
    """POST a 50 MB Content-Length and no body at all; the status answered."""
    host, port = server.root.removeprefix("http://").split(":")
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(
            f"POST /api/v1/batches HTTP/1.1\r\nHost: {host}\r\n{auth}"
            "Content-Type: application/json\r\nContent-Length: 50000000\r\n\r\n".encode()
        )
        return int(conn.recv(4096).split(b" ", 2)[1])


def test_a_body_is_read_only_for_a_token_that_may_send_it(api_server: ApiServer) -> None:
    assert _headers_only(api_server, None) == 401
    assert _headers_only(api_server, api_server.token("analyst")) == 403
    assert _headers_only(api_server, api_server.token("dev")) == 413


def test_only_the_api_itself_skips_the_login_guard(api_server: ApiServer) -> None:
    host, port = api_server.root.removeprefix("http://").split(":")
    answers = {}
    for path in ("/api/v1/quests", "/api/other", "/api/v10/quests"):
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request("GET", path)
        reply = conn.getresponse()
        answers[path] = (reply.status, reply.getheader("location", ""))
        conn.close()

    assert answers["/api/v1/quests"] == (401, "")
    assert answers["/api/other"][0] == 303 and answers["/api/other"][1].startswith("/login")
    assert answers["/api/v10/quests"][0] == 303
