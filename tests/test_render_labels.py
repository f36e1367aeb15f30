"""The table shows labels beside IRIs, so it leaves out the redundant label columns."""

from __future__ import annotations

from positions import KnowledgeBase
from positions.output.render import OutputFormat, render
from support import REPO


def test_table_drops_a_label_column_whose_iri_column_shows_the_label() -> None:
    kb = KnowledgeBase.open(REPO)
    result = kb.query("meeting-timeline")
    table = render(result, OutputFormat.table, store=kb.store, width=400)
    header = table.splitlines()[1]
    assert "meetingLabel" not in header
    assert "(kb:meeting-2022-01-10-geneva)" in table
    assert "US–Russia security talks, Geneva, 10 January 2022" in table
    csv_text = render(result, OutputFormat.csv)
    assert csv_text.splitlines()[0].split(",")[:3] == ["date", "meeting", "meetingLabel"]


def test_a_label_column_without_its_iri_column_stays() -> None:
    kb = KnowledgeBase.open(REPO)
    result = kb.query("us-unacceptable-demands")
    header = render(result, OutputFormat.table, store=kb.store, width=400).splitlines()[1]
    assert "speakerLabel" in header  # the query has no ?speaker column
