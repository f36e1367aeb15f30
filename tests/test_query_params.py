"""Parameters: typed from their suffix or default, bound as terms, never spliced."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from positions import KnowledgeBase
from positions.errors import InputError, UsageError
from positions.rdf.namespaces import PREFIXES
from positions.sparql.params import bind
from positions.sparql.rewrite import project_parameters, rewrite_bound
from positions.sparql.saved import SavedQuery
from support import Request, Served

MINIBASE = Path(__file__).parent / "fixtures" / "minibase"
D = "http://example.org/id/"
EX = "PREFIX ex: <http://example.org/vocab#>\n"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.open(MINIBASE)


@pytest.fixture
def server(http_server: Callable[..., Served]) -> tuple[int, list[Request]]:
    """A web server on 127.0.0.1 that records every request it gets (and answers 500)."""
    served = http_server(500)
    return served.port, served.requests


def statements(result) -> list[str]:
    return [row["statement"].value.rsplit("/", 1)[1] for row in result.rows]


# --- Binding on the fixture base ------------------------------------------------------


def test_required_iri_selects_rows(kb: KnowledgeBase) -> None:
    result = kb.query("statements-by-party", party=D + "russia")
    assert statements(result) == ["s1", "s3"]
    assert result.variables == ["statement", "date", "text"]  # the parameter is not a column


@pytest.mark.parametrize("value", [D + "usa", f"<{D}usa>", "d:usa", ox.NamedNode(D + "usa")])
def test_iri_forms(kb: KnowledgeBase, value: object) -> None:
    text = (
        EX
        + "PREFIX d: <http://example.org/id/>\n"
        + ("SELECT ?statement WHERE { ?statement ex:by ?_party_iri } ORDER BY ?statement")
    )
    assert statements(kb.query(text, party=value)) == ["s2", "s5"]


def test_prefixed_name_with_the_base_prefixes(kb: KnowledgeBase) -> None:
    # kb: is one of namespaces.PREFIXES; nothing in the fixture is under it, so no rows,
    # but the value was accepted and expanded.
    query = SavedQuery.from_text("SELECT ?s WHERE { ?s ?p ?_x_iri }")
    (term,) = bind(query, {"x": "kb:russia"}, PREFIXES).values()
    assert term == ox.NamedNode(PREFIXES["kb"] + "russia")


def test_optional_date_unbound_keeps_every_row(kb: KnowledgeBase) -> None:
    assert statements(kb.query("statements-by-party", party=D + "usa")) == ["s2", "s5"]


def test_optional_date_bound_filters(kb: KnowledgeBase) -> None:
    result = kb.query("statements-by-party", party=D + "usa", since="2022-01-11")
    assert statements(result) == ["s5"]
    result = kb.query("statements-by-party", party=D + "russia", since=datetime.date(2022, 1, 1))
    assert statements(result) == ["s3"]


def test_variable_name_works_as_parameter_name(kb: KnowledgeBase) -> None:
    result = kb.query("statements-by-party", _party_iri=D + "usa", __since_xsd_date="2022-01-20")
    assert statements(result) == ["s5"]


def test_default_applies_and_can_be_overridden(kb: KnowledgeBase) -> None:
    assert statements(kb.query("statements-mentioning")) == ["s2"]
    assert statements(kb.query("statements-mentioning", word="TALK")) == ["s4"]
    assert kb.query("party-has-spoken").boolean is True
    assert kb.query("party-has-spoken", party=D + "nobody").boolean is False


def test_enumerate_restricts_values(kb: KnowledgeBase) -> None:
    assert len(kb.query("party-graph", party="http://example.org/id/usa")) == 2
    with pytest.raises(UsageError, match="must be one of .*russia.*usa"):
        kb.query("party-graph", party=D + "nato")


# --- Errors naming the parameter ----------------------------------------------------------


def test_unknown_parameter_lists_the_ones_taken(kb: KnowledgeBase) -> None:
    with pytest.raises(UsageError) as caught:
        kb.query("statements-by-party", party=D + "usa", sinse="2022-01-01")
    message = str(caught.value)
    assert "has no parameter 'sinse'" in message
    assert "party (an IRI" in message and "since (a date" in message


def test_parameter_for_a_query_without_any(kb: KnowledgeBase) -> None:
    with pytest.raises(UsageError, match="takes no parameters"):
        kb.query("parties", party="x")


def test_missing_required_parameter(kb: KnowledgeBase) -> None:
    with pytest.raises(UsageError, match="needs parameter 'party'.*-p party=VALUE"):
        kb.query("statements-by-party")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("2022-02-30", "is not a date"),
        ("2024-02-30", "is not a date"),
        ("abc", "is not written YYYY-MM-DD"),
        ("2022-1-5", "is not written YYYY-MM-DD"),
        ('2022-01-01" || true || "', "is not written YYYY-MM-DD"),
    ],
)
def test_ill_typed_date(kb: KnowledgeBase, value: str, problem: str) -> None:
    with pytest.raises(UsageError) as caught:
        kb.query("statements-by-party", party=D + "usa", since=value)
    assert "parameter 'since' expects a date YYYY-MM-DD" in str(caught.value)
    assert problem in str(caught.value)


@pytest.mark.parametrize(
    "value",
    [
        "http://x> } UNION { ?s ?p ?o } #",  # HOSTILE case 6
        "http://example.org/a b",
        "http://example.org/{x}",
        'http://example.org/"',
        "not an iri",
        "relative/path",
        "",
    ],
)
def test_invalid_iri_is_refused_with_the_parameter_name(kb: KnowledgeBase, value: str) -> None:
    with pytest.raises(UsageError) as caught:
        kb.query("statements-by-party", party=value)
    assert "parameter 'party' expects an IRI" in str(caught.value)


def test_unknown_prefix_is_named(kb: KnowledgeBase) -> None:
    with pytest.raises(UsageError, match="unknown prefix nope:"):
        kb.query("statements-by-party", party="nope:russia")


@pytest.mark.parametrize(
    ("suffix", "good", "bad"),
    [
        ("integer", "-42", "4.2"),
        ("decimal", "4.25", "4,25"),
        ("double", "1.5e3", "lots"),
        ("boolean", "true", "maybe"),
        ("number", "7", "seven"),
        ("dateTime", "2022-01-10T10:00:00Z", "2022-01-10 10:00"),
    ],
)
def test_typed_values(suffix: str, good: str, bad: str) -> None:
    query = SavedQuery.from_text(f"SELECT ?s WHERE {{ ?s ?p ?_v_{suffix} }}")
    (term,) = bind(query, {"v": good}, PREFIXES).values()
    assert isinstance(term, ox.Literal) and term.value == good
    with pytest.raises(UsageError, match="parameter 'v' expects"):
        bind(query, {"v": bad}, PREFIXES)


def test_huge_integer_is_refused() -> None:
    query = SavedQuery.from_text("SELECT ?s WHERE { ?s ?p ?_v_integer }")
    with pytest.raises(UsageError, match="too large"):
        bind(query, {"v": "9" * 5000}, PREFIXES)


def test_language_suffix_tags_the_literal() -> None:
    query = SavedQuery.from_text("SELECT ?s WHERE { ?s ?p ?_name_ru }")
    (term,) = bind(query, {"name": "Россия"}, PREFIXES).values()
    assert term == ox.Literal("Россия", language="ru")


def test_ill_typed_default_names_it() -> None:
    query = SavedQuery.from_text("#+ defaults:\n#+   - on: someday\nSELECT ?s { ?s ?p ?_on_date }")
    with pytest.raises(UsageError, match="its default 'someday'"):
        bind(query, {}, PREFIXES)


def test_untyped_parameter_takes_the_type_of_its_default() -> None:
    query = SavedQuery.from_text("#+ defaults:\n#+   - on: 2022-01-10\nSELECT ?s { ?s ?p ?_on }")
    assert query.parameters[0].kind == "date"
    (term,) = bind(query, {}, PREFIXES).values()
    assert term.datatype == ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")


def test_same_parameter_twice_is_an_error() -> None:
    query = SavedQuery.from_text("SELECT ?s WHERE { ?s ?p ?_x_iri }")
    with pytest.raises(UsageError, match="given twice"):
        bind(query, {"x": "http://a.example/", "_x_iri": "http://b.example/"}, PREFIXES)


# --- Injection (hostile-input cases 4 to 6) ------------------------------------------------


def test_quote_injection_is_one_literal(kb: KnowledgeBase) -> None:
    result = kb.query("statements-mentioning", word='nobody" || true || "')
    assert result.rows == []


def test_service_injection_is_one_literal(kb: KnowledgeBase, server) -> None:
    port, hits = server
    value = f'x") SERVICE <http://127.0.0.1:{port}/> {{ }} FILTER("a"="a'
    result = kb.query("statements-mentioning", word=value)
    assert result.rows == []
    assert hits == []


def test_iri_injection_is_refused_before_anything_runs(kb: KnowledgeBase) -> None:
    with pytest.raises(UsageError, match="'party'.*not a valid IRI"):
        kb.query("statements-by-party", party="http://x> } UNION { ?s ?p ?o } #")


# --- How bindable variables are prepared -------------------------------------------------


def test_parameters_join_the_projection_and_group_by(kb: KnowledgeBase) -> None:
    text = EX + ("SELECT ?t (COUNT(?s) AS ?n) WHERE { ?s ex:by ?_p_iri ; a ?t } GROUP BY ?t")
    result = kb.query(text, p=D + "russia")
    assert result.variables == ["t", "n"]
    assert result.to_dicts() == [{"t": "http://example.org/vocab#Statement", "n": 2}]


def test_implicit_group_gets_a_group_by(kb: KnowledgeBase) -> None:
    result = kb.query(EX + "SELECT (COUNT(?s) AS ?n) WHERE { ?s ex:by ?_p_iri }", p=D + "usa")
    assert result.to_dicts() == [{"n": 2}]


def test_select_star_with_a_filter_parameter(kb: KnowledgeBase) -> None:
    text = EX + "SELECT * WHERE { ?s ex:by ?p FILTER(?p = ?_who_iri) } ORDER BY ?s"
    result = kb.query(text, who=D + "nato")
    assert result.variables == ["s", "p"]
    assert [row["s"].value for row in result.rows] == [D + "s4"]


def test_distinct_projection(kb: KnowledgeBase) -> None:
    text = EX + "SELECT DISTINCT ?p WHERE { ?s ex:by ?p ; ex:on ?d FILTER(?d >= ?_from_date) }"
    result = kb.query(text, **{"from": "2022-01-11"})
    assert sorted(row["p"].value for row in result.rows) == [D + "nato", D + "russia", D + "usa"]


def test_project_parameters_leaves_ask_alone() -> None:
    text = "ASK { ?s ?p ?_x_iri }"
    assert project_parameters(text, ["_x_iri"]) == (text, None)


def test_bound_becomes_true_only_for_bound_parameters() -> None:
    text = "SELECT ?d WHERE { ?s ?p ?d FILTER(!BOUND(?__a_date) || !bound( ?__b_date )) }"
    out = rewrite_bound(text, ["__a_date"], "q")
    assert "!true" in out and "bound( ?__b_date )" in out


def test_parameter_alone_before_as_is_refused(kb: KnowledgeBase) -> None:
    with pytest.raises(InputError, match="stands alone before AS"):
        kb.query("SELECT ?x WHERE { BIND(?_v_iri AS ?x) }", v="http://a.example/")


def test_parameter_hidden_in_a_subquery_is_refused(kb: KnowledgeBase) -> None:
    text = "SELECT ?o WHERE { { SELECT ?o WHERE { ?_p_iri ?x ?o } } }"
    with pytest.raises(InputError, match="inside a subquery that does not project it"):
        kb.query(text, p=D + "usa")


def test_parameter_projected_by_its_subquery_works(kb: KnowledgeBase) -> None:
    text = EX + ("SELECT ?s WHERE { { SELECT ?s ?_p_iri WHERE { ?s ex:by ?_p_iri } } } ORDER BY ?s")
    assert [row["s"].value for row in kb.query(text, p=D + "usa").rows] == [D + "s2", D + "s5"]


def test_to_dicts_gives_python_values(kb: KnowledgeBase) -> None:
    rows = kb.query("statements-by-party", party=D + "usa").to_dicts()
    assert rows[0] == {
        "statement": D + "s2",
        "date": datetime.date(2022, 1, 10),
        "text": "Some of the proposals are unacceptable",
    }
