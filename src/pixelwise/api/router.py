"""Every router of the API, in the order the OpenAPI document lists them, then the web client
(last: it answers every other GET outside /api)."""

from __future__ import annotations

from fastapi import APIRouter

from pixelwise.api import web
from pixelwise.api.routes import (
    audit,
    auth,
    dataset_media,
    datasets,
    docs,
    exports,
    health,
    instructions,
    items,
    jobs,
    media,
    metrics,
    projects,
    tokens,
    users,
)

ROUTERS: list[APIRouter] = [
    health.router,
    auth.router,
    tokens.router,
    users.router,
    datasets.router,
    instructions.router,
    projects.router,
    exports.router,
    items.router,
    media.router,
    dataset_media.router,
    audit.router,
    jobs.router,
    docs.router,
    metrics.router,
    web.router,
]
