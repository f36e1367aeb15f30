"""Names a person types where an IRI is wanted (a form's node parameter, a list's filter):
the node whose label or alternative label it is, or a choice when several match.

    found = named("Sergei Ryabkov", index_rows, alt_labels(store))   # [(iri, label)]
    html = resolve_form(query, given, lambda text: named(text, rows, alts))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from positions.output.html import e
from positions.rdf.namespaces import compact

if TYPE_CHECKING:
    from positions.base.search import SearchIndex
    from positions.sparql.saved import SavedQuery

# The kinds a typed name may stand for (statements are found by search, not by name).
NAMED_KINDS = (
    "party",
    "person",
    "demand",
    "proposal",
    "document",
    "meeting",
    "media appearance",
    "source",
    "outlet",
    "concept",
)


def named(text: str, index: SearchIndex) -> list[tuple[str, str]]:
    """The nodes (IRI, label) a typed name stands for, found in the search index:
    those whose label or alternative label is the name (any case), else those whose
    label holds each of its words (the last one may be the start of a word)."""
    wanted = " ".join(text.casefold().split())
    hits = index.search(text, limit=50, kinds=NAMED_KINDS)
    exact = {
        h.iri: h.label
        for h in hits
        if wanted in {h.label.casefold(), *(a.strip().casefold() for a in h.alt.split(" · "))}
    }
    if exact:
        return sorted(exact.items(), key=lambda item: item[1])
    words = wanted.split()

    def holds(label: str) -> bool:  # every word, the last one maybe only begun
        parts = label.casefold().split()
        *whole, last = words
        return all(w in parts for w in whole) and any(p.startswith(last) for p in parts)

    partial = {h.iri: h.label for h in hits if holds(h.label)}
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
