"""The OpenAPI document and its interactive page at /api/docs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from pixelwise.api.deps import permit
from pixelwise.domain.permissions import Action
from pixelwise.services.context import Actor

router = APIRouter(tags=["system"])
Anyone = Annotated[Actor, Depends(permit(Action.DOCS_READ))]


@router.get("/api/openapi.json", include_in_schema=False)
def openapi(request: Request, _: Anyone) -> JSONResponse:
    schema: dict[str, Any] = request.app.openapi()
    return JSONResponse(schema)


@router.get("/api/docs", include_in_schema=False, response_class=HTMLResponse)
def docs(_: Anyone) -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/api/openapi.json", title="Pixelwise API")


@router.get("/", include_in_schema=False)
def root(_: Anyone) -> RedirectResponse:
    """Until the web client ships, the front page is the API's documentation."""
    return RedirectResponse("/api/docs")
