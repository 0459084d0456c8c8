"""An asset's thumbnail and display image reached through its dataset, so the dataset
browser shows pictures before any project uses the data (organisation admins, who manage
datasets). The same services and caching as the project-scoped media routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import StreamingResponse

from pixelwise.api.deps import CtxDep, permit
from pixelwise.api.routes.media import (
    NOT_MODIFIED,
    PARTIAL,
    original_response,
    rendition_response,
)
from pixelwise.api.schemas.common import IdPath
from pixelwise.domain.permissions import Action
from pixelwise.services import media_views, renditions
from pixelwise.services.context import Actor

router = APIRouter(prefix="/api/datasets/{dataset_id}/assets/{asset_id}", tags=["media"])
Reader = Annotated[Actor, Depends(permit(Action.DATASET_READ))]


@router.get("/thumbnail", response_class=StreamingResponse, responses=NOT_MODIFIED)
def dataset_thumbnail(
    dataset_id: IdPath, asset_id: IdPath, request: Request, ctx: CtxDep, _: Reader
) -> Response:
    """A 256-pixel WebP thumbnail (the one the project routes serve), made once and kept."""
    return rendition_response(request, renditions.dataset_thumbnail(ctx, dataset_id, asset_id))


@router.get("/display", response_class=StreamingResponse, responses={**NOT_MODIFIED, **PARTIAL})
def dataset_display(
    dataset_id: IdPath, asset_id: IdPath, request: Request, ctx: CtxDep, actor: Reader
) -> Response:
    """The image as the workspace would show it: the original when browsers decode it (a
    view written to the audit log), else the WebP display rendition."""
    file = media_views.dataset_display(ctx, dataset_id, asset_id)
    if file is None:
        return original_response(
            request, ctx, actor, asset_id, download=False, dataset_id=dataset_id
        )
    return rendition_response(request, file)
