"""The API's frame (pages/web/api/framework.py) without a store: declared endpoints served over
ASGI, their input checked against their models, every refusal a problem+json."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.routing import Mount

from core.errors import InputError, NotFound
from core.upload.limits import MAX_FILE_BYTES
from pages.web.api.framework import Call, Endpoint, Reply, etag, if_match, routes
from pages.web.api.problems import MEDIA_TYPE, ApiProblem
from tests.support.asgi import run_apart


class Row(BaseModel):
    id: int
    name: str = ""


class Filters(BaseModel):
    model_config = {"extra": "forbid"}
    status: list[str] = []
    page: int = 1


def echo(call: Call) -> Reply:
    return Reply(
        {"path": call.path, "query": call.query.model_dump() if call.query else None,
         "body": [r.model_dump() for r in call.body] if call.body else None,
         "type": call.content_type, "bytes": len(call.body_bytes)},
        status=201, headers={"ETag": etag(7)},
    )  # fmt: skip


def refuse(call: Call) -> Any:
    raise {"missing": NotFound("No batch 9 is visible to you."),
           "input": InputError("The batch has no name."),
           "bug": RuntimeError("secret path /var/lib/x")}[call.query.status[0]]  # fmt: skip


ENDPOINTS = [
    Endpoint("POST", "/things/{thing_id}", "Echo", echo, query_model=Filters,
             body_model=list[Row], body_types=("application/json", "text/csv"), public=True),
    Endpoint("GET", "/refuse", "Refuse", refuse, query_model=Filters, public=True),
]  # fmt: skip
APP = Starlette(routes=[Mount("/api/v1", routes=routes(ENDPOINTS))])


def send(method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None):
    """One request to APP: (status, headers, body)."""
    path_only, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path_only, "raw_path": path_only.encode(),
        "query_string": query.encode(), "root_path": "", "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }  # fmt: skip
    sent: list[dict] = []
    delivered = False

    async def receive() -> dict:
        nonlocal delivered
        if delivered:
            await asyncio.sleep(3600)
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def collect(message: dict) -> None:
        sent.append(message)

    run_apart(APP(scope, receive, collect))
    start = next(m for m in sent if m["type"] == "http.response.start")
    found = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], found, b"".join(m.get("body", b"") for m in sent[1:])


JSON_BODY = {"Content-Type": "application/json"}


def test_a_declared_endpoint_gets_its_path_query_and_body_checked_and_answers_its_reply():
    status, headers, body = send(
        "POST", "/api/v1/things/12?status=a&status=b&page=2", b'[{"id": 1}]', JSON_BODY
    )

    assert status == 201 and headers["etag"] == '"7"'
    assert json.loads(body) == {
        "path": {"thing_id": 12},
        "query": {"status": ["a", "b"], "page": 2},
        "body": [{"id": 1, "name": ""}],
        "type": "application/json",
        "bytes": 11,
    }


def test_a_csv_body_reaches_the_handler_as_bytes():
    status, _headers, body = send(
        "POST", "/api/v1/things/1", b"ID\n1\n", {"Content-Type": "text/csv; charset=utf-8"}
    )

    assert status == 201
    assert json.loads(body)["body"] is None and json.loads(body)["bytes"] == 5


@pytest.mark.parametrize(
    ("path", "body", "headers", "status", "said"),
    [
        ("/api/v1/things/abc", b"[]", JSON_BODY, 422, "thing_id in the path must be a whole"),
        ("/api/v1/things/0", b"[]", JSON_BODY, 422, "thing_id in the path must be a whole"),
        ("/api/v1/things/1?page=x", b"[]", JSON_BODY, 422, "page must be a whole number"),
        ("/api/v1/things/1?colour=red", b"[]", JSON_BODY, 422, "colour"),
        ("/api/v1/things/1", b"[{", JSON_BODY, 422, "not valid JSON"),
        ("/api/v1/things/1", b'[{"id": "one"}]', JSON_BODY, 422, "row 1: id must be"),
        ("/api/v1/things/1", b"<x/>", {"Content-Type": "application/xml"}, 415, "text/csv"),
        ("/api/v1/things/1?status=a%00b", b"[]", JSON_BODY, 422, "NUL character"),
        ("/api/v1/things/1", b'[{"id": 1, "name": "a\\u0000b"}]', JSON_BODY, 422, "NUL character"),
        ("/api/v1/things/1", b'[{"id": 1, "name": "\\ud800x"}]', JSON_BODY, 422, "surrogate"),
        ("/api/v1/things/1", b'[{"id": 1, "\\udfff": 2}]', JSON_BODY, 422, "surrogate"),
    ],
)
def test_input_that_does_not_fit_the_declaration_is_refused_as_a_problem(
    path, body, headers, status, said
):
    got, answer_headers, answer = send("POST", path, body, headers)

    assert got == status
    assert answer_headers["content-type"] == MEDIA_TYPE
    problem = json.loads(answer)
    assert problem["status"] == status and said in problem["detail"]
    assert problem["type"] == f"/api/v1/docs#problem-{status}"
    if status == 422 and not {"JSON", "NUL", "surrogate"} & set(said.split()):
        assert problem["errors"] and {"loc", "msg"} <= set(problem["errors"][0])


def test_a_body_larger_than_an_upload_may_be_is_refused_413_before_the_handler():
    status, _headers, body = send(
        "POST", "/api/v1/things/1", b"x" * (MAX_FILE_BYTES + 1), JSON_BODY
    )

    assert status == 413 and "larger than 10 MB" in json.loads(body)["detail"]


def test_another_method_is_refused_405_with_the_methods_allowed():
    status, headers, body = send("DELETE", "/api/v1/things/1")

    assert status == 405 and headers["allow"] == "POST"
    assert "does not take DELETE" in json.loads(body)["detail"]


def test_a_path_that_is_no_endpoint_is_a_404_problem_not_a_page():
    status, headers, body = send("GET", "/api/v1/nothing/here")

    assert status == 404 and headers["content-type"] == MEDIA_TYPE
    assert "/api/v1/docs" in json.loads(body)["detail"]


def test_core_refusals_keep_their_sentence_and_an_unexpected_failure_says_nothing_of_itself():
    missing = send("GET", "/api/v1/refuse?status=missing")
    refused = send("GET", "/api/v1/refuse?status=input")
    bug = send("GET", "/api/v1/refuse?status=bug")

    assert (missing[0], json.loads(missing[2])["detail"]) == (404, "No batch 9 is visible to you.")
    assert (refused[0], json.loads(refused[2])["detail"]) == (422, "The batch has no name.")
    assert bug[0] == 500 and b"secret" not in bug[2] and b"Traceback" not in bug[2]


def _call(**headers: str) -> Call:
    return Call(None, None, {}, None, None, b"", "", Headers(headers), "POST", "/")


@pytest.mark.parametrize(
    ("value", "versions"),
    [(None, None), ("", None), ("*", []), ('"7"', [7]), ('W/"7", "9"', [7, 9])],
)
def test_if_match_names_the_versions_a_write_expects(value, versions):
    call = _call(**({} if value is None else {"if-match": value}))

    assert if_match(call) == versions


@pytest.mark.parametrize("value", ["7", '"seven"', '"7";"8"', ' "7"x'])
def test_an_if_match_that_is_no_etag_is_refused(value):
    with pytest.raises(ApiProblem) as refused:
        if_match(_call(**{"if-match": value}))
    assert refused.value.http_status == 422


def test_an_endpoint_declared_twice_is_refused_when_the_routes_are_made():
    with pytest.raises(ValueError, match="declared twice"):
        routes([ENDPOINTS[1], ENDPOINTS[1]])


def test_an_escaped_surrogate_pair_is_one_character_and_gets_through():
    status, _headers, body = send(
        "POST", "/api/v1/things/1", b'[{"id": 1, "name": "\\ud83d\\ude00"}]', JSON_BODY
    )

    assert status == 201 and json.loads(body)["body"] == [{"id": 1, "name": "\U0001f600"}]
