"""Datasets and the assets (image, video, DICOM series) they hold."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pixelwise.db.base import Base, IdType, JsonType, UTCDateTime, utcnow


class Dataset(Base):
    """A named collection of assets, organised in folders."""

    __tablename__ = "datasets"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Asset(Base):
    """One labelable thing: an image, a video, or a DICOM series."""

    __tablename__ = "assets"
    __table_args__ = (
        Index("ix_assets_dataset_folder_name", "dataset_id", "folder", "name"),
        Index("ix_assets_dataset_checksum", "dataset_id", "checksum"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    folder: Mapped[str] = mapped_column(String(1000), default="")
    name: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20))
    media_type: Mapped[str] = mapped_column(String(100))
    # Where the bytes are: a key of the blob store, or, for files registered in place, ""
    # and `source_uri` (file:///...) naming them where their owner keeps them.
    blob_key: Mapped[str] = mapped_column(String(1000))
    source_uri: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    checksum: Mapped[str] = mapped_column(String(64))
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    frame_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    fps: Mapped[float | None] = mapped_column(Float, nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JsonType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
