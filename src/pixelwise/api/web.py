"""The browser client at /: the files Vite built into `pixelwise/web_dist`, served as they are.

- `/assets/*` are named after their content hash, so browsers may keep them for a year.
- `index.html` is revalidated on every visit (it names the current assets).
- Any other GET outside `/api` that is not a file answers index.html: the client routes
  `/projects/12` itself (a single-page app). A missing `/assets/*` file stays a 404, so a
  stale page never receives HTML in place of its script.
- Without a build (a fresh clone), every such page says how to make one.

No caller is identified here: the files are the same for everyone, and a stale session
cookie must not keep the sign-in page from loading.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.convertors import Convertor, register_url_convertor

from pixelwise.api.deps import Permit, client_address
from pixelwise.domain.errors import NotFound
from pixelwise.domain.permissions import Action
from pixelwise.services.context import Actor

# Where the build lands (web/vite.config.ts); tests point this elsewhere.
DIST = Path(__file__).resolve().parent.parent / "web_dist"

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
HEADERS = {"X-Content-Type-Options": "nosniff"}
PAGE_HEADERS = {**HEADERS, "Cache-Control": REVALIDATE, "X-Frame-Options": "DENY"}
TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".wasm": "application/wasm",
    ".webmanifest": "application/manifest+json",
}

MISSING_BUILD = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Pixelwise: the web client is not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>Pixelwise</h1>
<p>The server is running, but the web client has not been built yet. Build it once
(Node.js 20 or newer) from the repository root, then reload this page:</p>
<pre>cd web &amp;&amp; npm ci &amp;&amp; npm run build</pre>
<p>The API works without it: see <a href="/api/docs">/api/docs</a>.</p>
</body>
</html>
"""


class ClientPath(Convertor[str]):
    """Any path outside `/api`, so unknown API addresses stay JSON 404s (and 405s)."""

    regex = r"(?!api(?:/|$)).*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("client", ClientPath())


class PublicFile(Permit):
    """Declares the public action for the route walk, without looking at cookies or tokens."""

    async def __call__(self, request: Request) -> Actor:
        return Actor.anonymous(client_address(request))


router = APIRouter(tags=["web"])
Anyone = Annotated[Actor, Depends(PublicFile(Action.DOCS_READ))]


@router.get("/{name:client}", include_in_schema=False, response_model=None)
def client_file(name: str, _: Anyone) -> Response:
    """A file of the built client, else its index.html (or the page saying how to build it)."""
    root = DIST.resolve()
    index = root / "index.html"
    if not index.is_file():
        return HTMLResponse(MISSING_BUILD, headers=PAGE_HEADERS)
    if name:
        target = (root / name).resolve()
        if target.is_relative_to(root) and target.is_file() and target != index:
            cache = IMMUTABLE if target.is_relative_to(root / "assets") else REVALIDATE
            return FileResponse(
                target,
                media_type=_media_type(target),
                headers={**HEADERS, "Cache-Control": cache},
            )
        if name.startswith("assets/"):
            raise NotFound(f"The web client has no file {name!r}; reload the page.")
    return FileResponse(index, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


def _media_type(path: Path) -> str:
    known = TYPES.get(path.suffix.lower())
    if known is not None:
        return known
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"
