"""``positions push URL``: replace a graph of a SPARQL Graph Store with the base.

Thin: the work is in :mod:`positions.remote.push`.  Credentials come from options or
the environment and are never printed; see docs/remote.md.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from positions.cli.options import Insecure, Timeout, command, open_kb

PUSH_HELP = """
Upload the base (ontology and data, as N-Triples) to a SPARQL 1.1 Graph Store Protocol
endpoint, [bold]replacing[/bold] the target graph, then report how many triples the server
holds there. For Oxigraph server the URL is http://HOST:PORT/store.

Without --graph the server's default graph is replaced. Credentials: --user with
$POSITIONS_PUSH_PASSWORD (or --password), or --token / $POSITIONS_PUSH_TOKEN; they are
never printed. Plain http:// is refused for any host but this machine unless --insecure.

[bold]Examples[/bold]

  positions push http://127.0.0.1:7878/store

  POSITIONS_PUSH_TOKEN=... positions push https://kb.example.org/store --graph https://example.org/g
"""


def register(app: typer.Typer) -> None:
    app.command("push", help=PUSH_HELP)(push_command)


@command
def push_command(
    url: Annotated[str, typer.Argument(help="The Graph Store Protocol URL (…/store).")],
    graph: Annotated[
        str | None,
        typer.Option("--graph", help="Replace this named graph instead of the default graph."),
    ] = None,
    query_endpoint: Annotated[
        str | None,
        typer.Option(
            "--query-endpoint",
            help="Where to count the triples (default: …/query beside …/store or …/data; "
            "else the graph is read back).",
            show_default=False,
        ),
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", envvar="POSITIONS_PUSH_USER", show_envvar=True)
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            help="Prefer $POSITIONS_PUSH_PASSWORD: an option shows in ps.",
            show_default=False,
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option("--token", help="A bearer token; prefer $POSITIONS_PUSH_TOKEN."),
    ] = None,
    insecure: Insecure = False,
    timeout: Timeout = 30.0,
    with_description: Annotated[
        bool,
        typer.Option("--with-description", help="Also upload the VoID/DCAT description."),
    ] = False,
) -> None:
    from positions.remote.http import Credentials
    from positions.remote.push import ANONYMOUS_WRITE_WARNING

    report = open_kb(timeout=timeout).push(
        url,
        graph=graph,
        query_endpoint=query_endpoint,
        credentials=Credentials.from_options(user, password, token),
        insecure=insecure,
        with_description=with_description,
    )
    print(report.summary())
    if report.anonymous:
        print(ANONYMOUS_WRITE_WARNING, file=sys.stderr)
