"""Streamlit's page names, in its head, the scripts our screens' elements will need."""

from __future__ import annotations

import asyncio

from pages.web import page_preloads
from pages.web.base_url import BackendBaseUrl


def test_the_grid_and_chart_scripts_are_preloaded_with_what_they_import() -> None:
    scripts = page_preloads.element_scripts()
    assert any(s.startswith("DataFrame.") for s in scripts)
    assert any(s.startswith("ArrowVegaLiteChart.") for s in scripts)
    for script in scripts:  # every static import of a preloaded script is preloaded or the page's
        text = (page_preloads.STATIC_JS / script).read_text()
        for imported in page_preloads._STATIC_IMPORT.findall(text):
            assert (
                imported in scripts
                or f"./static/js/{imported}" in page_preloads.APP_PAGE.read_text()
            )


def test_no_script_is_named_twice_or_missing() -> None:
    scripts = page_preloads.element_scripts()
    assert len(scripts) == len(set(scripts))
    assert all((page_preloads.STATIC_JS / s).is_file() for s in scripts)


def test_the_app_s_page_is_sent_with_the_preload_links_in_its_head() -> None:
    page = page_preloads.APP_PAGE.read_bytes()

    async def app(scope, receive, send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/html"),
                    (b"content-length", str(len(page)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": page})

    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/batch-unlock", "headers": []}
    asyncio.run(BackendBaseUrl(app)(scope, None, send))
    body = sent[-1]["body"].decode()
    head = body[: body.index("</head>")]
    first = page_preloads.element_scripts()[0]
    assert f'<link rel="modulepreload" crossorigin href="./static/js/{first}">' in head
    assert dict(sent[0]["headers"])[b"content-length"] == str(len(sent[-1]["body"])).encode()
