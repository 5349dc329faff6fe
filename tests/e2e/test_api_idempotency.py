"""Idempotent API writes over loopback HTTP (issue 17): a POST sent again with its
`Idempotency-Key`, one after the other or at the same moment, is done once and answered alike."""

from __future__ import annotations

import threading
import uuid
from urllib.parse import quote

import pytest

from core import audit
from tests.support.api_server import (  # noqa: F401
    Answer,
    ApiServer,
    api_server,
    new_quest,
    pg_api_server,
    server_on_each_store,
)

DUPLICATES = 8


@pytest.fixture(scope="module")
def dev_token(server: ApiServer) -> str:
    """A token of the demo dev."""
    return server.token("dev")


@pytest.fixture(scope="module")
def quest(server: ApiServer) -> int:
    """A badge quest of this module's own, which nobody holds."""
    return new_quest(server, "Idempotency", "Once")


@pytest.fixture(scope="module")
def user_ids(server: ApiServer, dev_token: str) -> list[int]:
    """Active demo users."""
    answer = server.get("/users?active=yes&per_page=100", token=dev_token)
    return [u["id"] for u in answer.json()["items"]]


def batches_named(server: ApiServer, token: str, name: str) -> list[dict]:
    """The batches whose name contains `name`."""
    answer = server.get(f"/batches?name={quote(name)}&per_page=500", token=token)
    assert answer.status == 200, answer.text
    return [b for b in answer.json()["items"] if b["name"] == name]


def keyed(key: str) -> dict[str, str]:
    """The headers of a request with this idempotency key."""
    return {"Idempotency-Key": key}


def test_the_same_post_twice_with_one_key_creates_one_batch(
    server: ApiServer,
    dev_token: str,
    quest: int,
    user_ids: list[int],
) -> None:
    name = f"Once {uuid.uuid4().hex[:8]}"
    body = {"name": name, "quest_id": quest, "users": [{"id": user_ids[0]}]}
    key = str(uuid.uuid4())
    first = server.post("/batches", body, token=dev_token, headers=keyed(key))
    second = server.post("/batches", body, token=dev_token, headers=keyed(key))
    assert first.status == second.status == 201
    assert "idempotency-replayed" not in first.headers
    assert second.headers["idempotency-replayed"] == "true"
    assert second.json() == first.json()
    assert second.headers["location"] == first.headers["location"]
    assert second.headers["etag"] == first.headers["etag"]
    assert [b["id"] for b in batches_named(server, dev_token, name)] == [first.json()["id"]]


def test_concurrent_duplicates_create_one_batch_and_all_get_its_answer(
    server: ApiServer,
    dev_token: str,
    quest: int,
) -> None:
    name = f"Together {uuid.uuid4().hex[:8]}"
    body = {"name": name, "quest_id": quest}
    key = str(uuid.uuid4())
    answers: list[Answer] = []
    start = threading.Barrier(DUPLICATES)

    def send() -> None:
        start.wait()
        answers.append(server.post("/batches", body, token=dev_token, headers=keyed(key)))

    threads = [threading.Thread(target=send) for _ in range(DUPLICATES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [a.status for a in answers] == [201] * DUPLICATES, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert sum(a.headers.get("idempotency-replayed") != "true" for a in answers) == 1
    assert len(batches_named(server, dev_token, name)) == 1


def test_users_posted_twice_with_one_key_are_added_once_and_the_first_answer_comes_back(
    server: ApiServer,
    dev_token: str,
    quest: int,
    user_ids: list[int],
) -> None:
    batch = server.post("/batches", {"name": "Add once", "quest_id": quest}, token=dev_token)
    path = f"/batches/{batch.json()['id']}/users"
    rows = [{"id": i} for i in user_ids[10:13]]
    key = str(uuid.uuid4())
    first = server.post(path, rows, token=dev_token, headers=keyed(key))
    again = server.post(path, rows, token=dev_token, headers=keyed(key))
    assert first.json()["added"] == again.json()["added"] == 3  # not "already in this batch"
    fresh = server.post(path, rows, token=dev_token, headers=keyed(str(uuid.uuid4())))
    assert fresh.json()["added"] == 0 and fresh.json()["already_in_batch"] == 3


def test_concurrent_duplicate_publishes_publish_once(
    server: ApiServer,
    dev_token: str,
    quest: int,
    user_ids: list[int],
) -> None:
    body = {"name": "Publish once", "quest_id": quest, "users": [{"id": user_ids[20]}]}
    batch = server.post("/batches", body, token=dev_token).json()
    key, answers = str(uuid.uuid4()), []
    start = threading.Barrier(4)

    def send() -> None:
        start.wait()
        answer = server.post(f"/batches/{batch['id']}/publish", token=dev_token, headers=keyed(key))
        answers.append(answer)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [a.status for a in answers] == [200] * 4
    assert len({a.json()["message"] for a in answers}) == 1
    assert "was queued" in answers[0].json()["message"]
    uow = server.uow()
    try:
        actions = audit.entries(uow, batch["id"])["action"].to_list()
    finally:
        uow.close()
    assert actions.count(audit.Action.BATCH_PUBLISHED) == 1


def test_one_key_for_another_request_is_refused(
    server: ApiServer,
    dev_token: str,
    quest: int,
) -> None:
    key = str(uuid.uuid4())
    first = server.post(
        "/batches", {"name": "First", "quest_id": quest}, token=dev_token, headers=keyed(key)
    )
    other = server.post(
        "/batches", {"name": "Other", "quest_id": quest}, token=dev_token, headers=keyed(key)
    )
    assert first.status == 201 and other.status == 422
    assert "already used for another request" in other.json()["detail"]


def test_a_refused_write_stores_nothing_so_its_retry_runs_again(
    server: ApiServer,
    dev_token: str,
    quest: int,
    user_ids: list[int],
) -> None:
    body = {"name": "Retry later", "quest_id": quest, "users": [{"id": user_ids[30]}]}
    batch = server.post("/batches", body, token=dev_token).json()
    server.post(f"/batches/{batch['id']}/publish", token=dev_token)
    path, rows, key = f"/batches/{batch['id']}/users", [{"id": user_ids[31]}], str(uuid.uuid4())
    refused = server.post(path, rows, token=dev_token, headers=keyed(key))
    assert refused.status == 409
    server.post(f"/batches/{batch['id']}/cancel", token=dev_token)  # a draft again
    retried = server.post(path, rows, token=dev_token, headers=keyed(key))
    assert retried.status == 200 and retried.json()["added"] == 1
    assert "idempotency-replayed" not in retried.headers


def test_keys_are_the_tokens_own(
    server: ApiServer,
    dev_token: str,
    quest: int,
) -> None:
    other_token = server.token("dev")
    key = str(uuid.uuid4())
    name = f"Mine {uuid.uuid4().hex[:8]}"
    body = {"name": name, "quest_id": quest}
    mine = server.post("/batches", body, token=dev_token, headers=keyed(key))
    theirs = server.post("/batches", body, token=other_token, headers=keyed(key))
    assert mine.status == theirs.status == 201
    assert "idempotency-replayed" not in theirs.headers
    assert mine.json()["id"] != theirs.json()["id"]
    assert len(batches_named(server, dev_token, name)) == 2


def test_a_keyed_dry_run_is_answered_afresh_and_keeps_nothing_under_its_key(
    server: ApiServer, dev_token: str, quest: int, user_ids: list[int]
) -> None:
    draft = server.post("/batches", {"name": f"Dry {uuid.uuid4().hex[:8]}", "quest_id": quest},
                        token=dev_token).json()["id"]  # fmt: skip
    key = str(uuid.uuid4())
    path = f"/batches/{draft}/users?dry_run=true"
    first = server.post(path, [{"id": user_ids[0]}], token=dev_token, headers=keyed(key))
    second = server.post(path, [{"id": user_ids[0]}], token=dev_token, headers=keyed(key))
    assert first.status == second.status == 200
    assert "idempotency-replayed" not in second.headers  # worked out again: nothing was kept
    # Had the dry run been kept, the same key with another query would be refused (422).
    added = server.post(f"/batches/{draft}/users", [{"id": user_ids[0]}], token=dev_token,
                        headers=keyed(key))  # fmt: skip
    again = server.post(f"/batches/{draft}/users", [{"id": user_ids[0]}], token=dev_token,
                        headers=keyed(key))  # fmt: skip
    assert added.status == again.status == 200 and added.json()["added"] == 1
    assert again.headers.get("idempotency-replayed") == "true"
