"""Where a webhook may post (core.webhooks.targets): only to public addresses, so an admin's URL
cannot make the server post to itself, its network or a cloud's metadata service, unless the
server allows private targets ($BATCH_UNLOCK_WEBHOOKS_ALLOW_PRIVATE=1, read at each check). A
post connects to the very address it checked, and HTTPS still verifies the URL's host name.

The suite allows private targets (tests/conftest.py); these tests unset the switch first."""

from __future__ import annotations

import contextlib
import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from core.errors import InputError
from core.webhooks import delivery, registry, targets
from tests.support.webhook_receiver import Receiver, listening

REFUSED = [
    "127.0.0.1",
    "127.8.9.10",
    "10.0.0.5",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",  # a cloud's metadata service
    "100.64.0.1",  # shared (carrier-grade NAT)
    "0.0.0.0",  # noqa: S104 - an address refused, not one bound to
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "fec0::1",  # site-local
    "ff02::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.5",
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
]
PUBLIC = ["93.184.215.14", "8.8.8.8", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "::ffff:8.8.8.8"]

REFUSED_HINT = (
    "; give a public URL, or start the server with BATCH_UNLOCK_WEBHOOKS_ALLOW_PRIVATE=1 to "
    "post to internal receivers"
)
REFUSED_127 = f"refused: 127.0.0.1 resolves to a private or local address{REFUSED_HINT}"


@pytest.fixture
def switch_off(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The server as deployed by default: private targets refused."""
    monkeypatch.delenv(targets.ALLOW_PRIVATE_ENV, raising=False)
    return monkeypatch


Lookups = Callable[..., list[str]]


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> Lookups:
    """Answers for made-up names without a network: `fake_dns(name, [addresses], …)` makes each
    lookup of `name` take the next list of addresses (empty: no such name; the last repeats),
    and returns the log of lookups. Other names resolve as usual."""
    real = socket.getaddrinfo
    answers: dict[str, list[list[str]]] = {}
    asked: list[str] = []

    def getaddrinfo(host: object, port: object, *args: object, **kwargs: object) -> list:
        if host not in answers:
            return real(host, port, *args, **kwargs)  # type: ignore[arg-type]
        asked.append(str(host))
        queue = answers[str(host)]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        found = []
        for address in addresses:
            if ":" in address:
                found.append((socket.AF_INET6, (address, port or 0, 0, 0)))
            else:
                found.append((socket.AF_INET, (address, port or 0)))
        return [(f, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", addr) for f, addr in found]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    def answer(name: str, *lookups: list[str]) -> list[str]:
        answers[name] = list(lookups)
        return asked

    return answer


@pytest.mark.parametrize("text", REFUSED)
def test_loopback_private_link_local_and_other_local_addresses_are_not_public(text: str) -> None:
    assert not targets.is_public(ipaddress.ip_address(text))


@pytest.mark.parametrize("text", PUBLIC)
def test_a_public_address_passes_the_rule(text: str) -> None:
    assert targets.is_public(ipaddress.ip_address(text))


def test_the_switch_is_read_at_each_check_not_at_import(switch_off: pytest.MonkeyPatch) -> None:
    loopback = ipaddress.ip_address("127.0.0.1")
    assert not targets.allowed(loopback)
    switch_off.setenv(targets.ALLOW_PRIVATE_ENV, "1")
    assert targets.allowed(loopback)
    switch_off.setenv(targets.ALLOW_PRIVATE_ENV, "0")
    assert not targets.allowed(loopback)


def test_a_url_at_a_private_address_is_refused_saying_what_to_do(switch_off) -> None:
    with pytest.raises(InputError) as refused:
        registry.clean_url("https://10.0.0.5/hooks")
    assert str(refused.value) == (
        "“https://10.0.0.5/hooks” points at a private or local address (10.0.0.5); webhooks post "
        "only to public addresses. Give a public URL, or set BATCH_UNLOCK_WEBHOOKS_ALLOW_PRIVATE=1 "
        "on the server to allow internal receivers."
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://[::ffff:127.0.0.1]:8080/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/x",
        "http://[fd00::5]/x",
    ],
)
def test_a_mapped_metadata_or_ipv6_local_address_is_refused_too(switch_off, url: str) -> None:
    with pytest.raises(InputError, match="points at a private or local address"):
        registry.clean_url(url)


def test_a_public_address_or_name_is_taken(switch_off, fake_dns) -> None:
    fake_dns("hooks.example", ["93.184.215.14"])
    assert registry.clean_url("https://93.184.215.14/hooks") == "https://93.184.215.14/hooks"
    registry.check_target("https://hooks.example/hooks")


def test_a_name_resolving_to_a_private_address_is_refused(switch_off) -> None:
    with pytest.raises(InputError, match=r"\(localhost resolves to (127\.0\.0\.1|::1)\)"):
        registry.check_target("http://localhost:8080/hooks")


def test_a_name_hiding_a_private_address_among_public_ones_is_refused(switch_off, fake_dns) -> None:
    fake_dns("both.example", ["93.184.215.14", "10.1.2.3"])
    with pytest.raises(InputError, match=r"both\.example resolves to 10\.1\.2\.3"):
        registry.check_target("https://both.example/hooks")


def test_a_name_that_does_not_resolve_yet_is_taken_at_registration(switch_off, fake_dns) -> None:
    asked = fake_dns("later.example", [])
    registry.check_target("https://later.example/hooks")
    assert asked == ["later.example"]


def test_with_the_switch_on_private_addresses_and_names_are_taken(monkeypatch) -> None:
    monkeypatch.setenv(targets.ALLOW_PRIVATE_ENV, "1")
    assert registry.clean_url("http://10.0.0.5/hooks") == "http://10.0.0.5/hooks"
    registry.check_target("http://localhost:8080/hooks")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1."""
    with listening() as found:
        yield found


def test_a_post_to_a_private_address_is_refused_before_connecting(switch_off, receiver) -> None:
    code, error = delivery.post(receiver.url, b"{}", {})
    assert (code, error) == (
        None,
        REFUSED_127,
    )
    assert receiver.received == []


def test_a_proxy_from_the_environment_does_not_skip_the_check(switch_off, receiver) -> None:
    switch_off.setenv("HTTP_PROXY", receiver.url.rsplit("/hooks", 1)[0])
    code, error = delivery.post("http://10.0.0.5/hooks", b"{}", {})
    assert (code, error) == (
        None,
        f"refused: 10.0.0.5 resolves to a private or local address{REFUSED_HINT}",
    )
    assert receiver.received == []  # the proxy was not asked either


def test_through_a_proxy_a_name_only_the_proxy_can_resolve_is_posted(
    switch_off, receiver, fake_dns
) -> None:
    # Where only the proxy resolves outside names, the post goes to it; the proxy resolves.
    fake_dns("outside.example", [])
    switch_off.setenv("HTTP_PROXY", receiver.url.rsplit("/hooks", 1)[0])
    code, error = delivery.post("http://outside.example/hooks", b"{}", {})
    assert error is None and code is not None
    assert len(receiver.received) == 1  # the proxy (here the receiver) was asked


def test_a_post_to_a_name_that_turned_private_is_refused(switch_off, receiver, fake_dns) -> None:
    fake_dns("hooks.example", ["127.0.0.1"])
    url = receiver.url.replace("127.0.0.1", "hooks.example")
    code, error = delivery.post(url, b"{}", {})
    expected = (
        f"refused: hooks.example resolves to a private or local address (127.0.0.1){REFUSED_HINT}"
    )
    assert (code, error) == (None, expected)
    assert receiver.received == []


def test_a_post_connects_to_the_address_it_checked_without_resolving_again(
    receiver, fake_dns
) -> None:
    # Its first answer is the receiver; any later lookup would find no such name.
    asked = fake_dns("rebind.example", ["127.0.0.1"], [])
    url = receiver.url.replace("127.0.0.1", "rebind.example")
    assert delivery.post(url, b"{}", {}) == (200, None)
    assert asked == ["rebind.example"]
    (got,) = receiver.received
    assert got.headers["Host"].startswith("rebind.example:")


def test_a_post_to_a_name_with_no_address_says_so(fake_dns) -> None:
    fake_dns("gone.example", [])
    assert delivery.post("https://gone.example/hooks", b"{}", {}) == (
        None,
        "Name or service not known",
    )


@pytest.fixture
def tls_receiver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An HTTPS receiver on 127.0.0.1 whose certificate names hooks.example only (trusted through
    SSL_CERT_FILE); yields its port."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
         "-subj", "/CN=hooks.example", "-addext", "subjectAltName=DNS:hooks.example"],
        check=True, capture_output=True,
    )  # fmt: skip
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with contextlib.ExitStack() as stack:
        stack.callback(thread.join, 5)
        stack.callback(server.server_close)
        stack.callback(server.shutdown)
        yield str(server.server_address[1])


def test_https_to_the_checked_address_verifies_the_certificate_for_the_urls_host_name(
    tls_receiver, fake_dns
) -> None:
    fake_dns("hooks.example", ["127.0.0.1"])
    fake_dns("other.example", ["127.0.0.1"])
    assert delivery.post(f"https://hooks.example:{tls_receiver}/x", b"{}", {}) == (204, None)
    code, error = delivery.post(f"https://other.example:{tls_receiver}/x", b"{}", {})
    assert code is None
    assert "certificate is not valid for 'other.example'" in (error or "")
