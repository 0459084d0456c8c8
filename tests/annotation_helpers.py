"""Shared set-up for annotation tests: an instruction with every tool, a dataset of real
images uploaded through the API, and a project over it."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from fastapi.testclient import TestClient

from helpers import bearer, job_result, png

WIDTH, HEIGHT = 64, 48
_COLOURS = itertools.count(1)

DOCUMENT: dict[str, Any] = {
    "classes": [
        {"key": "car", "name": "Car", "color": "#ff0000", "tool": "box", "hotkey": "c",
         "attributes": [
             {"key": "colour", "name": "Colour", "type": "single_choice",
              "choices": [{"key": "red", "name": "Red"}, {"key": "blue", "name": "Blue"}]},
             {"key": "parked", "name": "Parked", "type": "boolean", "required": True},
             {"key": "tags", "name": "Tags", "type": "multiple_choice",
              "choices": [{"key": "old", "name": "Old"}, {"key": "taxi", "name": "Taxi"}]},
         ]},
        {"key": "ship", "name": "Ship", "color": "#00aaff", "tool": "rotated_box"},
        {"key": "road", "name": "Road", "color": "#00ff00", "tool": "polygon"},
        {"key": "lane", "name": "Lane", "color": "#ffff00", "tool": "polyline"},
        {"key": "cone", "name": "Cone", "color": "#ff8800", "tool": "points"},
        {"key": "person", "name": "Person", "color": "#ff00ff", "tool": "skeleton",
         "skeleton": "body"},
        {"key": "sky", "name": "Sky", "color": "#0000ff", "tool": "mask"},
        {"key": "grass", "name": "Grass", "color": "#00ff88", "tool": "freehand"},
    ],
    "questions": [
        {"key": "weather", "text": "Weather?", "type": "single_choice", "required": True,
         "choices": [{"key": "sunny", "name": "Sunny"}, {"key": "rain", "name": "Rain"}]},
    ],
    "skeletons": [
        {"key": "body", "name": "Body",
         "keypoints": [{"key": "head", "name": "Head"}, {"key": "foot", "name": "Foot"}],
         "edges": [["head", "foot"]]},
    ],
}  # fmt: skip


def upload_images(client: TestClient, token: str, dataset_id: int, names: list[str]) -> None:
    """Upload distinct PNGs of WIDTH x HEIGHT through the API and wait for the import."""
    files = []
    for name in names:
        n = next(_COLOURS)
        files.append(
            ("files", (name, png((n % 256, n // 256 % 256, 30), (WIDTH, HEIGHT)), "image/png"))
        )
    started = client.post(f"/api/datasets/{dataset_id}/uploads", files=files, headers=bearer(token))
    assert started.status_code == 202, started.text
    result = job_result(client, token, started.json()["id"])
    assert result["imported"] == len(names), result


def make_project(
    client: TestClient, token: str, names: list[str], document: dict[str, Any] | None = None
) -> tuple[int, int, list[int]]:
    """(project id, dataset id, item ids in order) for a new project over uploaded images."""
    tag = uuid.uuid4().hex[:8]
    dataset = client.post("/api/datasets", json={"name": f"set-{tag}"}, headers=bearer(token))
    assert dataset.status_code == 201, dataset.text
    dataset_id = dataset.json()["id"]
    upload_images(client, token, dataset_id, names)
    instruction = client.post(
        "/api/instructions",
        json={"name": f"ins-{tag}", "document": document or DOCUMENT},
        headers=bearer(token),
    )
    assert instruction.status_code == 201, instruction.text
    project = client.post(
        "/api/projects",
        json={"name": f"p-{tag}", "dataset_id": dataset_id,
              "instruction_id": instruction.json()["instruction_id"]},
        headers=bearer(token),
    )  # fmt: skip
    assert project.status_code == 201, project.text
    project_id = project.json()["id"]
    items = client.get(f"/api/projects/{project_id}/items", headers=bearer(token)).json()
    return project_id, dataset_id, [item["id"] for item in items["items"]]


def patch(
    client: TestClient, token: str, project_id: int, item_id: int, base: int, **body: Any
) -> Any:
    """PATCH an annotation with a fresh request id (unless one is given)."""
    payload = {"request_id": uuid.uuid4().hex, "base_revision": base, **body}
    return client.patch(
        f"/api/projects/{project_id}/items/{item_id}/annotation",
        json=payload,
        headers=bearer(token),
    )


def box(x: float, y: float, w: float, h: float, **extra: Any) -> dict[str, Any]:
    return {"type": "box", "x": x, "y": y, "w": w, "h": h, **extra}
