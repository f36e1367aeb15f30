"""``positions export``: every format carries the same triples, the same bytes twice,
atomic output, the dataset description, and joining with Wikidata on owl:sameAs."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from pyld import jsonld
from rdflib.compare import isomorphic

from positions import KnowledgeBase
from positions.errors import UsageError
from positions.output import export as export_module
from positions.output.export import (
    DATASET,
    Format,
    collect_graphs,
    context_text,
    describe_dataset,
    export,
    write_atomically,
)
from support import cli

FIXTURE = Path(__file__).parent / "fixtures" / "exportbase"
REPO = Path(__file__).resolve().parents[1]
VOID = "http://rdfs.org/ns/void#"

PYOXIGRAPH_FORMATS = {
    Format.turtle: ox.RdfFormat.TURTLE,
    Format.nt: ox.RdfFormat.N_TRIPLES,
    Format.trig: ox.RdfFormat.TRIG,
    Format.nquads: ox.RdfFormat.N_QUADS,
    Format.rdfxml: ox.RdfFormat.RDF_XML,
}
QUAD_FORMATS = {Format.trig, Format.nquads}


@pytest.fixture
def kb() -> KnowledgeBase:
    return KnowledgeBase.open(FIXTURE)


def parse_back(fmt: Format, content: bytes) -> list[ox.Quad]:
    """Parse an export with a second parser: pyoxigraph, or pyld for JSON-LD."""
    if fmt is Format.jsonld:
        document = json.loads(content)
        nquads = jsonld.to_rdf(document, {"format": "application/n-quads"})
        return list(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
    return list(ox.parse(content, format=PYOXIGRAPH_FORMATS[fmt]))


def expected_count(kb: KnowledgeBase, fmt: Format, **options: bool) -> int:
    """Triples of the store's graphs (plus description): per graph for TriG and N-Quads."""
    graphs = collect_graphs(
        kb,
        include_ontology=options.get("include_ontology", True),
        include_shapes=options.get("include_shapes", False),
    )
    description = describe_dataset(kb) if options.get("include_description", True) else []
    if fmt in QUAD_FORMATS:
        return sum(len(set(g.triples)) for g in graphs) + len(description)
    return len({t for g in graphs for t in g.triples} | set(description))


@pytest.mark.parametrize("fmt", list(Format))
def test_every_format_carries_the_same_triples(kb: KnowledgeBase, fmt: Format) -> None:
    quads = parse_back(fmt, export(kb, fmt))
    assert len(quads) == expected_count(kb, fmt)
    if fmt in QUAD_FORMATS:
        names = {q.graph_name for q in quads}
        assert ox.NamedNode("https://w3id.org/positions/graph/data/parties.ttl") in names
        assert ox.DefaultGraph() in names  # the description


@pytest.mark.parametrize("fmt", list(Format))
@pytest.mark.parametrize(
    "options",
    [
        {"include_ontology": False},
        {"include_shapes": True},
        {"include_description": False},
    ],
)
def test_options_change_what_goes_out(kb: KnowledgeBase, fmt: Format, options: dict) -> None:
    quads = parse_back(fmt, export(kb, fmt, **options))
    assert len(quads) == expected_count(kb, fmt, **options)
    predicates = {q.predicate.value for q in quads}
    objects = {q.object for q in quads}
    owl_ontology = ox.NamedNode("http://www.w3.org/2002/07/owl#Ontology")
    assert (owl_ontology in objects) == options.get("include_ontology", True)
    assert ("http://www.w3.org/ns/shacl#path" in predicates) == options.get("include_shapes", False)
    assert (VOID + "triples" in predicates) == options.get("include_description", True)


def test_graph_less_formats_are_isomorphic_to_the_base(kb: KnowledgeBase) -> None:
    union = rdflib.Graph()
    union.parse(data=export(kb, Format.nt).decode(), format="nt")
    for fmt, rdflib_format in [(Format.turtle, "turtle"), (Format.rdfxml, "xml")]:
        other = rdflib.Graph().parse(data=export(kb, fmt).decode(), format=rdflib_format)
        assert isomorphic(union, other), fmt
    source = rdflib.Graph()
    for path in kb.content_files():
        source.parse(path, format="turtle")
    for triple in rdflib.Graph().parse(
        data=ox.serialize(describe_dataset(kb), format=ox.RdfFormat.N_TRIPLES).decode(),
        format="nt",
    ):
        source.add(triple)
    assert isomorphic(union, source)


@pytest.mark.parametrize("fmt", list(Format))
def test_identical_input_gives_identical_bytes(fmt: Format) -> None:
    # Each open parses the files afresh, so blank nodes get new labels each time.
    first = export(KnowledgeBase.open(FIXTURE), fmt, include_shapes=True)
    second = export(KnowledgeBase.open(FIXTURE), fmt, include_shapes=True)
    assert first == second


def test_the_turtle_export_reads_as_turtle(kb: KnowledgeBase) -> None:
    text = export(kb, Format.turtle).decode()
    assert text.startswith("# Exported by positions")
    assert "kb:russia a pos:Party ;\n" in text
    assert "owl:sameAs wd:Q159 ;" in text or "owl:sameAs wd:Q159 ." in text
    assert "prov:qualifiedDerivation [\n" in text  # single-use blank nodes inline


def test_trig_has_one_graph_per_file(kb: KnowledgeBase) -> None:
    text = export(kb, Format.trig, include_shapes=True).decode()
    for name in [
        "data/parties.ttl",
        "data/statements.ttl",
        "ontology/vocab.ttl",
        "ontology/shapes/test.shapes.ttl",
    ]:
        assert f"<https://w3id.org/positions/graph/{name}> {{\n" in text


def test_json_ld_uses_the_shipped_context_inline(kb: KnowledgeBase) -> None:
    document = json.loads(export(kb, Format.jsonld))
    assert document["@context"] == json.loads(context_text())["@context"]
    russia = next(node for node in document["@graph"] if node["@id"] == "kb:russia")
    assert russia["@type"] == "pos:Party"
    assert russia["owl:sameAs"] == {"@id": "wd:Q159"}


def test_the_shipped_context_file_matches_the_prefixes() -> None:
    shipped = (REPO / "ontology" / "context.jsonld").read_text(encoding="utf-8")
    assert shipped == context_text(), (
        "ontology/context.jsonld is out of date; regenerate it with "
        "python -c 'from positions.output.export import context_text; "
        'open("ontology/context.jsonld", "w").write(context_text())\''
    )


def test_json_ld_export_loads_no_document(kb: KnowledgeBase, monkeypatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("pyld tried to load a document")

    monkeypatch.setattr(jsonld, "_default_document_loader", no_network, raising=False)
    monkeypatch.setattr(jsonld, "get_document_loader", lambda: no_network)
    assert json.loads(export(kb, Format.jsonld))["@graph"]


# -- the description ---------------------------------------------------------------------


def description(kb: KnowledgeBase, **options: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for t in describe_dataset(kb, **options):
        assert t.subject == DATASET
        found.setdefault(t.predicate.value, []).append(t.object.value)
    return found


def test_description_counts_and_links(kb: KnowledgeBase) -> None:
    found = description(kb)
    data_triples = {
        q.triple
        for path in kb.layout.data_files()
        for q in kb.store.quads_for_pattern(None, None, None, None)
        if q.graph_name.value.endswith(kb.relative(path))
    }
    assert found[VOID + "triples"] == [str(len(data_triples))]
    assert found[VOID + "entities"] == ["4"]  # russia, united-states, stmt-1, stmt-2
    assert found["http://purl.org/dc/terms/created"] == ["2022-01-31"]
    assert found["http://purl.org/dc/terms/license"] == [
        "https://creativecommons.org/licenses/by/4.0/"
    ]
    assert {"http://rdfs.org/ns/void#Dataset", "http://www.w3.org/ns/dcat#Dataset"} == set(
        found["http://www.w3.org/1999/02/22-rdf-syntax-ns#type"]
    )
    vocabularies = set(found[VOID + "vocabulary"])
    assert {
        "https://w3id.org/positions/vocab#",
        "http://www.w3.org/ns/prov#",
        "http://www.w3.org/2002/07/owl#",
        "http://www.w3.org/2000/01/rdf-schema#",
    } <= vocabularies
    assert "https://w3id.org/positions/id/" not in vocabularies
    assert found[VOID + "exampleResource"] == [
        "https://w3id.org/positions/id/russia",
        "https://w3id.org/positions/id/stmt-1",
    ]
    assert VOID + "sparqlEndpoint" not in found


def test_description_names_the_endpoint_only_when_given(kb: KnowledgeBase) -> None:
    found = description(kb, sparql_endpoint="https://example.org/sparql")
    assert found[VOID + "sparqlEndpoint"] == ["https://example.org/sparql"]
    with pytest.raises(UsageError, match="not a valid IRI"):
        describe_dataset(kb, sparql_endpoint="not an iri")


def test_the_export_joins_with_wikidata_on_same_as(kb: KnowledgeBase) -> None:
    store = ox.Store()
    store.load(export(kb, Format.turtle), format=ox.RdfFormat.TURTLE)
    store.load(
        b"<http://www.wikidata.org/entity/Q159> <http://www.w3.org/2000/01/rdf-schema#label> "
        b'"Russia"@en , "\xd0\xa0\xd0\xbe\xd1\x81\xd1\x81\xd0\xb8\xd1\x8f"@ru .',
        format=ox.RdfFormat.TURTLE,
    )
    rows = store.query(
        """
        PREFIX owl: <http://www.w3.org/2002/07/owl#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?party ?label WHERE {
            ?party owl:sameAs ?entity .
            ?entity rdfs:label ?label .
            FILTER(LANG(?label) = "ru")
        }
        """
    )
    assert [(r["party"].value, r["label"].value) for r in rows] == [
        ("https://w3id.org/positions/id/russia", "Россия")
    ]


# -- the command and its output file ------------------------------------------------------------


def run(*args: str) -> object:
    return cli("--kb", str(FIXTURE), "export", *args)


def test_the_command_writes_stdout(kb: KnowledgeBase) -> None:
    result = run("-f", "nquads")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == export(kb, Format.nquads)


def test_the_command_writes_a_file(kb: KnowledgeBase, tmp_path: Path) -> None:
    target = tmp_path / "out.trig"
    result = run("-f", "trig", "--with-shapes", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == export(kb, Format.trig, include_shapes=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.trig"]


def test_an_unknown_format_is_a_usage_error() -> None:
    result = run("-f", "yaml")
    assert result.exit_code == 2
    assert "--format 'yaml' is not one of" in result.output


@pytest.mark.parametrize(
    ("alias", "fmt"),
    [("ntriples", "nt"), ("N-Triples", "nt"), ("ttl", "turtle"), ("n-quads", "nquads")],
)
def test_other_tools_names_of_a_format_are_understood(alias: str, fmt: str) -> None:
    """`positions query -f ntriples` and `positions export -f ntriples` say the same."""
    named, short = run("-f", alias), run("-f", fmt)
    assert named.exit_code == short.exit_code == 0, named.output
    assert named.stdout_bytes == short.stdout_bytes


@pytest.mark.parametrize(
    "folder", ["data", "ontology", "ontology/shapes", "queries", ".positions-cache"]
)
def test_output_inside_the_base_is_refused(folder: str, tmp_path: Path) -> None:
    copy = tmp_path / "kb"
    shutil.copytree(FIXTURE, copy)  # never written into, unless the test fails
    target = copy / folder / "export.ttl"
    result = cli("--kb", str(copy), "export", "-o", str(target))
    assert result.exit_code == 2
    assert f"--output {target} is inside" in result.stderr
    assert "one of the base's own folders" in result.stderr
    assert not target.exists()


@pytest.fixture
def old_file(tmp_path: Path) -> Path:
    target = tmp_path / "positions.ttl"
    target.write_bytes(b"old content\n")
    return target


def assert_untouched(target: Path) -> None:
    assert target.read_bytes() == b"old content\n"
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary left


def test_a_failing_export_leaves_the_old_file(old_file: Path, monkeypatch) -> None:
    def broken(kb: object, graphs: object) -> bytes:
        raise UsageError("simulated failure while serialising")

    monkeypatch.setitem(export_module.WRITERS, Format.turtle, broken)
    result = run("-o", str(old_file))
    assert result.exit_code == 2
    assert "simulated failure" in result.output
    assert_untouched(old_file)


def test_a_failure_while_writing_leaves_the_old_file(old_file: Path, monkeypatch) -> None:
    def fail_replace(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_module.os, "replace", fail_replace)
    result = run("-o", str(old_file))
    assert result.exit_code == 2
    assert "No space left on device" in result.output
    assert_untouched(old_file)


def test_an_interrupted_write_leaves_the_old_file(old_file: Path, monkeypatch) -> None:
    real_fsync = os.fsync

    def interrupted(descriptor: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(export_module.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(old_file, b"new content that never lands\n")
    monkeypatch.setattr(export_module.os, "fsync", real_fsync)
    assert_untouched(old_file)


def test_a_read_only_folder_leaves_the_old_file(old_file: Path, monkeypatch) -> None:
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        old_file.parent.chmod(0o555)
    else:  # root ignores permissions: refuse the temporary file instead

        def read_only(*args: object, **kwargs: object) -> None:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(export_module.tempfile, "mkstemp", read_only)
    try:
        result = run("-o", str(old_file))
    finally:
        old_file.parent.chmod(0o755)
    assert result.exit_code == 2
    assert "Permission denied" in result.output
    assert_untouched(old_file)


# -- the bundled base ---------------------------------------------------------------------------


@pytest.mark.skipif(
    not any((REPO / "data").glob("*.ttl")), reason="the bundled base has no data yet"
)
@pytest.mark.parametrize("fmt", list(Format))
def test_the_bundled_base_exports_in_every_format(fmt: Format) -> None:
    bundled = KnowledgeBase.open(REPO)
    content = export(bundled, fmt, include_shapes=True)
    assert len(parse_back(fmt, content)) == expected_count(bundled, fmt, include_shapes=True)
    assert export(KnowledgeBase.open(REPO), fmt, include_shapes=True) == content


@pytest.mark.parametrize("fmt", list(Format))
def test_backslashes_and_line_breaks_in_quotes_survive_every_format(
    tmp_path: Path, fmt: Format
) -> None:
    # pyld's N-Quads parser turned the two characters backslash, r into backslash and a
    # carriage return; hypothesis found it (test_property). Each value here must come back.
    values = ["a\\rb", "c\\nd\\t", "two \\\\ backslashes", "line\nbreak", 'say "no"']
    for part in ("ontology", "data", "queries"):
        (tmp_path / part).mkdir()
    (tmp_path / "ontology" / "empty.ttl").write_text("")
    lines = [
        f"<https://w3id.org/positions/id/e{i}> <https://w3id.org/positions/vocab#quote> "
        f"{json.dumps(value)} ."
        for i, value in enumerate(values)
    ]
    (tmp_path / "data" / "quotes.ttl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    base = KnowledgeBase.open(tmp_path)
    exported = export(base, fmt, include_ontology=False, include_description=False)
    parsed = list(ox.parse(exported, format=PYOXIGRAPH_FORMATS.get(fmt, ox.RdfFormat.JSON_LD)))
    assert sorted(q.object.value for q in parsed) == sorted(values)


# -- issue 21: the store's own serialisers, the user's umask, --closure ----------------


def test_a_file_is_written_with_the_users_umask(kb: KnowledgeBase, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        target = tmp_path / "out.nt"
        assert run("-f", "nt", "-o", str(target)).exit_code == 0
        assert target.stat().st_mode & 0o777 == 0o644  # was 0600, a temporary file's mode
        os.umask(0o027)
        run("-f", "nt", "-o", str(target))
        assert target.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old)


@pytest.mark.parametrize("fmt", [Format.turtle, Format.trig])
def test_a_large_base_is_written_by_pyoxigraph_with_the_same_quads(
    kb: KnowledgeBase, fmt: Format, monkeypatch
) -> None:
    small = export(kb, fmt, include_shapes=True)
    monkeypatch.setattr(export_module, "LARGE_BASE_BYTES", 0)  # every base is large now
    streamed = export(kb, fmt, include_shapes=True)
    assert streamed != small  # pyoxigraph's layout, not the canonical writer's
    assert streamed == export(KnowledgeBase.open(FIXTURE), fmt, include_shapes=True)
    assert streamed.startswith(b"# Exported by positions")
    a, b = (rdflib.Dataset() for _ in range(2))
    a.parse(data=small, format="trig")
    b.parse(data=streamed, format="trig")
    assert len(a) == len(b)
    for graph in a.graphs():
        assert isomorphic(graph, b.graph(graph.identifier))


INFERRED = ox.NamedNode("https://w3id.org/positions/graph/inferred")


@pytest.mark.parametrize("fmt", [Format.nquads, Format.trig, Format.nt, Format.turtle])
def test_closure_adds_the_inferred_graph(kb: KnowledgeBase, fmt: Format) -> None:
    without = export(kb, fmt)
    assert export(kb, fmt, include_inferred=True) == without  # no such graph: nothing added
    assert not kb.has_inferred_graph()
    inferred = ox.Quad(
        ox.NamedNode("https://w3id.org/positions/id/russia"),
        ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
        ox.NamedNode("https://w3id.org/positions/vocab#InferredOnly"),
        INFERRED,
    )
    kb.store.add(inferred)
    assert kb.has_inferred_graph()
    assert export(kb, fmt) == without  # left out unless asked
    quads = parse_back(fmt, export(kb, fmt, include_inferred=True))
    found = [q for q in quads if q.object == inferred.object]
    assert len(found) == 1
    if fmt in QUAD_FORMATS:
        assert found[0].graph_name == INFERRED


def test_closure_without_an_inferred_graph_says_so(kb: KnowledgeBase) -> None:
    result = run("-f", "nquads", "--closure")
    assert result.exit_code == 0
    assert "no inferred graph" in result.stderr and "--closure adds nothing" in result.stderr
    assert result.stdout_bytes == export(kb, Format.nquads)


@pytest.mark.parametrize("root", [FIXTURE, REPO])
def test_the_streamed_description_counts_what_the_store_counts(root: Path) -> None:
    from positions.output.export_stream import FactCounter, graph_lines

    kb = KnowledgeBase.open(root)
    counter = FactCounter()
    for path in kb.layout.data_files():
        counter.add(graph_lines(kb.store, ox.NamedNode(rdfio_graph(kb, path))))
    assert describe_dataset(kb, facts=counter.facts()) == describe_dataset(kb)


def rdfio_graph(kb: KnowledgeBase, path: Path) -> str:
    return "https://w3id.org/positions/graph/" + kb.relative(path)
