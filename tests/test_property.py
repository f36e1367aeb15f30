"""Property-based tests (Hypothesis) through the commands a user runs (issue 6, point 5).

* Random bases in the model's own shape (parties, people with memberships,
  statements whose evidence quotes odd Unicode, sources, dates) are written with
  the project's Turtle writer, exported by ``positions export`` and parsed back
  with pyoxigraph: the graph comes back isomorphic.
* Random statements go through ``positions add`` into a copy of the bundled
  base and come back from a query word for word.
* Random bytes and mutated copies of a real data file given to ``positions
  validate FILE`` and ``positions add FILE`` end with exit code 0, 1 or 2, never
  an uncaught exception or a traceback, and a refused add leaves ``data/``
  byte-identical.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib.compare import isomorphic

from positions import KnowledgeBase
from positions.rdf.turtle import serialize_turtle
from support import REPO, cli, copy_bundled, tree_digest

KB = "https://w3id.org/positions/id/"
POS = "https://w3id.org/positions/vocab#"
ORG = "http://www.w3.org/ns/org#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")

SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "derandomize": False,
}

# -- strategies -------------------------------------------------------------------------------

# Odd but legitimate text: combining marks, right-to-left scripts, emoji with
# modifiers, quotes, backslashes, Turtle's own delimiters, tabs and new lines.
# Not C0/C1 controls or bidi overrides: the gate refuses those, rightly.
ODD = [
    "e\u0301",
    "\u0647\u0644\u0627",  # Arabic
    "\u05e9\u05dc\u05d5\u05dd",  # Hebrew
    "\U0001f44d\U0001f3fd",
    "\U0001f1fa\U0001f1e6",
    '"',
    "'",
    '"""',
    "\\",
    "\\u0041",
    "\t",
    "\n",
    "\r\n",
    "@en",
    "^^",
    "<a>",
    "#",
    " .",
    "\u00a0",
    "\u200b",
    "\ufeff",
    "\U00010000",
]
FORBIDDEN = set(range(0x00, 0x20)) - {0x09, 0x0A, 0x0D} | set(range(0x7F, 0xA0))
FORBIDDEN |= set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))
plain_chars = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters="".join(chr(c) for c in FORBIDDEN),
)
odd_text = st.lists(st.one_of(st.sampled_from(ODD), st.text(plain_chars, max_size=6)), max_size=8)
texts = odd_text.map("".join)
nonempty_texts = texts.filter(lambda t: t.strip() != "")
dates = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))


def iri(kind: str, n: int) -> ox.NamedNode:
    return ox.NamedNode(f"{KB}{kind}-{n}")


def pos(name: str) -> ox.NamedNode:
    return ox.NamedNode(POS + name)


def org(name: str) -> ox.NamedNode:
    return ox.NamedNode(ORG + name)


def lit(value: str, language: str | None = None) -> ox.Literal:
    return ox.Literal(value, language=language) if language else ox.Literal(value)


@st.composite
def model_graphs(draw: st.DrawFn) -> list[ox.Triple]:
    """A small base in the model's shape."""
    triples: list[ox.Triple] = []
    add = triples.append
    n_parties = draw(st.integers(1, 3))
    n_people = draw(st.integers(0, 3))
    n_sources = draw(st.integers(1, 2))
    for p in range(n_parties):
        add(ox.Triple(iri("party", p), RDF_TYPE, pos("State")))
        add(ox.Triple(iri("party", p), LABEL, lit(draw(nonempty_texts), "en")))
    for s in range(n_sources):
        add(ox.Triple(iri("source", s), RDF_TYPE, pos("Source")))
        add(ox.Triple(iri("source", s), LABEL, lit(draw(nonempty_texts), "en")))
        published = ox.Literal(draw(dates).isoformat(), datatype=XSD_DATE)
        add(ox.Triple(iri("source", s), pos("publishedOn"), published))
    for h in range(n_people):
        person = iri("person", h)
        add(ox.Triple(person, RDF_TYPE, pos("Person")))
        add(
            ox.Triple(person, LABEL, lit(draw(nonempty_texts), draw(st.sampled_from(["en", "ru"]))))
        )
        if draw(st.booleans()):
            membership = iri("membership", h)
            add(ox.Triple(membership, RDF_TYPE, org("Membership")))
            add(ox.Triple(membership, org("member"), person))
            party = iri("party", draw(st.integers(0, n_parties - 1)))
            add(ox.Triple(membership, org("organization"), party))
            add(ox.Triple(membership, org("role"), iri("role", h)))
    for k in range(draw(st.integers(0, 4))):
        statement = iri("stmt", k)
        add(ox.Triple(statement, RDF_TYPE, pos("Statement")))
        add(ox.Triple(statement, LABEL, lit(draw(nonempty_texts), "en")))
        party = iri("party", draw(st.integers(0, n_parties - 1)))
        add(ox.Triple(statement, pos("onBehalfOf"), party))
        if n_people:
            add(
                ox.Triple(
                    statement, pos("speaker"), iri("person", draw(st.integers(0, n_people - 1)))
                )
            )
        if draw(st.booleans()):
            when = ox.Literal(draw(dates).isoformat(), datatype=XSD_DATE)
            add(ox.Triple(statement, pos("date"), when))
        for _ in range(draw(st.integers(1, 2))):  # evidence: blank nodes, some with equal text
            evidence = ox.BlankNode()
            add(ox.Triple(statement, pos("evidence"), evidence))
            kind = draw(st.sampled_from(["quote", "paraphrase"]))
            add(ox.Triple(evidence, pos(kind), lit(draw(texts))))
            source = iri("source", draw(st.integers(0, n_sources - 1)))
            add(ox.Triple(evidence, pos("source"), source))
    return triples


def to_rdflib(triples: list[ox.Triple] | list[ox.Quad]) -> rdflib.Graph:
    """An rdflib graph of the same triples, through N-Triples (no literal normalisation)."""
    data = ox.serialize([ox.Triple(t.subject, t.predicate, t.object) for t in triples],
                        format=ox.RdfFormat.N_TRIPLES)  # fmt: skip
    return rdflib.Graph().parse(data=data.decode("utf-8"), format="nt")


# -- 1: export, parse, isomorphic --------------------------------------------------------------

EXPORT_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


def tiny_base(root: Path, data: str) -> Path:
    for part in ("ontology", "data", "queries"):
        (root / part).mkdir(parents=True)
    (root / "ontology" / "empty.ttl").write_text("")
    (root / "data" / "generated.ttl").write_text(data, encoding="utf-8")
    return root


@settings(max_examples=60, **SETTINGS)
@given(graph=model_graphs(), fmt=st.sampled_from(sorted(EXPORT_FORMATS)))
def test_model_graphs_survive_turtle_export_and_parse(graph: list[ox.Triple], fmt: str) -> None:
    text = serialize_turtle(graph)
    with tempfile.TemporaryDirectory() as folder:
        base = tiny_base(Path(folder), text)
        result = cli("--kb", str(base), "export", "-f", fmt, "--no-ontology", "--no-description")
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert result.exit_code == 0, result.stderr
        parsed = list(ox.parse(result.stdout_bytes, format=EXPORT_FORMATS[fmt]))
    assert isomorphic(to_rdflib(parsed), to_rdflib(graph))


# -- 2: add, then read back --------------------------------------------------------------------

STATEMENT = """\
@prefix kb: <https://w3id.org/positions/id/> .
@prefix pos: <https://w3id.org/positions/vocab#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix stance: <https://w3id.org/positions/vocab/stance/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

kb:stmt-property-test a pos:Statement ;
    rdfs:label {label}@en ;
    pos:speaker kb:vladimir-putin ;
    pos:inRole kb:putin-president ;
    pos:onBehalfOf kb:russia ;
    pos:notAfter "{date}"^^xsd:date ;
    pos:stance stance:insists ;
    pos:target kb:demand-legal-guarantees ;
    pos:evidence [ pos:source kb:source-property-test ; pos:quote {quote} ] .

# A source without a text in the base: any words may be quoted from it (a source
# with a text, such as kb:source-003, takes only its own words: checking/texts.py).
kb:source-property-test a pos:Source ;
    rdfs:label "A source of the property test"@en ;
    pos:genre <https://w3id.org/positions/vocab/genre/news-report> .
"""


def turtle_string(value: str) -> str:
    return ox.Literal(value).__str__()  # N-Triples form: escaped, always valid Turtle


@settings(max_examples=6, **SETTINGS)  # each copies the base and validates it
@given(
    label=nonempty_texts.filter(lambda t: t == t.strip()),
    quote=nonempty_texts,
    # not before the demand it targets: the drafts of 15 December 2021
    when=st.dates(min_value=date(2021, 12, 15), max_value=date(2022, 1, 31)),
)
def test_statements_added_come_back_word_for_word(label: str, quote: str, when: date) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = copy_bundled(Path(folder) / "kb")
        new = Path(folder) / "new.ttl"
        new.write_text(
            STATEMENT.replace("{label}", turtle_string(label))
            .replace("{quote}", turtle_string(quote))
            .replace("{date}", when.isoformat()),
            encoding="utf-8",
        )
        result = cli("--kb", str(base), "add", str(new))
        assert result.exception is None or isinstance(result.exception, SystemExit)
        output = result.stdout + result.stderr
        # A label or quote with trailing white space may be refused by the shapes (exit 1);
        # anything else must land.
        assert result.exit_code in (0, 1), output
        if result.exit_code == 1:
            assert "white space" in output or "whitespace" in output, output
            return
        rows = (
            KnowledgeBase.open(base)
            .query(
                "SELECT ?label ?quote ?date WHERE { kb:stmt-property-test rdfs:label ?label ; "
                "pos:notAfter ?date ; pos:evidence/pos:quote ?quote }"
            )
            .to_dicts()
        )
    assert rows == [{"label": label, "quote": quote, "date": when}]


# -- 3: hostile bytes never crash and never change data/ ---------------------------------------

SAMPLE = (REPO / "data" / "parties.ttl").read_bytes()


@st.composite
def mutated_turtle(draw: st.DrawFn) -> bytes:
    data = bytearray(SAMPLE)
    for _ in range(draw(st.integers(1, 6))):
        where = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "insert", "delete", "splice"]))
        if action == "flip" and where < len(data):
            data[where] ^= 1 << draw(st.integers(0, 7))
        elif action == "insert":
            data[where:where] = draw(st.binary(min_size=1, max_size=4))
        elif action == "delete":
            del data[where : where + draw(st.integers(1, 40))]
        else:
            token = draw(st.sampled_from([b"[", b"(", b'"', b"<", b">", b"\\", b"\x00", b"\xff"]))
            data[where:where] = token * draw(st.integers(1, 200))
    return bytes(data)


inputs = st.one_of(st.binary(max_size=3000), mutated_turtle())


class HostileBase:
    """One writable copy of the bundled base, restored whenever an add changes it."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="positions-property-"))
        self.root = self.folder / "kb"
        self.restore()

    def restore(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        copy_bundled(self.root)
        self.digest = tree_digest(self.root / "data")


_BASE: HostileBase | None = None


@pytest.fixture(scope="module", autouse=True)
def _remove_the_hostile_base() -> Iterator[None]:
    """The copy that hostile_base() made is removed after the last test of this file."""
    yield
    if _BASE is not None:
        shutil.rmtree(_BASE.folder, ignore_errors=True)


def hostile_base() -> HostileBase:
    global _BASE
    if _BASE is None:
        _BASE = HostileBase()
    return _BASE


def run_on(base: HostileBase, command: str, data: bytes, suffix: str) -> tuple[int, str]:
    path = base.folder / f"input{suffix}"
    path.write_bytes(data)
    result = cli("--kb", str(base.root), command, str(path))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught exception: {result.exception!r}") from result.exception
    output = result.stdout + result.stderr
    assert result.exit_code in (0, 1, 2), output
    assert "Traceback" not in output
    return result.exit_code, output


@settings(max_examples=40, **SETTINGS)  # a file that parses costs a full SHACL run
@given(data=inputs, suffix=st.sampled_from([".ttl", ".ttl", ".nt", ".jsonld", ".rdf"]))
def test_validate_never_crashes_on_hostile_bytes(data: bytes, suffix: str) -> None:
    base = hostile_base()
    run_on(base, "validate", data, suffix)
    assert tree_digest(base.root / "data") == base.digest


@settings(max_examples=80, **SETTINGS)
@given(data=inputs, suffix=st.sampled_from([".ttl", ".ttl", ".nt", ".jsonld", ".rdf"]))
def test_add_never_crashes_and_a_refusal_changes_nothing(data: bytes, suffix: str) -> None:
    base = hostile_base()
    code, output = run_on(base, "add", data, suffix)
    if code != 0 or tree_digest(base.root / "data") == base.digest:
        assert tree_digest(base.root / "data") == base.digest, output
        return
    # A mutation that is still valid, with new facts, may land: every file still parses.
    for path in (base.root / "data").glob("*.ttl"):
        list(ox.parse(path.read_bytes(), format=ox.RdfFormat.TURTLE))
    base.restore()
