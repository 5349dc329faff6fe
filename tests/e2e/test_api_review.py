"""The API over loopback HTTP against an attacker's review: deep JSON, pages past the end, a
document looser than the server, model names in refusals, empty or re-serialised idempotency
keys, write answers without an ETag, and the reference page's example address."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid

import pytest

from core.api import idempotency
from pages.web.api import document, inputs
from pages.web.api.problems import ERROR_WORDS, SERVER_ERROR
from tests.support import api_server as served
from tests.support.api_server import Answer, ApiServer

api_server = served.api_server  # the fixture: this module's server
dev_token = served.dev_token
quest_id = served.quest_id


@pytest.fixture
def draft(api_server: ApiServer, dev_token: str, quest_id: int) -> int:
    """A new draft of the dev, with no users."""
    return served.new_draft(api_server, dev_token, quest_id, "Review")


def _post_raw(server: ApiServer, path: str, raw: bytes, token: str, **headers: str) -> Answer:
    return server.request(
        "POST",
        path,
        raw=raw,
        token=token,
        headers={"Content-Type": "application/json", **headers},
    )


def test_a_body_nested_deeper_than_the_limit_is_refused_422_not_a_server_error(
    api_server: ApiServer, dev_token: str, draft: int
) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000

    answer = _post_raw(api_server, f"/batches/{draft}/users", deep, dev_token)

    assert answer.status == 422, answer.text
    assert answer.json()["detail"] == inputs.TOO_DEEP


def test_the_depth_scan_skips_brackets_inside_strings_and_allows_the_limit_itself() -> None:
    limit = inputs.MAX_JSON_DEPTH

    assert not inputs.too_deep("[" * limit + "]" * limit)
    assert inputs.too_deep("[" * (limit + 1) + "]" * (limit + 1))
    assert not inputs.too_deep(json.dumps([{"username": "[{" * 500 + '\\"['}]))


def test_the_depth_scan_stays_linear_on_a_string_that_never_closes() -> None:
    # Each escaped quote could start a new failed string match: quadratic without care.
    text = "[" * (inputs.MAX_JSON_DEPTH + 1) + '"' + '\\"' * 500_000

    started = time.monotonic()
    assert inputs.too_deep(text)
    assert time.monotonic() - started < 5


def test_a_server_error_does_not_promise_that_sending_it_again_works() -> None:
    for text in (SERVER_ERROR, ERROR_WORDS[500]):
        assert "try again" not in text.lower()
        assert "may fail" in text


@pytest.mark.parametrize("path", ["/batches", "/users", "/batches/{draft}/users"])
def test_a_page_past_the_end_answers_no_items_with_the_true_total_and_the_page_asked(
    api_server: ApiServer, dev_token: str, draft: int, path: str
) -> None:
    path = path.format(draft=draft)
    first = api_server.get(f"{path}?page=1", token=dev_token).json()

    past = api_server.get(f"{path}?page=1000", token=dev_token)

    assert past.status == 200, past.text
    assert past.json()["items"] == []
    assert past.json()["total"] == first["total"]
    assert past.json()["page"] == 1000


def test_the_document_says_what_a_page_past_the_end_answers() -> None:
    for path in ("/batches", "/users", "/batches/{batch_id}/users"):
        params = {p["name"]: p for p in document()["paths"][path]["get"]["parameters"]}
        assert "no `items`" in params["page"]["description"]


def test_the_document_declares_sorts_statuses_and_active_as_the_server_takes_them() -> None:
    paths = document()["paths"]

    def schema(path: str, name: str) -> dict:
        params = paths[path]["get"]["parameters"]
        return next(p["schema"] for p in params if p["name"] == name)

    assert schema("/batches", "sort")["pattern"].startswith("^(|(name|")
    assert schema("/users", "sort")["pattern"].startswith("^(|(id|")
    assert "in_progress" in schema("/batches/{batch_id}/users", "status")["enum"]
    assert schema("/users", "active")["enum"] == ["yes", "no", "any"]
    assert "draft" in schema("/batches", "status")["items"]["enum"]
    for ops in paths.values():
        for op in ops.values():
            for param in op.get("parameters", []):
                assert param["schema"].get("default", "absent") is not None, param["name"]


@pytest.mark.parametrize(
    ("sort", "path"),
    [("name:desc", "/batches"), ("created_by", "/batches"), ("quests_held:asc", "/users")],
)
def test_a_sort_the_document_allows_is_taken(
    api_server: ApiServer, dev_token: str, sort: str, path: str
) -> None:
    assert api_server.get(f"{path}?sort={sort}", token=dev_token).status == 200


def test_a_refused_row_is_named_by_its_place_and_field_not_by_a_model(
    api_server: ApiServer, dev_token: str, draft: int
) -> None:
    rows = [{"id": str(n)} for n in range(1, 6)] + [{"id": "6", "extra": 1}]

    answer = api_server.post(f"/batches/{draft}/users", rows, token=dev_token)

    assert answer.status == 422, answer.text
    detail = answer.json()["detail"]
    assert "row 6: unknown field “extra”" in detail
    assert "Row" not in detail.replace("row", "") and "FillBody" not in answer.text


def test_a_create_body_that_is_no_object_says_what_the_body_must_be(
    api_server: ApiServer, dev_token: str
) -> None:
    answer = api_server.post("/batches", [], token=dev_token)

    assert answer.status == 422, answer.text
    assert "the body must be a JSON object with name and quest_id" in answer.json()["detail"]
    assert "CreateBody" not in answer.text


def test_an_empty_idempotency_key_is_refused_as_a_too_long_one_is(
    api_server: ApiServer, dev_token: str, quest_id: int
) -> None:
    body = json.dumps({"name": "Empty-key", "quest_id": quest_id}).encode()
    before = api_server.get("/batches?name=Empty-key", token=dev_token).json()["total"]

    for key in ("", "k" * 256):
        answer = _post_raw(api_server, "/batches", body, dev_token, **{idempotency.HEADER: key})
        assert answer.status == 422, (key, answer.text)
        assert answer.json()["detail"] == idempotency.BAD_KEY

    assert api_server.get("/batches?name=Empty-key", token=dev_token).json()["total"] == before


def test_the_same_body_serialised_another_way_replays_the_first_answer(
    api_server: ApiServer, dev_token: str, quest_id: int
) -> None:
    key = {idempotency.HEADER: str(uuid.uuid4())}
    name = f"Re-serialised {uuid.uuid4().hex[:8]}"
    compact = json.dumps({"name": name, "quest_id": quest_id}, separators=(",", ":"))
    spaced = json.dumps({"quest_id": quest_id, "name": name}, indent=2)

    first = _post_raw(api_server, "/batches", compact.encode(), dev_token, **key)
    again = _post_raw(api_server, "/batches", spaced.encode(), dev_token, **key)

    assert first.status == 201, first.text
    assert again.status == 201, again.text
    assert again.headers.get(idempotency.REPLAYED_HEADER.lower()) == "true"
    assert again.json()["id"] == first.json()["id"]


def test_adding_users_answers_the_batch_new_version_as_its_etag(
    api_server: ApiServer, dev_token: str, draft: int, quest_id: int
) -> None:
    found = f"/users?per_page=2&active=yes&lacks={quest_id}"
    users = api_server.get(found, token=dev_token).json()["items"]
    rows = [{"id": str(user["id"])} for user in users]

    added = api_server.post(f"/batches/{draft}/users", rows, token=dev_token)

    assert added.status == 200, added.text
    assert added.json()["added"] == len(rows)
    shown = api_server.get(f"/batches/{draft}", token=dev_token)
    assert added.headers.get("etag") == shown.headers["etag"]
    assert shown.headers["etag"] == f'"{shown.json()["version"]}"'


def test_the_document_says_idempotency_replayed_marks_a_replay() -> None:
    op = document()["paths"]["/batches"]["post"]
    said = op["responses"]["201"]["headers"][idempotency.REPLAYED_HEADER]["description"]

    assert "replay" in said and "first answer to the same" not in said


def test_the_reference_page_example_names_the_address_it_was_read_at(
    api_server: ApiServer,
) -> None:
    with urllib.request.urlopen(api_server.base_url + "/docs", timeout=30) as response:
        page = response.read().decode()

    origin = api_server.base_url.removesuffix("/api/v1")
    assert f"{origin}/api/v1/quests" in page
    assert "localhost:8501" not in page or "localhost:8501" in origin


@pytest.mark.parametrize(
    "path",
    [
        "/batches?created=%3E9999-12-31",
        "/batches?updated=%3D9999-12-31",
        "/users?registered=%3E9999-12-31",
        "/users/count?last_active=%3D9999-12-31",
    ],
)
def test_a_day_filter_on_the_calendar_last_day_is_refused_422_not_a_server_error(
    api_server: ApiServer, dev_token: str, path: str
) -> None:
    answer = api_server.get(path, token=dev_token)

    assert answer.status == 422, answer.text
    assert "too far away to filter by" in answer.json()["detail"]
