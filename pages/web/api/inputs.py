"""What a request brings, checked before a handler sees it: the body (within an upload's size),
the path's ids, the query string and a JSON body against their models, and If-Match.

Each refusal is an `ApiProblem` naming the parameter or field and why (422, `errors`), 413 for a
body too large, 415 for a Content-Type the endpoint does not take.
"""

from __future__ import annotations

import json
import re
import types
from collections.abc import AsyncIterator, Mapping
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request

from core.upload.limits import MAX_FILE_BYTES
from pages.web.api.models import MAX_ID
from pages.web.api.problems import ApiProblem

JSON = "application/json"
# "*" or one or more ETags as GET answers them (a weak "W/" prefix is compared as strong).
IF_MATCH_PATTERN = r'^(\*|(W/)?"[0-9]{1,18}"(, ?(W/)?"[0-9]{1,18}")*)$'
IF_MATCH = re.compile(IF_MATCH_PATTERN)

TOO_LARGE = (
    f"The request body is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, the most an upload "
    "may be. Split the list, then send the parts one by one."
)
BAD_JSON = "The request body is not valid JSON: {why}. Send a JSON body (UTF-8)."
# Deeper nesting than any body of this API needs; json.loads would recurse once per level.
MAX_JSON_DEPTH = 32
TOO_DEEP = (
    f"The request body nests lists or objects more than {MAX_JSON_DEPTH} deep; no request of "
    "this API needs that. Send rows as a flat list of objects."
)
WRONG_TYPE = "Send the body as {types} (the Content-Type header says which); {given} is not taken."
BAD_PARAMS = "Some parameters cannot be used: {fields}. Fix them, then send the request again."
BAD_BODY = "The request body cannot be used: {why}. Fix it, then send the request again."
BAD_ID = "The {name} in the path must be a whole number from 1 to {max:,}."
NUL_TEXT = (
    "Text sent to the API may not hold the NUL character (\\u0000 or %00): no name, filter or "
    "row can contain it. Remove it, then send the request again."
)
SURROGATE_TEXT = (
    "Text sent to the API must be Unicode characters: a lone UTF-16 surrogate (\\ud800 to "
    "\\udfff without its pair) is no character, so no name, filter or row can contain it. Send the "
    "character itself or its escaped pair, then send the request again."
)
BAD_IF_MATCH = 'The If-Match header must be "*" or an ETag as GET answers it, e.g. "7".'

# NUL (PostgreSQL's text cannot hold it) and lone surrogates (no UTF-8 can encode them).
_NUL = re.compile("\x00")
_SURROGATE = re.compile("[\ud800-\udfff]")

# A JSON string (escapes included), and the brackets left once strings are removed. One left
# open runs to the end (possessive, no backtracking): the scan stays linear on any text.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*+(?:"|\\?\Z)', re.S)
_BRACKET = re.compile(r"[\[\]{}]")

# One TypeAdapter per body type, made on first use (the annotation is kept, so its id stays its own).
_adapters: dict[int, tuple[Any, TypeAdapter]] = {}


def etag(version: int) -> str:
    """The ETag of a batch at this version (strong: If-Match compares it exactly)."""
    return f'"{version}"'


def if_match(value: str | None) -> list[int] | None:
    """The versions an If-Match value names: None for none, [] for "*"; 422 if unreadable."""
    if value is None or value == "":  # an empty header asks for nothing
        return None
    if not IF_MATCH.fullmatch(value):  # HTTP has trimmed its spaces: nothing else is stripped
        raise ApiProblem(422, BAD_IF_MATCH)
    if value == "*":
        return []
    return [int(tag) for tag in re.findall(r'"([0-9]+)"', value)]


def media_type(headers: Headers) -> str:
    """The request's Content-Type without its parameters, in lower case ("" for none)."""
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


def field_errors(exc: ValidationError, where: str) -> list[dict[str, Any]]:
    """Pydantic's errors as `errors` items: where (query/body/path and field) and why."""
    return [
        {"loc": [where, *(str(p) if not isinstance(p, int) else p for p in e["loc"])],
         "msg": e["msg"]}
        for e in exc.errors(include_url=False, include_context=False, include_input=False)
    ]  # fmt: skip


# Pydantic's words for a value of the wrong JSON type, in the body's terms.
_KINDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a JSON list",
    "model_type": "a JSON object",
    "dict_type": "a JSON object",
}


def _members(model: Any) -> tuple[Any, ...]:
    """The types of a union (one type: itself)."""
    if get_origin(model) in (Union, types.UnionType):
        return get_args(model)
    return (model,)


def describe(model: Any) -> str:
    """What a body of this type is, in the body's terms ("a JSON object with name and quest_id")."""
    said = []
    for member in _members(model):
        if member is type(None):
            continue
        if get_origin(member) is list:
            said.append("a JSON list of rows (objects)")
        elif isinstance(member, type) and issubclass(member, BaseModel):
            fields = member.model_fields
            needed = [n for n, f in fields.items() if f.is_required()]
            if needed:
                joined = ", ".join(needed[:-1]) + (" and " if len(needed) > 1 else "") + needed[-1]
                said.append(f"a JSON object with {joined}")
            else:
                said.append(f"a JSON object ({', '.join(f.alias or n for n, f in fields.items())})")
        else:
            said.append("JSON")
    return " or ".join(said)


def _pick(model: Any, data: Any) -> Any:
    """The union member a body of this JSON shape is meant as (so errors speak of it alone)."""
    members = _members(model)
    if len(members) == 1 or data is None:
        return model
    for member in members:
        listed = get_origin(member) is list
        if (listed and isinstance(data, list)) or (
            not listed and isinstance(member, type) and isinstance(data, dict)
        ):
            return member
    return model


def _where(loc: list[Any], listed: bool) -> str:
    """A field's place in the body's terms: row 6 (from 1), “users” row 2 “id”."""
    parts = []
    for i, part in enumerate(loc):
        if isinstance(part, int):
            rows = (listed and i == 0) or (i > 0 and loc[i - 1] == "users")
            more = ":" if i < len(loc) - 1 else ""  # row 2: “id” must be …
            parts.append(f"{'row' if rows else 'item'} {part + 1}{more}")
        else:
            parts.append(f"“{part}”")
    return " ".join(parts)


def _is_tag(part: Any) -> bool:
    """A union member's name pydantic puts in a location (str, int, list[Row], FillBody)."""
    return isinstance(part, str) and (
        part in ("str", "int", "bool", "float", "none") or "[" in part or part[:1].isupper()
    )


def body_errors(exc: ValidationError, model: Any, listed: bool) -> list[dict[str, Any]]:
    """Pydantic's errors about a body as `errors` items worded in the body's terms, one per place."""
    by_place: dict[tuple, list[dict[str, Any]]] = {}
    for e in exc.errors(include_url=False, include_context=False, include_input=False):
        loc = tuple(p for p in e["loc"] if not _is_tag(p))
        by_place.setdefault(loc, []).append(e)
    out = []
    for loc, found in by_place.items():
        kinds = [_KINDS[e["type"]] for e in found if e["type"] in _KINDS]
        first = found[0]
        if not loc and kinds:
            msg = f"the body must be {describe(model)}"
        elif first["type"] == "extra_forbidden":
            parent = _where(list(loc[:-1]), listed)
            msg = f"{parent + ': ' if parent else ''}unknown field “{loc[-1]}”"
        elif first["type"] == "missing":
            parent = _where(list(loc[:-1]), listed)
            msg = f"{parent + ': ' if parent else ''}“{loc[-1]}” is missing"
        elif len(kinds) == len(found):
            msg = f"{_where(list(loc), listed)} must be {' or '.join(dict.fromkeys(kinds))}"
        else:
            why = first["msg"].removeprefix("Value error, ")
            msg = f"{_where(list(loc), listed)}: {why}" if loc else why
        out.append({"loc": ["body", *loc], "msg": msg})
    return out


def invalid(errors: list[dict[str, Any]]) -> ApiProblem:
    """A 422 naming each refused parameter or field, and why."""
    said = []
    for e in errors:
        where = ".".join(str(p) for p in e["loc"][1:]) or e["loc"][0]
        said.append(f"{where} ({e['msg'].removeprefix('Value error, ')})")
    return ApiProblem(422, BAD_PARAMS.format(fields="; ".join(said)), errors=errors)


def query(model: type[BaseModel] | None, params: QueryParams) -> Any:
    """The query string as the endpoint's model (lists from repeated parameters)."""
    if model is None:
        if params:
            raise invalid([{"loc": ["query", k], "msg": "not a parameter"} for k in params])
        return None
    refuse_bad_text([text for item in params.multi_items() for text in item])
    values: dict[str, Any] = {}
    for name in params:
        info = model.model_fields.get(name)
        many = info is not None and get_origin(info.annotation) is list
        values[name] = params.getlist(name) if many else params[name]
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise invalid(field_errors(exc, "query")) from None


def _texts(data: Any) -> list[str]:
    """Every text in parsed JSON (keys and values), outermost first."""
    found, todo = [], [data]
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            found += [k for k in item if isinstance(k, str)]
            todo += item.values()
        elif isinstance(item, list):
            todo += item
    return found


def too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Tell whether JSON text nests lists/objects deeper than `limit` (brackets in strings skipped).

    A scan in C (regular expressions) and a walk over the brackets only: cheap beside parsing.
    """
    if text.count("[") + text.count("{") <= limit:  # the usual body: nothing to walk
        return False
    depth = 0
    for bracket in _BRACKET.findall(_JSON_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > limit:
            return True
    return False


def refuse_bad_text(texts: list[str]) -> None:
    """Refuse (422) text holding NUL or a lone surrogate: the stores and UTF-8 cannot hold them."""
    if any(_NUL.search(text) for text in texts):
        raise ApiProblem(422, NUL_TEXT)
    if any(_SURROGATE.search(text) for text in texts):
        raise ApiProblem(422, SURROGATE_TEXT)


def path_ids(names: list[str], params: Mapping[str, str]) -> dict[str, int]:
    """The path's ids as integers (a path that is no id is refused, not looked up)."""
    out = {}
    for name in names:
        text = params.get(name, "")
        if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_ID:
            raise ApiProblem(
                422,
                BAD_ID.format(name=name, max=MAX_ID),
                errors=[{"loc": ["path", name], "msg": "not a positive whole number"}],
            )
        out[name] = int(text)
    return out


def body(model: Any, types: tuple[str, ...], raw: bytes, media: str) -> Any:
    """A JSON body as `model` (a pydantic model or type); None for another accepted type, whose
    bytes the handler reads itself."""
    if raw:
        if media not in types:
            given = media or "no Content-Type"
            raise ApiProblem(415, WRONG_TYPE.format(types=" or ".join(types), given=given))
        if media != JSON:
            return None
        try:
            text = raw.decode("utf-8")
            if too_deep(text):
                raise ApiProblem(422, TOO_DEEP)
            data = json.loads(text)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ApiProblem(422, BAD_JSON.format(why=str(exc).split(":")[0])) from None
        except RecursionError:  # the scan's limit is far below the parser's: never expected
            raise ApiProblem(422, TOO_DEEP) from None
        refuse_bad_text(_texts(data))
    elif model is None:
        return None
    else:
        data = None  # no body: valid only where the model allows none
    if model is None:
        return data
    meant = _pick(model, data)
    if id(meant) not in _adapters:
        _adapters[id(meant)] = (meant, TypeAdapter(meant))
    try:
        return _adapters[id(meant)][1].validate_python(data)
    except ValidationError as exc:
        errors = body_errors(exc, model, isinstance(data, list))
        why = "; ".join(e["msg"].rstrip(".") for e in errors)
        raise ApiProblem(422, BAD_BODY.format(why=why), errors=errors) from None


def has_body(headers: Headers) -> bool:
    """Tell whether a request says it carries a body (a length above 0, or chunks)."""
    length = headers.get("content-length", "")
    return (length.isdigit() and int(length) > 0) or "transfer-encoding" in headers


# How much of an over-long body without a Content-Length is read (and dropped) so that its
# sender sees the 413; beyond it, the connection is closed after the answer.
DRAIN_BYTES = 4 * MAX_FILE_BYTES


async def read_body(request: Request) -> bytes:
    """The body, refused (413) as soon as it is longer than an upload may be."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FILE_BYTES:
        raise ApiProblem(413, TOO_LARGE)
    chunks, size, stream = [], 0, request.stream()
    async for chunk in stream:
        size += len(chunk)
        if size > MAX_FILE_BYTES:
            await _drain(stream, size)
            raise ApiProblem(413, TOO_LARGE)
        chunks.append(chunk)
    return b"".join(chunks)


async def _drain(stream: AsyncIterator[bytes], size: int) -> None:
    """Read and drop the rest of an over-long body sent without a length, up to DRAIN_BYTES.

    A client writes its whole body before it reads the answer: a server that stops reading and
    answers at once leaves it writing into a closed connection, so it never sees the 413. Past
    DRAIN_BYTES (a client streaming without end) the connection is closed after the answer.
    """
    async for chunk in stream:
        size += len(chunk)
        if size > DRAIN_BYTES:
            return
