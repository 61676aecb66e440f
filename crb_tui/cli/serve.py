"""``crb serve``: the app in a browser, through textual-serve (registered on the ``crb``
group by ``crb_tui.cli.commands``). Each browser tab runs its own ``crb`` process, on the
database, config and plugins of the command that started the server."""

from __future__ import annotations

import sys
from typing import Any

import click

from crb_tui.errors import CrbError
from crb_tui.host.app_context import AppContext
from crb_tui.text import warning_line

DEFAULT_PORT = 8000


def is_local(host: str) -> bool:
    """Whether ``host`` names this machine's loopback (only this machine can reach it)."""
    import ipaddress  # here, not at the top: `crb` loads this module on every start

    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_command(app: AppContext, screen: str | None) -> str:
    """The shell command each browser tab runs: this Python, this database, this config (whose
    ``plugins_dir`` brings the same plugins) and the screen asked for."""
    import shlex

    assert app.db_path is not None and app.config_path is not None
    args = [sys.executable, "-m", "crb_tui", "--db", str(app.db_path.resolve())]
    if app.config_path.is_file():
        args += ["--config", str(app.config_path.resolve())]
    if screen:
        args += ["--screen", screen]
    if app.debug:
        args.append("--debug")
    return shlex.join(args)


def local_fonts(page: str) -> str:
    """textual-serve's page takes its font from Google's servers: it would tell Google each time
    CRB is opened, and stay blank while a network that drops packets times out. The font files
    come with textual-serve; the page gets them from CRB instead."""
    import re

    faces = "".join(
        f'@font-face{{font-family:"Roboto Mono";font-style:{style};font-weight:100 700;'
        f'src:url("/static/fonts/{name}") format("truetype")}}'
        for style, name in (
            ("normal", "RobotoMono-VariableFont_wght.ttf"),
            ("italic", "RobotoMono-Italic-VariableFont_wght.ttf"),
        )
    )
    google = re.compile(r"<link\b[^>]*https://fonts\.googleapis\.com/[^>]*>")
    return google.sub(lambda _: f"<style>{faces}</style>", page)


def make_server(command: str, host: str, port: int, *, allow_remote: bool = False) -> Any:
    """A textual-serve server that answers only requests addressed to a local name (unless
    ``allow_remote``) and, from a browser, only its own pages: another site open in the same
    browser cannot reach the app, even through a name that resolves to 127.0.0.1."""
    from aiohttp import web
    from textual_serve.server import Server

    @web.middleware
    async def guard(request: web.Request, handler: Any) -> web.StreamResponse:
        if not allow_remote and not is_local(request.url.host or ""):
            raise web.HTTPForbidden(text="crb serve answers only on localhost\n")
        origin = request.headers.get("Origin")
        if origin is not None and origin != f"{request.scheme}://{request.host}":
            raise web.HTTPForbidden(text="crb serve answers only its own pages\n")
        return await handler(request)

    class CrbServer(Server):
        async def _make_app(self) -> web.Application:
            application = await super()._make_app()
            application.middlewares.append(guard)
            return application

        async def handle_index(self, request: web.Request) -> Any:
            # The page's links and websocket use the address the browser used (an SSH tunnel's
            # own port included), not the one the server listens on.
            self.public_url = f"{request.scheme}://{request.host}"
            response = await super().handle_index(request)
            # aiohttp-jinja2 types it a StreamResponse; the page it renders is a Response.
            if isinstance(response, web.Response) and response.text is not None:
                response.text = local_fonts(response.text)
            return response

    return CrbServer(command, host=host, port=port, title="CRB")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True,
    help="Port to listen on.",
)
@click.option(
    "--allow-remote", is_flag=True,
    help="Listen on an address other machines can reach (no password protects it).",
)
def serve(host: str, port: int, allow_remote: bool) -> None:
    """Serve the app to a browser at http://HOST:PORT (each tab runs its own app)."""
    ctx = click.get_current_context()
    app = ctx.find_object(AppContext)
    assert app is not None
    if not is_local(host):
        if not allow_remote:
            raise click.UsageError(
                f"--host {host} would let anyone who can reach this machine use your CRB, with "
                "no password; keep the default 127.0.0.1 and use an SSH tunnel, or add "
                "--allow-remote"
            )
        click.echo(
            warning_line(f"serving on {host}:{port}: anyone who can reach it can read and "
                         "change everything in your CRB, with no password"),
            err=True,
        )
    # Bad options, config or database: one line now, not in every browser tab later.
    if app.demo:
        app.ensure_demo()
    app.defer_scores = True
    app.store  # noqa: B018 - opened only to check it
    app.close()
    parent = ctx.parent.params if ctx.parent else {}
    server = make_server(
        app_command(app, parent.get("screen")), host, port, allow_remote=allow_remote
    )
    try:
        server.serve()
    except OSError as exc:
        raise CrbError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
