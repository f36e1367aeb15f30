"""pyshacl-turbo, the default SHACL engine, reports what pyshacl, the reference, reports.

Problems are compared whole (file, line, node, label, path, value, severity,
message, shape), as lists sorted the way reports print them, on:

* every W3C SHACL Core test the project runs (tests/test_w3c_shacl.py), with
  turbo on an rdflib graph and on a pyoxigraph store (its N-Triples input);
* the bundled base with every fixture of tests/shapes/ added to its data, whole
  (turbo on the store, pyshacl on the rdflib graph);
* a generated base (bench/synth.py) with the same fixtures and planted
  violations, checked to raise every kind of constraint
  component the shapes use at least once;
* new files validated incrementally, and whole with files given.

The differences found on the way, and where they were fixed, are in
docs/validation.md ("Two engines").  Two tests take more than 2 s (about 4 and
7 s here on a busy machine): the W3C one runs 94 tests with three engines, the
bundled one runs pyshacl, the slow reference, over the base and 45 fixtures.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Namespace

from positions import KnowledgeBase
from positions.checking.locate import Locator
from positions.checking.shacl import (
    run_on_store,
    run_shacl,
    shacl_problems,
    store_input,
    to_graph,
)
from positions.checking.sources import SourceFile
from positions.checking.validate import validate
from positions.rdf import rdfio
from support import bench_module, copy_bundled
from test_w3c_shacl import VALIDATED, ShaclTest

SH = Namespace("http://www.w3.org/ns/shacl#")
FIXTURES = Path(__file__).parent / "shapes"
SHAPES = Path(__file__).resolve().parents[1] / "ontology" / "shapes"


def keys(problems) -> list[tuple]:
    return sorted(
        (
            (p.file, p.line, p.focus, p.focus_compact, p.label, p.path, p.value, p.severity)
            + (p.message, p.source_shape)
            for p in problems
        ),
        key=repr,
    )


def w3c_problems(test: ShaclTest, engine: str) -> list[tuple]:
    data = SourceFile(test.data, "data", rdfio.read_rdf(test.data, base_iri=test.data_iri))
    shapes_quads = rdfio.read_rdf(test.shapes, base_iri=test.shapes_iri)
    shapes = SourceFile(test.shapes, "shapes", shapes_quads)
    data_graph, shapes_graph = to_graph([data]), to_graph([shapes])
    if engine == "store":
        store = ox.Store()
        store.extend(ox.Quad(q.subject, q.predicate, q.object) for q in data.quads)
        results = run_on_store(store_input(store), shapes_graph)
    else:
        results = run_shacl(data_graph, shapes_graph, engine)
    locator = Locator([data], data_graph)
    problems = [p for p, _ in shacl_problems(results, shapes_graph, data_graph, locator)]
    # A result whose shape has no sh:message is worded by the engine itself, in
    # its own way (SHACL leaves it to the engine): pyshacl "Value is not Literal
    # with datatype xsd:boolean", turbo "DatatypeConstraintComponent violated at
    # ...".  Every shape of the project has its messages (test_shapes.py).
    written = {str(m) for m in shapes_graph.objects(None, SH.message)}
    own = "(the engine's own wording)"
    return sorted(
        (key if key[8] in written else key[:8] + (own,) + key[9:] for key in keys(problems)),
        key=repr,
    )


def test_w3c_shacl_core_tests_give_the_same_problems() -> None:
    differ = []
    for test in VALIDATED:
        reference = w3c_problems(test, "pyshacl")
        for engine in ("pyshacl-turbo", "store"):
            if w3c_problems(test, engine) != reference:
                differ.append((test.name, engine))
    assert differ == []


def with_fixtures(root: Path) -> Path:
    """The fixtures of tests/shapes/ (the Turtle ones at its top) copied into ``root``'s data."""
    folder = root / "data" / "fixtures"
    folder.mkdir(parents=True)
    for fixture in sorted(FIXTURES.glob("*.ttl")):
        shutil.copy(fixture, folder / fixture.name)
    return root


def both(root: Path, **options) -> tuple:
    reference = validate(KnowledgeBase.open(root, **options), engine="pyshacl")
    turbo = validate(KnowledgeBase.open(root, **options))
    return reference, turbo


def test_the_bundled_base_with_every_fixture_gives_the_same_problems(tmp_path: Path) -> None:
    root = with_fixtures(copy_bundled(tmp_path / "kb"))
    reference, turbo = both(root)
    assert reference.violations > 40 and reference.warnings > 40  # the fixtures are there
    assert keys(turbo.problems) == keys(reference.problems)
    assert turbo.exit_code == reference.exit_code == 1


# Planted in a generated base: the constraint kinds no fixture raises on its own.
PLANTED = """
@prefix kb: <https://w3id.org/positions/id/> .
@prefix pos: <https://w3id.org/positions/vocab#> .
@prefix stance: <https://w3id.org/positions/vocab/stance/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
stance:rejects pos:ploverCode "NOT-A-CODE" .
kb:russia owl:sameAs "Q159" .
kb:demand-0000-0002 pos:refines kb:demand-no-nato-enlargement ;
    owl:sameAs kb:demand-no-nato-enlargement ;
    pos:evidence [ pos:quote "" ; pos:source kb:source-0000-00177 ] .
"""


def test_a_generated_base_with_planted_violations_gives_the_same_problems(
    tmp_path: Path,
) -> None:
    root = tmp_path / "kb"
    bench_module("synth").write_base(root, 100, seed=3)
    with_fixtures(root)
    (root / "data" / "fixtures" / "planted.ttl").write_text(PLANTED, encoding="utf-8")
    reference, turbo = both(root)
    assert keys(turbo.problems) == keys(reference.problems)
    # Every kind of constraint the shapes use was raised at least once.
    used = set()
    for path in SHAPES.glob("*.ttl"):
        for quad in rdfio.read_rdf(path):
            name = quad.predicate.value.removeprefix(str(SH))
            if quad.predicate.value.startswith(str(SH)) and name in COMPONENTS:
                used.add(COMPONENTS[name])
    raised = {
        str(c).removeprefix(str(SH))
        for c in turbo.shacl_results.objects(None, SH.sourceConstraintComponent)
    }
    assert used - raised == set()


# A shapes predicate -> the constraint component it makes (minCount and maxCount
# are one component each; qualified counts are raised through qualifiedMinCount).
COMPONENTS = {
    name: name[0].upper() + name[1:] + "ConstraintComponent"
    for name in (
        "class", "datatype", "minCount", "maxCount", "node", "or", "not", "hasValue", "in",
        "pattern", "minLength", "lessThanOrEquals", "disjoint", "nodeKind", "sparql",
    )
}  # fmt: skip
COMPONENTS["qualifiedMinCount"] = "QualifiedMinCountConstraintComponent"
COMPONENTS["sparql"] = "SPARQLConstraintComponent"


@pytest.mark.parametrize("fixture", ["statement-no-speaker", "statement-bad-stance"])
def test_files_given_give_the_same_problems_with_either_engine(base: Path, fixture: str) -> None:
    kb = KnowledgeBase.open(base)
    new = [FIXTURES / f"{fixture}.ttl"]
    reference = validate(kb, new, engine="pyshacl")
    turbo = validate(KnowledgeBase.open(base), new)
    assert reference.problems and keys(turbo.problems) == keys(reference.problems)


def test_the_command_takes_either_engine_and_prints_the_same_report(base: Path) -> None:
    from support import cli

    default = cli("--kb", str(base), "validate", "-f", "json")
    reference = cli("--kb", str(base), "validate", "-f", "json", "--engine", "pyshacl")
    assert default.exit_code == reference.exit_code == 0
    assert default.stdout == reference.stdout and '"warnings": 41' in default.stdout
    unknown = cli("--kb", str(base), "validate", "--engine", "jena")
    assert unknown.exit_code == 2 and "pyshacl-turbo" in unknown.output
