"""The HTML report: built from saved queries, self-contained, escaped, deterministic."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from positions import KnowledgeBase
from positions.output.html_report import (
    QUERIES_USED,
    ReportData,
    build_report,
    collect,
    gaps,
    matrix,
    parse_date,
    timeline,
)
from positions.output.stances import STANCE_NS, strongest
from support import KB, REPO, cli


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.open(REPO)


@pytest.fixture(scope="module")
def html(kb: KnowledgeBase) -> str:
    return build_report(kb)


def cell(html: str, demand: str, party: str) -> str:
    match = re.search(
        rf'<td class="cell" data-demand="{re.escape(KB + demand)}" '
        rf'data-party="{re.escape(KB + party)}".*?</td>',
        html,
        re.DOTALL,
    )
    assert match, f"no matrix cell for {demand} x {party}"
    return match.group()


# --- The saved query the report adds ---------------------------------------------------


def test_demand_party_statements_rows(kb: KnowledgeBase) -> None:
    rows = kb.query("demand-party-statements").to_dicts()
    cells = {(r["demand"][len(KB) :], r["party"][len(KB) :]) for r in rows}
    assert cells == {
        ("demand-legal-guarantees", "russia"),
        ("demand-no-nato-enlargement", "united-states"),
        ("demand-ukraine-never-in-nato", "russia"),
        ("demand-no-missiles-in-ukraine", "russia"),
    }
    nato_us = [
        r
        for r in rows
        if r["demand"] == KB + "demand-no-nato-enlargement" and r["party"] == KB + "united-states"
    ]
    assert {r["statement"][len(KB) :] for r in nato_us} == {"stmt-sherman-open-door"}
    sherman = next(r for r in nato_us if r["statement"].endswith("sherman-open-door"))
    assert sherman["stance"] == STANCE_NS + "rejects"
    assert sherman["speakerLabel"] == "Wendy Sherman"
    assert sherman["date"] == "2022-01-10"
    assert sherman["words"].startswith("quote: \u201c") or "quote: \u201c" in sherman["words"]
    assert "Biden Regime Rejects" in sherman["sources"]


def test_statement_counts_agree_with_the_matrix_query(kb: KnowledgeBase) -> None:
    # Every cell's details list exactly the statements its count says.
    details = kb.query("demand-party-statements").to_dicts()
    for row in kb.query("demand-party-matrix").to_dicts():
        behind = [d for d in details if (d["demand"], d["party"]) == (row["demand"], row["party"])]
        assert len(behind) == row["statements"], row


# --- Stance order ------------------------------------------------------------------------


def test_strongest_stance_follows_the_documented_order() -> None:
    assert strongest([STANCE_NS + "accepts", STANCE_NS + "rejects"]) == STANCE_NS + "rejects"
    assert (
        strongest([STANCE_NS + "rejects", STANCE_NS + "calls-unacceptable"])
        == STANCE_NS + "calls-unacceptable"
    )
    assert strongest([STANCE_NS + "insists", STANCE_NS + "warns"]) == STANCE_NS + "warns"
    # A stance a later base adds is shown, ranked after every known one.
    assert strongest(["https://example.org/new", STANCE_NS + "accuses"]) == STANCE_NS + "accuses"


def test_legend_lists_every_stance_strongest_first(html: str) -> None:
    legend = html[html.index('id="legend"') : html.index('id="matrix"')]
    order = re.findall(r'<span class="swatch"[^>]*>([^<]+)</span>', legend)
    assert order[:3] == ["calls unacceptable", "rejects", "warns or threatens"]
    assert len(order) == 12
    assert "CAMEO 12, PLOVER REJECT" in legend


# --- The matrix ---------------------------------------------------------------------------


def test_known_cell_shows_rejects_with_its_statements(html: str) -> None:
    found = cell(html, "demand-no-nato-enlargement", "united-states")
    assert 'data-stance="rejects"' in found
    assert '<span class="stance">rejects</span><span class="n">1</span>' in found
    assert "Sherman: the US will not allow anyone to slam closed NATO&#x27;s open-door" in found
    assert "Wendy Sherman" in found and "2022-01-10" in found
    assert "Sources: Biden Regime Rejects Russia’s Security Demands" in found
    assert "allow anyone to slam closed NATO" in found


def test_every_demand_has_a_row_refinements_under_their_demand(
    kb: KnowledgeBase, html: str
) -> None:
    demands = {r["demand"] for r in kb.query("demand-party-matrix").to_dicts()}
    demands |= {r["demand"] for r in kb.query("unanswered-demands").to_dicts()}
    table = html[html.index('<table class="matrix">') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r'<th scope="row" class="(\w+)" data-demand="([^"]+)"', table)
    assert {iri for _, iri in rows} == demands
    order = [iri[len(KB) :] for _, iri in rows]
    assert (
        order.index("demand-ukraine-never-in-nato") == order.index("demand-no-nato-enlargement") + 1
    )
    assert ("refines", KB + "demand-ukraine-never-in-nato") in rows


def test_empty_cells_say_no_statement(html: str) -> None:
    assert '<td class="empty" title="no statement">' in html


# --- Timeline, sources, gaps -------------------------------------------------------------


def test_timeline_draws_bounded_dates_as_ranges(html: str) -> None:
    section = html[html.index('id="timeline"') : html.index('id="sources"')]
    row = re.search(
        r'<tr class="statement" data-iri="[^"]*stmt-nato-letter-within-a-week".*?</tr>',
        section,
        re.DOTALL,
    )
    assert row
    assert "on or before 2022-01-16" in row.group()
    assert 'fill="url(#hatch)"' in row.group()
    meeting = re.search(r'<tr class="meeting".*?</tr>', section, re.DOTALL)
    assert meeting and "<rect" in meeting.group()
    assert "Undated statements" in section


def test_timeline_marks_inferred_dates_with_their_reasoning(html: str) -> None:
    section = html[html.index('id="timeline"') : html.index('id="sources"')]
    row = re.search(
        r'<tr class="statement" data-iri="[^"]*stmt-peskov-talks-unsuccessful".*?</tr>',
        section,
        re.DOTALL,
    )
    assert row
    assert '2022-01-13 <span class="inferred" title="Source 001' in row.group()
    assert "(inferred)</span>" in row.group()
    assert "2022-01-13 (inferred)</title>" in row.group()  # the bar's label too
    # a statement dated by its occasion's inferred date is marked as well
    tv = re.search(
        r'<tr class="statement" data-iri="[^"]*stmt-ryabkov-tv-no-grounds".*?</tr>', section, re.S
    )
    assert tv and "(inferred)</span>" in tv.group()
    # a date a source prints is not
    geneva = re.search(
        r'<tr class="statement" data-iri="[^"]*stmt-sherman-open-door".*?</tr>', section, re.S
    )
    assert geneva and "inferred" not in geneva.group()


def test_matrix_marks_inferred_dates(html: str) -> None:
    found = cell(html, "demand-no-missiles-in-ukraine", "russia")
    assert "Vladimir Putin</a> · 2021-12-21 (inferred)" in found or (
        "Vladimir Putin · 2021-12-21 (inferred)" in found
    )
    assert "2022-01-10 (inferred)" not in cell(html, "demand-no-nato-enlargement", "united-states")


def test_parse_date_reads_the_queries_forms() -> None:
    import datetime

    assert parse_date("2022-01-10") == (datetime.date(2022, 1, 10), False)
    assert parse_date("on or before 2022-01-16") == (datetime.date(2022, 1, 16), True)
    assert parse_date(None) == (None, False)
    assert parse_date("sometime") == (None, False)


def test_sources_show_genre_and_statements_resting_on_them_alone(
    kb: KnowledgeBase, html: str
) -> None:
    section = html[html.index('id="sources"') : html.index('id="gaps"')]
    for row in kb.query("sources-overview").to_dicts():
        match = re.search(
            rf'<tr data-iri="{re.escape(row["source"])}">.*?</tr>', section, re.DOTALL
        )
        assert match, row["source"]
        assert row["genres"] in match.group()
        assert f">{row['alone']}</td>" in match.group()


def test_unanswered_demands_and_unspecified_targets_are_listed(
    kb: KnowledgeBase, html: str
) -> None:
    section = html[html.index('id="gaps"') :]
    unanswered = kb.query("unanswered-demands").to_dicts()
    unspecified = kb.query("unspecified-targets").to_dicts()
    assert unanswered and unspecified
    for row in unanswered:
        assert f'data-iri="{row["demand"]}"><span class="flag">no response</span>' in section
    for row in unspecified:
        assert f'data-iri="{row["statement"]}"><span class="flag">target unspecified</span>' in (
            section
        )
    assert "Donfried: some things in Russia&#x27;s documents are unacceptable" in section


# --- The file as a whole ----------------------------------------------------------------


def test_self_contained_no_outside_resource(html: str) -> None:
    assert not re.search(r'(?:src|href|action)\s*=\s*["\']?\s*(?:https?:)?//', html, re.I)
    assert "<link" not in html and "@import" not in html and "url(http" not in html
    assert "<script src" not in html
    # IRIs appear only as text and data attributes.
    assert re.findall(r'href="([^"]*)"', html) == [
        "#matrix",
        "#timeline",
        "#sources",
        "#gaps",
        "#legend",
    ]


def test_deterministic(kb: KnowledgeBase, html: str) -> None:
    assert build_report(kb) == html


def test_fast(kb: KnowledgeBase) -> None:
    start = time.perf_counter()
    build_report(KnowledgeBase.open(REPO))
    assert time.perf_counter() - start < 3.0


def test_uses_only_saved_queries(kb: KnowledgeBase) -> None:
    assert set(QUERIES_USED) <= set(kb.catalogue.names())
    assert "SELECT" not in Path(REPO / "src/positions/output/html_report.py").read_text()


def test_strings_are_escaped() -> None:
    evil = '<script>alert("x")</script> & \u202e'
    data = ReportData(
        {
            "stance-codes": [
                {"stance": STANCE_NS + "rejects", "stanceLabel": evil, "cameo": "12", "plover": ""}
            ],
            "demand-party-matrix": [
                {
                    "demand": KB + "d",
                    "demandLabel": evil,
                    "broaderLabel": None,
                    "party": KB + "p",
                    "partyLabel": evil,
                    "stances": evil,
                    "statements": 1,
                }
            ],
            "demand-party-statements": [
                {
                    "demand": KB + "d",
                    "party": KB + "p",
                    "statement": KB + 's"x',
                    "statementLabel": evil,
                    "stance": STANCE_NS + "rejects",
                    "stanceLabel": evil,
                    "speaker": KB + "s",
                    "speakerLabel": evil,
                    "date": None,
                    "words": evil,
                    "sources": evil,
                }
            ],
            "unanswered-demands": [
                {
                    "demand": KB + "u",
                    "demandLabel": evil,
                    "madeBy": evil,
                    "topicLabel": evil,
                    "refines": None,
                }
            ],
            "unspecified-targets": [
                {
                    "statement": KB + "t",
                    "statementLabel": evil,
                    "speakerLabel": evil,
                    "partyLabel": evil,
                    "stanceLabel": evil,
                    "proposalLabel": evil,
                    "words": evil,
                }
            ],
            "meeting-timeline": [],
            "statements": [],
            "date-basis": [],
        }
    )
    out = matrix(data) + gaps(data) + timeline(data)
    assert "<script>" not in out
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;" in out
    assert 'data-statement="https://w3id.org/positions/id/s&quot;x"' in out


def test_collect_runs_each_query_once(kb: KnowledgeBase) -> None:
    data = collect(kb)
    assert set(data.rows) == set(QUERIES_USED)


# --- The command ------------------------------------------------------------------------


def test_report_command_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = cli("--kb", str(REPO), "report", "--output", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert text == build_report(KnowledgeBase.open(REPO))


@pytest.mark.parametrize("folder", ["data", "ontology", "queries"])
def test_report_command_refuses_to_write_into_the_base(folder: str, base: Path) -> None:
    target = base / folder / "report.html"
    result = cli("--kb", str(base), "report", "--output", str(target))
    assert result.exit_code == 2
    assert "one of the base's own folders" in result.stderr
    assert not target.exists()
