"""bench/synth.py: deterministic, canonical, and conforming to the shapes."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

from positions import KnowledgeBase
from positions.base.datafiles import (
    RDF_TYPE,
    class_file,
    file_for_types,
    render_data_file,
    superclasses,
)
from support import bench_module


def _synth():
    return bench_module("synth")


def _data(folder: Path) -> dict[str, bytes]:
    files = sorted((folder / "data").rglob("*.ttl")) + [folder / "new-statements.ttl"]
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in files}


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    synth = _synth()
    synth.write_base(tmp_path / "a", 1000, seed=7, batch=10)
    synth.write_base(tmp_path / "b", 1000, seed=7, batch=10)
    synth.write_base(tmp_path / "c", 1000, seed=8, batch=10)
    assert _data(tmp_path / "a") == _data(tmp_path / "b")
    assert _data(tmp_path / "a") != _data(tmp_path / "c")


def test_files_are_in_the_canonical_layout_and_parts(tmp_path: Path) -> None:
    _synth().write_base(tmp_path / "kb", 1000, seed=1, part_bytes=100_000)
    data = tmp_path / "kb" / "data"
    statements = triples = 0
    for path in sorted(data.rglob("*.ttl")):
        name = path.relative_to(data).as_posix()
        quads = list(ox.parse(path.read_bytes(), format=ox.RdfFormat.TURTLE))
        assert render_data_file(name, quads) == path.read_text(encoding="utf-8"), name
        if name.startswith("statements"):
            statements += sum(q.predicate.value.endswith("#type") for q in quads)
            triples += len(quads)
    assert statements == 1000
    assert 12 <= triples / statements <= 15  # about 13 triples a statement
    parts = sorted(p.name for p in (data / "statements").glob("*.ttl"))
    assert parts[0] == "00001.ttl" and len(parts) >= 4
    assert (data / "statements.ttl").stat().st_size >= 100_000
    # every file but the last of a family is full, as positions add would leave it
    assert all((data / "statements" / p).stat().st_size >= 100_000 for p in parts[:-1])


def test_a_generated_base_validates(tmp_path: Path) -> None:
    _synth().write_base(tmp_path / "kb", 1000, seed=1, batch=20)
    kb = tmp_path / "kb"
    whole = subprocess.run(
        [sys.executable, "-m", "positions", "--kb", str(kb), "validate", "-q"],
        capture_output=True,
        text=True,
    )
    assert whole.returncode == 0, whole.stdout[-2000:] + whole.stderr[-2000:]
    batch = subprocess.run(
        [sys.executable, "-m", "positions", "--kb", str(kb), "validate", "-q",
         str(kb / "new-statements.ttl")],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert batch.returncode == 0, batch.stdout[-2000:]


def _quads(paths: list[Path]) -> list[ox.Quad]:
    return [q for p in paths for q in ox.parse(p.read_bytes(), format=ox.RdfFormat.TURTLE)]


def test_every_node_is_in_the_file_positions_add_would_put_it_in(tmp_path: Path) -> None:
    _synth().write_base(tmp_path / "kb", 4000, seed=1, part_bytes=100_000)
    kb = tmp_path / "kb"
    supers = superclasses(_quads(sorted((kb / "ontology").glob("*.ttl"))))
    seen = set()
    for path in sorted((kb / "data").rglob("*.ttl")):
        name = path.relative_to(kb / "data").as_posix()
        types: dict[str, set[str]] = defaultdict(set)
        for quad in _quads([path]):
            if quad.predicate == RDF_TYPE and isinstance(quad.subject, ox.NamedNode):
                types[quad.subject.value].add(quad.object.value)  # blank nodes go with theirs
        for node, classes in types.items():
            assert file_for_types(classes, supers) == class_file(name), (node, name)
        seen.add(class_file(name))
    # documents go with the demands, the negotiations' own topics (skos:Concept) to other.ttl
    assert {"demands.ttl", "other.ttl", "statements.ttl"} <= seen


def test_documents_and_the_negotiations_own_topics(tmp_path: Path) -> None:
    _synth().write_base(tmp_path / "kb", 4000, seed=1)  # two negotiations
    kb = KnowledgeBase.open(tmp_path / "kb", store="memory")

    def count(where: str) -> int:
        return int(kb.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}").to_dicts()[0]["n"])

    for g in (0, 1):
        documents = count(f"?d a pos:Document FILTER(STRSTARTS(STR(?d), STR(kb:document-000{g}-)))")
        topics = count(f"?t a skos:Concept FILTER(STRSTARTS(STR(?t), STR(kb:topic-000{g}-)))")
        assert 3 <= documents <= 8 and 4 <= topics <= 8
    assert count("?p pos:setOutIn ?d") >= 2  # each proposal is set out in its drafts
    assert count("?d pos:respondsTo ?x") >= 2
    assert count("?x pos:statedIn ?d . ?d a pos:Document") >= 1
    assert count("?s a pos:Statement ; pos:target ?d . ?d a pos:Document") >= 1
    rows = kb.query("documents").to_dicts()
    assert len(rows) == count("?d a pos:Document")
    assert {r["status"] for r in rows} <= {"promised", "sent", "published"}

    # Each own topic is under a shared one, in the topic scheme; about half the statements,
    # demands and meetings are on one; the defaults of the saved queries still have rows.
    own_topics = "?t a skos:Concept FILTER(STRSTARTS(STR(?t), STR(kb:topic-)))"
    assert count(own_topics) == count(
        f"{own_topics} ?t skos:inScheme pos:TopicScheme ; skos:broader ?b . ?b a skos:Concept"
        " FILTER(STRSTARTS(STR(?b), STR(topic:)))"
    )
    for cls in ("pos:Statement", "pos:Demand", "pos:Meeting"):
        own = count(f"?x a {cls} ; pos:topic ?t FILTER(STRSTARTS(STR(?t), STR(kb:topic-)))")
        assert 0.3 <= own / count(f"?x a {cls}") <= 0.7, cls
    assert kb.query("statements-by-topic").to_dicts()  # topic:nato-enlargement
    assert count("kb:demand-no-nato-enlargement pos:topic topic:nato-enlargement") == 1

    # The ontology's own checks (labels, definitions, rdfs:isDefinedBy of every concept,
    # no unlabelled data node) find nothing in the generated data either.
    for check in sorted((tmp_path / "kb" / "ontology" / "checks").glob("*.rq")):
        assert kb.query(check.read_text(encoding="utf-8")).to_dicts() == [], check.name
