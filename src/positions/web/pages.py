"""The HTML of ``positions serve``: the navigation, the report's views, the browse and
query pages, node pages and query results, each built as a string from the rows it is given.

Every page is :func:`positions.output.html.page` with the server's navigation on top;
every string from the base goes through :func:`positions.output.html.e`.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import pyoxigraph as ox

from positions.output import html_report as report
from positions.output.html import Linker, e, name, page
from positions.web.results import inline_code, result_table

if TYPE_CHECKING:
    from positions.sparql.engine import QueryResult
    from positions.sparql.saved import Parameter, SavedQuery

NAV = (
    ("/", "Report"),
    ("/matrix", "Matrix"),
    ("/timeline", "Timeline"),
    ("/sources", "Sources"),
    ("/gaps", "Gaps"),
    ("/browse", "Browse"),
    ("/queries", "Queries"),
    ("/sparql", "SPARQL"),
)


SEARCH_BOX = (
    '<form class="search" role="search" method="get" action="/search">'
    '<input type="search" name="q" value="{value}" placeholder="Search names, demands, quotes" '
    'aria-label="Search the base"><button type="submit">Search</button></form>'
)


def nav(current: str, query: str = "") -> str:
    """The navigation bar on top of every page, the ``current`` path marked, and the
    search box."""
    links = "".join(
        f'<a href="{href}"{" aria-current=page" if href == current else ""}>{e(title)}</a>'
        for href, title in NAV
    )
    return f'<nav class="top">{links}{SEARCH_BOX.format(value=e(query))}</nav>\n'


def document(title: str, body: str, current: str = "", query: str = "") -> str:
    """A complete page: the navigation (``current`` marked, the search box holding
    ``query``), then ``body``."""
    return page(title, body, nav=nav(current, query))


SEARCH_KINDS = ("person", "party", "demand", "statement", "source", "meeting", "document")


def search_body(text: str, kind: str, hits: list[Any], total: int, link: Linker) -> str:
    """The answer to a search: the matching nodes, best first, each with the words that
    matched; a person's, a party's and a source's statements one click away."""
    from positions.web.nodes import facet_href

    if not text:
        return (
            "<h1>Search</h1>\n<p>Type a name, a demand or words of a quote in the box "
            "above: people, parties, demands, statements and sources match by their names, "
            "other names, quotes and paraphrases.</p>"
        )
    items = []
    for hit in hits:
        more = {"person": "speaker", "party": "party", "source": "source", "demand": "target"}
        extra = ""
        if hit.kind in more:
            href = facet_href(**{more[hit.kind]: hit.iri})
            extra = f' · <a class="small" href="{e(href)}">statements</a>'
        snippet = e(hit.snippet).replace("[", "<mark>").replace("]", "</mark>")
        items.append(
            f'<li data-iri="{e(hit.iri)}" data-kind="{e(hit.kind)}"><span class="kind">'
            f"{e(hit.kind)}</span> {name(hit.label, hit.iri, link)}{extra}<br>"
            f'<span class="meta">{snippet}</span></li>'
        )
    kinds = " ".join(
        f'<a href="/search?{e(urlencode({"q": text, "kind": k}))}"'
        f"{' aria-current=page' if k == kind else ''}>{e(k)}</a>"
        for k in SEARCH_KINDS
    )
    shown = f" (the best {len(hits)} shown)" if total > len(hits) else ""
    everything = f'<a href="/search?{e(urlencode({"q": text}))}">all</a>'
    json_link = f"/search?{urlencode({'q': text, 'kind': kind, 'format': 'json'})}"
    return (
        f"<h1>Search: {e(text)}</h1>\n"
        f'<p class="result-count">{total} matches{shown}'
        f"{' among ' + e(kind) + 's' if kind else ''}</p>\n"
        f'<p class="small">Only: {everything} {kinds} · <a href="{e(json_link)}">JSON</a></p>\n'
        f'<ol class="hits">{"".join(items) or "<li>Nothing matches.</li>"}</ol>'
    )


def error_body(status: int, message: str) -> str:
    """An error page's body: the status's phrase and the message."""
    return f'<h1>{e(HTTPStatus(status).phrase)}</h1>\n<p class="error">{e(message)}</p>'


# --- The report's views --------------------------------------------------------------


HEADLINE_QUERY = "us-unacceptable-demands"
HEADLINE = "Which demands did the United States call unacceptable or reject?"


def headline_html(rows: list[dict[str, Any]], link: Linker) -> str:
    """The headline question answered on the first screen (the rows of
    ``us-unacceptable-demands``, a line each), linked to its query."""
    items = []
    for r in rows:
        what = (
            name(r.get("demandLabel"), r.get("demand"), link)
            if r.get("demand")
            else f'<span class="flag">{e(r.get("answer"))}</span> '
            + name("the proposal", r.get("proposal"), link)
        )
        items.append(
            f"<li>{what}: <strong>{e(r.get('stanceLabel'))}</strong> · "
            f"{name(r.get('speakerLabel'), r.get('statement'), link)} · "
            f"{e(r.get('date') or 'date not given')}</li>"
        )
    answer = "".join(items) or "<li>No statement of the United States rejects a demand.</li>"
    return (
        f'<section id="headline"><h2>{e(HEADLINE)}</h2>\n<ul class="headline">{answer}</ul>\n'
        f'<p class="small">From the saved query <a href="/queries/{HEADLINE_QUERY}">'
        f"{HEADLINE_QUERY}</a> ({len(rows)} rows: quotes, sources and downloads there).</p>"
        "</section>\n"
    )


def home_body(data: report.ReportData, link: Linker, headline: list[dict[str, Any]]) -> str:
    """The headline answered, then the whole report, every name linked: an introduction,
    the legend, every view."""
    body = [
        "<h1>Negotiation positions</h1>\n",
        headline_html(headline, link),
        "<p>The report's views, drawn from saved queries; "
        'every name links to its page. See also <a href="/browse">every node by kind</a>, '
        '<a href="/statements">statements by party, stance, topic and date</a>, '
        '<a href="/queries">the saved queries</a> and the <a href="/sparql">SPARQL '
        "editor</a>.</p>\n",
        report.legend(data, link),
    ]
    body += [render(data, link) for _, render in report.SECTIONS.values()]
    return "".join(body)


def section_body(key: str, data: report.ReportData, link: Linker) -> str:
    """One view of the report (a key of :data:`positions.output.html_report.SECTIONS`)."""
    _, render = report.SECTIONS[key]
    return render(data, link) + report.legend(data, link)


def browse_body(rows: list[dict[str, Any]], link: Linker) -> str:
    """Every named node, grouped by kind, from the rows of ``entity-index``."""
    groups: dict[str, list[str]] = {}
    for row in rows:
        item = f"<li>{name(row['entityLabel'], row['entity'], link)}</li>"
        groups.setdefault(row["kindLabel"], []).append(item)
    sections = "".join(
        f'<section><h2 id="{e(kind.replace(" ", "-"))}">{e(kind.capitalize())} '
        f"({len(items)})</h2><ul>{''.join(items)}</ul></section>\n"
        for kind, items in groups.items()
    )
    return "<h1>Every node, by kind</h1>\n" + sections


def queries_body(queries: Iterable[SavedQuery]) -> str:
    """The table of the saved queries: name, question, parameters, tags."""
    rows = []
    for query in queries:
        params = ", ".join(p.name + ("" if p.needs_value else "?") for p in query.parameters)
        rows.append(
            f'<tr><td><a href="/queries/{e(quote(query.name))}">{e(query.name)}</a></td>'
            f"<td>{e(query.summary)}</td><td>{e(params or '–')}</td>"
            f"<td>{e(', '.join(query.tags))}</td></tr>"
        )
    return (
        '<h1>Saved queries</h1>\n<p class="note">Each query answers one question; open one '
        "to fill in its parameters and run it. The same queries run from the command line "
        "(<code>positions query NAME -p name=value</code>).</p>\n"
        '<div class="scroll"><table class="sortable"><thead><tr><th>Query</th><th>Question</th>'
        "<th>Parameters (? optional)</th><th>Tags</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></div>"
    )


def result_html(result: QueryResult, store: ox.Store, link: Linker) -> str:
    """A query result as a page shows it: a table of rows, true/false, or Turtle."""
    from positions.output.render import OutputFormat, render

    if result.kind == "ask":
        return f'<p class="result">Answer: <strong>{"yes" if result.boolean else "no"}</strong></p>'
    if result.kind in ("construct", "describe"):
        return f"<pre>{e(render(result, OutputFormat.turtle))}</pre>"
    return result_table(result, store, link)


# --- Saved queries -----------------------------------------------------------------

NO_PARAMETERS = '<p class="muted">No parameters.</p>'


def query_page(
    query: SavedQuery, given: dict[str, str], choices: list[tuple[str, str]], results: str
) -> str:
    """A saved query's page: its description, a form of its parameters, its results."""
    fields = "".join(_field(p, given.get(p.name, "")) for p in query.parameters)
    options = "".join(f'<option value="{e(v)}">{e(label)}</option>' for v, label in choices)
    call = ["positions", "query", query.name]
    for key, value in given.items():
        call += ["-p", shlex.quote(f"{key}={value}")]
    return (
        f"<h1>{e(query.name)}</h1>\n<p><strong>{e(query.summary)}</strong></p>\n"
        f"<p>{inline_code(query.description)}</p>\n"
        f'<form class="params" method="get" action="/queries/{e(quote(query.name))}">'
        f"{fields or NO_PARAMETERS}"
        '<input type="hidden" name="run" value="1"><button type="submit">Run</button></form>\n'
        f'<datalist id="nodes">{options}</datalist>\n'
        f'<p class="small muted">Same as <code>{e(" ".join(call))}</code></p>\n'
        f'<section id="results">{results}</section>\n'
        f"<details><summary>SPARQL</summary><pre>{e(query.text)}</pre></details>\n"
    )


_INPUT_TYPES = {"date": "date", "integer": "number", "datetime": "datetime-local"}


def _field(parameter: Parameter, value: str) -> str:
    label = e(parameter.describe())
    field_id = f"p-{e(parameter.name)}"
    if parameter.choices or parameter.kind == "boolean":
        values = [str(c) for c in parameter.choices] or ["true", "false"]
        blank = "" if parameter.needs_value else '<option value="">(any)</option>'
        opts = "".join(
            f'<option{" selected" if v == value else ""} value="{e(v)}">{e(v)}</option>'
            for v in values
        )
        control = f'<select id="{field_id}" name="{e(parameter.name)}">{blank}{opts}</select>'
    else:
        kind = _INPUT_TYPES.get(parameter.kind, "text")
        extra = ' list="nodes" placeholder="kb:russia"' if parameter.kind == "iri" else ""
        required = " required" if parameter.needs_value else ""
        control = (
            f'<input id="{field_id}" type="{kind}" name="{e(parameter.name)}" '
            f'value="{e(value)}"{extra}{required}>'
        )
    return f'<label for="{field_id}">{label}<br>{control}</label>'


def sparql_form() -> str:
    """What /sparql shows a person who opens it without a query: the editor."""
    from positions.web.editor import editor_body

    return editor_body()
