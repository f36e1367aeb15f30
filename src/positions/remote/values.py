"""Parameters for a remote endpoint: a ``VALUES`` block placed first in the WHERE group.

    text = inject_values(text, {"party": ox.NamedNode(KB + "russia")}, query.source)

Locally, values are bound with pyoxigraph's substitutions; an endpoint has no
such thing.  So the values go into a ``VALUES`` block placed first in the
query's top-level WHERE group.  The block is written from RDF terms, never from
the user's text: each value has already been typed and checked by
:func:`positions.sparql.params.bind`, and is written by pyoxigraph in its
N-Triples form, which escapes quotes, backslashes and line breaks.  The finished
query is then read back by pyoxigraph on an empty store and must give back
exactly the terms that were bound (:func:`_check_values`).

Why first in the WHERE group, and not the trailing VALUES after the solution
modifiers: a trailing block is joined *after* the FILTERs have run, so
``FILTER(!COALESCE(sameTerm(?__since, ?__since), false) || ?date >= ?__since)``
would see the parameter unbound and keep every row.  A block at the top of the
group is joined before the group's FILTERs, so they see it, as they see a
substitution locally.  A FILTER or BIND inside a nested group (a UNION branch,
a subquery) would not see it; :func:`check_remote_parameters` refuses that
case rather than give different rows than the local engine would.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pyoxigraph as ox

from positions.errors import InputError, Position, UsageError


def values_block(bound: Mapping[str, Any]) -> str:
    """``VALUES (?a ?b) { (<iri> "lit"^^<dt>) }`` written from RDF terms by pyoxigraph."""
    names, terms = [], []
    for name, term in bound.items():
        if not isinstance(term, ox.NamedNode | ox.Literal):
            raise UsageError(
                f"parameter ?{name}: a blank node cannot be sent to an endpoint; give an IRI"
            )
        written = str(term)  # N-Triples form: quotes, backslashes and line breaks escaped
        if "\\u" in written.lower():
            # Some engines expand \u escapes before parsing (SPARQL 1.1, 19.2), which could
            # turn a value's own backslash-u text into a quote; refuse rather than guess.
            raise UsageError(
                f"parameter ?{name}: a value holding a backslash followed by 'u' or a control "
                "character cannot be sent to an endpoint safely; run the query locally"
            )
        names.append(f"?{name}")
        terms.append(written)
    return f"VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }}"


def inject_values(text: str, bound: Mapping[str, Any], source: str = "<query>") -> str:
    """``text`` with a VALUES block first in its top-level WHERE group."""
    block = values_block(bound)
    at = _top_group_start(text)
    if at is None:
        raise InputError(Position(source), "no WHERE group to bind the parameters in")
    injected = text[:at] + " " + block + " " + text[at:]
    _check_values(injected, block, bound, source)
    return injected


def _top_group_start(text: str) -> int | None:
    """The offset just after the ``{`` that opens the top-level WHERE group."""
    from positions.sparql.lexer import tokens

    previous = None
    for tok in tokens(text):
        if tok.kind == "punct" and tok.text == "{":
            # CONSTRUCT { template } WHERE { ... }: the first brace is the template.
            if not (previous is not None and previous.text.upper() == "CONSTRUCT"):
                return tok.offset + 1
            return _after_template(text, tok.offset)
        previous = tok
    return None


def _after_template(text: str, template_at: int) -> int | None:
    from positions.sparql.lexer import tokens

    depth = 0
    for tok in tokens(text[template_at:]):
        if tok.kind != "punct" or tok.text not in "{}":
            continue
        if tok.text == "{" and depth == 0 and tok.offset > 0:
            return template_at + tok.offset + 1
        depth += 1 if tok.text == "{" else -1
    return None


def _check_values(text: str, block: str, bound: Mapping[str, Any], source: str) -> None:
    """Read the block back with pyoxigraph: it must give exactly the bound terms."""
    try:
        solutions = list(ox.Store().query(f"SELECT * WHERE {{ {block} }}"))
    except SyntaxError as error:  # pragma: no cover - terms written by pyoxigraph parse
        raise InputError(Position(source), f"could not write the parameters: {error}") from None
    read = {name: solutions[0][name] for name in bound} if len(solutions) == 1 else None
    if read != dict(bound):  # pragma: no cover - a defence, not an expected path
        raise InputError(Position(source), "the parameters did not survive being written out")


# Where a parameter's value is seen.  A block first in the top-level group is joined
# before that group's FILTERs and BINDs; an OPTIONAL's filter sees the left side too;
# FILTER (NOT) EXISTS sees the solution it tests.  Any other group does not see it.
_TRANSPARENT = frozenset({"optional", "exists"})


def check_remote_parameters(text: str, names: Iterable[str], source: str) -> None:
    """Refuse a parameter used in an expression that a VALUES binding would not reach."""
    from positions.sparql.lexer import tokens

    names = set(names)
    if not names:
        return
    toks = list(tokens(text))
    stack: list[tuple[str, int]] = []  # (group kind, parentheses open outside it)
    parens = 0
    for i, tok in enumerate(toks):
        previous = toks[i - 1].text.upper() if i else ""
        if tok.kind == "punct" and tok.text in "()":
            parens += 1 if tok.text == "(" else -1
        elif tok.kind == "punct" and tok.text == "{":
            stack.append((_group_kind(previous, toks, i, stack), parens))
            parens = 0
        elif tok.kind == "punct" and tok.text == "}" and stack:
            parens = stack.pop()[1]
        elif tok.kind == "var" and tok.text[1:] in names and parens > 0 and not _reaches(stack):
            raise _unreached(text, tok, source)


def _unreached(text: str, tok: Any, source: str) -> InputError:
    from positions.sparql.lexer import line_and_column

    line, column = line_and_column(text, tok.offset)
    return InputError(
        Position(source, line, column),
        f"parameter {tok.text} is used in an expression inside a nested group, where a "
        "value sent to an endpoint would not reach it; run the query locally, or move the "
        "FILTER/BIND to the top level of WHERE",
        text.splitlines()[line - 1],
    )


def _group_kind(previous: str, toks: list[Any], i: int, stack: list[tuple[str, int]]) -> str:
    if not stack:
        return "template" if previous == "CONSTRUCT" else "top"
    if previous in ("OPTIONAL", "EXISTS"):
        return previous.lower()
    if i + 1 < len(toks) and toks[i + 1].text.upper() == "SELECT":
        return "subquery"
    return "group"


def _reaches(stack: list[tuple[str, int]]) -> bool:
    if not stack:
        return True  # projection, GROUP BY, HAVING, ORDER BY: after WHERE, values are bound
    for kind, _ in reversed(stack):
        if kind == "top":
            return True
        if kind not in _TRANSPARENT:
            return False
    return False
