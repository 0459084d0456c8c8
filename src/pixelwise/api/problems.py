"""RFC 9457 problem details for every error, so clients get one shape and a human message."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from pixelwise.domain import errors

log = logging.getLogger("pixelwise.api")

PROBLEM_JSON = "application/problem+json"

STATUS = {
    errors.InvalidInput: 422,
    errors.TooLarge: 413,
    errors.NotAuthenticated: 401,
    errors.PermissionDenied: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.TooManyRequests: 429,
    errors.Unavailable: 503,
}

TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem-details response."""
    body = {
        "type": "about:blank",
        "title": title or TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _status_for(error: errors.PixelwiseError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        where, rest = parts[0], parts[1:]
        return f"{where}:{'.'.join(rest)}" if rest else where
    return ".".join(parts)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every exception into problem details."""

    @app.exception_handler(errors.PixelwiseError)
    async def _pixelwise(_request: Request, error: errors.PixelwiseError) -> JSONResponse:
        headers = None
        if isinstance(error, errors.TooManyRequests):
            headers = {"Retry-After": str(error.retry_after)}
        return problem(
            _status_for(error), error.detail, title=error.title, headers=headers, **error.extra
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "location": _location(item.get("loc", ())),
                "message": item.get("msg", ""),
                "type": item.get("type", ""),
            }
            for item in error.errors()
        ]
        if any(item["type"] == "json_invalid" for item in problems):
            return problem(
                400,
                "The request body is not valid JSON: " + problems[0]["message"],
                errors=problems,
            )
        summary = "; ".join(f"{item['location']}: {item['message']}" for item in problems[:5])
        return problem(422, f"The request has invalid values. {summary}", errors=problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        detail = error.detail if isinstance(error.detail, str) else str(error.detail)
        if error.status_code == 404 and detail == "Not Found":
            detail = "There is nothing at this address; the API is described at /api/docs."
        elif error.status_code == 405:
            detail = "This address does not accept this method; see /api/docs."
        return problem(error.status_code, detail, headers=getattr(error, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(
            500, "Something went wrong on the server; the error was logged. Please report it."
        )
