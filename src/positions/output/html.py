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
