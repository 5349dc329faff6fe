"""`python -m core --url URL …`: the command line through a running app's API (issue 17).

The first tests need no app: what is refused before any request, and what the client does with
answers only a faulty server gives (a reset connection, a 500, a page that is not the API), from
a small scripted HTTP server on 127.0.0.1. The tests after them run the real API.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from core.cli import main
from tests.support.cli_url import ApiServer
from tests.support.world import DATA

ROOT = Path(__file__).resolve().parents[2]
CLI_DIR = ROOT / "core" / "cli"


@pytest.fixture
def no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """No API token in the environment."""
    monkeypatch.delenv("BATCH_UNLOCK_TOKEN", raising=False)


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    """A token in the environment (the scripted server takes any)."""
    monkeypatch.setenv("BATCH_UNLOCK_TOKEN", "bu_scripted")
    return "bu_scripted"


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    """Run the command line in this process; return (exit code, stdout, stderr)."""
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


# --- refused before any request ------------------------------------------------------------


def test_without_a_token_a_command_exits_2_saying_which_variable_to_set(no_token, capsys) -> None:
    code, out, err = run(capsys, "--url", "http://127.0.0.1:9", "quests")
    assert (code, out) == (2, "")
    assert err.startswith("Set BATCH_UNLOCK_TOKEN to an API token (`python -m core account token")
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["init"], "`init`"),
        (["worker", "--once"], "`worker`"),
        (["batch", "queue"], "`batch queue`"),
        (["account", "token", "list", "ann"], "`account token list`"),
        (["preview", "--quest", "1", "x.csv"], "`preview`"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_a_command_the_api_does_not_run_exits_2_naming_it(
    token, capsys, argv: list[str], named: str
) -> None:
    code, out, err = run(capsys, "--url", "http://127.0.0.1:9", *argv)
    assert (code, out) == (2, "")
    assert err.startswith(f"{named} does not run with --url")
    assert "batch show" in err  # and it says what does


def test_an_address_that_is_not_http_exits_2(token, capsys) -> None:
    code, _, err = run(capsys, "--url", "file:///etc/passwd", "quests")
    assert code == 2
    assert "--url takes the running app's address" in err


def test_url_and_db_together_are_refused_before_any_request(token, capsys) -> None:
    code, out, err = run(capsys, "--url", "http://127.0.0.1:9", "--db", "x.duckdb", "quests")
    assert (code, out) == (2, "")
    assert "--url and --db name two places" in err


def test_the_api_prefix_given_with_the_address_is_the_app_s_address(
    token, scripted, capsys
) -> None:
    scripted.steps = [answer(200, SUMMARY)]
    assert run(capsys, "--url", scripted.url + "/api/v1/", "batch", "show", "4", "--json")[0] == 0
    assert scripted.seen[0].path.startswith("/api/v1/batches/4")


def test_options_are_checked_as_locally_before_any_request(token, capsys) -> None:
    # Nothing listens on port 9: an answer about the date shows no request was tried.
    code, _, err = run(
        capsys, "--url", "http://127.0.0.1:9", "batch", "list", "--created", ">", "2026-13-01"
    )
    assert (code, err.strip()) == (2, "'2026-13-01' is not a day of the calendar.")
    code, _, err = run(capsys, "--url", "http://127.0.0.1:9", "batch", "revoke", "3", "--all")
    assert (code, err.strip()) == (
        2,
        "Say why: --reason TEXT is required (it is kept with each revoked user).",
    )


@pytest.mark.parametrize("bid", ["0", "-1", "99999999999999999999", "12a"])
def test_a_batch_id_out_of_range_is_refused_alike_in_both_modes_before_any_request(
    token, capsys, tmp_path: Path, bid: str
) -> None:
    there = run(capsys, "--url", "http://127.0.0.1:9", "batch", "show", "--", bid)
    here = run(capsys, "--db", str(tmp_path / "none.duckdb"), "batch", "show", "--", bid)
    assert there == here and there[0] == 2
    assert f"“{bid}” is not a batch id: give a whole number from 1 to" in there[2]
    assert not (tmp_path / "none.duckdb").exists()  # refused before the store is opened


def test_a_server_that_cannot_be_reached_exits_1(token, capsys) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, out, err = run(capsys, "--url", f"http://127.0.0.1:{port}", "batch", "show", "1")
    assert (code, out) == (1, "")
    assert err.strip() == (
        f"Could not reach Batch Unlock at http://127.0.0.1:{port} (connection refused): is the "
        "app running there?"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["--url", "http://127.0.0.1:8501", "batch", "show", "3", "--json"],
        ["--url=http://quests:8501", "users", "list", "--holds", "1"],
        ["--db", "x.duckdb", "--url", "https://app.example.org/", "batch", "list", "--json"],
    ],
    ids=" ".join,
)
def test_the_quick_parse_of_a_url_command_gives_what_the_full_parser_gives(argv) -> None:
    from core.cli import build_parser, parse_quickly

    quick = parse_quickly(argv)
    assert quick is not None and quick.url is not None
    assert vars(quick) == vars(build_parser().parse_args(argv))


# --- a scripted server -----------------------------------------------------------------------


@dataclass
class Seen:
    """One request the scripted server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Script:
    """What the scripted server answers, one step per request, and what it received."""

    steps: list[Callable[[BaseHTTPRequestHandler], None]] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    url: str = ""


def answer(
    status: int,
    body: object,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> Callable:
    """A step: answer with this status, body and headers."""

    def step(handler: BaseHTTPRequestHandler) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    return step


def reset(handler: BaseHTTPRequestHandler) -> None:
    """A step: break the connection (a TCP reset) without answering."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.close_connection = True
    handler.connection.close()


@pytest.fixture
def scripted() -> Iterator[Script]:
    """An HTTP server on 127.0.0.1 that answers each request with the script's next step."""
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            script.seen.append(Seen(self.command, self.path, dict(self.headers), body))
            script.steps.pop(0)(self)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: object) -> None:
            """Keep the test's output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    script.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield script
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


SUMMARY = {
    "id": 4,
    "name": "Spring",
    "badge": "Explorer",
    "quest": "Visit 10 pages",
    "status": "Unpublished",
    "progress": 0,
    "paused": False,
    "users": 2,
    "counts": {"Unpublished": 2, "In Progress": 0, "Published": 0, "Error": 0, "Revoking": 0,
               "Revoked": 0},
}  # fmt: skip


def test_a_write_cut_off_before_its_answer_is_sent_again_once_with_the_same_key(
    token, scripted: Script, capsys
) -> None:
    scripted.steps = [reset, answer(200, {**SUMMARY, "message": "“Spring” was queued."})]
    code, out, err = run(capsys, "--url", scripted.url, "batch", "publish", "4")
    assert (code, out, err) == (0, "“Spring” was queued.\n", "")
    first, second = scripted.seen
    assert (first.method, first.path) == ("POST", "/api/v1/batches/4/publish")
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert len(first.headers["Idempotency-Key"]) == 36  # a uuid4
    assert first.headers["Authorization"] == "Bearer bu_scripted"


def test_a_write_cut_off_twice_exits_1_and_is_not_sent_a_third_time(
    token, scripted: Script, capsys
) -> None:
    scripted.steps = [reset, reset, answer(200, SUMMARY)]
    code, out, err = run(capsys, "--url", scripted.url, "batch", "pause", "4")
    assert (code, out) == (1, "")
    assert err.startswith(f"Could not reach Batch Unlock at {scripted.url} (")
    assert len(scripted.seen) == 2


def test_each_write_has_its_own_key_and_a_read_none(token, scripted: Script, capsys) -> None:
    scripted.steps = [answer(200, {**SUMMARY, "message": "m"}) for _ in range(2)] + [
        answer(200, SUMMARY)
    ]
    run(capsys, "--url", scripted.url, "batch", "pause", "4")
    run(capsys, "--url", scripted.url, "batch", "resume", "4")
    assert run(capsys, "--url", scripted.url, "batch", "show", "4", "--json")[0] == 0
    keys = [seen.headers.get("Idempotency-Key") for seen in scripted.seen]
    assert keys[0] != keys[1] and None not in keys[:2]
    assert keys[2] is None


def test_a_problem_answer_exits_2_with_its_detail_as_the_one_sentence(
    token, scripted: Script, capsys
) -> None:
    problem = {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "Only a batch “In Progress” or “Revoking” can be paused.",
    }
    scripted.steps = [answer(409, problem, "application/problem+json")]
    code, out, err = run(capsys, "--url", scripted.url, "batch", "pause", "4")
    assert (code, out, err) == (2, "", problem["detail"] + "\n")


def test_a_server_failure_or_an_address_that_is_not_the_api_exits_1(
    token, scripted: Script, capsys
) -> None:
    scripted.steps = [
        answer(500, {"status": 500, "title": "Internal Server Error", "detail": "Something went wrong."}),
        answer(404, b"<html>Not here</html>", "text/html"),
        answer(200, b"<html>a login page</html>", "text/html"),
    ]  # fmt: skip
    assert run(capsys, "--url", scripted.url, "quests") == (1, "", "Something went wrong.\n")
    code, _, err = run(capsys, "--url", scripted.url, "quests")
    assert (code, err.strip()) == (
        1,
        f"{scripted.url} has no Batch Unlock API at /api/v1: is it the app's address?",
    )
    code, _, err = run(capsys, "--url", scripted.url, "quests")
    assert code == 1 and "did not answer as Batch Unlock's API" in err


REMOTE_MODULES = ("remote_reads", "remote_writes", "remote_json", "remote_commands")
LOCAL_MODULES = ("batch_create", "batch_publish", "batch_revoke", "batch_list", "cmd_users")


def _remote_sources() -> dict[str, str]:
    return {name: (CLI_DIR / f"{name}.py").read_text() for name in REMOTE_MODULES}


def test_the_url_modules_quote_no_sentence_of_the_local_commands() -> None:
    import importlib

    sentences = {
        f"{module}.{name}": value
        for module in LOCAL_MODULES
        for name, value in vars(importlib.import_module(f"core.cli.{module}")).items()
        if name.isupper() and isinstance(value, str) and " " in value
    }
    assert {"batch_create.SAY_WHAT_TO_ADD", "batch_revoke.REASON_REQUIRED"} <= set(sentences)
    copied = [
        (where, remote)
        for remote, text in _remote_sources().items()
        for where, sentence in sentences.items()
        # the sentence's words, as they would be in a literal (a long one split in two too)
        if sentence[:40] in text or sentence[-40:] in text
    ]
    assert not copied, copied


def test_the_url_modules_call_no_private_helper_of_another_module() -> None:
    import ast

    private = [
        (remote, f"{node.value.id}.{node.attr}")
        for remote, text in _remote_sources().items()
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
        and node.value.id not in ("self", "api")
    ]
    assert not private, private


@pytest.mark.parametrize(
    ("status", "argv"),
    [(302, ["batch", "publish", "4"]), (307, ["batch", "pause", "4"]), (301, ["quests"])],
)
def test_a_redirect_is_not_followed_and_exits_1_naming_where_it_points(
    token, scripted: Script, capsys, status: int, argv: list[str]
) -> None:
    elsewhere = f"{scripted.url}/elsewhere/api/v1/batches/4/publish"
    scripted.steps = [
        answer(status, b"", "text/plain", {"Location": elsewhere}),
        answer(200, {**SUMMARY, "message": "followed"}),
    ]
    code, out, err = run(capsys, "--url", scripted.url, *argv)
    assert (code, out) == (1, "")
    assert elsewhere in err and "give --url the app's own address" in err
    assert len(scripted.seen) == 1  # the token went nowhere else, the POST was not made a GET


def test_a_throttled_request_waits_as_told_then_goes_on_or_gives_the_sentence(
    token, scripted: Script, capsys
) -> None:
    throttled = {"status": 429, "detail": "Too many requests with this token: wait 1 s."}
    scripted.steps = [
        answer(429, throttled, "application/problem+json", {"Retry-After": "0"}),
        answer(200, {"items": [], "total": 0}),
        answer(429, throttled, "application/problem+json", {"Retry-After": "3600"}),
    ]
    assert run(capsys, "--url", scripted.url, "quests", "--json") == (0, "[]\n", "")
    assert len(scripted.seen) == 2
    assert run(capsys, "--url", scripted.url, "quests") == (2, "", throttled["detail"] + "\n")


def test_an_answer_without_the_keys_a_command_reads_exits_1_naming_the_versions(
    token, scripted: Script, capsys
) -> None:
    scripted.steps = [answer(200, {"results": []})]
    code, out, err = run(capsys, "--url", scripted.url, "quests")
    assert (code, out) == (1, "")
    assert "run the same version of Batch Unlock on both sides" in err


def test_a_batch_show_prints_only_the_keys_of_the_local_json(
    token, scripted: Script, capsys
) -> None:
    extra = {"version": 3, "queue_position": 1, "error_reasons": [], "paused_by": None}
    scripted.steps = [answer(200, {**SUMMARY, **extra})]
    code, out, _ = run(capsys, "--url", scripted.url, "batch", "show", "4", "--json")
    assert code == 0
    assert json.loads(out) == SUMMARY


def test_url_mode_imports_no_store_driver_and_no_polars_for_a_simple_command(
    scripted: Script,
) -> None:
    scripted.steps = [answer(200, {"items": [], "total": 0})]
    child = (
        "import atexit, json, runpy, sys\n"
        "atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.stderr))\n"
        "sys.argv = ['python -m core', *sys.argv[1:]]\n"
        "runpy.run_module('core', run_name='__main__', alter_sys=True)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", child, "--url", scripted.url, "quests", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "BATCH_UNLOCK_TOKEN": "bu_scripted"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == []
    loaded = {name.split(".")[0] for name in json.loads(done.stderr.strip().splitlines()[-1])}
    assert not loaded & {"duckdb", "psycopg", "polars", "pyarrow", "argon2"}


# --- the real API ----------------------------------------------------------------------------

# The CLI tests whose commands run through the API too (tests/support/cli_url.py says how).
URL_MODE_FILES = (
    "tests/e2e/test_cli_batches.py",
    "tests/e2e/test_cli_batch_list.py",
    "tests/e2e/test_cli_publish.py",
    "tests/e2e/test_cli_undo.py",
    "tests/e2e/test_cli_users.py",
)


def test_the_cli_tests_pass_in_url_mode_for_every_command_it_supports(tmp_path: Path) -> None:
    from core.cli import remote_commands
    from tests.support.cli_url import REPORT_ENV

    report = tmp_path / "sent.json"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.support.cli_url",
         "-p", "no:cacheprovider", *URL_MODE_FILES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, REPORT_ENV: str(report)},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-6000:]
    sent = json.loads(report.read_text())
    through_api = {test: commands for test, commands in sent.items() if commands}
    assert len(through_api) >= 50, sorted(sent)  # most of them, not a handful
    named = {name for names in through_api.values() for name in names}
    # Each supported command at least once; `quests` is run by tests/e2e/test_cli.py only in
    # child processes, which keep local mode (the parity tests below run it through the API).
    assert named == set(remote_commands.COMMANDS) - {"quests"}


@pytest.fixture
def twins(tmp_path: Path) -> Iterator[tuple[str, str, ApiServer]]:
    """Two identical data files and the real API serving the second: (local, served, server)."""
    from tests.support.publish import make_batch
    from tests.support.store import open_store

    local = tmp_path / "local.duckdb"
    con = open_store(local)
    cur = con.cursor()
    cur.execute("INSERT INTO badges (name) VALUES ('Explorer'), ('Mentor')")
    cur.execute(
        "INSERT INTO quests (badge_id, name) VALUES (1, 'Visit 10 pages'), (2, 'Answer a question')"
    )
    cur.execute(
        """INSERT INTO platform_users (id, username, email, username_norm, email_norm, active,
               registered_at) SELECT i, 'user' || i, 'user' || i || '@example.com', 'user' || i,
               'user' || i || '@example.com', i <> 10, TIMESTAMPTZ '2026-01-01 10:00+00' + i * INTERVAL 1 DAY
           FROM range(1, 13) r(i)"""
    )
    make_batch(cur, range(1, 10), name="Spring onboarding")  # 1
    make_batch(cur, [1, 2, 10], name="Hackathon winners")  # 2: one deactivated user
    make_batch(cur, [], name="Empty", quest_id=2)  # 3
    con.close()
    served = tmp_path / "served.duckdb"
    shutil.copyfile(local, served)
    server = ApiServer.start(str(served))
    yield str(local), str(served), server
    server.stop()


# Commands run on both twins in this order; "worker" runs `worker --once` locally on each; "~":
# the output holds moments of what was done on each twin apart, such as a batch created during
# the test (compared by their shape only: a minute may turn between the twins).
PARITY = [
    "quests", "quests --json",
    "batch list", "batch list --json", "batch list --status Draft --sort name:desc --tz Europe/Paris",
    "batch list --created > 2020-01-01 --json --tz Asia/Tokyo",
    "batch show 1", "batch show 1 --json", "batch users 2", "batch users 2 --json",
    "users list", "users list --json --active yes --sort registered_at", "users list --limit 3",
    "users list --registered < 2026-01-05 --tz America/New_York",
    "users count", "users count --json --active no", "users list --in-batch 2 --in-batch-status Error",
    "batch publish 2", "batch publish 1", "batch show 1", "batch pause 1", "batch cancel 1",
    "batch publish 1 --json", "worker",
    "batch show 2", "batch show 2 --json", "batch users 2", "batch retry 2", "batch retry 2 --all",
    "batch revoke 1 --all --dry-run", "batch revoke 1 --user 3 --user 4 --dry-run --json",
    "batch revoke 1 --user user5 --reason Mistake", "batch revoke 1 --all --reason Wrong --json",
    "~batch users 1", "batch show 1", "worker", "~batch users 1 --json",
    "batch create --name Winners --quest 2 --user 3 --json", "~batch list --json",
    "batch add 4 --user 5", "batch add 4 --user 5", "batch add 3 --user 11 --user 12 --json",
    "batch create --name 'From a file' --quest 2 --csv {csv} --user 7", "batch add 4 --csv {csv}",
    "batch add 3 --csv {csv} --json", "batch revoke 2 --csv {csv} --dry-run", "batch show 5",
    "batch add 5 --csv {xlsx}", "batch create --name Nothing --quest 2 --csv {missing}",
    "batch add 5 --csv {garbage}", "batch revoke 5 --csv {xlsx} --dry-run --json",
    "batch revoke 5 --csv {csv} --reason Wrong",
    "users list --sort quests_held:desc --limit 2", "~batch list --sort users:desc",
    "batch create --name X --quest 1 --user 999",  # last: a refused create may use up an id
    "batch show 99", "batch users 99", "batch publish 99", "batch list --status Nope",
    "users list --holds 1 --json", "users count --holds 1",
]  # fmt: skip


MOMENT = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?")


def _shape_of_moments(result: tuple[int, str, str]) -> tuple[int, str, str]:
    """The result with the digits of every moment masked (their format and zone kept)."""
    code, out, err = result
    return code, MOMENT.sub(lambda m: re.sub(r"\d", "9", m.group()), out), err


def test_every_supported_command_prints_the_same_through_the_api_as_locally(
    twins, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    local, served, server = twins
    folder = Path(local).parent
    files = {
        "csv": folder / "winners.csv",
        "xlsx": DATA / "users.xlsx",
        "missing": folder / "no.csv",
        "garbage": DATA / "garbage.bin",
    }
    files["csv"].write_text("ID;Username\n1;\n999;\n;user2\n1;\n8;user9\n", encoding="utf-8")
    monkeypatch.setenv("BATCH_UNLOCK_TOKEN", server.token)
    for line in PARITY:
        _compare(capsys, line.format(**files), local, served, server.url)


def _compare(capsys: pytest.CaptureFixture, line: str, local: str, served: str, url: str) -> None:
    """Run one PARITY line on both twins (`worker`: locally on each) and compare what it printed."""
    argv = shlex.split(line.removeprefix("~"))
    if argv == ["worker"]:
        for store in (local, served):
            assert main(["--db", store, "worker", "--once"]) == 0
        capsys.readouterr()
        return
    here = run(capsys, "--db", local, *argv)
    there = run(capsys, "--url", url, *argv)
    if line.startswith("~"):
        here, there = _shape_of_moments(here), _shape_of_moments(there)
    assert there == here, f"{line}\n--- url:\n{there[1]}{there[2]}--- local:\n{here[1]}{here[2]}"


def test_after_a_queued_write_both_modes_say_who_does_the_work_in_one_sentence(
    twins, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    local, _served, server = twins
    monkeypatch.setenv("BATCH_UNLOCK_TOKEN", server.token)
    there = run(capsys, "--url", server.url, "batch", "publish", "1")
    here = run(capsys, "--db", local, "batch", "publish", "1")
    line = "If the app is running, its publisher does this by itself; otherwise run"
    assert there == here and there[0] == 0 and line in there[1]
    assert "stop the app" not in there[1]


def test_a_missing_batch_is_the_same_sentence_locally_and_through_the_api(
    twins, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    local, _served, server = twins
    monkeypatch.setenv("BATCH_UNLOCK_TOKEN", server.token)
    here = run(capsys, "--db", local, "batch", "show", "9999")
    there = run(capsys, "--url", server.url, "batch", "show", "9999")
    sentence = "No batch 9999 is visible to you. Check the link, or find the batch in the"
    assert here[0] == there[0] == 2
    assert sentence in here[2] and here[2] == there[2]


# The same on PostgreSQL, from batch_world (users 1-12, user 10 inactive, user 7 holding quest 1).
PARITY_PG = [
    "quests --json", "users count --holds 1", "users list --text user1 --sort username:desc",
    "batch create --name Spring --quest 1 --user 1 --user 2 --user 3 --json",
    "batch create --name Mentors --quest 2 --user 10 --user 11 --user 12", "batch publish 1",
    "batch publish 2 --json", "batch show 2", "batch pause 1", "worker", "batch show 1 --json",
    "batch users 2", "batch retry 2", "~batch list --status Published", "~batch list --json",
    "batch revoke 1 --user 2 --reason Mistake --json", "worker", "~batch users 1",
    "batch add 1 --user 2 --json", "batch cancel 1", "batch resume 1", "batch show 99",
    "batch create --name X --quest 1 --user 7",
]  # fmt: skip


@pytest.mark.pg
def test_through_the_api_on_postgresql_too_every_command_prints_as_locally(
    pg_stores, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.postgres import drop_database

    local, served = pg_stores.url("batch_world"), pg_stores.url("batch_world")
    server = ApiServer.start(served)
    try:
        monkeypatch.setenv("BATCH_UNLOCK_TOKEN", server.token)
        for line in PARITY_PG:
            _compare(capsys, line, local, served, server.url)
    finally:
        server.stop()
        for url in (local, served):
            drop_database(pg_stores.server.url, url.rsplit("/", 1)[1])


def test_a_read_only_or_unknown_token_is_refused_with_the_apis_sentence_and_exit_2(
    twins, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pages.web import runtime
    from tests.support.cli_url import make_token

    _, _, server = twins
    uow = runtime.unit_of_work()
    try:
        reader = make_token(uow, "reader", role="dev", read_only=True)
    finally:
        uow.close()
    monkeypatch.setenv("BATCH_UNLOCK_TOKEN", reader)
    assert run(capsys, "--url", server.url, "quests", "--json")[0] == 0  # it reads
    code, out, err = run(
        capsys, "--url", server.url, "batch", "create", "--name", "X", "--quest", "1"
    )
    assert (code, out) == (2, "")  # but it may not write
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    monkeypatch.setenv("BATCH_UNLOCK_TOKEN", "bu_not-a-token")
    code, out, err = run(capsys, "--url", server.url, "quests")
    assert (code, out) == (2, "")
    assert "account token create" in err  # the API's sentence says how to get one
