"""IRIs the base does not have (issue 18, point 4): ``query -p`` warns on standard error
with the nearest node of the kind the parameter expects, and still answers; a new file
that links to an IRI nobody describes is told which node it may have meant."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from positions import KnowledgeBase
from support import REPO, TURTLE_PREFIXES, cli, tree_digest


@pytest.mark.parametrize(
    ("args", "warning"),
    [
        (
            ["person-statements", "-p", "person=kb:antony-blinken"],
            "Warning: kb:antony-blinken is not in the base; "
            "did you mean kb:anthony-blinken (Anthony Blinken)?",
        ),
        (
            ["us-unacceptable-demands", "-p", "party=kb:russa"],
            "Warning: kb:russa is not in the base; did you mean kb:russia (Russia)?",
        ),
        (
            [
                "position-over-time",
                "-p",
                "party=kb:united-states",
                "-p",
                "topic=topic:nato-enlargment",
            ],
            "Warning: topic:nato-enlargment is not in the base; "
            "did you mean topic:nato-enlargement (NATO enlargement)?",
        ),
    ],
)
def test_query_warns_about_an_iri_the_base_does_not_have(args: list[str], warning: str) -> None:
    result = cli("query", *args, "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert warning in result.stderr
    assert result.stdout.startswith(("date,", "answer,"))  # the (empty) answer is printed


def test_a_suggestion_is_never_of_another_kind() -> None:
    kb = KnowledgeBase.open()
    # A person parameter: kb:russia is a party, and is not offered.
    assert kb.unknown_parameters("person-statements", {"person": "kb:russa"}) == [
        "kb:russa is not in the base"
    ]
    # A node of the base, and a default left alone, say nothing.
    assert kb.unknown_parameters("person-statements", {"person": "kb:anthony-blinken"}) == []
    assert kb.unknown_parameters("person-statements", {}) == []


def test_the_warning_costs_no_heavy_import() -> None:
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['positions', 'query', 'us-unacceptable-demands', '-p', 'party=kb:russa', "
        "'-f', 'csv']\n"
        "try:\n"
        "    runpy.run_module('positions', run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('rdflib', 'pyshacl'))\n"
        "print('HEAVY:', heavy, file=sys.stderr)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    env.pop("POSITIONS_KB", None)
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    assert "did you mean kb:russia (Russia)?" in done.stderr
    assert "HEAVY: []" in done.stderr


STATEMENT = """
kb:stmt-test-unknown a pos:Statement ;
    rdfs:label "Test: a statement with links the base does not have"@en ;
    pos:speaker kb:antony-blinken ;
    pos:onBehalfOf kb:russa ;
    pos:stance stance:rejects ;
    pos:target kb:demand-no-nato-enlargment ;
    pos:evidence [ pos:source kb:source-002 ; pos:paraphrase "seeking several guarantees" ] .
"""


def test_a_file_linking_to_unknown_iris_is_told_what_they_may_be(
    base: Path, tmp_path: Path
) -> None:
    new = tmp_path / "links.ttl"
    new.write_text(TURTLE_PREFIXES + STATEMENT, encoding="utf-8")
    before = tree_digest(base / "data")
    result = cli("--kb", str(base), "add", str(new))
    assert result.exit_code == 1
    out = result.output
    assert (
        "kb:antony-blinken is not in the base, and no new file describes it; "
        "did you mean kb:anthony-blinken (Anthony Blinken)?" in out
    )
    assert (
        "kb:russa is not in the base, and no new file describes it; did you mean kb:russia" in out
    )
    assert "did you mean kb:demand-no-nato-enlargement (No further NATO expansion)?" in out
    assert tree_digest(base / "data") == before
    # A node the file describes itself is not unknown.
    described = STATEMENT + '\nkb:antony-blinken a pos:Person ; rdfs:label "Antony Blinken"@en .\n'
    new.write_text(TURTLE_PREFIXES + described, encoding="utf-8")
    result = cli("--kb", str(base), "validate", str(new))
    assert "kb:antony-blinken is not in the base" not in result.output
