"""ASGI middleware: request size limit, one structured log line per request, and metrics."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pixelwise.api.problems import PROBLEM_JSON

log = logging.getLogger("pixelwise.request")


class BodyLimit:
    """Refuse request bodies over `max_bytes` with 413, by Content-Length or while reading.

    The body is read here, up to the limit, and handed on whole: JSON bodies are parsed in
    one piece anyway, and a body cut off half-way could not be answered cleanly later.
    Paths matching `exempt` (uploads, which stream to disk) set their own limits.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, exempt: re.Pattern[str] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self.exempt and self.exempt.fullmatch(scope["path"])):
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > self.max_bytes:
                    await self._refuse(send)
                    return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away; let the app see it
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return message
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        await send_problem(
            send, 413, "Request too large",
            f"The request body is over the limit of {self.max_bytes} bytes "
            "(setting PIXELWISE_MAX_BODY_BYTES).",
        )  # fmt: skip


async def send_problem(send: Send, status: int, title: str, detail: str) -> None:
    """Answer with problem details from a middleware, before any route runs."""
    body = json.dumps(
        {"type": "about:blank", "title": title, "status": status, "detail": detail}
    ).encode()
    await send(
        {"type": "http.response.start", "status": status,
         "headers": [(b"content-type", PROBLEM_JSON.encode()),
                     (b"content-length", str(len(body)).encode())]}
    )  # fmt: skip
    await send({"type": "http.response.body", "body": body})


class RefuseNul:
    """Refuse a NUL character in the path or query string (400): no name, filter or path
    has a use for one, and PostgreSQL cannot store or compare text that holds one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b"")
        ):
            await send_problem(
                send, 400, "Bad request",
                "The address holds a NUL character (%00), which no parameter may contain.",
            )  # fmt: skip
            return
        await self.app(scope, receive, send)


class Metrics:
    """The Prometheus series of one app (its own registry, so several apps can coexist)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "pixelwise_http_requests_total",
            "HTTP requests answered.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "pixelwise_http_request_duration_seconds",
            "Time to answer HTTP requests.",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )


class Observe:
    """Time each request; write one log line and update the metrics when it is answered."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        request_id = uuid.uuid4().hex[:16]
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            template = getattr(route, "path", None) or "(unmatched)"
            method = scope["method"]
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.latency.labels(method, template).observe(elapsed)
            state: Any = scope.get("state") or {}
            actor = state.get("actor") if isinstance(state, dict) else None
            client = scope.get("client")
            log.info(
                "%s %s %s %.1fms",
                method,
                scope["path"],
                status,
                elapsed * 1000,
                extra={
                    "request_id": request_id,
                    "method": method,
                    "path": scope["path"],
                    "route": template,
                    "status": status,
                    "latency_ms": round(elapsed * 1000, 2),
                    "client": client[0] if client else "",
                    "user_id": getattr(actor, "user_id", None),
                },
            )
