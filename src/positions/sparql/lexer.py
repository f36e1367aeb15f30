"""A small SPARQL lexer: the tokens of a query, what they tell, and readable syntax errors.

:func:`scan_query` reads a query without judging it: comments, strings, IRIs,
prefixed names and variables are skipped as wholes, so that the word
``SERVICE`` inside a string or ``pos:SERVICE`` is never taken for a keyword.
It finds the query form, the variables, the PREFIX and BASE declarations, the
dataset named by FROM, and what :mod:`positions.sparql.policy` may refuse.

Why a lexer rather than the engine's own algebra: pyoxigraph exposes no parsed
query, and rdflib's parser costs 200 ms of imports that a query must not pay.
A lexer that errs on the side of refusing is enough, because the engine parses
the query again and rejects whatever the lexer misread.

Syntax errors from pyoxigraph ("error at 3:7: expected ...") become
:class:`InputError` with the line, column and the offending line
(:func:`syntax_error`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin

from positions.errors import InputError, Position

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY"}
)

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


_OPENERS = frozenset({"{", "(", "[", "<<"})
_CLOSERS = frozenset({"}", ")", "]", ">>"})


def nesting_past(text: str, limit: int) -> int | None:
    """The offset where ``text`` first nests deeper than ``limit``, or None.

    A level is a ``{``, ``(``, ``[`` or ``<<`` not yet closed (in strings, IRIs and
    comments they do not count), and each ``!`` of a run (``!!!x``): the engine's
    parser recurses once for each.  Unbalanced closers never make the depth negative.
    """
    depth = 0
    bangs = 0
    for tok in _brackets(text):
        if tok.text == "!":
            bangs += 1
            if depth + bangs > limit:
                return tok.offset
            continue
        bangs = 0
        if tok.text in _OPENERS:
            depth += 1
            if depth > limit:
                return tok.offset
        elif tok.text in _CLOSERS:
            depth = max(depth - 1, 0)
    return None


_PAIRS = frozenset({"<<", ">>", "!="})


def _brackets(text: str) -> Iterator[Token]:
    """The punctuation of ``text`` (``<<``, ``>>`` and ``!=`` as one token each), and
    an empty word token wherever something else stands between two of them."""
    pending: Token | None = None
    for tok in tokens(text):
        if pending is not None:
            pair = pending.text + tok.text
            if tok.kind == "punct" and pair in _PAIRS and tok.offset == pending.offset + 1:
                yield Token("punct", pair, pending.offset)
                pending = None
                continue
            yield pending
            pending = None
        if tok.kind != "punct":
            yield Token("word", "", tok.offset)
        elif tok.text in "<>!":
            pending = tok
        else:
            yield tok
    if pending is not None:
        yield pending


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
