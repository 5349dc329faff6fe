"""The API's frame: endpoints declared as data, and what every call goes through.

An `Endpoint` names its method, path, permission, models and handler; `routes` turns a list of
them into Starlette routes under /api/v1, and pages/web/api/openapi.py turns the same list into the
OpenAPI document, so the document cannot drift from what is served. Every call, in this order:
`Authorization: Bearer` through `api_tokens.authenticate_token` (401; cookies never count, and
once an address has too many 401s its requests without a valid token are answered 429 instead,
while a valid token from it is still served), the token's throttle (429) and the
endpoint's permission (403), all before a body is read; the body within MAX_FILE_BYTES (413);
path, query and body checked against their models (422); the handler, on a unit of work of its
own opened and closed in the threadpool, and for a write with an `Idempotency-Key` inside
`core.api.idempotency.run_once` (the matching index synced before that transaction opens, as
the add paths do before theirs). Every refusal leaves as problem+json (problems.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from core.access import api_throttle, api_tokens
from core.access.roles import Account, Permission, require
from core.api import idempotency
from core.batches import matching
from core.errors import NotAuthenticated, TooManyRequests
from core.store.ports import UnitOfWork
from pages.web import runtime
from pages.web.api import inputs
from pages.web.api.inputs import JSON, etag
from pages.web.api.problems import API_HEADERS, ApiProblem, from_exception, json_bytes, problem
from pages.web.auth import client_address

# What route modules take from here (etag and JSON live in inputs.py, beside if_match's parser).
__all__ = ["JSON", "PREFIX", "Call", "Endpoint", "Reply", "etag", "if_match", "routes"]

PREFIX = "/api/v1"
_PARAM = re.compile(r"\{(\w+)\}")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

NOT_FOUND = "There is no such API endpoint. The endpoints are listed at /api/v1/docs."
NOT_ALLOWED = "This endpoint does not take {method}. It takes: {allowed}."


@dataclass
class Call:
    """One request as a handler sees it: the store, who is acting, and the checked input."""

    uow: Any
    account: Account | None
    path: dict[str, int]
    query: Any
    body: Any
    body_bytes: bytes
    content_type: str
    headers: Headers
    method: str
    url_path: str
    origin: str = ""  # scheme://host[:port] as the client reached the app (the docs' examples)


@dataclass(frozen=True)
class Reply:
    """A handler's answer: a JSON-able body, a status (None: the endpoint's), extra headers."""

    body: Any
    status: int | None = None
    headers: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Endpoint:
    """One API operation, declared: the frame serves it and the OpenAPI document describes it."""

    method: str
    path: str  # under /api/v1, OpenAPI style: "/batches/{batch_id}" (every parameter an id)
    summary: str
    handler: Callable[[Call], Any]
    permission: Permission = Permission.VIEW
    query_model: type[BaseModel] | None = None
    body_model: Any = None  # a pydantic model or a type (list[Row]) for JSON bodies
    response_model: Any = None
    status: int = 200
    write: bool = False
    body_types: tuple[str, ...] = (JSON,)
    errors: tuple[int, ...] = ()  # the problem statuses it may answer beside the common ones
    description: str = ""
    public: bool = False  # answered without a token (the document and its reference page)
    response_type: str = JSON  # the answer's media type (the reference page's is HTML)
    headers: tuple[str, ...] = field(default=())  # response headers it sets (documented)

    @property
    def path_params(self) -> list[str]:
        """The names of the path's parameters, in order."""
        return _PARAM.findall(self.path)


def if_match(call: Call) -> list[int] | None:
    """The versions an If-Match header names: None without one, [] for "*"; 422 if unreadable."""
    return inputs.if_match(call.headers.get("if-match"))


def _answer(endpoint: Endpoint, call: Call) -> tuple[int, dict[str, Any]]:
    """Run the handler: its status and an envelope of body and headers (kept for replays)."""
    result = endpoint.handler(call)
    if not isinstance(result, Reply):
        result = Reply(result)
    status = result.status or endpoint.status
    return status, {"body": result.body, "headers": dict(result.headers or {})}


def token_key(account: Account) -> str:
    """What the throttle counts a token's requests by: its account and name."""
    return f"{account.username}/{account.via_token}"


def _admit(uow: UnitOfWork, endpoint: Endpoint, headers: Headers, address: str) -> Account:
    """The token's account, counted by its throttle and allowed the endpoint's permission.

    A valid token is served whatever its address did (its own throttle applies). A request
    without one costs at most one lookup of the token's hash (a malformed header none) and
    counts against its address: once the address is over its failures, 429 instead of 401.
    """
    try:
        account = api_tokens.authenticate_token(uow, headers.get("authorization"))
    except NotAuthenticated as exc:
        try:
            api_throttle.failed_authentication(address)
        except TooManyRequests as over:
            # Say why this token failed too (expired, revoked…): a client behind a shared
            # address must learn what to fix, not only that it must wait.
            raise TooManyRequests(f"{over} This one: {exc}", over.retry_after) from None
        raise
    api_throttle.check(token_key(account))
    return require(account, endpoint.permission)


def _admit_apart(endpoint: Endpoint, headers: Headers, address: str) -> Account:
    """`_admit` on a unit of work of its own (before a body is read: no token, no upload read)."""
    uow = runtime.unit_of_work()
    try:
        return _admit(uow, endpoint, headers, address)
    finally:
        uow.close()


def _serve(
    endpoint: Endpoint,
    path_params: Mapping[str, str],
    query: QueryParams,
    headers: Headers,
    raw: bytes,
    url_path: str,
    account: Account | None,
    address: str,
    origin: str = "",
) -> Response:
    """Everything after the body is read, in the threadpool on a unit of work of its own."""
    # The public document needs no store: it answers even while the store cannot be used.
    uow = None if endpoint.public else runtime.unit_of_work()
    try:
        if account is None and uow is not None:
            account = _admit(uow, endpoint, headers, address)
        media_type = inputs.media_type(headers)
        call = Call(
            uow=uow,
            account=account,
            path=inputs.path_ids(endpoint.path_params, path_params),
            query=inputs.query(endpoint.query_model, query),
            body=inputs.body(endpoint.body_model, endpoint.body_types, raw, media_type),
            body_bytes=raw,
            content_type=media_type,
            headers=headers,
            method=endpoint.method,
            url_path=url_path,
            origin=origin,
        )
        # A malformed If-Match is refused before a kept answer could be replayed for its key,
        # so the document's pattern holds for every request.
        inputs.if_match(headers.get("if-match"))
        key = headers.get(idempotency.HEADER)
        replayed = False
        # A dry run changes nothing: there is nothing to do twice, so its answer (up to a
        # megabyte for 10,000 rows) is not kept for 24 hours under its key.
        dry_run = getattr(call.query, "dry_run", False) is True
        if endpoint.write and key is not None and account is not None and not dry_run:
            # A JSON body counts by its meaning: a retry re-serialised differently is the same.
            sent = idempotency.canonical(json.loads(raw)) if raw and media_type == JSON else raw
            fingerprint = idempotency.fingerprint(endpoint.method, url_path, str(query), sent)
            # The add paths sync the matching index (its own write) before their transaction
            # opens; here that is the key's, so sync once first and theirs find it fresh.
            matching.sync_user_index(uow)

            def work(u: Any) -> tuple[int, dict[str, Any]]:
                call.uow = u
                return _answer(endpoint, call)

            status, envelope, replayed = idempotency.run_once(uow, account, key, fingerprint, work)
        else:
            status, envelope = _answer(endpoint, call)
        return _response(endpoint, status, envelope, replayed)
    finally:
        if uow is not None:
            uow.close()


def _response(
    endpoint: Endpoint, status: int, envelope: dict[str, Any], replayed: bool
) -> Response:
    headers = {**API_HEADERS, **envelope["headers"]}
    if replayed:
        headers[idempotency.REPLAYED_HEADER] = "true"
    body = envelope["body"]
    if endpoint.response_type != JSON:
        return Response(
            body, status_code=status, media_type=endpoint.response_type, headers=headers
        )
    if status == 204:
        return Response(status_code=204, headers=headers)
    return Response(json_bytes(body), status_code=status, media_type=JSON, headers=headers)


class PathEndpoint:
    """The ASGI app of one path: picks the endpoint by method (405 problem otherwise)."""

    def __init__(self, endpoints: list[Endpoint]) -> None:
        self.by_method = {e.method: e for e in endpoints}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request to this path."""
        request = Request(scope, receive)
        endpoint = self.by_method.get(request.method)
        if endpoint is None and request.method == "HEAD":
            endpoint = self.by_method.get("GET")
        try:
            if endpoint is None:
                allowed = ", ".join(sorted(self.by_method))
                raise ApiProblem(
                    405,
                    NOT_ALLOWED.format(method=request.method, allowed=allowed),
                    headers={"Allow": allowed},
                )
            account = None
            address = client_address(request)
            if not endpoint.public and inputs.has_body(request.headers):
                # A body is read only for a token that may send it (up to 10 MB each).
                account = await run_in_threadpool(_admit_apart, endpoint, request.headers, address)
            raw = await inputs.read_body(request)
            response = await run_in_threadpool(
                _serve,
                endpoint,
                dict(request.path_params),
                request.query_params,
                request.headers,
                raw,
                request.url.path,
                account,
                address,
                f"{request.url.scheme}://{request.url.netloc}",
            )
        except Exception as exc:  # every failure becomes a problem, never a traceback
            response = from_exception(exc)
        await response(scope, receive, send)


class NotFoundEndpoint:
    """Any other path under /api/v1: a problem, not Streamlit's page."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 404 as a problem."""
        await problem(404, NOT_FOUND)(scope, receive, send)


def routes(endpoints: list[Endpoint]) -> list[BaseRoute]:
    """The Starlette routes (relative to /api/v1) serving these endpoints, then a 404 for the rest."""
    by_path: dict[str, list[Endpoint]] = {}
    for endpoint in endpoints:
        if endpoint.method not in METHODS:
            raise ValueError(f"{endpoint.method} {endpoint.path}: not an HTTP method the API uses")
        same = by_path.setdefault(endpoint.path, [])
        if any(e.method == endpoint.method for e in same):
            raise ValueError(f"{endpoint.method} {endpoint.path} is declared twice")
        same.append(endpoint)
    # Starlette's own paths match the OpenAPI ones; "{x}" matches one path segment as text,
    # checked by the frame (a 422 problem, not a bare 404 from the router).
    made: list[BaseRoute] = [Route(path, PathEndpoint(group)) for path, group in by_path.items()]
    made.append(Route("/{rest:path}", NotFoundEndpoint()))
    return made
