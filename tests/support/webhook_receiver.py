"""A webhook receiver on 127.0.0.1 for tests: it checks each post's signature as a real receiver
would (core.webhooks.signing.verify), answers with the statuses it is told to, and keeps what it
was sent."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from core.webhooks import signing


@dataclass(frozen=True)
class Received:
    """One post as the receiver saw it."""

    path: str
    headers: dict[str, str]
    body: bytes
    signed: bool  # the signature checked out with the receiver's secret
    answered: int

    @property
    def payload(self) -> dict:
        """The body as JSON."""
        return json.loads(self.body)

    @property
    def delivery(self) -> str:
        """The `Batch-Unlock-Delivery` header (the outbox id)."""
        return self.headers[signing.DELIVERY_HEADER]


@dataclass
class Receiver:
    """What the server answers and what it got; `secret` is set once the webhook is added."""

    url: str = ""
    secret: str = ""
    answers: list[int] = field(default_factory=list)  # answered in turn, then 200 for ever
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def delivered(self) -> list[Received]:
        """The posts answered 2xx with a valid signature."""
        with self.lock:
            return [r for r in self.received if r.signed and 200 <= r.answered < 300]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            signed = signing.verify(
                receiver.secret, self.headers.get(signing.SIGNATURE_HEADER), body
            )
            with receiver.lock:
                answer = receiver.answers.pop(0) if receiver.answers else 200
                receiver.received.append(
                    Received(self.path, dict(self.headers), body, signed, answer)
                )
            self.send_response(answer)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            """Quiet: the test reads `received` instead."""

    return Handler


@contextlib.contextmanager
def listening() -> Iterator[Receiver]:
    """A receiver listening on 127.0.0.1 (a free port) for the block's length (a test module's
    `receiver` fixture yields from it)."""
    found = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(found))
    found.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/badges"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()
    thread.join(5)
