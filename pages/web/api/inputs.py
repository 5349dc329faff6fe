"""What a request brings, checked before a handler sees it: the body (within an upload's size),
the path's ids, the query string and a JSON body against their models, and If-Match.

Each refusal is an `ApiProblem` naming the parameter or field and why (422, `errors`), 413 for a
body too large, 415 for a Content-Type the endpoint does not take. Pydantic's and the JSON
parser's errors are said in our words (`why`), never theirs; what a refusal echoes of the request
is cut short (problems.ECHO_CHARS, ECHO_ITEMS). A JSON body may start with a UTF-8 byte-order mark.
"""

from __future__ import annotations

import json
import math
import re
import types
from collections.abc import AsyncIterator, Mapping
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request

from core.platform_users import ids
from core.upload.limits import MAX_FILE_BYTES
from pages.web.api.models import MAX_ID
from pages.web.api.problems import ECHO_ITEMS, ApiProblem, shorten

JSON = "application/json"
# "*" or one or more ETags as GET answers them (a weak "W/" prefix is compared as strong).
# An empty header asks for nothing (some clients send one rather than none).
IF_MATCH_PATTERN = r'^(|\*|(W/)?"[0-9]{1,18}"(, ?(W/)?"[0-9]{1,18}")*)$'
IF_MATCH = re.compile(IF_MATCH_PATTERN)

TOO_LARGE = (
    f"The request body is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, the most an upload "
    "may be. Split the list, then send the parts one by one."
)
BAD_JSON = (
    "The request body is not valid JSON (line {line}, column {column}): {why}. Fix it, then send "
    "the body again as JSON in UTF-8."
)
NOT_UTF8 = (
    "The request body is not UTF-8 text (byte {at:,} cannot be read). Send the JSON encoded as "
    "UTF-8."
)
# What json.loads says, in the body's terms (its message up to the first colon is the key).
_JSON_WHY = {
    "Expecting value": "a value (text, number, list or object) is expected here",
    "Expecting property name enclosed in double quotes": "a field name in double quotes is "
    "expected here",
    "Expecting ',' delimiter": "a comma is expected here",
    "Expecting ':' delimiter": "a colon is expected here, after the field name",
    "Unterminated string starting at": "a text is not closed: its closing double quote is missing",
    "Invalid control character at": "a text holds a line break, tab or other control character: "
    "write it as \\n, \\t or \\u0009",
    "Invalid \\escape": "a backslash starts no escape JSON knows (write \\\\ for a backslash)",
    "Invalid \\uXXXX escape": "a \\u escape needs four hex digits",
    "Extra data": "more follows the end of the JSON: send one object or one list",
}
JSON_WHY_ELSE = "it cannot be read from there on"
# No number of this API needs more digits (ids are below 2**63: 19 digits); Python refuses to
# read over 4,300 at all (a ValueError the parser does not word).
MAX_NUMBER_DIGITS = 40
LONG_NUMBER = (
    "The request body holds a number of {n:,} digits; no field of this API takes one over "
    f"{MAX_NUMBER_DIGITS}. Send ids as whole numbers such as 12."
)
NOT_A_NUMBER = (
    "The request body holds {text}, which JSON has no number for; send a whole number such as 12."
)
DUPLICATE_FIELD = (
    "The request body gives the field “{name}” twice in one object; send each field once."
)
# Deeper nesting than any body of this API needs; json.loads would recurse once per level.
MAX_JSON_DEPTH = 32
TOO_DEEP = (
    f"The request body nests lists or objects more than {MAX_JSON_DEPTH} deep; no request of "
    "this API needs that. Send rows as a flat list of objects."
)
WRONG_TYPE = "Send the body as {types} (the Content-Type header says which); {given} is not taken."
BAD_PARAMS = (
    "Some parameters cannot be used: {fields}. Fix them, then send the request again (the "
    "parameters of each endpoint are listed at /api/v1/docs)."
)
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
EMPTY_CSV = (
    "The CSV body is empty: send the template's header line (ID;Username;Registered email) and "
    "one row per user."
)
EMPTY_XLSX = (
    "The workbook body is empty: send the .xlsx file's bytes (the template's columns: ID, "
    "Username, Registered email)."
)
CSV, XLSX = "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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


def _loc(loc: tuple | list) -> list[Any]:
    """A location as `errors` gives it: names cut to ECHO_CHARS, places as numbers."""
    return [p if isinstance(p, int) else shorten(str(p)) for p in loc]


def _given(value: Any, texts: bool = True) -> str:
    """What was sent in a place, as a sentence names it (“true”, the text “25”, a list)."""
    if isinstance(value, bool) or value is None:
        return f"“{json.dumps(value)}”"
    if isinstance(value, str):
        return f"the text “{shorten(value)}”" if texts else f"“{shorten(value)}”"
    if isinstance(value, int | float):
        return f"“{shorten(repr(value))}”"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "that"


def _unwrap(annotation: Any) -> tuple[list[Any], list[Any]]:
    """An annotation's types (a union's members, Annotated stripped) and the constraints on it."""
    if get_origin(annotation) is Annotated:
        kinds, found = _unwrap(get_args(annotation)[0])
        for extra in get_args(annotation)[1:]:
            found += list(getattr(extra, "metadata", [extra]))
        return kinds, found
    if get_origin(annotation) in (Union, types.UnionType):
        kinds, found = [], []
        for member in get_args(annotation):
            more, constraints = _unwrap(member)
            kinds += more
            found += constraints
        return kinds, found
    return [annotation], []


def _at(model: Any, loc: tuple) -> tuple[list[Any], list[Any]]:
    """The types the value at `loc` in `model` may be, and its constraints (annotated-types:
    Ge, Le, MaxLen…); ([], []) for a place the model does not name."""
    kinds, found = _unwrap(model)
    for part in loc:
        if isinstance(part, int):
            lists = [k for k in kinds if get_origin(k) is list]
            if not lists:
                return [], []
            kinds, found = _unwrap(get_args(lists[0])[0] if get_args(lists[0]) else Any)
            continue
        fields = [
            f for k in _models(kinds) for n, f in k.model_fields.items() if part in (n, f.alias)
        ]
        if not fields:
            return [], []
        kinds, found = _unwrap(fields[0].annotation)
        found += list(fields[0].metadata)
    return kinds, found


def _models(kinds: list[Any]) -> list[type[BaseModel]]:
    return [k for k in kinds if isinstance(k, type) and issubclass(k, BaseModel)]


def _constraints(model: Any, loc: tuple) -> list[Any]:
    """The constraints on the value at `loc` in `model`."""
    return _at(model, loc)[1]


def _field_names(model: Any, loc: tuple) -> list[str]:
    """The fields the object at `loc` in `model` takes, as JSON names them."""
    names = [f.alias or n for k in _models(_at(model, loc)[0]) for n, f in k.model_fields.items()]
    return list(dict.fromkeys(names))


def _and(names: list[str]) -> str:
    return (
        ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + (names[-1] if names else "")
    )


def _bounds(model: Any, loc: tuple) -> tuple[int | None, int | None]:
    """The smallest and largest whole number the place at `loc` takes (None: no bound)."""
    low = high = None
    for c in _constraints(model, loc):
        if getattr(c, "ge", None) is not None:
            low = c.ge
        if getattr(c, "gt", None) is not None:
            low = c.gt + 1
        if getattr(c, "le", None) is not None:
            high = c.le
        if getattr(c, "lt", None) is not None:
            high = c.lt - 1
    return low, high


def _number_range(place: str, low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"{place} must be a whole number from {low:,} to {high:,}"
    if low is not None:
        return f"{place} must be a whole number of at least {low:,}"
    return f"{place} must be a whole number of at most {high:,}"


# Pydantic's error types, by what they say of a value: of the wrong type (the kind it must be).
_KINDS = {
    "string_type": "text (in double quotes)",
    "int_type": "a whole number (e.g. 12)",
    "int_parsing": "a whole number (e.g. 12)",
    "int_from_float": "a whole number (e.g. 12)",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a JSON list",
    "model_type": "a JSON object",
    "model_attributes_type": "a JSON object",
    "dict_type": "a JSON object",
}
_RANGE = ("greater_than_equal", "greater_than", "less_than_equal", "less_than")


def why(e: Mapping[str, Any], place: str, model: Any, texts: bool = True) -> str:
    """One pydantic error as our clause naming its place and what to do ("name is longer …").

    `texts`: the place's value came as JSON (a string is not a number); a query's are all text.
    """
    kind, ctx, given = e["type"], e.get("ctx") or {}, e.get("input")
    if kind == "missing":
        return f"{place} is required: add it"
    if kind in _KINDS:
        return f"{place} must be {_KINDS[kind]}, not {_given(given, texts)}"
    if kind in _RANGE or kind == "int_parsing_size":  # the last: more digits than any id
        low, high = _bounds(model, tuple(e["loc"]))
        if low is None and high is None:
            bound = ctx.get("ge", ctx.get("gt", ctx.get("le", ctx.get("lt"))))
            if bound is None:
                return f"{place} must be a whole number, not {_given(given, texts)}"
            low, high = (bound, None) if kind.startswith("greater") else (None, bound)
        return _number_range(place, low, high)
    if kind == "string_too_long":
        return f"{place} is longer than {ctx.get('max_length', 0):,} characters: shorten it"
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return f"{place} is empty: give it a value"
        return f"{place} is shorter than {ctx.get('min_length', 0):,} characters: lengthen it"
    if kind == "too_long":
        return f"{place} lists more than {ctx.get('max_length', 0):,}: send at most that many"
    if kind == "too_short":
        return f"{place} lists fewer than {ctx.get('min_length', 0):,}: send at least that many"
    if kind == "value_error":  # our own validators: core's sentence
        return f"{place}: {e['msg'].removeprefix('Value error, ')}"
    return f"{place} cannot be used as sent: its description at /api/v1/docs says what it takes"


def _errors(exc: ValidationError) -> list[dict[str, Any]]:
    return exc.errors(include_url=False, include_context=True, include_input=True)


def field_errors(exc: ValidationError, where: str, model: Any = None) -> list[dict[str, Any]]:
    """Pydantic's errors about a query string as `errors` items: where, and why in our words."""
    out = []
    for e in _errors(exc):
        names = [str(p) for p in e["loc"] if not isinstance(p, int)]
        place = shorten(".".join(names)) if names else where
        if e["type"] == "extra_forbidden":
            msg = f"“{place}” is not a parameter here: remove it"
        else:
            msg = why(e, place, model, texts=False)
        out.append({"loc": [where, *_loc(e["loc"])], "msg": msg})
    return out


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
    """A field's place in the body's terms: row 6 (from 1), users row 2: id."""
    parts = []
    for i, part in enumerate(loc):
        if isinstance(part, int):
            rows = (listed and i == 0) or (i > 0 and loc[i - 1] == "users")
            more = ":" if i < len(loc) - 1 else ""  # row 2: id must be …
            parts.append(f"{'row' if rows else 'item'} {part + 1}{more}")
        else:
            parts.append(shorten(str(part)))
    return " ".join(parts)


def _is_tag(part: Any) -> bool:
    """A union member's name pydantic puts in a location (str, int, list[Row], FillBody)."""
    return isinstance(part, str) and (
        part in ("str", "int", "bool", "float", "none") or "[" in part or part[:1].isupper()
    )


def body_errors(exc: ValidationError, model: Any, listed: bool) -> list[dict[str, Any]]:
    """Pydantic's errors about a body as `errors` items worded in the body's terms, one per place."""
    by_place: dict[tuple, list[dict[str, Any]]] = {}
    for e in _errors(exc):
        loc = tuple(p for p in e["loc"] if not _is_tag(p))
        by_place.setdefault(loc, []).append({**e, "loc": loc})
    out = []
    for loc, found in by_place.items():
        kinds = [_KINDS[e["type"]] for e in found if e["type"] in _KINDS]
        first = found[0]
        place = _where(list(loc), listed)
        if not loc and kinds:
            msg = f"the body must be {describe(model)}"
        elif first["type"] == "extra_forbidden":
            parent = _where(list(loc[:-1]), listed)
            msg = f"{parent + ': ' if parent else ''}unknown field “{shorten(str(loc[-1]))}”"
            if known := _field_names(model, loc[:-1]):
                msg += f" (the fields are {_and(known)})"
        elif len(kinds) == len(found) > 1:  # a union: each member's kind
            joined = " or ".join(dict.fromkeys(kinds))
            msg = f"{place} must be {joined}, not {_given(first.get('input'))}"
        else:
            msg = why(first, place, model)
        out.append({"loc": ["body", *_loc(loc)], "msg": msg})
    return out


def _listed(said: list[str], noun: str) -> str:
    """At most ECHO_ITEMS clauses, "; "-joined, then how many more were left off."""
    shown = "; ".join(said[:ECHO_ITEMS])
    if len(said) > ECHO_ITEMS:
        shown += f"; and {len(said) - ECHO_ITEMS:,} more {noun}"
    return shown


def invalid(errors: list[dict[str, Any]]) -> ApiProblem:
    """A 422 naming each refused parameter (at most ECHO_ITEMS of them), and why."""
    fields = _listed([e["msg"] for e in errors], "parameters")
    return ApiProblem(422, BAD_PARAMS.format(fields=fields), errors=errors[:ECHO_ITEMS])


def query(model: type[BaseModel] | None, params: QueryParams) -> Any:
    """The query string as the endpoint's model (lists from repeated parameters)."""
    if model is None:
        if params:
            raise invalid(
                [
                    {
                        "loc": ["query", shorten(k)],
                        "msg": f"“{shorten(k)}” is not a parameter here: this endpoint takes none",
                    }
                    for k in params
                ]
            )
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
        raise invalid(field_errors(exc, "query", model)) from None


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
        if not ids.is_digits(text) or len(text) > MAX_NUMBER_DIGITS or not 1 <= int(text) <= MAX_ID:
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
        data = parse_json(raw)
        refuse_bad_text(_texts(data))
    elif media in (CSV, XLSX) and media in types:  # a file body without its file
        raise ApiProblem(422, EMPTY_CSV if media == CSV else EMPTY_XLSX)
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
        said = _listed([e["msg"].rstrip(".") for e in errors], "places")
        raise ApiProblem(422, BAD_BODY.format(why=said), errors=errors[:ECHO_ITEMS]) from None


def parse_json(raw: bytes) -> Any:
    """A JSON body's value (a UTF-8 byte-order mark is skipped); refused (422) in our words."""
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise ApiProblem(422, NOT_UTF8.format(at=exc.start + 1)) from None
    if too_deep(text):
        raise ApiProblem(422, TOO_DEEP)
    try:
        return json.loads(
            text,
            parse_int=_whole,
            parse_float=_fraction,
            parse_constant=_no_constant,
            object_pairs_hook=_fields_once,
        )
    except json.JSONDecodeError as exc:
        said = _JSON_WHY.get(exc.msg.split(":")[0], JSON_WHY_ELSE)
        raise ApiProblem(
            422, BAD_JSON.format(line=exc.lineno, column=exc.colno, why=said)
        ) from None
    except RecursionError:  # the scan's limit is far below the parser's: never expected
        raise ApiProblem(422, TOO_DEEP) from None


def _whole(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise ApiProblem(422, LONG_NUMBER.format(n=len(text.lstrip("-"))))
    return int(text)


def _fraction(text: str) -> float | int:
    # A whole number written with a fraction or exponent (25.0, 2.5e1, as Java's Double or a
    # pandas column sends it) is that whole number: OpenAPI's "integer" takes it too.
    if len(text) > MAX_NUMBER_DIGITS + 10:
        raise ApiProblem(422, LONG_NUMBER.format(n=sum(c.isdigit() for c in text)))
    value = float(text)
    if not math.isfinite(value):
        raise ApiProblem(422, NOT_A_NUMBER.format(text=f"“{text}”"))
    return int(value) if value.is_integer() and abs(value) < 2**63 else value


def _no_constant(text: str) -> Any:
    raise ApiProblem(422, NOT_A_NUMBER.format(text=f"“{text}”"))


def _fields_once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in pairs:
        if name in out:
            raise ApiProblem(422, DUPLICATE_FIELD.format(name=shorten(name)))
        out[name] = value
    return out


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
