"""Serve Streamlit's own scripts, styles and fonts (/static/…) from memory, gzipped, cacheable.

A fresh browser fetches ~156 of these files (3 MB) to draw its first page. Streamlit serves them
through every HTTP middleware (ours included: two of them are BaseHTTPMiddleware) and reads
each from disk in a thread, uncompressed: measured on this 2-core machine, ~85% of the server's
busy time during a fresh login went there, and the page waited ~1 s for them
(bench/README.md, issue 13). This middleware, outermost, answers those requests itself: the
bytes of each file read once, gzipped once when the browser accepts it, with a strong ETag
(304 on revalidation) and the long-lived `immutable` caching Streamlit gives hashed names.

Only the files found under Streamlit's static folder when the app starts are served, looked up
by exact name, so no request can reach another file; anything else (other paths, methods,
Range requests) goes on to Streamlit unchanged. No Streamlit code is patched.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import anyio.to_thread
from starlette.types import ASGIApp, Receive, Scope, Send
from streamlit import config, file_util

IMMUTABLE = b"public, max-age=31536000, immutable"
REVALIDATE = b"no-cache"
# Vite's content hash in a name (`index.B26sTgbu.js`, `KaTeX_Main-Bold.Cx986IdX.woff2`): the
# bytes behind such a name never change, so the browser may keep them a year unasked.
HASHED = re.compile(r"\.[A-Za-z0-9_-]{8}\.[a-z0-9]+$")
# Compressed only where it pays: text. Fonts (woff2) and images are compressed already.
TEXT_SUFFIXES = (".js", ".mjs", ".css", ".json", ".svg", ".map", ".txt", ".html")
MIN_GZIP_BYTES = 1024
TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".woff2": "font/woff2"}


@dataclass(frozen=True)
class Asset:
    """One file's answer: its bytes (and gzipped bytes, if smaller), type, tags, caching."""

    body: bytes
    gzipped: bytes | None
    content_type: bytes
    etag: bytes
    cache_control: bytes


def _content_type(name: str) -> bytes:
    """The Content-Type of a file by its suffix (JavaScript as text/javascript, for modules)."""
    suffix = os.path.splitext(name)[1].lower()
    kind = TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in ("application/json", "image/svg+xml"):
        kind += "; charset=utf-8"
    return kind.encode()


def load_asset(path: Path) -> Asset:
    """Read a file once and prepare its answer (gzipped once per file and process)."""
    body = path.read_bytes()
    digest = hashlib.sha256(body).hexdigest()[:32]
    gzipped = None
    if path.name.endswith(TEXT_SUFFIXES) and len(body) >= MIN_GZIP_BYTES:
        packed = gzip.compress(body, compresslevel=6, mtime=0)
        if len(packed) < 0.9 * len(body):
            gzipped = packed
    return Asset(
        body=body,
        gzipped=gzipped,
        content_type=_content_type(path.name),
        etag=f'"{digest}"'.encode(),
        cache_control=IMMUTABLE if HASHED.search(path.name) else REVALIDATE,
    )


def list_assets(static_dir: Path) -> dict[str, Path]:
    """Every regular file under static_dir/static, by the URL path below the base URL."""
    root = static_dir / "static"
    found: dict[str, Path] = {}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            if path.is_file():
                found["/" + path.relative_to(static_dir).as_posix()] = path
    return found


def accepts_gzip(header: bytes) -> bool:
    """Whether an Accept-Encoding value allows gzip (`gzip` or `*` with a q above zero)."""
    for part in header.decode("latin-1").lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() not in ("gzip", "*"):
            continue
        q = params.strip()
        if q.startswith("q="):
            try:
                return float(q[2:]) > 0
            except ValueError:
                return False
        return True
    return False


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    """Whether If-None-Match names this ETag (weak comparison, as RFC 9110 asks for GET)."""
    tags = [t.strip().removeprefix(b"W/") for t in if_none_match.split(b",")]
    return b"*" in tags or etag in tags


class StaticAssets:
    """ASGI middleware: answer GET/HEAD for Streamlit's /static/ files from memory."""

    def __init__(self, app: ASGIApp, static_dir: str | None = None) -> None:
        self.app = app
        self.static_dir = Path(static_dir or file_util.get_static_dir())
        self.files = list_assets(self.static_dir) if self.static_dir.is_dir() else {}
        self.loaded: dict[str, Asset] = {}
        self._lock = threading.Lock()

    def _asset(self, key: str) -> Asset:
        """The prepared answer for a listed file, read and compressed on its first request."""
        with self._lock:
            asset = self.loaded.get(key)
        if asset is None:
            asset = load_asset(self.files[key])
            with self._lock:
                self.loaded.setdefault(key, asset)
        return asset

    def _key(self, scope: Scope) -> str | None:
        """The listed file a request names, or None (then Streamlit answers it)."""
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return None
        path: str = scope["path"]
        base = "/" + (config.get_option("server.baseUrlPath") or "").strip("/")
        if base != "/":
            if not path.startswith(base + "/"):
                return None
            path = path[len(base) :]
        if path not in self.files:
            return None
        headers = scope["headers"]
        if any(k.lower() == b"range" for k, _v in headers):
            return None  # partial content: Streamlit's own file response handles it
        return path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a listed file; pass everything else on."""
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        asset = self.loaded.get(key)
        if asset is None:  # first request for this file in this process: read it off the loop
            asset = await anyio.to_thread.run_sync(self._asset, key)
        request = {k.lower(): v for k, v in scope["headers"]}
        use_gzip = asset.gzipped is not None and accepts_gzip(request.get(b"accept-encoding", b""))
        body = asset.gzipped if use_gzip and asset.gzipped is not None else asset.body
        # A strong ETag names one representation: the gzipped bytes have their own.
        etag = asset.etag[:-1] + b'-gz"' if use_gzip else asset.etag
        headers = [
            (b"content-type", asset.content_type),
            (b"cache-control", asset.cache_control),
            (b"etag", etag),
        ]
        if asset.gzipped is not None:
            headers.append((b"vary", b"Accept-Encoding"))
        if _matches(request.get(b"if-none-match", b""), etag):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        if use_gzip:
            headers.append((b"content-encoding", b"gzip"))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )
