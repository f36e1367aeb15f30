"""The ontology checks itself: every term documented, no term used undefined."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from support import REPO, files

CHECKS = sorted((REPO / "ontology" / "checks").glob("*-violation.rq"))
OURS = ("https://w3id.org/positions/vocab",)
# Terms of other vocabularies that the data uses directly, as those vocabularies
# define them; any other external term must be declared in the ontology.
REUSED_AS_IS = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2000/01/rdf-schema#comment",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2004/02/skos/core#altLabel",
    "http://www.w3.org/2004/02/skos/core#inScheme",
    "http://www.w3.org/2004/02/skos/core#broader",
    "http://www.w3.org/2002/07/owl#sameAs",
    "http://purl.org/dc/terms/title",
    "http://purl.org/dc/terms/publisher",
    "http://purl.org/dc/terms/creator",
    "http://purl.org/dc/terms/contributor",
}


def ontology_store() -> ox.Store:
    store = ox.Store()
    for path in files("ontology"):
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


def defined_terms() -> set[str]:
    """IRIs the ontology files declare (as subjects with a type)."""
    store = ontology_store()
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    return {q.subject.value for q in store.quads_for_pattern(None, rdf_type, None)}


@pytest.mark.parametrize("check", CHECKS, ids=lambda p: p.stem)
def test_ontology_quality_check_finds_nothing(check: Path) -> None:
    store = ontology_store()
    for path in files("data"):
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    rows = [[str(term) for term in row] for row in store.query(check.read_text())]
    assert rows == [], f"{check.name} found: {rows}"


def test_quality_checks_can_fail() -> None:
    """The checks are not vacuous: a term without label or definition is caught."""
    store = ontology_store()
    store.update(
        "INSERT DATA { <https://w3id.org/positions/vocab#Bogus> a "
        "<http://www.w3.org/2002/07/owl#Class> }"
    )
    for name in ("missing-label", "missing-definition", "missing-defined-by"):
        check = REPO / "ontology" / "checks" / f"{name}-violation.rq"
        found = [row[0].value for row in store.query(check.read_text())]
        assert found == ["https://w3id.org/positions/vocab#Bogus"], name


def test_every_predicate_and_class_used_in_data_is_defined() -> None:
    defined = defined_terms() | REUSED_AS_IS
    used: set[str] = set()
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    for path in files("data"):
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            used.add(triple.predicate.value)
            if triple.predicate.value == rdf_type:
                used.add(triple.object.value)
    undefined = sorted(used - defined)
    assert undefined == []


def test_every_concept_used_in_data_is_defined() -> None:
    defined = defined_terms()
    used = set()
    for path in files("data"):
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            obj = triple.object
            if isinstance(obj, ox.NamedNode) and obj.value.startswith(OURS):
                used.add(obj.value)
    assert sorted(used - defined) == []


def test_every_data_link_points_to_a_described_node() -> None:
    """No dangling kb: IRI: every node the data points to is itself described."""
    subjects, objects = set(), set()
    for path in files("data"):
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            subjects.add(triple.subject)
            if isinstance(triple.object, ox.NamedNode) and triple.object.value.startswith(
                "https://w3id.org/positions/id/"
            ):
                objects.add(triple.object)
    assert sorted(o.value for o in objects - subjects) == []


PNAME = re.compile(r"(?<![\w<])(pos|stance|topic|fmt|genre|scope|status):([A-Za-z][\w-]*)")
NAMESPACE = {
    "pos": "https://w3id.org/positions/vocab#",
    "stance": "https://w3id.org/positions/vocab/stance/",
    "topic": "https://w3id.org/positions/vocab/topic/",
    "fmt": "https://w3id.org/positions/vocab/format/",
    "genre": "https://w3id.org/positions/vocab/genre/",
    "scope": "https://w3id.org/positions/vocab/scope/",
    "status": "https://w3id.org/positions/vocab/status/",
}


def test_every_vocabulary_term_in_saved_queries_is_defined() -> None:
    defined = defined_terms()
    missing = []
    for query in sorted((REPO / "queries").glob("*.rq")):
        body = "\n".join(
            line for line in query.read_text().splitlines() if not line.startswith("#")
        )
        body = re.sub(r"PREFIX\s+\w+:\s*<[^>]*>", "", body)
        for prefix, local in PNAME.findall(body):
            if NAMESPACE[prefix] + local not in defined:
                missing.append(f"{query.name}: {prefix}:{local}")
        for iri in re.findall(r"<(https://w3id\.org/positions/vocab[^>]*)>", body):
            if iri not in defined:
                missing.append(f"{query.name}: <{iri}>")
    assert missing == []


def test_every_stance_maps_to_cameo_and_plover_or_says_why_not() -> None:
    store = ontology_store()
    rows = store.query(
        """PREFIX pos: <https://w3id.org/positions/vocab#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?stance ?cameo ?plover ?note WHERE {
          ?stance skos:inScheme pos:StanceScheme .
          OPTIONAL { ?stance pos:cameoCode ?cameo }
          OPTIONAL { ?stance pos:ploverCode ?plover }
          OPTIONAL { ?stance skos:scopeNote ?note }
        }"""
    )
    stances = {}
    for row in rows:
        stances[row["stance"].value.rsplit("/", 1)[1]] = row
    required = {
        "demands", "rejects", "calls-unacceptable", "accepts", "open-to-discuss",
        "conditional", "insists", "warns", "assesses-talks",
    }  # fmt: skip
    assert required <= set(stances)
    for name, row in stances.items():
        assert row["cameo"] is not None, f"{name} has no CAMEO code"
        if row["plover"] is None:
            assert "PLOVER" in row["note"].value, f"{name}: no PLOVER type and no reason"
    assert stances["rejects"]["plover"].value == "REJECT"
    assert stances["demands"]["cameo"].value == "10"
