"""The report: one self-contained HTML file with the views an analyst reads first.

    html = build_report(KnowledgeBase.open(None))

Four views, each drawn from saved queries (the report runs no SPARQL of its own):

* the demand-by-party matrix (``demand-party-matrix``, ``demand-party-statements``,
  ``unanswered-demands`` for the demands nobody answered), each cell the
  strongest stance a party took on a demand, with the statements behind it;
* the timeline of meetings, calls and statements (``meeting-timeline``,
  ``statements``), statements dated only "on or before" a day drawn as ranges;
* the sources, with genre and the statements resting on each alone
  (``sources-overview``);
* the gaps: demands without response (``unanswered-demands``) and statements
  whose target was left unspecified (``unspecified-targets``).

The page carries its CSS and a few lines of JavaScript inline and names no
outside resource, so it opens offline; every string from the base goes through
:func:`html.escape`.  The output depends only on the base (no clock, no
paths), so the same base gives the same bytes.  The server (:mod:`positions.web.server`)
renders the same sections, with links to its node pages.
"""

from __future__ import annotations

import datetime
import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from positions.rdf.namespaces import DATA, VOCAB_BASE

if TYPE_CHECKING:
    from positions.base.kb import KnowledgeBase

STANCE_NS = VOCAB_BASE + "stance/"

# "Strongest stance", strongest first: how far the stance settles the demand.
# A refusal closes it (calling it unacceptable is the most explicit refusal), a
# warning attaches costs to it, a condition sets a price on it, insisting or
# demanding keeps it on the table, accepting or promising commits to act on it,
# openness to discuss commits to nothing yet, and an assessment of the talks or
# an accusation takes no position on the demand itself.  A cell shows every
# stance taken; the order only picks its colour and headline.
STANCE_ORDER: tuple[str, ...] = (
    "calls-unacceptable",
    "rejects",
    "warns",
    "conditional",
    "insists",
    "demands",
    "accepts",
    "promises",
    "open-to-discuss",
    "assesses-talks",
    "accuses",
)

# Background and text colour per stance: reds for refusal, orange/amber for
# pressure, purples for demands, greens for agreement, teal for openness, greys
# for comment.  The stance is always written in the cell too, so the matrix
# reads in black and white.
STANCE_COLOURS: dict[str, tuple[str, str]] = {
    "calls-unacceptable": ("#7f0000", "#ffffff"),
    "rejects": ("#c62828", "#ffffff"),
    "warns": ("#e65100", "#ffffff"),
    "conditional": ("#f9a825", "#000000"),
    "insists": ("#6a1b9a", "#ffffff"),
    "demands": ("#9c4dcc", "#ffffff"),
    "accepts": ("#1b5e20", "#ffffff"),
    "promises": ("#43a047", "#000000"),
    "open-to-discuss": ("#00838f", "#ffffff"),
    "assesses-talks": ("#90a4ae", "#000000"),
    "accuses": ("#795548", "#ffffff"),
}
UNKNOWN_COLOURS = ("#d0d0d0", "#000000")  # a stance a later base adds: shown, ranked last

QUERIES_USED = (
    "demand-party-matrix",
    "demand-party-statements",
    "unanswered-demands",
    "meeting-timeline",
    "statements",
    "sources-overview",
    "unspecified-targets",
    "stance-codes",
)

BOUND_PREFIX = "on or before "  # how the saved queries write a date known only by a bound

Linker = Callable[[str], "str | None"]  # an IRI -> an href, or None for plain text


def no_links(iri: str) -> str | None:
    """The report file links nowhere outside itself."""
    return None


def e(value: Any) -> str:
    """Escape for HTML text and attribute values (quotes included)."""
    return html.escape("" if value is None else str(value), quote=True)


def stance_key(iri: str) -> str:
    return iri[len(STANCE_NS) :] if iri.startswith(STANCE_NS) else iri


def stance_rank(iri: str) -> int:
    key = stance_key(iri)
    return STANCE_ORDER.index(key) if key in STANCE_ORDER else len(STANCE_ORDER)


def stance_colours(iri: str) -> tuple[str, str]:
    return STANCE_COLOURS.get(stance_key(iri), UNKNOWN_COLOURS)


def strongest(stances: Iterable[str]) -> str:
    """The strongest of some stance IRIs by :data:`STANCE_ORDER` (ties: by IRI)."""
    return min(stances, key=lambda iri: (stance_rank(iri), iri))


# --- Data --------------------------------------------------------------------------


@dataclass
class ReportData:
    """The rows of every saved query the report uses, as plain Python values."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __getitem__(self, name: str) -> list[dict[str, Any]]:
        return self.rows[name]


def collect(kb: KnowledgeBase) -> ReportData:
    """Run the report's saved queries, without parameters."""
    return ReportData({name: kb.query(name).to_dicts() for name in QUERIES_USED})


@dataclass(frozen=True)
class Stance:
    iri: str
    label: str
    cameo: str
    plover: str


def stances(data: ReportData) -> dict[str, Stance]:
    """The stance scheme, strongest first, from ``stance-codes``."""
    found = {
        row["stance"]: Stance(row["stance"], row["stanceLabel"], row["cameo"], row["plover"] or "")
        for row in data["stance-codes"]
    }
    return {iri: found[iri] for iri in sorted(found, key=lambda i: (stance_rank(i), i))}


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


def name(label: Any, iri: str | None, link: Linker) -> str:
    """A label, linked to the node's page when the linker gives one."""
    href = link(iri) if iri else None
    text = e(label if label is not None else iri)
    return f'<a href="{e(href)}">{text}</a>' if href else text


def swatch(stance: Stance | None, label: str, iri: str = "") -> str:
    bg, fg = stance_colours(stance.iri if stance else iri)
    return f'<span class="swatch" style="--bg:{bg};--fg:{fg}">{e(label)}</span>'


# --- Legend ------------------------------------------------------------------------


def legend(data: ReportData) -> str:
    items = []
    for stance in stances(data).values():
        codes = f"CAMEO {stance.cameo}" + (f", PLOVER {stance.plover}" if stance.plover else "")
        items.append(
            f'<li>{swatch(stance, stance.label)} <span class="small muted">{e(codes)}</span></li>'
        )
    return (
        '<section id="legend"><h2>Legend</h2>\n'
        "<p>Stances, strongest first. A matrix cell is coloured by the strongest stance the "
        "party took on the demand and lists the others below it; the number is how many "
        "statements it rests on. Strength is how far a stance settles the demand: a refusal "
        "closes it (calling it unacceptable being the most explicit refusal), a warning "
        "attaches costs, a condition sets a price, insisting or demanding keeps it on the "
        "table, accepting or promising commits to act, openness to discuss commits to "
        "nothing yet, and an assessment or accusation takes no position on the demand.</p>\n"
        f'<ul class="legend">{"".join(items)}</ul>\n'
        "<p>Timeline: a dot is a day the sources give; a hatched bar ending in a tick is a "
        'statement known only to be <span class="bounded">on or before</span> a day (the '
        "bar starts at the earliest day in the view, not at a known date); meetings and "
        "calls are drawn as squares on a blue band.</p>\n</section>\n"
    )


# --- Matrix ------------------------------------------------------------------------


@dataclass
class DemandRow:
    iri: str
    label: str
    broader: str | None


def matrix_rows(data: ReportData) -> list[DemandRow]:
    """Every demand: those with statements, then those with none (``unanswered-demands``)."""
    found: dict[str, DemandRow] = {}
    for row in data["demand-party-matrix"]:
        found.setdefault(
            row["demand"], DemandRow(row["demand"], row["demandLabel"], row["broaderLabel"])
        )
    for row in data["unanswered-demands"]:
        found.setdefault(
            row["demand"], DemandRow(row["demand"], row["demandLabel"], row["refines"])
        )
    # Grouped under the demand they refine: the broader demand first, then its refinements.
    return sorted(
        found.values(), key=lambda d: (d.broader or d.label, d.broader is not None, d.label, d.iri)
    )


def matrix(data: ReportData, link: Linker = no_links) -> str:
    scheme = stances(data)
    parties = sorted({(r["partyLabel"], r["party"]) for r in data["demand-party-matrix"]})
    cells = {(r["demand"], r["party"]): r for r in data["demand-party-matrix"]}
    behind: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in data["demand-party-statements"]:
        behind.setdefault((row["demand"], row["party"]), []).append(row)
    head = "".join(f'<th scope="col">{name(label, iri, link)}</th>' for label, iri in parties)
    body = []
    labels = {d.label for d in matrix_rows(data)}
    seen_groups: set[str] = set()
    for demand in matrix_rows(data):
        if demand.broader and demand.broader not in labels and demand.broader not in seen_groups:
            seen_groups.add(demand.broader)  # a broader demand with no row of its own
            body.append(
                f'<tr><th class="group" colspan="{len(parties) + 1}">{e(demand.broader)}</th></tr>'
            )
        css = "refines" if demand.broader else "group"
        mark = "↳ " if demand.broader else ""
        row = [
            f'<th scope="row" class="{css}" data-demand="{e(demand.iri)}">{mark}'
            f"{name(demand.label, demand.iri, link)}</th>"
        ]
        for party_label, party in parties:
            row.append(
                _cell(
                    demand,
                    party_label,
                    party,
                    cells.get((demand.iri, party)),
                    behind.get((demand.iri, party), []),
                    scheme,
                    link,
                )
            )
        body.append("<tr>" + "".join(row) + "</tr>")
    return (
        '<section id="matrix"><h2>Demands by responding party</h2>\n'
        '<p class="note">One row per demand, refinements under the demand they refine; one '
        "column per party that took a stance on a demand (the maker's own restatements "
        "included). Click a cell for the statements behind it.</p>\n"
        '<table class="matrix"><thead><tr><th scope="col">Demand</th>'
        f"{head}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody></table>\n</section>\n"
    )


def _cell(
    demand: DemandRow,
    party_label: str,
    party: str,
    cell: dict[str, Any] | None,
    statements: list[dict[str, Any]],
    scheme: dict[str, Stance],
    link: Linker,
) -> str:
    if cell is None:
        return '<td class="empty" title="no statement">–</td>'
    taken = {s["stance"]: s["stanceLabel"] for s in statements}
    if taken:
        top = strongest(taken)
        top_label = taken[top]
    else:  # statements without a stance IRI cannot happen with the bundled queries
        top, top_label = "", cell["stances"]
    others = sorted((i for i in taken if i != top), key=lambda i: (stance_rank(i), i))
    also = ", ".join(taken[i] for i in others)
    bg, fg = stance_colours(top)
    count = cell["statements"]
    noun = "statement" if count == 1 else "statements"
    hover = f"{party_label} on {demand.label}: {top_label}"
    hover += f" (also {also})" if also else ""
    hover += f"; {count} {noun}"
    items = "".join(_statement_item(s, link) for s in statements)
    also_html = f'<span class="also">also {e(also)}</span>' if also else ""
    return (
        f'<td class="cell" data-demand="{e(demand.iri)}" data-party="{e(party)}" '
        f'data-stance="{e(stance_key(top))}" style="--bg:{bg};--fg:{fg}">'
        f'<details><summary title="{e(hover)}"><span class="stance">{e(top_label)}</span>'
        f'<span class="n">{count}</span>{also_html}</summary>'
        f'<div class="pop"><strong>{e(party_label)}</strong> on <strong>{e(demand.label)}'
        f"</strong>: {count} {noun}<ol>{items}</ol></div></details></td>"
    )


def _statement_item(row: dict[str, Any], link: Linker) -> str:
    date = row["date"] or "date not given"
    return (
        f'<li class="statement" data-statement="{e(row["statement"])}">'
        f"{name(row['statementLabel'], row['statement'], link)}<br>"
        f'<span class="meta">{swatch(None, row["stanceLabel"], row["stance"])} '
        f"{name(row['speakerLabel'], row['speaker'], link)} · {e(date)}</span><br>"
        f'<span class="words">{e(row["words"])}</span><br>'
        f'<span class="meta">Sources: {e(row["sources"])}</span></li>'
    )


# --- Timeline ----------------------------------------------------------------------


@dataclass
class Event:
    kind: str  # "meeting" or "statement"
    iri: str
    label: str
    day: datetime.date | None  # the day, or the bound
    bounded: bool  # True when `day` is only "on or before"
    stance_iri: str = ""
    detail: str = ""  # one line of who / what / sources


def parse_date(value: Any) -> tuple[datetime.date | None, bool]:
    """A date as the saved queries give it: a day, "on or before DAY", or nothing."""
    if value is None or value == "":
        return None, False
    if isinstance(value, datetime.date):
        return value, False
    text = str(value)
    bounded = text.startswith(BOUND_PREFIX)
    try:
        return datetime.date.fromisoformat(text.removeprefix(BOUND_PREFIX)[:10]), bounded
    except ValueError:
        return None, False


def events(data: ReportData) -> list[Event]:
    by_label = {s.label: s.iri for s in stances(data).values()}
    found = []
    for row in data["meeting-timeline"]:
        day, bounded = parse_date(row["date"])
        where = f" · {row['place']}" if row["place"] else ""
        detail = f"{row['format']}{where} · {row['parties']}"
        if row["delegations"]:
            detail += f" · delegations: {row['delegations']}"
        if row["outcome"]:
            detail += f" · outcome: {row['outcome']}"
        detail += f" · sources: {row['sources']}"
        found.append(
            Event("meeting", row["meeting"], row["meetingLabel"], day, bounded, detail=detail)
        )
    for row in data["statements"]:
        day, bounded = parse_date(row["date"])
        target = f" · on {row['targetLabel']}" if row["targetLabel"] else ""
        detail = (
            f"{row['speakerLabel']} for {row['partyLabel']} · {row['stanceLabel']}"
            f"{target} · sources: {row['sources']}"
        )
        found.append(
            Event(
                "statement",
                row["statement"],
                row["statementLabel"],
                day,
                bounded,
                by_label.get(row["stanceLabel"], ""),
                detail,
            )
        )
    return sorted(
        found,
        key=lambda ev: (
            ev.day is None,
            ev.day or datetime.date.min,
            ev.bounded,
            ev.kind != "meeting",
            ev.label,
            ev.iri,
        ),
    )


BAR_WIDTH = 330
BAR_HEIGHT = 16
PAD = 8


def _x(day: datetime.date, start: datetime.date, span: int) -> float:
    return PAD + (day - start).days / span * (BAR_WIDTH - 2 * PAD)


def _bar(ev: Event, start: datetime.date, span: int) -> str:
    assert ev.day is not None
    x = _x(ev.day, start, span)
    bg, _ = stance_colours(ev.stance_iri) if ev.kind == "statement" else ("#0d47a1", "")
    mid = BAR_HEIGHT / 2
    if ev.bounded:
        x0 = _x(start, start, span)
        shape = (
            f'<rect x="{x0:.1f}" y="{mid - 3}" width="{max(x - x0, 1):.1f}" height="6" '
            f'fill="url(#hatch)" stroke="{bg}" stroke-width="1"/>'
            f'<line x1="{x:.1f}" y1="1" x2="{x:.1f}" y2="{BAR_HEIGHT - 1}" stroke="{bg}" '
            'stroke-width="2.5"/>'
        )
    elif ev.kind == "meeting":
        shape = f'<rect x="{x - 5:.1f}" y="{mid - 5}" width="10" height="10" fill="{bg}"/>'
    else:
        shape = (
            f'<circle cx="{x:.1f}" cy="{mid}" r="5" fill="{bg}" stroke="#000" stroke-width=".5"/>'
        )
    title = ("on or before " if ev.bounded else "") + ev.day.isoformat()
    return (
        f'<svg width="{BAR_WIDTH}" height="{BAR_HEIGHT}" viewBox="0 0 {BAR_WIDTH} {BAR_HEIGHT}" '
        f'role="img" aria-label="{e(title)}"><title>{e(title)}</title>{shape}</svg>'
    )


def _axis(start: datetime.date, end: datetime.date, span: int) -> str:
    ticks = []
    day = start
    while day <= end:
        x = _x(day, start, span)
        # The first label starts at its tick, so that it is not cut at the edge.
        anchor = "start" if day == start else "middle"
        ticks.append(
            f'<line x1="{x:.1f}" y1="14" x2="{x:.1f}" y2="22" stroke="#555"/>'
            f'<text x="{x - (2 if day == start else 0):.1f}" y="11" font-size="9" '
            f'text-anchor="{anchor}">{day.strftime("%d %b")}</text>'
        )
        day += datetime.timedelta(days=7)
    return (
        f'<svg width="{BAR_WIDTH}" height="24" viewBox="0 0 {BAR_WIDTH} 24" role="img" '
        f'aria-label="{e(start.isoformat())} to {e(end.isoformat())}">'
        '<defs><pattern id="hatch" width="4" height="4" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="4" height="4" fill="#fff"/>'
        '<line x1="0" y1="0" x2="0" y2="4" stroke="#888" stroke-width="2"/></pattern></defs>'
        f'<line x1="{PAD}" y1="22" x2="{BAR_WIDTH - PAD}" y2="22" stroke="#555"/>'
        + "".join(ticks)
        + "</svg>"
    )


def timeline(data: ReportData, link: Linker = no_links) -> str:
    all_events = events(data)
    dated = [ev for ev in all_events if ev.day is not None]
    undated = [ev for ev in all_events if ev.day is None]
    rows = []
    if dated:
        start = min(ev.day for ev in dated if ev.day)  # type: ignore[type-var]
        end = max(ev.day for ev in dated if ev.day)  # type: ignore[type-var]
        span = max((end - start).days, 1)
        for ev in dated:
            rows.append(_timeline_row(ev, link, _bar(ev, start, span)))
        axis = _axis(start, end, span)
    else:
        axis = ""
    undated_rows = "".join(_timeline_row(ev, link, "") for ev in undated)
    return (
        '<section id="timeline"><h2>Timeline of meetings, calls and statements</h2>\n'
        f'<p class="note">{len(dated)} dated events; statements whose sources give only a '
        'latest possible day are drawn as ranges and marked <span class="bounded">on or '
        "before</span>.</p>\n"
        '<table class="timeline"><thead><tr><th>Date</th><th>Event</th>'
        f'<th class="bar">{axis}</th></tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody></table>\n"
        f'<h3>Undated statements</h3>\n<p class="note">{len(undated)} statements whose '
        "sources give no date and no bound.</p>\n"
        '<table class="timeline undated"><tbody>' + undated_rows + "</tbody></table>\n</section>\n"
    )


def _timeline_row(ev: Event, link: Linker, bar: str) -> str:
    if ev.day is None:
        date = '<span class="muted">not given</span>'
    elif ev.bounded:
        date = f'<span class="bounded">on or before {e(ev.day.isoformat())}</span>'
    else:
        date = e(ev.day.isoformat())
    kind = "meeting or call" if ev.kind == "meeting" else "statement"
    bar_cell = f'<td class="bar">{bar}</td>' if bar else ""
    return (
        f'<tr class="{ev.kind}" data-iri="{e(ev.iri)}"><td>{date}</td>'
        f'<td><span class="kind">{kind}</span> {name(ev.label, ev.iri, link)}<br>'
        f'<span class="meta">{e(ev.detail)}</span></td>{bar_cell}</tr>'
    )


# --- Sources -----------------------------------------------------------------------


def sources(data: ReportData, link: Linker = no_links) -> str:
    rows = []
    for row in data["sources-overview"]:
        alone = row["alone"] or 0
        published = row["published"].isoformat() if row["published"] else "not given"
        extra = [f"published {published}"]
        if row["publisher"]:
            extra.append(f"by {row['publisher']}")
        if row["originalOutlet"]:
            extra.append(f"first in {row['originalOutlet']}")
        if row["cites"]:
            extra.append(f"cites {row['cites']}")
        rows.append(
            f'<tr data-iri="{e(row["source"])}"><td>{name(row["sourceLabel"], row["source"], link)}'
            f'<br><span class="meta">{e("; ".join(extra))}</span></td>'
            f'<td>{e(row["genres"])}</td><td class="num">{e(row["statements"])}</td>'
            f'<td class="num {"alone-some" if alone else ""}">{e(alone)}</td></tr>'
        )
    return (
        '<section id="sources"><h2>Sources</h2>\n'
        '<p class="note">Each source with its genre, the statements it reports, and how many '
        "of those rest on it alone (no other source reports them).</p>\n"
        "<table><thead><tr><th>Source</th><th>Genre</th><th>Statements</th>"
        "<th>Resting on it alone</th></tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody></table>\n</section>\n"
    )


# --- Gaps --------------------------------------------------------------------------


def gaps(data: ReportData, link: Linker = no_links) -> str:
    unanswered = []
    for row in data["unanswered-demands"]:
        refines = f" · refines {row['refines']}" if row["refines"] else ""
        topic = f" · topic: {row['topicLabel']}" if row["topicLabel"] else ""
        unanswered.append(
            f'<li data-iri="{e(row["demand"])}"><span class="flag">no response</span> '
            f"{name(row['demandLabel'], row['demand'], link)}<br>"
            f'<span class="meta">made by {e(row["madeBy"])}{e(topic)}{e(refines)}</span></li>'
        )
    unspecified = []
    for row in data["unspecified-targets"]:
        unspecified.append(
            f'<li data-iri="{e(row["statement"])}"><span class="flag">target unspecified</span> '
            f"{name(row['statementLabel'], row['statement'], link)}<br>"
            f'<span class="meta">{e(row["speakerLabel"])} for {e(row["partyLabel"])} · '
            f"{e(row['stanceLabel'])} · about an unspecified part of "
            f"{e(row['proposalLabel'])}</span><br>"
            f'<span class="words">{e(row["words"])}</span></li>'
        )
    return (
        '<section id="gaps"><h2>Gaps</h2>\n'
        f'<h3 id="unanswered">Demands with no response ({len(unanswered)})</h3>\n'
        '<p class="note">No party other than the maker has taken a stance on these. A '
        "statement about the whole proposal, or an unspecified part of it, is not counted as "
        "a response to any one demand.</p>\n"
        f"<ul>{''.join(unanswered) or '<li>none</li>'}</ul>\n"
        f'<h3 id="unspecified">Statements whose target was left unspecified '
        f"({len(unspecified)})</h3>\n"
        '<p class="note">The source says the statement concerns part of a proposal without '
        "saying which; the base links it to no demand.</p>\n"
        f"<ul>{''.join(unspecified) or '<li>none</li>'}</ul>\n</section>\n"
    )


# --- The whole report --------------------------------------------------------------


SECTIONS: dict[str, tuple[str, Callable[[ReportData, Linker], str]]] = {
    "matrix": ("Matrix", matrix),
    "timeline": ("Timeline", timeline),
    "sources": ("Sources", sources),
    "gaps": ("Gaps", gaps),
}


def contents() -> str:
    links = "".join(f'<a href="#{key}">{e(title)}</a>' for key, (title, _) in SECTIONS.items())
    return f'<nav class="top">{links}<a href="#legend">Legend</a></nav>\n'


def build_report(kb: KnowledgeBase, data: ReportData | None = None) -> str:
    """The report as one HTML document."""
    data = data or collect(kb)
    body = [
        "<header><h1>Negotiation positions: report</h1>\n"
        '<p class="note">Generated by <code>positions report</code> from the saved queries '
        + ", ".join(f"<code>{e(q)}</code>" for q in QUERIES_USED)
        + f'. Identifiers are under <span class="iri">{e(DATA)}</span>.</p></header>\n',
        legend(data),
    ]
    body += [render(data, no_links) for _, (_, render) in SECTIONS.items()]
    return page("Negotiation positions: report", "".join(body), nav=contents())
