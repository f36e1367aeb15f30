"""Every saved query, run on the bundled base, gives the rows a reader of the
sources expects.  The expectations come from the five source documents."""

from __future__ import annotations

import datetime as dt

import pytest

from positions import KnowledgeBase
from support import KB, REPO

TOPIC = "https://w3id.org/positions/vocab/topic/"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.open(REPO)


def rows(kb: KnowledgeBase, name: str, **params: str) -> list[dict]:
    return kb.query(name, **params).to_dicts()


def local(iri: str | None) -> str | None:
    return iri.removeprefix(KB) if isinstance(iri, str) else iri


def test_every_saved_query_is_tested_on_the_bundled_data() -> None:
    """Each .rq file is run by name in some test file (here or beside the web views)."""
    test_text = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "tests").glob("test_*.py"))
    names = sorted(p.stem for p in (REPO / "queries").glob("*.rq"))
    assert [n for n in names if f'"{n}"' not in test_text] == []


def test_us_unacceptable_demands(kb: KnowledgeBase) -> None:
    result = rows(kb, "us-unacceptable-demands")
    explicit = {
        (local(r["demand"]), local(r["statement"]))
        for r in result
        if r["answer"] == "rejected demand"
    }
    # The blog author's own sentence is commentary now (issue 22, finding 1): the
    # one explicit US rejection rests on Sherman's quoted words.
    assert explicit == {("demand-no-nato-enlargement", "stmt-sherman-open-door")}
    assert {r["restsOn"] for r in result} == {"quoted words of a representative"}
    unspecified = {local(r["statement"]) for r in result if r["answer"] != "rejected demand"}
    assert unspecified == {"stmt-donfried-some-unacceptable", "stmt-sherman-no-decisions-without"}
    # Unspecified responses name the proposal and never a demand.
    for r in result:
        if r["answer"] != "rejected demand":
            assert r.get("demand") is None
            assert local(r["proposal"]) == "russia-security-proposals-2021"
    donfried = next(r for r in result if local(r["statement"]) == "stmt-donfried-some-unacceptable")
    assert donfried["stanceLabel"] == "calls unacceptable"
    assert "unacceptable" in donfried["quote"]
    assert donfried["date"] == "2021-12-21 (inferred)"  # 'Tuesday', counted from source 003


def test_us_unacceptable_demands_separates_quotes_from_a_sources_summary(base) -> None:
    """A rejection resting on a source's summary of a party (no person named, no
    quote) is told apart from one resting on a representative's quoted words."""
    from support import TURTLE_PREFIXES, cli

    new = base / "summary.ttl"
    new.write_text(
        TURTLE_PREFIXES
        + """
kb:stmt-test-us-summary a pos:Statement ;
    rdfs:label "The US is said to reject Ukraine never joining NATO"@en ;
    pos:speaker kb:united-states ; pos:onBehalfOf kb:united-states ;
    pos:stance stance:rejects ; pos:target kb:demand-ukraine-never-in-nato ;
    pos:occasion kb:meeting-2022-01-10-geneva ;
    pos:evidence [ pos:source kb:source-004 ;
        pos:paraphrase "Lead Biden regime delegate" ] .
""",
        encoding="utf-8",
    )
    assert cli("--kb", str(base), "add", str(new)).exit_code == 0
    result = KnowledgeBase.open(base).query("us-unacceptable-demands").to_dicts()
    by = {local(r["statement"]): r["restsOn"] for r in result}
    assert by["stmt-test-us-summary"] == "a source's summary of the party's position"
    assert by["stmt-sherman-open-door"] == "quoted words of a representative"
    # grouped: within one answer, quoted rows and summary rows do not interleave
    rejected = [r["restsOn"] for r in result if r["answer"] == "rejected demand"]
    assert rejected == sorted(rejected)


def test_us_unacceptable_demands_for_another_party(kb: KnowledgeBase) -> None:
    # Russia rejects the Price statement, which is a statement, not a demand or proposal.
    assert rows(kb, "us-unacceptable-demands", party="kb:russia") == []


def test_demand_responses(kb: KnowledgeBase) -> None:
    result = rows(kb, "demand-responses", demand=KB + "demand-no-nato-enlargement")
    responses = {
        (r["responderParty"], r["stanceLabel"], r["speakerLabel"], r["kind"]) for r in result
    }
    assert responses == {("United States", "rejects", "Wendy Sherman", "response")}
    assert {r["addressedTo"] for r in result} == {"NATO, United States"} or {
        r["addressedTo"] for r in result
    } == {"United States, NATO"}
    every = rows(kb, "demand-responses")
    assert len({r["demand"] for r in every}) == 11  # every demand appears, answered or not


def test_unanswered_demands(kb: KnowledgeBase) -> None:
    names = {local(r["demand"]) for r in rows(kb, "unanswered-demands")}
    assert "demand-no-nato-enlargement" not in names
    # only the blog author's sentence answered it, and that is commentary now
    assert "demand-no-missile-deployments" in names
    assert "demand-legal-guarantees" in names  # only Russia's own restatements
    assert "demand-ukraine-never-in-nato" in names
    assert len(names) == 10


def test_unanswered_demands_by_one_party(kb: KnowledgeBase) -> None:
    names = {local(r["demand"]) for r in rows(kb, "unanswered-demands", party="kb:nato")}
    assert "demand-no-nato-enlargement" in names  # NATO itself never answered it here


def test_meeting_timeline(kb: KnowledgeBase) -> None:
    result = rows(kb, "meeting-timeline")
    assert [(r["date"], r.get("place")) for r in result] == [
        (dt.date(2021, 12, 30), None),
        (dt.date(2022, 1, 10), "Geneva"),
        (dt.date(2022, 1, 12), "Brussels"),
        (dt.date(2022, 1, 13), "Vienna"),
        (dt.date(2022, 1, 21), None),
    ]
    geneva = result[1]
    assert "Russia: Sergei Ryabkov" in geneva["delegations"]
    assert "United States: Wendy Sherman" in geneva["delegations"]
    assert "no agreement" in geneva["outcome"].lower()


def test_meeting_timeline_with_a_date_range(kb: KnowledgeBase) -> None:
    result = rows(kb, "meeting-timeline", since="2022-01-11", until="2022-01-13")
    assert [r["date"] for r in result] == [dt.date(2022, 1, 12), dt.date(2022, 1, 13)]


def test_person_statements(kb: KnowledgeBase) -> None:
    result = rows(kb, "person-statements", person="kb:sergei-ryabkov")
    assert len(result) == 8
    assert all(r["role"] == "Deputy Foreign Minister, Russian Foreign Ministry" for r in result)
    dates = [r.get("date") for r in result]
    assert dates[:5] == ["2022-01-10"] * 5
    assert dates[5:7] == ["2022-01-13"] * 2  # on television as the OSCE met (inferred)
    assert dates[7] is None  # undated statements come last


def test_source_disagreements(kb: KnowledgeBase) -> None:
    result = rows(kb, "source-disagreements")
    price = [r for r in result if local(r["node"]) == "stmt-price-no-one-sided-concessions"]
    assert len(price) == 1
    words = price[0]["wordsA"] + price[0]["wordsB"]
    assert "does not intend to make concessions" in words
    assert "one-sided" in words
    demand = {
        (r["sourceA"], r["sourceB"])
        for r in result
        if local(r["node"]) == "demand-no-nato-enlargement"
    }
    assert len(demand) >= 3  # three sources word the demand three ways


def test_source_disagreements_for_one_node(kb: KnowledgeBase) -> None:
    result = rows(kb, "source-disagreements", node="kb:meeting-2022-01-10-geneva")
    assert {local(r["node"]) for r in result} == {"meeting-2022-01-10-geneva"}
    assert len(result) == 3  # three sources, three pairs


def test_position_over_time(kb: KnowledgeBase) -> None:
    result = rows(kb, "position-over-time", party="kb:russia", topic=TOPIC + "nato-enlargement")
    labels = [local(r["statement"]) for r in result]
    # Putin's 'Tuesday', 21 December 2021, is inferred and comes first, marked
    assert labels[0] == "stmt-putin-military-technical-measures"
    assert result[0]["date"] == "2021-12-21 (inferred)"
    assert "stmt-ryabkov-geneva-ukraine-never-nato" in labels  # via the narrower topic
    assert by_label(result)["stmt-ryabkov-geneva-playing-with-fire"]["date"] == "2022-01-10"
    assert by_label(result)["stmt-peskov-entice"]["date"] == "2022-01-13 (inferred)"
    assert labels[-1] == "stmt-kosachev-west-modelled-situation"  # undated, last
    assert result[-1].get("date") is None
    us = rows(kb, "position-over-time", party="kb:united-states", topic=TOPIC + "nato-enlargement")
    assert {r["stanceLabel"] for r in us} == {"rejects", "open to discuss"}


def by_label(result: list[dict]) -> dict[str, dict]:
    return {local(r["statement"]): r for r in result}


def test_date_basis(kb: KnowledgeBase) -> None:
    by = {local(r["node"]): r for r in rows(kb, "date-basis")}
    peskov = by["stmt-peskov-talks-unsuccessful"]
    assert (peskov["date"], peskov["basisLabel"], peskov["inferred"]) == (
        dt.date(2022, 1, 13), "inferred from a weekday", True)  # fmt: skip
    assert "on Thursday" in peskov["reasoning"]
    # a statement without a date of its own takes its occasion's, and its basis
    tv = by["stmt-ryabkov-tv-no-grounds"]
    assert (tv["basisLabel"], local(tv["datedBy"])) == (
        "inferred from an event", "ryabkov-on-russian-television")  # fmt: skip
    assert by["meeting-2022-01-10-geneva"]["basisLabel"] == "stated"
    assert by["meeting-2022-01-10-geneva"]["inferred"] is False
    nuland = by["stmt-nuland-blames-moscow"]
    assert (nuland["notBefore"], nuland["notAfter"], nuland["basisLabel"]) == (
        dt.date(2022, 1, 10), dt.date(2022, 1, 18), "bounds only")  # fmt: skip
    assert nuland.get("date") is None


def test_single_source_statements(kb: KnowledgeBase) -> None:
    result = rows(kb, "single-source-statements")
    by = {local(r["statement"]): r for r in result}
    assert by["stmt-sherman-open-door"]["opinionOnly"] is True
    assert by["stmt-donfried-some-unacceptable"]["opinionOnly"] is False
    assert by["stmt-donfried-some-unacceptable"]["sourceCount"] == 1
    assert all(r["sourceCount"] == 1 or r["opinionOnly"] for r in result)


def test_statements(kb: KnowledgeBase) -> None:
    assert len(rows(kb, "statements")) == 47
    us = rows(kb, "statements", party="kb:united-states")
    assert {r["partyLabel"] for r in us} == {"United States"}
    assert len(us) == 15


def test_statements_in_a_date_range(kb: KnowledgeBase) -> None:
    result = rows(kb, "statements", since="2022-01-17", until="2022-01-31")
    assert {local(r["statement"]) for r in result} == {
        "stmt-lavrov-no-intention-to-attack",
        "stmt-lavrov-most-serious-consequences",
        "stmt-nato-increases-presence",
        "stmt-nato-accuses-build-up",
        "stmt-us-considering-eastern-flank",  # on or before 24 January
        "stmt-us-no-war-for-ukraine",  # on or before 18 January
        "stmt-antonov-sanctions-rupture",  # on or before 18 January: may fall in range
        "stmt-nuland-blames-moscow",
        "stmt-nuland-finland-sweden",
        "stmt-nuland-nord-stream",
    }


def test_statements_by_topic(kb: KnowledgeBase) -> None:
    result = rows(kb, "statements-by-topic", topic=TOPIC + "sanctions")
    assert {local(r["statement"]) for r in result} == {
        "stmt-peskov-sanctions-bill",
        "stmt-antonov-sanctions-rupture",
    }


def test_people_and_roles(kb: KnowledgeBase) -> None:
    result = rows(kb, "people-and-roles", party="kb:united-states")
    assert {(r["personLabel"], r["role"]) for r in result} == {
        ("Joe Biden", "President"),
        ("Karen Donfried", "Assistant Secretary of State for European and Eurasian Affairs"),
        ("Ned Price", "Spokesperson"),
        ("Victoria Nuland", "Under Secretary of State"),
        ("Wendy Sherman", "Deputy Secretary of State"),
    }
    assert len(rows(kb, "people-and-roles")) == 13


def test_sources_overview(kb: KnowledgeBase) -> None:
    by = {local(r["source"]): r for r in rows(kb, "sources-overview")}
    assert by["source-003"]["statements"] == 14
    assert by["source-003"]["alone"] == 14
    assert "opinion" in by["source-004"]["genres"]
    assert by["source-001"]["cites"].startswith("Russia ratchets up pressure")
    assert by["source-wapo-no-grounds"]["statements"] == 0


def test_commentary(kb: KnowledgeBase) -> None:
    result = rows(kb, "commentary")
    assert {r.get("commentator") for r in result} >= {"Paul Craig Roberts", "Manu Pineda", "GEOFOR"}
    assert len(result) == 8


def test_stance_codes(kb: KnowledgeBase) -> None:
    by = {r["stanceLabel"]: r for r in rows(kb, "stance-codes")}
    assert (by["rejects"]["cameo"], by["rejects"]["plover"]) == ("12", "REJECT")
    assert by["calls unacceptable"]["broader"] == "rejects"
    assert by["assesses the talks"].get("plover") is None
    assert sum(r["statements"] for r in by.values()) == 47


def test_documents(kb: KnowledgeBase) -> None:
    result = rows(kb, "documents")
    assert {(r["documentLabel"].split(" ")[0], r["status"]) for r in result} == {
        ("Russia's", "published"),
        ("The", "promised"),
        ("NATO's", "promised"),
        ("US", "published"),  # the Democratic senators' sanctions bill
    }
    assert len(result) == 5


def test_demand_party_matrix(kb: KnowledgeBase) -> None:
    cells = {(local(r["demand"]), r["partyLabel"]): r for r in rows(kb, "demand-party-matrix")}
    assert cells[("demand-no-nato-enlargement", "United States")]["stances"] == "rejects"
    assert cells[("demand-no-nato-enlargement", "United States")]["statements"] == 1
    assert (
        cells[("demand-ukraine-never-in-nato", "Russia")]["broaderLabel"]
        == "No further NATO expansion"
    )


def test_unspecified_targets(kb: KnowledgeBase) -> None:
    result = rows(kb, "unspecified-targets")
    assert {local(r["statement"]) for r in result} == {
        "stmt-donfried-some-unacceptable",
        "stmt-donfried-prepared-to-work",
        "stmt-sherman-no-decisions-without",
        "stmt-us-side-issues",
    }
    assert rows(kb, "unspecified-targets", party="kb:russia") == []


def test_demand_answered(kb: KnowledgeBase) -> None:
    assert kb.query("demand-answered").boolean is True
    assert kb.query("demand-answered", demand="kb:demand-no-exercises-nearby").boolean is False


def test_statement_graph(kb: KnowledgeBase) -> None:
    triples = kb.query("statement-graph").triples
    subjects = {t.subject.value for t in triples if hasattr(t.subject, "value")}
    assert KB + "stmt-donfried-some-unacceptable" in subjects
    quotes = {t.object.value for t in triples if t.predicate.value.endswith("#quote")}
    assert quotes == {
        "There are other things in those documents that the Russians know will be unacceptable."
    }
