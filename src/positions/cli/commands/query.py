"""``positions query`` runs a query; ``positions queries`` lists the saved ones.

Both are thin: the work is in :mod:`positions.sparql.engine` (the engine),
:mod:`positions.sparql.catalogue` (saved queries) and :mod:`positions.output.render` (output).
Everything heavier than typer is imported inside the command bodies, so that
registering these commands costs nothing and running them never loads rdflib or
pyshacl.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from positions.output.render import OutputFormat

# Saved queries are reviewed and may aggregate a large base; an ad-hoc query is
# fenced more tightly, so that a runaway join answers quickly with a message.
SAVED_TIMEOUT = 30.0
ADHOC_TIMEOUT = 10.0

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

  positions query statements-by-party -p party=kb:russia -p since=2022-01-01 -f csv

  positions query --sparql 'SELECT ?p WHERE { ?p a pos:Party }'

  echo 'ASK { ?s ?p ?o }' | positions query -

  positions query statements --endpoint http://127.0.0.1:7878/query
"""

QUERIES_HELP = """
List the saved queries of the base (name, summary, parameters, tags), or show one query
with its description, parameters, text and an example call.

[bold]Examples[/bold]

  positions queries

  positions queries statements-by-party
"""


def register(app: typer.Typer) -> None:
    app.command("query", help=QUERY_HELP)(query_command)
    app.command("queries", help=QUERIES_HELP)(queries_command)


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
        str | None,
        typer.Option(
            "--endpoint",
            metavar="URL",
            help="Run on this SPARQL 1.1 endpoint instead of the local base.",
            show_default=False,
        ),
    ] = None,
) -> None:
    from positions.cli.app import fail, open_kb
    from positions.errors import PositionsError

    try:
        code = _run_query(
            target, sparql, param or [], fmt, allow_network, limit, timeout, open_kb, endpoint
        )
    except PositionsError as error:
        fail(error)
        return
    raise typer.Exit(code=code)


def _run_query(
    target, sparql, params, fmt, allow_network, limit, timeout, open_kb, endpoint=None
) -> int:  # noqa: PLR0913
    source = _query_source(target, sparql)
    given = _parse_params(params)
    kb = open_kb()
    if endpoint is None:
        kb.prefetch_store()  # a large base's store opens while the query is made ready
    from positions.errors import UsageError
    from positions.output.render import FormatMismatch, default_format, render
    from positions.sparql.engine import prepare, run_prepared

    if timeout is None:
        timeout = SAVED_TIMEOUT if source in kb.catalogue.names() else ADHOC_TIMEOUT
    terminal = sys.stdout.isatty()
    if endpoint is not None:
        result = _run_remote(kb, source, given, endpoint, allow_network, limit, timeout)
    else:
        prepared = prepare(kb, source, given, allow_network=allow_network)
        wanted = fmt or default_format(prepared.query.kind, terminal)
        if not terminal and _streamed(kb, prepared, wanted, limit, timeout):
            return 0
        result = run_prepared(kb, prepared, row_limit=limit, timeout=timeout)
    chosen = fmt or default_format(result.kind, terminal)
    try:
        text = render(result, chosen, store=kb.store, terminal=terminal, width=_width())
    except FormatMismatch as error:
        raise UsageError(str(error)) from None
    sys.stdout.write(text)
    if result.truncated:
        _say_truncated(limit)
    if result.kind == "ask":
        return 0 if result.boolean else 1
    return 0


def _say_truncated(limit: int | None) -> None:
    print(f"Note: only the first {limit} shown (--limit {limit}).", file=sys.stderr)


def _streamed(kb, prepared, fmt, limit, timeout) -> bool:  # noqa: ANN001
    """CSV, TSV or N-Triples into a pipe or a file, written by pyoxigraph itself
    (positions.sparql.stream); False, with nothing written, when the answer must be
    rendered here."""
    from positions.output.render import OutputFormat

    if fmt not in (OutputFormat.csv, OutputFormat.tsv, OutputFormat.ntriples):
        return False
    out = getattr(sys.stdout, "buffer", None)  # None when stdout was replaced by text only
    if out is None:
        return False
    from positions.sparql.stream import write_csv, write_ntriples, write_tsv

    write = {OutputFormat.csv: write_csv, OutputFormat.tsv: write_tsv}.get(fmt, write_ntriples)
    sys.stdout.flush()
    streamed = write(kb, prepared, out, row_limit=limit, timeout=timeout)
    if streamed is None:
        return False
    if streamed.truncated:
        _say_truncated(limit)
    return True


def _run_remote(kb, source, given, endpoint, allow_network, limit, timeout):  # noqa: ANN001, ANN202, PLR0913
    from positions.remote.http import Credentials
    from positions.remote.query import run_remote

    credentials = Credentials.from_options(env_prefix="POSITIONS_ENDPOINT")
    return run_remote(
        kb,
        source,
        given,
        endpoint=endpoint,
        credentials=credentials,
        allow_network=allow_network,
        row_limit=limit,
        timeout=timeout,
    )


def _query_source(target: str | None, sparql: str | None) -> str:
    from positions.errors import UsageError

    if sparql is not None and target is not None:
        raise UsageError("give either a query NAME/FILE/- or --sparql TEXT, not both")
    if sparql is not None:
        if not sparql.strip():
            raise UsageError("--sparql was given an empty query")
        return sparql
    if target is None:
        raise UsageError(
            "which query? Give a saved query's name (see `positions queries`), a .rq file, "
            "- for standard input, or --sparql TEXT"
        )
    if target == "-":
        text = sys.stdin.read()
        if not text.strip():
            raise UsageError("no query on standard input")
        return text if _is_text(text) else text + "\n"
    return target


def _is_text(text: str) -> bool:
    # A one-word query read from stdin must not be taken for a saved query's name.
    return any(c.isspace() or c in "{}" for c in text.strip())


def _parse_params(pairs: list[str]) -> dict[str, str]:
    from positions.errors import UsageError

    given: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"-p expects NAME=VALUE, not {pair!r}")
        if name in given:
            raise UsageError(f"parameter {name!r} is given twice")
        given[name] = value
    return given


def _width() -> int | None:
    import shutil

    return shutil.get_terminal_size((120, 24)).columns if sys.stdout.isatty() else None


def queries_command(
    name: Annotated[
        str | None,
        typer.Argument(help="Show this saved query in full.", show_default=False),
    ] = None,
) -> None:
    from positions.cli.app import fail, open_kb
    from positions.errors import PositionsError

    try:
        catalogue = open_kb().catalogue
        text = _show_one(catalogue.get(name)) if name else _list_all(catalogue)
    except PositionsError as error:
        fail(error)
        return
    from positions.output.render import escape_controls

    sys.stdout.write(escape_controls(text))


def _list_all(catalogue) -> str:  # noqa: ANN001 - Catalogue, imported lazily
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    queries = catalogue.all()
    if not queries:
        return f"No saved queries in {catalogue.folder}.\n"
    table = Table(header_style="bold")
    for column in ("name", "summary", "parameters", "tags"):
        table.add_column(column, overflow="fold")
    for query in queries:
        params = ", ".join(_param_brief(p) for p in query.parameters) or "-"
        table.add_row(
            Text(query.name), Text(query.summary), Text(params), Text(", ".join(query.tags))
        )
    return (
        _to_text(Console, table)
        + f"{len(queries)} saved queries; `positions queries NAME` shows one.\n"
    )


def _param_brief(parameter) -> str:  # noqa: ANN001 - Parameter
    mark = "" if parameter.needs_value else "?"
    return f"{parameter.name}{mark}:{parameter.kind}"


def _show_one(query) -> str:  # noqa: ANN001 - SavedQuery
    lines = [f"{query.name} ({query.kind.upper()})", ""]
    if query.summary:
        lines += [query.summary, ""]
    if query.description:
        lines += [query.description, ""]
    if query.tags:
        lines += [f"Tags: {', '.join(query.tags)}", ""]
    if query.parameters:
        lines.append("Parameters:")
        for parameter in query.parameters:
            lines.append(f"  -p {parameter.describe()}")
            if parameter.choices:
                lines.append(f"     one of: {', '.join(str(c) for c in parameter.choices)}")
        lines.append("")
    lines += [
        f"File: {query.path}",
        "",
        query.text.rstrip(),
        "",
        "Example:",
        f"  {query.example_call()}",
    ]
    return "\n".join(lines) + "\n"


def _to_text(console_class, renderable) -> str:  # noqa: ANN001
    import io

    buffer = io.StringIO()
    width = _width() or 120
    console_class(file=buffer, width=width, color_system=None, highlight=False).print(renderable)
    return buffer.getvalue()
