"""Response bodies of the media routes that answer JSON."""

from __future__ import annotations

from pydantic import Field

from pixelwise.api.schemas.common import ResponseBody


class WindowOut(ResponseBody):
    key: str
    name: str
    level: float
    width: float


class WindowsOut(ResponseBody):
    default: WindowOut
    presets: list[WindowOut]


class SeriesOut(ResponseBody):
    slices: int = Field(description="Number of slices, in order along the slice normal.")
    width: int = Field(description="Columns of every slice.")
    height: int = Field(description="Rows of every slice.")
    modality: str
    units: str = Field(description="Units of the values (HU for CT), empty when unknown.")
    invert: bool = Field(description="MONOCHROME1: the lowest value is shown white.")


class DicomValueOut(ResponseBody):
    x: int
    y: int
    value: float
    units: str
