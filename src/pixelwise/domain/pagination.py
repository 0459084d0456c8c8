"""Opaque cursors for keyset pagination: the client gets a token, never an offset."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from pixelwise.domain.errors import InvalidInput

T = TypeVar("T")

MAX_LIMIT = 500


def encode_cursor(key: int | str) -> str:
    """A URL-safe token that resumes a listing after the row whose sort key is `key`."""
    raw = json.dumps({"after": key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | str | None:
    """The key inside a token from `encode_cursor`; InvalidInput for anything else."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        key = data["after"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise InvalidInput(
            "The cursor is not one this server issued; pass the next_cursor of the "
            "previous page unchanged, or omit it to start at the beginning.",
            field="cursor",
        ) from None
    if not isinstance(key, int | str) or isinstance(key, bool):
        raise InvalidInput("The cursor is malformed.", field="cursor")
    return key


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing and the cursor of the next page (None at the end)."""

    items: list[T]
    next_cursor: str | None


def page_from(items: list[T], limit: int, key: Callable[[T], int | str]) -> Page[T]:
    """A page from up to `limit + 1` items read in key order: an extra item only tells that
    there is a next page, which then starts after the key of the last item shown."""
    shown = items[:limit]
    more = len(items) > limit and bool(shown)
    return Page(shown, encode_cursor(key(shown[-1])) if more else None)


def every_item(fetch: Callable[[str | None], Page[T]]) -> Iterator[T]:
    """All items of a listing, page after page; `fetch(cursor)` reads one page."""
    cursor: str | None = None
    while True:
        page = fetch(cursor)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor
