"""The API's errors as `application/problem+json` (RFC 9457): the UI's own sentence as `detail`.

Every refusal of core is an exception whose message is written for the person who caused it; here
it gets the HTTP status that means it. Anything unexpected is logged with its traceback and
answered 500 with a plain sentence: no traceback, path or driver message reaches a client.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.responses import Response

from core.api.idempotency import KeyReused
from core.api.shapes import to_json
from core.batches.errors import NotEditable
from core.batches.expected_state import Stale
from core.errors import (
    BatchUnlockError,
    DuplicateKey,
    GaveUp,
    InputError,
    NotAuthenticated,
    NotFound,
    OverLimit,
    PermissionDenied,
    StoreError,
    TooManyRequests,
)
from pages.web.store_guard import UNAVAILABLE_TEXT, UNAVAILABLE_TITLE

log = logging.getLogger("batch_unlock")

MEDIA_TYPE = "application/problem+json"
DOCS = "/api/v1/docs"
TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Too large",
    415: "Unsupported media type",
    422: "Cannot be used",
    429: "Too many requests",
    500: "Server error",
    503: UNAVAILABLE_TITLE,
}
# When each status is answered, in a few words (the document's and the reference page's).
ERROR_WORDS = {
    401: "No API token, or one that is unknown, expired or revoked.",
    403: "The token's role (or its read-only scope) does not allow this.",
    404: "No such thing visible to this account.",
    405: "The path does not take this method.",
    409: "The batch's state refuses this action, or it conflicts with a change at the same time.",
    412: "If-Match names a version the batch no longer has.",
    413: "The body is larger than an upload may be.",
    415: "The body's Content-Type is not one this endpoint takes.",
    422: "A parameter, the body or a header cannot be used; `errors` says which.",
    429: (
        "Too many requests with this token, or too many requests without a valid token from this "
        "address (a valid token is still served); wait `Retry-After` seconds."
    ),
    500: "Something went wrong on the server (logged); the same request may fail again.",
    503: "The data store cannot be used right now; try again later.",
}
SERVER_ERROR = (
    "Something went wrong on the server while answering this request, and it was logged. Sending "
    "it again may fail the same way: tell the person who runs Batch Unlock, with the time it failed."
)
SAME_MOMENT = (
    "Another change made at the same moment conflicts with this one, so nothing was changed. "
    "Send the request again."
)
RETRY_AFTER_503 = 60
# What a refusal echoes of what was sent: each name or value cut to ECHO_CHARS, at most
# ECHO_ITEMS places (then "and N more"), so a huge or many-fold request gets a short answer.
ECHO_CHARS = 80
ECHO_ITEMS = 10
# Sent with every API answer: never cached by a proxy, never sniffed into another type.
API_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


class ApiProblem(Exception):
    """A refusal that only HTTP has words for (a missing route, a body too large, a wrong type)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.http_status = status
        self.title = title
        self.headers = headers or {}
        self.extensions = extensions


def shorten(text: str, limit: int = ECHO_CHARS) -> str:
    """Text as a refusal echoes it: at most `limit` characters, cut with "…"."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def problem_type(status: int) -> str:
    """The problem's `type`: the reference page's paragraph on this status."""
    return f"{DOCS}#problem-{status}"


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> Response:
    """An `application/problem+json` response (never fails: text UTF-8 cannot hold is escaped)."""
    body = {
        "type": problem_type(status),
        "title": title or TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        **(extensions or {}),
    }
    return Response(
        json_bytes(body),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers={**API_HEADERS, **(headers or {})},
    )


def json_bytes(body: Any) -> bytes:
    """Body as UTF-8 JSON; with ASCII escapes if some text (a lone surrogate) has no UTF-8 form."""
    try:
        return to_json(body).encode("utf-8")
    except UnicodeEncodeError:  # JSON's \uXXXX escapes can say what UTF-8 cannot
        return to_json_ascii(body).encode("ascii")


def to_json_ascii(body: Any) -> str:
    """Body as JSON with every non-ASCII character escaped (what any text can be written as)."""
    return json.dumps(body, default=str, ensure_ascii=True)


def status_of(exc: BaseException) -> int:
    """The HTTP status that means this refusal (500 for anything that is no refusal)."""
    declared = getattr(exc, "http_status", None)
    if isinstance(declared, int):
        return declared
    for kind, status in (
        (NotAuthenticated, 401),
        (TooManyRequests, 429),
        (NotFound, 404),  # before PermissionDenied: another's draft reads as missing
        (PermissionDenied, 403),
        (Stale, 409),
        (NotEditable, 409),
        (KeyReused, 422),
        (DuplicateKey, 409),
        (StoreError, 503),
        (OverLimit, 413),  # before InputError: a file over a bound is too large, not wrong
        (InputError, 422),
        (BatchUnlockError, 422),
    ):
        if isinstance(exc, kind):
            return status
    return 500


def from_exception(exc: BaseException) -> Response:
    """Answer an exception raised while serving an API request as a problem (never fails)."""
    try:
        return _from_exception(exc)
    except Exception:  # a refusal that cannot be worded must not become a traceback
        log.exception("API problem could not be rendered", exc_info=exc)
        return problem(500, SERVER_ERROR)


def _from_exception(exc: BaseException) -> Response:
    status = status_of(exc)
    headers = dict(getattr(exc, "headers", None) or {})
    extensions = dict(getattr(exc, "extensions", None) or {})
    detail = str(exc)
    if status == 500:
        log.exception("API request failed", exc_info=exc)
        detail = SERVER_ERROR
    elif isinstance(exc, DuplicateKey):
        log.warning("API write broke a unique key: %s", exc)
        detail = SAME_MOMENT  # the driver's words name tables and values
    elif status == 503:
        log.error("API request answered 503: %s", exc)
        if type(exc) not in (StoreError, GaveUp):  # their words say to retry: keep them
            detail = UNAVAILABLE_TEXT
        headers.setdefault("Retry-After", str(RETRY_AFTER_503))
    elif status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="Batch Unlock API"')
    elif status == 429 and isinstance(exc, TooManyRequests):
        headers.setdefault("Retry-After", str(exc.retry_after))
        extensions.setdefault("retry_after", exc.retry_after)
    return problem(
        status, detail, title=getattr(exc, "title", None), headers=headers, extensions=extensions
    )
