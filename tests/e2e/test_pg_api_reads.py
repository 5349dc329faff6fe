"""The API's reads on PostgreSQL (issue 17: every store): the same demo, the same answers' shapes,
the same refusals as on the DuckDB file (tests/e2e/test_api_reads.py checks them in full)."""

from __future__ import annotations

import pytest

from core.access.roles import Account, Role
from core.batches import read_model
from pages.web.api import models
from tests.support import api_server as served
from tests.support.api_server import ApiServer

pg_api_server = served.pg_api_server  # the fixture: this module's server

pytestmark = pytest.mark.pg


@pytest.mark.parametrize(
    ("path", "model"),
    [
        ("/quests", models.QuestList),
        ("/batches?status=Published&sort=name:desc&per_page=50", models.BatchList),
        ("/batches/1", models.BatchDetail),
        ("/batches/1/users?status=Published&per_page=100", models.MemberList),
        ("/users?holds=3&active=yes&sort=quests_held:desc&per_page=20", models.UserList),
        ("/users/count?holds=3&active=yes", models.UserCount),
    ],
)
def test_each_read_answers_its_documented_object_on_postgresql(
    pg_api_server: ApiServer, path: str, model: type
) -> None:
    answer = pg_api_server.get(path, token=pg_api_server.token("analyst"))

    assert answer.status == 200, answer.text
    value = model.model_validate(answer.json())
    # Something matched: the demo holds these users, batches and quests on either store.
    assert next(getattr(value, k) for k in ("total", "count", "users") if hasattr(value, k)) > 0


def test_someone_elses_draft_reads_as_missing_on_postgresql_too(pg_api_server: ApiServer) -> None:
    uow = pg_api_server.uow()
    try:
        drafts = read_model.list_drafts(uow, Account("admin", Role.ADMIN)).to_dicts()
    finally:
        uow.close()
    draft = next(d["id"] for d in drafts if d["created_by"] == "admin")

    as_dev = pg_api_server.get(f"/batches/{draft}", token=pg_api_server.token("dev"))
    as_admin = pg_api_server.get(f"/batches/{draft}", token=pg_api_server.token("admin"))

    assert as_dev.status == 404 and as_dev.json()["detail"] == str(read_model.not_visible(draft))
    assert as_admin.status == 200 and as_admin.headers["etag"] == f'"{as_admin.json()["version"]}"'


def test_text_holding_nul_is_refused_422_where_postgresql_could_not_store_it(
    pg_api_server: ApiServer,
) -> None:
    token = pg_api_server.token("dev")

    answers = [
        pg_api_server.get("/batches?name=a%00b", token=token),
        pg_api_server.get("/users?text=a%00b", token=token),
        pg_api_server.post("/batches", {"name": "a\u0000b", "quest_id": 3}, token=token),
    ]

    assert [a.status for a in answers] == [422, 422, 422]
    assert all("NUL character" in a.json()["detail"] for a in answers)
