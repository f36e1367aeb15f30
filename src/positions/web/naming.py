"""Names a person types where an IRI is wanted (a form's node parameter, a list's filter):
the node whose label or alternative label it is, or a choice when several match.

    found = named("Sergei Ryabkov", index_rows, alt_labels(store))   # [(iri, label)]
    html = resolve_form(query, given, lambda text: named(text, rows, alts))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import pyoxigraph as ox

from positions.output.html import e
from positions.rdf.namespaces import compact

if TYPE_CHECKING:
    from positions.sparql.saved import SavedQuery

ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"


def alt_labels(store: ox.Store) -> dict[str, set[str]]:
    """Every alternative label (case-folded) -> the nodes that carry it."""
    found: dict[str, set[str]] = {}
    for q in store.quads_for_pattern(None, ox.NamedNode(ALT_LABEL), None, None):
        found.setdefault(" ".join(q.object.value.casefold().split()), set()).add(q.subject.value)
    return found


def named(
    text: str, index: list[dict[str, Any]], alts: dict[str, set[str]]
) -> list[tuple[str, str]]:
    """The nodes (IRI, label) of ``index`` (``entity-index`` rows) a typed name stands
    for: those whose label or alternative label is the name (any case), else those
    (statements aside) whose label holds each of its words."""
    wanted = " ".join(text.casefold().split())
    also = alts.get(wanted, set())
    exact = {
        r["entity"]: r["entityLabel"]
        for r in index
        if r["entityLabel"].casefold() == wanted or r["entity"] in also
    }
    if exact:
        return sorted(exact.items(), key=lambda item: item[1])
    words = wanted.split()
    partial = {
        r["entity"]: r["entityLabel"]
        for r in index
        if r["kindLabel"] != "statement"
        and all(w in r["entityLabel"].casefold().split() for w in words)
    }
    return sorted(partial.items(), key=lambda item: item[1])


def resolve_form(
    query: SavedQuery, given: dict[str, str], find: Callable[[str], list[tuple[str, str]]]
) -> str:
    """Names typed for IRI parameters, replaced in ``given`` by the node they name;
    the HTML of the choice when a name matches several nodes or of the refusal when it
    matches none, else ""."""
    problems = []
    for parameter in query.parameters:
        value = given.get(parameter.name, "").strip()
        if parameter.kind != "iri" or not value or ":" in value:
            continue
        found = find(value)
        if len(found) == 1:
            given[parameter.name] = compact(found[0][0])
            continue
        if not found:
            problems.append(
                f'<p class="error">No node is called {e(value)} (give a name, or an '
                f"IRI such as kb:russia, for {e(parameter.name)}).</p>"
            )
            continue
        choices = "".join(
            f'<li><a href="{e(_with(query, given, parameter.name, iri))}">'
            f'{e(label)}</a> <span class="iri">{e(compact(iri))}</span></li>'
            for iri, label in found
        )
        problems.append(
            f'<p class="error">{e(value)} matches {len(found)} nodes; which one did you '
            f"mean for {e(parameter.name)}?</p><ul>{choices}</ul>"
        )
    return "".join(problems)


def _with(query: SavedQuery, given: dict[str, str], key: str, iri: str) -> str:
    chosen = {**given, key: compact(iri), "run": "1"}
    return f"/queries/{quote(query.name)}?" + urlencode(chosen)
