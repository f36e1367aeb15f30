"""``positions serve``: the report's views, node pages, saved-query forms and /sparql.

The work is in :mod:`positions.web.server`; this module maps the options to it and runs
the server until Ctrl-C.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from positions.cli.options import command, open_kb
from positions.sparql.limits import MEMORY_PER_QUERY_MIB, SAVED_TIMEOUT

SERVE_HELP = """
Serve the base on http://127.0.0.1:PORT/: the report's views as pages, a page for every
party, person, demand, meeting, source and statement (also as Turtle or JSON-LD by content
negotiation, so the base's IRIs dereference), the saved queries as forms, and a read-only
SPARQL 1.1 Protocol endpoint at /sparql with the refusals and time limit of `positions query`.
Each query of /sparql and of the forms runs in a process of its own, stopped at the time
limit or when it takes more than --max-memory. Every page has a search box (names, quotes,
paraphrases; an index in .positions-cache/search.sqlite); /statements and /demands narrow by
party, speaker, stance, topic, target, source and date; results download as CSV or JSON;
/sparql opened in a browser is a query editor.

Safe by default on a shared desktop: a request must name the server's own
address in its Host header (127.0.0.1:PORT or localhost:PORT; other names are
refused with 421, a guard against DNS rebinding; --allow-host adds one), CORS
is off (no other web page may use the server; --allow-origin allows one), at
most 16 connections are served at once (more get 503) and each request must
arrive within 10 seconds.

[bold]Examples[/bold]

  positions serve

  positions serve --port 8000

  positions serve --allow-origin https://yasgui.triply.cc

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
    ] = SAVED_TIMEOUT,
    max_rows: Annotated[
        int, typer.Option("--max-rows", min=1, help="Most rows (or triples) one query may return.")
    ] = 10_000,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            metavar="NAME",
            help="A further name the Host header may give (repeatable; '*': any), e.g. the "
            "name of a proxy in front. By default only the listening address (and localhost).",
        ),
    ] = None,
    allow_origin: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-origin",
            metavar="ORIGIN",
            help="A web page's origin (https://host[:port]) allowed to use the server through "
            "the browser, with CORS (repeatable; '*': any). By default none.",
        ),
    ] = None,
    max_connections: Annotated[
        int,
        typer.Option("--max-connections", min=1, help="Connections served at once (more: 503)."),
    ] = 16,
    request_timeout: Annotated[
        float,
        typer.Option(
            "--request-timeout",
            min=0.1,
            help="Seconds a client has to send a request (line, headers, body); idle kept-alive "
            "connections are closed after it.",
        ),
    ] = 10.0,
    max_memory: Annotated[
        int,
        typer.Option(
            "--max-memory",
            min=16,
            help="Memory one query may take, in MiB (each query runs in a process of its own).",
        ),
    ] = MEMORY_PER_QUERY_MIB,
) -> None:
    from positions.web.guard import Safety

    safety = Safety(
        allow_hosts=tuple(allow_host or ()),
        allow_origins=tuple(allow_origin or ()),
        max_connections=max_connections,
        request_timeout=request_timeout,
    )
    server = open_kb().web_server(
        host, port, timeout=timeout, max_rows=max_rows, max_memory=max_memory, safety=safety
    )
    bound_host, bound_port = server.server_address[:2]
    print(f"Serving the base on http://{bound_host}:{bound_port}/ (Ctrl-C stops)", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
    finally:
        server.server_close()
