"""The API's write endpoints over loopback HTTP (issue 17): every write, each role, every refusal.

A real server (tests/support/server.py) on a copy of the demo store; each test makes its own
badge quest, so the demo's unlocks never decide a row's status.
"""

from __future__ import annotations

import http.client
import itertools
from collections.abc import Iterator

import pytest

from core import audit, words
from core.access import api_tokens
from core.access.roles import command_line_account
from core.batches.rules import MAX_USERS_PER_BATCH
from core.catalog import badge_tree, editing
from core.publishing import unlocking
from core.upload import limits
from tests.support.api_server import Answer, ApiServer, api_server, pg_api_server  # noqa: F401

PROBLEM = "application/problem+json"
_badges = itertools.count(1)


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.pg)])
def server(request: pytest.FixtureRequest) -> ApiServer:
    """The API on each store (their transactions and locks differ), one after the other."""
    return request.getfixturevalue("api_server" if request.param == "duckdb" else "pg_api_server")


@pytest.fixture(scope="module")
def tokens(server: ApiServer) -> dict[str, str]:
    """One token per demo role, and a read-only one of the admin."""
    made = {role: server.token(role) for role in ("admin", "dev", "analyst")}
    made["read_only"] = server.token("admin", read_only=True)
    return made


@pytest.fixture(scope="module")
def people(server: ApiServer, tokens: dict[str, str]) -> Iterator[list[dict]]:
    """Active demo users (id, username, email), handed out a few per test."""
    answer = server.get("/users?active=yes&per_page=500", token=tokens["admin"])
    assert answer.status == 200
    yield answer.json()["items"]


@pytest.fixture
def quest(server: ApiServer) -> int:
    """A new badge quest nobody holds yet."""
    uow = server.uow()
    try:
        badge_id = editing.add_badge(
            uow, command_line_account(), f"API badge {next(_badges)}", ["Quest"]
        )
        quests = badge_tree.quests(uow)
        return int(quests.filter(quests["badge_id"] == badge_id)["id"][0])
    finally:
        uow.close()


def users_of(people: list[dict], first: int, n: int) -> list[dict]:
    """n users from the list, starting at `first`."""
    return people[first : first + n]


def id_rows(users: list[dict]) -> list[dict]:
    """JSON rows naming users by User ID."""
    return [{"id": u["id"]} for u in users]


def problem_of(answer: Answer, status: int) -> dict:
    """Check the answer is a problem with this status; return it."""
    assert answer.status == status, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM)
    body = answer.json()
    assert body["status"] == status and body["detail"] and "Traceback" not in answer.text
    return body


def create(
    server: ApiServer, token: str, quest: int, users: list[dict] | None = None, name: str = "API"
) -> dict:
    """POST /batches; return the new batch."""
    body: dict = {"name": name, "quest_id": quest}
    if users is not None:
        body["users"] = id_rows(users)
    answer = server.post("/batches", body, token=token)
    assert answer.status == 201, answer.text
    return answer.json()


def published(server: ApiServer, token: str, quest: int, users: list[dict]) -> dict:
    """A batch of these users, published to the end."""
    batch = create(server, token, quest, users)
    assert server.post(f"/batches/{batch['id']}/publish", token=token).status == 200
    server.publish_all()
    return server.get(f"/batches/{batch['id']}", token=token).json()


def via_of(server: ApiServer, batch_id: int) -> list[str | None]:
    """The token names the batch's audit entries carry, newest first."""
    uow = server.uow()
    try:
        return audit.entries(uow, batch_id)["via"].to_list()
    finally:
        uow.close()


# ---- POST /batches ---------------------------------------------------------------------------


def test_creating_a_batch_answers_201_with_the_batch_its_etag_and_location(
    server: ApiServer,
    tokens: dict[str, str],
    quest: int,
) -> None:
    answer = server.post("/batches", {"name": "Launch", "quest_id": quest}, token=tokens["dev"])
    assert answer.status == 201
    batch = answer.json()
    assert (batch["name"], batch["status"], batch["users"], batch["report"]) == (
        "Launch", words.DRAFT, 0, None,
    )  # fmt: skip
    assert answer.headers["location"] == f"/api/v1/batches/{batch['id']}"
    shown = server.get(f"/batches/{batch['id']}", token=tokens["dev"])
    assert shown.headers["etag"] == answer.headers["etag"] == f'"{batch["version"]}"'
    assert {k: v for k, v in shown.json().items() if k in batch} == {
        k: v for k, v in batch.items() if k in shown.json()
    }


def test_creating_with_rows_adds_the_good_ones_and_reports_every_row(
    server: ApiServer,
    tokens: dict[str, str],
    people: list[dict],
    quest: int,
) -> None:
    a, b, c = users_of(people, 0, 3)
    rows = [
        {"id": a["id"]},
        {"username": b["username"].upper()},
        {"email": c["email"]},
        {"id": "999999999"},
        {"id": a["id"], "username": b["username"]},
    ]
    answer = server.post(
        "/batches", {"name": "Rows", "quest_id": quest, "users": rows}, token=tokens["dev"]
    )
    assert answer.status == 201, answer.text
    batch = answer.json()
    assert batch["users"] == 3 and batch["added"] == 3
    report = batch["report"]
    assert (report["ok"], report["not_found"], report["mismatch"]) == (3, 1, 1)
    assert [d["row"] for d in report["details"]] == [1, 2, 3, 4, 5]
    assert report["details"][3]["message"] == words.MSG_NOT_FOUND
    assert report["details"][4]["message"].startswith(words.MSG_MISMATCH)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quest_id": 1}, "name"),
        ({"name": "x", "quest_id": 0}, "quest_id"),
        ({"name": "x", "quest_id": 1, "colour": "red"}, "colour"),
        ({"name": "x", "quest_id": 1, "users": [{"user_id": 3}]}, "users.0.user_id"),
    ],
)
def test_a_body_that_does_not_fit_the_schema_is_refused_field_by_field(
    server: ApiServer,
    tokens: dict[str, str],
    body: dict,
    field: str,
) -> None:
    refused = problem_of(server.post("/batches", body, token=tokens["dev"]), 422)
    assert any(".".join(map(str, e["loc"][1:])) == field for e in refused["errors"])


def test_an_archived_or_missing_quest_is_refused_in_the_pages_words(
    server: ApiServer,
    tokens: dict[str, str],
    quest: int,
) -> None:
    missing = server.post("/batches", {"name": "x", "quest_id": 987654}, token=tokens["dev"])
    assert "987654" in problem_of(missing, 422)["detail"]
    uow = server.uow()
    try:
        editing.set_quest_archived(uow, command_line_account(), quest)
    finally:
        uow.close()
    archived = server.post("/batches", {"name": "x", "quest_id": quest}, token=tokens["dev"])
    assert "is archived, so it cannot be unlocked" in problem_of(archived, 422)["detail"]


@pytest.mark.parametrize(("who", "status"), [("analyst", 403), ("read_only", 403), (None, 401)])
def test_only_an_account_that_may_edit_batches_creates_one(
    server: ApiServer,
    tokens: dict[str, str],
    quest: int,
    who: str | None,
    status: int,
) -> None:
    token = tokens[who] if who else None
    answer = server.post("/batches", {"name": "No", "quest_id": quest}, token=token)
    problem_of(answer, status)
    if status == 401:
        assert answer.headers["www-authenticate"].startswith("Bearer")


def test_a_cookie_does_not_authenticate_a_write(
    server: ApiServer,
    quest: int,
) -> None:
    answer = server.post(
        "/batches", {"name": "No", "quest_id": quest}, headers={"Cookie": "bu_session=x"}
    )
    problem_of(answer, 401)


def test_every_api_write_is_in_the_audit_log_with_the_tokens_name(
    server: ApiServer,
    people: list[dict],
    quest: int,
) -> None:
    uow = server.uow()
    try:
        secret, token = api_tokens.create_token(uow, command_line_account(), "dev", "ci-bot-7")
    finally:
        uow.close()
    batch = create(server, secret, quest, users_of(people, 10, 2))
    server.post(f"/batches/{batch['id']}/publish", token=secret)
    assert via_of(server, batch["id"]) == [token.name] * 3  # created, users added, published


# ---- POST /batches/{id}/users --------------------------------------------------------------


def test_a_dry_run_answers_the_preview_and_adds_nothing(
    server: ApiServer,
    tokens: dict[str, str],
    people: list[dict],
    quest: int,
) -> None:
    batch = create(server, tokens["dev"], quest)
    a, b = users_of(people, 20, 2)
    csv = f"ID;Username\n{a['id']};\n;{b['username']}\n;nobody-here\n".encode()
    answer = server.post(
        f"/batches/{batch['id']}/users?dry_run=true&filename=list.csv",
        raw=csv,
        headers={"Content-Type": "text/csv"},
        token=tokens["dev"],
    )
    assert answer.status == 200, answer.text
    preview = answer.json()
    assert (preview["dry_run"], preview["added"], preview["rows"], preview["ok"]) == (
        True, 0, 3, 2,
    )  # fmt: skip
    assert [d["row"] for d in preview["details"]] == [2, 3, 4]  # the file's lines
    assert preview["details"][2]["status"] == "not_found"
    shown = server.get(f"/batches/{batch['id']}", token=tokens["dev"]).json()
    assert shown["users"] == 0 and shown["version"] == batch["version"]


def test_adding_a_csv_body_adds_its_good_rows_and_answers_the_preview(
    server: ApiServer,
    tokens: dict[str, str],
    people: list[dict],
    quest: int,
) -> None:
    batch = create(server, tokens["dev"], quest)
    a, b = users_of(people, 30, 2)
    csv = f"ID\n{a['id']}\n{b['id']}\n{a['id']}\n".encode()
    answer = server.post(
        f"/batches/{batch['id']}/users",
        raw=csv,
        headers={"Content-Type": "text/csv; charset=utf-8"},
        token=tokens["dev"],
    )
    added = answer.json()
    assert (added["added"], added["duplicate"], added["dry_run"]) == (2, 1, False)
    assert added["message"] == "2 users added to the batch. 1 duplicated row merged."
    members = server.get(f"/batches/{batch['id']}/users", token=tokens["dev"]).json()
    assert sorted(m["user_id"] for m in members["items"]) == sorted([a["id"], b["id"]])


def test_adding_json_rows_names_users_by_id_username_or_email(
    server: ApiServer,
    tokens: dict[str, str],
    people: list[dict],
    quest: int,
) -> None:
    batch = create(server, tokens["dev"], quest)
    a, b, c = users_of(people, 40, 3)
    rows = [{"id": str(a["id"])}, {"username": b["username"]}, {"email": c["email"].upper()}]
    answer = server.post(f"/batches/{batch['id']}/users", rows, token=tokens["dev"])
    assert answer.status == 200 and answer.json()["added"] == 3
    members = server.get(f"/batches/{batch['id']}/users", token=tokens["dev"]).json()
    assert {m["added_via"] for m in members["items"]} == {"api"}


def test_several_lists_and_user_ids_go_in_one_transaction(
    server: ApiServer,
    tokens: dict[str, str],
    people: list[dict],
    quest: int,
) -> None:
    import base64

    batch = create(server, tokens["dev"], quest)
    a, b, c = users_of(people, 50, 3)
    content = base64.b64encode(f"ID\n{b['id']}\n".encode()).decode()
    body = {
        "users": [{"id": a["id"]}],
        "files": [{"filename": "b.csv", "content_base64": content}],
        "user_ids": [str(c["id"])],
    }
    answer = server.post(f"/batches/{batch['id']}/users", body, token=tokens["dev"])
    assert answer.status == 200, answer.text
    fill = answer.json()
    assert fill["added"] == 3 and [f["file"] for f in fill["files"]] == ["request body", "b.csv"]
    assert fill["added_users"][0]["user_id"] == c["id"]
    members = server.get(f"/batches/{batch['id']}/users", token=tokens["dev"]).json()
    assert {m["added_via"] for m in members["items"]} == {"cli"}  # what `batch add --url` sends
    refused = server.post(
        f"/batches/{batch['id']}/users",
        {"users": [{"id": people[60]["id"]}], "user_ids": ["999999999"]},
        token=tokens["dev"],
    )
    assert "999999999" in problem_of(refused, 422)["detail"]
    assert server.get(f"/batches/{batch['id']}", token=tokens["dev"]).json()["users"] == 3


def test_a_body_over_the_upload_bounds_is_too_large(
    server: ApiServer,
    tokens: dict[str, str],
    quest: int,
) -> None:
    batch = create(server, tokens["dev"], quest)
    path = f"/batches/{batch['id']}/users"
    # Declared too large: refused from the headers, before a byte of the body is read (a
    # client still sending it would see the connection close under it).
    host, port = server.root.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.putrequest("POST", f"/api/v1{path}")
        connection.putheader("Authorization", f"Bearer {tokens['dev']}")
        connection.putheader("Content-Type", "text/csv")
        connection.putheader("Content-Length", str(limits.MAX_FILE_BYTES + 1))
        connection.endheaders()
        response = connection.getresponse()
        declared = Answer(response.status, dict(response.getheaders()), response.read())
    finally:
        connection.close()
    declared.headers = {k.lower(): v for k, v in declared.headers.items()}
    problem_of(declared, 413)
    rows = [{"id": 1}] * (limits.MAX_ROWS + 1)
    assert (
        "holds more than 10,000 users"
        in problem_of(server.post(path, rows, token=tokens["dev"]), 413)["detail"]
    )


def test_a_csv_body_with_more_rows_than_an_upload_may_hold_is_too_large(
    server: ApiServer,
    tokens: dict[str, str],
    quest: int,
) -> None:
    batch = create(server, tokens["dev"], quest)
    lines = [";".join(words.TEMPLATE_COLUMNS)] + [f"{n};;" for n in range(1, limits.MAX_ROWS + 2)]
    body = ("\n".join(lines) + "\n").encode()
    assert len(body) < limits.MAX_FILE_BYTES
    answer = server.post(
        f"/batches/{batch['id']}/users",
        raw=body,
        headers={"Content-Type": "text/csv"},
        token=tokens["dev"],
    )
    assert "holds more than 10,000 users" in problem_of(answer, 413)["detail"]


def test_a_body_streamed_without_a_length_past_the_bound_gets_its_413(
    server: ApiServer,
    tokens: dict[str, str],
    quest: int,
) -> None:
    batch = create(server, tokens["dev"], quest)
    host, port = server.root.removeprefix("http://").split(":")
    chunk = b"x" * (1024 * 1024)
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request(
            "POST",
            f"/api/v1/batches/{batch['id']}/users",
            body=(chunk for _ in range(limits.MAX_FILE_BYTES // len(chunk) + 2)),
            headers={"Authorization": f"Bearer {tokens['dev']}", "Content-Type": "text/csv"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        answer = Answer(response.status, dict(response.getheaders()), response.read())
    finally:
        connection.close()
    answer.headers = {k.lower(): v for k, v in answer.headers.items()}
    problem_of(answer, 413)


def test_a_body_of_another_type_is_unsupported(
    server: ApiServer,
    tokens: dict[str, str],
    quest: int,
) -> None:
    batch = create(server, tokens["dev"], quest)
    answer = server.post(
        f"/batches/{batch['id']}/users",
        raw=b"<users/>",
        headers={"Content-Type": "application/xml"},
        token=tokens["dev"],
    )
    problem_of(answer, 415)


def test_someone_elses_draft_is_not_found_for_a_dev_and_open_to_an_admin(
    server: ApiServer,
    tokens: dict[str, str],
    people: list[dict],
    quest: int,
) -> None:
    batch = create(server, tokens["admin"], quest)
    rows = id_rows(users_of(people, 70, 1))
    hidden = server.post(f"/batches/{batch['id']}/users", rows, token=tokens["dev"])
    assert f"No batch {batch['id']} is visible to you" in problem_of(hidden, 404)["detail"]
    gone = server.post("/batches/987654321/users", rows, token=tokens["dev"])
    assert problem_of(gone, 404)["detail"] == problem_of(hidden, 404)["detail"].replace(
        str(batch["id"]), "987654321"
    )


def test_a_batch_being_published_takes_no_users(
    server: ApiServer,
    tokens: dict[str, str],
    people: list[dict],
    quest: int,
) -> None:
    batch = create(server, tokens["dev"], quest, users_of(people, 80, 2))
    server.post(f"/batches/{batch['id']}/publish", token=tokens["dev"])
    rows = id_rows(users_of(people, 82, 1))
    for query in ("", "?dry_run=true"):
        refused = server.post(f"/batches/{batch['id']}/users{query}", rows, token=tokens["dev"])
        assert words.ADD_REQUIRES_PUBLISHED in problem_of(refused, 409)["detail"]


# ---- If-Match --------------------------------------------------------------------------------


def test_if_match_acts_only_on_the_batch_as_it_was_seen(
    server: ApiServer,
    tokens: dict[str, str],
    people: list[dict],
    quest: int,
) -> None:
    batch = create(server, tokens["dev"], quest)
    seen = server.get(f"/batches/{batch['id']}", token=tokens["dev"]).headers["etag"]
    path = f"/batches/{batch['id']}/users"
    first = server.post(
        path, id_rows(users_of(people, 90, 1)), token=tokens["dev"], headers={"If-Match": seen}
    )
    assert first.status == 200, first.text
    stale = server.post(
        path, id_rows(users_of(people, 91, 1)), token=tokens["dev"], headers={"If-Match": seen}
    )
    refused = problem_of(stale, 412)
    assert "was given more users by dev at" in refused["detail"]
    assert (
        refused["changed"]["by"] == "dev"
        and refused["changed"]["action"] == audit.Action.USERS_ADDED
    )
    now = server.get(f"/batches/{batch['id']}", token=tokens["dev"])
    assert stale.headers["etag"] == refused["etag"] == now.headers["etag"] != seen
    assert now.json()["users"] == 1
    again = server.post(
        f"/batches/{batch['id']}/publish", token=tokens["dev"], headers={"If-Match": f"{seen}, *"}
    )
    problem_of(again, 422)  # "*" is alone or not at all
    listed = server.post(
        f"/batches/{batch['id']}/publish",
        token=tokens["dev"],
        headers={"If-Match": f"{seen}, {now.headers['etag']}"},
    )
    assert listed.status == 200, listed.text


# ---- publish, retry, cancel, pause, resume -------------------------------------------------


def test_publishing_queues_the_batch_and_a_second_press_changes_nothing(
    server: ApiServer,
    tokens: dict[str, str],
    people: list[dict],
    quest: int,
) -> None:
    batch = create(server, tokens["dev"], quest, users_of(people, 100, 2))
    answer = server.post(f"/batches/{batch['id']}/publish", token=tokens["dev"])
    queued = answer.json()
    assert queued["status"] == words.UNPUBLISHED and queued["position"] >= 1
    assert queued["message"].startswith("“API” was queued: its 2 users")
    assert answer.headers["etag"] == f'"{queued["version"]}"'
    again = server.post(f"/batches/{batch['id']}/publish", token=tokens["dev"]).json()
    assert "is already queued for publishing" in again["message"]
    assert again["version"] == queued["version"]
    server.publish_all()
    finished = server.post(f"/batches/{batch['id']}/publish", token=tokens["dev"])
    assert "has no user waiting to be unlocked" in problem_of(finished, 409)["detail"]


def test_another_accounts_draft_is_missing_to_a_dev_and_an_analyst_may_not_publish(
    server: ApiServer,
    tokens: dict[str, str],
    quest: int,
) -> None:
    batch = create(server, tokens["admin"], quest)
    for action in ("publish", "retry", "cancel", "pause", "resume", "revoke"):
        path = f"/batches/{batch['id']}/{action}"
        hidden = problem_of(server.post(path, token=tokens["dev"]), 404)
        assert "admin" not in hidden["detail"] and batch["name"] not in hidden["detail"]
        problem_of(server.post(path, token=tokens["analyst"]), 403)


def test_retrying_errors_queues_those_whose_error_has_gone(
    server: ApiServer,
    tokens: dict[str, str],
    people: list[dict],
    quest: int,
) -> None:
    draft = create(server, tokens["dev"], quest)
    refused = server.post(f"/batches/{draft['id']}/retry", token=tokens["dev"])
    assert "only a finished batch with users in “Error”" in problem_of(refused, 409)["detail"]
    batch = create(server, tokens["dev"], quest, users_of(people, 110, 2))
    server.post(f"/batches/{batch['id']}/publish", token=tokens["dev"])
    uow = server.uow()
    try:
        editing.set_quest_archived(uow, command_line_account(), quest)  # every unlock fails
        server.publish_all()
        kept = server.post(f"/batches/{batch['id']}/retry", {"all": False}, token=tokens["dev"])
        assert kept.json()["queued"] == 0 and "would fail again" in kept.json()["failing_message"]
        editing.set_quest_archived(uow, command_line_account(), quest, archived=False)
    finally:
        uow.close()
    answer = server.post(f"/batches/{batch['id']}/retry", token=tokens["dev"]).json()
    assert answer["queued"] == 2 and answer["failing_message"] is None
    assert answer["message"] == "2 users in “Error” were queued again."
    assert answer["counts"][words.UNPUBLISHED] == 2


def test_cancelling_a_queued_batch_makes_it_a_draft_again(
    server: ApiServer,
    tokens: dict[str, str],
    people: list[dict],
    quest: int,
) -> None:
    batch = create(server, tokens["dev"], quest, users_of(people, 120, 1))
    cancel = f"/batches/{batch['id']}/cancel"
    assert "it is not queued" in problem_of(server.post(cancel, token=tokens["dev"]), 409)["detail"]
    server.post(f"/batches/{batch['id']}/publish", token=tokens["dev"])
    answer = server.post(cancel, token=tokens["dev"]).json()
    assert answer["status"] == words.DRAFT and "is a draft again" in answer["message"]


def test_pausing_and_resuming_a_running_batch(
    server: ApiServer,
    tokens: dict[str, str],
    people: list[dict],
    quest: int,
) -> None:
    batch = create(server, tokens["dev"], quest, users_of(people, 130, 3))
    pause, resume = f"/batches/{batch['id']}/pause", f"/batches/{batch['id']}/resume"
    assert "nothing to pause" in problem_of(server.post(pause, token=tokens["dev"]), 409)["detail"]
    server.publish_all()  # the demo's queued batches first: then one chunk is this batch's
    server.post(f"/batches/{batch['id']}/publish", token=tokens["dev"])
    uow = server.uow()
    try:
        unlocking.process_once(uow, limit=1)
    finally:
        uow.close()
    paused = server.post(pause, token=tokens["dev"]).json()
    assert paused["paused"] is True and paused["status"].endswith(words.PAUSED)
    assert paused["paused_by"] == "dev"
    assert "is paused already" in problem_of(server.post(pause, token=tokens["dev"]), 409)["detail"]
    resumed = server.post(resume, token=tokens["dev"]).json()
    assert resumed["paused"] is False and "running again" in resumed["message"]
    problem_of(server.post(resume, token=tokens["analyst"]), 403)


# ---- revoke ----------------------------------------------------------------------------------


def test_a_revoke_dry_run_answers_who_would_be_revoked_and_changes_nothing(
    server: ApiServer,
    tokens: dict[str, str],
    people: list[dict],
    quest: int,
) -> None:
    a, b, outsider = users_of(people, 140, 3)
    batch = published(server, tokens["dev"], quest, [a, b])
    answer = server.post(
        f"/batches/{batch['id']}/revoke?dry_run=true",
        {"user_ids": [a["id"], outsider["id"]]},
        token=tokens["dev"],
    )
    assert answer.status == 200, answer.text
    preview = answer.json()
    assert (preview["revoke"], preview["not_in_batch"], preview["dry_run"]) == (1, 1, True)
    assert preview["question"].startswith("Revoke ")
    assert server.get(f"/batches/{batch['id']}", token=tokens["dev"]).json()["status"] == (
        words.PUBLISHED
    )


def test_a_revoke_needs_a_reason_and_takes_back_the_unlocks(
    server: ApiServer,
    tokens: dict[str, str],
    people: list[dict],
    quest: int,
) -> None:
    batch = published(server, tokens["dev"], quest, users_of(people, 150, 2))
    path = f"/batches/{batch['id']}/revoke"
    no_reason = server.post(path, {"all": True}, token=tokens["dev"])
    assert "A reason is required" in problem_of(no_reason, 422)["detail"]
    two_ways = server.post(path, {"all": True, "lookup": "x", "reason": "r"}, token=tokens["dev"])
    assert "one way only" in problem_of(two_ways, 422)["detail"]
    answer = server.post(path, {"all": True, "reason": "Awarded by mistake"}, token=tokens["dev"])
    revoking = answer.json()
    assert (revoking["requested"], revoking["status"]) == (2, words.REVOKING)
    server.publish_all()
    done = server.get(f"/batches/{batch['id']}", token=tokens["dev"]).json()
    assert done["status"] == words.REVOKED and done["counts"][words.REVOKED] == 2


def test_a_revoke_takes_a_csv_body_with_its_reason_in_the_query(
    server: ApiServer,
    tokens: dict[str, str],
    people: list[dict],
    quest: int,
) -> None:
    a, b = users_of(people, 160, 2)
    batch = published(server, tokens["dev"], quest, [a, b])
    answer = server.post(
        f"/batches/{batch['id']}/revoke?reason=Wrong%20list",
        raw=f"Username\n{a['username']}\n".encode(),
        headers={"Content-Type": "text/csv"},
        token=tokens["dev"],
    )
    assert answer.status == 200, answer.text
    assert answer.json()["requested"] == 1


def test_a_draft_has_nothing_to_revoke(
    server: ApiServer,
    tokens: dict[str, str],
    quest: int,
) -> None:
    batch = create(server, tokens["dev"], quest)
    refused = server.post(
        f"/batches/{batch['id']}/revoke", {"all": True, "reason": "x"}, token=tokens["dev"]
    )
    assert "it has unlocked nothing" in problem_of(refused, 409)["detail"]


def test_a_revoke_naming_more_users_than_a_batch_holds_is_refused(
    server: ApiServer,
    tokens: dict[str, str],
    quest: int,
) -> None:
    batch = create(server, tokens["dev"], quest)
    too_many = list(range(1, MAX_USERS_PER_BATCH + 2))
    refused = server.post(
        f"/batches/{batch['id']}/revoke?dry_run=true", {"user_ids": too_many}, token=tokens["dev"]
    )
    assert refused.status == 422, refused.text


WRITES = ("users", "publish", "retry", "cancel", "pause", "resume", "revoke")


@pytest.mark.parametrize("action", WRITES)
@pytest.mark.parametrize(("who", "status"), [("analyst", 403), ("read_only", 403), (None, 401)])
def test_every_batch_write_refuses_a_role_that_may_not_edit_and_changes_nothing(
    server: ApiServer,
    tokens: dict[str, str],
    people: list[dict],
    quest: int,
    action: str,
    who: str | None,
    status: int,
) -> None:
    batch = create(server, tokens["dev"], quest, users_of(people, 170, 1))
    body = id_rows(users_of(people, 171, 1)) if action == "users" else None
    token = tokens[who] if who else None
    problem_of(server.post(f"/batches/{batch['id']}/{action}", body, token=token), status)
    after = server.get(f"/batches/{batch['id']}", token=tokens["dev"]).json()
    assert (after["version"], after["users"], after["status"]) == (
        batch["version"], 1, words.DRAFT,
    )  # fmt: skip
