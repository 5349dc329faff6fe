"""The OpenAPI 3.1 document of /api/v1, written from the `Endpoint` declarations and their models.

Nothing here is written by hand per endpoint: paths, parameters, bodies, answers and their
schemas come from the same declarations and pydantic models the frame serves and validates with,
so the document describes what is served (tests/e2e/test_api_schema.py runs the API against it).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from core.access.api_throttle import MAX_FAILED_AUTH, MAX_REQUESTS, WINDOW_SECONDS
from core.api.idempotency import HEADER, MAX_KEY_LENGTH, REPLAYED_HEADER
from pages.web.api import inputs, models
from pages.web.api.framework import JSON, PREFIX, Endpoint, Reply
from pages.web.api.problems import ERROR_WORDS, MEDIA_TYPE, TITLES

REF = "#/components/schemas/{model}"
VERSION = "1.0.0"
INTRO = f"""The HTTP API of Batch Unlock, served by the app itself under `{PREFIX}`: the same rules,
roles and words as the pages and the command line (`python -m core … --json` prints the same
objects).

**Authentication**: a personal API token (Account menu › API tokens, or `python -m core account
token create USERNAME --name NAME`) in the header `Authorization: Bearer <token>`. It acts with
its account's current role (a read-only token only reads). Cookies never authenticate the API.

**Throttle**: at most {MAX_REQUESTS} requests per {WINDOW_SECONDS:g} seconds per token, counted by
each app process apart; over it the answer is 429 with `Retry-After`. An address that sent more
than {MAX_FAILED_AUTH} requests without a valid token in {WINDOW_SECONDS:g} seconds is answered
429 instead of 401 for further such requests until it waits; requests with a valid token from it
are still served.

**Errors** are `{MEDIA_TYPE}` (RFC 9457): `detail` is the sentence the app shows, saying what to
do; 422 adds `errors` (each parameter or field refused), 429 `retry_after`.

**Writes** take an optional `{HEADER}` header (1 to {MAX_KEY_LENGTH} printable characters, e.g. a
UUID): sent again with the same key within 24 hours, the request is answered with the first
answer (and `{REPLAYED_HEADER}: true`) and done only once. Optional `If-Match` with a batch's
`ETag` refuses a write to a batch that changed since (412)."""
COMMON_ERRORS = (401, 403, 429, 500, 503)
# Any request may carry a body and parameters: every endpoint refuses a body too large (413), of
# a type it does not take (415) or JSON that cannot be read, and parameters it has none of (422).
BODY_ERRORS = (413, 415, 422)
_SECONDS = {"type": "string", "pattern": "^[0-9]+$"}
# The headers a problem of this status carries (problems.py sets them).
PROBLEM_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "Bearer: send `Authorization: Bearer <token>`",
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "seconds to wait before sending again (also `retry_after`)",
            "schema": _SECONDS,
        }
    },
    503: {
        "Retry-After": {
            "description": "seconds to wait before trying again",
            "schema": _SECONDS,
        }
    },
}


class _Schemas:
    """The document's `components.schemas`, filled as models are met."""

    def __init__(self) -> None:
        self.found: dict[str, Any] = {}

    def of(self, annotation: Any, mode: str = "serialization") -> dict[str, Any]:
        """The schema of a model or type; models go to components and are referenced."""
        schema = TypeAdapter(annotation).json_schema(ref_template=REF, mode=mode)
        self.found.update(schema.pop("$defs", {}))
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            self.found[annotation.__name__] = schema
            return {"$ref": REF.format(model=annotation.__name__)}
        return schema


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter's schema without JSON null (a query string cannot send one)."""
    options = schema.get("anyOf")
    if options:
        kept = [o for o in options if o.get("type") != "null"]
        if len(kept) == 1:
            rest = {k: v for k, v in schema.items() if k != "anyOf"}
            return {**kept[0], **rest}
    return schema


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(mode="validation")
    required = set(schema.get("required", ()))
    parameters = []
    for name, prop in schema.get("properties", {}).items():
        prop = _not_null(dict(prop))
        prop.pop("title", None)
        if "default" in prop and prop["default"] is None:  # absent is the default: no null to send
            del prop["default"]
        description = prop.pop("description", "")
        parameter = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _path_parameter(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": "an id (a whole number from 1)",
        "schema": {"type": "integer", "minimum": 1, "maximum": models.MAX_ID},
    }


def _header_parameters(endpoint: Endpoint) -> list[dict[str, Any]]:
    if not endpoint.write:
        return []
    found = [
        {
            "name": HEADER,
            "in": "header",
            "required": False,
            "description": "answer a repeat of this request with its first answer, done once",
            "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH,
                       "pattern": "^[ -~]+$"},
        }
    ]  # fmt: skip
    if "batch_id" in endpoint.path_params:
        found.append(
            {
                "name": "If-Match",
                "in": "header",
                "required": False,
                "description": 'the batch\'s ETag as GET answers it, e.g. "7" (several: '
                "comma-separated), or *: refuse the write if the batch changed since",
                # The frame refuses a value off this pattern before anything else (a replay too).
                "schema": {"type": "string", "pattern": inputs.IF_MATCH_PATTERN},
            }
        )
    return found


def _accepts_no_body(annotation: Any) -> bool:
    try:
        TypeAdapter(annotation).validate_python(None)
    except ValidationError:
        return False
    return True


def _request_body(endpoint: Endpoint, schemas: _Schemas) -> dict[str, Any] | None:
    if endpoint.body_model is None and endpoint.body_types == (JSON,):
        return None
    content = {}
    for media_type in endpoint.body_types:
        if media_type == JSON and endpoint.body_model is not None:
            content[media_type] = {"schema": schemas.of(endpoint.body_model, "validation")}
        elif media_type == JSON:
            content[media_type] = {"schema": {}}
        else:
            content[media_type] = {"schema": {"type": "string"}}
    required = endpoint.body_model is not None and not _accepts_no_body(endpoint.body_model)
    return {"required": required, "content": content}


def _problem_response(status: int) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": ERROR_WORDS.get(status, TITLES.get(status, "Error")),
        "content": {MEDIA_TYPE: {"schema": {"$ref": REF.format(model="Problem")}}},
    }
    if status in PROBLEM_HEADERS:
        answer["headers"] = PROBLEM_HEADERS[status]
    return answer


def _responses(endpoint: Endpoint, schemas: _Schemas) -> dict[str, Any]:
    success: dict[str, Any] = {"description": endpoint.summary}
    if endpoint.response_type != JSON:
        success["content"] = {endpoint.response_type: {"schema": {"type": "string"}}}
    elif endpoint.status != 204:
        schema = schemas.of(endpoint.response_model) if endpoint.response_model else {}
        success["content"] = {JSON: {"schema": schema}}
    headers = {name: {"schema": {"type": "string"}} for name in endpoint.headers}
    if endpoint.write:
        headers[REPLAYED_HEADER] = {
            "description": "true when this answer is a replay: the first answer to a request sent earlier with the "
            "same Idempotency-Key, which was not done again",
            "schema": {"type": "string", "enum": ["true"]},
        }
    if headers:
        success["headers"] = headers
    statuses = set(endpoint.errors) | {500, 503} | set(BODY_ERRORS)
    if not endpoint.public:
        statuses |= set(COMMON_ERRORS)
    if endpoint.query_model or endpoint.path_params or endpoint.body_model or endpoint.write:
        statuses.add(422)
    if endpoint.path_params:
        statuses.add(404)
    out = {str(endpoint.status): success}
    out.update({str(s): _problem_response(s) for s in sorted(statuses)})
    return out


def _operation_id(endpoint: Endpoint) -> str:
    words = [p.strip("{}") for p in endpoint.path.split("/") if p]
    return "_".join([endpoint.method.lower(), *words]) or endpoint.method.lower()


def build(endpoints: list[Endpoint]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of these endpoints."""
    schemas = _Schemas()
    schemas.of(models.Problem)
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        parameters = [_path_parameter(name) for name in endpoint.path_params]
        if endpoint.query_model is not None:
            parameters += _query_parameters(endpoint.query_model)
        parameters += _header_parameters(endpoint)
        operation: dict[str, Any] = {
            "operationId": _operation_id(endpoint),
            "summary": endpoint.summary,
            "tags": ["writes" if endpoint.write else "reference" if endpoint.public else "reads"],
        }
        if endpoint.description:
            operation["description"] = endpoint.description
        if not endpoint.public:
            operation["x-permission"] = endpoint.permission.value
        if parameters:
            operation["parameters"] = parameters
        if (body := _request_body(endpoint, schemas)) is not None:
            operation["requestBody"] = body
        operation["responses"] = _responses(endpoint, schemas)
        if endpoint.public:
            operation["security"] = []
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Batch Unlock API", "version": VERSION, "description": INTRO},
        "servers": [{"url": PREFIX}],
        "security": [{"bearerToken": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a personal API token (bu_…)",
                }
            },
            "schemas": dict(sorted(schemas.found.items())),
        },
    }


def cached(all_endpoints: Callable[[], list[Endpoint]]) -> Callable[[], dict[str, Any]]:
    """The document of `all_endpoints()` (its own endpoints too), built once on first use."""
    return lru_cache(maxsize=1)(lambda: build(all_endpoints()))


def endpoint(document: Callable[[], dict[str, Any]]) -> Endpoint:
    """`GET /openapi.json`: the document, public (it holds no data, only the API's shape)."""

    def openapi_json(_call: object) -> Reply:
        return Reply(document(), headers={"Cache-Control": "no-cache"})

    return Endpoint(
        "GET", "/openapi.json", "This OpenAPI document", openapi_json, public=True,
        description="The OpenAPI 3.1 document of the API, generated from the code.",
    )  # fmt: skip
