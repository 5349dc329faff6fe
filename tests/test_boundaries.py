"""Architecture rules that keep the code base honest."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_nothing_under_core_imports_streamlit() -> None:
    offenders = []
    for path in (ROOT / "core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "streamlit" or n.startswith("streamlit.") for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_no_page_renders_raw_html_from_data() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in [*(ROOT / "pages").rglob("*.py"), ROOT / "app.py"]
        if "unsafe_allow_html=True" in p.read_text()
    ]
    assert offenders == []
