"""`python -m core account token create|list|revoke`: a token printed once, listed without it,
revoked; and such tokens against the running API (401, 403, 429, the audit's token name)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core import audit
from core.access import api_throttle, api_tokens
from core.access.roles import Account, Role, command_line_account
from core.errors import NotAuthenticated
from core.history import audit_sentences
from tests.support import api_server as served
from tests.support.api_server import ApiServer
from tests.support.store import open_store

ROOT = Path(__file__).resolve().parents[2]
ADMIN = Account("admin", Role.ADMIN)
api_server = served.api_server  # the fixture: this module's server (its tests over HTTP)


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


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A data file with one dev account, "dan"."""
    path = tmp_path / "tokens.duckdb"
    assert run(path, "init").returncode == 0
    made = run(
        path, "account", "add", "dan", "--role", "dev", "--password-stdin", stdin="dev-pass-1\n"
    )
    assert made.returncode == 0, made.stderr
    return path


def authenticate(db: Path, secret: str) -> object:
    uow = open_store(db)
    try:
        return api_tokens.authenticate_token(uow, f"Bearer {secret}")
    finally:
        uow.close()


def test_create_prints_the_token_once_and_it_authenticates_as_the_account(db: Path) -> None:
    made = run(db, "account", "token", "create", "dan", "--name", "ci-bot")
    assert made.returncode == 0, made.stderr
    *said, secret = made.stdout.splitlines()
    assert said == ["API token “ci-bot” for dan (with the role of the account):"]
    assert secret.startswith("bu_") and "Copy it now: it is not shown again." in made.stderr
    acting = authenticate(db, secret)
    assert (acting.username, acting.via_token, acting.read_only) == ("dan", "ci-bot", False)
    listed = run(db, "account", "token", "list", "dan")
    assert listed.returncode == 0 and "ci-bot" in listed.stdout
    assert secret not in listed.stdout and secret[:8] + "…" in listed.stdout


def test_create_json_has_the_issue_s_four_keys(db: Path) -> None:
    made = run(
        db, "account", "token", "create", "dan", "--name", "nightly", "--read-only",
        "--expires", "2099-01-31", "--json",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    answer = json.loads(made.stdout)
    assert set(answer) == {"token", "name", "account", "expires_at"}
    assert (answer["name"], answer["account"]) == ("nightly", "dan")
    assert answer["expires_at"] == "2099-01-31T00:00:00+00:00"
    assert authenticate(db, answer["token"]).read_only


def test_list_json_shows_every_token_s_state_and_never_a_token(db: Path) -> None:
    first = json.loads(run(db, "account", "token", "create", "dan", "--name", "a", "--json").stdout)
    run(db, "account", "token", "create", "dan", "--name", "b")
    tokens = json.loads(run(db, "account", "token", "list", "dan", "--json").stdout)
    assert [t["name"] for t in tokens] == ["b", "a"]
    assert set(tokens[0]) == {
        "id", "name", "account", "prefix", "read_only", "state", "created_at", "expires_at",
        "last_used_at", "revoked_at",
    }  # fmt: skip
    assert first["token"] not in json.dumps(tokens)
    revoked = run(db, "account", "token", "revoke", str(tokens[1]["id"]))
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout.strip() == f"Revoked the API token “a” of dan (id {tokens[1]['id']})."
    after = json.loads(run(db, "account", "token", "list", "dan", "--json").stdout)
    assert [t["state"] for t in after] == ["active", "revoked"]
    with pytest.raises(NotAuthenticated, match="was revoked"):
        authenticate(db, first["token"])


def test_an_account_without_tokens_says_so(db: Path) -> None:
    listed = run(db, "account", "token", "list", "dan")
    assert (listed.returncode, listed.stdout.strip()) == (0, "dan has no API tokens.")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["create", "nobody", "--name", "x"],
            "There is no account named 'nobody'. Check the name.",
        ),
        (
            ["create", "dan", "--name", "x", "--expires", "soon"],
            "“soon” is not a date. Write it as 2027-01-31, or 2027-01-31T18:00+01:00.",
        ),
        (
            ["create", "dan", "--name", "x", "--expires", "2001-01-01"],
            "The expiry 2001-01-01 00:00 UTC has passed already. Choose a moment in the future.",
        ),
        (["revoke", "42"], "There is no API token 42 that you may revoke. Check its id."),
        (
            ["create", "dan", "--name", ""],
            "Give the token a name (for example the script that will use it).",
        ),
    ],
)
def test_refusals_exit_2_with_one_sentence(db: Path, args: list[str], says: str) -> None:
    refused = run(db, "account", "token", *args)
    assert (refused.returncode, refused.stdout, refused.stderr.strip()) == (2, "", says)


def test_a_name_taken_by_a_live_token_is_refused(db: Path) -> None:
    assert run(db, "account", "token", "create", "dan", "--name", "ci").returncode == 0
    again = run(db, "account", "token", "create", "dan", "--name", "ci")
    assert again.returncode == 2
    assert again.stderr.strip() == (
        "dan has a token named “ci” already. Choose another name, or revoke that token first."
    )


# Over HTTP: tokens made as the command line makes them, against the app's running API.


def _token_named(api_server: ApiServer, username: str, name: str, **options: object) -> str:
    uow = api_server.uow()
    try:
        secret, _ = api_tokens.create_token(uow, command_line_account(), username, name, **options)
    finally:
        uow.close()
    return secret


def test_a_revoked_token_is_answered_401_with_what_to_do(api_server: ApiServer) -> None:
    secret = _token_named(api_server, "dev", "soon-revoked")
    assert api_server.get("/quests", token=secret).status == 200
    uow = api_server.uow()
    try:
        mine = next(
            t for t in api_tokens.list_tokens(uow, ADMIN, "dev") if t.name == "soon-revoked"
        )
        api_tokens.revoke_token(uow, ADMIN, mine.id)
    finally:
        uow.close()
    refused = api_server.get("/quests", token=secret)
    assert refused.status == 401 and refused.headers["www-authenticate"].startswith("Bearer")
    assert refused.json()["detail"].startswith("The API token “soon-revoked” was revoked on ")
    assert "Traceback" not in refused.text


def test_a_read_only_token_may_read_but_not_write(api_server: ApiServer) -> None:
    secret = _token_named(api_server, "admin", "reader", read_only=True)
    assert api_server.get("/quests", token=secret).status == 200
    refused = api_server.post("/batches", {"name": "Nope", "quest_id": 1}, token=secret)
    assert refused.status == 403


def test_an_api_write_is_in_the_audit_log_with_the_token_s_name(api_server: ApiServer) -> None:
    secret = _token_named(api_server, "dev", "ci-bot")
    quest = api_server.get("/quests", token=secret).json()["items"][0]["id"]
    made = api_server.post("/batches", {"name": "Via the API", "quest_id": quest}, token=secret)
    assert made.status == 201, made.text
    uow = api_server.uow()
    try:
        log = audit.entries(uow, made.json()["id"])
    finally:
        uow.close()
    assert (log["actor"][0], log["via"][0]) == ("dev", "ci-bot")
    assert audit_sentences.who(log["actor"][0], log["via"][0]) == "dev via API token “ci-bot”"


def test_a_token_over_its_rate_is_answered_429_with_when_to_retry(
    api_server: ApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The process's throttle, with a limit small enough to reach in a test.
    monkeypatch.setattr(api_throttle, "_throttle", api_throttle.Throttle(limit=2, window=60))
    secret = _token_named(api_server, "analyst", "busy-script")
    other = _token_named(api_server, "analyst", "quiet-script")
    assert [api_server.get("/quests", token=secret).status for _ in range(2)] == [200, 200]
    refused = api_server.get("/quests", token=secret)
    assert refused.status == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "more than 2 requests in 60 seconds" in refused.json()["detail"]
    assert api_server.get("/quests", token=other).status == 200  # each token counts apart
