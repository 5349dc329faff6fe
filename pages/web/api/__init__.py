"""The HTTP API under /api/v1 (issue 17): `API_ROUTES`, added beside the login routes in app.py.

Reads are in read_routes.py, writes in write_routes.py, both declared as `Endpoint`s on the
frame (framework.py); the OpenAPI document (openapi.py) and its reference page (reference.py)
are written from the same declarations.
"""

from __future__ import annotations

from starlette.routing import Mount, Route

from pages.web.api import openapi, reference
from pages.web.api.framework import PREFIX, Endpoint, NotFoundEndpoint, routes
from pages.web.api.read_routes import READ_ENDPOINTS
from pages.web.api.write_routes import WRITE_ENDPOINTS

_document = openapi.cached(lambda: ENDPOINTS)
ENDPOINTS: list[Endpoint] = [
    *READ_ENDPOINTS,
    *WRITE_ENDPOINTS,
    openapi.endpoint(_document),
    reference.endpoint(_document),
]
# /api/v1 itself (no slash: the Mount matches only below it) answers as /api/v1/ does.
API_ROUTES = [Route(PREFIX, NotFoundEndpoint()), Mount(PREFIX, routes=routes(ENDPOINTS))]


def document() -> dict:
    """The API's OpenAPI document."""
    return _document()
