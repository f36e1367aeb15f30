"""The W3C Turtle and N-Triples syntax suites through the project's own gate.

Every test of the two manifests under ``tests/w3c/`` (vendored: see
tests/w3c/README.md) is read with :func:`positions.rdf.rdfio.read_rdf`, the one
function every file passes on its way into a base:

* a positive syntax test loads;
* an evaluation test loads and gives a graph isomorphic to its expected
  N-Triples;
* a negative test (syntax or evaluation) is refused with an ``InputError``
  that names the file and a line.

The gate refuses more than the grammar does, on purpose: literals holding C0/C1
control characters (hostile-input case 16).  The W3C positive tests that hold such
literals are listed in ``REFUSED_BY_POLICY``; for each, the test asserts that
the gate refuses it *for that reason* (and that the parser alone would accept
it), so a change in either direction is noticed.

The suites use relative IRIs, resolved against the URL each test is published
at; the gate refuses relative IRIs unless given an absolute base, so each file
is read with ``base_iri`` set to that URL, never to a local path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest

from positions.errors import InputError
from positions.rdf import rdfio

W3C = Path(__file__).parent / "w3c"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
RDFT = "http://www.w3.org/ns/rdftest#"

SUITES = {
    "turtle": "http://www.w3.org/2013/TurtleTests/",
    "ntriples": "http://www.w3.org/2013/N-TriplesTests/",
}

# Positive W3C tests whose literals hold control characters (U+0000-U+0008,
# U+000C, U+0080 ...): valid Turtle, refused by the gate's policy.
REFUSED_BY_POLICY = {
    "turtle/LITERAL1_all_controls.ttl",
    "turtle/LITERAL1_ascii_boundaries.ttl",
    "turtle/LITERAL1_with_UTF8_boundaries.ttl",
    "turtle/LITERAL2_ascii_boundaries.ttl",
    "turtle/LITERAL2_with_UTF8_boundaries.ttl",
    "turtle/LITERAL_LONG1_ascii_boundaries.ttl",
    "turtle/LITERAL_LONG1_with_UTF8_boundaries.ttl",
    "turtle/LITERAL_LONG2_ascii_boundaries.ttl",
    "turtle/LITERAL_LONG2_with_UTF8_boundaries.ttl",
    "turtle/literal_with_BACKSPACE.ttl",
    "turtle/literal_with_FORM_FEED.ttl",
    "turtle/literal_with_escaped_BACKSPACE.ttl",
    "turtle/literal_with_escaped_FORM_FEED.ttl",
    "ntriples/literal_all_controls.nt",
    "ntriples/literal_ascii_boundaries.nt",
    "ntriples/literal_with_BACKSPACE.nt",
    "ntriples/literal_with_FORM_FEED.nt",
    "ntriples/literal_with_UTF8_boundaries.nt",
}


@dataclass(frozen=True)
class W3CTest:
    suite: str
    name: str
    kind: str  # e.g. TestTurtleEval, TestNTriplesNegativeSyntax
    action: Path
    result: Path | None
    base: str  # the URL the test is published at

    @property
    def key(self) -> str:
        return f"{self.suite}/{self.action.name}"

    @property
    def negative(self) -> bool:
        return "Negative" in self.kind

    def __str__(self) -> str:
        return self.key


def load_manifest(suite: str) -> list[W3CTest]:
    folder = W3C / suite
    base = SUITES[suite]
    store = ox.Store()
    store.load(
        path=str(folder / "manifest.ttl"),
        format=ox.RdfFormat.TURTLE,
        base_iri=base + "manifest.ttl",
    )
    rows = store.query(
        f"""PREFIX mf: <{MF}>
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?test ?name ?type ?action ?result WHERE {{
          ?manifest mf:entries/rdf:rest*/rdf:first ?test .
          ?test a ?type ; mf:name ?name ; mf:action ?action .
          OPTIONAL {{ ?test mf:result ?result }}
        }}"""
    )

    def local(iri: ox.NamedNode) -> Path:
        assert iri.value.startswith(base), iri
        return folder / iri.value[len(base) :]

    tests = []
    for row in rows:
        kind = row["type"].value.removeprefix(RDFT)
        action = local(row["action"])
        result = local(row["result"]) if row["result"] is not None else None
        tests.append(W3CTest(suite, row["name"].value, kind, action, result, row["action"].value))
    return sorted(tests, key=lambda t: t.key)


ALL_TESTS = [test for suite in SUITES for test in load_manifest(suite)]
POSITIVE = [t for t in ALL_TESTS if not t.negative and t.key not in REFUSED_BY_POLICY]
POLICY = [t for t in ALL_TESTS if t.key in REFUSED_BY_POLICY]
NEGATIVE = [t for t in ALL_TESTS if t.negative]


def expected_quads(test: W3CTest) -> list[ox.Quad]:
    """The reference triples of an evaluation test.

    Read leniently: the reference file is not under test, and one of them
    (localName_with_assigned_nfc_PN_CHARS_BASE_character_boundaries.nt) holds
    U+E01EF, which RFC 3987 does not allow in an IRI and pyoxigraph refuses.
    """
    assert test.result is not None
    data = test.result.read_bytes()
    fmt = ox.RdfFormat.N_TRIPLES
    return list(ox.parse(data, format=fmt, base_iri=test.base, lenient=True))


def canonical(quads: list[ox.Quad]) -> set[ox.Quad]:
    """The quads with blank node labels made canonical, for an isomorphism check."""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return set(dataset)


def test_the_manifests_list_the_expected_number_of_tests() -> None:
    """The counts given in the suites' READMEs (a lost manifest entry would shrink them)."""
    counts: dict[str, int] = {}
    for test in ALL_TESTS:
        counts[test.kind] = counts.get(test.kind, 0) + 1
    assert counts == {
        "TestTurtleEval": 132,
        "TestTurtlePositiveSyntax": 77,
        "TestTurtleNegativeSyntax": 78,
        "TestTurtleNegativeEval": 4,
        "TestNTriplesPositiveSyntax": 41,
        "TestNTriplesNegativeSyntax": 27,
    }
    assert all(t.action.is_file() for t in ALL_TESTS)
    assert {t.key for t in POLICY} == REFUSED_BY_POLICY  # no stale entry in the list


@pytest.mark.parametrize("test", POSITIVE, ids=str)
def test_positive_tests_load(test: W3CTest) -> None:
    quads = rdfio.read_rdf(test.action, base_iri=test.base)
    if test.result is not None:  # an evaluation test: compare with the expected triples
        assert canonical(quads) == canonical(expected_quads(test))


@pytest.mark.parametrize("test", POLICY, ids=str)
def test_positive_tests_with_control_characters_are_refused_by_policy(test: W3CTest) -> None:
    with pytest.raises(InputError, match="control character U\\+00[0-9A-F]{2}") as caught:
        rdfio.read_rdf(test.action, base_iri=test.base)
    assert caught.value.position.path == test.action
    # The grammar allows them: it is the gate's own rule, not a parser failure.
    data = test.action.read_bytes()
    assert list(ox.parse(data, format=rdfio.format_for(test.action), base_iri=test.base))


@pytest.mark.parametrize("test", NEGATIVE, ids=str)
def test_negative_tests_are_refused_with_a_position(test: W3CTest) -> None:
    with pytest.raises(InputError) as caught:
        rdfio.read_rdf(test.action, base_iri=test.base)
    position = caught.value.position
    assert position.path == test.action
    assert position.line is not None and position.line >= 1
    assert str(caught.value).startswith(f"{test.action}:{position.line}")


def test_counts(capsys: pytest.CaptureFixture[str]) -> None:
    """Print the figures for the record (pytest -s, or the captured output on failure)."""
    loaded = refused = 0
    for test in POSITIVE:
        rdfio.read_rdf(test.action, base_iri=test.base)
        loaded += 1
    for test in NEGATIVE:
        try:
            rdfio.read_rdf(test.action, base_iri=test.base)
        except InputError as error:
            refused += error.position.line is not None
    positives = len(POSITIVE) + len(POLICY)
    with capsys.disabled():
        print(
            f"\nW3C Turtle + N-Triples: {loaded} of {positives} positive tests loaded "
            f"({len(POLICY)} refused by the control-character policy); "
            f"{refused} of {len(NEGATIVE)} negative tests refused with a line"
        )
    assert (loaded, refused) == (len(POSITIVE), len(NEGATIVE))


def test_relative_iris_are_refused_without_a_base(tmp_path: Path) -> None:
    """The default is unchanged: no base, so a relative IRI is an error, not a local path."""
    path = tmp_path / "relative.ttl"
    path.write_text("<a> <b> <c> .\n")
    with pytest.raises(InputError, match="line|IRI") as caught:
        rdfio.read_rdf(path)
    assert caught.value.position.line == 1
    quads = rdfio.read_rdf(path, base_iri="http://example.org/t/")
    assert quads[0].subject == ox.NamedNode("http://example.org/t/a")
