"""``positions export`` writes the base in one RDF format, to standard output or a file.

The work is in :mod:`positions.output.export`; this module only maps options to it and
writes the bytes.  A file is written atomically (a temporary file beside it,
then a rename), so an interrupted export leaves the previous file whole.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from positions.cli.options import command, open_kb

EXPORT_HELP = """
Write the base as Turtle (default), N-Triples, TriG, N-Quads, JSON-LD or RDF/XML, to standard
output or --output FILE. The same base gives the same bytes.

The export holds the data, the ontology (leave it out with --no-ontology), the SHACL shapes
if asked (--with-shapes) and a VoID/DCAT description of the dataset (leave it out with
--no-description). TriG and N-Quads keep one named graph per file of the base
(https://w3id.org/positions/graph/data/parties.ttl, ...) and put the description in the
default graph; the other formats merge them. JSON-LD is compacted with the context of
ontology/context.jsonld, written inline.

[bold]Examples[/bold]

  positions export > positions.ttl

  positions export -f trig --with-shapes -o positions.trig

  positions export -f jsonld --no-ontology -o positions.jsonld

  positions export -f nquads --closure -o closure.nq

A large base is written from its store as it goes (N-Triples and N-Quads always; Turtle and
TriG laid out by pyoxigraph's own writer there), with a bar on a terminal. A file is written
with the mode your umask gives a new file.
"""


def register(app: typer.Typer) -> None:
    # Typer reads the enum for --format from the signature; importing it here is
    # cheap (export.py imports nothing heavy at module level).
    app.command("export", help=EXPORT_HELP)(export_command)


@command
def export_command(
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="turtle, nt (or ntriples), trig, nquads, jsonld or rdfxml.",
            case_sensitive=False,
        ),
    ] = "turtle",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file (atomically) instead of stdout."),
    ] = None,
    no_ontology: Annotated[
        bool, typer.Option("--no-ontology", help="Leave out the ontology files.")
    ] = False,
    with_shapes: Annotated[
        bool, typer.Option("--with-shapes", help="Include the SHACL shapes.")
    ] = False,
    no_description: Annotated[
        bool, typer.Option("--no-description", help="Leave out the VoID/DCAT description.")
    ] = False,
    sparql_endpoint: Annotated[
        str | None,
        typer.Option("--sparql-endpoint", help="Name this SPARQL endpoint in the description."),
    ] = None,
    closure: Annotated[
        bool,
        typer.Option(
            "--closure",
            help="Include the inferred triples (the named graph "
            "https://w3id.org/positions/graph/inferred), if the store has them.",
        ),
    ] = False,
) -> None:
    kb = open_kb()
    if closure and not kb.has_inferred_graph():
        print(
            "positions: the store has no inferred graph (https://w3id.org/positions/graph/"
            "inferred): --closure adds nothing",
            file=sys.stderr,
        )
    kb.write_export(
        fmt,
        output=output,
        to=None if output is not None else sys.stdout.buffer,
        include_ontology=not no_ontology,
        include_shapes=with_shapes,
        include_description=not no_description,
        sparql_endpoint=sparql_endpoint,
        include_inferred=closure,
    )
    if output is None:
        sys.stdout.buffer.flush()
