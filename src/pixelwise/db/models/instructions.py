"""Labeling instructions: a named instruction and its immutable, numbered versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pixelwise.db.base import Base, IdType, JsonType, UTCDateTime, utcnow


class Instruction(Base):
    """What annotators label, under a unique name; its content lives in its versions."""

    __tablename__ = "instructions"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    latest_version: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InstructionVersion(Base):
    """One version of an instruction's document; never changed once written (editing makes
    the next version, and projects pin one)."""

    __tablename__ = "instruction_versions"
    __table_args__ = (UniqueConstraint("instruction_id", "version"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    instruction_id: Mapped[int] = mapped_column(
        ForeignKey("instructions.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
