"""A project's work items and their annotations: list and search with filters, read, save
(incremental or whole), revisions, submit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from starlette.concurrency import run_in_threadpool

from pixelwise.api.deps import CtxDep, permit
from pixelwise.api.nul_body import refuse_nul_body
from pixelwise.api.schemas.annotations import (
    AnnotationOut,
    AnnotationPatchIn,
    AnnotationReplaceIn,
    ItemOut,
    RevisionOut,
    SaveOut,
    SearchIn,
    SubmitIn,
    SubmitOut,
)
from pixelwise.api.schemas.common import Cursor, IdPath, PageOut, page_out
from pixelwise.domain.item_filter import parse_filter
from pixelwise.domain.pagination import Page
from pixelwise.domain.permissions import Action
from pixelwise.services import item_annotations, items
from pixelwise.services.context import Actor
from pixelwise.services.items import ItemInfo

router = APIRouter(prefix="/api/projects/{project_id}/items", tags=["annotations"])

Lister = Annotated[Actor, Depends(permit(Action.ITEM_LIST))]
Reader = Annotated[Actor, Depends(permit(Action.ANNOTATION_READ))]
Writer = Annotated[Actor, Depends(permit(Action.ANNOTATION_WRITE))]
ItemLimit = Annotated[int, Query(ge=1, le=1000, description="Items per page.")]
FilterQuery = Annotated[
    str | None,
    Query(
        max_length=20_000,
        description='An item filter as JSON, e.g. {"and":[{"state":"queued"},{"class":"car"}]}.',
    ),
]


def _item_page(page: Page[ItemInfo]) -> Response:
    """The page as JSON, encoded by pydantic in one step: FastAPI would check the finished
    page against the response model again and encode it in two (to Python data, then
    JSON), a third of the cost of a page of 100 items."""
    return Response(page_out(ItemOut, page).model_dump_json(), media_type="application/json")


@router.get("", response_model=PageOut[ItemOut])
def list_items(
    project_id: IdPath,
    ctx: CtxDep,
    _: Lister,
    filter: FilterQuery = None,
    cursor: Cursor = None,
    limit: ItemLimit = 100,
) -> Response:
    """The project's items in id order, optionally filtered (see the filter language)."""
    page = items.list_items(ctx, project_id, where=parse_filter(filter), cursor=cursor, limit=limit)
    return _item_page(page)


@router.post("/search", response_model=PageOut[ItemOut])
def search_items(project_id: IdPath, body: SearchIn, ctx: CtxDep, _: Lister) -> Response:
    """The same as listing, with the filter in the body (for long filters)."""
    page = items.list_items(
        ctx, project_id, where=parse_filter(body.filter), cursor=body.cursor, limit=body.limit
    )
    return _item_page(page)


@router.get("/{item_id}", response_model=ItemOut)
def get_item(project_id: IdPath, item_id: IdPath, ctx: CtxDep, _: Lister) -> ItemOut:
    return ItemOut.model_validate(items.get_item(ctx, project_id, item_id))


@router.get("/{item_id}/annotation", response_model=AnnotationOut)
def get_annotation(project_id: IdPath, item_id: IdPath, ctx: CtxDep, _: Reader) -> AnnotationOut:
    """The current annotation and the revision to send back with the next save."""
    return AnnotationOut.model_validate(item_annotations.get_annotation(ctx, project_id, item_id))


@router.patch(
    "/{item_id}/annotation", response_model=SaveOut, dependencies=[Depends(refuse_nul_body)]
)
async def patch_annotation(
    project_id: IdPath, item_id: IdPath, body: AnnotationPatchIn, ctx: CtxDep, actor: Writer
) -> SaveOut:
    """Add, change or delete some objects (and set the answers). 409 when `base_revision`
    is not the current revision; the same `request_id` twice saves once."""
    # Async with the work in the thread pool: the answer is then encoded on the event loop,
    # saving a second trip through the pool on the path every annotator hits most.
    saved = await run_in_threadpool(
        item_annotations.save_patch, ctx, actor, project_id, item_id, body
    )
    return SaveOut.model_validate(saved)


@router.put(
    "/{item_id}/annotation", response_model=SaveOut, dependencies=[Depends(refuse_nul_body)]
)
async def replace_annotation(
    project_id: IdPath, item_id: IdPath, body: AnnotationReplaceIn, ctx: CtxDep, actor: Writer
) -> SaveOut:
    """Make these objects and answers the whole annotation (only differences are written)."""
    saved = await run_in_threadpool(
        item_annotations.save_replace, ctx, actor, project_id, item_id, body
    )
    return SaveOut.model_validate(saved)


@router.get("/{item_id}/annotation/revisions", response_model=list[RevisionOut])
def list_revisions(
    project_id: IdPath, item_id: IdPath, ctx: CtxDep, _: Reader
) -> list[RevisionOut]:
    """Every saved revision: who, when, the request id and what it changed."""
    revisions = item_annotations.list_revisions(ctx, project_id, item_id)
    return [RevisionOut.model_validate(r) for r in revisions]


@router.get("/{item_id}/annotation/revisions/{revision}", response_model=AnnotationOut)
def get_revision(
    project_id: IdPath,
    item_id: IdPath,
    revision: Annotated[int, Path(ge=0, le=2**31)],
    ctx: CtxDep,
    _: Reader,
) -> AnnotationOut:
    """The annotation as it was right after `revision`."""
    info = item_annotations.annotation_at(ctx, project_id, item_id, revision)
    return AnnotationOut.model_validate(info)


@router.post("/{item_id}/submit", response_model=SubmitOut)
def submit_item(
    project_id: IdPath, item_id: IdPath, body: SubmitIn, ctx: CtxDep, actor: Writer
) -> SubmitOut:
    """Hand the item in: every required attribute and answer must be filled (422 lists the
    first missing one)."""
    revision = item_annotations.submit_item(ctx, actor, project_id, item_id, body.base_revision)
    return SubmitOut(item_id=item_id, revision=revision, state="submitted")
