"""What `pixelwise serve` does: check, migrate, seed the demo, and run Uvicorn on a bound socket."""

from __future__ import annotations

import gc
import socket

import typer

from pixelwise.db.engine import Database
from pixelwise.domain.errors import PixelwiseError
from pixelwise.services.context import Context
from pixelwise.settings import Settings, SettingsError

GC_YOUNG_THRESHOLD = 20_000


def _fail(message: str) -> typer.Exit:
    typer.echo(f"pixelwise: {message}", err=True)
    return typer.Exit(1)


def open_database(settings: Settings) -> Database:
    """The database, checked reachable; exits with one line when it is not."""
    try:
        settings.home_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _fail(
            f"cannot create the data directory {settings.home_dir}: {error.strerror}"
        ) from None
    database = Database(settings.effective_database_url)
    try:
        database.check()
    except PixelwiseError as error:
        raise _fail(error.detail) from None
    return database


def open_context(settings: Settings) -> Context:
    """A migrated database and the other resources, for CLI commands."""
    from pixelwise.db.migrate import migrate
    from pixelwise.storage.blobs import open_blob_store

    database = open_database(settings)
    migrate(database)
    try:
        blobs = open_blob_store(settings.effective_storage_url)
        blobs.check()
    except PixelwiseError as error:
        raise _fail(error.detail) from None
    return Context(settings=settings, database=database, blobs=blobs)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, or one clear line when the address is taken or invalid."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as error:
        raise _fail(f"cannot listen on host {host!r}: {error.strerror}") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as error:
        sock.close()
        if error.errno == 98:
            raise _fail(
                f"port {port} on {host} is already in use (is another pixelwise serve running?); "
                "choose another with --port or PIXELWISE_PORT"
            ) from None
        raise _fail(f"cannot listen on {host}:{port}: {error.strerror}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(settings: Settings, *, demo: bool) -> None:
    """Run the server in the foreground until interrupted."""
    import uvicorn

    from pixelwise import logs
    from pixelwise.app import build_context, create_app
    from pixelwise.db.migrate import migrate

    logs.configure(settings.log_level, settings.log_format)
    sock = bind(settings.host, settings.port)
    database = open_database(settings)
    database.dispose()
    try:
        ctx = build_context(settings)
        ctx.blobs.check()
        settings.secret()
    except (PixelwiseError, SettingsError, OSError) as error:
        raise _fail(str(error)) from None
    before, after = migrate(ctx.database)
    if before != after:
        typer.echo(f"database migrated to revision {after}", err=True)
    if demo:
        from pixelwise.services.demo import ensure_demo

        setup = ensure_demo(ctx)
        if setup.password:
            typer.echo(f"demo admin: {setup.email}  password: {setup.password}  (shown once)")
        else:
            typer.echo(f"demo admin: {setup.email} (password set earlier)")
    url = f"http://{settings.host}:{settings.port}"
    typer.echo(f"Pixelwise is serving {url}  (API docs: {url}/api/docs)", err=True)
    app = create_app(settings, ctx)
    config = uvicorn.Config(
        app, log_config=None, access_log=False, lifespan="on", timeout_graceful_shutdown=5
    )
    settle_garbage_collector()
    uvicorn.Server(config).run(sockets=[sock])


def settle_garbage_collector() -> None:
    """Set the start-up objects (modules, the app, its routes and models) aside from the
    garbage collector, and collect young objects less often.

    They are never garbage, yet every full collection walked them again: a pause of several
    milliseconds at random requests. A request makes thousands of short-lived containers;
    at the default threshold (700) the young generation was collected several times per
    save."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 20)
