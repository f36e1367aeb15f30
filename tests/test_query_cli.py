"""``positions query`` and ``positions queries`` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from support import cli

MINIBASE = Path(__file__).parent / "fixtures" / "minibase"
SRC = Path(__file__).parents[1] / "src"
RUSSIA = "http://example.org/id/russia"


def invoke(*args: str, stdin: str | None = None):
    return cli("--kb", str(MINIBASE), *args, input=stdin)


def test_saved_query_by_name_defaults_to_csv_in_a_pipe() -> None:
    result = invoke("query", "statements-by-party", "-p", f"party={RUSSIA}")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "statement,date,text"
    assert lines[1] == "http://example.org/id/s1,2021-12-17,Draft treaty published"


def test_parameters_by_public_or_variable_name_and_prefixed_iri(tmp_path: Path) -> None:
    a = invoke("query", "party-has-spoken", "-p", "party=d:usa")
    b = invoke("query", "party-has-spoken", "-p", "_party_iri=<http://example.org/id/usa>")
    assert (a.exit_code, a.stdout) == (b.exit_code, b.stdout) == (0, "true\n")


def test_ask_exits_1_when_false() -> None:
    result = invoke("query", "party-has-spoken", "-p", "party=http://example.org/id/nobody")
    assert (result.exit_code, result.stdout) == (1, "false\n")


def test_query_file(tmp_path: Path) -> None:
    path = tmp_path / "count.rq"
    path.write_text("#+ summary: count\nSELECT (COUNT(*) AS ?n) WHERE { ?s a ?t }\n")
    result = invoke("query", str(path))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == ["n", "13"]  # 5 terms, 3 parties, 5 statements


def test_sparql_option_uses_the_base_prefixes() -> None:
    # skos: is not declared in the query; the base's prefixes fill it in.
    text = "SELECT ?l WHERE { ?x skos:prefLabel ?l }"
    result = invoke("query", "--sparql", text)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == ["l", "NATO"]


def test_standard_input() -> None:
    result = invoke("query", "-", "-f", "json", stdin="ASK { ?s ?p ?o }")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"head": {}, "boolean": True}


def test_ad_hoc_query_with_parameters() -> None:
    text = (
        "PREFIX ex: <http://example.org/vocab#>\nSELECT ?s WHERE { ?s ex:by ?_who_iri } ORDER BY ?s"
    )
    result = invoke("query", "--sparql", text, "-p", "who=d:russia")
    # d: is not a known prefix of the base nor declared in this query.
    assert result.exit_code == 2 and "unknown prefix d:" in result.stderr
    result = invoke("query", "--sparql", text, "-p", f"who={RUSSIA}")
    assert result.stdout.splitlines() == [
        "s",
        "http://example.org/id/s1",
        "http://example.org/id/s3",
    ]


@pytest.mark.parametrize("fmt", ["CSV", "Json", "md", "TSV", "table"])
def test_format_is_case_insensitive(fmt: str) -> None:
    result = invoke("query", "parties", "-f", fmt)
    assert result.exit_code == 0, result.stderr
    assert "russia" in result.stdout


def test_table_shows_labels_beside_iris() -> None:
    result = invoke("query", "parties", "-f", "table")
    assert "Russia (<http://example.org/id/russia>)" in result.stdout
    assert "NATO (<http://example.org/id/nato>)" in result.stdout  # skos:prefLabel
    assert result.stdout.rstrip().endswith("3 rows")


def test_construct_gives_turtle_by_default() -> None:
    result = invoke("query", "party-graph", "-p", f"party={RUSSIA}")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("@prefix ex: <http://example.org/vocab#> .\n")
    assert "<http://example.org/id/russia> ex:said" in result.stdout
    assert "Draft treaty published" in result.stdout


def test_format_that_does_not_fit_the_result() -> None:
    result = invoke("query", "party-graph", "-p", f"party={RUSSIA}", "-f", "csv")
    assert result.exit_code == 2
    assert "gives a graph: use --format turtle, ntriples or jsonld" in result.stderr
    result = invoke("query", "parties", "-f", "turtle")
    assert result.exit_code == 2 and "gives rows" in result.stderr


def test_unknown_format_is_a_usage_error() -> None:
    result = invoke("query", "parties", "-f", "xml")
    assert result.exit_code == 2


def test_limit_cuts_rows_and_says_so() -> None:
    result = invoke("query", "parties", "--limit", "2")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 3  # header and two rows
    assert "only the first 2 shown" in result.stderr


def test_bad_param_syntax() -> None:
    result = invoke("query", "parties", "-p", "noequals")
    assert result.exit_code == 2 and "-p expects NAME=VALUE" in result.stderr


def test_ill_typed_parameter_names_it_and_the_type() -> None:
    result = invoke(
        "query", "statements-by-party", "-p", f"party={RUSSIA}", "-p", "since=2022-02-30"
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: statements-by-party: parameter 'since' expects a date")


def test_missing_and_unknown_parameters() -> None:
    missing = invoke("query", "statements-by-party")
    assert missing.exit_code == 2 and "needs parameter 'party'" in missing.stderr
    unknown = invoke("query", "statements-by-party", "-p", "who=x")
    assert unknown.exit_code == 2
    assert "has no parameter 'who'" in unknown.stderr and "party (" in unknown.stderr


def test_no_query_given() -> None:
    result = invoke("query")
    assert result.exit_code == 2 and "which query?" in result.stderr


def test_both_name_and_sparql() -> None:
    result = invoke("query", "parties", "--sparql", "ASK {}")
    assert result.exit_code == 2 and "not both" in result.stderr


def test_help_has_examples() -> None:
    result = cli("query", "--help")
    assert result.exit_code == 0
    assert "-p party=kb:united-states" in result.stdout and "--allow-network" in result.stdout


# --- positions queries ------------------------------------------------------------------------


def test_queries_lists_the_catalogue() -> None:
    result = invoke("queries")
    assert result.exit_code == 0, result.stderr
    for name in ("parties", "party-graph", "statements-by-party", "statements-mentioning"):
        assert name in result.stdout
    assert "party:iri" in result.stdout and "since?:date" in result.stdout
    assert "5 saved queries" in result.stdout


def test_queries_shows_one() -> None:
    result = invoke("queries", "statements-by-party")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("statements-by-party (SELECT)")
    assert "-p party (an IRI" in out and "-p since (a date YYYY-MM-DD, optional)" in out
    assert "FILTER(!BOUND(?__since_xsd_date)" in out  # the text itself
    assert "positions query statements-by-party -p party=kb:example" in out


def test_queries_unknown_name_suggests() -> None:
    result = invoke("queries", "partys")
    assert result.exit_code == 2 and "did you mean" in result.stderr


# --- Start-up: the query path never imports rdflib, pyshacl or pydantic ---------------------


def test_query_path_imports_no_heavy_library() -> None:
    # Each costs 0.1 s or more of every query's start-up (pydantic came with typer 0.29).
    probe = (
        "import sys, runpy\n"
        f"sys.argv = ['positions', '--kb', {str(MINIBASE)!r}, 'query', 'parties', '-f', 'json']\n"
        "try:\n"
        "    runpy.run_module('positions', run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "heavy_roots = ('rdflib', 'pyshacl', 'pydantic')\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in heavy_roots)\n"
        "print('HEAVY:', heavy, file=sys.stderr)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["results"]["bindings"]  # the query did run
    assert "HEAVY: []" in done.stderr
