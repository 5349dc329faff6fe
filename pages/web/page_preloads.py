"""Tell the browser, in the page's head, which of Streamlit's scripts our screens will draw with.

Streamlit's browser code loads the code of each kind of element (the grid, the charts, a
multiselect…) only when the first such element arrives, one after the other, on every page load:
measured on the list (bench/bench_pages_browser.py), its count showed 0.45 s after the click but
the grid 0.8 s later, the charts 0.5 s later. Named in the head as `modulepreload` links, they are
fetched (from the browser's cache: Streamlit serves them as immutable) and compiled while the
websocket opens and the page's script runs. The names come from the installed Streamlit's own
files, so an upgrade that renames them changes nothing here; a name not found is left out.
"""

from __future__ import annotations

import functools
import html
import re
from pathlib import Path

import streamlit

STATIC_JS = Path(streamlit.__file__).parent / "static" / "static" / "js"
APP_PAGE = STATIC_JS.parent.parent / "index.html"

# The kinds of element our screens draw (Streamlit's component chunks), and the chart library the
# chart chunk loads on demand.
ELEMENTS = (
    "DataFrame",
    "ArrowVegaLiteChart",
    "embed",
    "vega-interpreter",
    "Button",
    "ButtonGroup",
    "Checkbox",
    "DateInput",
    "DownloadButton",
    "FileUploader",
    "LinkButton",
    "Metric",
    "Multiselect",
    "PageLink",
    "Pagination",
    "Progress",
    "Radio",
    "Selectbox",
    "TextInput",
)
_STATIC_IMPORT = re.compile(r'(?:from|import)\s*"\./([\w.-]+\.js)"')


def _chunk(name: str) -> str | None:
    """The file of a chunk by its name (`DataFrame` → `DataFrame.<hash>.js`), if there is one."""
    found = [
        p.name
        for p in STATIC_JS.glob(f"{name}.*.js")
        if re.fullmatch(rf"{re.escape(name)}\.[\w-]+\.js", p.name)
    ]
    return found[0] if len(found) == 1 else None


def _with_imports(files: list[str]) -> list[str]:
    """The files and everything they import statically, each once, dependencies included."""
    seen: dict[str, None] = {}
    todo = list(files)
    while todo:
        name = todo.pop()
        if name in seen or not (STATIC_JS / name).is_file():
            continue
        seen[name] = None
        todo.extend(_STATIC_IMPORT.findall((STATIC_JS / name).read_text(encoding="utf-8")))
    return list(seen)


@functools.cache
def element_scripts() -> tuple[str, ...]:
    """The scripts our screens' elements need that Streamlit's page does not preload itself."""
    try:
        page = APP_PAGE.read_text(encoding="utf-8")
        chunks = [c for c in (_chunk(n) for n in ELEMENTS) if c is not None]
        wanted = _with_imports(chunks)
    except OSError:
        return ()
    return tuple(f for f in wanted if f"./static/js/{f}" not in page)


def link_tags(paths: list[str] | tuple[str, ...]) -> str:
    """`modulepreload` links for scripts under ./static/js/."""
    return "".join(
        f'<link rel="modulepreload" crossorigin href="./static/js/{html.escape(p)}">' for p in paths
    )
