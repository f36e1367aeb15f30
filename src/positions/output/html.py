"""The HTML building blocks shared by the report and the server: escaping, linked names and
the page skeleton with its inline style and script.

Every string from the base goes through :func:`e` (:func:`html.escape`, quotes included);
:func:`page` wraps a body in a complete document that names no outside resource.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

Linker = Callable[[str], "str | None"]  # an IRI -> an href, or None for plain text


def no_links(iri: str) -> str | None:
    """The report file links nowhere outside itself."""
    return None


def e(value: Any) -> str:
    """Escape for HTML text and attribute values (quotes included)."""
    return html.escape("" if value is None else str(value), quote=True)


def name(label: Any, iri: str | None, link: Linker) -> str:
    """A label, linked to the node's page when the linker gives one."""
    href = link(iri) if iri else None
    text = e(label if label is not None else iri)
    return f'<a href="{e(href)}">{text}</a>' if href else text


# --- Page ---------------------------------------------------------------------------


CSS = """
:root { --ink:#1a1a1a; --muted:#5f6368; --rule:#d7d7d7; --paper:#ffffff; --band:#f4f5f7; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       background: var(--paper); margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin: .5rem 0; } h2 { font-size: 1.25rem; margin: 2rem 0 .5rem;
     border-bottom: 2px solid var(--ink); padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
p.note, .muted { color: var(--muted); } .small { font-size: .85em; }
nav.top { display: flex; flex-wrap: wrap; gap: .3rem 1rem; padding: .4rem 0;
          border-bottom: 1px solid var(--rule); }
nav.top a { text-decoration: none; } a { color: #0b57d0; }
table { border-collapse: collapse; margin: .4rem 0 1rem; }
th, td { border: 1px solid var(--rule); padding: .3rem .5rem; vertical-align: top;
         text-align: left; }
thead th { background: var(--band); position: sticky; top: 0; z-index: 1; }
table.matrix td.cell { padding: 0; min-width: 8.5rem; }
table.matrix th.group { background: var(--band); font-weight: 600; }
table.matrix th.refines { padding-left: 1.6rem; font-weight: normal; }
table.matrix td.empty { color: #9e9e9e; text-align: center; }
td.cell details { position: relative; }
td.cell summary { list-style: none; cursor: pointer; padding: .35rem .5rem; background: var(--bg);
                  color: var(--fg); font-weight: 600; -webkit-print-color-adjust: exact;
                  print-color-adjust: exact; }
td.cell summary::-webkit-details-marker { display: none; }
td.cell summary .n { float: right; font-weight: normal; margin-left: .5rem; }
td.cell summary .also { display: block; font-weight: normal; font-size: .8em; opacity: .9; }
td.cell .pop { position: absolute; z-index: 5; left: 0; top: 100%; width: 30rem; max-width: 80vw;
               background: #fff; color: var(--ink); border: 1px solid #888; padding: .5rem .7rem;
               box-shadow: 0 4px 16px rgba(0,0,0,.25); font-size: .9em; }
.pop ol { margin: .3rem 0 0 1.1rem; padding: 0; } .pop li { margin-bottom: .5rem; }
.words { font-style: italic; } .meta { color: var(--muted); font-size: .9em; }
.swatch { display: inline-block; padding: .1rem .45rem; border-radius: 3px; font-weight: 600;
          background: var(--bg); color: var(--fg); -webkit-print-color-adjust: exact;
          print-color-adjust: exact; }
ul.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .4rem .8rem; }
ul.legend li { white-space: nowrap; }
table.timeline td.bar { width: 340px; padding: 2px 4px; }
table.timeline td:first-child { white-space: nowrap; } table.timeline svg { display: block; }
table.timeline tr.meeting th, table.timeline tr.meeting td { background: #eef3fb; }
.kind { font-size: .8em; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.bounded { font-style: italic; }
.inferred { font-style: italic; }
.flag { display: inline-block; font-size: .75em; padding: 0 .35rem; border-radius: 3px;
        border: 1px solid currentColor; color: #8a4b00; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.alone-some { font-weight: 700; color: #8a1c1c; }
code, .iri { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
             font-size: .85em; overflow-wrap: anywhere; }
pre { background: var(--band); padding: .6rem; overflow-x: auto; font-size: .85em; }
form.params label { display: block; margin: .4rem 0; } form.params input, form.params select
  { font: inherit; padding: .2rem .3rem; min-width: 18rem; }
.error { background: #fdecea; border: 1px solid #f5c2c0; padding: .5rem .7rem; }
.scroll { overflow-x: auto; max-width: 100%; }
.scroll > table { margin-bottom: .4rem; }
nav.top form.search { display: flex; gap: .3rem; flex: 1 1 14rem; max-width: 26rem;
                      margin-left: auto; }
nav.top form.search input { flex: 1 1 auto; min-width: 0; font: inherit; padding: .1rem .4rem; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th[aria-sort=ascending]::after { content: " \25B2"; font-size: .7em; }
table.sortable th[aria-sort=descending]::after { content: " \25BC"; font-size: .7em; }
mark { background: #fff0a8; color: inherit; } a.plain { text-decoration: none; }
.faceted { display: grid; grid-template-columns: 17rem minmax(0, 1fr); gap: 1.2rem;
           align-items: start; }
aside.facets details { margin-bottom: .5rem; } aside.facets summary { font-weight: 600; }
aside.facets ul { list-style: none; margin: .2rem 0; padding: 0 0 0 .3rem; }
aside.facets li { display: flex; justify-content: space-between; gap: .5rem; }
aside.facets a[aria-current] { font-weight: 700; } .n { color: var(--muted); }
form.range input { font: inherit; max-width: 100%; }
.chip { display: inline-block; background: var(--band); border: 1px solid var(--rule);
        border-radius: 1rem; padding: 0 .55rem; margin: .1rem 0; }
.chip a { text-decoration: none; margin-left: .2rem; }
.pager a { margin-left: .6rem; } ol.hits li { margin-bottom: .45rem; }
ul.headline li { margin-bottom: .25rem; }
textarea { max-width: 100%; }
@media (max-width: 760px) {
  body { padding: .5rem .7rem 2rem; }
  .faceted { grid-template-columns: minmax(0, 1fr); }
  aside.facets { display: grid; grid-template-columns: repeat(auto-fill, minmax(10.5rem, 1fr));
                 gap: 0 .8rem; }
  aside.facets ul { max-height: 9.5rem; overflow-y: auto; }
  aside.facets p.note, aside.facets details[data-facet=date] { grid-column: 1 / -1; }
  .scroll-narrow { overflow-x: auto; max-width: 100%; }
  td.cell .pop { position: fixed; left: 4vw; right: 4vw; top: 10vh; width: auto;
                 max-width: none; max-height: 80vh; overflow: auto; }
  form.params input, form.params select { min-width: 0; width: 100%; }
  nav.top form.search { max-width: none; margin-left: 0; }
  ul.legend li { white-space: normal; }
}
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; } nav.top, .noprint { display: none; }
  thead th { position: static; } h2 { break-after: avoid; } tr { break-inside: avoid; }
  td.cell .pop { position: static; width: auto; max-width: none; box-shadow: none;
                 border: 0; border-top: 1px solid var(--rule); }
  a { color: inherit; text-decoration: none; }
}
"""

# Open every cell's statements for printing, and close them again afterwards;
# on screen, opening one cell closes the others so that the pop-ups never pile up.
SCRIPT = """
(function () {
  var cells = function () { return document.querySelectorAll('td.cell details'); };
  document.addEventListener('toggle', function (ev) {
    var d = ev.target;
    if (!d.open || !d.closest || !d.closest('td.cell') || window.__printing) return;
    cells().forEach(function (o) { if (o !== d) o.open = false; });
  }, true);
  window.addEventListener('beforeprint', function () {
    window.__printing = true; cells().forEach(function (d) { d.dataset.was = d.open ? '1' : '';
      d.open = true; });
  });
  window.addEventListener('afterprint', function () {
    cells().forEach(function (d) { d.open = d.dataset.was === '1'; });
    window.__printing = false;
  });
  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape') cells().forEach(function (d) { d.open = false; });
  });
  // Sortable tables: a click (or Enter) on a header sorts the rows shown by that column.
  var sortBy = function (th) {
    var table = th.closest('table'), body = table.tBodies[0];
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var up = th.getAttribute('aria-sort') !== 'ascending';
    table.querySelectorAll('th[aria-sort]').forEach(function (o) {
      o.removeAttribute('aria-sort');
    });
    th.setAttribute('aria-sort', up ? 'ascending' : 'descending');
    var text = function (row) { var c = row.children[index]; return c ? c.innerText.trim() : ''; };
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = text(a), y = text(b), nx = parseFloat(x), ny = parseFloat(y);
      var c = (!isNaN(nx) && !isNaN(ny) && String(nx) === x && String(ny) === y) ? nx - ny
        : x.localeCompare(y, undefined, { numeric: true, sensitivity: 'base' });
      return up ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  };
  window.positionsSortable = function (root) {
    root.querySelectorAll('table.sortable thead th, thead th.sortable').forEach(function (th) {
      th.tabIndex = 0; th.title = (th.title ? th.title + ' · ' : '') + 'sort by this column';
      th.addEventListener('click', function () { sortBy(th); });
      th.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') sortBy(th); });
    });
  };
  window.positionsSortable(document);
  // The report's find box: keeps the rows and items holding every word typed.
  var find = document.querySelector('input[data-find]');
  if (find) find.addEventListener('input', function () {
    var words = find.value.toLowerCase().split(/ +/).filter(Boolean);
    document.querySelectorAll('tbody tr, section li').forEach(function (el) {
      if (el.closest('#legend')) return;
      var text = el.textContent.toLowerCase();
      el.hidden = words.some(function (w) { return text.indexOf(w) < 0; });
    });
  });
})();
"""


def page(title: str, body: str, *, nav: str = "") -> str:
    """A complete HTML document with the inline style and script."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"{nav}{body}\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )
