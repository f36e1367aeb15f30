"""What a SPARQL query is, and whether positions lets it run.

positions runs queries over a read-only, closed base.  Before a query reaches
the engine, :func:`inspect_query` reads it with a small lexer (comments,
strings, IRIs, prefixed names and variables are skipped as wholes, so that the
word ``SERVICE`` inside a string or ``pos:SERVICE`` never trips it) and refuses:

* updates (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE, COPY): the
  base changes only through ``positions add``;
* SERVICE (also SILENT, also inside FILTER EXISTS): pyoxigraph would call out
  through its own HTTP client, which no Python audit hook sees;
* FROM / FROM NAMED naming anything but one of the base's own graphs.

Why a lexer rather than the engine's own algebra: pyoxigraph exposes no parsed
query, and rdflib's parser costs 200 ms of imports that a query must not pay.
A lexer that errs on the side of refusing is enough, because the engine parses
the query again and rejects whatever the lexer misread.

Syntax errors from pyoxigraph ("error at 3:7: expected ...") become
:class:`InputError` with the line, column and the offending line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Container, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import pyoxigraph as ox

from positions.errors import InputError, Position, QueryRefused, UsageError

if TYPE_CHECKING:
    from positions.base.catalogue import Parameter, SavedQuery

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY"}
)
NETWORK_HINT = "pass --allow-network (allow_network=True) if you mean it"

# Terminals of the SPARQL 1.1 grammar (section 19.8), simplified where a
# simplification can only make the lexer see *more* keywords, never fewer.
_PN_CHARS = r"\w\-\u00B7\u0300-\u036F\u203F-\u2040"
_TOKEN_PATTERNS: list[tuple[str, str]] = [
    ("ws", r"\s+"),
    ("comment", r"#[^\n\r]*"),
    ("string", r'"""(?:[^"\\]|\\.|"(?!""))*(?:"""|$)'),
    ("string", r"'''(?:[^'\\]|\\.|'(?!''))*(?:'''|$)"),
    ("string", r'"(?:[^"\\\n\r]|\\.)*(?:"|$)'),
    ("string", r"'(?:[^'\\\n\r]|\\.)*(?:'|$)"),
    ("iri", r"<[^<>\"{}|^`\\\x00-\x20]*>"),
    ("var", r"[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+"),
    ("langtag", r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*"),
    ("bnode", rf"_:[{_PN_CHARS}.]*"),
    # A prefixed name: optional prefix, a colon, a local part (with escapes).
    ("pname", rf"(?:[^\W\d_][{_PN_CHARS}.]*)?:(?:[{_PN_CHARS}.:%]|\\.)*"),
    ("word", r"[^\W\d][\w]*"),
    ("number", r"\d[\d.eE+\-]*"),
    ("punct", r"[\s\S]"),
]
_TOKEN_RE = re.compile(
    "|".join(f"(?P<{kind}{i}>{rx})" for i, (kind, rx) in enumerate(_TOKEN_PATTERNS))
)

_SYNTAX_RE = re.compile(r"^error at (\d+):(\d+): (.*)$", re.DOTALL)


@dataclass(frozen=True)
class Token:
    kind: str  # ws, comment, string, iri, var, langtag, bnode, pname, word, number, punct
    text: str
    offset: int


def tokens(text: str) -> Iterator[Token]:
    """The tokens of ``text`` that matter to a reader: no whitespace, no comments."""
    for match in _TOKEN_RE.finditer(text):
        kind = match.lastgroup.rstrip("0123456789") if match.lastgroup else "punct"
        value = match.group()
        if kind in ("ws", "comment"):
            continue
        if kind == "pname" and value.endswith("."):
            # A final dot ends the triple, it is not part of the name (`ex:a ex:b ex:c.`).
            stripped = value.rstrip(".")
            yield Token(kind, stripped, match.start())
            continue
        yield Token(kind, value, match.start())


@dataclass(frozen=True)
class Finding:
    """Something in a query that positions may refuse: an update, a SERVICE, a FROM."""

    what: str  # "update", "service" or "from"
    word: str  # the keyword as written, upper-cased
    target: str  # the IRI (or variable) it names, "" if none
    line: int
    column: int


@dataclass
class QueryInfo:
    """What the lexer learnt about a query."""

    kind: str  # select, ask, construct, describe, or unknown (the engine will say why)
    variables: list[str] = field(default_factory=list)  # names without ? or $, in order seen
    prefixes: dict[str, str] = field(default_factory=dict)  # declared with PREFIX
    base: str | None = None
    dataset: list[str] = field(default_factory=list)  # IRIs named by FROM / FROM NAMED
    findings: list[Finding] = field(default_factory=list)

    @property
    def uses_service(self) -> bool:
        return any(f.what == "service" for f in self.findings)


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def scan_query(text: str) -> QueryInfo:
    """Read ``text`` without judging it: form, variables, prefixes, dataset, findings."""
    toks = list(tokens(text))
    info = QueryInfo(kind="")
    _read_prologue(toks, info)
    for index, tok in enumerate(toks):
        if tok.kind == "var":
            name = tok.text[1:]
            if name not in info.variables:
                info.variables.append(name)
            continue
        if tok.kind != "word":
            continue
        word = tok.text.upper()
        line, column = line_and_column(text, tok.offset)
        if word in UPDATE_WORDS:
            info.findings.append(Finding("update", word, "", line, column))
        elif word in QUERY_FORMS and not info.kind:
            info.kind = word.lower()
        elif word == "SERVICE":
            target = _service_target(toks, index)
            info.findings.append(Finding("service", word, target, line, column))
        elif word == "FROM":
            iri = _dataset_iri(toks, index, info)
            info.dataset.append(iri)
            info.findings.append(Finding("from", word, iri, line, column))
    # A text with no query form is not a query; the engine's parser will say where.
    info.kind = info.kind or "unknown"
    return info


def inspect_query(
    text: str,
    *,
    allowed_graphs: Container[str] = (),
    allow_network: bool = False,
    source: str = "<query>",
) -> QueryInfo:
    """Read ``text``; refuse what a read-only, closed base does not allow.

    ``allowed_graphs`` are the IRIs that FROM and FROM NAMED may name (the base's
    own graphs).  ``allow_network`` lifts the SERVICE and FROM refusals, never
    the refusal of updates.
    """
    info = scan_query(text)
    for finding in info.findings:
        if finding.what == "update":
            raise _refuse_update(finding, source)
    if allow_network:
        return info
    for finding in info.findings:
        if finding.what == "service":
            raise _refuse_service(finding, source)
        if finding.what == "from" and finding.target not in allowed_graphs:
            raise _refuse_from(finding, source)
    return info


def _read_prologue(toks: list[Token], info: QueryInfo) -> None:
    """Collect PREFIX and BASE declarations (they may only come before the query form)."""
    i = 0
    while i < len(toks):
        word = toks[i].text.upper() if toks[i].kind == "word" else None
        if word == "BASE" and i + 1 < len(toks) and toks[i + 1].kind == "iri":
            info.base = toks[i + 1].text[1:-1]
            i += 2
        elif (
            word == "PREFIX"
            and i + 2 < len(toks)
            and toks[i + 1].kind == "pname"
            and toks[i + 1].text.endswith(":")
            and toks[i + 2].kind == "iri"
        ):
            iri = toks[i + 2].text[1:-1]
            info.prefixes[toks[i + 1].text[:-1]] = urljoin(info.base, iri) if info.base else iri
            i += 3
        else:
            return


def _dataset_iri(toks: list[Token], index: int, info: QueryInfo) -> str:
    """The IRI after FROM or FROM NAMED, expanded and resolved as the engine would."""
    nxt = index + 1
    if nxt < len(toks) and toks[nxt].kind == "word" and toks[nxt].text.upper() == "NAMED":
        nxt += 1
    if nxt >= len(toks):
        return ""
    tok = toks[nxt]
    if tok.kind == "iri":
        iri = tok.text[1:-1]
        return urljoin(info.base, iri) if info.base else iri
    if tok.kind == "pname":
        from positions.rdf.namespaces import PREFIXES

        prefix, _, local = tok.text.partition(":")
        namespace = info.prefixes.get(prefix, PREFIXES.get(prefix))
        return namespace + local if namespace is not None else tok.text
    return tok.text


def _service_target(toks: list[Token], index: int) -> str:
    for tok in toks[index + 1 : index + 3]:  # SERVICE [SILENT] <iri>|pname|?var
        if tok.kind in ("iri", "pname", "var"):
            return tok.text
    return ""


def _refuse_update(finding: Finding, source: str) -> QueryRefused:
    return QueryRefused(
        f"{source}: {finding.word} (line {finding.line}, column {finding.column}) is a SPARQL "
        "update; queries are read-only and cannot change the base. "
        "To add facts, use `positions add`."
    )


def _refuse_service(finding: Finding, source: str) -> QueryRefused:
    target = f" {finding.target}" if finding.target else ""
    return QueryRefused(
        f"{source}: SERVICE{target} (line {finding.line}, column {finding.column}) would call "
        "out to the network; queries run only on the base itself. "
        f"To run it anyway, {NETWORK_HINT}."
    )


def _refuse_from(finding: Finding, source: str) -> QueryRefused:
    return QueryRefused(
        f"{source}: FROM <{finding.target}> (line {finding.line}, column {finding.column}) "
        "would read a file or URL outside the base; FROM and FROM NAMED may only name the "
        "base's own graphs (https://w3id.org/positions/graph/<file>). "
        f"To run it anyway, {NETWORK_HINT}."
    )


def syntax_error(error: SyntaxError, text: str, source: str) -> InputError:
    """Turn pyoxigraph's ``error at L:C: ...`` into an error naming the query and line."""
    message = str(error.msg if getattr(error, "msg", None) else error)
    match = _SYNTAX_RE.match(message)
    if not match:
        return InputError(Position(source), f"SPARQL syntax error: {message}")
    line, column, problem = int(match[1]), int(match[2]), match[3]
    lines = text.splitlines()
    excerpt = lines[line - 1] if 0 < line <= len(lines) else None
    if not (excerpt or "").strip() and _at_end(lines, line):
        # The text ran out: point just after its last word, where something is missing.
        line = max((i for i, row in enumerate(lines, 1) if row.strip()), default=1)
        excerpt = lines[line - 1] if lines else ""
        column = len(excerpt.rstrip()) + 1
        problem = f"the query ends too early; {problem}"
    if excerpt is not None:
        column = min(column, len(excerpt) + 1)  # the engine may point just past the end
    return InputError(
        Position(source, line, column),
        f"SPARQL syntax error: {_readable_problem(problem, text, line, column)}",
        excerpt,
    )


def _at_end(lines: list[str], line: int) -> bool:
    return all(not row.strip() for row in lines[line - 1 :])


def _readable_problem(problem: str, text: str, line: int, column: int) -> str:
    """pyoxigraph lists every character class it expected; keep what a person can use."""
    if "Prefix not found" in problem:
        name = _pname_before(text, line, column)
        if name:
            return f"unknown prefix {name.partition(':')[0]}: in {name} (declare it with PREFIX)"
        return "unknown prefix (declare it with PREFIX)"
    problem = problem.replace("\n", " ")
    if len(problem) > 160:
        problem = problem[:157] + "..."
    return problem


def _pname_before(text: str, line: int, column: int) -> str | None:
    """The prefixed name that ends at or just before a position."""
    offset = sum(len(row) + 1 for row in text.split("\n")[: line - 1]) + column - 1
    last = None
    for tok in tokens(text):
        if tok.offset >= offset:
            break
        if tok.kind == "pname":
            last = tok.text
    return last


def check_syntax(text: str, source: str = "<query>") -> QueryInfo:
    """Parse ``text`` with pyoxigraph without touching a base; raise InputError if invalid.

    The query is first inspected with the network refused, so that parsing it on
    an empty store can never call out.
    """
    from positions.rdf.namespaces import PREFIXES

    info = inspect_query(text, source=source, allowed_graphs=_AnyGraph())
    try:
        result = ox.Store().query(text, prefixes=PREFIXES)
        if info.kind in ("select", "construct", "describe"):
            next(iter(result), None)
    except SyntaxError as error:
        raise syntax_error(error, text, source) from None
    return info


class GraphsOnDemand(Container[str]):
    """Graph IRIs listed on the first membership test, for ``allowed_graphs``.

    Most queries name no graph, and listing the graphs of a large base (one per
    file) costs milliseconds that every query would pay.
    """

    def __init__(self, list_graphs: Callable[[], Iterable[str]]) -> None:
        self._list_graphs = list_graphs
        self._graphs: frozenset[str] | None = None

    def __contains__(self, item: object) -> bool:
        if self._graphs is None:
            self._graphs = frozenset(self._list_graphs())
        return item in self._graphs


class _AnyGraph(Collection[str]):
    """Every IRI is allowed: for a syntax check on an empty store, nothing can be read."""

    def __contains__(self, item: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


# --- Parameters -----------------------------------------------------------------
#
# Values are bound as RDF terms through pyoxigraph's ``substitutions`` (SEP-0007),
# never spliced into the query text: a value such as `nobody" || true || "` stays
# one literal, whatever characters it holds.

_IRI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|^`\\\x7f]*")
_PNAME_RE = re.compile(r"([A-Za-z][\w.\-]*)?:([^\s]*)")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+\-]\d{2}:\d{2})?")
_INTEGER_RE = re.compile(r"[+\-]?\d+")
_DECIMAL_RE = re.compile(r"[+\-]?(\d+(\.\d*)?|\.\d+)")
_DOUBLE_RE = re.compile(r"[+\-]?(\d+(\.\d*)?|\.\d+)([eE][+\-]?\d+)?|[+\-]?INF|NaN")
# Schemes whose IRIs have no "//", so that `urn:x` is not mistaken for a prefixed name.
_OPAQUE_SCHEMES = frozenset({"urn", "mailto", "tag", "did", "doi", "info", "data"})
_XSD = "http://www.w3.org/2001/XMLSchema#"
_KIND_DATATYPES = {
    "date": _XSD + "date",
    "datetime": _XSD + "dateTime",
    "integer": _XSD + "integer",
    "decimal": _XSD + "decimal",
    "double": _XSD + "double",
    "boolean": _XSD + "boolean",
}
_INT64 = 2**63  # pyoxigraph stores xsd:integer as a 64-bit integer

# How each kind is described to a person, with an example value.
KIND_HELP = {
    "iri": "an IRI such as kb:russia or <https://...>",
    "date": "a date YYYY-MM-DD",
    "datetime": "a date and time YYYY-MM-DDTHH:MM:SS",
    "integer": "a whole number",
    "decimal": "a decimal number",
    "double": "a number",
    "number": "a number",
    "boolean": "true or false",
    "literal": "text",
    "lang": "text",
    "typed": "a value",
}


def bind(query: SavedQuery, given: Mapping[str, Any], prefixes: Mapping[str, str]) -> dict:
    """Type the given values (and defaults) into terms to substitute for the query's variables.

    ``given`` maps a parameter's public name (``party``) or variable (``_party_iri``)
    to a value: text as typed on a command line, or a Python value (``datetime.date``,
    ``int``, a pyoxigraph term).  Optional parameters left without a value are not
    substituted, so that ``FILTER(!BOUND(?__since_xsd_date) || ...)`` sees them unbound.
    """
    values = _match_names(query, given)
    substitutions = {}
    for parameter in query.parameters:
        value = values.get(parameter.name, parameter.default)
        if value is None:
            if parameter.required:
                raise UsageError(_missing(query, parameter))
            continue
        from_default = parameter.name not in values
        term = to_term(parameter, value, prefixes, query.name, from_default=from_default)
        if parameter.choices:
            _check_choice(query, parameter, term, prefixes)
        substitutions[ox.Variable(parameter.variable)] = term
    return substitutions


def _match_names(query: SavedQuery, given: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in given.items():
        parameter = query.parameter(key)
        if parameter is None:
            raise UsageError(f"{query.name} has no parameter {key!r}; {_takes(query)}")
        if parameter.name in values:
            raise UsageError(f"{query.name}: parameter {parameter.name!r} is given twice")
        values[parameter.name] = value
    return values


def _takes(query: SavedQuery) -> str:
    if not query.parameters:
        return "it takes no parameters"
    return "it takes: " + "; ".join(p.describe() for p in query.parameters)


def _missing(query: SavedQuery, parameter: Parameter) -> str:
    return (
        f"{query.name} needs parameter {parameter.name!r} ({KIND_HELP[parameter.kind]}): "
        f"pass -p {parameter.name}=VALUE; {_takes(query)}"
    )


def _check_choice(
    query: SavedQuery, parameter: Parameter, term: Any, prefixes: Mapping[str, str]
) -> None:
    allowed = [
        to_term(parameter, c, prefixes, query.name, from_default=True) for c in parameter.choices
    ]
    if term not in allowed:
        listed = ", ".join(str(c) for c in parameter.choices)
        raise UsageError(
            f"{query.name}: parameter {parameter.name!r} must be one of {listed} "
            f"(its #+ enumerate list)"
        )


def to_term(
    parameter: Parameter,
    value: Any,
    prefixes: Mapping[str, str],
    query_name: str = "<query>",
    *,
    from_default: bool = False,
) -> Any:
    """The RDF term for one value of ``parameter``; UsageError naming it if ill-typed."""
    if isinstance(value, ox.NamedNode | ox.Literal | ox.BlankNode):
        return _check_term(parameter, value, query_name)
    text = _as_text(value)
    try:
        return _TYPERS[parameter.kind](parameter, text, prefixes)
    except _IllTyped as problem:
        origin = "its default " if from_default else ""
        raise UsageError(
            f"{query_name}: parameter {parameter.name!r} expects {KIND_HELP[parameter.kind]}; "
            f"{origin}{text!r} {problem.reason}"
        ) from None


class _IllTyped(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _check_term(parameter: Parameter, term: Any, query_name: str) -> Any:
    if (parameter.kind == "iri") != isinstance(term, ox.NamedNode):
        raise UsageError(
            f"{query_name}: parameter {parameter.name!r} expects {KIND_HELP[parameter.kind]}, "
            f"not {term}"
        )
    return term


def _as_text(value: Any) -> str:
    import datetime

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return str(value)


def parse_iri(text: str, prefixes: Mapping[str, str]) -> str:
    """An absolute IRI from ``<iri>``, ``iri`` or a prefixed name; _IllTyped if invalid."""
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    else:
        match = _PNAME_RE.fullmatch(text)
        if match and not match[2].startswith("//"):
            prefix = match[1] or ""
            if prefix in prefixes:
                text = prefixes[prefix] + match[2]
            elif prefix.lower() not in _OPAQUE_SCHEMES:
                known = ", ".join(sorted(p + ":" for p in prefixes))
                raise _IllTyped(f"uses an unknown prefix {prefix}: (known: {known})")
    if not _IRI_RE.fullmatch(text):
        raise _IllTyped(
            "is not a valid IRI (it needs a scheme such as https:, and no spaces or "
            '<>"{}|^`\\ characters)'
        )
    return text


def _iri(parameter: Parameter, text: str, prefixes: Mapping[str, str]) -> Any:
    iri = parse_iri(text, prefixes)
    try:
        return ox.NamedNode(iri)
    except ValueError as error:
        raise _IllTyped(f"is not a valid IRI ({error})") from None


def _date(parameter: Parameter, text: str, prefixes: Mapping[str, str]) -> Any:
    import datetime

    if not _DATE_RE.fullmatch(text):
        raise _IllTyped("is not written YYYY-MM-DD")
    try:
        datetime.date.fromisoformat(text)
    except ValueError as error:
        raise _IllTyped(f"is not a date ({error})") from None
    return _typed(parameter, text, "date")


def _datetime(parameter: Parameter, text: str, prefixes: Mapping[str, str]) -> Any:
    import datetime

    if not _DATETIME_RE.fullmatch(text):
        raise _IllTyped("is not written YYYY-MM-DDTHH:MM:SS")
    try:
        datetime.datetime.fromisoformat(text)
    except ValueError as error:
        raise _IllTyped(f"is not a date and time ({error})") from None
    return _typed(parameter, text, "datetime")


def _integer(parameter: Parameter, text: str, prefixes: Mapping[str, str]) -> Any:
    if not _INTEGER_RE.fullmatch(text):
        raise _IllTyped("is not a whole number")
    # Length first: int() refuses to convert more than 4,300 digits.
    if len(text.lstrip("+-0")) > 19 or not -_INT64 <= int(text) < _INT64:
        raise _IllTyped("is too large")
    return _typed(parameter, text, "integer")


def _decimal(parameter: Parameter, text: str, prefixes: Mapping[str, str]) -> Any:
    if not _DECIMAL_RE.fullmatch(text):
        raise _IllTyped("is not a decimal number")
    return _typed(parameter, text, "decimal")


def _double(parameter: Parameter, text: str, prefixes: Mapping[str, str]) -> Any:
    if not _DOUBLE_RE.fullmatch(text):
        raise _IllTyped("is not a number")
    return _typed(parameter, text, "double")


def _number(parameter: Parameter, text: str, prefixes: Mapping[str, str]) -> Any:
    # grlc's "number": the narrowest of integer, decimal, double that reads the text.
    for kind, pattern in (("integer", _INTEGER_RE), ("decimal", _DECIMAL_RE)):
        if pattern.fullmatch(text):
            return _TYPERS[kind](parameter, text, prefixes)
    return _double(parameter, text, prefixes)


def _boolean(parameter: Parameter, text: str, prefixes: Mapping[str, str]) -> Any:
    lowered = text.lower()
    if lowered not in ("true", "false", "1", "0"):
        raise _IllTyped("is not true or false")
    return _typed(parameter, "true" if lowered in ("true", "1") else "false", "boolean")


def _literal(parameter: Parameter, text: str, prefixes: Mapping[str, str]) -> Any:
    return ox.Literal(text)


def _lang(parameter: Parameter, text: str, prefixes: Mapping[str, str]) -> Any:
    return ox.Literal(text, language=parameter.language)


def _other(parameter: Parameter, text: str, prefixes: Mapping[str, str]) -> Any:
    return ox.Literal(text, datatype=ox.NamedNode(parameter.datatype))


def _typed(parameter: Parameter, text: str, kind: str) -> Any:
    # Keep a narrower datatype the query asked for (xsd:long, xsd:float, ...).
    datatype = parameter.datatype or _KIND_DATATYPES[kind]
    return ox.Literal(text, datatype=ox.NamedNode(datatype))


_TYPERS = {
    "iri": _iri,
    "date": _date,
    "datetime": _datetime,
    "integer": _integer,
    "decimal": _decimal,
    "double": _double,
    "number": _number,
    "boolean": _boolean,
    "literal": _literal,
    "lang": _lang,
    "typed": _other,
}


# --- Making parameters bindable ---------------------------------------------------
#
# pyoxigraph substitutes a value only for a variable of the top-level SELECT
# projection (ASK, CONSTRUCT and DESCRIBE need nothing).  So before a SELECT runs,
# the parameters it does not project are added to its projection, and to its
# GROUP BY when it groups (a constant added to the keys leaves the groups as they
# are).  Only variable names taken from the query itself are written into the
# text; values still travel as substitutions.  The caller drops the added columns.

_AGGREGATES = frozenset({"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"})
_PROJECTION_END = frozenset({"WHERE", "FROM"})


@dataclass
class Projection:
    """The top-level SELECT of a query, as the lexer sees it."""

    variables: list[str]  # projected names, in order ("AS ?x" included)
    star: bool
    insert_at: int  # offset just after SELECT [DISTINCT|REDUCED]
    star_span: tuple[int, int] | None
    group_by_at: int | None  # offset just after a top-level GROUP BY
    where_end: int | None  # offset just after the WHERE clause's closing brace
    aggregates: bool


def _projection(toks: list[Token]) -> Projection | None:
    start = next((i for i, t in enumerate(toks) if _word(t) in QUERY_FORMS), None)
    if start is None or _word(toks[start]) != "SELECT":
        return None
    i = start + 1
    if i < len(toks) and _word(toks[i]) in ("DISTINCT", "REDUCED"):
        i += 1
    proj = Projection([], False, _end(toks[i - 1]), None, None, None, False)
    parens = 0
    while i < len(toks):
        tok = toks[i]
        if parens == 0 and (_word(tok) in _PROJECTION_END or tok.text == "{"):
            break
        parens += {"(": 1, ")": -1}.get(tok.text, 0) if tok.kind == "punct" else 0
        if tok.kind == "var" and (parens == 0 or _word(toks[i - 1]) == "AS"):
            proj.variables.append(tok.text[1:])
        elif tok.text == "*" and parens == 0:
            proj.star, proj.star_span = True, (tok.offset, _end(tok))
        elif _word(tok) in _AGGREGATES:
            proj.aggregates = True
        i += 1
    _find_where_and_group(toks, i, proj)
    return proj


def _find_where_and_group(toks: list[Token], i: int, proj: Projection) -> None:
    depth = 0
    for j in range(i, len(toks)):
        tok = toks[j]
        if tok.kind == "punct" and tok.text in "{}":
            depth += 1 if tok.text == "{" else -1
            if depth == 0 and tok.text == "}" and proj.where_end is None:
                proj.where_end = _end(tok)
        elif depth == 0 and _word(tok) == "HAVING":
            proj.aggregates = True
        elif (
            depth == 0
            and _word(tok) == "BY"
            and _word(toks[j - 1]) == "GROUP"
            and proj.where_end is not None
        ):
            proj.group_by_at = _end(tok)


def _word(tok: Token) -> str | None:
    return tok.text.upper() if tok.kind == "word" else None


def _end(tok: Token) -> int:
    return tok.offset + len(tok.text)


def project_parameters(text: str, names: list[str]) -> tuple[str, list[str] | None]:
    """``text`` with the variables ``names`` projected, and the author's own projection.

    Returns the text unchanged (and None) for ASK, CONSTRUCT and DESCRIBE.
    """
    toks = list(tokens(text))
    proj = _projection(toks)
    if proj is None:
        return text, None
    if proj.star:
        # `*` projects the variables in scope; spell them out so that parameters join them.
        own = [v for v in scan_query(text).variables if v not in names]
        start, end = proj.star_span  # type: ignore[misc]
        listed = " ".join(f"?{v}" for v in own + names)
        return text[:start] + listed + text[end:], own
    missing = [n for n in names if n not in proj.variables]
    if not missing:
        return text, proj.variables
    added = "".join(f" ?{n}" for n in missing)
    edits = [(proj.insert_at, added)]
    if proj.group_by_at is not None:
        edits.append((proj.group_by_at, added))
    elif proj.aggregates and proj.where_end is not None:
        edits.append((proj.where_end, f" GROUP BY{added}"))
    for offset, insert in sorted(edits, reverse=True):
        text = text[:offset] + insert + text[offset:]
    return text, proj.variables


def check_subquery_parameters(text: str, names: list[str], source: str) -> None:
    """Refuse a parameter used inside a subquery that does not project it.

    Parameters are bound at the top level; a subquery that keeps the variable to
    itself would see it unbound and silently match everything.
    """
    toks = list(tokens(text))
    depth = 0
    open_subqueries: list[tuple[int, set[str] | None]] = []  # (depth, projection or None=*)
    for index, tok in enumerate(toks):
        if tok.kind == "punct" and tok.text in "{}":
            depth += 1 if tok.text == "{" else -1
            while open_subqueries and depth < open_subqueries[-1][0]:
                open_subqueries.pop()
        elif _word(tok) == "SELECT" and depth > 0:
            sub = _projection(toks[index:])
            projected = None if sub is None or sub.star else set(sub.variables)
            open_subqueries.append((depth, projected))
        elif tok.kind == "var" and tok.text[1:] in names:
            for _, projected in open_subqueries:
                if projected is not None and tok.text[1:] not in projected:
                    line, column = line_and_column(text, tok.offset)
                    raise InputError(
                        Position(source, line, column),
                        f"parameter {tok.text} is used inside a subquery that does not "
                        "project it, so it could not be bound there; add it to that "
                        "subquery's SELECT",
                        text.splitlines()[line - 1],
                    )


def rewrite_bound(text: str, names: list[str], source: str) -> str:
    """``BOUND(?v)`` becomes ``true`` for each substituted variable ``v``.

    pyoxigraph substitutes a value into triple patterns, comparisons and function
    calls, but BOUND(?v) still looks for a binding and finds none.  grlc's idiom
    for an optional parameter, ``FILTER(!BOUND(?__since) || ?date >= ?__since)``,
    needs it true once the parameter has a value.  A substituted variable standing
    alone as an expression (``BIND(?v AS ?x)``, ``(?v AS ?x)``) would likewise stay
    unbound, so it is refused with advice rather than silently giving nothing.
    """
    toks = list(tokens(text))
    edits: list[tuple[int, int, str]] = []
    for i, tok in enumerate(toks):
        if tok.kind != "var" or tok.text[1:] not in names or i == 0 or i + 1 >= len(toks):
            continue
        before, after = toks[i - 1], toks[i + 1]
        if before.text == "(" and after.text == ")" and i >= 2 and _word(toks[i - 2]) == "BOUND":
            edits.append((toks[i - 2].offset, _end(after), "true"))
        elif before.text == "(" and _word(after) == "AS":
            line, column = line_and_column(text, tok.offset)
            raise InputError(
                Position(source, line, column),
                f"parameter {tok.text} stands alone before AS, where its value would not be "
                f"seen; use it in a function, e.g. (IRI({tok.text}) AS ...) or "
                f"(STR({tok.text}) AS ...), or in a triple pattern",
                text.splitlines()[line - 1],
            )
    for start, end, replacement in reversed(edits):
        text = text[:start] + replacement + text[end:]
    return text
