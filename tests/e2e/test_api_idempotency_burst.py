"""Bursts of one keyed POST sent at the same moment (issue 17's review): whoever wins the key, every
copy is answered with its answer, never with a conflict, and the batch is made once."""

from __future__ import annotations

import threading
import uuid
from urllib.parse import quote

import pytest

from core.access.roles import command_line_account
from core.catalog import badge_tree, editing
from tests.support.api_server import Answer, ApiServer, api_server, pg_api_server  # noqa: F401

COPIES = 16
BURSTS = 10


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.pg)])
def server(request: pytest.FixtureRequest) -> ApiServer:
    """The API on each store (their transactions and locks differ), one after the other."""
    return request.getfixturevalue("api_server" if request.param == "duckdb" else "pg_api_server")


@pytest.fixture
def dev_token(server: ApiServer) -> str:
    """A new token of the demo dev for each burst (each token's throttle counts its own)."""
    return server.token("dev")


@pytest.fixture(scope="module")
def quest(server: ApiServer) -> int:
    """A badge quest of this module's own."""
    uow = server.uow()
    try:
        badge_id = editing.add_badge(uow, command_line_account(), "Bursts", ["Together"])
        quests = badge_tree.quests(uow)
        return int(quests.filter(quests["badge_id"] == badge_id)["id"][0])
    finally:
        uow.close()


def burst(server: ApiServer, token: str, body: dict, key: str) -> list[Answer]:
    """Send COPIES of one keyed `POST /batches` at the same moment; their answers."""
    answers: list[Answer] = []
    start = threading.Barrier(COPIES)

    def send() -> None:
        start.wait()
        answer = server.post("/batches", body, token=token, headers={"Idempotency-Key": key})
        answers.append(answer)

    threads = [threading.Thread(target=send) for _ in range(COPIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def named(server: ApiServer, token: str, name: str) -> list[int]:
    """The ids of the batches named `name`."""
    answer = server.get(f"/batches?name={quote(name)}&per_page=500", token=token)
    assert answer.status == 200, answer.text
    return [b["id"] for b in answer.json()["items"] if b["name"] == name]


@pytest.mark.parametrize("round_", range(BURSTS))
def test_a_burst_of_one_keyed_post_makes_one_batch_and_answers_every_copy_201(
    server: ApiServer, dev_token: str, quest: int, round_: int
) -> None:
    name = f"Burst {round_} {uuid.uuid4().hex[:8]}"
    answers = burst(server, dev_token, {"name": name, "quest_id": quest}, str(uuid.uuid4()))

    assert [a.status for a in answers] == [201] * COPIES, [
        a.text for a in answers if a.status != 201
    ]
    assert len({a.json()["id"] for a in answers}) == 1
    assert len({a.body for a in answers}) == 1  # the replays are the first answer, byte for byte
    assert sum(a.headers.get("idempotency-replayed") != "true" for a in answers) == 1
    assert named(server, dev_token, name) == [answers[0].json()["id"]]
