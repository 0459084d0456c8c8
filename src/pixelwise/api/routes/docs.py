"""The OpenAPI document and its interactive page at /api/docs, served without any CDN.

Pixelwise often runs where the internet is not reachable, so the Swagger UI files come
from the installed `fastapi-offline` package rather than a CDN.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import fastapi_offline
from fastapi import APIRouter, Depends, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from pixelwise.api.deps import permit
from pixelwise.domain.errors import NotFound
from pixelwise.domain.permissions import Action
from pixelwise.services.context import Actor

router = APIRouter(tags=["system"])
Anyone = Annotated[Actor, Depends(permit(Action.DOCS_READ))]

STATIC = Path(fastapi_offline.__file__).parent / "static"
STATIC_FILES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon.png": "image/png",
}


@router.get("/api/openapi.json", include_in_schema=False)
def openapi(request: Request, _: Anyone) -> JSONResponse:
    schema: dict[str, Any] = request.app.openapi()
    return JSONResponse(schema)


@router.get("/api/docs", include_in_schema=False, response_class=HTMLResponse)
def docs(_: Anyone) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/api/openapi.json",
        title="Pixelwise API",
        swagger_js_url="/api/docs/static/swagger-ui-bundle.js",
        swagger_css_url="/api/docs/static/swagger-ui.css",
        swagger_favicon_url="/api/docs/static/favicon.png",
    )


@router.get("/api/docs/static/{name}", include_in_schema=False)
def docs_static(name: str, _: Anyone) -> FileResponse:
    """The Swagger UI's script, style sheet and icon."""
    media_type = STATIC_FILES.get(name)
    if media_type is None:
        raise NotFound(f"There is no documentation file {name!r}.")
    return FileResponse(
        STATIC / name, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"}
    )
