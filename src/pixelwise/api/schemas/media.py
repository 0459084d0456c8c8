"""Response bodies of the media routes that answer JSON."""

from __future__ import annotations

from pixelwise.api.schemas.common import ResponseBody


class WindowOut(ResponseBody):
    key: str
    name: str
    level: float
    width: float


class WindowsOut(ResponseBody):
    default: WindowOut
    presets: list[WindowOut]


class DicomValueOut(ResponseBody):
    x: int
    y: int
    value: float
    units: str
