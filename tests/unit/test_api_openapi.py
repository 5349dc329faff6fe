"""The OpenAPI document and the reference page are written from the Endpoint declarations and
their models (pages/web/api/openapi.py, reference.py), and the models describe core/api/shapes.py."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

from core import words
from core.api import shapes
from core.batches.names import MAX_NAME_LENGTH
from pages.web.api import ENDPOINTS, document, models
from pages.web.api.reference import render

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref"] + [
            r for v in node.values() for r in _refs(v)
        ]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_every_declared_endpoint_is_in_the_document_with_its_method_and_answers():
    doc = document()

    assert doc["openapi"] == "3.1.0"
    listed = {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}
    assert listed == {(e.method, e.path) for e in ENDPOINTS}
    ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    for endpoint in ENDPOINTS:
        op = doc["paths"][endpoint.path][endpoint.method.lower()]
        assert str(endpoint.status) in op["responses"]
        if not endpoint.public:
            assert {"401", "403", "429"} <= set(op["responses"])
            assert op["x-permission"] == endpoint.permission.value
        else:
            assert op["security"] == []


def test_every_reference_in_the_document_names_a_schema_it_holds():
    doc = document()
    held = {f"#/components/schemas/{name}" for name in doc["components"]["schemas"]}

    assert set(_refs(doc)) <= held
    assert "Problem" in doc["components"]["schemas"]


def test_the_list_filters_are_query_parameters_taken_from_the_query_models():
    batches = document()["paths"]["/batches"]["get"]
    by_name = {p["name"]: p for p in batches["parameters"]}

    assert set(by_name) == set(models.BatchListQuery.model_fields)
    assert by_name["status"]["schema"]["type"] == "array"
    assert by_name["per_page"]["schema"]["maximum"] == 500
    assert all(p["in"] == "query" for p in by_name.values())


def test_counts_are_keyed_by_the_specs_words_in_the_document():
    counts = document()["components"]["schemas"]["Counts"]

    assert list(counts["properties"]) == [
        words.UNPUBLISHED, words.IN_PROGRESS, words.PUBLISHED, words.ERROR, words.REVOKING,
        words.REVOKED,
    ]  # fmt: skip


BATCH_ROW = {
    "id": 4, "name": "Spring", "badge": "Explorer", "quest": "Visit 10 pages",
    "status_label": "In Progress", "progress": 40, "paused": False, "users": 10,
    "n_unpublished": 6, "n_in_progress": 0, "n_published": 4, "n_error": 0, "n_revoking": 0,
    "n_revoked": 0, "created_at": NOW, "updated_at": NOW, "created_by": "dev",
}  # fmt: skip


def test_the_shapes_the_cli_prints_are_what_the_models_describe():
    quest = {"id": 1, "badge": "Explorer", "quest": "Visit 10 pages", "archived": False,
             "unlocks": 3, "badge_id": 1}  # fmt: skip
    member = {"user_id": 5, "username": "ann", "email": "a@x", "status": "error",
              "error_reason": "User is inactive", "added_via": "csv", "added_at": NOW,
              "revoke_reason": None, "revoked_by": None, "revoked_at": None,
              "kept_by_batch": None, "extra": 1}  # fmt: skip
    user = {"id": 5, "username": "ann", "email": "a@x", "active": True, "registered_at": NOW,
            "last_active_at": None, "quests_held": 2, "extra": 1}  # fmt: skip

    models.QuestOut.model_validate(shapes.quest_row(quest))
    row = models.BatchRow.model_validate(
        json.loads(shapes.to_json(shapes.batch_row_api(BATCH_ROW)))
    )
    models.Member.model_validate(shapes.member_row(member))
    models.PlatformUserOut.model_validate(shapes.user_row(user))

    assert row.counts.published == 4
    assert shapes.member_row(member)["status"] == words.USER_STATUS["error"]
    assert "extra" not in shapes.user_row(user)


def test_the_cli_row_is_the_apis_row_without_what_the_api_adds():
    cli, api = shapes.batch_row(BATCH_ROW), shapes.batch_row_api(BATCH_ROW)

    assert api == {**cli, "created_by": "dev"}


def test_the_reference_page_lists_every_endpoint_and_runs_no_script():
    page = render(document())

    for endpoint in ENDPOINTS:
        assert f"/api/v1{endpoint.path}</code>" in page
    assert "<script" not in page.lower()
    assert "id='problem-422'" in page


def test_the_reference_page_shows_the_documents_text_literally():
    doc = copy.deepcopy(document())
    doc["paths"]["/quests"]["get"]["summary"] = "<img src=x onerror=alert(1)>"

    page = render(doc)

    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_problem_answers_document_the_headers_they_carry():
    responses = document()["paths"]["/batches"]["get"]["responses"]

    assert "WWW-Authenticate" in responses["401"]["headers"]
    assert "Retry-After" in responses["429"]["headers"]
    assert "Retry-After" in responses["503"]["headers"]


def test_every_operation_documents_a_refused_body_type_and_size():
    for ops in document()["paths"].values():
        for op in ops.values():
            assert {"413", "415", "422"} <= set(op["responses"]), op["operationId"]


def test_a_batch_name_is_documented_as_not_empty():
    name = document()["components"]["schemas"]["CreateBody"]["properties"]["name"]

    assert name["minLength"] == 1 and name["maxLength"] == MAX_NAME_LENGTH  # core's rule
