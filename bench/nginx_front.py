"""A throwaway nginx in front of one app server, configured from deploy/nginx.conf (issue 13).

    with nginx_front(app_port=8501, tls=True) as url:   # https://127.0.0.1:<free port>, HTTP/2
        ...

The configuration is deploy/nginx.conf itself with only what a benchmark must change: both
replicas are the one app server, nginx listens on a free loopback port (plain HTTP, or TLS with
HTTP/2 and a self-signed certificate made for 127.0.0.1), runs in the foreground and keeps
every file in a temporary prefix. It is stopped (and its files removed) when the block ends,
also on an error. `spki_hash(cert)` gives what Chromium's `--ignore-certificate-errors-spki-list`
needs to trust that certificate as a valid one (a certificate error would also turn off
Chromium's HTTP cache, which the cached-login row measures).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_cert(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate and key for 127.0.0.1 (a day, RSA 2048) in folder."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def spki_hash(cert: Path) -> str:
    """base64(sha256(SubjectPublicKeyInfo)) of a PEM certificate, as Chromium's flag wants."""
    pub = subprocess.run(
        [OPENSSL, "x509", "-in", str(cert), "-pubkey", "-noout"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    der = subprocess.run(
        [OPENSSL, "pkey", "-pubin", "-outform", "der"], input=pub, check=True,
        capture_output=True,
    ).stdout  # fmt: skip
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def config_text(app_port: int, port: int, cert: tuple[Path, Path] | None) -> str:
    """deploy/nginx.conf with both replicas at app_port, listening on 127.0.0.1:port."""
    text = CONF.read_text()
    for replica in ("127.0.0.1:8501", "127.0.0.1:8502"):
        assert replica in text, f"{CONF} no longer names the replica {replica}"
        text = text.replace(replica, f"127.0.0.1:{app_port}")
    # The route map's patterns escape the dots: `127\.0\.0\.1:8501$`.
    text = text.replace(r"127\.0\.0\.1:8501$", rf"127\.0\.0\.1:{app_port}$")
    text = text.replace(r"127\.0\.0\.1:8502$", rf"127\.0\.0\.1:{app_port}$")
    assert "listen 8080;" in text, f"{CONF} no longer listens on 8080"
    if cert is None:
        listen = f"listen 127.0.0.1:{port};"
    else:  # nginx 1.22 (Debian 12): `http2` on the listen line, not `http2 on;`
        listen = (
            f"listen 127.0.0.1:{port} ssl http2;\n"
            f"        ssl_certificate {cert[0]};\n        ssl_certificate_key {cert[1]};"
        )
    text = text.replace("listen 8080;", listen, 1)
    if os.geteuid() == 0:  # the workers write the cache in our temporary prefix
        text = text.replace("# user www-data;", "user root;", 1)
    return text


@contextlib.contextmanager
def nginx_front(app_port: int, tls: bool = False) -> Iterator[tuple[str, Path | None]]:
    """Run nginx in front of the app at app_port; yield its URL and (with tls) its certificate."""
    with tempfile.TemporaryDirectory(prefix="bench_nginx_") as tmp_name:
        prefix = Path(tmp_name)
        cert = make_cert(prefix) if tls else None
        port = _free_port()
        conf = prefix / "nginx.conf"
        conf.write_text(config_text(app_port, port, cert))
        cmd = [NGINX, "-c", str(conf), "-p", f"{prefix}/", "-e", "stderr"]
        subprocess.run([*cmd, "-t", "-q"], check=True)
        log = (prefix / "stderr.log").open("w")
        proc = subprocess.Popen([*cmd, "-g", "daemon off;"], stdout=log, stderr=log)
        try:
            scheme = "https" if tls else "http"
            deadline = time.monotonic() + 10
            while True:
                with (
                    contextlib.suppress(OSError),
                    socket.create_connection(("127.0.0.1", port), timeout=1),
                ):
                    break
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"nginx did not start: {(prefix / 'stderr.log').read_text()}"
                    )
                time.sleep(0.1)
            yield f"{scheme}://127.0.0.1:{port}", cert[0] if cert else None
        finally:
            proc.terminate()  # SIGTERM: nginx's fast shutdown, its workers with it
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()
