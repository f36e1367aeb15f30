"""The shapes and the checks of ``positions validate``, one failing fixture each.

Every fixture in ``tests/shapes/`` is a small Turtle file that refers to the
bundled base's nodes and breaks one rule; the tables below say which node it
breaks and the message a person reads.  Each is run as a user runs it,
``positions --kb <repo> validate FILE``, and the base's files are checked to
be byte-identical afterwards (validate never writes).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF, SH

from support import cli

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "shapes"
FORMATS = FIXTURES / "formats"
UNREADABLE = FIXTURES / "unreadable"
# fixture -> (focus node, words of the message).  Exit 1: each is a violation.
VIOLATIONS: dict[str, tuple[str, str]] = {
    # core shapes, one fixture per shape family
    "party-no-label": ("kb:test-party-no-label", "Give this node a human-readable name"),
    "party-bad-wikidata": ("kb:test-party-bad-wikidata", "must point to a Wikidata entity IRI"),
    "person-is-party": ("kb:test-person-party", "A person cannot also be a party"),
    "government-body-no-state": (
        "kb:test-ministry-no-state",
        "A government body must say which state or body it belongs to",
    ),
    "membership-no-role": ("kb:test-membership-no-role", "A role held needs exactly one org:role"),
    "interval-bad-date": (
        "kb:test-membership-bad-period org:memberDuring [blank node]",
        "The beginning of a period is one time:Instant",
    ),
    "role-no-name": ("kb:test-role-no-name", "A role needs a name (skos:prefLabel)"),
    "demand-no-evidence": ("kb:test-demand-no-evidence", "Every fact needs at least one"),
    "demand-no-maker": ("kb:test-demand-no-maker", "A demand is made by exactly one party"),
    "demand-bad-topic": ("kb:test-demand-bad-topic", "A demand needs at least one topic"),
    "demand-refines-cycle": ("kb:test-demand-cycle-a", "A demand cannot refine itself"),
    "proposal-no-addressee": (
        "kb:test-proposal-no-addressee",
        "A proposal is addressed to at least one party",
    ),
    "document-no-status": ("kb:test-document-no-status", "A document needs exactly one status"),
    "statement-no-speaker": ("kb:test-stmt-no-speaker", "A statement needs exactly one speaker"),
    "statement-commentator": (
        "kb:test-stmt-no-party",
        "commentators speak for no party and belong in pos:Commentary",
    ),
    "statement-bad-stance": ("kb:test-stmt-bad-stance", "exactly one stance from the stance"),
    "statement-date-string": ("kb:test-stmt-date-string", "pos:date is at most one date of type"),
    "statement-bounds-reversed": (
        "kb:test-stmt-bounds-reversed",
        "pos:notBefore must not be later than pos:notAfter",
    ),
    "statement-proposal-no-scope": (
        "kb:test-stmt-proposal-no-scope",
        "must say with pos:targetScope whether",
    ),
    "statement-bad-target": ("kb:test-stmt-bad-target", "pos:target must be a pos:Demand"),
    "evidence-no-words": (
        "kb:test-stmt-evidence-no-words pos:evidence [blank node]",
        "Each pos:evidence carries the source's own words",
    ),
    "evidence-no-source": (
        "kb:test-stmt-evidence-no-source pos:evidence [blank node]",
        "Each pos:evidence names exactly one pos:source",
    ),
    "meeting-one-participant": (
        "kb:test-meeting-alone",
        "A meeting needs at least two participating parties",
    ),
    "delegation-no-meeting": (
        "kb:test-delegation-no-meeting",
        "A delegation belongs to exactly one meeting",
    ),
    "source-no-genre": ("kb:test-source-no-genre", "A source needs at least one genre"),
    "outlet-is-party": ("kb:test-outlet-party", "An outlet is not a party to the negotiation"),
    "commentary-on-behalf": ("kb:test-commentary-on-behalf", "Commentary speaks for no party"),
    "concept-no-label": ("topic:test-unnamed", "A concept needs a skos:prefLabel"),
    "stance-no-cameo": ("stance:test-shrugs", "A stance needs exactly one CAMEO event code"),
    "date-inferred-no-reasoning": (
        "kb:test-stmt-inferred-unreasoned",
        "An inferred date must say how it was inferred (pos:dateReasoning)",
    ),
    # the checks beyond SHACL Core (src/positions/checks/*.rq)
    "check-response-before-proposal": (
        "kb:test-stmt-early-response",
        "This response (pos:target) is dated 2021-12-01, before the earliest date known for "
        "kb:russia-security-proposals-2021, which it answers (2021-12-15)",
    ),
    "check-response-before-demand": (
        "kb:test-stmt-early-rejection",
        "is dated 2022-01-05, before the earliest date known for kb:demand-ukraine-never-in-nato",
    ),
    "check-response-before-part-of-proposal": (
        "kb:test-stmt-rejection-before-proposal",
        "is dated 2021-01-26, before the earliest date known for "
        "kb:demand-mutual-limits-military-assets, which it answers (2021-12-15)",
    ),
    "check-role-held-at-date": (
        "kb:test-stmt-out-of-office",
        "This statement is dated 2022-01-10, outside the period of the role it is made in "
        "(kb:test-ryabkov-earlier-role, held from 2008-08-01 to 2011-01-01)",
    ),
    "check-speaker-holds-role": (
        "kb:test-stmt-borrowed-role",
        "The speaker kb:sergei-lavrov does not hold the role this statement is made in",
    ),
    "check-party-matches-role": (
        "kb:test-stmt-wrong-party",
        "This statement speaks for kb:united-states (pos:onBehalfOf), but the role it is made in "
        "(kb:ryabkov-deputy-foreign-minister) is held in kb:russia-foreign-ministry",
    ),
    "check-shared-wikidata-iri": (
        "kb:test-russian-federation",
        "kb:test-russian-federation and kb:russia both carry owl:sameAs wd:Q159",
    ),
    "check-statement-rests-on-reported-words": (
        "kb:test-stmt-source-sentence",
        "a source's own sentence is never a party's statement",
    ),
    "check-addressee-named": (
        "kb:test-stmt-to-reporters",
        "This statement is addressed to kb:russia (pos:addressedTo), but the statement was made "
        "at a media appearance",
    ),
    "check-dated-after-source": (
        "kb:test-stmt-after-source",
        "This statement is dated 2022-02-01, after kb:source-001, which reports it, was "
        "published (2022-01-16)",
    ),
}

# fixture -> (focus node, words of the message).  Exit 0, or 1 under --strict.
WARNINGS: dict[str, tuple[str, str]] = {
    "warning-meeting-no-date": ("kb:test-meeting-undated", "This meeting has no date"),
    "warning-person-no-role": ("kb:test-person-no-role", "holds no recorded role"),
    "warning-source-no-date": ("kb:test-source-undated", "This source has no publication date"),
    "warning-statement-about-nothing": (
        "kb:test-stmt-about-nothing",
        "neither a target nor a topic",
    ),
    "warning-statement-no-role": ("kb:test-stmt-no-role", "does not say in which role"),
    "warning-statement-opinion-only": ("kb:test-stmt-opinion-only", "opinion sources alone"),
    "warning-statement-undated": ("kb:test-stmt-undated", "no date, no date bounds"),
}


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(REPO).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(autouse=True)
def base_untouched():
    """Validate reads the base and never writes it."""
    before = _digest(REPO / "data") | _digest(REPO / "ontology")
    yield
    assert _digest(REPO / "data") | _digest(REPO / "ontology") == before


def validate(*args: str):
    return cli("--kb", str(REPO), "validate", *args, catch_exceptions=False)


def problems_of(result) -> list[dict]:
    return json.loads(result.stdout)["problems"]


# -- the bundled base ----------------------------------------------------------------


@pytest.fixture(scope="module")
def base_report() -> dict:
    result = cli("--kb", str(REPO), "validate", "--format", "json")
    assert result.exit_code == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def test_bundled_base_conforms(base_report: dict) -> None:
    violations = [p for p in base_report["problems"] if p["severity"] == "Violation"]
    assert violations == []
    assert base_report["conforms"] is True
    assert base_report["violations"] == 0


def test_bundled_base_problems_are_located(base_report: dict) -> None:
    for problem in base_report["problems"]:
        assert problem["file"] and problem["file"].startswith(("data/", "ontology/")), problem
        assert problem["line"] and problem["line"] > 0, problem
        assert problem["message"], problem


def test_bundled_base_problems_are_reported_once(base_report: dict) -> None:
    keys = [
        (p["focus_compact"], p["path"], p["value"], p["severity"], p["message"])
        for p in base_report["problems"]
    ]
    assert len(keys) == len(set(keys))


def test_located_line_defines_the_focus_node(base_report: dict) -> None:
    for problem in base_report["problems"]:
        lines = (REPO / problem["file"]).read_text(encoding="utf-8").split("\n")
        assert lines[problem["line"] - 1].startswith(problem["focus_compact"].split()[0])


# -- one fixture per shape family and per check ---------------------------------------


def test_every_fixture_is_in_a_table() -> None:
    on_disk = {p.stem for p in FIXTURES.glob("*.ttl")}
    assert on_disk == set(VIOLATIONS) | set(WARNINGS)


@pytest.mark.parametrize("name", sorted(VIOLATIONS))
def test_fixture_violates(name: str) -> None:
    focus, words = VIOLATIONS[name]
    fixture = FIXTURES / f"{name}.ttl"
    result = validate("--format", "json", str(fixture))
    assert result.exit_code == 1, result.stdout + result.stderr
    matching = [
        p
        for p in problems_of(result)
        if p["severity"] == "Violation" and p["focus_compact"] == focus and words in p["message"]
    ]
    assert matching, json.dumps(problems_of(result), indent=2)
    problem = matching[0]
    assert problem["file"] == fixture.relative_to(REPO).as_posix()
    defining_line = fixture.read_text(encoding="utf-8").split("\n")[problem["line"] - 1]
    assert defining_line.startswith((focus.split()[0], f"<{problem['focus']}>"))


@pytest.mark.parametrize("name", sorted(WARNINGS))
def test_fixture_warns(name: str) -> None:
    focus, words = WARNINGS[name]
    result = validate("--format", "json", str(FIXTURES / f"{name}.ttl"))
    assert result.exit_code == 0, result.stdout + result.stderr
    problems = problems_of(result)
    assert [p for p in problems if p["severity"] == "Violation"] == []
    assert any(p["focus_compact"] == focus and words in p["message"] for p in problems), problems


def test_warnings_fail_under_strict() -> None:
    fixture = str(FIXTURES / "warning-meeting-no-date.ttl")
    assert validate(fixture).exit_code == 0
    strict = validate("--strict", fixture)
    assert strict.exit_code == 1
    assert "0 violations, 1 warning in 1 file" in strict.stdout


def test_only_problems_of_the_given_files_are_reported() -> None:
    result = validate("--format", "json", str(FIXTURES / "statement-no-speaker.ttl"))
    files = {p["file"] for p in problems_of(result)}
    assert files == {"tests/shapes/statement-no-speaker.ttl"}


def test_a_base_file_given_by_name_is_validated_as_itself() -> None:
    result = validate("--format", "json", "--strict", str(REPO / "data" / "meetings.ttl"))
    assert {p["file"] for p in problems_of(result)} <= {"data/meetings.ttl"}


@pytest.mark.parametrize(
    ("name", "focus", "line"),
    [
        ("no-speaker.trig", "kb:test-stmt-trig", 8),
        ("no-speaker.nt", "kb:test-stmt-nt", 1),
        ("no-speaker.jsonld", "kb:test-stmt-jsonld", 10),
    ],
)
def test_other_formats_are_validated_and_located(name: str, focus: str, line: int) -> None:
    result = validate("--format", "json", str(FORMATS / name))
    assert result.exit_code == 1, result.stdout + result.stderr
    (problem,) = problems_of(result)
    assert (problem["focus_compact"], problem["line"], problem["path"]) == (
        focus,
        line,
        "pos:speaker",
    )


# -- output --------------------------------------------------------------------------


def test_text_report_groups_by_file_with_a_summary() -> None:
    fixture = FIXTURES / "check-party-matches-role.ttl"
    result = validate(str(fixture))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "tests/shapes/check-party-matches-role.ttl"
    assert lines[1].startswith("  13: Violation  kb:test-stmt-wrong-party")
    assert "(Ryabkov speaks for the United States)" in lines[1]
    assert "path pos:onBehalfOf  value kb:united-states" in lines[2]
    assert lines[-1] == "1 violation, 0 warnings in 1 file"
    assert "\x1b[" not in result.stdout  # no colour when piped


def test_quiet_hides_warnings_but_counts_them() -> None:
    result = validate("--quiet", str(FIXTURES / "check-dated-after-source.ttl"))
    assert "opinion sources alone" not in result.stdout
    assert result.stdout.splitlines()[-1] == "1 violation, 1 warning in 1 file"


def test_json_format() -> None:
    result = validate("--format", "json", str(FIXTURES / "statement-date-string.ttl"))
    report = json.loads(result.stdout)
    assert (report["conforms"], report["violations"], report["warnings"]) == (False, 1, 0)
    (problem,) = report["problems"]
    assert problem == {
        "file": "tests/shapes/statement-date-string.ttl",
        "line": 15,
        "focus": "https://w3id.org/positions/id/test-stmt-date-string",
        "focus_compact": "kb:test-stmt-date-string",
        "label": "A date given as text",
        "path": "pos:date",
        "value": '"10 January 2022"',
        "severity": "Violation",
        "message": 'pos:date is at most one date of type xsd:date, such as "2022-01-10"^^xsd:date.',
        "source_shape": None,
    }


def test_turtle_format_is_a_w3c_validation_report() -> None:
    fixture = str(FIXTURES / "check-shared-wikidata-iri.ttl")
    result = validate("--format", "turtle", fixture)
    assert result.exit_code == 1
    graph = Graph().parse(data=result.stdout, format="turtle")
    (report,) = graph.subjects(RDF.type, SH.ValidationReport)
    assert graph.value(report, SH.conforms).toPython() is False
    results = list(graph.objects(report, SH.result))
    assert len(results) == 1
    messages = [str(graph.value(r, SH.resultMessage)) for r in results]
    assert "both carry owl:sameAs wd:Q159" in messages[0]


def test_turtle_report_of_the_base_holds_its_warnings(base_report: dict) -> None:
    result = validate("--format", "turtle")
    assert result.exit_code == 0
    graph = Graph().parse(data=result.stdout, format="turtle")
    (report,) = graph.subjects(RDF.type, SH.ValidationReport)
    assert len(list(graph.objects(report, SH.result))) == len(base_report["problems"])
    severities = {graph.value(r, SH.resultSeverity) for r in graph.objects(report, SH.result)}
    assert severities <= {SH.Warning}


# -- files that cannot be read: exit 2, file:line:col ----------------------------------


@pytest.mark.parametrize(
    ("name", "where", "words"),
    [
        ("syntax.ttl", "syntax.ttl:6:5:", "A dot is expected"),
        ("syntax.trig", "syntax.trig:8:1:", "Unexpected end"),
        ("syntax.nt", "syntax.nt:3:1:", "must be followed by a dot"),
        ("syntax.jsonld", "syntax.jsonld:5:1:", "invalid JSON"),
        # pyoxigraph gives no position for JSON-LD that is valid JSON but not JSON-LD.
        ("invalid.jsonld", "invalid.jsonld:", "@language value must be a string"),
        ("ill-typed-date.ttl", "ill-typed-date.ttl:6:15:", "'2022-13-45' is not a valid xsd:date"),
        ("invalid-iri.ttl", "invalid-iri.ttl:3:1:", "Invalid IRI"),
    ],
)
def test_unreadable_file_exits_2(name: str, where: str, words: str) -> None:
    result = validate(str(UNREADABLE / name))
    assert result.exit_code == 2
    assert result.stdout == ""
    first = result.stderr.splitlines()[0]
    assert first.startswith("Error: ") and where in first and words in first, result.stderr


def test_unreadable_file_quotes_the_line() -> None:
    result = validate(str(UNREADABLE / "ill-typed-date.ttl"))
    assert '    pos:date "2022-13-45"^^xsd:date .' in result.stderr


def test_missing_file_exits_2() -> None:
    result = validate(str(FIXTURES / "no-such-file.ttl"))
    assert result.exit_code == 2
    assert "no-such-file.ttl: cannot read the file" in result.stderr


# -- the shapes graph itself ---------------------------------------------------------

# Parameters whose results a person reads: a shape that uses one must carry a
# sh:message.  sh:property and sh:node hand the work to another shape, which is
# held to the same rule.
CONSTRAINT_PARAMETERS = [
    SH[name]
    for name in [
        "class",
        "datatype",
        "nodeKind",
        "minCount",
        "maxCount",
        "minExclusive",
        "minInclusive",
        "maxExclusive",
        "maxInclusive",
        "minLength",
        "maxLength",
        "pattern",
        "languageIn",
        "uniqueLang",
        "equals",
        "disjoint",
        "lessThan",
        "lessThanOrEquals",
        "not",
        "and",
        "or",
        "xone",
        "hasValue",
        "in",
        "closed",
        "qualifiedValueShape",
    ]
]


@pytest.fixture(scope="module")
def shapes_graph() -> Graph:
    graph = Graph()
    for path in sorted((REPO / "ontology" / "shapes").rglob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def _reported_shapes(graph: Graph) -> set:
    """Shapes whose results reach the report: targeted, or used by sh:property / sh:node.

    Shapes inside sh:or, sh:not, sh:and, sh:xone or sh:qualifiedValueShape only
    feed the outer constraint, whose message is the one reported.
    """
    targets = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf)
    found = {s for t in targets for s in graph.subjects(t, None)}
    pending = list(found)
    while pending:
        shape = pending.pop()
        for link in (SH.property, SH.node):
            for used in graph.objects(shape, link):
                if used not in found:
                    found.add(used)
                    pending.append(used)
    return found


def test_every_reported_constraint_carries_a_message(shapes_graph: Graph) -> None:
    missing = []
    for shape in _reported_shapes(shapes_graph):
        parameters = [p for p in CONSTRAINT_PARAMETERS if (shape, p, None) in shapes_graph]
        if (shape, SH.path, None) in shapes_graph and (shape, SH.node, None) in shapes_graph:
            parameters.append(SH.node)  # a property's sh:node is reported on the property
        if parameters and (shape, SH.message, None) not in shapes_graph:
            missing.append((shape, [p.fragment for p in parameters]))
        for sparql in shapes_graph.objects(shape, SH.sparql):
            if (sparql, SH.message, None) not in shapes_graph:
                missing.append((shape, ["sparql"]))
    assert missing == []


def test_every_message_is_english(shapes_graph: Graph) -> None:
    for message in shapes_graph.objects(None, SH.message):
        assert message.language == "en", message


def test_shapes_pass_shacl_for_shacl(shapes_graph: Graph) -> None:
    import pyshacl

    meta = Graph().parse(
        Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl", format="turtle"
    )
    conforms, _graph, text = pyshacl.validate(shapes_graph, shacl_graph=meta)
    assert conforms, text


def test_a_node_level_message_belongs_to_one_constraint(shapes_graph: Graph) -> None:
    shared = []
    node_level = [*CONSTRAINT_PARAMETERS, SH.node]
    for shape in _reported_shapes(shapes_graph):
        if (shape, SH.path, None) in shapes_graph or (shape, SH.message, None) not in shapes_graph:
            continue
        used = sum(len(list(shapes_graph.objects(shape, p))) for p in node_level)
        if used > 1:
            shared.append(shape)
    assert shared == []


# -- the Python API and start-up -------------------------------------------------------


def test_api_report_of_new_facts() -> None:
    from positions import KnowledgeBase
    from positions.checking.validate import validate as validate_api

    kb = KnowledgeBase.open(REPO)
    fixture = FIXTURES / "warning-statement-no-role.ttl"
    report = validate_api(kb, [fixture, fixture])  # the same file twice counts once
    assert (report.violations, report.warnings, report.exit_code) == (0, 1, 0)
    assert validate_api(kb, [fixture], strict=True).exit_code == 1
    assert list(report.by_file()) == ["tests/shapes/warning-statement-no-role.ttl"]


def test_registering_the_command_imports_neither_rdflib_nor_pyshacl() -> None:
    code = (
        "import sys, typer; import positions.cli.commands.validate as c; "
        "import positions.checking.validate; "
        "c.register(typer.Typer()); "
        "print(sorted(m for m in ('rdflib', 'pyshacl') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
