"""Incremental validation finds the same problems as whole-base validation.

The corpus: every fixture of tests/shapes (each a bad addition to the bundled
base: missing speaker, wrong party, dated after its source, dangling target,
duplicate Wikidata IRI, evidence without source, a role's period that excludes
the date, ...), a good addition, and, on a generated base, the same families of
mistakes written against generated nodes.  Both modes must report the same
problems (node, path, value, severity, message) for the new facts.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from positions import KnowledgeBase
from positions.checking.incremental import validate_new
from positions.checking.validate import validate
from support import bench_module

ROOT = Path(__file__).resolve().parents[1]
SHAPE_FIXTURES = sorted((ROOT / "tests" / "shapes").glob("*.ttl"))


def _identities(report) -> set[tuple]:
    return {(p.focus_compact, p.path, p.value, p.severity, p.message) for p in report.problems}


def _synth():
    return bench_module("synth")


@pytest.fixture(scope="module")
def bundled() -> KnowledgeBase:
    return KnowledgeBase.open(ROOT, store="memory")


def test_shape_fixtures_same_problems_both_ways(bundled: KnowledgeBase) -> None:
    # All fixtures at once: one whole-base run instead of forty (each fixture's
    # nodes are its own, so they do not interfere).
    whole = validate(bundled, SHAPE_FIXTURES, incremental=False)
    incremental = validate_new(bundled, SHAPE_FIXTURES)
    assert whole.violations > 30  # the corpus is made of bad additions
    assert _identities(incremental) == _identities(whole)


def test_good_addition_conforms_both_ways(bundled: KnowledgeBase, tmp_path: Path) -> None:
    good = tmp_path / "good.ttl"
    good.write_text(
        """@prefix kb: <https://w3id.org/positions/id/> .
@prefix pos: <https://w3id.org/positions/vocab#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix stance: <https://w3id.org/positions/vocab/stance/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
kb:stmt-test-good a pos:Statement ;
    rdfs:label "Ryabkov repeats the demand"@en ;
    pos:speaker kb:sergei-ryabkov ; pos:onBehalfOf kb:russia ;
    pos:inRole kb:ryabkov-deputy-foreign-minister ;
    pos:stance stance:insists ; pos:target kb:demand-no-nato-enlargement ;
    pos:notAfter "2022-01-18"^^xsd:date ;
    pos:evidence [ pos:source kb:source-000 ;
        pos:paraphrase "GEOFOR: Currently, the Russian leadership" ] .
""",
        encoding="utf-8",
    )
    whole = validate(bundled, [good], incremental=False)
    incremental = validate_new(bundled, [good])
    assert incremental.violations == 0
    assert _identities(incremental) == _identities(whole)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    out = tmp_path_factory.mktemp("synth") / "kb"
    _synth().write_base(out, 1000, seed=3, batch=30)
    return KnowledgeBase.open(out, store="disk")


def _first(kb: KnowledgeBase, sparql: str) -> dict:
    from positions.sparql.engine import run

    return run(kb, sparql, {}, row_limit=1).to_dicts()[0]


def _bad_additions(kb: KnowledgeBase) -> str:
    """One statement per family of mistake, written against the generated base's nodes."""
    role = _first(
        kb,
        "SELECT ?m ?who ?party ?begin WHERE { ?m a org:Membership ; org:member ?who ; "
        "org:organization ?org ; org:memberDuring/time:hasBeginning/time:inXSDDate ?begin . "
        "?org org:subOrganizationOf* ?party . ?party a pos:State }",
    )
    late = _first(kb, "SELECT ?s ?d WHERE { ?s a pos:Source ; pos:publishedOn ?d }")
    m, who, party = role["m"], role["who"], role["party"]
    begin, src, published = role["begin"], late["s"], late["d"]
    common = f'pos:stance stance:rejects ; rdfs:label "test"@en ; pos:inRole <{m}> ;'
    ev = f'pos:evidence [ pos:source <{src}> ; pos:quote "Nein — ¡no!" ]'
    return f"""@prefix kb: <https://w3id.org/positions/id/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix pos: <https://w3id.org/positions/vocab#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix stance: <https://w3id.org/positions/vocab/stance/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
kb:t-no-speaker a pos:Statement ; {common} pos:onBehalfOf <{party}> ; {ev} .
kb:t-wrong-party a pos:Statement ; {common} pos:speaker <{who}> ; pos:onBehalfOf kb:ukraine ; {ev} .
kb:ukraine a pos:State ; rdfs:label "Ukraine"@en ;
    owl:sameAs <http://www.wikidata.org/entity/Q159> .
kb:t-after-source a pos:Statement ; {common} pos:speaker <{who}> ; pos:onBehalfOf <{party}> ;
    pos:date "{published + datetime.timedelta(days=1)}"^^xsd:date ; {ev} .
kb:t-dangling a pos:Statement ; {common} pos:speaker <{who}> ; pos:onBehalfOf <{party}> ;
    pos:target kb:no-such-demand ; {ev} .
kb:t-no-source a pos:Statement ; {common} pos:speaker <{who}> ; pos:onBehalfOf <{party}> ;
    pos:evidence [ pos:quote "words" ] .
kb:t-before-role a pos:Statement ; {common} pos:speaker <{who}> ; pos:onBehalfOf <{party}> ;
    pos:date "{begin - datetime.timedelta(days=1)}"^^xsd:date ; {ev} .
"""


def test_generated_base_same_problems_both_ways(generated: KnowledgeBase, tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(_bad_additions(generated), encoding="utf-8")
    batch = generated.root / "new-statements.ttl"
    for files in ([bad], [batch]):
        whole = validate(generated, files, incremental=False)
        incremental = validate_new(generated, files)
        assert _identities(incremental) == _identities(whole)
    messages = " ".join(p.message for p in validate_new(generated, [bad]).problems)
    for expected in (
        "exactly one speaker",  # missing speaker
        "neither",  # party that does not match the role
        "after",  # dated after its source
        "pos:target must be",  # dangling target
        "both carry owl:sameAs",  # duplicate Wikidata IRI
        "names exactly one pos:source",  # evidence without a source
        "outside the period",  # before the role began
    ):
        assert expected in messages, expected
    assert validate_new(generated, [batch]).violations == 0
