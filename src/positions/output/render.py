"""Print a query result: a table for people, CSV/TSV/JSON/Markdown for programs, RDF for graphs.

One entry point, :func:`render`, picks the writer for a format.  Only the
standard library is imported at the top (plus ``rich`` inside the table
writer), so that ``positions query`` pays for what it prints and nothing more.

Row formats follow the W3C specifications where there is one: SPARQL 1.1 Query
Results JSON, CSV and TSV.  CONSTRUCT and DESCRIBE give Turtle (triples sorted,
so that the same result always prints the same), N-Triples or JSON-LD.

Text meant for a terminal (the table and Markdown always; other formats when
standard output is a terminal) has its control characters and bidirectional
overrides escaped: a literal holding ``\\x1b[2J`` or U+202E must not clear the
screen or reverse what follows (hostile-input case 16 in tests/test_hostile.py).
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from positions.wording import plural

if TYPE_CHECKING:
    import pyoxigraph as ox

    from positions.sparql.engine import QueryResult

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
# Characters that reorder or hide text on a terminal (Unicode bidi controls).
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


@dataclass(frozen=True)
class Answered:
    """What :meth:`KnowledgeBase.write_query` wrote: the kind of answer, whether
    it was cut at the row limit, and an ASK query's verdict (None for others)."""

    kind: str
    truncated: bool
    boolean: bool | None


class OutputFormat(StrEnum):
    """What ``--format`` accepts."""

    table = "table"
    csv = "csv"
    csv_excel = "csv-excel"
    tsv = "tsv"
    json = "json"
    md = "md"
    turtle = "turtle"
    ntriples = "ntriples"
    jsonld = "jsonld"


ROW_FORMATS = (
    OutputFormat.table,
    OutputFormat.csv,
    OutputFormat.csv_excel,
    OutputFormat.tsv,
    OutputFormat.json,
    OutputFormat.md,
)
GRAPH_FORMATS = (OutputFormat.turtle, OutputFormat.ntriples, OutputFormat.jsonld)


class FormatMismatch(ValueError):
    """A format that does not fit the kind of result (CSV for a CONSTRUCT, ...)."""


def default_format(kind: str, terminal: bool) -> OutputFormat:
    """A table on a terminal, CSV in a pipe; Turtle for graphs either way."""
    if kind in ("construct", "describe"):
        return OutputFormat.turtle
    return OutputFormat.table if terminal else OutputFormat.csv


def render(
    result: QueryResult,
    fmt: OutputFormat,
    *,
    store: ox.Store | None = None,
    terminal: bool = False,
    width: int | None = None,
) -> str:
    """The text of ``result`` in ``fmt``; ``store`` gives the table its labels."""
    fmt = OutputFormat(fmt)
    if result.kind in ("construct", "describe"):
        if fmt not in GRAPH_FORMATS:
            raise FormatMismatch(
                f"a {result.kind.upper()} query gives a graph: use --format turtle, "
                f"ntriples or jsonld, not {fmt.value}"
            )
        text = _GRAPH_WRITERS[fmt](result)
    elif fmt in GRAPH_FORMATS:
        raise FormatMismatch(
            f"a {result.kind.upper()} query gives "
            f"{'true or false' if result.kind == 'ask' else 'rows'}: "
            f"use --format table, csv, csv-excel, tsv, json or md, not {fmt.value}"
        )
    elif result.kind == "ask":
        text = _ask(result, fmt)
    else:
        text = _ROW_WRITERS[fmt](result, store=store, width=width)
    if terminal or fmt in (OutputFormat.table, OutputFormat.md):
        text = escape_controls(text)
    return text


# --- Terminal safety --------------------------------------------------------------


def escape_controls(text: str) -> str:
    """Escape control characters (not newline, tab) and bidi controls: ``\\x1b``, ``\\u202e``."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char in "\n\t":
            out.append(char)
        elif char in BIDI_CONTROLS or char in "\u2028\u2029" or unicodedata.category(char) == "Cc":
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


# --- Terms as text ----------------------------------------------------------------


def plain_value(term: Any) -> str:
    """A term as CSV writes it: the IRI, the literal's text, ``_:id``; "" when unbound."""
    import pyoxigraph as ox

    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def display_value(term: Any, prefixes: dict[str, str], labels: dict[str, str]) -> str:
    """A term for people: ``Russia (kb:russia)``, literal text with a foreign language tag."""
    import pyoxigraph as ox

    from positions.rdf.namespaces import compact

    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        short = compact(term.value, prefixes)
        label = labels.get(term.value)
        return f"{label} ({short})" if label else short
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if term.language and term.language != "en":
        return f"{term.value} @{term.language}"
    return term.value


def labels_for(store: ox.Store | None, terms: list[Any]) -> dict[str, str]:
    """The label of each IRI among ``terms`` (the rule of :mod:`positions.rdf.labels`).

    Index lookups on the store, not a query built from the IRIs: no text is
    assembled from data, and the cost is a few microseconds an IRI.
    """
    import pyoxigraph as ox

    from positions.rdf.labels import label_of, literal_pairs

    if store is None:
        return {}
    labels: dict[str, str] = {}
    for term in terms:
        if not isinstance(term, ox.NamedNode) or term.value in labels:
            continue

        def values(predicate: str, node: ox.NamedNode = term) -> list[tuple[str, str | None]]:
            found = store.quads_for_pattern(node, ox.NamedNode(predicate), None, None)
            return literal_pairs(q.object for q in found)

        label = label_of(values)
        if label is not None:
            labels[term.value] = label
    return labels


# --- Rows ----------------------------------------------------------------------------


def _table(result: QueryResult, *, store: ox.Store | None, width: int | None) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    terms = [term for row in result.rows for term in row.values()]
    labels = labels_for(store, terms)
    shown = _table_columns(result)
    table = Table(show_lines=False, header_style="bold")
    for name in shown:
        table.add_column(name, overflow="fold")
    for row in result.rows:
        # Text(), not markup: a literal holding "[bold]" must print as written.
        table.add_row(*(Text(display_value(row.get(v), result.prefixes, labels)) for v in shown))
    buffer = io.StringIO()
    console = Console(file=buffer, width=width or 120, color_system=None, highlight=False)
    console.print(table)
    count = len(result.rows)
    note = plural(count, "row")
    if result.truncated:
        note += " (more were cut off by --limit)"
    return buffer.getvalue() + note + "\n"


def _table_columns(result: QueryResult) -> list[str]:
    """The columns a table shows: a ``xLabel`` column is left out when ``x`` holds
    IRIs, since the table already writes the label beside each IRI (the other
    formats keep every column, for programs)."""
    names = set(result.variables)
    iri_columns = {
        v
        for v in result.variables
        if any(type(row.get(v)).__name__ == "NamedNode" for row in result.rows)
    }
    return [
        v
        for v in result.variables
        if not (v.endswith("Label") and v[: -len("Label")] in names & iri_columns)
    ]


def _csv(result: QueryResult, **_: Any) -> str:
    # SPARQL 1.1 Query Results CSV: header of names, plain values, CRLF line ends.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow([plain_value(row.get(v)) for v in result.variables])
    return buffer.getvalue()


# A cell a spreadsheet would run as a formula begins with one of these (OWASP, "CSV
# Injection"); a number written plainly (-3, +1.5e3) is left as it is.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def spreadsheet_cell(text: str) -> str:
    """``text`` as a spreadsheet shows it without running it: a single quote before
    a cell that begins like a formula (``=HYPERLINK(...)`` becomes ``'=HYPERLINK(...)``)."""
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _csv_excel(result: QueryResult, **_: Any) -> str:
    # CSV for a person to open in a spreadsheet, not for programs (those take csv):
    # formula cells neutralised, every cell quoted, and a byte order mark so that
    # Excel reads UTF-8 (Cyrillic names) as UTF-8.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow([spreadsheet_cell(v) for v in result.variables])
    for row in result.rows:
        writer.writerow([spreadsheet_cell(plain_value(row.get(v))) for v in result.variables])
    return "\ufeff" + buffer.getvalue()


def _tsv(result: QueryResult, **_: Any) -> str:
    # SPARQL 1.1 Query Results TSV: ?names, terms in SPARQL/N-Triples syntax (whose
    # escapes keep tabs and newlines out of values), empty for unbound.
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    for row in result.rows:
        lines.append("\t".join(tsv_term(row.get(v)) for v in result.variables))
    return "\n".join(lines) + "\n"


# Numbers and booleans whose text is Turtle's short form are written bare, as
# SPARQL 1.1 TSV allows and pyoxigraph's own TSV writer does (positions.output.oxigraph_results
# writes with it: the two must give the same bytes).
_TURTLE_SHORT_FORMS = {
    XSD + "integer": r"[+-]?[0-9]+",
    XSD + "decimal": r"[+-]?[0-9]*\.[0-9]+",
    XSD + "double": r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)[eE][+-]?[0-9]+",
    XSD + "boolean": r"true|false",
}
_TSV_ESCAPES = str.maketrans({"\t": "\\t", "\n": "\\n", "\r": "\\r", '"': '\\"', "\\": "\\\\"})


def tsv_term(term: Any) -> str:
    """One term as SPARQL 1.1 TSV writes it; "" when unbound."""
    import re

    import pyoxigraph as ox

    if term is None:
        return ""
    if not isinstance(term, ox.Literal):
        return str(term)  # <iri>, _:id
    quoted = '"' + term.value.translate(_TSV_ESCAPES) + '"'
    if term.language:
        return f"{quoted}@{term.language}"
    datatype = term.datatype.value
    short = _TURTLE_SHORT_FORMS.get(datatype)
    if short is not None and re.fullmatch(short, term.value):
        return term.value
    return quoted if datatype == XSD_STRING else f"{quoted}^^<{datatype}>"


def json_term(term: Any) -> dict[str, str]:
    """One RDF term in SPARQL 1.1 Query Results JSON."""
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def _json(result: QueryResult, **_: Any) -> str:
    bindings = [
        {v: json_term(term) for v, term in row.items() if term is not None} for row in result.rows
    ]
    document = {"head": {"vars": result.variables}, "results": {"bindings": bindings}}
    return _dump_json(document)


def _dump_json(document: Any) -> str:
    text = json.dumps(document, ensure_ascii=False, indent=2)
    # json leaves bidi controls raw; \\uXXXX escapes keep the same value and a safe screen.
    for char in BIDI_CONTROLS | {"\u2028", "\u2029"}:
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text + "\n"


def _md(result: QueryResult, *, store: ox.Store | None, **_: Any) -> str:
    terms = [term for row in result.rows for term in row.values()]
    labels = labels_for(store, terms)
    lines = [
        "| " + " | ".join(_md_cell(v) for v in result.variables) + " |",
        "| " + " | ".join("---" for _ in result.variables) + " |",
    ]
    for row in result.rows:
        cells = [
            _md_cell(display_value(row.get(v), result.prefixes, labels)) for v in result.variables
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>")
    )


def _ask(result: QueryResult, fmt: OutputFormat) -> str:
    if fmt is OutputFormat.json:
        return _dump_json({"head": {}, "boolean": bool(result.boolean)})
    return "true\n" if result.boolean else "false\n"


_ROW_WRITERS = {
    OutputFormat.table: _table,
    OutputFormat.csv: _csv,
    OutputFormat.csv_excel: _csv_excel,
    OutputFormat.tsv: _tsv,
    OutputFormat.json: _json,
    OutputFormat.md: _md,
}


# --- Graphs --------------------------------------------------------------------------


def sorted_triples(result: QueryResult) -> list[Any]:
    return sorted(
        set(result.triples), key=lambda t: (str(t.subject), str(t.predicate), str(t.object))
    )


def _used_prefixes(triples: list[Any], prefixes: dict[str, str]) -> dict[str, str]:
    import pyoxigraph as ox

    iris = {
        term.value
        for triple in triples
        for term in (triple.subject, triple.predicate, triple.object)
        if isinstance(term, ox.NamedNode)
    }
    # Datatypes are written with prefixes too, but plain and tagged strings carry none.
    iris |= {
        t.object.datatype.value
        for t in triples
        if isinstance(t.object, ox.Literal) and t.object.datatype.value not in _UNWRITTEN
    }
    return {p: ns for p, ns in sorted(prefixes.items()) if any(i.startswith(ns) for i in iris)}


_UNWRITTEN = frozenset({XSD_STRING, RDF_LANG_STRING})


def _turtle(result: QueryResult) -> str:
    # The project's own writer: the same layout as data/ (sorted blocks, inline
    # evidence, content-derived blank node labels), so CONSTRUCT output diffs well.
    from positions.rdf.turtle import serialize_turtle

    return serialize_turtle(sorted_triples(result), result.prefixes)


def _ntriples(result: QueryResult) -> str:
    import pyoxigraph as ox

    text = ox.serialize(sorted_triples(result), format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    # One triple a line: split at line feeds only, as str.splitlines would also cut
    # a literal at a U+2028 or U+0085, which N-Triples leaves unescaped.
    return "".join(line + "\n" for line in sorted(text.split("\n")[:-1]))


def _jsonld(result: QueryResult) -> str:
    import pyoxigraph as ox

    text = ox.serialize(sorted_triples(result), format=ox.RdfFormat.JSON_LD).decode("utf-8")
    return _dump_json(json.loads(text))


_GRAPH_WRITERS = {
    OutputFormat.turtle: _turtle,
    OutputFormat.ntriples: _ntriples,
    OutputFormat.jsonld: _jsonld,
}
