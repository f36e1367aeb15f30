"""Every output format, checked by reading it back."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from positions import KnowledgeBase
from positions.output.render import (
    FormatMismatch,
    OutputFormat,
    default_format,
    escape_controls,
    render,
    tsv_term,
)
from positions.sparql.engine import QueryResult

MINIBASE = Path(__file__).parent / "fixtures" / "minibase"
XSD = "http://www.w3.org/2001/XMLSchema#"
EX = "http://example.org/"


def lit(value: str, datatype: str | None = None, language: str | None = None) -> ox.Literal:
    if language:
        return ox.Literal(value, language=language)
    if datatype:
        return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))
    return ox.Literal(value)


@pytest.fixture
def result() -> QueryResult:
    """Rows with every kind of term, an unbound value and awkward text."""
    return QueryResult(
        kind="select",
        variables=["s", "v"],
        rows=[
            {"s": ox.NamedNode(EX + "a"), "v": lit('plain, with "quotes" and a | pipe')},
            {"s": ox.NamedNode(EX + "b"), "v": lit("2022-01-10", "date")},
            {"s": ox.BlankNode("b0"), "v": lit("Россия", language="ru")},
            {"s": ox.NamedNode(EX + "c"), "v": None},
            {"s": ox.NamedNode(EX + "d"), "v": lit("two\nlines\tand a tab")},
            {"s": ox.NamedNode(EX + "e"), "v": lit("42", "integer")},
        ],
        prefixes={"ex": EX},
    )


def test_csv_parses_back(result: QueryResult) -> None:
    text = render(result, OutputFormat.csv)
    assert "\r\n" in text  # SPARQL 1.1 CSV: CRLF line ends
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["s", "v"]
    assert rows[1] == [EX + "a", 'plain, with "quotes" and a | pipe']
    assert rows[2] == [EX + "b", "2022-01-10"]
    assert rows[3] == ["_:b0", "Россия"]
    assert rows[4] == [EX + "c", ""]
    assert rows[5] == [EX + "d", "two\nlines\tand a tab"]


def test_tsv_parses_back_as_terms(result: QueryResult) -> None:
    text = render(result, OutputFormat.tsv)
    lines = text.split("\n")
    assert lines[0] == "?s\t?v"
    assert lines[-1] == "" and len(lines) == 8  # header, six rows, final newline
    cells = [line.split("\t") for line in lines[1:-1]]
    assert all(len(row) == 2 for row in cells)  # tabs and newlines inside values are escaped
    assert cells[0][0] == f"<{EX}a>"
    assert cells[1][1] == f'"2022-01-10"^^<{XSD}date>'
    assert cells[2] == ["_:b0", '"Россия"@ru']
    assert cells[3] == [f"<{EX}c>", ""]
    assert cells[4][1] == '"two\\nlines\\tand a tab"'
    # Each cell is a term pyoxigraph itself reads back as the original.
    parsed = ox.parse(f"<{EX}x> <{EX}p> {cells[1][1]} .", format=ox.RdfFormat.N_TRIPLES)
    assert next(iter(parsed)).object == lit("2022-01-10", "date")


def test_json_follows_sparql_results_json(result: QueryResult) -> None:
    text = render(result, OutputFormat.json)
    document = json.loads(text)
    assert document["head"] == {"vars": ["s", "v"]}
    bindings = document["results"]["bindings"]
    assert bindings[0] == {
        "s": {"type": "uri", "value": EX + "a"},
        "v": {"type": "literal", "value": 'plain, with "quotes" and a | pipe'},
    }
    assert bindings[1]["v"] == {"type": "literal", "value": "2022-01-10", "datatype": XSD + "date"}
    assert bindings[2] == {
        "s": {"type": "bnode", "value": "b0"},
        "v": {"type": "literal", "value": "Россия", "xml:lang": "ru"},
    }
    assert bindings[3] == {"s": {"type": "uri", "value": EX + "c"}}  # unbound: left out
    # pyoxigraph's own SPARQL JSON reader accepts it and gets the same terms back.
    solutions = list(ox.parse_query_results(text, format=ox.QueryResultsFormat.JSON))
    assert [s["v"] for s in solutions] == [row["v"] for row in result.rows]


def test_json_of_a_real_query_matches_pyoxigraph() -> None:
    kb = KnowledgeBase.open(MINIBASE)
    text = "SELECT ?s ?d WHERE { ?s <http://example.org/vocab#on> ?d } ORDER BY ?s"
    mine = json.loads(render(kb.query(text), OutputFormat.json))
    theirs = json.loads(
        kb.store.query(text, use_default_graph_as_union=True).serialize(
            format=ox.QueryResultsFormat.JSON
        )
    )
    assert mine == theirs


def test_markdown_escapes_pipes_and_newlines(result: QueryResult) -> None:
    lines = render(result, OutputFormat.md).splitlines()
    assert lines[0] == "| s | v |"
    assert lines[1] == "| --- | --- |"
    assert lines[2] == '| ex:a | plain, with "quotes" and a \\| pipe |'
    assert lines[5] == "| ex:c |  |"
    assert lines[6] == "| ex:d | two<br>lines\tand a tab |"
    assert all(line.count(" | ") == 1 for line in lines)  # no cell splits in two


def test_table_compacts_iris_and_wraps(result: QueryResult) -> None:
    text = render(result, OutputFormat.table, width=40)
    assert "ex:a" in text and EX + "a" not in text
    assert "Россия @ru" in text
    assert text.rstrip().endswith("6 rows")
    assert max(len(line) for line in text.splitlines()) <= 40


def test_table_with_labels_from_the_store() -> None:
    kb = KnowledgeBase.open(MINIBASE)
    result = kb.query("SELECT ?p WHERE { ?p a <http://example.org/vocab#Party> } ORDER BY ?p")
    text = render(result, OutputFormat.table, store=kb.store)
    assert "NATO (<http://example.org/id/nato>)" in text
    assert "United States (<http://example.org/id/usa>)" in text


def test_table_does_not_read_markup() -> None:
    result = QueryResult(kind="select", variables=["v"], rows=[{"v": lit("[bold]x[/bold]")}])
    assert "[bold]x[/bold]" in render(result, OutputFormat.table)


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\u202e", "\u2066", "\x07"])
def test_control_characters_are_escaped_on_a_terminal(char: str) -> None:
    value = f"before{char}[2Jafter"
    result = QueryResult(kind="select", variables=["v"], rows=[{"v": lit(value)}])
    for fmt in OutputFormat:
        if fmt in (OutputFormat.turtle, OutputFormat.ntriples, OutputFormat.jsonld):
            continue
        text = render(result, fmt, terminal=True)
        assert char not in text, fmt
    # Piped CSV keeps the data as it is: it is data, not a screen.
    assert char in render(result, OutputFormat.csv, terminal=False)


def test_escape_controls_keeps_ordinary_text() -> None:
    assert escape_controls("Россия\tand\nlines") == "Россия\tand\nlines"
    assert escape_controls("a\x1b[2Jb\u202ec") == "a\\x1b[2Jb\\u202ec"


def test_ask_formats() -> None:
    yes = QueryResult(kind="ask", boolean=True)
    no = QueryResult(kind="ask", boolean=False)
    assert render(yes, OutputFormat.table) == "true\n"
    assert render(no, OutputFormat.csv) == "false\n"
    assert json.loads(render(no, OutputFormat.json)) == {"head": {}, "boolean": False}


def graph_result() -> QueryResult:
    p = ox.NamedNode(EX + "p")
    triples = [
        ox.Triple(ox.NamedNode(EX + "b"), p, lit("x")),
        ox.Triple(ox.NamedNode(EX + "a"), p, lit("2022-01-10", "date")),
        ox.Triple(ox.NamedNode(EX + "a"), p, lit("Россия", language="ru")),
    ]
    return QueryResult(kind="construct", triples=triples, prefixes={"ex": EX, "xsd": XSD})


def test_turtle_is_sorted_and_parses_back() -> None:
    result = graph_result()
    text = render(result, OutputFormat.turtle)
    assert "@prefix ex: <http://example.org/> .\n" in text
    assert text.index("ex:a") < text.index("ex:b")
    reversed_result = graph_result()
    reversed_result.triples.reverse()
    assert render(reversed_result, OutputFormat.turtle) == text  # same triples, same text
    parsed = set(ox.parse(text, format=ox.RdfFormat.TURTLE))
    assert {(q.subject, q.predicate, q.object) for q in parsed} == {
        (t.subject, t.predicate, t.object) for t in result.triples
    }


def test_ntriples_sorted_lines() -> None:
    text = render(graph_result(), OutputFormat.ntriples)
    lines = text.splitlines()
    assert lines == sorted(lines) and len(lines) == 3
    assert len(list(ox.parse(text, format=ox.RdfFormat.N_TRIPLES))) == 3


def test_jsonld_parses_back() -> None:
    text = render(graph_result(), OutputFormat.jsonld)
    json.loads(text)
    assert len(list(ox.parse(text, format=ox.RdfFormat.JSON_LD))) == 3


def test_graph_and_row_formats_do_not_mix(result: QueryResult) -> None:
    with pytest.raises(FormatMismatch, match="gives a graph"):
        render(graph_result(), OutputFormat.csv)
    with pytest.raises(FormatMismatch, match="gives rows"):
        render(result, OutputFormat.turtle)


def test_default_formats() -> None:
    assert default_format("select", terminal=True) is OutputFormat.table
    assert default_format("select", terminal=False) is OutputFormat.csv
    assert default_format("construct", terminal=True) is OutputFormat.turtle
    assert default_format("describe", terminal=False) is OutputFormat.turtle


# --- TSV: the bytes pyoxigraph's own writer gives (output.oxigraph_results writes with it) ---

_LEXICAL = st.text(alphabet='0123456789+-.eEtruefalsNIF \t\n\r"\\é\u2028\x01', max_size=8)
_DATATYPES = st.sampled_from(
    [f"http://www.w3.org/2001/XMLSchema#{name}" for name in
     ("integer", "decimal", "double", "boolean", "string", "date", "float", "int")]
    + ["http://example.org/type"]
)  # fmt: skip
_TERMS = st.one_of(
    st.builds(lambda v, d: ox.Literal(v, datatype=ox.NamedNode(d)), _LEXICAL, _DATATYPES),
    st.builds(
        lambda v, lang: ox.Literal(v, language=lang), _LEXICAL, st.sampled_from(["en", "de-ch"])
    ),
    st.sampled_from([ox.NamedNode("http://example.org/a"), ox.BlankNode("b1")]),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_TERMS, min_size=1, max_size=6))
def test_tsv_terms_are_written_as_pyoxigraph_writes_them(terms: list) -> None:
    store = ox.Store()
    subject = ox.NamedNode("http://example.org/s")
    for number, term in enumerate(terms):
        store.add(ox.Quad(subject, ox.NamedNode(f"http://example.org/p{number}"), term))
    query = "SELECT ?p ?o WHERE { ?s ?p ?o } ORDER BY ?p"
    out = io.BytesIO()
    store.query(query).serialize(out, ox.QueryResultsFormat.TSV)
    expected = out.getvalue().decode("utf-8").split("\n")[1:-1]
    written = [f"{tsv_term(row['p'])}\t{tsv_term(row['o'])}" for row in store.query(query)]
    assert written == expected
