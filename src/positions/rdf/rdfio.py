"""The one gate every RDF file passes on its way into a base.

Files are parsed with pyoxigraph's strict parser (it refuses much that rdflib's
lets through, and says where).  Around it, the gate refuses what a parser alone
would accept or choke on (hostile-input cases 9 to 18, tests/test_rdfio.py):

* files over a size limit, before a byte is parsed;
* ``[``, ``(``, ``{`` nested deeper than a limit (pyoxigraph's JSON-LD parser
  overflows the C stack near 2,000 levels and kills the process);
* JSON-LD whose ``@context`` names a document (remote or ``file:``) to load;
* RDF/XML with a DOCTYPE or ENTITY declaration (entity expansion bombs);
* ill-typed literals (``"2024-02-30"^^xsd:date``, ``"maybe"^^xsd:boolean``) and
  numbers with more digits than rdflib can convert;
* control characters and bidi overrides inside literals and IRIs.

Every refusal is an :class:`InputError` naming the file, the line (and column
when known), quoting the line; the limit that was hit is named in the message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from positions.errors import InputError, Position
from positions.rdf import xsdcheck

FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
}


@dataclass
class Limits:
    """What the gate accepts; raise a limit by passing your own instance, or for
    every command with the global options named in :data:`LIMIT_OPTIONS`."""

    max_bytes: int = 50 * 1024 * 1024
    max_nesting: int = 64
    max_number_digits: int = xsdcheck.MAX_NUMBER_DIGITS


DEFAULT_LIMITS = Limits()

# The command-line option that raises each limit, named in every refusal.
LIMIT_OPTIONS = {
    "max_bytes": "--max-input-bytes",
    "max_nesting": "--max-nesting",
    "max_number_digits": "--max-number-digits",
}


def configure_limits(**values: int | None) -> None:
    """Set the limits every reader uses by default (the CLI's global options).

    A limit not given (None) goes back to its built-in value, so that one
    command's options never leak into the next run in the same process.
    """
    built_in = Limits()
    for name in LIMIT_OPTIONS:
        value = values.get(name)
        setattr(DEFAULT_LIMITS, name, getattr(built_in, name) if value is None else value)


def format_for(path: Path) -> ox.RdfFormat:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise InputError(
            Position(path), f"unknown RDF file type {path.suffix!r} (known: {known})"
        ) from None


def read_rdf(
    path: Path,
    graph: ox.NamedNode | None = None,
    *,
    limits: Limits = DEFAULT_LIMITS,
    base_iri: str | None = None,
) -> list[ox.Quad]:
    """Read and check one file strictly into quads (into ``graph`` when given).

    Relative IRIs are refused unless ``base_iri`` (an absolute IRI, never the
    file's own path) is given to resolve them against.
    """
    path = Path(path)
    fmt = format_for(path)
    try:
        data = read_limited(path, limits=limits)
    except OSError as error:
        raise InputError(Position(path), f"cannot read the file: {error.strerror}") from None
    return parse_bytes(data, path, fmt, graph, limits=limits, base_iri=base_iri)


def read_limited(
    path: Path, shown: Path | str | None = None, *, limits: Limits = DEFAULT_LIMITS
) -> bytes:
    """The bytes of ``path`` (named ``shown`` in errors), refused past ``limits.max_bytes``
    before more than that is read: a file may grow after its size is checked, and a
    device (``/dev/zero``) or a pipe has no size to check."""
    shown = path if shown is None else shown
    _check_size(path.stat().st_size, shown, limits)
    with path.open("rb") as handle:
        data = handle.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise InputError(
            Position(shown),
            f"the file is over the size limit of {limits.max_bytes:,} bytes "
            "(Limits.max_bytes; raise it with --max-input-bytes); nothing was parsed",
        )
    return data


def parse_bytes(
    data: bytes,
    path: Path,
    fmt: ox.RdfFormat,
    graph: ox.NamedNode | None = None,
    *,
    limits: Limits = DEFAULT_LIMITS,
    base_iri: str | None = None,
) -> list[ox.Quad]:
    """Check and parse ``data`` (read from ``path``, named in errors) into quads.

    A UTF-8 byte order mark at the start (some editors on Windows write one) is
    not part of the text: it is dropped, as the Turtle and JSON specifications allow.
    """
    _check_size(len(data), path, limits)
    data = without_bom(data)
    text = data.decode("utf-8", errors="replace")
    _pre_scan(text, path, fmt, limits)
    try:
        quads = list(ox.parse(data, format=fmt, base_iri=base_iri))
    except SyntaxError as error:
        raise _syntax_error(error, path, text) from None
    quads = _scope_blank_nodes(quads, graph)
    _check_terms(quads, path, text, limits)
    return quads


UTF8_BOM = b"\xef\xbb\xbf"


def without_bom(data: bytes) -> bytes:
    """``data`` without the UTF-8 byte order mark it may start with."""
    return data[len(UTF8_BOM) :] if data.startswith(UTF8_BOM) else data


def _scope_blank_nodes(quads: list[ox.Quad], graph: ox.NamedNode | None) -> list[ox.Quad]:
    """Give each file's blank nodes identities of their own, and put the quads in ``graph``.

    pyoxigraph keeps the labels written in the file (``_:b1``), so two files
    that both say ``_:b1`` would otherwise share one node once in a store, and a
    new file's blank nodes could merge with the base's.  (pyoxigraph 0.5's
    parse() has no to_graph argument, hence the graph here too.)
    """
    fresh: dict[ox.BlankNode, ox.BlankNode] = {}

    def scoped(term):  # any RDF term
        if isinstance(term, ox.BlankNode):
            if term not in fresh:
                fresh[term] = ox.BlankNode()
            return fresh[term]
        return term

    return [
        ox.Quad(
            scoped(q.subject),
            q.predicate,
            scoped(q.object),
            graph if graph is not None else q.graph_name,
        )
        for q in quads
    ]


def graph_iri(relative: str) -> ox.NamedNode:
    """The named graph that holds one file of the base, e.g. ``data/statements.ttl``."""
    return ox.NamedNode(f"https://w3id.org/positions/graph/{relative}")


def load_files(
    store: ox.Store, files: Iterable[tuple[Path, str]], *, limits: Limits = DEFAULT_LIMITS
) -> None:
    """Load ``(path, relative name)`` pairs into ``store``, one named graph per file.

    Every file is checked before any is added, so a bad file merges nothing.
    """
    parsed = [read_rdf(path, graph_iri(relative), limits=limits) for path, relative in files]
    for quads in parsed:
        store.extend(quads)


# -- before parsing ----------------------------------------------------------------


def _check_size(size: int, path: Path | str, limits: Limits) -> None:
    if size > limits.max_bytes:
        raise InputError(
            Position(path),
            f"the file is {size:,} bytes, over the size limit of {limits.max_bytes:,} bytes "
            "(Limits.max_bytes; raise it with --max-input-bytes); nothing was parsed",
        )


def _pre_scan(text: str, path: Path, fmt: ox.RdfFormat, limits: Limits) -> None:
    if fmt == ox.RdfFormat.RDF_XML:
        _refuse_xml_declarations(text, path)
        return
    tokens = _JSON_TOKENS if fmt == ox.RdfFormat.JSON_LD else _TURTLE_TOKENS
    _check_nesting(text, path, tokens, limits)
    if fmt == ox.RdfFormat.JSON_LD:
        _refuse_context_documents(text, path)


# Everything that can hide a bracket (strings, IRIs, comments, escapes) is
# matched whole, so that only structural brackets count.  Each alternative
# starts with a different character, so the scan is linear.
_TURTLE_TOKENS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r"|<<|>>"
    r"|<[^<>\s]*>"
    r"|#[^\n\r]*"
    r"|\\."
    r"|[\[\](){}]",
    re.DOTALL,
)
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_OPENERS = {"[", "(", "{", "<<"}
_CLOSERS = {"]", ")", "}", ">>"}


def _check_nesting(text: str, path: Path, tokens: re.Pattern[str], limits: Limits) -> None:
    depth = 0
    for match in tokens.finditer(text):
        token = match.group()
        if token in _OPENERS:
            depth += 1
            if depth > limits.max_nesting:
                raise _error_at(
                    path,
                    text,
                    match.start(),
                    f"brackets nested deeper than the limit of {limits.max_nesting} "
                    "(Limits.max_nesting; raise it with --max-nesting)",
                )
        elif token in _CLOSERS:
            depth = max(depth - 1, 0)


_XML_DECLARATION = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def _refuse_xml_declarations(text: str, path: Path) -> None:
    match = _XML_DECLARATION.search(text)
    if match:
        raise _error_at(
            path,
            text,
            match.start(),
            f"RDF/XML with a {match.group(1).upper()} declaration is refused "
            "(entities can read files or expand without end)",
        )


def _refuse_context_documents(text: str, path: Path) -> None:
    """Refuse any ``@context`` or ``@import`` that names a document to load."""
    try:
        document = json.loads(text)
    except ValueError as error:
        raise _error_at(path, text, getattr(error, "pos", 0), f"invalid JSON: {error}") from None
    pending = [document]
    while pending:  # iterative: the nesting limit already bounds the depth
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
        elif isinstance(node, dict):
            for key in ("@context", "@import"):
                for reference in _document_references(node.get(key)):
                    raise _error_at(
                        path,
                        text,
                        _find(text, json.dumps(reference)),
                        f"JSON-LD {key} {reference!r} names a document to load; only "
                        "inline contexts are accepted (nothing was fetched or read)",
                    )
            pending.extend(node.values())


def _document_references(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


# -- after parsing -------------------------------------------------------------------

# C0 controls other than tab, newline and carriage return; DEL and C1; and the
# bidi embeddings, overrides and isolates that make text read as it is not.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# The same characters in UTF-8, for a scan of raw bytes.  The one-byte ones are
# found by deleting every other byte (bytes.translate runs at memory speed, where
# a regex character class costs ten times more); the others start with a byte
# rare enough for the regex engine's prefix search.
_FORBIDDEN_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_ALLOWED_BYTES = bytes(b for b in range(256) if b not in _FORBIDDEN_BYTES)
_FORBIDDEN_MULTIBYTE = re.compile(rb"\xc2[\x80-\x9f]|\xe2(?:\x80[\xaa-\xae]|\x81[\xa6-\xa9])")
_ESCAPE = re.compile(rb"\\[uU]")
_DIGITS_AS_ZERO = bytes.maketrans(b"0123456789", b"0" * 10)


def plainly_clean(data: bytes, limits: Limits = DEFAULT_LIMITS) -> bool:
    """True when a byte scan shows ``data`` holds nothing the term checks would refuse.

    No control or bidi character written raw, no ``\\u``/``\\U`` escape that
    could write one, no run of digits over the number limit.  About 0.3 s for
    100 MB (a single regex of the same alternatives took 4.6 s, holding the GIL
    while the loads ran), where the term checks cost Python time per triple;
    ill-typed literals are not looked for.  Used to load a large base's own data
    files fast (:mod:`positions.base.store`); anything it flags goes through the full
    gate instead.
    """
    if data.startswith(UTF8_BOM):  # pyoxigraph's own loader would refuse it: the gate drops it
        return False
    if data.translate(None, _ALLOWED_BYTES):  # what is left is forbidden
        return False
    if _FORBIDDEN_MULTIBYTE.search(data) or _ESCAPE.search(data):
        return False
    # A run of digits longer than the limit: every digit becomes "0", then one find.
    return b"0" * (limits.max_number_digits + 1) not in data.translate(_DIGITS_AS_ZERO)


def _check_terms(quads: list[ox.Quad], path: Path, text: str, limits: Limits) -> None:
    seen: set[ox.Literal | ox.NamedNode] = set()
    for quad in quads:
        for term in (quad.subject, quad.predicate, quad.object):
            if term in seen or isinstance(term, ox.BlankNode):
                continue
            seen.add(term)
            if isinstance(term, ox.Triple):
                raise InputError(Position(path), "RDF 1.2 triple terms are not supported")
            if isinstance(term, ox.Literal):
                _check_literal(term, path, text, limits)
            else:
                _check_iri(term, path, text)


def _check_literal(literal: ox.Literal, path: Path, text: str, limits: Limits) -> None:
    forbidden = _FORBIDDEN.search(literal.value)
    if forbidden:
        char = forbidden.group()
        raise _error_at(
            path,
            text,
            _find_literal(text, literal.value, forbidden.start()),
            f"a literal holds the control character U+{ord(char):04X}; write it out or remove it",
        )
    problem = xsdcheck.problem(literal.value, literal.datatype.value, limits.max_number_digits)
    if problem:
        raise _error_at(path, text, _find_literal(text, literal.value, 0), problem)


def _check_iri(node: ox.NamedNode, path: Path, text: str) -> None:
    # pyoxigraph refuses controls and spaces in IRIs, but accepts bidi controls.
    forbidden = _FORBIDDEN.search(node.value)
    if forbidden:
        raise _error_at(
            path,
            text,
            _find_literal(text, node.value, forbidden.start()),
            f"an IRI holds the control character U+{ord(forbidden.group()):04X}",
        )


def _find_literal(text: str, value: str, bad_index: int) -> int:
    """Where in ``text`` a literal of lexical form ``value`` is written, or -1.

    Quoted forms first (``"0"`` rather than the first ``0`` in the file), then
    the bare form as a whole token; a form written with escapes is found by the
    text around the bad character, or by the escape itself.
    """
    candidates = [f'"{value}"^^', f"'{value}'^^", f'"{value}"', f"'{value}'"]
    bare = re.compile(r"(?<![\w.:/#<\\-])" + re.escape(value) + r"(?![\w])") if value else None
    tail: list[str] = []
    if bad_index < len(value):
        before = value[:bad_index].rsplit("\n", 1)[-1]
        if len(before) >= 3:
            tail.append(before[-40:])
        code = ord(value[bad_index])
        tail += [f"\\u{code:04x}", f"\\u{code:04X}", f"\\U{code:08x}", f"\\U{code:08X}"]
    for needle in candidates:
        where = _find(text, needle)
        if where >= 0:
            return where + 1  # the lexical form, after the quote
    match = bare.search(text) if bare else None
    if match:
        return match.start()
    for needle in tail:
        where = _find(text, needle)
        if where >= 0:
            return where
    return -1


def _find(text: str, needle: str) -> int:
    return text.find(needle) if needle else -1


# -- errors ----------------------------------------------------------------------------


def _error_at(path: Path, text: str, offset: int, problem: str) -> InputError:
    """An error at character ``offset`` of ``text`` (or at no line when it is -1)."""
    if offset < 0:
        return InputError(Position(path), problem)
    line = text.count("\n", 0, offset) + 1
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    excerpt = text[line_start : line_end if line_end >= 0 else len(text)]
    column = offset - line_start + 1
    return InputError(Position(path, line, column), problem, _printable(excerpt, column))


def _syntax_error(error: SyntaxError, path: Path, text: str) -> InputError:
    line = getattr(error, "lineno", None)
    column = getattr(error, "offset", None)
    problem = str(error.msg if hasattr(error, "msg") else error)
    # pyoxigraph prefixes its message with the range; keep only what is wrong.
    if ": " in problem and problem.startswith("Parser error"):
        problem = problem.split(": ", 1)[1]
    excerpt = None
    if line:
        lines = text.split("\n")
        if 0 < line <= len(lines):
            excerpt = _printable(lines[line - 1], column)
    return InputError(Position(path, line, column), problem, excerpt)


def _printable(line: str, column: int | None) -> str | None:
    """A quoted line safe to print: controls escaped, long lines cut after the column.

    The caret under the quote counts columns from the start of the line, so a
    line is cut only after the column; a column far along quotes nothing.
    """
    keep = max(_QUOTE_WIDTH, (column or 0) + 40)
    if keep > _MAX_QUOTE_WIDTH:
        return None
    line = line.rstrip("\r")
    cut = line[:keep] + " ..." if len(line) > keep else line
    # Before the column a control becomes one U+FFFD, so the caret stays in place;
    # from the column on it is shown as its escape.  Never printed raw.
    head, tail = cut[: (column or 1) - 1], cut[(column or 1) - 1 :]
    return _FORBIDDEN.sub("\ufffd", head) + _FORBIDDEN.sub(
        lambda m: f"\\u{ord(m.group()):04X}", tail
    )


_QUOTE_WIDTH = 200
_MAX_QUOTE_WIDTH = 1000
