"""``positions serve``: the report's views, node pages, saved-query forms and /sparql.

The work is in :mod:`positions.web.server`; this module maps the options to it and runs
the server until Ctrl-C.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from positions.cli.options import command, open_kb
from positions.sparql.limits import MEMORY_PER_QUERY_MIB

SERVE_HELP = """
Serve the base on http://127.0.0.1:PORT/: the report's views as pages, a page for every
party, person, demand, meeting, source and statement (also as Turtle or JSON-LD by content
negotiation, so the base's IRIs dereference), the saved queries as forms, and a read-only
SPARQL 1.1 Protocol endpoint at /sparql with the refusals and time limit of `positions query`.
Each query of /sparql and of the forms runs in a process of its own, stopped at the time
limit or when it takes more than --max-memory.

[bold]Examples[/bold]

  positions serve

  positions serve --port 8000

  curl -H 'Accept: text/turtle' http://127.0.0.1:8080/id/russia
"""


def register(app: typer.Typer) -> None:
    app.command("serve", help=SERVE_HELP)(serve_command)


@command
def serve_command(
    port: Annotated[
        int, typer.Option("--port", "-p", min=0, max=65535, help="Port to listen on (0: any free).")
    ] = 8080,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Address to listen on. The default serves this machine only; another address "
            "exposes the base (read-only) to the network.",
        ),
    ] = "127.0.0.1",
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Time limit of a query (seconds).")
    ] = 30.0,
    max_rows: Annotated[
        int, typer.Option("--max-rows", min=1, help="Most rows (or triples) one query may return.")
    ] = 10_000,
    max_memory: Annotated[
        int,
        typer.Option(
            "--max-memory",
            min=16,
            help="Memory one query may take, in MiB (each query runs in a process of its own).",
        ),
    ] = MEMORY_PER_QUERY_MIB,
) -> None:
    server = open_kb().web_server(
        host, port, timeout=timeout, max_rows=max_rows, max_memory=max_memory
    )
    bound_host, bound_port = server.server_address[:2]
    print(f"Serving the base on http://{bound_host}:{bound_port}/ (Ctrl-C stops)", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
    finally:
        server.server_close()
