"""The input gate: hostile-input cases 9, 10 and 12 to 18, each with its message and position."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from positions.errors import InputError
from positions.rdf import rdfio
from positions.rdf.rdfio import Limits, load_files, read_rdf
from support import Served

PREFIXES = "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
TRIPLE = "<http://ex.org/s> <http://ex.org/p> "


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


def refused(path: Path, **kwargs: object) -> InputError:
    with pytest.raises(InputError) as caught:
        read_rdf(path, **kwargs)
    return caught.value


@pytest.fixture
def parser_not_called(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if the gate hands the input to pyoxigraph at all."""

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the parser was called")

    monkeypatch.setattr(rdfio.ox, "parse", forbidden)


def test_a_clean_file_passes(tmp_path: Path) -> None:
    path = write(tmp_path, "ok.ttl", PREFIXES + TRIPLE + '"2024-02-29"^^xsd:date, "tab\there" .\n')
    graph = rdfio.graph_iri("data/ok.ttl")
    quads = read_rdf(path, graph)
    assert len(quads) == 2 and all(q.graph_name == graph for q in quads)


# -- case 9: syntax errors ------------------------------------------------------------


def test_unterminated_string_names_file_line_and_column(tmp_path: Path) -> None:
    text = f'{TRIPLE}1 .\n{TRIPLE}2 .\n{TRIPLE}"abc .\n{TRIPLE}3 .\n'
    error = refused(write(tmp_path, "bad.ttl", text))
    assert error.position.line == 3
    assert error.position.column == len(TRIPLE) + 1
    assert str(error).startswith(f"{tmp_path / 'bad.ttl'}:3:{len(TRIPLE) + 1}: ")
    assert '"abc .' in str(error)  # the line is quoted


def test_a_bad_file_merges_nothing(tmp_path: Path) -> None:
    good = write(tmp_path, "good.ttl", TRIPLE + "1 .\n")
    bad = write(tmp_path, "bad.ttl", TRIPLE + '"abc .\n')
    store = ox.Store()
    with pytest.raises(InputError):
        load_files(store, [(good, "data/good.ttl"), (bad, "data/bad.ttl")])
    assert len(store) == 0


# -- case 10: invalid IRIs ----------------------------------------------------------------


@pytest.mark.parametrize(
    "iri", ["<http://ex.org/a b>", "<a{b}>", r"<http://ex.org/a\u0020b>", "<http://ex.org/a|b>"]
)
def test_invalid_iris_are_refused_with_position(tmp_path: Path, iri: str) -> None:
    error = refused(write(tmp_path, "iri.ttl", f"{TRIPLE}1 .\n{iri} <http://ex.org/p> 2 .\n"))
    assert error.position.line == 2
    assert error.position.column == 1
    assert "IRI" in error.problem


def test_bidi_override_in_an_iri_is_refused(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "iri.ttl", "<http://ex.org/a\u202eb> <http://ex.org/p> 1 .\n"))
    assert "U+202E" in error.problem and error.position.line == 1


# -- case 12: deep nesting ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("blank.ttl", TRIPLE + "[ <http://ex.org/p> " * 10_000 + "1" + " ]" * 10_000 + " .\n"),
        ("list.ttl", TRIPLE + "( " * 100_000 + ")" * 100_000 + " .\n"),
        (
            # pyoxigraph's JSON-LD parser overflows the stack (kills the process) near
            # 2,000 levels: this must never reach it.
            "deep.jsonld",
            '{"@id": "http://ex.org/s", "http://ex.org/p": '
            + '{"http://ex.org/p": ' * 10_000
            + "1"
            + "}" * 10_000
            + "}",
        ),
    ],
)
def test_deep_nesting_is_refused_quickly(
    tmp_path: Path, parser_not_called: None, name: str, text: str
) -> None:
    path = write(tmp_path, name, text)
    start = time.perf_counter()
    error = refused(path)
    assert time.perf_counter() - start < 1
    assert "nested deeper than the limit of 64" in error.problem
    assert "Limits.max_nesting" in error.problem
    assert error.position.line == 1 and error.position.column is not None


def test_brackets_inside_strings_iris_and_comments_do_not_count(tmp_path: Path) -> None:
    many = "[" * 200
    text = (
        f"# {many}\n"
        f'{TRIPLE}"{many}", """{many}\n{many}""", \'{many}\' .\n'
        f"<http://ex.org/{many.replace('[', '%5B')}> <http://ex.org/p> 1 .\n"
        f"<http://ex.org/s> <http://ex.org/p> {'[ <http://ex.org/p> ' * 60}1{' ]' * 60} .\n"
    )
    assert len(read_rdf(write(tmp_path, "ok.ttl", text))) == 3 + 1 + 61


def test_nesting_limit_can_be_raised(tmp_path: Path) -> None:
    text = TRIPLE + "[ <http://ex.org/p> " * 100 + "1" + " ]" * 100 + " .\n"
    path = write(tmp_path, "deep.ttl", text)
    refused(path)
    assert len(read_rdf(path, limits=Limits(max_nesting=200))) == 101


# -- case 13: size limit ---------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_before_parsing(
    tmp_path: Path, parser_not_called: None
) -> None:
    literal = "x" * 5_000
    path = write(tmp_path, "big.ttl", f'{TRIPLE}"{literal}" .\n')
    error = refused(path, limits=Limits(max_bytes=1_000))
    assert "over the size limit of 1,000 bytes" in error.problem
    assert "Limits.max_bytes" in error.problem


def test_a_500_mb_file_is_refused_without_reading_it(
    tmp_path: Path, parser_not_called: None
) -> None:
    path = tmp_path / "huge.ttl"
    with path.open("wb") as handle:
        handle.truncate(500 * 1024 * 1024)  # sparse: no disk space used
    start = time.perf_counter()
    error = refused(path)
    assert time.perf_counter() - start < 1
    assert "524,288,000 bytes, over the size limit of 52,428,800 bytes" in error.problem


# -- case 14: ill-typed literals ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("literal", "problem"),
    [
        ('"abc"^^xsd:date', "'abc' is not a valid xsd:date"),
        ('"2024-02-30"^^xsd:date', "'2024-02-30' is not a valid xsd:date: no such day"),
        ('"2022-13-45"^^xsd:date', "'2022-13-45' is not a valid xsd:date: month out of range"),
        ('"maybe"^^xsd:boolean', "'maybe' is not a valid xsd:boolean"),
        ('"2022-01-10T25:00:00Z"^^xsd:dateTime', "not a valid xsd:dateTime: time out of range"),
        ('"22"^^xsd:gYear', "'22' is not a valid xsd:gYear"),
        ('"2022-00"^^xsd:gYearMonth', "not a valid xsd:gYearMonth: month out of range"),
        ('"1.5"^^xsd:integer', "'1.5' is not a valid xsd:integer"),
        ('"-3"^^xsd:nonNegativeInteger', "out of range for xsd:nonNegativeInteger"),
        ('"0"^^xsd:positiveInteger', "out of range for xsd:positiveInteger"),
        ('"1,5"^^xsd:decimal', "'1,5' is not a valid xsd:decimal"),
        ('"one"^^xsd:double', "'one' is not a valid xsd:double"),
    ],
)
def test_ill_typed_literals_are_refused_at_their_line(
    tmp_path: Path, literal: str, problem: str
) -> None:
    text = PREFIXES + f"{TRIPLE}1 .\n\n{TRIPLE}{literal} .\n"
    error = refused(write(tmp_path, "typed.ttl", text))
    assert problem in error.problem
    assert error.position.line == 4
    assert error.position.column == len(TRIPLE) + 2  # the lexical form, after the quote


def test_well_typed_literals_pass(tmp_path: Path) -> None:
    literals = [
        '"2024-02-29"^^xsd:date',
        '"2022-01-10Z"^^xsd:date',
        '"2022-01-10T10:15:00.5+03:00"^^xsd:dateTime',
        '"2022"^^xsd:gYear',
        '"2022-01"^^xsd:gYearMonth',
        '"true"^^xsd:boolean',
        '"1"^^xsd:boolean',
        "-12",
        "1.50",
        "1.0E3",
        '"INF"^^xsd:double',
        '"P1Y2M3DT4H"^^xsd:duration',
        '"7"^^xsd:positiveInteger',
    ]
    text = PREFIXES + TRIPLE + ", ".join(literals) + " .\n"
    assert len(read_rdf(write(tmp_path, "typed.ttl", text))) == len(literals)


# -- case 15: huge numbers ------------------------------------------------------------------------


def test_a_bare_integer_of_5000_digits_is_a_clear_error(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "num.ttl", f"{TRIPLE}1 .\n{TRIPLE}{'9' * 5000} .\n"))
    assert "has 5,000 digits, over the limit of 1,000 (Limits.max_number_digits" in error.problem
    assert (error.position.line, error.position.column) == (2, len(TRIPLE) + 1)
    assert len(str(error)) < 1_000  # the quote is cut, the message stays readable


# -- case 16: control characters -----------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "code"),
    [
        (r'"before\u0000after"', "U+0000"),
        (r'"clear \u001b[2J screen"', "U+001B"),
        ('"raw \x1b[2J escape"', "U+001B"),
        ('"reversed \u202e text"', "U+202E"),
        ('"isolate \u2066 text"', "U+2066"),
        ('"c1 \x85 control"', "U+0085"),
        ('"del \x7f char"', "U+007F"),
    ],
)
def test_control_characters_in_literals_are_refused(
    tmp_path: Path, written: str, code: str
) -> None:
    text = f"{TRIPLE}1 .\n{TRIPLE}{written} .\n"
    error = refused(write(tmp_path, "ctl.ttl", text))
    assert f"control character {code}" in error.problem
    assert error.position.line == 2
    message = str(error)
    for raw in ("\x00", "\x1b", "\u202e", "\u2066", "\x85", "\x7f"):
        assert raw not in message  # escaped when printed


def test_tab_newline_and_return_are_allowed(tmp_path: Path) -> None:
    text = TRIPLE + r'"a\tb\nc\rd", """multi' + '\nline\ttext""" .\n'
    assert len(read_rdf(write(tmp_path, "ok.ttl", text))) == 2


# -- case 17: JSON-LD contexts -------------------------------------------------------------


@pytest.fixture
def context_server(http_server: Callable[..., Served]) -> Served:
    """An HTTP server on 127.0.0.1 that records every request it receives (and answers
    a JSON-LD context)."""
    body = b'{"@context": {"name": "http://schema.org/name"}}'
    return http_server(200, body, {"Content-Type": "application/ld+json"})


@pytest.mark.parametrize(
    "context",
    [
        '"{url}/ctx"',
        '"file:///etc/passwd"',
        '["{url}/ctx", {{"x": "http://ex.org/x"}}]',
        '{{"@import": "{url}/imported"}}',
    ],
)
def test_json_ld_context_documents_are_refused_unfetched(
    tmp_path: Path,
    context_server: Served,
    parser_not_called: None,
    context: str,
) -> None:
    url, requests = context_server
    text = '{\n  "@id": "http://ex.org/s",\n  "@context": ' + context.format(url=url) + "\n}\n"
    error = refused(write(tmp_path, "ctx.jsonld", text))
    assert "names a document to load; only inline contexts are accepted" in error.problem
    assert error.position.line == 3
    time.sleep(0.1)
    assert requests == []


def test_nested_context_documents_are_refused_too(tmp_path: Path, parser_not_called: None) -> None:
    text = '{"@id": "http://ex.org/s",\n "http://ex.org/p": {"@context": "file:///etc/passwd"}}'
    error = refused(write(tmp_path, "ctx.jsonld", text))
    assert "'file:///etc/passwd'" in error.problem and error.position.line == 2


def test_pyoxigraph_alone_does_not_fetch_either(context_server: Served) -> None:
    # Measured on pyoxigraph 0.5.13: without a document loader it refuses remote
    # contexts. The gate does not rely on it; this records the library's behaviour.
    url, requests = context_server
    with pytest.raises(SyntaxError, match="LoadDocumentCallback"):
        list(ox.parse(f'{{"@context": "{url}/c", "@id": "http://x"}}', format=ox.RdfFormat.JSON_LD))
    assert requests == []


def test_inline_json_ld_context_is_accepted(tmp_path: Path) -> None:
    text = '{"@context": {"name": "http://schema.org/name"}, "@id": "http://ex.org/s", "name": "x"}'
    (quad,) = read_rdf(write(tmp_path, "ok.jsonld", text))
    assert quad.predicate == ox.NamedNode("http://schema.org/name")


# -- case 18: RDF/XML declarations ---------------------------------------------------------

RDF_XML = (
    '<?xml version="1.0"?>\n{doctype}'
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
    '  <rdf:Description rdf:about="http://ex.org/s"><rdf:value>{value}</rdf:value>'
    "</rdf:Description>\n</rdf:RDF>\n"
)


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE r [<!ENTITY a SYSTEM "file:///etc/passwd">]>\n',
        "<!DOCTYPE r [\n"
        + "".join(
            f'<!ENTITY e{i} "{("&e" + str(i - 1) + ";") * 10 if i else "lol"}">\n' for i in range(7)
        )
        + "]>\n",
    ],
)
def test_rdf_xml_doctype_is_refused(tmp_path: Path, parser_not_called: None, doctype: str) -> None:
    path = write(tmp_path, "bomb.rdf", RDF_XML.format(doctype=doctype, value="&e6;"))
    start = time.perf_counter()
    error = refused(path)
    assert time.perf_counter() - start < 1
    assert "RDF/XML with a DOCTYPE declaration is refused" in error.problem
    assert (error.position.line, error.position.column) == (2, 1)


def test_plain_rdf_xml_passes(tmp_path: Path) -> None:
    path = write(tmp_path, "ok.rdf", RDF_XML.format(doctype="", value="plain"))
    assert len(read_rdf(path)) == 1


def test_blank_nodes_of_two_files_stay_apart(tmp_path: Path) -> None:
    """The same label `_:b` in two files names two nodes, not one."""
    first = tmp_path / "a.ttl"
    second = tmp_path / "b.ttl"
    first.write_text('_:b <http://example.org/p> "one" .\n', encoding="utf-8")
    second.write_text('_:b <http://example.org/p> "two" .\n', encoding="utf-8")
    quads = rdfio.read_rdf(first) + rdfio.read_rdf(second)
    assert len({q.subject for q in quads}) == 2
