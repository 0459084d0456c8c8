"""Projects and who works in them with which role."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pixelwise.db.base import Base, IdType, JsonType, UTCDateTime, utcnow


class Project(Base):
    """A labeling project: the assets of one dataset (or of one folder of it, `folder`),
    one pinned instruction version, and the workflow settings."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    dataset_id: Mapped[int | None] = mapped_column(
        ForeignKey("datasets.id", ondelete="RESTRICT"), nullable=True, index=True
    )
    folder: Mapped[str] = mapped_column(String(1000), default="")
    instruction_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("instruction_versions.id", ondelete="RESTRICT"), nullable=True, index=True
    )
    workflow: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Membership(Base):
    """A user's role (admin | reviewer | annotator) in one project."""

    __tablename__ = "memberships"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
