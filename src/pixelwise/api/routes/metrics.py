"""GET /metrics in the Prometheus text format."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from pixelwise.api.deps import permit
from pixelwise.domain.errors import NotFound
from pixelwise.domain.permissions import Action
from pixelwise.services.context import Actor

router = APIRouter(tags=["system"])


@router.get("/metrics", include_in_schema=False)
def metrics(
    request: Request, _: Annotated[Actor, Depends(permit(Action.METRICS_READ))]
) -> Response:
    """Request counts and latencies per route, for Prometheus to scrape."""
    if not request.app.state.context.settings.metrics_enabled:
        raise NotFound("Metrics are switched off (PIXELWISE_METRICS_ENABLED=false).")
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
