"""Facts from a spreadsheet: one CSV row per node, the same triples hand-written Turtle gives.

    from positions.adding.csvimport import read_csv, import_csv
    table = read_csv(kb, Path("statements.csv"))        # raises InputError naming row and column
    outcome = import_csv(kb, Path("statements.csv"))    # then the same plan/validate/commit as add

The column layout (docs/adding.md, 'Spreadsheets') is a table below: each
column names the property it fills and the kind of value it takes.  A row is a
statement, a demand, a meeting, a media appearance or a source: the ``kind``
column says which, else ``--kind``, else the file name (``statements.csv``).
A row whose ``id`` repeats an earlier row adds one more evidence to that node.

Cell values: references to nodes as ``kb:russia``, ``russia`` (a bare name is
in ``kb:``) or a full IRI, several separated by ``;``; concepts as
``stance:rejects`` or ``rejects``; dates as ``YYYY-MM-DD``; text as is.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import difflib
import io
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from positions.adding.apply import Outcome, add
from positions.adding.inputs import InputFile
from positions.errors import InputError, Position, UsageError
from positions.rdf import rdfio
from positions.rdf.namespaces import DATA, PREFIXES, compact
from positions.rdf.turtle import serialize_turtle

if TYPE_CHECKING:
    from positions.base.local import LocalBase
    from positions.checking.report import Problem

POS = PREFIXES["pos"]
DCT = PREFIXES["dcterms"]
RDF_TYPE = PREFIXES["rdf"] + "type"
XSD_DATE = ox.NamedNode(PREFIXES["xsd"] + "date")

# Value kinds: ref (a node), concept:<prefix> (a concept of one scheme), date,
# text (a plain string: verbatim words, titles), en (English prose: labels, notes).


@dataclass(frozen=True)
class Column:
    name: str
    predicate: str
    value: str
    many: bool = False


def _columns(*specs: tuple) -> dict[str, Column]:
    return {spec[0]: Column(*spec) for spec in specs}


COMMON = _columns(
    ("label", PREFIXES["rdfs"] + "label", "en"),
    ("note", POS + "curatorNote", "en"),
)
# One evidence per row: the source and its words.
EVIDENCE = _columns(
    ("source", POS + "source", "ref"),
    ("quote", POS + "quote", "text"),
    ("paraphrase", POS + "paraphrase", "text"),
    ("excerpt", POS + "excerpt", "text"),
    ("via", POS + "via", "ref"),
)
STATEMENT = _columns(
    ("speaker", POS + "speaker", "ref"),
    ("role", POS + "inRole", "ref"),
    ("party", POS + "onBehalfOf", "ref"),
    ("addressed_to", POS + "addressedTo", "ref", True),
    ("date", POS + "date", "date"),
    ("not_before", POS + "notBefore", "date"),
    ("not_after", POS + "notAfter", "date"),
    ("occasion", POS + "occasion", "ref"),
    ("stance", POS + "stance", "concept:stance"),
    ("target", POS + "target", "ref", True),
    ("target_scope", POS + "targetScope", "concept:scope"),
    ("topic", POS + "topic", "concept:topic", True),
    ("summary", POS + "summary", "en"),
)
DEMAND = _columns(
    ("made_by", POS + "madeBy", "ref"),
    ("addressed_to", POS + "addressedTo", "ref", True),
    ("topic", POS + "topic", "concept:topic", True),
    ("refines", POS + "refines", "ref", True),
    ("part_of", POS + "partOf", "ref"),
    ("stated_in", POS + "statedIn", "ref", True),
    ("summary", POS + "summary", "en"),
)
OCCASION = _columns(
    ("date", POS + "date", "date"),
    ("place", POS + "place", "ref"),
    ("format", POS + "format", "concept:fmt"),
    ("participant", POS + "participant", "ref", True),
    ("attendee", POS + "attendee", "ref", True),
    ("outlet", POS + "outlet", "ref"),
    ("topic", POS + "topic", "concept:topic", True),
    ("outcome", POS + "outcome", "en"),
)
SOURCE = _columns(
    ("title", DCT + "title", "text"),
    ("publisher", DCT + "publisher", "ref"),
    ("creator", DCT + "creator", "ref", True),
    ("published_on", POS + "publishedOn", "date"),
    ("genre", POS + "genre", "concept:genre", True),
    ("original_outlet", POS + "originalOutlet", "ref"),
    ("cites", POS + "cites", "ref", True),
    ("local_copy", POS + "localCopy", "text"),
)


@dataclass(frozen=True)
class Kind:
    name: str
    cls: str
    columns: dict[str, Column]
    evidence: bool = True


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("statement", POS + "Statement", STATEMENT),
        Kind("demand", POS + "Demand", DEMAND),
        Kind("meeting", POS + "Meeting", OCCASION),
        Kind("media-appearance", POS + "MediaAppearance", OCCASION),
        Kind("source", POS + "Source", SOURCE, evidence=False),
    )
}
FILE_KINDS = {"statements": "statement", "demands": "demand", "meetings": "meeting"}
FILE_KINDS |= {"sources": "source", "media-appearances": "media-appearance"}
RESERVED = ("kind", "id")
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LOCAL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*[A-Za-z0-9_-]|[A-Za-z0-9_]")


def all_columns() -> list[str]:
    """Every column a file may have, in the documented order."""
    names = list(RESERVED) + list(COMMON)
    for kind in KINDS.values():
        names += [c for c in kind.columns if c not in names]
    return names + [c for c in EVIDENCE if c not in names]


# -- reading ------------------------------------------------------------------------------


@dataclass
class Table:
    """The triples of a CSV file, with the row of each node and the column of each property."""

    path: Path
    name: str
    triples: list[tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.NamedNode | ox.Literal]] = (
        field(default_factory=list)
    )
    rows: dict[str, int] = field(default_factory=dict)  # node IRI -> first row
    columns: dict[str, str] = field(default_factory=dict)  # property IRI -> column

    def to_turtle(self) -> str:
        header = f"Generated by `positions import` from {self.name}."
        return serialize_turtle([ox.Triple(*t) for t in self.triples], PREFIXES, header=header)

    def input_file(self) -> InputFile:
        """The table as a new file for :mod:`positions.adding.apply`, naming rows, not lines."""
        return InputFile(
            self.name, list(self.triples), "", rows=dict(self.rows), columns=dict(self.columns)
        )


class _Context:
    """What cell values are checked against: known nodes and concepts."""

    def __init__(self, kb: LocalBase) -> None:
        self.kb = kb  # for suggestions of the kind a column takes (checking.unknown)
        self.nodes: set[str] = set()
        for path in kb.layout.data_files() + kb.layout.ontology_files():
            for quad in rdfio.read_rdf(path):
                if isinstance(quad.subject, ox.NamedNode):
                    self.nodes.add(quad.subject.value)
        self.concepts: dict[str, list[str]] = {}
        for prefix in ("stance", "scope", "topic", "fmt", "genre"):
            namespace = PREFIXES[prefix]
            self.concepts[prefix] = sorted(
                n[len(namespace) :] for n in self.nodes if n.startswith(namespace)
            )


def read_csv(
    kb: LocalBase,
    path: Path,
    kind: str | None = None,
    *,
    stage: Callable[[str], None] | None = None,
) -> Table:
    """Read ``path`` into triples; any bad cell raises InputError naming its row and column.

    ``stage`` is told what is being done (the base's names, the rows read so far):
    :func:`import_csv` shows it on a terminal.
    """
    say = stage or (lambda _text: None)
    path = Path(path)
    name = _display_name(kb, path)
    say(f"reading {name}")
    text = _read_text(path, name)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)  # an unclosed quote
    header = _header(reader, name)
    default_kind = _default_kind(path, kind, header, name)
    say("reading the names of the base's nodes and concepts")
    context = _Context(kb)
    say(f"reading the rows of {name}")
    rows = _rows(reader, header, name)
    _refuse_no_rows(rows, reader.line_num, name)
    ids = _collect_ids(rows, header, name)
    table = Table(path, name)
    first_values: dict[str, tuple[int, dict[str, str]]] = {}
    known_ids = set(ids.values())  # once: a set per row made the import quadratic (issue 23)
    for done, (line, cells) in enumerate(rows):
        if done % 500 == 0:
            say(f"translating the rows of {name}: {done:,} of {len(rows):,}")
        row_kind = _row_kind(cells, default_kind, name, line)
        node = ids[line]
        _row_triples(table, context, known_ids, node, row_kind, cells, name, line, first_values)
    return table


def _display_name(kb: LocalBase, path: Path) -> str:
    try:
        return kb.relative(path)
    except ValueError:
        return path.as_posix()


def _read_text(path: Path, name: str) -> str:
    try:
        data = rdfio.read_limited(path, name)  # /dev/zero too: refused at the limit
    except OSError as error:
        raise InputError(Position(name), f"cannot read the file: {error.strerror}") from None
    try:
        return data.decode("utf-8-sig")  # spreadsheets often write a byte order mark
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError(Position(name, line), "not UTF-8 text (save the CSV as UTF-8)") from None


def _header(reader: Iterable[list[str]], name: str) -> list[str]:
    try:
        header = [h.strip() for h in next(iter(reader))]
    except StopIteration:
        raise InputError(Position(name, 1), "the file is empty: no header row") from None
    except csv.Error as error:
        raise InputError(Position(name, 1), f"not a CSV file: {error}") from None
    known = all_columns()
    for column in header:
        if column not in known:
            close = difflib.get_close_matches(column, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(known)})"
            raise InputError(Position(name, 1), f"unknown column '{column}'{hint}")
    if len(set(header)) != len(header):
        twice = sorted({c for c in header if header.count(c) > 1})
        raise InputError(Position(name, 1), f"column '{twice[0]}' appears twice in the header")
    if "id" not in header:
        raise InputError(Position(name, 1), "the header has no 'id' column")
    return header


def _default_kind(path: Path, kind: str | None, header: list[str], name: str) -> str | None:
    if kind is not None:
        if kind not in KINDS:
            raise UsageError(f"--kind {kind!r} is not one of: {', '.join(KINDS)}")
        return kind
    if "kind" in header:
        return None  # every row says
    guessed = FILE_KINDS.get(path.stem.lower())
    if guessed is None:
        raise UsageError(
            f"{name}: say what the rows are with a 'kind' column or --kind "
            f"({', '.join(KINDS)}), or name the file statements.csv, demands.csv, ..."
        )
    return guessed


def _rows(reader: Iterable[list[str]], header: list[str], name: str) -> list[tuple[int, dict]]:
    out = []
    line = 2
    iterator = iter(reader)
    while True:
        start = line
        try:
            cells = next(iterator)
        except StopIteration:
            break
        except csv.Error as error:
            unclosed = "a quote opened on this row is never closed: " * (
                "end of data" in str(error)
            )
            raise InputError(Position(name, start), f"not valid CSV: {unclosed}{error}") from None
        line = reader.line_num + 1  # type: ignore[attr-defined] - a quoted cell spans lines
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            raise InputError(
                Position(name, start),
                f"{len(cells)} cells but the header has {len(header)} columns",
            )
        values = {h: c.strip() for h, c in zip(header, cells, strict=False)}
        for column, value in values.items():
            bad = _FORBIDDEN.search(value)
            if bad:
                raise InputError(
                    Position(name, start),
                    f"column '{column}': control or bidi character U+{ord(bad.group()):04X} "
                    "is not accepted",
                )
        out.append((start, values))
    return out


def _refuse_no_rows(rows: list[tuple[int, dict]], lines: int, name: str) -> None:
    if not rows:  # else: "every fact is already in the base", of no fact at all
        after = f"only blank lines ({lines - 1:,})" if lines > 1 else "nothing"
        raise InputError(Position(name), f"no rows to import: {after} after the header")


def _collect_ids(rows: list[tuple[int, dict]], header: list[str], name: str) -> dict[int, str]:
    ids = {}
    for line, cells in rows:
        raw = cells.get("id", "")
        if not raw:
            raise InputError(Position(name, line), "column 'id': empty; every row needs an id")
        iri = _node_iri(raw)
        if iri is None:
            raise InputError(
                Position(name, line),
                f"column 'id': {raw!r} is not a name (use kb:stmt-who-what, or letters, digits, "
                "'-', '_', '.')",
            )
        ids[line] = iri
    return ids


def _row_kind(cells: dict[str, str], default: str | None, name: str, line: int) -> Kind:
    value = cells.get("kind") or default
    if not value:
        raise InputError(Position(name, line), f"column 'kind': empty (one of {', '.join(KINDS)})")
    if value not in KINDS:
        close = difflib.get_close_matches(value, list(KINDS), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise InputError(
            Position(name, line),
            f"column 'kind': unknown kind {value!r} (known: {', '.join(KINDS)}){hint}",
        )
    return KINDS[value]


def _row_triples(
    table: Table,
    context: _Context,
    known_ids: set[str],
    node: str,
    kind: Kind,
    cells: dict[str, str],
    name: str,
    line: int,
    first_values: dict[str, tuple[int, dict[str, str]]],
) -> None:
    """The triples of one row; a repeated id may only add evidence."""
    subject = ox.NamedNode(node)
    node_columns = {**COMMON, **kind.columns}
    for column, value in cells.items():
        if value and column not in RESERVED and column not in node_columns:
            if column in EVIDENCE and kind.evidence:
                continue
            raise InputError(
                Position(name, line),
                f"column '{column}': a {kind.name} has no {column} (leave the cell empty)",
            )
    if node in first_values:
        first_line, first = first_values[node]
        for column in node_columns:
            if cells.get(column) and cells.get(column) != first.get(column):
                raise InputError(
                    Position(name, line),
                    f"column '{column}': differs from row {first_line}, which defines "
                    f"{_short(node)}"
                    "; a repeated id only adds evidence (leave the other cells empty)",
                )
    else:
        first_values[node] = (line, cells)
        table.rows[node] = line
        table.triples.append((subject, ox.NamedNode(RDF_TYPE), ox.NamedNode(kind.cls)))
        for column, spec in node_columns.items():
            for value in _values(cells.get(column, ""), spec, context, known_ids, name, line):
                table.triples.append((subject, ox.NamedNode(spec.predicate), value))
                table.columns[spec.predicate] = column
    if kind.evidence:
        _evidence(table, context, known_ids, subject, cells, name, line)


def _evidence(
    table: Table,
    context: _Context,
    known_ids: set[str],
    subject: ox.NamedNode,
    cells: dict[str, str],
    name: str,
    line: int,
) -> None:
    filled = [c for c in EVIDENCE if cells.get(c)]
    if not filled:
        return
    if "source" not in filled:
        raise InputError(
            Position(name, line),
            f"column 'source': empty, but column '{filled[0]}' is filled; evidence names its "
            "source",
        )
    if not any(c in filled for c in ("quote", "paraphrase", "excerpt")):
        raise InputError(
            Position(name, line),
            "column 'quote': evidence carries the source's words: fill quote, paraphrase or "
            "excerpt",
        )
    evidence = ox.BlankNode()
    table.triples.append((subject, ox.NamedNode(POS + "evidence"), evidence))
    table.columns[POS + "evidence"] = "source"
    for column in filled:
        spec = EVIDENCE[column]
        for value in _values(cells[column], spec, context, known_ids, name, line):
            table.triples.append((evidence, ox.NamedNode(spec.predicate), value))


def _values(
    raw: str,
    spec: Column,
    context: _Context,
    known_ids: set[str],
    name: str,
    line: int,
) -> list[ox.NamedNode | ox.Literal]:
    if not raw:
        return []
    if spec.value == "text":
        return [ox.Literal(raw)]
    if spec.value == "en":
        return [ox.Literal(raw, language="en")]
    if spec.value == "date":
        return [_date(raw, spec, name, line)]
    parts = [p for p in re.split(r"[;\s]+", raw) if p] if spec.many else [raw]
    if len(parts) > 1 and not spec.many:
        raise InputError(Position(name, line), f"column '{spec.name}': takes one value")
    if spec.value == "ref":
        return [_reference(p, spec, context, known_ids, name, line) for p in parts]
    return [_concept(p, spec, context, name, line) for p in parts]


def _date(raw: str, spec: Column, name: str, line: int) -> ox.Literal:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            raise ValueError
        datetime.date.fromisoformat(raw)
    except ValueError:
        raise InputError(
            Position(name, line),
            f"column '{spec.name}': {raw!r} is not a date written YYYY-MM-DD (such as 2022-01-10)",
        ) from None
    return ox.Literal(raw, datatype=XSD_DATE)


def _reference(
    raw: str, spec: Column, context: _Context, known_ids: set[str], name: str, line: int
) -> ox.NamedNode:
    iri = _node_iri(raw)
    if iri is None:
        raise InputError(
            Position(name, line), f"column '{spec.name}': {raw!r} is not a name or an IRI"
        )
    if iri not in context.nodes and iri not in known_ids:
        from positions.checking.unknown import link_suggestion

        hint = link_suggestion(context.kb, iri, spec.predicate)  # never of another kind
        raise InputError(
            Position(name, line),
            f"column '{spec.name}': unknown node {_short(iri)} (neither in the base nor an id "
            f"of this file){hint}",
        )
    return ox.NamedNode(iri)


def _concept(raw: str, spec: Column, context: _Context, name: str, line: int) -> ox.NamedNode:
    prefix = spec.value.split(":", 1)[1]
    local = raw[len(prefix) + 1 :] if raw.startswith(prefix + ":") else raw
    known = context.concepts.get(prefix, [])
    if local not in known:
        close = difflib.get_close_matches(local, known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise InputError(
            Position(name, line),
            f"column '{spec.name}': unknown {spec.name.replace('_', ' ')} {raw!r} "
            f"(known: {', '.join(known)}){hint}",
        )
    return ox.NamedNode(PREFIXES[prefix] + local)


def _node_iri(raw: str) -> str | None:
    """``kb:x``, ``x`` or ``<iri>``/``http(s)://...`` as an IRI; None if it is none of them."""
    raw = raw.strip()
    if raw.startswith("<") and raw.endswith(">"):
        raw = raw[1:-1]
    if re.match(r"https?://[^\s<>\"{}|\\^`]+$", raw):
        return raw
    prefix, sep, local = raw.partition(":")
    if sep:
        if prefix in PREFIXES and _LOCAL.fullmatch(local):
            return PREFIXES[prefix] + local
        return None
    return DATA + raw if _LOCAL.fullmatch(raw) else None


def _short(iri: str) -> str:
    return compact(iri, PREFIXES)


# -- importing ----------------------------------------------------------------------------


def import_csv(
    kb: LocalBase,
    path: Path,
    *,
    kind: str | None = None,
    dry_run: bool = False,
    strict: bool = False,
) -> Outcome:
    """Read the CSV, then plan, validate and commit its facts exactly as ``positions add`` does.

    The generated Turtle goes to a temporary folder outside data/, for the
    validator; every problem it reports is moved back to the row (and column)
    of the CSV it comes from.  While the rows are read, a terminal shows how
    far (``progress.Stages``: quiet in pipes and tests).
    """
    from positions.progress import Stages

    # The spinner stops before the add, which shows its own progress (loading,
    # validation): rich before 14 allows one live display at a time.
    stages = Stages()
    stages(f"reading {_display_name(kb, Path(path))}")
    with stages as stage:
        table = read_csv(kb, path, kind, stage=stage)
    with tempfile.TemporaryDirectory(prefix="positions-import-") as folder:
        turtle = Path(folder) / (Path(path).name + ".ttl")
        turtle.write_text(table.to_turtle(), encoding="utf-8")
        return add(
            kb,
            [turtle],
            dry_run=dry_run,
            strict=strict,
            relocate=lambda p: _relocate(p, table, turtle),
            inputs=[table.input_file()],
        )


def _relocate(problem: Problem, table: Table, turtle: Path) -> Problem:
    """A problem found in the generated Turtle, pointed at the CSV row and column."""
    if problem.file != turtle.as_posix():
        return problem
    from positions.rdf.namespaces import expand

    iri = expand(problem.path or "") if problem.path else None
    column = table.columns.get(iri or "")
    path = f"{problem.path} (column '{column}')" if column else problem.path
    return dataclasses.replace(
        problem, file=table.name, line=table.rows.get(problem.focus), path=path
    )
