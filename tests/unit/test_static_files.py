"""Streamlit's /static/ files are answered from memory, gzipped and cacheable; nothing else is."""

from __future__ import annotations

import asyncio
import gzip
from dataclasses import dataclass
from pathlib import Path

import pytest
from streamlit import config

from pages.web.static_files import StaticAssets, accepts_gzip

SCRIPT = b"export const a = 1;\n" * 400  # 8 KB of text: worth compressing


async def _fallthrough(scope, receive, send) -> None:
    """Streamlit, as far as these tests care: a 404 that names the path it was asked."""
    body = f"streamlit: {scope['path']}".encode()
    await send({"type": "http.response.start", "status": 404, "headers": []})
    await send({"type": "http.response.body", "body": body})


@dataclass
class Answer:
    status_code: int
    headers: dict[str, str]
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode()


@dataclass
class Client:
    """Sends one HTTP request through the ASGI app and collects its answer."""

    app: StaticAssets

    def request(self, method: str, path: str, headers: dict[str, str] | None = None) -> Answer:
        scope = {
            "type": "http",
            "method": method,
            "path": path,
            "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        }
        sent: list[dict] = []

        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict) -> None:
            sent.append(message)

        asyncio.run(self.app(scope, receive, send))
        head = {k.decode(): v.decode() for k, v in sent[0].get("headers", [])}
        body = b"".join(m.get("body", b"") for m in sent[1:])
        return Answer(sent[0]["status"], head, body)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Answer:
        return self.request("GET", path, headers)

    def head(self, path: str, headers: dict[str, str] | None = None) -> Answer:
        return self.request("HEAD", path, headers)

    def post(self, path: str) -> Answer:
        return self.request("POST", path)


@pytest.fixture()
def client(tmp_path: Path) -> Client:
    static = tmp_path / "static"
    (static / "static" / "js").mkdir(parents=True)
    (static / "static" / "js" / "index.B26sTgbu.js").write_bytes(SCRIPT)
    (static / "static" / "js" / "tiny.js").write_bytes(b"x")
    (static / "index.html").write_text("<html></html>")
    (tmp_path / "secret.txt").write_text("not for the web")
    return Client(StaticAssets(_fallthrough, static_dir=str(static)))


def test_a_hashed_script_is_sent_gzipped_with_a_year_of_immutable_caching(client) -> None:
    r = client.get("/static/js/index.B26sTgbu.js", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["content-encoding"] == "gzip"
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["vary"] == "Accept-Encoding"
    assert gzip.decompress(r.content) == SCRIPT
    assert int(r.headers["content-length"]) == len(r.content) < len(SCRIPT) / 10


def test_a_browser_without_gzip_gets_the_plain_bytes_under_another_etag(client) -> None:
    plain = client.get("/static/js/index.B26sTgbu.js", headers={"Accept-Encoding": "identity"})
    packed = client.get("/static/js/index.B26sTgbu.js", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert plain.content == SCRIPT
    assert plain.headers["content-length"] == str(len(SCRIPT))
    assert plain.headers["etag"] != packed.headers["etag"]


def test_a_known_etag_is_answered_304_without_a_body(client) -> None:
    url, enc = "/static/js/index.B26sTgbu.js", {"Accept-Encoding": "gzip"}
    etag = client.get(url, headers=enc).headers["etag"]
    again = client.get(url, headers={**enc, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert client.get(url, headers={**enc, "If-None-Match": '"other"'}).status_code == 200


def test_an_unhashed_name_must_be_revalidated_and_a_tiny_file_is_not_compressed(client) -> None:
    r = client.get("/static/js/tiny.js", headers={"Accept-Encoding": "gzip"})
    assert r.headers["cache-control"] == "no-cache"
    assert "content-encoding" not in r.headers
    assert r.content == b"x"


@pytest.mark.parametrize(
    "path",
    [
        "/static/js/../../../secret.txt",
        "/static/js/./index.B26sTgbu.js",
        "/static/../secret.txt",
        "/static//js/index.B26sTgbu.js",
        "/static/js/missing.js",
        "/index.html",
        "/batch-unlock",
    ],
)
def test_no_other_path_is_answered_here(client, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert r.text.startswith("streamlit: ")
    assert "not for the web" not in r.text


def test_a_post_or_a_range_request_goes_on_to_streamlit(client) -> None:
    assert client.post("/static/js/index.B26sTgbu.js").text.startswith("streamlit: ")
    ranged = client.get("/static/js/index.B26sTgbu.js", headers={"Range": "bytes=0-9"})
    assert ranged.text.startswith("streamlit: ")


def test_head_sends_the_headers_without_the_body(client) -> None:
    r = client.head("/static/js/index.B26sTgbu.js", headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200
    assert r.headers["content-length"] == str(len(SCRIPT))
    assert r.content == b""


def test_every_file_of_the_installed_streamlit_is_listed_and_its_page_is_not() -> None:
    assets = StaticAssets(_fallthrough)
    assert any(k.startswith("/static/js/index.") for k in assets.files)
    assert all(k.startswith("/static/") for k in assets.files)
    assert "/index.html" not in assets.files


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        (b"gzip, deflate, br, zstd", True),
        (b"br;q=1.0, gzip;q=0.5", True),
        (b"gzip;q=0", False),
        (b"identity", False),
        (b"*", True),
        (b"", False),
    ],
)
def test_accept_encoding_is_read_with_its_weights(header: bytes, accepted: bool) -> None:
    assert accepts_gzip(header) is accepted


def test_under_a_base_url_only_its_static_paths_are_answered(client, monkeypatch) -> None:
    real = config.get_option
    monkeypatch.setattr(
        config, "get_option", lambda k: "/tools/" if k == "server.baseUrlPath" else real(k)
    )
    assert client.get("/tools/static/js/tiny.js").content == b"x"
    assert client.get("/static/js/tiny.js").text.startswith("streamlit: ")
