"""``positions query``: run a saved query, a query file or ad-hoc SPARQL.

Thin: :meth:`positions.api.KnowledgeBase.write_query` runs it (locally or on
``--endpoint``) and writes the answer.  Everything heavier than typer is imported
when the command runs, so that registering it costs nothing and running it never
loads rdflib or pyshacl.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from positions.cli.options import command, endpoint_option, open_kb
from positions.output.render import OutputFormat
from positions.sparql.limits import ADHOC_TIMEOUT, SAVED_TIMEOUT

QUERY_HELP = """
Run a saved query by NAME, a query FILE.rq, or ad-hoc SPARQL (--sparql TEXT, or - to read
standard input).

Parameters are bound with [bold]-p NAME=VALUE[/bold] as RDF terms, never pasted into the
query text. A value is typed from the parameter: an IRI ([italic]kb:russia[/italic],
[italic]https://...[/italic]), a date (2022-01-10), a number, true/false, or text.

Queries are read-only and closed: updates, SERVICE, FROM outside the base and LOAD are
refused (SERVICE and FROM are allowed with --allow-network). ASK prints true or false and
exits 0 or 1.

With [bold]--endpoint URL[/bold] the query runs on a SPARQL 1.1 endpoint (Oxigraph server:
http://HOST:PORT/query) instead of the local base, with the same parameters and formats;
credentials come from $POSITIONS_ENDPOINT_USER and $POSITIONS_ENDPOINT_PASSWORD, or
$POSITIONS_ENDPOINT_TOKEN (see docs/remote.md).

[bold]Examples[/bold]

  positions query meeting-timeline

  positions query meeting-timeline -p since=2022-01-01 -f csv

  positions query position-over-time -p party=kb:united-states -p topic=topic:nato-enlargement

  positions query --sparql 'SELECT ?p WHERE { ?p a pos:State }'

  echo 'ASK { ?s ?p ?o }' | positions query -

  positions query statements --endpoint http://127.0.0.1:7878/query
"""


def register(app: typer.Typer) -> None:
    app.command("query", help=QUERY_HELP)(query_command)


@command
def query_command(
    target: Annotated[
        str | None,
        typer.Argument(
            metavar="[NAME|FILE.rq|-]",
            help="A saved query's name, a .rq file, or - to read SPARQL from standard input.",
            show_default=False,
        ),
    ] = None,
    sparql: Annotated[
        str | None,
        typer.Option("--sparql", help="Run this SPARQL text instead of a saved query."),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", metavar="NAME=VALUE", help="Bind a parameter (repeatable)."),
    ] = None,
    fmt: Annotated[
        OutputFormat | None,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            help="table (default on a terminal), csv (default in a pipe), tsv, json, md; "
            "csv-excel for a spreadsheet (cells that would run as formulas are quoted); "
            "turtle (default), ntriples or jsonld for CONSTRUCT and DESCRIBE.",
            show_default=False,
        ),
    ] = None,
    allow_network: Annotated[
        bool,
        typer.Option(
            "--allow-network", help="Let SERVICE call out and FROM name graphs outside the base."
        ),
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit", min=1, help="Show at most N rows (or triples).", show_default=False
        ),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            min=0.1,
            help="Stop a query that runs longer, in seconds "
            f"(default {SAVED_TIMEOUT:g} for saved queries, {ADHOC_TIMEOUT:g} for others).",
            show_default=False,
        ),
    ] = None,
    endpoint: Annotated[
        str | None, endpoint_option("Run on this SPARQL 1.1 endpoint instead of the local base.")
    ] = None,
) -> None:
    from positions.cli.words import parse_params, query_source

    source = query_source(target, sparql)
    given = parse_params(param or [])
    kb = open_kb(endpoint)
    answered = kb.write_query(
        source, given, fmt=fmt, allow_network=allow_network, row_limit=limit, timeout=timeout
    )
    for notice in kb.unknown_parameters(source, given):
        print(f"Warning: {notice}", file=sys.stderr)
    if answered.truncated:
        print(f"Note: only the first {limit} shown (--limit {limit}).", file=sys.stderr)
    raise typer.Exit(code=1 if answered.kind == "ask" and not answered.boolean else 0)
