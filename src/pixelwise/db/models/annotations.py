"""Work items and their annotations: the live objects, every revision, and each change.

The live state of an item is `annotation_objects` (one row per object, changed one row at a
time) plus `work_items.answers`. Every save is one `annotation_revisions` row (who, when,
which request) and one `annotation_changes` row per object it added, changed or deleted, so
any past revision can be rebuilt by replaying changes, and a save that moves one object
writes one object row, never the whole annotation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pixelwise.db.base import Base, IdType, JsonType, UTCDateTime, utcnow


class WorkItem(Base):
    """One asset to label in one project (`round` > 0 for extra consensus copies)."""

    __tablename__ = "work_items"
    __table_args__ = (
        UniqueConstraint("project_id", "asset_id", "round"),
        Index("ix_work_items_project_state", "project_id", "state", "id"),
        Index("ix_work_items_project_order", "project_id", "id"),
        Index("ix_work_items_asset", "asset_id"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(20), default="queued")
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    object_count: Mapped[int] = mapped_column(Integer, default=0)
    answers: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    time_spent: Mapped[float] = mapped_column(Float, default=0.0)
    updated_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AnnotationObject(Base):
    """One live object of an item. `uid` is its stable id, chosen by the client or the
    server, unique within the item; `id` is a number used where formats need one (COCO)."""

    __tablename__ = "annotation_objects"
    __table_args__ = (
        UniqueConstraint("work_item_id", "uid"),
        Index("ix_annotation_objects_class", "class_key", "work_item_id"),
        # An item's objects in id order: exports join them so without sorting.
        Index("ix_annotation_objects_item_order", "work_item_id", "id"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    work_item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id", ondelete="CASCADE"))
    uid: Mapped[str] = mapped_column(String(64))
    class_key: Mapped[str] = mapped_column(String(64))
    geometry_type: Mapped[str] = mapped_column(String(20))
    geometry: Mapped[dict[str, Any]] = mapped_column(JsonType)
    attributes: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    source: Mapped[str] = mapped_column(String(20), default="manual")
    model: Mapped[str | None] = mapped_column(String(200), nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    z_order: Mapped[int] = mapped_column(Integer, default=0)
    frame: Mapped[int | None] = mapped_column(Integer, nullable=True)
    slice: Mapped[int | None] = mapped_column(Integer, nullable=True)
    track_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    flags: Mapped[list[str]] = mapped_column(JsonType, default=list)
    # Bounding box and area of the geometry (COCO's bbox and area), kept at save time.
    bbox_x: Mapped[float | None] = mapped_column(Float, nullable=True)
    bbox_y: Mapped[float | None] = mapped_column(Float, nullable=True)
    bbox_w: Mapped[float | None] = mapped_column(Float, nullable=True)
    bbox_h: Mapped[float | None] = mapped_column(Float, nullable=True)
    area: Mapped[float | None] = mapped_column(Float, nullable=True)
    # The object's text in the native JSON and COCO exports, written by each save
    # (`formats.fragments`); NULL where an export builds it from the columns.
    native_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    coco_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    time_spent: Mapped[float] = mapped_column(Float, default=0.0)
    revision: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AnnotationRevision(Base):
    """One accepted save of an item: its number, who made it, when, and its request id
    (a retried request finds its revision here instead of being applied twice)."""

    __tablename__ = "annotation_revisions"
    __table_args__ = (
        UniqueConstraint("work_item_id", "revision"),
        UniqueConstraint("work_item_id", "request_id"),
        Index("ix_annotation_revisions_user", "user_id", "work_item_id"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    work_item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    request_id: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    time_spent: Mapped[float] = mapped_column(Float, default=0.0)
    summary: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)


class AnnotationChange(Base):
    """What one revision did to one object (`op` put: `data` is the whole object after the
    save; delete: `data` is null) or to the item's answers (`op` answers, `uid` "")."""

    __tablename__ = "annotation_changes"
    __table_args__ = (Index("ix_annotation_changes_item", "work_item_id", "revision"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    work_item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    uid: Mapped[str] = mapped_column(String(64))
    op: Mapped[str] = mapped_column(String(10))
    data: Mapped[dict[str, Any] | None] = mapped_column(JsonType, nullable=True)
