"""Entry point of the `pixelwise` command. Settings come from PIXELWISE_* variables; flags win."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from pixelwise.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from pixelwise.services.context import Context

T = TypeVar("T")

app = typer.Typer(
    help="Pixelwise: label images, videos and DICOM studies.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
users_app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)
tokens_app = typer.Typer(help="Manage API tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")

HomeOpt = Annotated[
    str | None,
    typer.Option("--home", help="Data directory [env: PIXELWISE_HOME]", show_default=False),
]


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one line to stderr and return the Exit to raise."""
    typer.echo(f"pixelwise: {message}", err=True)
    return typer.Exit(code)


def settings_from(**flags: object) -> Settings:
    try:
        return load_settings(**flags)
    except SettingsError as error:
        raise fail(str(error), 2) from None


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on [env: PIXELWISE_HOST]")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port [env: PIXELWISE_PORT]")] = None,
    home: HomeOpt = None,
    demo: Annotated[bool, typer.Option(help="Create a demo admin, dataset and project.")] = False,
) -> None:
    """Migrate the database and serve the web app and API (with in-process jobs by default)."""
    from pixelwise.cli.serving import serve as run_server

    run_server(settings_from(host=host, port=port, home=home), demo=demo)


@app.command()
def worker(home: HomeOpt = None) -> None:
    """Run background jobs from the Redis broker (PIXELWISE_BROKER_URL) until stopped."""
    from pixelwise.jobs.worker import run_worker

    settings = settings_from(home=home)
    guard(lambda: run_worker(settings))


@app.command()
def migrate(home: HomeOpt = None) -> None:
    """Bring the database schema to the newest version."""
    from pixelwise.cli.serving import open_database
    from pixelwise.db.migrate import migrate as run_migrations

    settings = settings_from(home=home)
    database = open_database(settings)
    before, after = run_migrations(database)
    typer.echo(f"database at revision {after}" + ("" if before == after else f" (was {before})"))


@app.command()
def config(home: HomeOpt = None) -> None:
    """Print the effective settings (secrets hidden)."""
    settings = settings_from(home=home)
    for key, value in settings.public_view().items():
        typer.echo(f"{key}={'' if value is None else value}")


@app.command()
def openapi() -> None:
    """Print the API's OpenAPI document (JSON); it touches no data directory or database."""
    import json
    import tempfile

    from pixelwise.app import create_app

    with tempfile.TemporaryDirectory(prefix="pixelwise-openapi-") as scratch:
        settings = settings_from(home=scratch, database_url="", broker_url="", storage_url="")
        api = create_app(settings)
        document = api.openapi()
        api.state.context.database.dispose()
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False))


def guard(action: Callable[[], T]) -> T:
    """Run `action`, turning expected errors into one line (exit 2 for settings, else 1)."""
    from pixelwise.domain.errors import PixelwiseError

    try:
        return action()
    except SettingsError as error:
        raise fail(str(error), 2) from None
    except PixelwiseError as error:
        raise fail(str(error)) from None


def open_cli_context(home: str | None) -> Context:
    """Settings, a migrated database and storage for a command."""
    from pixelwise.cli.serving import open_context

    return open_context(settings_from(home=home))


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="Sign-in email.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    admin: Annotated[bool, typer.Option("--admin", help="Make an organisation admin.")] = False,
    home: HomeOpt = None,
) -> None:
    """Create a user. The password comes from stdin (--password-stdin) or a prompt."""
    from pixelwise.domain.permissions import OrgRole
    from pixelwise.services import users
    from pixelwise.services.context import Actor

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    ctx = open_cli_context(home)
    role = OrgRole.ADMIN if admin else OrgRole.MEMBER
    info = guard(
        lambda: users.create_user(
            ctx, Actor.system("cli"), email=email, password=password, name=name, org_role=role
        )
    )
    typer.echo(f"created user {info.id} {info.email} ({info.org_role})")


@users_app.command("list")
def users_list(home: HomeOpt = None) -> None:
    """List every user."""
    from rich.console import Console
    from rich.table import Table

    from pixelwise.domain.pagination import every_item
    from pixelwise.services import users

    ctx = open_cli_context(home)
    table = Table("id", "email", "name", "role", "active")
    for user in every_item(lambda cursor: users.list_users(ctx, cursor=cursor, limit=500)):
        active = "yes" if user.is_active else "no"
        table.add_row(str(user.id), user.email, user.name, str(user.org_role), active)
    Console().print(table)


@users_app.command("deactivate")
def users_deactivate(
    email: Annotated[str, typer.Argument(help="Email of the user.")], home: HomeOpt = None
) -> None:
    """Deactivate a user: they are signed out and their tokens stop working."""
    from pixelwise.services import users
    from pixelwise.services.context import Actor

    ctx = open_cli_context(home)
    user = guard(lambda: users.find_user(ctx, email))
    guard(lambda: users.update_user(ctx, Actor.system("cli"), user.id, is_active=False))
    typer.echo(f"deactivated {user.email}")


@tokens_app.command("create")
def tokens_create(
    email: Annotated[str, typer.Option(help="The token's user.")],
    name: Annotated[str, typer.Option(help="What the token is for.")],
    expires_in_days: Annotated[int | None, typer.Option(help="Days until it expires.")] = None,
    home: HomeOpt = None,
) -> None:
    """Create an API token; it is printed once, on standard output."""
    from pixelwise.services import tokens
    from pixelwise.services.context import Actor

    ctx = open_cli_context(home)
    new = guard(
        lambda: tokens.create_token(
            ctx, Actor.system("cli"), name, expires_in_days, for_email=email
        )
    )
    typer.echo(new.token)
    typer.echo(
        f"token {new.info.id} '{new.info.name}' for {email}; it is not shown again.", err=True
    )


def _add_subcommands() -> None:
    from pixelwise.cli.datasets import datasets_app
    from pixelwise.cli.exports import export_command

    app.add_typer(datasets_app, name="datasets")
    app.command("export")(export_command)


_add_subcommands()


def run() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    run()
