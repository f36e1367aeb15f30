"""The pages of the faceted lists (``/statements``, ``/demands``): the filters chosen, the
values each dimension takes with their counts (a link each, adding that filter), the
dates by month, a page of the items, and the downloads.

The queries are composed by :mod:`positions.sparql.facets` and run by the server; this
module only draws their rows.  Every filter is in the URL, so a page is its own
permalink.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from positions.output.html import Linker, e, name
from positions.rdf.namespaces import compact
from positions.sparql.engine import run
from positions.sparql.facets import FACETS, FEW_VALUED, MANY, Facets
from positions.web.protocol import Response
from positions.web.results import Paging, download, downloads, pager


@dataclass
class FacetView:
    """What a faceted page shows, as the server found it."""

    facets: Facets
    chosen: dict[str, str]  # the filters, as in the URL (compact IRIs, dates)
    total: int
    rows: list[dict[str, Any]]  # a page of items (the listing's rows as Python values)
    counts: dict[str, list[dict[str, Any]]]  # dimension -> rows of ?value ?valueLabel ?n
    months: list[dict[str, Any]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # chosen IRI -> label
    many: bool = False  # too many items to count every dimension (facets.MANY)


def href(facets: Facets, chosen: dict[str, str], **change: str | None) -> str:
    """The list with ``chosen`` changed (a value of None removes that filter)."""
    wanted = dict(chosen)
    for key, value in change.items():
        if value is None:
            wanted.pop(key, None)
        else:
            wanted[key] = compact(value) if value.startswith("http") else value
    query = urlencode(wanted)
    return f"/{facets.name}" + (f"?{query}" if query else "")


def _chips(view: FacetView) -> str:
    if not view.chosen:
        return '<p class="filters muted">No filter yet: choose a value among the filters.</p>\n'
    titles = {d.key: d.title for d in view.facets.dimensions} | {"since": "From", "until": "To"}
    chips = "".join(
        f'<span class="chip">{e(titles.get(k, k))}: '
        f"<strong>{e(view.labels.get(v, v))}</strong> "
        f'<a href="{e(href(view.facets, view.chosen, **{k: None}))}" '
        f'aria-label="remove this filter" title="remove this filter">×</a></span> '
        for k, v in view.chosen.items()
    )
    return (
        f'<p class="filters">Filtered by {chips}<a href="/{view.facets.name}">clear all</a></p>\n'
    )


def _facet_lists(view: FacetView) -> str:
    parts = []
    for dimension in view.facets.dimensions:
        values = view.counts.get(dimension.key, [])
        if not values:
            continue
        picked = view.chosen.get(dimension.key)
        items = "".join(
            f'<li><a href="{e(href(view.facets, view.chosen, **{dimension.key: r["value"]}))}"'
            f"{' aria-current=true' if compact(r['value']) == picked else ''}"
            f">{e(r['valueLabel'] or compact(r['value']))}</a> "
            f'<span class="n">{e(r["n"])}</span></li>'
            for r in values
        )
        parts.append(
            f'<details class="facet" data-facet="{e(dimension.key)}" open>'
            f"<summary>{e(dimension.title)}</summary><ul>{items}</ul></details>"
        )
    if view.many:
        parts.append(
            f'<p class="note">{view.total} {view.facets.name}: the other filters and the '
            "dates are counted once one of these narrows the list (in the store's order "
            "until then).</p>"
        )
    if view.facets.dated:
        parts.append(_dates(view))
    return '<aside class="facets">' + "".join(parts) + "</aside>\n"


def _dates(view: FacetView) -> str:
    import calendar

    items = []
    for r in view.months:
        month = str(r["month"])
        try:
            year, number = int(month[:4]), int(month[5:7])
        except ValueError:
            continue
        last = calendar.monthrange(year, number)[1]
        link = href(view.facets, view.chosen, since=f"{month}-01", until=f"{month}-{last:02d}")
        items.append(
            f'<li><a href="{e(link)}">{e(month)}</a> <span class="n">{e(r["n"])}</span></li>'
        )
    hidden = "".join(
        f'<input type="hidden" name="{e(k)}" value="{e(v)}">'
        for k, v in view.chosen.items()
        if k not in ("since", "until")
    )
    return (
        '<details class="facet" data-facet="date" open><summary>Date</summary>'
        f"<ul>{''.join(items)}</ul>"
        f'<form method="get" action="/{view.facets.name}" class="range">{hidden}'
        f'<label>From <input type="date" name="since" value="{e(view.chosen.get("since", ""))}">'
        f'</label> <label>to <input type="date" name="until" '
        f'value="{e(view.chosen.get("until", ""))}"></label> <button type="submit">Apply</button>'
        "</form></details>"
    )


def _date_cell(view: FacetView, date: Any) -> str:
    if not date:
        return '<span class="muted">not given</span>'
    text = str(date)
    day = text.removeprefix("on or before ")[:10]
    since = None if text.startswith("on or before ") else day
    link = href(view.facets, view.chosen, since=since, until=day)
    return f'<a href="{e(link)}">{e(text)}</a>'


def _table(view: FacetView, link: Linker) -> str:
    columns = view.facets.columns
    head = "<th>Date</th>" if view.facets.dated else ""
    head += f"<th>{e(view.facets.title[:-1])}</th>"
    head += "".join(f"<th>{e(c.title)}</th>" for c in columns)
    body = []
    for row in view.rows:
        cells = f"<td>{_date_cell(view, row.get('date'))}</td>" if view.facets.dated else ""
        cells += f"<td>{name(row.get('itemLabel'), row['item'], link)}</td>"
        for column in columns:
            value = row.get(column.key)
            label = row.get(column.key + "Label") or (compact(value) if value else "")
            cell = (
                f'<a href="{e(href(view.facets, view.chosen, **{column.key: value}))}">'
                f"{e(label)}</a>"
                if value
                else ""
            )
            cells += f'<td data-facet="{e(column.key)}">{cell}</td>'
        body.append(f'<tr data-iri="{e(row["item"])}">{cells}</tr>')
    return (
        f'<div class="scroll"><table class="results sortable"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>\n"
    )


def facet_body(view: FacetView, paging: Paging, link: Linker) -> str:
    """The whole page of a faceted list."""
    noun = view.facets.title.lower()
    count = f'<p class="result-count">{view.total} {noun}</p>\n'
    return (
        f"<h1>{e(view.facets.title)}</h1>\n"
        + _chips(view)
        + '<div class="faceted">'
        + _facet_lists(view)
        + '<div class="items">'
        + count
        + downloads(f"/{view.facets.name}", view.chosen, f"these {noun}")
        + _table(view, link)
        + pager(view.total, paging, f"/{view.facets.name}", view.chosen)
        + "</div></div>\n"
    )


def answer(site: Any, list_name: str, params: dict[str, list[str]]) -> Response:
    """``/statements`` and ``/demands`` for the server ``site``
    (:class:`positions.web.server.Site`): narrowed by the filters in the URL, with
    the values of each dimension and their counts; ``format=csv|json``: every item."""
    facets = FACETS[list_name]
    chosen = facets.chosen({k: v[0] for k, v in params.items() if v})
    labels: dict[str, str] = {}
    for key, value in list(chosen.items()):
        if key in ("since", "until") or ":" in value:
            continue
        found = site.named(value)
        if not found:
            return site.error_page(400, f"no node is called {value} (filter {key})")
        if len(found) > 1:
            choices = "".join(
                f'<li><a href="{e(href(facets, chosen, **{key: iri}))}">{e(label)}</a></li>'
                for iri, label in found
            )
            message = f"{len(found)} nodes are called {value}; which one?"
            return site.error_page(400, message, choices)
        chosen[key] = compact(found[0][0])
    fmt = (params.get("format") or [""])[0]
    if fmt in ("csv", "json"):
        listing = facets.listing(chosen, limit=site.max_rows + 1)
        result = run(site.kb, listing.text, listing.params, timeout=site.timeout)
        if len(result.rows) > site.max_rows:
            return site.error_page(503, f"more than {site.max_rows} {list_name}: narrow them")
        return download(result, list_name, fmt)
    paging = Paging.of(params)

    def counts() -> tuple[int, dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
        counting = facets.counting(chosen)
        total = run(site.kb, counting.text, counting.params, timeout=site.timeout)
        many = total.to_dicts()[0]["n"] > MANY
        found = {}
        for dimension in facets.dimensions:
            if many and dimension.key not in FEW_VALUED:
                continue
            query = facets.facet(dimension.key, chosen)
            found[dimension.key] = run(
                site.kb, query.text, query.params, timeout=site.timeout
            ).to_dicts()
        months = []
        if facets.dated and not many:
            query = facets.months(chosen)
            months = run(site.kb, query.text, query.params, timeout=site.timeout).to_dicts()
        return total.to_dicts()[0]["n"], found, months

    total, found, months = site.derived(f"facets {list_name} {sorted(chosen.items())}", counts)
    listing = facets.listing(chosen, limit=paging.size, offset=paging.offset, by_date=total <= MANY)
    rows = run(site.kb, listing.text, listing.params, timeout=site.timeout).to_dicts()
    for values in found.values():
        labels.update({compact(r["value"]): r["valueLabel"] for r in values if r["valueLabel"]})
    view = FacetView(facets, chosen, total, rows, found, months, labels, total > MANY)
    return site.page(facets.title, facet_body(view, paging, site.link), f"/{list_name}")
