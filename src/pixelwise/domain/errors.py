"""Errors that use cases raise; the API turns each kind into a problem-details response.

Every message is written for the person who sent the request: it says what is wrong
and, where it can, what to do instead.
"""

from __future__ import annotations


class PixelwiseError(Exception):
    """Base of every expected failure. `title` is a short, stable summary of the kind."""

    title = "Request failed"

    def __init__(self, detail: str, **extra: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class InvalidInput(PixelwiseError):
    """The request is well-formed but a value is unacceptable (names the field)."""

    title = "Invalid input"


class TooLarge(InvalidInput):
    """The request (or a file in it) is over a size limit; the message names the setting."""

    title = "Request too large"


class NotAuthenticated(PixelwiseError):
    """No valid session cookie or API token came with the request."""

    title = "Not signed in"


class PermissionDenied(PixelwiseError):
    """The caller is known but their role does not allow this action."""

    title = "Not allowed"


class NotFound(PixelwiseError):
    """The named thing does not exist (or is not visible to the caller)."""

    title = "Not found"


class Conflict(PixelwiseError):
    """The request clashes with the current state (duplicate, stale revision, ...)."""

    title = "Conflict"


class TooManyRequests(PixelwiseError):
    """The caller must wait `retry_after` seconds before trying again."""

    title = "Too many requests"

    def __init__(self, detail: str, retry_after: int, **extra: object) -> None:
        super().__init__(detail, **extra)
        self.retry_after = retry_after


class Unavailable(PixelwiseError):
    """A service the request needs (database, broker, storage) cannot be reached."""

    title = "Service unavailable"
