"""Assists by kind and name, so callers pick one by a string (from settings, a request, a test).

Each entry is a factory that builds a ready instance; `create` builds a fresh one, so
callers that keep per-image caches do not share them by accident.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pixelwise.domain.errors import NotFound

Kind = Literal["click", "box", "stroke", "detector", "video"]

_factories: dict[Kind, dict[str, Callable[[], object]]] = {}


def register(kind: Kind, name: str, factory: Callable[[], object]) -> None:
    """Make `factory` available as `name` among assists of `kind` (a later call replaces it)."""
    _factories.setdefault(kind, {})[name] = factory


def names(kind: Kind) -> list[str]:
    """The registered names of one kind, sorted."""
    return sorted(_factories.get(kind, {}))


def create(kind: Kind, name: str) -> object:
    """A new instance of the assist `name` of `kind`, or `NotFound` listing the known names."""
    factory = _factories.get(kind, {}).get(name)
    if factory is None:
        known = ", ".join(names(kind)) or "none"
        raise NotFound(f"no {kind} assist named {name!r}; known: {known}")
    return factory()
