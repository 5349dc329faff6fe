"""Batch Unlock: `streamlit run app.py`.

This module is the web app's composition root: `create_app(settings)` makes the process's
runtime (its data store and publisher, pages/web/runtime.py) and the ASGI app around Streamlit
(login routes, guards, start-up and shutdown). Every page load runs pages/entry/router.py.
"""

import streamlit as st
from starlette.middleware import Middleware

from core.config import Settings
from pages.web import runtime, stale_reruns
from pages.web.api import API_ROUTES
from pages.web.auth import ROUTES
from pages.web.base_url import BackendBaseUrl
from pages.web.guard import LoginGuard, WebsocketOrigin
from pages.web.lifespan import lifespan
from pages.web.main_script import ROUTER, check_no_stray_pages
from pages.web.static_files import StaticAssets
from pages.web.store_guard import StoreGuard


def create_app(settings: Settings) -> st.App:
    """Build the web app for these settings: its runtime, routes, guards, start-up and shutdown."""
    check_no_stray_pages()
    runtime.install(settings)
    stale_reruns.install()  # else a poll from the page just left can blank the new one
    # `streamlit run app.py` finds the ASGI app by reading this file: an `app = st.App(...)`
    # assignment, and a module-level `app` to import.
    # StaticAssets is outermost: Streamlit's scripts answered from memory, before any guard (all
    # of them let /static/ through) or Streamlit's own middleware. StoreGuard comes next: a data
    # store that cannot be used answers a plain 503 everywhere else. BackendBaseUrl is
    # innermost: it edits only the page the guards let through. The API (/api/v1, issue 17)
    # sits beside the login routes and checks its own bearer tokens: the guards let it through.
    app = st.App(
        ROUTER,
        routes=ROUTES + API_ROUTES,
        middleware=[
            Middleware(StaticAssets),
            Middleware(StoreGuard),
            Middleware(WebsocketOrigin),
            Middleware(LoginGuard),
            Middleware(BackendBaseUrl),
        ],
        lifespan=lifespan,
    )
    return app


app = create_app(Settings.from_env())
