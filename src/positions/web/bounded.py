"""The HTTP server of ``positions serve`` under bounds: at most ``max_connections`` request
threads, and a deadline on reading each request.

    server = BoundedServer(("127.0.0.1", 8080), handler, safety=Safety(), quiet=False)

* **A bounded pool.** A connection takes one of ``max_connections`` slots for as long as it is
  open; when none is free, a new one is answered ``503 Service Unavailable`` (with
  ``Retry-After: 1``) at once and closed, without a thread (the accept loop never waits, so
  a flood of connections cannot hold up the ones after it).
* **Deadlines.** :class:`DeadlineReader` makes every read of a request (the wait for the request
  line of a kept-alive connection, the headers, the body) end by one deadline,
  ``request_timeout`` seconds after the request began: an idle or slow client (one byte a
  second) is cut off then, its slot freed.  Writing an answer is bounded the same way.
* **One line per failure.** A client that goes away, resets or times out is logged as one line
  (nothing when quiet), never a traceback.
"""

from __future__ import annotations

import io
import socket
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from typing import Any

from positions.web.guard import Guard, Safety

BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Retry-After: 1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s"
)


class DeadlineReader(io.RawIOBase):
    """A socket's bytes, each read ending by :attr:`deadline` (``time.monotonic()``)."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self.sock = sock
        self.deadline = float("inf")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request took too long to arrive")
        self.sock.settimeout(None if left == float("inf") else left)
        return self.sock.recv_into(buffer)


class BoundedServer(ThreadingHTTPServer):
    """A threading HTTP server with a bounded number of request threads."""

    daemon_threads = True
    block_on_close = False  # Ctrl-C does not wait for clients
    request_queue_size = 128  # a burst is accepted (and, over the bound, refused) at once

    def __init__(
        self, address: tuple[str, int], handler: type, *, safety: Safety, quiet: bool
    ) -> None:
        self.safety = safety
        self.quiet = quiet
        self.slots = threading.BoundedSemaphore(safety.max_connections)
        super().__init__(address, handler)
        bound_host, bound_port = self.server_address[:2]
        self.guard = Guard(safety, address[0], bound_port, bound=str(bound_host))

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            self.refuse_busy(request)
            return
        try:
            thread = threading.Thread(
                target=self.bounded_thread, args=(request, client_address), daemon=True
            )
            thread.start()
        except BaseException:
            self.slots.release()
            self.shutdown_request(request)
            raise

    def bounded_thread(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def refuse_busy(self, request: socket.socket) -> None:
        message = (
            f"the server is busy: all {self.safety.max_connections} connections are in use; "
            "try again in a moment\n"
        ).encode()
        try:
            request.settimeout(0.2)
            request.sendall(BUSY % (len(message), message))
        except OSError:
            pass
        self.shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One line for a connection that failed (a client gone, reset or too slow)."""
        if self.quiet:
            return
        error = sys.exc_info()[1]
        host = client_address[0] if client_address else "?"
        print(f"{host}: connection dropped: {error!r}", file=sys.stderr)
