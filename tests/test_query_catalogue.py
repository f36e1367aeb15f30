"""The saved-query catalogue: grlc decorators, parameter discovery, names."""

from __future__ import annotations

from pathlib import Path

import pytest

from positions.errors import InputError, UsageError
from positions.rdf.namespaces import PREFIXES
from positions.sparql.catalogue import Catalogue, nearest
from positions.sparql.policy import check_syntax
from positions.sparql.saved import SavedQuery, parse_parameter

MINIBASE = Path(__file__).parent / "fixtures" / "minibase"
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture
def catalogue() -> Catalogue:
    return Catalogue.from_folder(MINIBASE / "queries")


def test_names_are_file_stems_sorted(catalogue: Catalogue) -> None:
    assert catalogue.names() == [
        "parties",
        "party-graph",
        "party-has-spoken",
        "statements-by-party",
        "statements-mentioning",
    ]


def test_decorators_are_read_as_yaml(catalogue: Catalogue) -> None:
    query = catalogue.get("statements-by-party")
    assert query.summary == "Statements made by one party, oldest first"
    assert query.description.startswith("Every statement the party made")
    assert "\n" in query.description  # a YAML block scalar keeps its lines
    assert query.tags == ["statements", "party"]
    assert query.kind == "select"
    assert query.path == MINIBASE / "queries" / "statements-by-party.rq"


def test_parameters_follow_grlc_naming(catalogue: Catalogue) -> None:
    query = catalogue.get("statements-by-party")
    party, since = query.parameters
    assert (party.variable, party.name, party.required, party.kind) == (
        "_party_iri",
        "party",
        True,
        "iri",
    )
    assert (since.variable, since.name, since.required, since.kind) == (
        "__since_xsd_date",
        "since",
        False,
        "date",
    )
    assert since.datatype == XSD + "date"
    assert query.parameter("party") is party
    assert query.parameter("_party_iri") is party
    assert query.parameter("?_party_iri") is party
    assert query.parameter("nope") is None


def test_defaults_make_a_required_parameter_optional(catalogue: Catalogue) -> None:
    (word,) = catalogue.get("statements-mentioning").parameters
    assert word.required and word.default == "unacceptable"
    assert not word.needs_value
    (party,) = catalogue.get("party-has-spoken").parameters
    assert party.default == "d:russia" and party.kind == "iri"


def test_enumerate_gives_choices(catalogue: Catalogue) -> None:
    (party,) = catalogue.get("party-graph").parameters
    assert party.choices == ("http://example.org/id/russia", "http://example.org/id/usa")


def test_kinds_of_the_fixture_queries(catalogue: Catalogue) -> None:
    kinds = {q.name: q.kind for q in catalogue.all()}
    assert kinds == {
        "parties": "select",
        "party-graph": "construct",
        "party-has-spoken": "ask",
        "statements-by-party": "select",
        "statements-mentioning": "select",
    }


@pytest.mark.parametrize("query", sorted((MINIBASE / "queries").glob("*.rq")), ids=lambda p: p.stem)
def test_every_fixture_query_parses_and_has_a_summary(query: Path) -> None:
    saved = SavedQuery.from_file(query)
    assert saved.summary
    check_syntax(saved.text, str(query))


@pytest.mark.parametrize(
    ("variable", "expected"),
    [
        ("_party_iri", ("party", True, "iri", None, None)),
        ("__party_iri", ("party", False, "iri", None, None)),
        ("_word", ("word", True, "literal", None, None)),
        ("_n_integer", ("n", True, "integer", XSD + "integer", None)),
        ("_n_number", ("n", True, "number", None, None)),
        ("_on_date", ("on", True, "date", XSD + "date", None)),
        ("_at_dateTime", ("at", True, "datetime", XSD + "dateTime", None)),
        ("_at_xsd_dateTime", ("at", True, "datetime", XSD + "dateTime", None)),
        ("_ok_boolean", ("ok", True, "boolean", XSD + "boolean", None)),
        ("_name_en", ("name", True, "lang", None, "en")),
        ("_name_ru", ("name", True, "lang", None, "ru")),
        ("_name_literal", ("name", True, "literal", None, None)),
        ("_year_xsd_gYear", ("year", True, "typed", XSD + "gYear", None)),
        ("_s_pos_Stance", ("s", True, "typed", PREFIXES["pos"] + "Stance", None)),
    ],
)
def test_parse_parameter(variable: str, expected: tuple) -> None:
    parameter = parse_parameter(variable, PREFIXES, "q.rq")
    assert parameter is not None
    got = (
        parameter.name,
        parameter.required,
        parameter.kind,
        parameter.datatype,
        parameter.language,
    )
    assert got == expected


def test_ordinary_variables_are_not_parameters() -> None:
    assert parse_parameter("statement", PREFIXES, "q.rq") is None


@pytest.mark.parametrize(
    ("variable", "problem"),
    [
        ("_a_b_c_d", "naming convention"),
        ("_", "naming convention"),
        ("_x_whatever", "unknown type 'whatever'"),
        ("_x_nope_date", "unknown prefix nope:"),
    ],
)
def test_malformed_parameters_are_errors(variable: str, problem: str) -> None:
    with pytest.raises(InputError, match=problem):
        parse_parameter(variable, PREFIXES, "q.rq")


def test_prefix_declared_in_the_query_types_a_parameter() -> None:
    text = "PREFIX my: <http://my.example/>\nSELECT * WHERE { ?s ?p ?_v_my_kind }"
    (parameter,) = SavedQuery.from_text(text).parameters
    assert parameter.kind == "typed" and parameter.datatype == "http://my.example/kind"


def test_yaml_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.rq"
    path.write_text("#+ summary: fine\n#+ tags: [unclosed\n#+ x: y\nSELECT * { ?s ?p ?o }\n")
    with pytest.raises(InputError) as caught:
        SavedQuery.from_file(path)
    assert caught.value.position.path == str(path)
    assert caught.value.position.line in (2, 3)  # where YAML noticed the open bracket
    assert "not valid YAML" in str(caught.value)


def test_unknown_decorator_is_an_error() -> None:
    with pytest.raises(InputError, match="unknown decorator summmary"):
        SavedQuery.from_text("#+ summmary: typo\nSELECT * { ?s ?p ?o }")


def test_grlc_only_decorators_are_accepted() -> None:
    query = SavedQuery.from_text(
        "#+ summary: s\n#+ endpoint: http://example.org/sparql\n#+ method: GET\n"
        "SELECT * { ?s ?p ?o }"
    )
    assert query.summary == "s"


def test_default_for_an_unknown_parameter_is_an_error() -> None:
    with pytest.raises(InputError, match="'who', which is not a parameter"):
        SavedQuery.from_text("#+ defaults:\n#+   - who: x\nSELECT * { ?s ?p ?_party_iri }")


def test_two_variables_for_one_parameter_is_an_error() -> None:
    with pytest.raises(InputError, match="both parameter 'x'"):
        SavedQuery.from_text("SELECT * { ?_x_iri ?p ?__x_iri }")


def test_decorators_without_yaml_lines() -> None:
    query = SavedQuery.from_text("SELECT * { ?s ?p ?o }")
    assert (query.summary, query.tags, query.parameters) == ("", [], [])


def test_variables_in_strings_and_comments_are_not_parameters() -> None:
    text = 'SELECT ?s WHERE { ?s ?p "?_fake_iri" } # ?_other'
    assert SavedQuery.from_text(text).parameters == []


def test_unknown_name_suggests_nearest(catalogue: Catalogue) -> None:
    with pytest.raises(UsageError) as caught:
        catalogue.get("statements-by-pary")
    message = str(caught.value)
    assert "no saved query 'statements-by-pary'" in message
    assert "did you mean statements-by-party" in message


def test_unknown_name_far_from_everything(catalogue: Catalogue) -> None:
    with pytest.raises(UsageError) as caught:
        catalogue.get("zzzzzz")
    assert "did you mean" not in str(caught.value)
    assert "positions queries" in str(caught.value)


def test_nearest_includes_substring_matches() -> None:
    assert nearest("timeline", ["meeting-timeline", "parties"]) == ["meeting-timeline"]


def test_example_call_fills_needed_parameters(catalogue: Catalogue) -> None:
    assert catalogue.get("statements-by-party").example_call() == (
        "positions query statements-by-party -p party=kb:example"
    )
    assert catalogue.get("statements-mentioning").example_call() == (
        "positions query statements-mentioning"
    )


def test_one_broken_file_does_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "good.rq").write_text("#+ summary: ok\nSELECT * { ?s ?p ?o }\n")
    (tmp_path / "bad.rq").write_text("#+ summary: [\nSELECT * { ?s ?p ?o }\n")
    catalogue = Catalogue.from_folder(tmp_path)
    assert catalogue.get("good").summary == "ok"
    with pytest.raises(InputError):
        catalogue.get("bad")
    with pytest.raises(InputError):
        catalogue.all()
