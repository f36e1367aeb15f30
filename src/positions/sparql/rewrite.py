"""Rewriting a query's text so that its parameters can be bound.

pyoxigraph substitutes a value only for a variable of the top-level SELECT
projection (ASK, CONSTRUCT and DESCRIBE need nothing).  So before a SELECT runs,
the parameters it does not project are added to its projection, and to its
GROUP BY when it groups (a constant added to the keys leaves the groups as they
are): :func:`project_parameters`.  ``BOUND(?parameter)`` becomes ``true``
(:func:`rewrite_bound`), and a parameter that a subquery would keep to itself is
refused (:func:`check_subquery_parameters`).  Only variable names taken from the
query itself are written into the text; values still travel as substitutions.
The caller drops the added columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from positions.errors import InputError, Position
from positions.sparql.lexer import QUERY_FORMS, Token, line_and_column, scan_query, tokens

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
