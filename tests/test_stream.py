"""CSV, TSV and N-Triples written by pyoxigraph's serialisers (output.oxigraph_results) against
what render writes from rows and triples.

The stream is only a faster road to the same bytes: every test compares it with
``render(run(...), "csv")``, ``"tsv"`` or ``"ntriples"``, and checks that a refusal (row
cap, time limit) writes nothing.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from positions import KnowledgeBase
from positions.errors import QueryLimitExceeded
from positions.output.oxigraph_results import (
    Streamed,
    can_stream,
    write_csv,
    write_ntriples,
    write_tsv,
)
from positions.output.render import render
from positions.sparql.engine import prepare, run
from support import REPO, cli

LABELS = "SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?s ?label"

# Literals that CSV must quote or double: commas, quotes, line breaks (LF, CR, CRLF).
AWKWARD = """
@prefix kb: <https://w3id.org/positions/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

kb:awkward-1 rdfs:label "comma, inside" .
kb:awkward-2 rdfs:label "a \\"quoted\\" word" .
kb:awkward-3 rdfs:label "two\\nlines" .
kb:awkward-4 rdfs:label "carriage\\rreturn" .
kb:awkward-5 rdfs:label "windows\\r\\nline\\r\\nbreaks\\r\\n" .
kb:awkward-6 rdfs:label " leading and trailing " .
kb:awkward-7 rdfs:label "ünïcödé — “quotes”"@de .
"""


def _stream_with(
    write: Callable[..., Streamed | None], kb: KnowledgeBase, query: str, **limits: int | None
) -> bytes | None:
    out = io.BytesIO()
    streamed = write(kb, prepare(kb, query), out, timeout=30, **limits)
    if streamed is None:
        assert out.getvalue() == b"", "a query left to query.run must not write"
        return None
    return out.getvalue()


def _render_as(fmt: str, kb: KnowledgeBase, query: str, **limits: int | None) -> bytes:
    return render(run(kb, query, timeout=30, **limits), fmt).encode("utf-8")


def _streamed(kb: KnowledgeBase, query: str, **limits: int | None) -> bytes | None:
    return _stream_with(write_csv, kb, query, **limits)


def _rendered(kb: KnowledgeBase, query: str, **limits: int | None) -> bytes:
    return _render_as("csv", kb, query, **limits)


@pytest.fixture(scope="module")
def bundled() -> KnowledgeBase:
    return KnowledgeBase.open(REPO)


@pytest.fixture
def awkward(base: Path) -> KnowledgeBase:
    (base / "data" / "awkward.ttl").write_text(AWKWARD, encoding="utf-8")
    return KnowledgeBase.open(base)


def test_every_saved_select_streams_the_bytes_it_renders(bundled: KnowledgeBase) -> None:
    streamed = 0
    for query in bundled.catalogue.all():
        fast = _streamed(bundled, query.name)
        if query.kind != "select":
            assert not can_stream(prepare(bundled, query)) and fast is None, query.name
            continue
        assert fast == _rendered(bundled, query.name), query.name
        streamed += 1
    assert streamed >= 15  # the saved SELECTs, those with a bound parameter included


def test_a_bound_parameter_column_is_dropped(bundled: KnowledgeBase) -> None:
    prepared = prepare(bundled, "node-statements")
    assert prepared.hidden == ["_node_iri"] and can_stream(prepared)
    fast = _streamed(bundled, "node-statements")
    assert fast is not None and b"_node_iri" not in fast
    assert fast == _rendered(bundled, "node-statements")
    assert fast.startswith(b"role,statement,")
    for cut in (1, 3):  # cut at --limit, through the same column filter
        out = io.BytesIO()
        streamed = write_csv(bundled, prepared, out, row_limit=cut)
        assert streamed is not None and streamed.truncated
        assert out.getvalue() == _rendered(bundled, "node-statements", row_limit=cut)


def test_one_column_with_an_empty_value_is_written_as_render_writes_it(
    bundled: KnowledgeBase,
) -> None:
    # pyoxigraph writes the empty value of a one-column row as an empty line, which
    # CSV readers (pandas among them) skip; render writes "".
    query = "SELECT ?x WHERE { OPTIONAL { ?s <https://example.org/nothing> ?x } }"
    fast = _streamed(bundled, query)
    assert fast == _rendered(bundled, query) == b'x\r\n""\r\n'


def test_quoting_of_awkward_literals_is_the_same(awkward: KnowledgeBase) -> None:
    fast = _streamed(awkward, LABELS)
    assert fast is not None
    assert fast == _rendered(awkward, LABELS)
    assert b'"windows\r\nline\r\nbreaks\r\n"' in fast


def test_row_cap_refuses_and_writes_nothing(bundled: KnowledgeBase) -> None:
    total = len(run(bundled, LABELS, timeout=30, max_rows=10**6))
    out = io.BytesIO()
    with pytest.raises(QueryLimitExceeded, match="more than 5 rows"):
        write_csv(bundled, prepare(bundled, LABELS), out, max_rows=5)
    assert out.getvalue() == b""
    assert total > 5


@pytest.mark.parametrize("cut", [1, 2, 5, 50])
def test_limit_cuts_as_run_does(bundled: KnowledgeBase, cut: int) -> None:
    out = io.BytesIO()
    streamed = write_csv(bundled, prepare(bundled, LABELS), out, row_limit=cut)
    assert streamed is not None and streamed.truncated
    assert out.getvalue() == _rendered(bundled, LABELS, row_limit=cut)


def test_an_answer_exactly_at_the_cap_is_whole(bundled: KnowledgeBase) -> None:
    total = len(run(bundled, LABELS, timeout=30, max_rows=10**6))
    for limits in ({"max_rows": total}, {"row_limit": total}, {"row_limit": total + 1}):
        out = io.BytesIO()
        streamed = write_csv(bundled, prepare(bundled, LABELS), out, **limits)
        assert streamed is not None and not streamed.truncated, limits
        assert out.getvalue() == _rendered(bundled, LABELS, row_limit=total + 1), limits


def test_line_breaks_in_values_near_the_cap(awkward: KnowledgeBase) -> None:
    # Only the awkward labels: seven rows, one with three CRLFs. Near the cap the
    # CRLF count overstates the rows; the answer must still be cut, refused or
    # handed back exactly as query.run would.
    query = LABELS.replace(
        "?s rdfs:label ?label", "?s rdfs:label ?label FILTER(CONTAINS(STR(?s), 'awkward'))"
    )
    rows = len(run(awkward, query, timeout=30))
    assert rows == 7
    for cut in range(1, rows + 2):
        fast = _streamed(awkward, query, row_limit=cut)
        if fast is not None:
            assert fast == _rendered(awkward, query, row_limit=cut), cut
        try:
            fast = _streamed(awkward, query, max_rows=cut)
        except QueryLimitExceeded:
            assert cut < rows, cut
        else:  # whole, or handed back (then query.run refuses it, or gives it)
            assert fast is None or (cut >= rows and fast == _rendered(awkward, query)), cut


def test_time_limit_stops_the_stream_and_writes_nothing(bundled: KnowledgeBase) -> None:
    endless = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    out = io.BytesIO()
    with pytest.raises(QueryLimitExceeded, match="time limit"):
        write_csv(bundled, prepare(bundled, endless), out, timeout=0.5, row_limit=10**12)
    assert out.getvalue() == b""


def test_cli_csv_in_a_pipe_is_the_streamed_answer(awkward: KnowledgeBase) -> None:
    result = cli("--kb", str(awkward.root), "query", "--sparql", LABELS)
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == _rendered(awkward, LABELS)
    cut = cli("--kb", str(awkward.root), "query", "--sparql", LABELS, "--limit", "2")
    assert cut.exit_code == 0
    assert cut.stdout_bytes == _rendered(awkward, LABELS, row_limit=2)
    assert "only the first 2 shown" in cut.stderr


# -- TSV ---------------------------------------------------------------------------

# Numbers, booleans and typed literals, which TSV writes in Turtle's short form or
# with their datatype, beside the awkward labels.
TYPED = """SELECT ?s ?label ?n ?d ?b ?date ?empty WHERE {
  ?s rdfs:label ?label
  BIND(STRLEN(?label) AS ?n) BIND(STRLEN(?label) / 3 AS ?d) BIND(STRLEN(?label) > 9 AS ?b)
  BIND("2022-01-10"^^xsd:date AS ?date)
} ORDER BY ?s ?label"""


def _streamed_tsv(kb: KnowledgeBase, query: str, **limits: int | None) -> bytes | None:
    return _stream_with(write_tsv, kb, query, **limits)


def _rendered_tsv(kb: KnowledgeBase, query: str, **limits: int | None) -> bytes:
    return _render_as("tsv", kb, query, **limits)


def test_every_saved_select_streams_the_tsv_it_renders(bundled: KnowledgeBase) -> None:
    streamed = 0
    for query in bundled.catalogue.all():
        fast = _streamed_tsv(bundled, query.name)
        if query.kind != "select":
            assert fast is None, query.name
            continue
        assert fast == _rendered_tsv(bundled, query.name), query.name
        streamed += 1
    assert streamed >= 15


def test_tsv_of_typed_and_awkward_values_is_the_same(awkward: KnowledgeBase) -> None:
    fast = _streamed_tsv(awkward, TYPED)
    assert fast is not None and fast == _rendered_tsv(awkward, TYPED)
    assert b'"windows\\r\\nline\\r\\nbreaks\\r\\n"' in fast  # escaped: one line a row
    assert b"\ttrue\t" in fast and b"\tfalse\t" in fast  # booleans in their short form
    assert b'"2022-01-10"^^<http://www.w3.org/2001/XMLSchema#date>' in fast
    assert len(fast.split(b"\n")) == len(run(awkward, TYPED, timeout=30)) + 2


def test_tsv_drops_a_bound_parameter_column_and_cuts_at_the_limit(
    bundled: KnowledgeBase,
) -> None:
    prepared = prepare(bundled, "node-statements")
    assert prepared.hidden == ["_node_iri"]
    fast = _streamed_tsv(bundled, "node-statements")
    assert fast is not None and b"_node_iri" not in fast and fast.startswith(b"?role\t")
    assert fast == _rendered_tsv(bundled, "node-statements")
    for query, cut in (("node-statements", 1), ("node-statements", 3), (LABELS, 1), (LABELS, 50)):
        out = io.BytesIO()
        streamed = write_tsv(bundled, prepare(bundled, query), out, row_limit=cut)
        assert streamed is not None and streamed.truncated
        assert out.getvalue() == _rendered_tsv(bundled, query, row_limit=cut)


def test_tsv_at_and_over_the_cap(bundled: KnowledgeBase) -> None:
    total = len(run(bundled, LABELS, timeout=30, max_rows=10**6))
    for limits in ({"max_rows": total}, {"row_limit": total}, {"row_limit": total + 1}):
        out = io.BytesIO()
        streamed = write_tsv(bundled, prepare(bundled, LABELS), out, **limits)
        assert streamed is not None and not streamed.truncated, limits
        assert out.getvalue() == _rendered_tsv(bundled, LABELS), limits
    out = io.BytesIO()
    with pytest.raises(QueryLimitExceeded, match=f"more than {total - 1} rows"):
        write_tsv(bundled, prepare(bundled, LABELS), out, max_rows=total - 1)
    endless = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    with pytest.raises(QueryLimitExceeded, match="time limit"):
        write_tsv(bundled, prepare(bundled, endless), out, timeout=0.5, row_limit=10**12)
    assert out.getvalue() == b""


def test_cli_tsv_in_a_pipe_is_the_streamed_answer(
    awkward: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    import positions.output.oxigraph_results

    calls: list[str] = []

    def spy(*args: object, **kwargs: object) -> object:
        calls.append("tsv")
        return write_tsv(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(positions.output.oxigraph_results, "write_tsv", spy)
    args = ["--kb", str(awkward.root), "query", "--sparql", TYPED, "-f", "tsv"]
    result = cli(*args)
    assert result.exit_code == 0, result.output
    assert calls == ["tsv"]  # written by the stream, not rendered from rows
    assert result.stdout_bytes == _rendered_tsv(awkward, TYPED)
    cut = cli(*args, "--limit", "2")
    assert cut.exit_code == 0
    assert cut.stdout_bytes == _rendered_tsv(awkward, TYPED, row_limit=2)
    assert "only the first 2 shown" in cut.stderr


# -- N-Triples: CONSTRUCT and DESCRIBE ------------------------------------------------

LABEL_GRAPH = "CONSTRUCT { ?s rdfs:label ?label } WHERE { ?s rdfs:label ?label }"


def _streamed_nt(kb: KnowledgeBase, query: str, **limits: int | None) -> bytes | None:
    return _stream_with(write_ntriples, kb, query, **limits)


def _rendered_nt(kb: KnowledgeBase, query: str, **limits: int | None) -> bytes:
    return _render_as("ntriples", kb, query, **limits)


def test_every_saved_graph_query_streams_the_ntriples_it_renders(bundled: KnowledgeBase) -> None:
    graphs = 0
    for query in bundled.catalogue.all():
        fast = _streamed_nt(bundled, query.name)
        if query.kind not in ("construct", "describe"):
            assert fast is None, query.name
            continue
        assert fast, query.name  # the bundled base has an answer for each
        assert fast == _rendered_nt(bundled, query.name), query.name
        graphs += 1
    assert graphs >= 2


def test_ntriples_lines_are_whole_triples_sorted_and_unique(bundled: KnowledgeBase) -> None:
    # U+2028 and U+0085 stay unescaped in N-Triples: a split at every line boundary
    # that str.splitlines knows would cut these literals in two. The template's
    # second triple comes once per solution: three times, written once.
    query = """CONSTRUCT { <https://example.org/a> rdfs:label ?l .
                           <https://example.org/z> rdfs:label "z" }
               WHERE { VALUES ?l { "line\\u2028separator" "next\\u0085line" "plain" } }"""
    fast = _streamed_nt(bundled, query)
    assert fast is not None and fast == _rendered_nt(bundled, query)
    lines = fast.decode("utf-8").split("\n")[:-1]
    assert len(lines) == 4 and lines == sorted(set(lines))
    parsed = {quad.triple for quad in ox.parse(fast, format=ox.RdfFormat.N_TRIPLES)}
    assert parsed == set(run(bundled, query, timeout=30).triples)


def test_ntriples_cap_refuses_cuts_and_keeps_whole_as_run_does(bundled: KnowledgeBase) -> None:
    total = len(run(bundled, LABEL_GRAPH, timeout=30, max_rows=10**6))
    assert total > 50
    out = io.BytesIO()
    with pytest.raises(QueryLimitExceeded, match="more than 5 rows"):
        write_ntriples(bundled, prepare(bundled, LABEL_GRAPH), out, max_rows=5)
    assert out.getvalue() == b""
    for cut in (1, 2, 50):
        out = io.BytesIO()
        streamed = write_ntriples(bundled, prepare(bundled, LABEL_GRAPH), out, row_limit=cut)
        assert streamed is not None and streamed.truncated
        assert out.getvalue() == _rendered_nt(bundled, LABEL_GRAPH, row_limit=cut)
        assert out.getvalue().count(b"\n") == cut
    for limits in ({"max_rows": total}, {"row_limit": total}):
        out = io.BytesIO()
        streamed = write_ntriples(bundled, prepare(bundled, LABEL_GRAPH), out, **limits)
        assert streamed is not None and not streamed.truncated, limits
        assert out.getvalue() == _rendered_nt(bundled, LABEL_GRAPH), limits


def test_ntriples_time_limit_writes_nothing(bundled: KnowledgeBase) -> None:
    endless = "CONSTRUCT { ?a ?b ?i } WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    out = io.BytesIO()
    with pytest.raises(QueryLimitExceeded, match="time limit"):
        write_ntriples(bundled, prepare(bundled, endless), out, timeout=0.5, row_limit=10**12)
    assert out.getvalue() == b""


def test_cli_ntriples_in_a_pipe_is_the_streamed_answer(bundled: KnowledgeBase) -> None:
    command = ["--kb", str(bundled.root), "query", "node-description", "-f", "ntriples"]
    result = cli(*command)
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == _rendered_nt(bundled, "node-description")
    cut = cli(*command, "--limit", "3")
    assert cut.exit_code == 0
    assert cut.stdout_bytes == _rendered_nt(bundled, "node-description", row_limit=3)
    assert "only the first 3 shown" in cut.stderr
