"""Bursts of one keyed POST sent at the same moment (issue 17's review): whoever wins the key, every
copy is answered with its answer, never with a conflict, and the batch is made once."""

from __future__ import annotations

import threading
import uuid
from urllib.parse import quote

import pytest

from tests.support.api_server import (  # noqa: F401
    Answer,
    ApiServer,
    api_server,
    new_quest,
    pg_api_server,
    server_on_each_store,
)

COPIES = 16
BURSTS = 10


@pytest.fixture
def dev_token(server: ApiServer) -> str:
    """A new token of the demo dev for each burst (each token's throttle counts its own)."""
    return server.token("dev")


@pytest.fixture(scope="module")
def quest(server: ApiServer) -> int:
    """A badge quest of this module's own."""
    return new_quest(server, "Bursts", "Together")


def burst(
    server: ApiServer, token: str, body: dict | list | None, key: str, path: str = "/batches"
) -> list[Answer]:
    """Send COPIES of one keyed POST (`POST /batches` unless told) at the same moment."""
    answers: list[Answer] = []
    start = threading.Barrier(COPIES)

    def send() -> None:
        start.wait()
        answer = server.post(path, body, token=token, headers={"Idempotency-Key": key})
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


@pytest.mark.parametrize("round_", range(3))
def test_a_burst_of_one_keyed_add_then_publish_changes_the_batch_once_and_answers_alike(
    server: ApiServer, dev_token: str, quest: int, round_: int
) -> None:
    # These writes change the batch's own row: a copy still open when another runs collides on
    # it (DuckDB refuses the second update at once), and must then be answered with the replay.
    draft = server.post("/batches", {"name": f"Adds {round_}", "quest_id": quest}, token=dev_token)
    assert draft.status == 201, draft.text
    bid, version = draft.json()["id"], draft.json()["version"]
    rows = [{"id": n} for n in range(1, 2001)]  # long enough for the copies to overlap
    adds = burst(server, dev_token, rows, str(uuid.uuid4()), f"/batches/{bid}/users")
    assert {a.status for a in adds} == {200}, [a.text for a in adds if a.status != 200]
    assert len({a.body for a in adds}) == 1
    shown = server.get(f"/batches/{bid}", token=dev_token).json()
    assert shown["version"] == version + 1  # added once, not once per copy
    assert sum(shown["counts"].values()) == adds[0].json()["added"] > 0

    publishes = burst(server, dev_token, None, str(uuid.uuid4()), f"/batches/{bid}/publish")
    assert {a.status for a in publishes} == {200}, [a.text for a in publishes if a.status != 200]
    assert len({a.body for a in publishes}) == 1
    assert server.get(f"/batches/{bid}", token=dev_token).json()["version"] == version + 2
