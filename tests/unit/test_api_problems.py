"""The API's refusals as RFC 9457 problems (pages/web/api/problems.py): the status that means each
of core's refusals, the UI's sentence as `detail`, and nothing of a failure's insides."""

from __future__ import annotations

import json

import pytest

from core.api.idempotency import KeyReused
from core.batches.errors import BatchNotVisible, NotEditable
from core.batches.expected_state import Stale
from core.errors import (
    DatabaseLocked,
    DuplicateKey,
    InputError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    StoreError,
    StoreUnavailable,
    TooManyRequests,
)
from pages.web.api.problems import (
    MEDIA_TYPE,
    SAME_MOMENT,
    SERVER_ERROR,
    from_exception,
    problem,
)
from pages.web.store_guard import UNAVAILABLE_TEXT


class Declared(InputError):
    """A refusal that names its own status and extensions, as the write routes' do."""

    http_status = 412

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.extensions = {"etag": '"8"'}


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotAuthenticated("Send a token."), 401),
        (PermissionDenied("Your role (analyst) may not create batches."), 403),
        (NotFound("There is no batch with id 9."), 404),
        (BatchNotVisible("No batch 9 is visible to you."), 404),
        (Stale(9, None), 409),
        (NotEditable("Only a draft can be renamed."), 409),
        (InputError("The batch has no name."), 422),
        (KeyReused("This Idempotency-Key was already used."), 422),
        (Declared("The batch changed."), 412),
    ],
)
def test_each_refusal_gets_the_status_that_means_it_and_keeps_its_sentence(error, status):
    response = from_exception(error)

    assert response.status_code == status
    assert response.media_type == MEDIA_TYPE
    problem = json.loads(response.body)
    assert problem["status"] == status and problem["detail"] == str(error)
    assert problem["type"] == f"/api/v1/docs#problem-{status}" and problem["title"]


def test_a_missing_token_asks_for_a_bearer_token():
    response = from_exception(NotAuthenticated("Send a token."))

    assert response.headers["www-authenticate"].startswith("Bearer")


def test_too_many_requests_says_how_long_to_wait_in_the_header_and_the_body():
    response = from_exception(TooManyRequests("Wait 12 seconds.", retry_after=12))

    assert response.status_code == 429 and response.headers["retry-after"] == "12"
    assert json.loads(response.body)["retry_after"] == 12


def test_a_declared_refusal_adds_its_extensions():
    assert json.loads(from_exception(Declared("The batch changed.")).body)["etag"] == '"8"'


@pytest.mark.parametrize(
    "error",
    [
        StoreUnavailable("The disk /var/lib/bu is full.", "the data file cannot be written"),
        DatabaseLocked("Another process (pid 4242) holds /var/lib/bu/data.duckdb."),
    ],
)
def test_a_store_that_cannot_be_used_is_a_503_without_its_path(error):
    response = from_exception(error)

    assert response.status_code == 503 and response.headers["retry-after"] == "60"
    assert json.loads(response.body)["detail"] == UNAVAILABLE_TEXT
    assert b"/var/lib" not in response.body


def test_a_conflict_that_kept_recurring_keeps_its_words_to_try_again():
    error = StoreError("Another change to the same data kept conflicting with this one.")

    assert json.loads(from_exception(error).body)["detail"] == str(error)


def test_a_broken_unique_key_is_a_409_without_the_drivers_words():
    response = from_exception(DuplicateKey('duplicate key "ada, ci-bot" in api_tokens'))

    assert response.status_code == 409
    assert json.loads(response.body)["detail"] == SAME_MOMENT


def test_anything_else_is_a_500_that_tells_nothing_of_the_failure(caplog):
    response = from_exception(KeyError("password_hash"))

    assert response.status_code == 500
    assert json.loads(response.body)["detail"] == SERVER_ERROR
    assert b"password_hash" not in response.body
    assert "API request failed" in caplog.text  # the traceback goes to the log


def test_a_refusal_holding_a_lone_surrogate_is_still_answered_with_its_sentence_escaped():
    answer = from_exception(InputError("No user has the username “\ud800x”."))

    assert answer.status_code == 422
    assert json.loads(answer.body)["detail"] == "No user has the username “\ud800x”."


def test_a_problem_whose_extensions_hold_a_lone_surrogate_is_rendered_too():
    answer = problem(422, "Bad row.", extensions={"errors": [{"loc": ["body", "\udc80"]}]})

    assert answer.status_code == 422 and answer.body.isascii()
    assert json.loads(answer.body)["errors"] == [{"loc": ["body", "\udc80"]}]
