"""Refusing a NUL character anywhere in a JSON body, cheaply.

PostgreSQL cannot store NUL in text or JSONB, and annotation bodies nest free text (attribute
values) at any depth. JSON can only carry NUL as the escape `\\u0000`, so the raw bytes are
searched first (fast, in C); only when the escape is there is the body parsed and walked to
name where it is (the escape may also be literal text after an escaped backslash).
"""

from __future__ import annotations

import json

from fastapi import Request

from pixelwise.domain.errors import InvalidInput


def _nul_path(value: object, path: str) -> str | None:
    if isinstance(value, str):
        return path if "\x00" in value else None
    children: list[tuple[object, str]] = []
    if isinstance(value, dict):
        children = [(key, path) for key in value] + [(v, f"{path}.{k}") for k, v in value.items()]
    elif isinstance(value, list):
        children = [(item, f"{path}[{index}]") for index, item in enumerate(value)]
    for child, where in children:
        if (found := _nul_path(child, where)) is not None:
            return found
    return None


async def refuse_nul_body(request: Request) -> None:
    """A dependency: 422 naming the field when any string of the JSON body holds NUL."""
    body = await request.body()
    if b"\\u0000" not in body:
        return
    try:
        where = _nul_path(json.loads(body), "body")
    except ValueError:
        return  # not JSON: the body's own validation answers
    if where is not None:
        raise InvalidInput(
            f"{where} holds a NUL character, which no text may contain.", field=where
        )
