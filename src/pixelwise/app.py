"""Composition root: builds a process's resources and the ASGI app from settings."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from pixelwise import __version__
from pixelwise.api import problems
from pixelwise.api.middleware import BodyLimit, Metrics, Observe, RefuseNul
from pixelwise.api.router import ROUTERS
from pixelwise.db.engine import Database
from pixelwise.jobs.runtime import JobRuntime
from pixelwise.services.context import Context
from pixelwise.settings import Settings
from pixelwise.storage.blobs import open_blob_store

# Routes whose bodies are streamed to disk: they set their own size limits.
UPLOAD_PATHS = re.compile(r"/api/datasets/[^/]+/(uploads|imports/urls)")


def build_context(settings: Settings) -> Context:
    """Database, blob store and job runtime for one process."""
    database = Database(settings.effective_database_url)
    ctx = Context(
        settings=settings,
        database=database,
        blobs=open_blob_store(settings.effective_storage_url),
    )
    ctx.enqueuer = JobRuntime(ctx)
    return ctx


def create_app(settings: Settings, ctx: Context | None = None) -> FastAPI:
    """The Pixelwise ASGI app. Starts an in-process job worker when settings ask for one."""
    context = ctx or build_context(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runtime = context.enqueuer
        embedded = settings.runs_embedded_worker and isinstance(runtime, JobRuntime)
        if embedded:
            assert isinstance(runtime, JobRuntime)
            runtime.start_worker()
        try:
            yield
        finally:
            if isinstance(runtime, JobRuntime):
                runtime.stop()
            if ctx is None:
                context.database.dispose()

    app = FastAPI(
        title="Pixelwise API",
        version=__version__,
        description="Label images, videos and DICOM studies. Errors are RFC 9457 problem details.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    _describe_security(app)
    app.state.context = context
    app.state.metrics = Metrics()
    problems.install(app)
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, exempt=UPLOAD_PATHS)
    app.add_middleware(RefuseNul)
    app.add_middleware(Observe, metrics=app.state.metrics)
    return app


def _describe_security(app: FastAPI) -> None:
    """Name the two ways to authenticate in the OpenAPI document (Swagger's Authorize button,
    generated clients). `Permit` reads both itself; this only documents them."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            schema.setdefault("components", {})["securitySchemes"] = {
                "apiToken": {"type": "http", "scheme": "bearer",
                             "description": "An API token from POST /api/tokens."},
                "session": {"type": "apiKey", "in": "cookie", "name": "pixelwise_session",
                            "description": "Set by POST /api/auth/login; unsafe methods "
                                           "also need the X-CSRF-Token header."},
            }  # fmt: skip
            schema["security"] = [{"apiToken": []}, {"session": []}, {}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
