"""The report: one self-contained HTML file with the views an analyst reads first.

    html = build_report(KnowledgeBase.open(None))

Four views, each drawn from saved queries (the report runs no SPARQL of its own):

* the demand-by-party matrix (``demand-party-matrix``, ``demand-party-statements``,
  ``unanswered-demands`` for the demands nobody answered), each cell the
  strongest stance a party took on a demand, with the statements behind it;
* the timeline of meetings, calls and statements (``meeting-timeline``,
  ``statements``), statements dated only "on or before" a day drawn as ranges,
  dates the curators inferred marked "(inferred)" with their reasoning
  (``date-basis``);
* the sources, with genre and the statements resting on each alone
  (``sources-overview``);
* the gaps: demands without response (``unanswered-demands``) and statements
  whose target was left unspecified (``unspecified-targets``).

The page (:func:`positions.output.html.page`) carries its CSS and a few lines of
JavaScript inline and names no outside resource, so it opens offline; every string
from the base goes through :func:`positions.output.html.e`.  The output depends only on
the base (no clock, no paths), so the same base gives the same bytes.  The server
(:mod:`positions.web.pages`) renders the same sections, with links to its node pages.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from positions.output.html import Linker, e, name, no_links, page
from positions.output.stances import (
    Stance,
    stance_colours,
    stance_key,
    stance_rank,
    strongest,
    swatch,
)
from positions.rdf.namespaces import DATA

if TYPE_CHECKING:
    from positions.base.local import LocalBase

QUERIES_USED = (
    "demand-party-matrix",
    "demand-party-statements",
    "unanswered-demands",
    "meeting-timeline",
    "statements",
    "sources-overview",
    "unspecified-targets",
    "stance-codes",
    "date-basis",
)

BOUND_PREFIX = "on or before "  # how the saved queries write a date known only by a bound


# --- Data --------------------------------------------------------------------------


@dataclass
class ReportData:
    """The rows of every saved query the report uses, as plain Python values."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __getitem__(self, name: str) -> list[dict[str, Any]]:
        return self.rows[name]


def collect(kb: LocalBase) -> ReportData:
    """Run the report's saved queries, without parameters."""
    from positions.sparql.engine import run

    return ReportData({name: run(kb, name).to_dicts() for name in QUERIES_USED})


def stances(data: ReportData) -> dict[str, Stance]:
    """The stance scheme, strongest first, from ``stance-codes``."""
    found = {
        row["stance"]: Stance(row["stance"], row["stanceLabel"], row["cameo"], row["plover"] or "")
        for row in data["stance-codes"]
    }
    return {iri: found[iri] for iri in sorted(found, key=lambda i: (stance_rank(i), i))}


# --- Legend ------------------------------------------------------------------------


def _linked(html: str, iri: str, link: Linker) -> str:
    """``html`` as a link to what ``link`` gives for ``iri`` (the server: a stance's
    statements), else as it is."""
    href = link(iri) if iri else None
    return f'<a class="plain" href="{e(href)}">{html}</a>' if href else html


def legend(data: ReportData, link: Linker = no_links) -> str:
    items = []
    for stance in stances(data).values():
        codes = f"CAMEO {stance.cameo}" + (f", PLOVER {stance.plover}" if stance.plover else "")
        items.append(
            f"<li>{_linked(swatch(stance, stance.label), stance.iri, link)} "
            f'<span class="small muted">{e(codes)}</span></li>'
        )
    return (
        '<section id="legend"><h2>Legend</h2>\n'
        "<p>Stances, strongest first. A matrix cell is coloured by the strongest stance the "
        "party took on the demand and lists the others below it; the number is how many "
        "statements it rests on. Strength is how far a stance settles the demand: a refusal "
        "closes it (calling it unacceptable being the most explicit refusal), a warning "
        "attaches costs, a condition sets a price, insisting or demanding keeps it on the "
        "table, accepting or promising commits to act, openness to discuss commits to "
        "nothing yet, and an announced step, an assessment or an accusation takes no position on "
        "the demand.</p>\n"
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
    inferred = inferred_dates(data)
    for row in data["demand-party-statements"]:
        if row["statement"] in inferred and row["date"] and BOUND_PREFIX not in str(row["date"]):
            row = {**row, "date": f"{row['date']} (inferred)"}
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
        '<div class="scroll-narrow"><table class="matrix"><thead><tr><th scope="col">Demand</th>'
        f"{head}</tr></thead>\n<tbody>\n"
        + "\n".join(body)
        + "\n</tbody></table></div>\n</section>\n"
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
    stance = _linked(swatch(None, row["stanceLabel"], row["stance"]), row["stance"], link)
    return (
        f'<li class="statement" data-statement="{e(row["statement"])}">'
        f"{name(row['statementLabel'], row['statement'], link)}<br>"
        f'<span class="meta">{stance} '
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
    inferred: bool = False  # True when `day` was inferred from the sources, not printed
    reasoning: str = ""  # how an inferred day was reached (``date-basis``)


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


def inferred_dates(data: ReportData) -> dict[str, str]:
    """The nodes whose date was inferred, with the reasoning (``date-basis``)."""
    return {row["node"]: row["reasoning"] or "" for row in data["date-basis"] if row["inferred"]}


def events(data: ReportData) -> list[Event]:
    by_label = {s.label: s.iri for s in stances(data).values()}
    inferred = inferred_dates(data)
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
    for ev in found:
        if ev.day is not None and not ev.bounded and ev.iri in inferred:
            ev.inferred, ev.reasoning = True, inferred[ev.iri]
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
    title += " (inferred)" if ev.inferred else ""
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
        "before</span>; a day no source prints, worked out from the sources, is marked "
        '<span class="inferred">(inferred)</span>, with the reasoning on hover.</p>\n'
        '<div class="scroll"><table class="timeline"><thead><tr><th>Date</th><th>Event</th>'
        f'<th class="bar">{axis}</th></tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody></table></div>\n"
        f'<h3>Undated statements</h3>\n<p class="note">{len(undated)} statements whose '
        "sources give no date and no bound.</p>\n"
        '<div class="scroll"><table class="timeline undated"><tbody>'
        + undated_rows
        + "</tbody></table></div>\n</section>\n"
    )


def _timeline_row(ev: Event, link: Linker, bar: str) -> str:
    if ev.day is None:
        date = '<span class="muted">not given</span>'
    elif ev.bounded:
        date = f'<span class="bounded">on or before {e(ev.day.isoformat())}</span>'
    elif ev.inferred:
        date = (
            f'{e(ev.day.isoformat())} <span class="inferred" title="{e(ev.reasoning)}">'
            "(inferred)</span>"
        )
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
        '<div class="scroll"><table class="sortable"><thead><tr><th>Source</th><th>Genre</th>'
        "<th>Statements</th><th>Resting on it alone</th></tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody></table></div>\n</section>\n"
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
    find = (
        '<form class="search" role="search" onsubmit="return false">'
        '<input type="search" data-find placeholder="Find in this report" '
        'aria-label="Find in this report"></form>'
    )
    return f'<nav class="top">{links}<a href="#legend">Legend</a>{find}</nav>\n'


def build_report(kb: LocalBase, data: ReportData | None = None) -> str:
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
