"""PNG mask export: per item (per annotated slice or frame of a series or video) a class-index
PNG, an instance PNG and the list of its instances, plus the colour map.

Files, for an item with id 42 whose asset is `street/a.jpg` (see docs/exports.md):

- `classes/42_a.png`: each pixel is the 1-based index of the class drawn there (0 is
  background); 8-bit with the classes' colours as palette when there are at most 255
  classes, else 16-bit grey.
- `instances/42_a.png`: 16-bit; each pixel is the instance number (1, 2, ...) of the object
  drawn there, 0 for none.
- `instances/42_a.json`: the instances in number order (object id, uid, class key and
  index, z_order), and the objects on the item that have no area (lines, points).
- `colormap.json` and `colormap.txt` at the top: index, key, name and colour of each class.

Objects are drawn in ascending z_order (then id), so where they overlap the one with the
higher z_order wins in both PNGs. Shapes are rasterised by `formats.raster` (pixel centres,
even-odd rule). DICOM series and videos get files per slice or frame that has an area shape
(`42_ct_s0012.png`, `42_clip_f000012.png`); a 3D mask is drawn on each of its slices. An
image item without objects still gets its (empty) PNGs; a series or video without any
area shape gets none.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
from PIL import Image

from pixelwise.domain.geometry import Geometry, Mask3D, parse_geometry
from pixelwise.formats.items import ClassTable, ExportItem, ExportObject, hex_rgb
from pixelwise.formats.raster import shape_mask

MAX_INSTANCES = 65_535
COLORMAP_JSON = "colormap.json"
COLORMAP_TXT = "colormap.txt"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def colormap_files(table: ClassTable) -> list[tuple[str, bytes]]:
    """`colormap.json` ([{index, key, name, color, rgb}], background first) and `colormap.txt`
    (one tab-separated line per index: index, key, name, #rrggbb)."""
    rows: list[dict[str, Any]] = [
        {
            "index": 0,
            "key": "_background",
            "name": "background",
            "color": "#000000",
            "rgb": [0, 0, 0],
        }
    ]
    rows += [
        {
            "index": e.index,
            "key": e.key,
            "name": e.name,
            "color": e.color,
            "rgb": list(hex_rgb(e.color)),
        }
        for e in table.classes
    ]
    text = "".join(f"{r['index']}\t{r['key']}\t{r['name']}\t{r['color']}\n" for r in rows)
    return [
        (COLORMAP_JSON, json.dumps(rows, ensure_ascii=False, indent=1).encode()),
        (COLORMAP_TXT, text.encode()),
    ]


def stem(item: ExportItem, plane: int | None = None) -> str:
    """The file name (without extension) of an item's masks on one plane."""
    base = item.name.rsplit(".", 1)[0] if "." in item.name else item.name
    safe = _UNSAFE.sub("_", base).strip("_") or "item"
    if plane is None or item.plane_kind is None:
        return f"{item.id}_{safe}"
    return (
        f"{item.id}_{safe}_s{plane:04d}"
        if item.plane_kind == "slice"
        else f"{item.id}_{safe}_f{plane:06d}"
    )


def _planes(item: ExportItem) -> dict[int | None, list[tuple[ExportObject, Geometry]]]:
    """The item's objects by plane (slice, frame, or None for a single image)."""
    planes: dict[int | None, list[tuple[ExportObject, Geometry]]] = {}
    if item.plane_kind is None:
        planes[None] = []
    for obj in item.objects:
        geometry = parse_geometry(obj.geometry)
        if isinstance(geometry, Mask3D):
            for part in geometry.slices:
                planes.setdefault(part.slice if item.plane_kind == "slice" else None, []).append(
                    (obj, geometry)
                )
            continue
        if item.plane_kind == "slice":
            plane = obj.slice if obj.slice is not None else getattr(geometry, "slice", None)
        elif item.plane_kind == "frame":
            plane = obj.frame if obj.frame is not None else getattr(geometry, "frame", None)
        else:
            plane = None
        planes.setdefault(plane, []).append((obj, geometry))
    return planes


def _png(array: np.ndarray[Any, Any], palette: list[int] | None = None) -> bytes:
    height, width = array.shape
    if array.dtype == np.uint8:
        image = Image.frombytes("P" if palette else "L", (width, height), array.tobytes())
        if palette:
            image.putpalette(palette)
    else:
        image = Image.fromarray(array.astype(np.uint16))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()


def palette(table: ClassTable) -> list[int] | None:
    """The 8-bit palette (background black, then the class colours); None over 255 classes."""
    if len(table.classes) > 255:
        return None
    colors = [0, 0, 0]
    for entry in table.classes:
        colors += list(hex_rgb(entry.color))
    return colors + [0] * (768 - len(colors))


def item_files(item: ExportItem, table: ClassTable) -> Iterator[tuple[str, bytes]]:
    """(path in the archive, bytes) of every file of one item."""
    colors = palette(table)
    class_type = np.uint8 if colors is not None else np.uint16
    for plane, objects in sorted(
        _planes(item).items(), key=lambda kv: -1 if kv[0] is None else kv[0]
    ):
        drawable: list[tuple[ExportObject, Any]] = []
        not_drawn: list[dict[str, Any]] = []
        for obj, geometry in objects:
            pixels = shape_mask(geometry, item.height, item.width, plane)
            if pixels is None:
                not_drawn.append(
                    {
                        "object_id": obj.id,
                        "uid": obj.uid,
                        "class": obj.class_key,
                        "type": obj.geometry_type,
                    }
                )
            else:
                drawable.append((obj, pixels))
        if item.plane_kind is not None and not drawable:
            continue
        if len(drawable) > MAX_INSTANCES:
            raise ValueError(
                f"item {item.id} has {len(drawable)} area objects on one plane; the instance "
                f"PNG holds at most {MAX_INSTANCES}"
            )
        classes = np.zeros((item.height, item.width), dtype=class_type)
        instances = np.zeros((item.height, item.width), dtype=np.uint16)
        numbered = list(enumerate(drawable, start=1))
        for number, (obj, pixels) in sorted(numbered, key=lambda n: (n[1][0].z_order, n[1][0].id)):
            classes[pixels] = table.index(obj.class_key)
            instances[pixels] = number
        name = stem(item, plane)
        listing: dict[str, Any] = {
            "item_id": item.id,
            "asset_id": item.asset_id,
            "file_name": item.file_name,
        }
        if plane is not None and item.plane_kind is not None:
            listing[item.plane_kind] = plane
        listing["instances"] = [
            {
                "instance": number,
                "object_id": obj.id,
                "uid": obj.uid,
                "class": obj.class_key,
                "class_index": table.index(obj.class_key),
                "z_order": obj.z_order,
            }
            for number, (obj, _pixels) in numbered
        ]
        listing["not_drawn"] = not_drawn
        yield f"classes/{name}.png", _png(classes, colors)
        yield f"instances/{name}.png", _png(instances)
        yield f"instances/{name}.json", json.dumps(listing, ensure_ascii=False).encode()
