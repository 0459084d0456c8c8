"""GET /api/health: version and the state of the database and the broker."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from pixelwise.api.deps import CtxDep, permit
from pixelwise.api.schemas.common import ResponseBody
from pixelwise.domain.permissions import Action
from pixelwise.services import health
from pixelwise.services.context import Actor

router = APIRouter(prefix="/api", tags=["system"])


class HealthOut(ResponseBody):
    status: str
    version: str
    database: str
    broker: str


@router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}})
def get_health(
    ctx: CtxDep, _: Annotated[Actor, Depends(permit(Action.HEALTH_READ))]
) -> JSONResponse:
    """200 when the database and the job broker answer; 503 naming what does not."""
    state = health.check(ctx)
    body = HealthOut(
        status="ok" if state.ok else "degraded",
        version=state.version,
        database=state.database,
        broker=state.broker,
    )
    return JSONResponse(body.model_dump(), status_code=200 if state.ok else 503)
