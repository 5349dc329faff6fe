"""The login form fetches the app's scripts while the person types, so the first page is quick."""

from __future__ import annotations

import re
from pathlib import Path

import streamlit

from pages.web import forms

STATIC = Path(streamlit.__file__).parent / "static"


def test_the_login_form_preloads_the_script_and_style_streamlit_s_page_loads() -> None:
    page = forms.login_form("/").body.decode()
    app_page = (STATIC / "index.html").read_text()
    main_script = re.search(r'<script type="module"[^>]*src="([^"]+)"', app_page).group(1)
    assert f'<link rel="modulepreload" crossorigin href="{main_script}">' in page
    assert re.search(r'<link rel="preload" as="style" crossorigin href="\./static/css/', page)


def test_every_preloaded_file_is_one_streamlit_serves() -> None:
    paths = re.findall(r'href="\./(static/[^"]+)"', forms.app_preloads())
    assert paths
    assert all((STATIC / path).is_file() for path in paths)


def test_refusal_pages_preload_nothing() -> None:
    assert "modulepreload" not in forms.foreign_post().body.decode()
