"""Batch Unlock: `streamlit run app.py`.

Served by Streamlit's ASGI server, this module builds the web app (login routes, the guard that
sends visitors to the login form, and start-up/shutdown of the data file and publisher); run as a
Streamlit script, it is the router that every page load goes through.
"""

import streamlit as st

if __name__ == "__main__":
    from pages.ui.shell import main

    main()
else:
    from starlette.middleware import Middleware
    from streamlit.runtime.pages_manager import PagesManager

    from pages.web.auth import ROUTES
    from pages.web.base_url import BackendBaseUrl
    from pages.web.guard import LoginGuard, WebsocketOrigin
    from pages.web.lifespan import lifespan
    from pages.web.store_guard import StoreGuard

    # pages/ is our package, not a folder of old-style pages: never let Streamlit run its files
    # as pages (that would skip the router's login and role checks). See pages/__init__.py.
    PagesManager.uses_pages_directory = False
    # StoreGuard is outermost: a data store that cannot be used answers a plain 503 everywhere.
    # BackendBaseUrl is innermost: it edits only the page the guards let through.
    app = st.App(
        __file__,
        routes=ROUTES,
        middleware=[
            Middleware(StoreGuard),
            Middleware(WebsocketOrigin),
            Middleware(LoginGuard),
            Middleware(BackendBaseUrl),
        ],
        lifespan=lifespan,
    )
