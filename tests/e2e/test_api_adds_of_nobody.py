"""`POST /batches/{id}/users` that adds nobody (issue 17's review), over loopback HTTP on both
stores: it answers its report, keeps the batch's ETag and audit log, and a write sent with that
ETag afterwards goes through; an add of someone moves the ETag on by exactly one."""

from __future__ import annotations

import pytest

from core import audit
from tests.support.api_server import (  # noqa: F401
    ApiServer,
    api_server,
    new_quest,
    pg_api_server,
    server_on_each_store,
)


@pytest.fixture(scope="module")
def dev_token(server: ApiServer) -> str:
    """A token of the demo dev."""
    return server.token("dev")


@pytest.fixture(scope="module")
def quest(server: ApiServer) -> int:
    """A badge quest of this module's own, which nobody holds yet."""
    return new_quest(server, "Adds of nobody", "None new")


@pytest.fixture(scope="module")
def users(server: ApiServer, dev_token: str) -> list[int]:
    """Active demo users."""
    answer = server.get("/users?active=yes&per_page=100", token=dev_token)
    return [u["id"] for u in answer.json()["items"]]


@pytest.fixture(scope="module")
def holder(server: ApiServer, dev_token: str, quest: int, users: list[int]) -> int:
    """A user who holds the quest (unlocked by a published batch)."""
    body = {"name": "Holders", "quest_id": quest, "users": [{"id": users[0]}]}
    batch = server.post("/batches", body, token=dev_token).json()
    assert server.post(f"/batches/{batch['id']}/publish", token=dev_token).status == 200
    server.publish_all()
    return users[0]


def new_batch(server: ApiServer, token: str, quest: int, user: int) -> tuple[int, str]:
    """A draft holding `user`: its id and ETag."""
    body = {"name": "Nobody new", "quest_id": quest, "users": [{"id": user}]}
    answer = server.post("/batches", body, token=token)
    assert answer.status == 201, answer.text
    return answer.json()["id"], answer.headers["etag"]


def users_added_entries(server: ApiServer, batch_id: int) -> list[str]:
    """The details of the batch's "users added" audit entries."""
    uow = server.uow()
    try:
        log = audit.entries(uow, batch_id)
    finally:
        uow.close()
    log = log.filter(log["action"] == audit.Action.USERS_ADDED)
    return log["detail"].to_list()


def test_an_add_of_nobody_answers_its_report_and_keeps_the_etag(
    server: ApiServer, dev_token: str, quest: int, users: list[int], holder: int
) -> None:
    batch_id, tag = new_batch(server, dev_token, quest, users[1])
    logged = users_added_entries(server, batch_id)

    answer = server.post(
        f"/batches/{batch_id}/users", [{"id": holder}, {"id": users[1]}], token=dev_token
    )

    assert answer.status == 200, answer.text
    assert answer.json()["added"] == 0
    assert answer.json()["already_unlocked"] == 1 and answer.json()["already_in_batch"] == 1
    assert answer.headers["etag"] == tag
    assert server.get(f"/batches/{batch_id}", token=dev_token).headers["etag"] == tag
    assert users_added_entries(server, batch_id) == logged  # no "0 added" entry


def test_a_publish_with_the_etag_from_before_an_add_of_nobody_goes_through(
    server: ApiServer, dev_token: str, quest: int, users: list[int], holder: int
) -> None:
    batch_id, tag = new_batch(server, dev_token, quest, users[2])
    server.post(f"/batches/{batch_id}/users", [{"id": holder}], token=dev_token)

    published = server.post(
        f"/batches/{batch_id}/publish", token=dev_token, headers={"If-Match": tag}
    )

    assert published.status == 200, published.text


def test_an_add_of_nobody_with_an_old_etag_is_still_refused_412(
    server: ApiServer, dev_token: str, quest: int, users: list[int], holder: int
) -> None:
    batch_id, tag = new_batch(server, dev_token, quest, users[3])
    server.post(f"/batches/{batch_id}/users", [{"id": users[4]}], token=dev_token)

    answer = server.post(
        f"/batches/{batch_id}/users", [{"id": holder}], token=dev_token, headers={"If-Match": tag}
    )

    assert answer.status == 412, answer.text


def test_a_published_batch_given_nobody_new_stays_published(
    server: ApiServer, dev_token: str, quest: int, users: list[int], holder: int
) -> None:
    batch_id, _ = new_batch(server, dev_token, quest, users[5])
    server.post(f"/batches/{batch_id}/publish", token=dev_token)
    server.publish_all()
    shown = server.get(f"/batches/{batch_id}", token=dev_token)

    answer = server.post(f"/batches/{batch_id}/users", [{"id": users[5]}], token=dev_token)

    after = server.get(f"/batches/{batch_id}", token=dev_token)
    assert answer.json()["added"] == 0
    assert after.headers["etag"] == shown.headers["etag"]
    assert after.json()["status"] == shown.json()["status"] == "Published"


def test_an_add_of_someone_moves_the_etag_on_by_one(
    server: ApiServer, dev_token: str, quest: int, users: list[int]
) -> None:
    batch_id, tag = new_batch(server, dev_token, quest, users[6])

    answer = server.post(
        f"/batches/{batch_id}/users", [{"id": users[7]}], token=dev_token, headers={"If-Match": tag}
    )

    assert answer.json()["added"] == 1
    assert answer.headers["etag"] == f'"{int(tag.strip(chr(34))) + 1}"'
    assert len(users_added_entries(server, batch_id)) == 2  # the create's, then this one
