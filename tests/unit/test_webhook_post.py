"""A webhook post is bounded as a whole (issue 17): a receiver that trickles its answer a byte at
a time is cut off at the post's timeout, well inside the claim's lease, while a slow answer that
ends in time is taken; a user and password in the URL are sent as Basic authentication."""

from __future__ import annotations

import base64
import contextlib
import socket
import threading
import time
from collections.abc import Iterator

from core.webhooks import delivery
from tests.support.webhook_receiver import listening


@contextlib.contextmanager
def trickling(answer: bytes, gap: float) -> Iterator[str]:
    """A receiver on 127.0.0.1 that reads the request, then sends `answer` one byte every `gap`
    seconds (each byte well within a socket's per-read timeout); yields its URL."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)
            for byte in answer:
                if stop.wait(gap):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:  # the sender gave up and closed the connection
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/hook"
    finally:
        stop.set()
        thread.join(5)
        server.close()


def test_a_receiver_trickling_its_answer_is_cut_off_at_the_posts_timeout() -> None:
    # A status line, then a header that never ends: 5 s of bytes, one every 0.05 s.
    endless = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100
    with trickling(endless, gap=0.05) as url:
        started = time.monotonic()
        code, error = delivery.post(url, b"{}", {"Content-Type": "application/json"}, timeout=0.6)
        took = time.monotonic() - started
    assert (code, error) == (None, "no answer within 0.6 s")
    assert took < 1.2


def test_a_slow_answer_that_ends_within_the_timeout_is_taken() -> None:
    with trickling(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n", gap=0.005) as url:
        assert delivery.post(url, b"{}", {}, timeout=5) == (204, None)


def test_every_post_of_a_claim_ends_before_its_lease() -> None:
    assert delivery.LEASE.total_seconds() > delivery.CLAIM_SIZE * delivery.TIMEOUT_S


def test_a_user_and_password_in_the_url_are_sent_as_basic_authentication() -> None:
    with listening() as receiver:
        url = receiver.url.replace("http://", "http://bot:p%40ss@")
        assert delivery.post(url, b"{}", {}) == (200, None)
    (got,) = receiver.received
    expected = "Basic " + base64.b64encode(b"bot:p@ss").decode()
    assert got.headers["Authorization"] == expected
    assert got.path == "/hooks/badges"
