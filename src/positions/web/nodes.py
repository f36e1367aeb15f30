"""The page of one node of the base: its roles (for a person), what the base says of it,
every statement about it (each listed once, with all the roles the node plays in it) and
who else refers to it.

Built from the rows of saved queries the server hands over (``node-description``,
``node-statements``, ``people-and-roles``); every stance, date and party links to the
filtered list of statements (:mod:`positions.web.facetpages`), every source to its page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pyoxigraph as ox

from positions.output.html import Linker, e, name
from positions.rdf.namespaces import PREFIXES, compact

if TYPE_CHECKING:
    from positions.sparql.engine import QueryResult

# The role a node plays in a statement (node-statements' ?role) -> the filter of the
# statements list that keeps the statements where it plays that role.
ROLE_FILTERS = {
    "party spoken for": "party",
    "speaker": "speaker",
    "addressee": "addressee",
    "target": "target",
    "topic": "topic",
    "reporting source": "source",
}


@dataclass
class Lookups:
    """Labels to nodes, for the columns the saved queries give as labels only."""

    sources: dict[str, str] = field(default_factory=dict)  # source label -> IRI
    stances: dict[str, str] = field(default_factory=dict)  # stance label -> IRI
    roles: list[dict[str, Any]] = field(default_factory=list)  # people-and-roles rows


def facet_href(**filters: str) -> str:
    """The statements list filtered as given (IRIs compacted, as a person would type them)."""
    given = {k: compact(v) if v.startswith("http") else v for k, v in filters.items() if v}
    return "/statements?" + urlencode(given)


def date_link(date: Any, filters: dict[str, str]) -> str:
    """A date as a link to the statements of that day (a bound: up to that day)."""
    if not date:
        return '<span class="muted">not given</span>'
    text = str(date)
    day = text.removeprefix("on or before ")[:10]
    if len(day) != 10:
        return e(text)
    since = "" if text.startswith("on or before ") else day
    href = facet_href(**filters, since=since, until=day)
    return f'<a href="{e(href)}">{e(text)}</a>'


def sources_html(sources: Any, lookups: Lookups, link: Linker) -> str:
    """The sources of a row (labels joined by "; "), each linked to its page when known."""
    if not sources:
        return ""
    text = str(sources)
    known = sorted(lookups.sources, key=len, reverse=True)
    found: list[tuple[int, str]] = []
    for label in known:  # labels may themselves hold "; ": match whole labels, longest first
        start = text.find(label)
        while start >= 0:
            if not any(s <= start < s + len(lbl) for s, lbl in found):
                found.append((start, label))
            start = text.find(label, start + len(label))
    if not found:
        return e(text)
    found.sort()
    parts, at = [], 0
    for start, label in found:
        parts.append(e(text[at:start]))
        parts.append(name(label, lookups.sources[label], link))
        at = start + len(label)
    parts.append(e(text[at:]))
    return "".join(parts)


def roles_html(iri: str, lookups: Lookups) -> str:
    """A person's roles (``people-and-roles``), for the top of their page."""
    rows = [r for r in lookups.roles if r.get("person") == iri]
    if not rows:
        return ""
    items = []
    for r in rows:
        period = ""
        if r.get("from") or r.get("until"):
            period = f" · {r.get('from') or '…'} to {r.get('until') or '…'}"
        count = r.get("statements") or 0
        items.append(
            f"<li><strong>{e(r['role'])}</strong>, {e(r['organisation'])} "
            f'<span class="muted">({e(r["party"])}{e(period)}; {e(count)} statements '
            f"in this role; named by {e(r.get('sources') or 'no source')})</span></li>"
        )
    return f"<h2>Roles ({len(rows)})</h2>\n<ul>{''.join(items)}</ul>\n"


def grouped_statements(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``node-statements`` rows merged per statement, in order, the roles joined."""
    merged: dict[str, dict[str, Any]] = {}
    for row in rows:
        seen = merged.get(row["statement"])
        if seen is None:
            merged[row["statement"]] = {**row, "roles": [row["role"]]}
        elif row["role"] not in seen["roles"]:
            seen["roles"].append(row["role"])
    return list(merged.values())


def statements_html(iri: str, statements: QueryResult, lookups: Lookups, link: Linker) -> str:
    """The statements about a node, each once with every role the node plays in it."""
    rows = grouped_statements(statements.to_dicts())
    if not rows:
        return '<h2>Statements (0)</h2>\n<p class="muted">No statement is about it.</p>\n'
    body = []
    for r in rows:
        key = ROLE_FILTERS.get(r["roles"][0], "")
        own = {key: iri} if key else {}
        stance_iri = lookups.stances.get(r["stanceLabel"], "")
        stance = (
            f'<a href="{e(facet_href(**own, stance=stance_iri))}">{e(r["stanceLabel"])}</a>'
            if stance_iri
            else e(r["stanceLabel"])
        )
        party = name(r["partyLabel"], r["party"], link)
        party += f' <a class="small" href="{e(facet_href(party=r["party"]))}">(statements)</a>'
        body.append(
            f'<tr data-statement="{e(r["statement"])}"><td>{date_link(r["date"], own)}</td>'
            f"<td>{e(', '.join(r['roles']))}</td>"
            f"<td>{name(r['statementLabel'], r['statement'], link)}</td>"
            f"<td>{stance}</td>"
            f"<td>{name(r['speakerLabel'], r['speaker'], link)} for {party}</td>"
            f"<td>{sources_html(r['sources'], lookups, link)}</td></tr>"
        )
    played = {role for r in rows for role in r["roles"]}
    key = next((ROLE_FILTERS[role] for role in ROLE_FILTERS if role in played), "")
    more = (
        f'<p class="noprint"><a href="{e(facet_href(**{key: iri}))}">'
        "Filter these statements</a> by stance, topic, speaker, source or date.</p>\n"
        if key
        else ""
    )
    return (
        f"<h2>Statements ({len(rows)})</h2>\n{more}"
        '<div class="scroll"><table class="statements"><thead><tr><th>Date</th><th>As</th>'
        "<th>Statement</th><th>Stance</th><th>Who</th><th>Sources</th></tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table></div>\n"
    )


def term_html(term: Any, labels: dict[str, str], link: Linker) -> str:
    """A term for a page: a label linked to its page, or the literal with its tag or type."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        label = labels.get(term.value)
        short = compact(term.value, PREFIXES)
        # Nodes of the base link to their pages; Wikidata links out (the only outside IRIs
        # the base asserts as identities); stances and topics link to their statements;
        # other vocabulary IRIs stay text.
        facet = next((k for k in ("stance", "topic") if short.startswith(k + ":")), None)
        href = link(term.value) or (
            term.value if term.value.startswith("http://www.wikidata.org/entity/") else None
        )
        if href is None and facet:
            href = facet_href(**{facet: term.value})
        text = (
            e(label) + f' <span class="iri">{e(short)}</span>'
            if label
            else (f'<span class="iri">{e(short)}</span>')
        )
        return f'<a href="{e(href)}">{text}</a>' if href else text
    if isinstance(term, ox.BlankNode):
        return f'<span class="iri">_:{e(term.value)}</span>'
    suffix = ""
    if term.language and term.language != "en":
        suffix = f' <span class="muted">@{e(term.language)}</span>'
    elif not term.language and term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        suffix = f' <span class="muted">{e(compact(term.datatype.value, PREFIXES))}</span>'
    return e(term.value) + suffix


def report_sorted(triples: list[Any]) -> list[Any]:
    """The distinct triples in a stable order (subject, predicate, object)."""
    return sorted(set(triples), key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def node_page(
    iri: str,
    description: QueryResult,
    statements: QueryResult,
    store: ox.Store,
    link: Linker,
    lookups: Lookups,
) -> str:
    """What a node is (its roles, triples, evidence), every statement about it, who points
    to it."""
    from positions.output.render import labels_for

    triples = report_sorted(description.triples)
    terms = [t for tr in triples for t in (tr.subject, tr.predicate, tr.object)]
    labels = labels_for(store, terms)
    node = ox.NamedNode(iri)
    own = [t for t in triples if t.subject == node]
    blanks: dict[ox.BlankNode, list[ox.Triple]] = {}
    for t in triples:
        if isinstance(t.subject, ox.BlankNode):
            blanks.setdefault(t.subject, []).append(t)
    incoming = [t for t in triples if t.object == node and t.subject != node]
    types = [
        term_html(t.object, labels, link)
        for t in own
        if t.predicate.value.endswith("22-rdf-syntax-ns#type")
    ]
    props = "".join(
        f"<tr><th>{term_html(t.predicate, labels, link)}</th>"
        f"<td>{_object_html(t.object, blanks, labels, link)}</td></tr>"
        for t in own
    )
    label = labels.get(iri) or compact(iri)
    parts = [
        f'<h1>{e(label)}</h1>\n<p><span class="iri">{e(iri)}</span> · '
        f"{' '.join(types) or 'no type'}</p>\n"
        '<p class="noprint">Also as <a href="?format=ttl">Turtle</a>, '
        '<a href="?format=jsonld">JSON-LD</a>, <a href="?format=nt">N-Triples</a>.</p>\n',
        roles_html(iri, lookups),
        "<h2>What the base says of it</h2>\n"
        f'<div class="scroll"><table><tbody>{props}</tbody></table></div>\n',
        statements_html(iri, statements, lookups, link),
    ]
    stated = {row["statement"] for row in statements.to_dicts()}
    others = [t for t in incoming if t.subject.value not in stated]
    if others:
        rows = "".join(
            f"<tr><td>{term_html(t.subject, labels, link)}</td>"
            f"<td>{term_html(t.predicate, labels, link)}</td></tr>"
            for t in others
        )
        parts.append(
            f'<h2>Referred to by</h2>\n<div class="scroll"><table><thead><tr><th>Node</th>'
            f"<th>as</th></tr></thead><tbody>{rows}</tbody></table></div>\n"
        )
    return "".join(parts)


def _object_html(
    term: Any, blanks: dict[Any, list[Any]], labels: dict[str, str], link: Linker
) -> str:
    if isinstance(term, ox.BlankNode) and term in blanks:  # evidence: show it in place
        rows = "".join(
            f"<tr><th>{term_html(t.predicate, labels, link)}</th>"
            f"<td>{term_html(t.object, labels, link)}</td></tr>"
            for t in blanks[term]
        )
        return f'<table class="small"><tbody>{rows}</tbody></table>'
    return term_html(term, labels, link)
