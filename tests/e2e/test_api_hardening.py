"""The API over loopback HTTP against what a careless or hostile client sends: lone surrogates,
long User ID lists, guessed tokens; and keyed writes that keep their transaction short."""

from __future__ import annotations

import uuid

import pytest

from core.access import api_throttle
from core.batches import matching
from core.history import paging
from pages.web.api import write_routes
from tests.support import api_server as served
from tests.support.api_server import ApiServer

api_server = served.api_server  # the fixture: this module's server
dev_token = served.dev_token
quest_id = served.quest_id


@pytest.fixture
def draft(api_server: ApiServer, dev_token: str, quest_id: int) -> int:
    """A new empty draft of the dev."""
    return served.new_draft(api_server, dev_token, quest_id, "Hardening")


@pytest.mark.parametrize(
    "body",
    [
        {"user_ids": ["\ud800x"]},
        {"users": [{"username": "a\udfffb"}]},
        {"files": [{"name": "\ud800.csv", "content_base64": "SUQKMQo="}]},
    ],
)
def test_a_lone_surrogate_in_a_json_body_is_refused_422_not_a_server_error(
    api_server: ApiServer, dev_token: str, quest_id: int, body: dict
) -> None:
    # json.dumps writes the surrogate as the raw escape "\ud800", as a careless client would.
    answer = api_server.post(
        "/batches", {"name": "S", "quest_id": quest_id, **body}, token=dev_token
    )

    assert answer.status == 422, answer.text
    assert "surrogate" in answer.json()["detail"]


def test_a_csv_body_with_an_encoded_surrogate_is_read_as_an_upload_not_a_server_error(
    api_server: ApiServer, dev_token: str, draft: int
) -> None:
    csv = "user_id,username\n1,a\ud800b\n".encode("utf-8", "surrogatepass")
    answer = api_server.post(
        f"/batches/{draft}/users", raw=csv, token=dev_token, headers={"Content-Type": "text/csv"}
    )

    # Not UTF-8, so the upload reader decodes it as the dialog does: a row that matches nobody.
    assert answer.status == 200, answer.text
    assert answer.json()["details"][0]["status"] == "mismatch"


def test_more_user_ids_than_one_object_takes_are_refused_with_the_limit_and_the_csv_way(
    api_server: ApiServer, dev_token: str, draft: int
) -> None:
    many = [str(n) for n in range(1, write_routes.MAX_FILL_IDS + 2)]

    answer = api_server.post(f"/batches/{draft}/users", {"user_ids": many}, token=dev_token)

    assert answer.status == 422, answer.text
    detail = answer.json()["detail"]
    assert f"at most {write_routes.MAX_FILL_IDS:,}" in detail and "text/csv" in detail


@pytest.mark.parametrize("user_id", ["x1", "１２", "1234567890123456789", -4])
def test_a_user_id_that_is_no_id_is_refused_in_the_uis_words(
    api_server: ApiServer, dev_token: str, draft: int, user_id: str | int
) -> None:
    answer = api_server.post(f"/batches/{draft}/users", {"user_ids": [user_id]}, token=dev_token)

    assert answer.status == 422, answer.text
    assert "is not a User ID. Write it as 1 to 18 digits." in answer.json()["detail"]


def test_an_address_failing_authentication_too_often_is_refused_429_until_it_waits(
    api_server: ApiServer, dev_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    failures = api_throttle.Throttle(limit=3, sentence=api_throttle.TOO_MANY_FAILED)
    monkeypatch.setattr(api_throttle, "_failures", failures)

    guesses = [api_server.get("/quests", token=f"bu_guess{n}") for n in range(4)]
    valid_meanwhile = api_server.get("/quests", token=dev_token)

    assert [a.status for a in guesses] == [401, 401, 401, 429]
    refused = guesses[-1]
    assert int(refused.headers["retry-after"]) == refused.json()["retry_after"] >= 1
    assert "had no valid API token" in refused.json()["detail"]
    assert valid_meanwhile.status == 200  # a valid token is served; only guesses are held back


def test_a_keyed_write_syncs_the_user_index_before_its_keys_transaction_opens(
    api_server: ApiServer, dev_token: str, draft: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[bool] = []
    sync = matching.sync_user_index

    def watched(uow, rebuild: bool = False) -> str:
        synced.append(uow.in_transaction)
        return sync(uow, rebuild)

    monkeypatch.setattr(matching, "sync_user_index", watched)
    answer = api_server.post(
        f"/batches/{draft}/users",
        [{"id": 1}],
        token=dev_token,
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )

    assert answer.status == 200, answer.text
    assert synced and synced[0] is False  # the first (the one that may write) is outside


def test_the_batch_list_is_paged_no_deeper_than_cores_rule(
    api_server: ApiServer, dev_token: str
) -> None:
    per_page = 500
    last = paging.MAX_LISTED_BATCHES // per_page

    fits = api_server.get(f"/batches?page={last}&per_page={per_page}", token=dev_token)
    past = api_server.get(f"/batches?page={last + 1}&per_page={per_page}", token=dev_token)

    assert fits.status == 200, fits.text
    assert past.status == 422
    assert f"past the first {paging.MAX_LISTED_BATCHES:,} batches" in past.json()["detail"]
