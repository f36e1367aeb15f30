"""The ontology is protected: ``add`` and ``import`` may not make statements about its terms.

Each refusal names the file, the line and the term, exits 1 like a conflict,
and leaves data/ byte-identical (``support.tree_digest``).  The terms are read
from the base's own ``ontology/`` (a term added there is protected too); using
a term as an object (``a pos:Statement``, ``pos:stance stance:rejects``) is
what every ordinary addition does, and passes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from positions import KnowledgeBase
from positions.adding.csvimport import read_csv
from positions.adding.plan import AddRefused, plan_add
from positions.adding.protect import OntologyTerms
from support import REPO, cli, tree_digest

EXAMPLE = REPO / "docs" / "examples" / "new-statement.ttl"
EXAMPLE_CSV = REPO / "docs" / "examples" / "statements.csv"
EXAMPLE_ID = "kb:stmt-kosachev-no-violation-of-agreements"

HEAD = """\
@prefix pos: <https://w3id.org/positions/vocab#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix stance: <https://w3id.org/positions/vocab/stance/> .
@prefix shapes: <https://w3id.org/positions/shapes#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
"""


def refused(base: Path, *args: str) -> str:
    """Run ``positions --kb BASE ARGS``; assert it exits 1 and writes nothing; its output."""
    before = tree_digest(base / "data")
    result = cli("--kb", str(base), *args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "nothing was written" in result.output
    assert "edit of ontology/" in result.output
    assert tree_digest(base / "data") == before
    return result.output


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "where", "term", "said"),
    [
        # a subclass axiom: every party would become a statement
        ("pos:Party rdfs:subClassOf pos:Statement .\n", ":7:", "pos:Party", "rdfs:subClassOf"),
        # a concept relabelled: every rejection would read "accepts" too
        ('\nstance:rejects skos:prefLabel "accepts"@en .\n', ":8:", "stance:rejects", "prefLabel"),
        # a new property of a concept
        ('stance:rejects skos:altLabel "turns down"@en .\n', ":7:", "stance:rejects", "altLabel"),
        # a shape switched off
        ("shapes:StanceConcept sh:deactivated true .\n", ":7:", "shapes:StanceConcept", "sh:"),
    ],
)
def test_statements_about_a_term_are_refused(
    base: Path, tmp_path: Path, body: str, where: str, term: str, said: str
) -> None:
    path = write(tmp_path, "new.ttl", HEAD + body)
    for args in (("add", str(path)), ("add", "--dry-run", str(path))):
        output = refused(base, *args)
        first = output.splitlines()[0]
        assert f"new.ttl{where} {term} is a term of the ontology (declared in ontology/" in first
        assert said in first


def test_a_turtle_node_named_after_a_class_is_refused(base: Path, tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace(EXAMPLE_ID, "pos:Statement")
    line = 1 + text.splitlines().index("pos:Statement")
    output = refused(base, "add", str(write(tmp_path, "node.ttl", text)))
    assert f"node.ttl:{line}: pos:Statement is a term of the ontology" in output
    assert "(declared in ontology/positions.ttl)" in output


def test_a_csv_id_that_is_a_term_is_refused(base: Path, tmp_path: Path) -> None:
    header, row = EXAMPLE_CSV.read_text(encoding="utf-8").splitlines()[:2]
    text = f"{header}\n{row.replace(EXAMPLE_ID, 'pos:Statement', 1)}\n"
    output = refused(base, "import", str(write(tmp_path, "statements.csv", text)))
    assert "statements.csv:2: column 'id': pos:Statement is a term of the ontology" in output


def test_a_new_term_in_a_namespace_of_the_ontology_is_refused(base: Path, tmp_path: Path) -> None:
    text = HEAD + (
        'stance:rejects-loudly a skos:Concept ; skos:prefLabel "rejects loudly"@en .\n'
        'pos:Party rdfs:label "a party"@en .  stance:shrugs skos:inScheme stance:scheme .\n'
    )
    output = refused(base, "add", str(write(tmp_path, "new.ttl", text)))
    assert "new.ttl:7: stance:rejects-loudly is in a namespace of the ontology (stance:" in output
    assert "new.ttl:8: pos:Party is a term" in output
    # written after another statement on its line: the line is still found
    assert "new.ttl:8: stance:shrugs is in a namespace of the ontology (stance:" in output
    assert "(3 terms)" in output


def test_terms_are_read_from_the_bases_ontology(base: Path, tmp_path: Path) -> None:
    (base / "ontology" / "extra.ttl").write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "<https://example.org/vocab#Ceasefire> a owl:Class .\n",
        encoding="utf-8",
    )
    text = (
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n\n"
        '<https://example.org/vocab#Ceasefire> rdfs:label "truce"@en .\n'
    )
    output = refused(base, "add", str(write(tmp_path, "new.ttl", text)))
    assert "new.ttl:3: <https://example.org/vocab#Ceasefire> is a term" in output
    assert "(declared in ontology/extra.ttl)" in output


def test_the_data_namespace_is_never_the_ontologys() -> None:
    kb = "https://w3id.org/positions/id/"
    terms = OntologyTerms.read({"ontology/x.ttl": _subjects(kb + "a-role", "https://e.org/v#C")})
    assert terms.owner(kb + "a-role") == ("ontology/x.ttl", True)
    assert terms.owner(kb + "russia") is None
    assert terms.owner("https://e.org/v#D") == ("ontology/x.ttl", False)


def _subjects(*iris: str) -> list:
    import pyoxigraph as ox

    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    return [(ox.NamedNode(iri), label, ox.Literal("x")) for iri in iris]


def test_the_api_refuses_alike(base: Path, tmp_path: Path) -> None:
    kb = KnowledgeBase.open(base)
    before = tree_digest(base / "data")
    path = write(tmp_path, "new.ttl", HEAD + "pos:Party rdfs:subClassOf pos:Statement .\n")
    with pytest.raises(AddRefused, match=r"new.ttl:7: pos:Party is a term"):
        kb.add([path])
    header, row = EXAMPLE_CSV.read_text(encoding="utf-8").splitlines()[:2]
    csv = write(tmp_path, "statements.csv", f"{header}\n{row.replace(EXAMPLE_ID, 'pos:Party')}\n")
    with pytest.raises(AddRefused, match=r"statements.csv:2: column 'id': pos:Party"):
        kb.import_csv(csv, dry_run=True)
    assert tree_digest(base / "data") == before


def test_add_to_a_server_refuses_before_any_request(
    base: Path, tmp_path: Path, http_server
) -> None:
    url, requests = http_server(200, b"")
    path = write(tmp_path, "new.ttl", HEAD + 'stance:rejects skos:prefLabel "accepts"@en .\n')
    output = refused(base, "add", str(path), "--to", url + "/store")
    assert "new.ttl:7: stance:rejects is a term of the ontology" in output
    assert requests == []


def test_ordinary_additions_pass(base: Path) -> None:
    # Terms as objects only (a pos:Statement, pos:stance stance:rejects): planned, not refused;
    # so is every file of the bundled data, and a spreadsheet's rows.
    kb = KnowledgeBase.open(base)
    plan = plan_add(kb, [EXAMPLE])
    assert [n.node for n in plan.new_nodes] == [EXAMPLE_ID]
    data = sorted((base / "data").rglob("*.ttl"))
    assert plan_add(kb, data).added_count == 0  # all duplicates
    table = read_csv(kb, EXAMPLE_CSV)
    plan = plan_add(kb, [EXAMPLE_CSV], [table.input_file()])
    assert [n.node for n in plan.new_nodes] == [EXAMPLE_ID]
