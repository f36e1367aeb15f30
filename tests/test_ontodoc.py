"""docs/ontology.md: generated from the ontology, complete, and never stale."""

from __future__ import annotations

import subprocess
import sys

import pyoxigraph as ox
import pytest

from positions import KnowledgeBase
from positions.output import ontodoc
from positions.rdf.namespaces import compact
from support import REPO

PAGE = REPO / "docs" / "ontology.md"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.open(REPO)


@pytest.fixture(scope="module")
def page(kb: KnowledgeBase) -> str:
    return ontodoc.generate(kb)


def test_the_committed_page_is_up_to_date(page: str) -> None:
    committed = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
    assert committed == page, (
        f"docs/ontology.md is stale: run `{ontodoc.REGENERATE}` from the repository root "
        "and commit the result"
    )


def _ontology_terms(kb: KnowledgeBase, types: tuple[str, ...]) -> list[str]:
    """Terms typed with any of ``types`` in the ontology files, found without the generator."""
    graphs = " ".join(f"<{g.value}>" for g in ontodoc.Graphs.of(kb).ontology)
    wanted = " ".join(f"<{t}>" for t in types)
    query = f"""
        SELECT DISTINCT ?term WHERE {{
          VALUES ?g {{ {graphs} }} VALUES ?type {{ {wanted} }}
          GRAPH ?g {{ ?term a ?type }} FILTER(isIRI(?term))
        }}"""
    return sorted(row["term"].value for row in kb.store.query(query))


OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"


@pytest.mark.parametrize(
    "types",
    [
        (OWL + "Class",),
        (OWL + "ObjectProperty", OWL + "DatatypeProperty"),
        (SKOS + "ConceptScheme",),
    ],
    ids=["classes", "properties", "schemes"],
)
def test_every_term_has_a_section_with_its_definition(kb, page: str, types) -> None:
    terms = _ontology_terms(kb, types)
    assert terms
    for iri in terms:
        assert f"\n### {compact(iri)}\n" in page, iri
        section = page.split(f"\n### {compact(iri)}\n", 1)[1].split("\n### ", 1)[0]
        assert f"`<{iri}>`" in section
        definition = kb.store.query(f"SELECT ?d WHERE {{ <{iri}> <{SKOS}definition> ?d }} LIMIT 1")
        for row in definition:
            assert ontodoc._escape(row["d"].value) in section, iri


def test_every_concept_is_listed_with_its_codes(kb, page: str) -> None:
    rows = kb.store.query(
        f"""SELECT ?c ?cameo WHERE {{ ?c <{SKOS}inScheme> ?s .
            OPTIONAL {{ ?c <https://w3id.org/positions/vocab#cameoCode> ?cameo }} }}"""
    )
    lines = page.splitlines()
    for row in rows:
        name = f"`{compact(row['c'].value)}`"
        line = next((x for x in lines if x.startswith(f"| {name} |")), None)
        assert line is not None, name
        if row["cameo"] is not None:
            assert f"| {row['cameo'].value} |" in line


def test_classes_used_in_the_data_have_an_example(page: str) -> None:
    section = page.split("\n### pos:Statement\n", 1)[1].split("\n### ", 1)[0]
    assert "```turtle\nkb:" in section and "a pos:Statement" in section


def test_examples_are_valid_turtle(page: str) -> None:
    from positions.rdf.namespaces import PREFIXES

    header = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items())
    blocks = page.split("```turtle\n")[1:]
    assert len(blocks) > 50
    for block in blocks:
        turtle = block.split("```", 1)[0]
        list(ox.parse(header + turtle, format=ox.RdfFormat.TURTLE))  # raises if invalid


def test_check_reports_a_stale_page(tmp_path) -> None:
    stale = tmp_path / "ontology.md"
    stale.write_text("old\n", encoding="utf-8")
    assert ontodoc.main([str(REPO), "--check", "-o", str(stale)]) == 1
    assert ontodoc.main([str(REPO), "-o", str(stale)]) == 0
    assert ontodoc.main([str(REPO), "--check", "-o", str(stale)]) == 0


def test_the_module_entry_point_agrees_in_a_fresh_process() -> None:
    # A fresh process loads blank nodes with new labels: the page must not depend on them.
    done = subprocess.run(
        [sys.executable, "-m", "positions.output.ontodoc", str(REPO), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
