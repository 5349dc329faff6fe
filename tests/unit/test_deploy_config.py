"""deploy/nginx.conf: nginx accepts it, and it does what several Streamlit replicas need.

The structural tests read the file with a small parser and always run. With nginx on PATH,
`nginx -t` checks it, and a live nginx in front of two stand-in replicas shows the stickiness,
the forwarded headers, the websocket upgrade, the upload limit and gzip at work.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from core import config
from core.access import sessions
from core.upload import limits

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "nginx.conf"
STREAMLIT_CONFIG = ROOT / ".streamlit" / "config.toml"
ROUTE_COOKIE = "batch_unlock_route"
# Streamlit's server pings an open websocket this often (server.websocketPingInterval default).
STREAMLIT_PING_SECONDS = 30
# Streamlit lets an upload's multipart framing add this much to server.maxUploadSize.
MULTIPART_OVERHEAD = 1024 * 1024
NGINX = shutil.which("nginx")
needs_nginx = pytest.mark.skipif(NGINX is None, reason="nginx is not installed")


@dataclass
class Directive:
    """One nginx directive: its name, its arguments and, for a block, what it holds."""

    name: str
    args: list[str]
    block: list[Directive] | None = None
    parent: Directive | None = field(default=None, repr=False)

    def all(self, name: str) -> list[Directive]:
        """The directives of this block with this name."""
        return [d for d in self.block or [] if d.name == name]

    def one(self, name: str) -> Directive:
        """The single directive of this block with this name."""
        found = self.all(name)
        assert len(found) == 1, f"{self.name} {self.args} holds {len(found)} {name!r}"
        return found[0]


TOKEN = re.compile(
    r"""\s+|#[^\n]*|"((?:\\.|[^"\\])*)"|'((?:\\.|[^'\\])*)'|([{};])|([^\s{};"'#]+)"""
)


def tokens(text: str) -> Iterator[str]:
    """Split nginx syntax into words, quoted strings (unquoted) and `{`, `}`, `;`."""
    pos = 0
    while pos < len(text):
        match = TOKEN.match(text, pos)
        assert match, f"cannot read {text[pos : pos + 30]!r}"
        pos = match.end()
        double, single, punct, word = match.groups()
        if double is not None or single is not None:
            yield "\0" + (double if double is not None else single)  # marked: never punctuation
        elif punct or word:
            yield punct or word


def parse(text: str) -> Directive:
    """Parse a whole configuration into a tree under a `main` block; unbalanced braces fail."""
    main = Directive("main", [], [])
    stack = [main]
    words: list[str] = []
    for token in tokens(text):
        if token in ("{", ";"):
            assert words, f"{token!r} without a directive name"
            names = [w.removeprefix("\0") for w in words]
            directive = Directive(names[0], names[1:], [] if token == "{" else None, stack[-1])
            stack[-1].block.append(directive)
            if token == "{":
                stack.append(directive)
            words = []
        elif token == "}":
            assert not words, f"{words} is not ended by ';'"
            assert len(stack) > 1, "'}' closes no block"
            stack.pop()
        else:
            words.append(token)
    assert not words, f"{words} is not ended by ';'"
    assert len(stack) == 1, f"{len(stack) - 1} block(s) never closed"
    return main


def size_bytes(text: str) -> int:
    """An nginx size ("11m", "512k", "1048576") in bytes."""
    units = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
    match = re.fullmatch(r"(\d+)([kmg]?)", text.lower())
    assert match, f"not an nginx size: {text!r}"
    return int(match.group(1)) * units[match.group(2)]


def seconds(text: str) -> float:
    """An nginx time ("1h", "120s", "75") in seconds."""
    units = {"ms": 0.001, "": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
    parts = re.findall(r"(\d+)(ms|s|m|h|d|)", text)
    assert parts and "".join(n + u for n, u in parts) == text, f"not an nginx time: {text!r}"
    return sum(int(number) * units[unit] for number, unit in parts)


@pytest.fixture(scope="module")
def conf() -> Directive:
    """The parsed deploy/nginx.conf."""
    return parse(CONFIG.read_text())


def http_block(conf: Directive) -> Directive:
    """The `http` block."""
    return conf.one("http")


def server_block(conf: Directive) -> Directive:
    """The one `server` block."""
    return http_block(conf).one("server")


def location(conf: Directive, *args: str) -> Directive:
    """The server's location with exactly these arguments (`"=", "/_stcore/stream"`)."""
    found = [d for d in server_block(conf).all("location") if d.args == list(args)]
    assert len(found) == 1, f"no single location {' '.join(args)}"
    return found[0]


def effective(block: Directive, name: str) -> list[Directive]:
    """The `name` directives that apply in this block: its own, else its nearest parent's.

    This is how nginx inherits array directives such as proxy_set_header and add_header: a
    level that sets one of them inherits none from above.
    """
    level: Directive | None = block
    while level is not None:
        found = level.all(name)
        if found:
            return found
        level = level.parent
    return []


def proxy_headers(block: Directive) -> dict[str, str]:
    """The request headers nginx sets towards the replica in this block (lower-case names)."""
    return {d.args[0].lower(): d.args[1] for d in effective(block, "proxy_set_header")}


def maps(conf: Directive) -> dict[str, tuple[str, dict[str, str]]]:
    """Each variable a `map` defines: (its source, {pattern: value})."""
    return {
        d.args[1]: (d.args[0], {m.name: m.args[0] for m in d.block})
        for d in http_block(conf).all("map")
    }


def proxied_locations(conf: Directive) -> list[Directive]:
    """Every location that passes requests to the replicas."""
    return [d for d in server_block(conf).all("location") if d.all("proxy_pass")]


def test_the_file_parses_with_balanced_braces(conf: Directive) -> None:
    """The configuration is well formed: every block closed, every directive ended."""
    assert [d.name for d in conf.block if d.block is not None] == ["events", "http"]
    with pytest.raises(AssertionError, match="never closed"):
        parse("http { server { listen 80; }")
    with pytest.raises(AssertionError, match="closes no block"):
        parse("http { } }")


def upstreams(conf: Directive) -> dict[str, Directive]:
    """The upstream blocks by name."""
    return {d.args[0]: d for d in http_block(conf).all("upstream")}


def servers(upstream: Directive, backup: bool = False) -> list[str]:
    """The addresses of an upstream's primary servers (or of its backup servers)."""
    return [d.args[0] for d in upstream.all("server") if ("backup" in d.args[1:]) == backup]


def test_each_browser_goes_to_the_replica_of_its_websocket(conf: Directive) -> None:
    """A route cookie learnt from the websocket picks a replica; without it, the least busy."""
    pools = upstreams(conf)
    replicas = servers(pools["batch_unlock"])
    assert len(replicas) >= 2 and not servers(pools["batch_unlock"], backup=True)
    names = [d.name for d in pools["batch_unlock"].block]
    assert "least_conn" in names and names.index("least_conn") < names.index("keepalive")
    assert "zone" in names  # the connection counts are shared between nginx's workers
    defined = maps(conf)
    source, routes = defined["$route_upstream"]
    assert source == f"$cookie_{ROUTE_COOKIE}" and routes.pop("default") == "batch_unlock"
    learned_source, learned = defined["$route_learned"]
    assert learned_source == "$status $upstream_addr" and learned.pop("default") == ""
    assert sorted(learned.values()) == sorted(routes)
    for route, pool in routes.items():
        # Its own replica first, every other one as its backup.
        (own,) = servers(pools[pool])
        assert sorted(servers(pools[pool], backup=True)) == sorted(set(replicas) - {own})
        # The cookie names this route when its replica took the websocket (101), after
        # failed tries of others or not; never for another status or another replica.
        (pattern,) = [key for key, value in learned.items() if value == route]
        regex = re.compile(pattern.removeprefix("~"))
        other = next(r for r in replicas if r != own)
        assert regex.search(f"101 {own}") and regex.search(f"101 {other}, {own}")
        assert not regex.search(f"502 {own}") and not regex.search(f"101 {own}, {other}")
    assert sorted(servers(pools[pool])[0] for pool in routes.values()) == sorted(replicas)
    # Every request goes by the route.
    for block in proxied_locations(conf):
        assert block.one("proxy_pass").args == ["http://$route_upstream"], block.args
    # The cookie is set by the websocket's answer only (101s included), and only when learnt.
    stream = location(conf, "=", "/_stcore/stream")
    assert stream.one("add_header").args == ["Set-Cookie", "$set_route_cookie", "always"]
    others = [d for d in server_block(conf).all("location") if d is not stream]
    assert not server_block(conf).all("add_header") and all(not d.all("add_header") for d in others)
    setter_source, setter = defined["$set_route_cookie"]
    assert setter_source == "$route_learned" and setter[""] == ""
    lifetime = int(sessions.SESSION_LIFETIME.total_seconds())  # as long as a login
    assert setter["default"].startswith(
        f"{ROUTE_COOKIE}=$route_learned; Path=/; Max-Age={lifetime}; HttpOnly; SameSite=Lax"
    )


def test_the_websocket_is_upgraded_and_kept_open(conf: Directive) -> None:
    """/_stcore/stream passes Upgrade/Connection over HTTP/1.1 and outlives the replica's pings."""
    stream = location(conf, "=", "/_stcore/stream")
    headers = proxy_headers(stream)
    assert headers["upgrade"] == "$http_upgrade"
    connection = headers["connection"]
    source, values = maps(conf)[connection]
    assert source == "$http_upgrade" and values["default"] == "upgrade"
    assert effective(stream, "proxy_http_version")[0].args == ["1.1"]
    for name in ("proxy_read_timeout", "proxy_send_timeout"):
        assert seconds(effective(stream, name)[0].args[0]) > 2 * STREAMLIT_PING_SECONDS


def test_every_proxied_location_forwards_host_address_and_scheme(conf: Directive) -> None:
    """Each location that reaches a replica sets Host (with its port) and X-Forwarded-*."""
    locations = proxied_locations(conf)
    assert len(locations) >= 3
    for block in locations:
        headers = proxy_headers(block)
        assert headers.get("host") == "$http_host", block.args
        assert headers.get("x-forwarded-host") == "$http_host", block.args
        assert headers.get("x-forwarded-for") == "$proxy_add_x_forwarded_for", block.args
        assert headers.get("x-forwarded-proto") == "$scheme", block.args


def test_the_upload_limit_fits_the_apps(conf: Directive) -> None:
    """Uploads may be as big as the app allows (plus framing), and no bigger than that needs."""
    upload = location(conf, "/_stcore/upload_file/")
    limit = size_bytes(effective(upload, "client_max_body_size")[0].args[0])
    app_limit_mb = tomllib.loads(STREAMLIT_CONFIG.read_text())["server"]["maxUploadSize"]
    assert app_limit_mb * 1024 * 1024 == limits.MAX_FILE_BYTES
    assert limit >= limits.MAX_FILE_BYTES + MULTIPART_OVERHEAD
    assert limit <= limits.MAX_FILE_BYTES + 2 * MULTIPART_OVERHEAD  # 0 would mean unlimited
    # Everything else keeps a small limit.
    assert size_bytes(server_block(conf).one("client_max_body_size").args[0]) <= 1024**2


def test_javascript_and_css_are_gzipped(conf: Directive) -> None:
    """Streamlit sends its bundles uncompressed: nginx compresses them, even for proxies."""
    http = http_block(conf)
    assert http.one("gzip").args == ["on"]
    assert http.one("gzip_static").args == ["off"]
    assert http.one("gzip_proxied").args == ["any"]
    assert {"application/javascript", "text/css"} <= set(http.one("gzip_types").args)


def test_the_health_check_reaches_a_replica(conf: Directive) -> None:
    """/_stcore/health is passed to a replica (the app leaves it open without login)."""
    health = location(conf, "=", "/_stcore/health")
    assert health.one("proxy_pass").args == ["http://$route_upstream"]


def test_every_file_nginx_writes_is_under_its_prefix(conf: Directive) -> None:
    """Relative paths only: `nginx -p DIR` runs and tests it without root or /var."""
    http = http_block(conf)
    paths = [conf.one("pid").args[0], conf.one("error_log").args[0]]
    paths += [http.one("access_log").args[0], http.one("proxy_cache_path").args[0]]
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        paths.append(http.one(f"{name}_temp_path").args[0])
    assert not conf.all("include") and not http.all("include")
    assert all(not path.startswith("/") for path in paths), paths


def unit_settings(name: str) -> dict[str, list[str]]:
    """A systemd unit of deploy/ as {key: [values]} (continued lines joined)."""
    text = (ROOT / "deploy" / name).read_text().replace("\\\n", " ")
    settings: dict[str, list[str]] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            settings.setdefault(key.strip(), []).append(" ".join(value.split()))
    return settings


def test_the_systemd_units_run_replicas_without_publishing_and_workers_apart() -> None:
    """App replicas on loopback ports with the publisher off; the worker is `core worker`."""
    app = unit_settings("batch-unlock-app@.service")
    assert app["Environment"] == [f"{config.WORKER_ENV}=0"]
    (start,) = app["ExecStart"]
    assert start.endswith(
        "streamlit run app.py --server.headless true --server.address 127.0.0.1 --server.port %i"
    )
    worker = unit_settings("batch-unlock-worker.service")
    (start,) = worker["ExecStart"]
    assert start.endswith("python -m core worker")
    for unit in (app, worker):
        assert unit["EnvironmentFile"] == ["/etc/batch-unlock/env"]
        assert unit["Restart"] == ["on-failure"]


@needs_nginx
def test_nginx_accepts_the_file(tmp_path: Path) -> None:
    """`nginx -t` passes, writing only into a temporary prefix."""
    result = subprocess.run(
        [NGINX, "-t", "-c", str(CONFIG), "-p", f"{tmp_path}/", "-e", str(tmp_path / "start.log")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


# --- A live nginx in front of two stand-in replicas -------------------------------------------


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Echo(BaseHTTPRequestHandler):
    """A stand-in replica: answers every request with its name and the headers it got.

    A websocket handshake gets a 101, then that answer, then the connection is closed.
    Answers are HTTP/1.0 (no keep-alive), so a stopped replica answers nothing at all.
    """

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body_size = len(self.rfile.read(length)) if length else 0
        info = {
            "replica": self.server.name,  # type: ignore[attr-defined]
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body_size,
        }
        if self.headers.get("upgrade"):
            self.wfile.write(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\n\r\n" + json.dumps(info).encode()
            )
            self.close_connection = True
            return
        if self.path.startswith("/static/"):
            body, kind = b"var streamlit = 1;\n" * 500, "application/javascript"
        else:
            body, kind = json.dumps(info).encode(), "application/json"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = _answer

    def log_message(self, *args: object) -> None:
        """Quiet."""


def start_replica(name: str, port: int = 0) -> ThreadingHTTPServer:
    """A stand-in replica called `name`, serving on a thread of its own."""
    server = ThreadingHTTPServer(("127.0.0.1", port), Echo)
    server.name = name  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


def stop_replica(server: ThreadingHTTPServer) -> None:
    """Stop a stand-in replica: nothing listens on its port any more."""
    server.shutdown()
    server.server_close()


@dataclass
class Proxy:
    """A running nginx (with deploy/nginx.conf) on `port`, and its stand-in replicas a and b."""

    port: int
    replicas: dict[str, ThreadingHTTPServer]

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> tuple[int, dict[str, str], bytes]:
        """One request through nginx: (status, headers with lower-case names, body)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body or None, headers=headers or {})
            response = connection.getresponse()
            answer = {k.lower(): v for k, v in response.getheaders()}
            return response.status, answer, response.read()
        finally:
            connection.close()

    def echo(self, path: str = "/", route: str | None = None, **headers: str) -> dict:
        """What the replica saw of a GET through nginx (with this route cookie)."""
        if route:
            headers["Cookie"] = f"{ROUTE_COOKIE}={route}"
        status, _, body = self.request("GET", path, headers)
        assert status == 200, body
        return json.loads(body)

    def websocket(self, route: str | None = None) -> tuple[str, dict[str, str], dict]:
        """Open /_stcore/stream through nginx: (status line, headers, what the replica saw)."""
        lines = [
            "GET /_stcore/stream HTTP/1.1",
            f"Host: 127.0.0.1:{self.port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Version: 13",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        ]
        if route:
            lines.append(f"Cookie: {ROUTE_COOKIE}={route}")
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            received = b""
            while chunk := sock.recv(65536):
                received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        status, *fields = head.decode().split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (f.partition(":") for f in fields)}
        return status, headers, json.loads(body)


def nginx_logs(prefix: Path) -> str:
    """What nginx wrote while starting and running (for a failure's message)."""
    logs = [prefix / "start.log", prefix / "error.log"]
    return "\n".join(log.read_text() for log in logs if log.exists())


@pytest.fixture
def proxy(tmp_path: Path) -> Iterator[Proxy]:
    """nginx from deploy/nginx.conf, with its listen port and replicas moved to free ports."""
    replicas = {name: start_replica(name) for name in ("a", "b")}
    text = CONFIG.read_text()
    # The example's replica a is port 8501, b 8502 (in the upstreams and the route map).
    for name, example in (("a", "8501"), ("b", "8502")):
        assert text.count(f"127.0.0.1:{example}") >= 3
        assert text.count(f"127\\.0\\.0\\.1:{example}") == 1
        text = text.replace(example, str(replicas[name].server_address[1]))
    port = free_port()
    text, listens = re.subn(r"listen 8080;", f"listen 127.0.0.1:{port};", text)
    text, workers = re.subn(r"worker_processes auto;", "worker_processes 1;", text)
    assert (listens, workers) == (1, 1)
    config = tmp_path / "nginx.conf"
    config.write_text(text)
    # Started as root, nginx's workers would run as `nobody`, who cannot enter pytest's temp dir.
    options = "daemon off;" + (" user root;" if os.geteuid() == 0 else "")
    command = [NGINX, "-c", str(config), "-p", f"{tmp_path}/", "-e", str(tmp_path / "start.log")]
    process = subprocess.Popen([*command, "-g", options])
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, nginx_logs(tmp_path)
                assert time.monotonic() < deadline, "nginx did not start listening"
                time.sleep(0.05)
        yield Proxy(port, replicas)
    finally:
        process.send_signal(signal.SIGTERM)  # fast shutdown: nothing here needs a drain
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for server in replicas.values():
            stop_replica(server)


COOKIE_SET = re.compile(rf"{ROUTE_COOKIE}=([ab]); Path=/; Max-Age=43200; HttpOnly; SameSite=Lax")


@needs_nginx
@pytest.mark.slow
def test_a_live_nginx_keeps_each_browser_on_the_replica_of_its_websocket(proxy: Proxy) -> None:
    """The websocket's replica is learnt in a cookie, and followed, also after a failover."""
    status, headers, _ = proxy.request("GET", "/login")
    assert status == 200 and "set-cookie" not in headers  # only a websocket sets it
    status, headers, seen = proxy.websocket()
    assert status == "HTTP/1.1 101 Switching Protocols"
    cookie = COOKIE_SET.fullmatch(headers["set-cookie"])
    assert cookie, headers["set-cookie"]
    route = cookie.group(1)
    assert seen["replica"] == route
    # With the cookie, the page's requests (uploads, media) all reach that replica.
    for _ in range(5):
        assert proxy.echo("/media/x.csv", route)["replica"] == route
        status, _, body = proxy.request(
            "PUT", "/_stcore/upload_file/s/f", {"Cookie": f"{ROUTE_COOKIE}={route}"}, b"1;;"
        )
        assert json.loads(body)["replica"] == route
    other = "b" if route == "a" else "a"
    assert proxy.echo("/", other)["replica"] == other
    # New pages spread over both; a cookie naming no replica counts as none.
    assert {proxy.websocket()[2]["replica"] for _ in range(6)} == {"a", "b"}
    assert proxy.echo("/", "zz")["replica"] in {"a", "b"}
    # The replica stops: its browsers reach the other one, and their new websocket moves the
    # cookie there.
    port = proxy.replicas[route].server_address[1]
    stop_replica(proxy.replicas[route])
    assert proxy.echo("/", route)["replica"] == other
    status, headers, seen = proxy.websocket(route)
    assert seen["replica"] == other
    assert COOKIE_SET.fullmatch(headers["set-cookie"]).group(1) == other
    # It comes back: pages that moved keep reaching the replica that holds their websocket.
    proxy.replicas[route] = start_replica(route, port)
    assert {proxy.echo("/", other)["replica"] for _ in range(5)} == {other}


@needs_nginx
@pytest.mark.slow
def test_a_live_nginx_forwards_upgrades_limits_and_compresses(proxy: Proxy) -> None:
    """Headers reach the replica; the websocket is upgraded; uploads are capped; JS is gzipped."""
    seen = proxy.echo("/", None, **{"X-Forwarded-For": "203.0.113.9"})["headers"]
    assert seen["host"] == f"127.0.0.1:{proxy.port}" == seen["x-forwarded-host"]
    assert seen["x-forwarded-for"] == "203.0.113.9, 127.0.0.1"  # the client's entry kept left
    assert seen["x-forwarded-proto"] == "http"
    assert "upgrade" not in seen and "connection" not in seen  # kept alive, not upgraded
    _, _, replica = proxy.websocket()
    seen = replica["headers"]
    assert (seen["upgrade"], seen["connection"]) == ("websocket", "upgrade")
    assert seen["host"] == f"127.0.0.1:{proxy.port}" and seen["x-forwarded-proto"] == "http"
    # The largest upload the app takes goes through; a bigger body is refused by nginx.
    largest = b"x" * (limits.MAX_FILE_BYTES + MULTIPART_OVERHEAD)
    status, _, body = proxy.request("PUT", "/_stcore/upload_file/s/f", body=largest)
    assert status == 200 and json.loads(body)["body"] == len(largest)
    status, _, _ = proxy.request("PUT", "/_stcore/upload_file/s/f", body=largest + b"x" * 2**20)
    assert status == 413
    status, _, _ = proxy.request("POST", "/login", body=b"x" * 2 * 1024**2)
    assert status == 413
    # Streamlit's bundles leave nginx gzipped.
    status, headers, body = proxy.request("GET", "/static/js/index.js", {"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("content-encoding") == "gzip"
    assert gzip.decompress(body).startswith(b"var streamlit")
