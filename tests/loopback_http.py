"""Plain HTTP servers on loopback for the tests of URL fetching (real sockets, no mocks)."""

from __future__ import annotations

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LoopbackServer(ThreadingHTTPServer):
    """A threaded server that does not complain when a client hangs up early."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the client hung up early, as these tests make it do
        super().handle_error(request, client_address)

    @property
    def base(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class QuietHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive, answering at once, logging nothing."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass
