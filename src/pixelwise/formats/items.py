"""What every export format reads: a project's items with their objects, as plain data, and
the table of label classes with the 1-based index that COCO category ids and mask pixel
values share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pixelwise.domain.instructions import Instruction, Tool

UNKNOWN_COLOR = "#808080"


@dataclass(frozen=True, slots=True)
class ExportObject:
    """One live annotation object; `geometry` and `attributes` are parsed JSON."""

    id: int
    uid: str
    class_key: str
    geometry_type: str
    geometry: dict[str, Any]
    attributes: dict[str, Any] = field(default_factory=dict)
    source: str = "manual"
    model: str | None = None
    score: float | None = None
    z_order: int = 0
    frame: int | None = None
    slice: int | None = None
    track_id: str | None = None
    flags: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ExportItem:
    """One work item, its asset and its live objects (in id order)."""

    id: int
    asset_id: int
    folder: str
    name: str
    kind: str  # image | video | dicom
    width: int
    height: int
    frame_count: int | None
    state: str
    answers: dict[str, Any]
    objects: list[ExportObject]

    @property
    def file_name(self) -> str:
        """The asset's path in its dataset: `folder/name` (just `name` at the top)."""
        return f"{self.folder}/{self.name}" if self.folder else self.name

    @property
    def plane_kind(self) -> str | None:
        """ "slice" (DICOM series), "frame" (video) or None (a single image)."""
        return {"dicom": "slice", "video": "frame"}.get(self.kind)


@dataclass(frozen=True, slots=True)
class ClassEntry:
    """A label class as exports number it: `index` is 1-based, in instruction order."""

    index: int
    key: str
    name: str
    color: str
    tool: str
    keypoints: tuple[str, ...] = ()
    edges: tuple[tuple[int, int], ...] = ()  # 1-based keypoint indexes


@dataclass(frozen=True)
class ClassTable:
    """The classes of an export: those of the instruction in its order, then any class key
    that objects use but the instruction does not name (named after their key, grey), so
    that no object is dropped."""

    classes: tuple[ClassEntry, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", {entry.key: entry for entry in self.classes})

    def get(self, key: str) -> ClassEntry | None:
        by_key: dict[str, ClassEntry] = self.__dict__["_by_key"]
        return by_key.get(key)

    def index(self, key: str) -> int:
        """The 1-based index of class `key` (0 when unknown, which never happens for keys
        given to `from_instruction`)."""
        entry = self.get(key)
        return entry.index if entry is not None else 0

    @classmethod
    def from_instruction(
        cls, instruction: Instruction | None, used_keys: Sequence[str] = ()
    ) -> ClassTable:
        entries: list[ClassEntry] = []
        skeletons = {s.key: s for s in instruction.skeletons} if instruction else {}
        for label in instruction.classes if instruction else []:
            keypoints: tuple[str, ...] = ()
            edges: tuple[tuple[int, int], ...] = ()
            template = skeletons.get(label.skeleton) if label.skeleton else None
            if label.tool == Tool.SKELETON and template is not None:
                keypoints = tuple(point.key for point in template.keypoints)
                position = {key: number for number, key in enumerate(keypoints, start=1)}
                edges = tuple((position[a], position[b]) for a, b in template.edges)
            entries.append(
                ClassEntry(
                    len(entries) + 1,
                    label.key,
                    label.name,
                    label.color,
                    label.tool.value,
                    keypoints,
                    edges,
                )
            )
        known = {entry.key for entry in entries}
        for key in sorted(set(used_keys) - known):
            entries.append(ClassEntry(len(entries) + 1, key, key, UNKNOWN_COLOR, "unknown"))
        return cls(tuple(entries))

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {
                "index": e.index,
                "key": e.key,
                "name": e.name,
                "color": e.color,
                "tool": e.tool,
                "keypoints": list(e.keypoints),
                "edges": [list(edge) for edge in e.edges],
            }
            for e in self.classes
        ]

    @classmethod
    def from_json(cls, data: Sequence[dict[str, Any]]) -> ClassTable:
        return cls(
            tuple(
                ClassEntry(
                    int(d["index"]),
                    str(d["key"]),
                    str(d["name"]),
                    str(d["color"]),
                    str(d["tool"]),
                    tuple(d.get("keypoints", ())),
                    tuple((int(a), int(b)) for a, b in d.get("edges", ())),
                )
                for d in data
            )
        )


def hex_rgb(color: str) -> tuple[int, int, int]:
    """'#rrggbb' (or '#rgb') as (r, g, b); grey for anything else."""
    text = color.lstrip("#")
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    try:
        return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)
    except ValueError:
        return 128, 128, 128
