"""A connected system for the tests: a real HTTP server on 127.0.0.1 (a random free port) in a thread, that
records every request it gets (headers and body) and answers 200, or a chosen status for the first few.
It can be down (nothing listening on its port) until started, and dedupes by `webhook-id` as a receiver
should."""

import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    port: int
    fail_first: int = 0  # answer the first N requests with `fail_status`
    fail_status: int = 503
    hold: threading.Event | None = None  # when set up, each request waits until it is set
    requests: list[Received] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/kund-events"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.requests.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
                if receiver.hold is not None:
                    receiver.hold.wait(timeout=60)
                status = receiver.fail_status if len(receiver.requests) <= receiver.fail_first else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def ids(self) -> list[str]:
        return [r.headers["webhook-id"] for r in self.requests]

    def unique(self) -> dict[str, Received]:
        """What a receiver that dedupes by `webhook-id` takes in: the first request of each id."""
        seen: dict[str, Received] = {}
        for r in self.requests:
            seen.setdefault(r.headers["webhook-id"], r)
        return seen


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def receiver_down(**options) -> Receiver:
    """A receiver whose port nobody listens on yet: every attempt is refused until it is started."""
    return Receiver(port=free_port(), **options)
