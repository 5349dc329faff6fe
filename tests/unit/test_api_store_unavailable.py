"""A data store that cannot be used: the API answers a 503 problem (not the HTML page the guard
shows browsers), its public document still answers, and the file's path stays in the log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from core.config import Settings
from core.errors import StoreUnavailable
from pages.web import runtime
from pages.web.store_guard import UNAVAILABLE_TEXT, StoreGuard
from tests.support.api_server import api_app
from tests.support.asgi import request


@pytest.fixture
def damaged_store(tmp_path: Path) -> Iterator[Path]:
    """The process's runtime on a file that is no data file at all."""
    path = tmp_path / "damaged.duckdb"
    path.write_bytes(b"this is no database " * 200)
    runtime.install(Settings(database=path, demo=False, run_worker=False))
    yield path
    runtime.close_all()


def test_an_api_request_on_a_store_that_cannot_be_opened_is_a_503_problem(damaged_store, caplog):
    answer = request(api_app(), "GET", "/api/v1/quests", headers={"Authorization": "Bearer bu_x"})

    assert answer.status == 503
    assert answer.header("content-type") == "application/problem+json"
    assert answer.header("retry-after") == "60"
    problem = json.loads(answer.text)
    assert problem["detail"] == UNAVAILABLE_TEXT and str(damaged_store) not in answer.text
    assert str(damaged_store) in caplog.text


def test_the_document_needs_no_store(damaged_store):
    assert request(api_app(), "GET", "/api/v1/openapi.json").status == 200


def test_a_store_failure_that_reaches_the_guard_under_the_api_is_a_problem_too():
    def failing(_request):
        raise StoreUnavailable("The disk is full at /var/lib/bu.", "the disk is full")

    app = Starlette(
        routes=[
            Route("/api/v1/x", failing, methods=["POST"]),
            Route("/page", failing, methods=["POST"]),
        ],
        middleware=[Middleware(StoreGuard)],
    )

    api = request(app, "POST", "/api/v1/x")
    page = request(app, "POST", "/page")

    assert (api.status, api.header("content-type")) == (503, "application/problem+json")
    assert "/var/lib" not in api.text
    assert page.status == 503 and page.header("content-type").startswith("text/html")
