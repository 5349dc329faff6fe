"""`GET /api/v1/docs`: the API's reference, a page rendered on the server from the OpenAPI document.

No script and nothing from another site: the page is HTML and inline style under the login pages'
Content-Security-Policy (pages/web/forms.py), every text from the document escaped.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from pages.web.api.framework import PREFIX, Call, Endpoint, Reply
from pages.web.api.problems import ERROR_WORDS, TITLES
from pages.web.forms import HEADERS

HTML = "text/html; charset=utf-8"
ORIGIN = "@@ORIGIN@@"  # where each answer writes its request's own scheme://host:port
_STYLE = """body{font-family:system-ui,sans-serif;margin:0;background:#f6f6fb;color:#222}
main{max-width:980px;margin:0 auto;padding:1.5rem 2rem 4rem;background:#fff}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd}
h3{font-size:1.05rem;margin:1.6rem 0 .3rem}code,pre{font-family:ui-monospace,monospace}
pre{background:#f3f3f7;padding:.6rem;overflow:auto;white-space:pre-wrap}
.m{display:inline-block;min-width:3.4rem;font-weight:700}.get{color:#1b6e3a}.post{color:#8a4b00}
table{border-collapse:collapse;width:100%;font-size:.92rem;margin:.4rem 0}
th,td{border-bottom:1px solid #e6e6ee;text-align:left;padding:.25rem .4rem;vertical-align:top}
.muted{color:#666}nav a{margin-right:.8rem}"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _type(schema: dict[str, Any]) -> str:
    """A schema in a few words: "integer", "array of string", "BatchRow", "string or null"."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(_type(s) for s in schema["anyOf"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {_type(schema.get('items', {}))}"
    if "enum" in schema:
        return " | ".join(_e(v) for v in schema["enum"])
    if kind == "object" and "additionalProperties" in schema:
        return f"object of {_type(schema['additionalProperties'])}"
    return str(kind)


def _inline(text: str) -> str:
    """Escape text, then show its `code` spans and **bold** as the descriptions write them."""
    parts = _e(text.replace("\n", " ")).split("`")
    escaped = "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))
    parts = escaped.split("**")
    return "".join(f"<strong>{p}</strong>" if i % 2 else p for i, p in enumerate(parts))


def _markdown_lite(text: str) -> str:
    """A description's paragraphs, each `_inline`."""
    return "".join(f"<p>{_inline(paragraph)}</p>" for paragraph in text.split("\n\n"))


def _parameters(parameters: list[dict[str, Any]]) -> str:
    if not parameters:
        return ""
    rows = "".join(
        f"<tr><td><code>{_e(p['name'])}</code></td><td>{_e(p['in'])}</td>"
        f"<td>{_e(_type(p.get('schema', {})))}</td><td>{'yes' if p.get('required') else ''}</td>"
        f"<td>{_inline(p.get('description', ''))}</td></tr>"
        for p in parameters
    )
    return (
        "<table><tr><th>Parameter</th><th>In</th><th>Type</th><th>Required</th>"
        f"<th>Meaning</th></tr>{rows}</table>"
    )


def _responses(responses: dict[str, Any]) -> str:
    rows = []
    for status, answer in responses.items():
        content = answer.get("content", {})
        shapes = ", ".join(f"{_e(t)}: {_e(_type(c.get('schema', {})))}" for t, c in content.items())
        rows.append(
            f"<tr><td><a href='#problem-{_e(status)}'>{_e(status)}</a></td>"
            f"<td>{_inline(answer.get('description', ''))}</td><td>{shapes}</td></tr>"
            if not status.startswith("2")
            else f"<tr><td>{_e(status)}</td><td>{_inline(answer.get('description', ''))}</td>"
            f"<td>{shapes}</td></tr>"
        )
    return f"<table><tr><th>Status</th><th>When</th><th>Body</th></tr>{''.join(rows)}</table>"


def _operation(path: str, method: str, op: dict[str, Any]) -> str:
    anchor = _e(op["operationId"])
    parts = [
        f"<h3 id='{anchor}'><span class='m {method}'>{method.upper()}</span> "
        f"<code>{_e(PREFIX + path)}</code></h3>",
        f"<p><strong>{_e(op['summary'])}</strong>"
        + (f" <span class='muted'>(permission: {_e(op['x-permission'])})</span>" if "x-permission" in op else "")
        + "</p>",
        _markdown_lite(op.get("description", "")),
        _parameters(op.get("parameters", [])),
    ]  # fmt: skip
    body = op.get("requestBody")
    if body:
        kinds = ", ".join(
            f"<code>{_e(t)}</code>: {_e(_type(c.get('schema', {})))}"
            for t, c in body["content"].items()
        )
        parts.append(f"<p>Body{' (required)' if body.get('required') else ''}: {kinds}</p>")
    parts.append(_responses(op["responses"]))
    return "".join(parts)


def _schema(name: str, schema: dict[str, Any]) -> str:
    required = set(schema.get("required", ()))
    rows = "".join(
        f"<tr><td><code>{_e(field)}</code></td><td>{_e(_type(prop))}</td>"
        f"<td>{'yes' if field in required else ''}</td><td>{_inline(prop.get('description', ''))}</td></tr>"
        for field, prop in schema.get("properties", {}).items()
    )
    about = _e(schema.get("description", ""))
    return (
        f"<h3 id='schema-{_e(name)}'>{_e(name)}</h3><p>{about}</p>"
        "<table><tr><th>Field</th><th>Type</th><th>Always</th><th>Meaning</th></tr>"
        f"{rows}</table>"
    )


def render(document: dict[str, Any]) -> str:
    """The reference page of an OpenAPI document."""
    info = document["info"]
    operations = [
        _operation(path, method, op)
        for path, methods in document["paths"].items()
        for method, op in methods.items()
    ]
    index = "".join(
        f"<li><a href='#{_e(op['operationId'])}'><code>{_e(method.upper())} "
        f"{_e(PREFIX + path)}</code></a> — {_e(op['summary'])}</li>"
        for path, methods in document["paths"].items()
        for method, op in methods.items()
    )
    problems = "".join(
        f"<tr id='problem-{status}'><td>{status}</td><td>{_e(TITLES.get(status, ''))}</td>"
        f"<td>{_inline(words)}</td></tr>"
        for status, words in sorted(ERROR_WORDS.items())
    )
    schemas = "".join(_schema(n, s) for n, s in document["components"]["schemas"].items())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{_e(info["title"])} · reference</title><style>{_STYLE}</style></head><body><main>
<h1>{_e(info["title"])} <span class="muted">{_e(info["version"])}</span></h1>
<nav><a href="#endpoints">Endpoints</a><a href="#problems">Errors</a><a href="#schemas">Objects</a>
<a href="{PREFIX}/openapi.json">openapi.json</a></nav>
{_markdown_lite(info["description"])}
<pre>curl -H "Authorization: Bearer $BATCH_UNLOCK_TOKEN" {ORIGIN}{PREFIX}/quests</pre>
<h2 id="endpoints">Endpoints</h2><ul>{index}</ul>{"".join(operations)}
<h2 id="problems">Errors</h2>
<p>Every error is <code>application/problem+json</code> with <code>type</code> (a link to its row
here), <code>title</code>, <code>status</code> and <code>detail</code>.</p>
<table><tr><th>Status</th><th>Title</th><th>When</th></tr>{problems}</table>
<h2 id="schemas">Objects</h2>{schemas}
</main></body></html>"""


def endpoint(document: Callable[[], dict[str, Any]]) -> Endpoint:
    """`GET /docs`: the reference page (public, as the document is)."""
    page = lru_cache(maxsize=1)(lambda: render(document()))

    def docs(call: Call) -> Reply:
        # The example names the address the reader reached (escaped: the Host header is theirs).
        text = page().replace(ORIGIN, _e(call.origin or "http://localhost:8501"))
        return Reply(text, headers={"Cache-Control": "no-cache", **HEADERS})

    return Endpoint(
        "GET", "/docs", "This reference page", docs, public=True, response_type=HTML,
        description="The API's reference, rendered from the OpenAPI document.",
    )  # fmt: skip
