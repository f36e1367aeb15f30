"""The deterministic Turtle writer: round trips, stable bytes, blank nodes, escaping."""

from __future__ import annotations

import random
import time

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from positions.rdf.turtle import blank_node_labels, escape_string, serialize_trig, serialize_turtle

SAMPLE = r"""
@prefix kb: <https://w3id.org/positions/id/> .
@prefix pos: <https://w3id.org/positions/vocab#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix wd: <http://www.wikidata.org/entity/> .

kb:statement-1 a pos:Statement, pos:Response ;
    pos:speaker kb:ryabkov ;
    pos:quote "We need \"ironclad\" guarantees.\nSecond line\twith tab"@en ;
    pos:date "2022-01-10"^^xsd:date ;
    pos:count 3, "04"^^xsd:integer, 2.50, 1.0E3, false ;
    pos:weird "x\u0000y\u001b[2J\u202Ez\u0085\u2028" ;
    pos:odd <http://example.org/a(b)> , <http://example.org/x/> ;
    pos:interval [ pos:start "2022-01-01"^^xsd:date ; pos:end [ pos:bound "open" ] ],
                 [ pos:start "2021-12-17"^^xsd:date ] ;
    pos:shared _:shared .
kb:statement-2 pos:shared _:shared ; pos:empty [] .
_:shared pos:label "shared node" .
_:ring1 pos:next _:ring2 . _:ring2 pos:next _:ring3 . _:ring3 pos:next _:ring1 .
[] pos:topLevel "anonymous subject" .
kb:russia owl:sameAs wd:Q159 ; pos:name "Россия"@ru, "Russia"@en .
kb:local.name-x_1 pos:p <https://w3id.org/positions/id/ends.with.dot.> .
"""


def parse(text: str) -> list[ox.Quad]:
    return list(ox.parse(text, format=ox.RdfFormat.TURTLE))


def rdflib_graph(text: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=text, format="turtle")


def test_round_trip_through_pyoxigraph_and_rdflib() -> None:
    written = serialize_turtle(parse(SAMPLE))
    assert isomorphic(rdflib_graph(written), rdflib_graph(SAMPLE))
    back = ox.Dataset(parse(written))
    original = ox.Dataset(parse(SAMPLE))
    back.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    original.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    assert back == original


def test_twice_gives_identical_bytes() -> None:
    quads = parse(SAMPLE)
    assert serialize_turtle(quads).encode() == serialize_turtle(quads).encode()


def test_input_order_does_not_matter() -> None:
    quads = parse(SAMPLE)
    expected = serialize_turtle(quads)
    rng = random.Random(7)
    for _ in range(5):
        rng.shuffle(quads)
        assert serialize_turtle(quads) == expected


def test_blank_node_labels_do_not_depend_on_the_parser() -> None:
    # pyoxigraph gives fresh random labels on each parse; relabel the source too.
    first = serialize_turtle(ox.parse(SAMPLE, format=ox.RdfFormat.TURTLE, rename_blank_nodes=True))
    second = serialize_turtle(ox.parse(SAMPLE, format=ox.RdfFormat.TURTLE, rename_blank_nodes=True))
    relabelled = SAMPLE.replace("_:ring", "_:zz").replace("_:shared", "_:aaa")
    assert first == second == serialize_turtle(parse(relabelled))


def test_symmetric_blank_nodes_are_written_the_same_whatever_their_labels() -> None:
    ring = "".join(f"_:n{i} <http://ex.org/next> _:n{(i + 1) % 6} .\n" for i in range(6))
    reversed_ring = "".join(
        f"_:m{5 - i} <http://ex.org/next> _:m{(4 - i) % 6} .\n" for i in range(6)
    )
    assert serialize_turtle(parse(ring)) == serialize_turtle(parse(reversed_ring))


def test_layout() -> None:
    written = serialize_turtle(parse(SAMPLE), header="positions test\nsecond line")
    lines = written.splitlines()
    assert lines[:3] == ["# positions test", "# second line", ""]
    prefixes = [line for line in lines if line.startswith("@prefix")]
    assert prefixes == sorted(prefixes)
    assert "@prefix dcat:" not in written  # only prefixes in use
    assert "kb:statement-1 a pos:Response,\n        pos:Statement ;\n    pos:count " in written
    assert (
        "    pos:count 04,\n        1.0E3,\n        2.50,\n        3,\n        false ;" in written
    )
    assert '"2022-01-10"^^xsd:date' in written
    assert "kb:ends.with.dot. " not in written  # not a safe local name
    assert "<https://w3id.org/positions/id/ends.with.dot.>" in written
    assert "<http://example.org/a(b)>" in written
    assert "pos:empty [] " in written
    assert written.endswith(" .\n") and not written.endswith("\n\n")
    named = [line.split(" ")[0] for line in lines if line.startswith("kb:")]
    assert named == sorted(named)


def test_escaping_keeps_odd_characters_out_of_the_file() -> None:
    written = serialize_turtle(parse(SAMPLE))
    for char in ("\x00", "\x1b", "\u202e", "\x85", "\u2028"):
        assert char not in written
    assert r'"x\u0000y\u001B[2J\u202Ez\u0085\u2028"' in written
    assert escape_string('a"b\\c\n\r\t') == 'a\\"b\\\\c\\n\\r\\t'
    assert "Россия" in written  # ordinary non-ASCII stays readable


def test_every_control_character_round_trips() -> None:
    value = "".join(chr(c) for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]) + "\u2066"
    quads = [
        ox.Triple(
            ox.NamedNode("http://ex.org/s"), ox.NamedNode("http://ex.org/p"), ox.Literal(value)
        )
    ]
    written = serialize_turtle(quads)
    assert written.isascii()
    (back,) = parse(written)
    assert back.object.value == value


@pytest.mark.filterwarnings("ignore:Parsing weird boolean")
def test_non_canonical_numbers_keep_their_form() -> None:
    doc = (
        '<http://ex.org/s> <http://ex.org/p> "1e3"^^<http://www.w3.org/2001/XMLSchema#integer>, '
        '" 7"^^<http://www.w3.org/2001/XMLSchema#decimal>, '
        '"yes"^^<http://www.w3.org/2001/XMLSchema#boolean> .'
    )
    written = serialize_turtle(parse(doc))
    assert '"1e3"^^xsd:integer' in written
    assert '" 7"^^xsd:decimal' in written
    assert '"yes"^^xsd:boolean' in written
    assert isomorphic(rdflib_graph(written), rdflib_graph(doc))


@pytest.mark.parametrize("shape", ["nested", "flat"])
def test_chain_of_a_thousand_blank_nodes(shape: str) -> None:
    n = 1000
    if shape == "nested":
        doc = (
            "<http://ex.org/s> <http://ex.org/p> "
            + "[ <http://ex.org/p> " * n
            + "1"
            + " ]" * n
            + " ."
        )
    else:
        doc = "".join(f"_:b{i} <http://ex.org/p> _:b{i + 1} .\n" for i in range(n))
    start = time.perf_counter()
    written = serialize_turtle(parse(doc))
    assert time.perf_counter() - start < 5
    assert len(parse(written)) == len(parse(doc))
    assert max(len(line) - len(line.lstrip()) for line in written.splitlines()) <= 4 * 10
    assert serialize_turtle(parse(written)) == written


def test_empty_input() -> None:
    assert serialize_turtle([]) == ""
    assert serialize_turtle([], header="empty") == "# empty\n"


def test_trig_keeps_graphs_apart_and_blank_nodes_distinct() -> None:
    same = parse('[] <http://ex.org/p> "x" .')
    graphs = [
        (None, parse('<http://ex.org/d> <http://ex.org/p> "default" .')),
        (ox.NamedNode("http://ex.org/g1"), same),
        (ox.NamedNode("http://ex.org/g2"), parse('[] <http://ex.org/p> "x" .')),
    ]
    written = serialize_trig(graphs, header="trig")
    assert written.startswith("# trig\n\n<http://ex.org/d>")
    assert "<http://ex.org/g1> {\n    _:b" in written
    back = list(ox.parse(written, format=ox.RdfFormat.TRIG))
    assert len(back) == 3
    assert len({q.subject for q in back if isinstance(q.subject, ox.BlankNode)}) == 2
    assert serialize_trig(graphs, header="trig") == written


def test_blank_node_labels_name_every_node_from_content() -> None:
    labels = blank_node_labels(parse(SAMPLE))
    again = blank_node_labels(parse(SAMPLE))
    assert len(set(labels.values())) == len(labels)
    assert sorted(labels.values()) == sorted(again.values())
    twins = parse(
        "<http://ex.org/s> <http://ex.org/p> [ <http://ex.org/q> 1 ], [ <http://ex.org/q> 1 ] ."
    )
    assert len(set(blank_node_labels(twins).values())) == 2


def test_additions_merged_into_old_blocks_give_the_whole_text() -> None:
    """serialize_with_additions == serialize_turtle, for plain additions and the rest."""
    import random

    from positions.rdf.turtle import serialize_turtle, serialize_with_additions
    from support import REPO

    triples = [q.triple for q in ox.parse(path=str(REPO / "data" / "statements.ttl"))]
    triples += [q.triple for q in ox.parse(path=str(REPO / "data" / "sources.ttl"))]
    subjects = sorted({t.subject for t in triples if isinstance(t.subject, ox.NamedNode)}, key=str)
    rng = random.Random(7)
    for _ in range(20):
        chosen = set(rng.sample(subjects, rng.randint(1, 6)))
        # a new subject brings its evidence (inline blank nodes) along
        owned = {t.object for t in triples if t.subject in chosen}
        new = [t for t in triples if t.subject in chosen or t.subject in owned]
        old = [t for t in triples if t not in new]
        assert serialize_with_additions(old, new) == (
            serialize_turtle(old),
            serialize_turtle(old + new),
        )
    # not plain: an existing subject extended, a labelled blank node
    extended = [ox.Triple(subjects[0], ox.NamedNode("https://example.org/p"), ox.Literal("x"))]
    shared = ox.BlankNode()
    labelled = [
        ox.Triple(subjects[1], ox.NamedNode("https://example.org/p"), shared),
        ox.Triple(subjects[2], ox.NamedNode("https://example.org/p"), shared),
        ox.Triple(shared, ox.NamedNode("https://example.org/q"), ox.Literal("y")),
    ]
    for new in (extended, labelled):
        assert serialize_with_additions(triples, new) == (
            serialize_turtle(triples),
            serialize_turtle(triples + new),
        )
