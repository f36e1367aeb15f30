"""Incremental validation follows an organisation chain from a role it reaches late."""

from __future__ import annotations

from pathlib import Path

from positions import KnowledgeBase
from positions.checking.validate import validate
from support import REPO, cli

TTL = """@prefix kb: <https://w3id.org/positions/id/> .
@prefix pos: <https://w3id.org/positions/vocab#> .
kb:stmt-chepa-wait-for-written-response pos:onBehalfOf kb:{party} .
"""


def test_a_committee_role_speaks_for_the_state_through_two_links(tmp_path: Path) -> None:
    """committee -> State Duma -> Russia: the party check must see the whole chain."""
    good = tmp_path / "good.ttl"
    good.write_text(TTL.format(party="russia"), encoding="utf-8")
    report = validate(KnowledgeBase.open(REPO), [good])
    assert [p for p in report.problems if p.severity == "Violation"] == []


def test_the_same_statement_for_another_party_is_still_caught(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(TTL.format(party="united-states"), encoding="utf-8")
    report = validate(KnowledgeBase.open(REPO), [bad])
    messages = [p.message for p in report.problems if p.severity == "Violation"]
    assert any("neither kb:united-states nor part of it" in m for m in messages)


PUBLISHED = """@prefix kb: <https://w3id.org/positions/id/> .
@prefix pos: <https://w3id.org/positions/vocab#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
kb:source-003 pos:publishedOn "2022-01-20"^^xsd:date .
"""


def test_a_new_date_that_older_statements_postdate_is_caught(tmp_path: Path) -> None:
    """The new fact mentions only the source; the statements it breaks are found too
    (on a small base validation is whole; `--all` forces it on any base)."""
    path = tmp_path / "published.ttl"
    path.write_text(PUBLISHED, encoding="utf-8")
    for extra in ([], ["--all"]):
        result = cli("--kb", str(REPO), "validate", "-q", *extra, str(path))
        assert result.exit_code == 1, result.output
        assert "kb:stmt-lavrov-no-intention-to-attack" in result.stdout
        assert "after kb:source-003, which reports it, was published (2022-01-20)" in result.stdout
