"""API commands: `serve` runs the HTTP API under uvicorn; `users add` creates a user and prints its token.

Registered onto the main Typer app by `docintel.cli`.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

err_console = Console(stderr=True, highlight=False)

users_app = typer.Typer(help="API users and their bearer tokens.", no_args_is_help=True)


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="The user's name (shown in audit and review history).")],
    role: Annotated[str, typer.Option(help="uploader | officer | admin")],
    branch: Annotated[str | None, typer.Option(help="Branch (required for uploaders and officers).")] = None,
) -> None:
    """Create a user; the token is printed once, on the last line, and only its hash is stored."""
    from api.auth import UserError, create_user
    from docintel.store.db import get_engine
    from docintel.store.models import Role

    try:
        parsed = Role(role)
    except ValueError:
        err_console.print(f"[red]--role must be one of {', '.join(r.value for r in Role)}[/red]")
        raise typer.Exit(2) from None
    try:
        token = create_user(get_engine(), name, parsed, branch)
    except UserError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    typer.echo(f"created {parsed.value} {name!r}" + (f" of branch {branch!r}" if branch else ""))
    typer.echo("token (shown once; send as 'Authorization: Bearer <token>'):")
    typer.echo(token)


@users_app.command("token")
def users_token(name: Annotated[str, typer.Argument(help="An existing user's name.")]) -> None:
    """Issue a new token for a user (the old one stops working); printed once, on the last line."""
    from api.auth import UserError, issue_token
    from docintel.store.db import get_engine

    try:
        token = issue_token(get_engine(), name)
    except UserError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    typer.echo(f"new token for {name!r} (shown once; the previous token no longer works):")
    typer.echo(token)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(help="Local processing worker processes per server process (default: DOCINTEL_API_WORKERS or 1)."),
    ] = None,
    processes: Annotated[
        int, typer.Option(min=1, help="Server processes answering requests (uvicorn workers) on one port.")
    ] = 1,
) -> None:
    """Run the HTTP API (uploads are read on Celery when DOCINTEL_BROKER_URL is set, else locally)."""
    import os

    import uvicorn

    if workers is not None:
        os.environ["DOCINTEL_API_WORKERS"] = str(workers)  # read by ApiSettings in every server process
    if processes == 1:
        from api.app import create_app

        uvicorn.run(create_app(), host=host, port=port, log_level="info")
    else:
        # Each process builds its own app (engine, queue, caches); startup chores run in one of them.
        uvicorn.run("api.app:create_app", factory=True, workers=processes, host=host, port=port, log_level="info")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.command("serve")(serve)
