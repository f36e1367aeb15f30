"""Query results as a page shows them: a table with human column headers, each node's
label linked to its page (its IRI column then hidden), sortable columns, a page of rows
with the total, and links to the same rows as CSV and JSON and to the page itself.

    html = result_table(result, store, link, Paging(page=2, size=50))
    html += downloads("/queries/statements", {"party": "kb:russia"})
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from positions.output.html import Linker, e
from positions.web.nodes import term_html
from positions.web.protocol import Response

if TYPE_CHECKING:
    import pyoxigraph as ox

    from positions.sparql.engine import QueryResult

PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000

# Words a header reads better with.
_WORDS = {"iri": "IRI", "url": "URL", "plover": "PLOVER", "cameo": "CAMEO", "n": "Count"}


def human(variable: str) -> str:
    """A column's header from its variable: ``demandLabel`` -> "Demand", ``sortDate`` ->
    "Sort date", ``madeBy`` -> "Made by", ``partyLabel`` -> "Party"."""
    name = (
        variable[: -len("Label")]
        if variable.endswith("Label") and variable != "Label"
        else variable
    )
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name.strip("_")).replace("_", " ").split()
    words = [_WORDS.get(w.lower(), w.lower()) for w in words] or [variable]
    return words[0][:1].upper() + words[0][1:] + "".join(" " + w for w in words[1:])


def columns(variables: list[str]) -> list[tuple[str, str | None]]:
    """(column shown, the IRI column its values link to): a node's column is hidden when
    its label column (``x`` beside ``xLabel``) shows, and the label links to the node."""
    names = set(variables)
    shown = []
    for v in variables:
        if v + "Label" in names:
            continue
        node = v[: -len("Label")] if v.endswith("Label") else None
        shown.append((v, node if node in names else None))
    return shown


@dataclass(frozen=True)
class Paging:
    page: int = 1
    size: int = PAGE_SIZE

    @classmethod
    def of(cls, params: dict[str, list[str]]) -> Paging:
        """The page asked for (``page``, ``size``), within bounds."""

        def number(key: str, default: int) -> int:
            try:
                return int((params.get(key) or [str(default)])[0])
            except ValueError:
                return default

        return cls(max(1, number("page", 1)), min(MAX_PAGE_SIZE, max(1, number("size", PAGE_SIZE))))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


def pager(total: int, paging: Paging, href: str, params: dict[str, str]) -> str:
    """ "Rows 51-100 of 342" and links to the pages before and after."""
    if total <= paging.size and paging.page == 1:
        return ""
    first = paging.offset + 1
    last = min(total, paging.offset + paging.size)
    pages = max(1, -(-total // paging.size))

    def to(page: int, text: str) -> str:
        query = urlencode({**params, "page": page, "size": paging.size})
        return f'<a rel="{text.lower()}" href="{e(href)}?{e(query)}">{text}</a>'

    links = []
    if paging.page > 1:
        links.append(to(paging.page - 1, "Prev"))
    if paging.page < pages:
        links.append(to(paging.page + 1, "Next"))
    return (
        f'<p class="pager">Rows {first}–{last} of {total} (page {paging.page} of {pages}) '
        + " ".join(links)
        + "</p>\n"
    )


def downloads(href: str, params: dict[str, str], what: str = "these rows") -> str:
    """Links to ``what`` as CSV and JSON, and to this view itself (its parameters in it)."""
    plain = {k: v for k, v in params.items() if k not in ("format", "page", "size")}
    query = urlencode(plain)
    sep = "&" if query else ""
    return (
        f'<p class="downloads noprint">Download {e(what)}: '
        f'<a href="{e(href)}?{e(query)}{sep}format=csv" download>CSV</a> · '
        f'<a href="{e(href)}?{e(query)}{sep}format=json">JSON</a> · '
        f'<a class="permalink" href="{e(href)}{"?" if query else ""}{e(query)}">Permalink</a></p>\n'
    )


def result_table(
    result: QueryResult, store: ox.Store, link: Linker, paging: Paging | None = None
) -> str:
    """A SELECT result's rows as a sortable table (a page of them when ``paging``)."""
    from positions.output.render import labels_for

    rows = result.rows
    total = len(rows)
    if paging is not None:
        rows = rows[paging.offset : paging.offset + paging.size]
    shown = columns(result.variables)
    labels = labels_for(store, [t for row in rows for t in row.values()])
    head = "".join(
        f'<th scope="col" data-var="{e(v)}" title="?{e(v)}">{e(human(v))}</th>' for v, _ in shown
    )
    body = []
    for row in rows:
        cells = []
        for v, node in shown:
            value = term_html(row.get(v), labels, link)
            target = row.get(node) if node else None
            href = link(target.value) if target is not None and hasattr(target, "value") else None
            if href and value:
                value = f'<a href="{e(href)}">{value}</a>'
            cells.append(f"<td>{value}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    noun = "row" if total == 1 else "rows"
    return (
        f'<p class="result-count">{total} {noun}</p>\n'
        f'<div class="scroll"><table class="results sortable"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>\n"
    )


def inline_code(text: str) -> str:
    """Escaped text with `backticks` shown as code, as the queries' descriptions use them."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", e(text))


def as_download(result: QueryResult, fmt: str) -> tuple[str, bytes]:
    """(media type, bytes) of a result as CSV or SPARQL JSON."""
    from positions.output.render import OutputFormat, render

    if fmt == "csv":
        return "text/csv; charset=utf-8", render(result, OutputFormat.csv).encode("utf-8")
    return "application/json", render(result, OutputFormat.json).encode("utf-8")


def download(result: QueryResult, name: str, fmt: str) -> Response:
    """A result as a file to keep: CSV or SPARQL JSON, named after its query or list."""
    media, body = as_download(result, fmt)
    disposition = f'attachment; filename="{name}.{fmt}"'
    return Response(200, media, body, {"Content-Disposition": disposition})


def params_of(given: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in given.items() if v not in (None, "")}
