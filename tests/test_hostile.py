"""Twenty hostile inputs (a tester's list, cases 1 to 20), through the commands a user runs.

One table: case number -> command line -> expected exit code and message.  Every
row runs ``positions`` (typer's CliRunner on :data:`positions.cli.app.app`, or a
real process where a time limit or a crash must be observed) against a writable
copy of the bundled base, and asserts:

* the exit code and a substring of the message;
* no uncaught exception and no traceback in the output;
* ``data/`` byte-identical afterwards (:func:`support.tree_digest`);
* no request reached the recording web server on 127.0.0.1 that the hostile
  inputs point at, and no canary file was opened (an audit hook records every
  ``open`` of it), so "nothing left the machine" is asserted, not assumed.

Case 20 (concurrent adds and ``kill -9``) is a test of its own at the end.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pytest

from positions.cli.app import app
from support import REPO, TURTLE_PREFIXES, Request, Served, cli, start_add, tree_digest

COMMANDS = {command.name for command in app.registered_commands}

# -- the canary: any open() of a watched path is recorded ------------------------------------

OPENED: list[str] = []
WATCHED: set[str] = set()


def _audit(event: str, args: tuple) -> None:
    if event == "open" and WATCHED and args and isinstance(args[0], str | bytes | os.PathLike):
        name = os.fsdecode(args[0])
        if name in WATCHED:
            OPENED.append(name)


sys.addaudithook(_audit)


@pytest.fixture
def server(http_server: Callable[..., Served]) -> tuple[int, list[Request]]:
    """A web server on 127.0.0.1 that records every request it gets (and answers Turtle)."""
    turtle = b"<http://evil.example/s> <http://evil.example/p> 'fetched' .\n"
    served = http_server(200, turtle, {"Content-Type": "text/turtle"})
    return served.port, served.requests


# -- inputs -----------------------------------------------------------------------------------

TTL = "@prefix ex: <http://example.org/> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"


def nested(opener: str, closer: str, depth: int) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.write_text(TTL + "ex:a ex:p " + opener * depth + closer * depth + " .\n")

    return write


def huge_literal(path: Path) -> None:
    """A 200 MB literal, written in chunks (never held in memory)."""
    with path.open("w") as handle:
        handle.write(TTL + 'ex:a ex:p "')
        chunk = "a" * (1 << 20)
        for _ in range(200):
            handle.write(chunk)
        handle.write('" .\n')


def huge_file(path: Path) -> None:
    """A 500 MB file (sparse: it costs no disk, and the gate must not read it)."""
    with path.open("wb") as handle:
        handle.write(TTL.encode())
        handle.truncate(500 * 1024 * 1024)


JSONLD = '{"@context": "CONTEXT", "@id": "http://example.org/a", "http://example.org/p": "v"}'
CHAIN = TTL + "".join(f"_:b{i} ex:next _:b{i + 1} .\n" for i in range(1000))

DOCTYPE_EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY secret SYSTEM "file://@CANARY@"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
  <rdf:Description rdf:about="http://example.org/a"><ex:p>&secret;</ex:p></rdf:Description>
</rdf:RDF>
"""

DOCTYPE_BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n <!ENTITY a0 "lol">\n'
    + "".join(f' <!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">\n' for i in range(1, 7))
    + ']>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:ex="http://example.org/">\n'
    '  <rdf:Description rdf:about="http://example.org/a"><ex:p>&a6;</ex:p></rdf:Description>\n'
    "</rdf:RDF>\n"
)

SHAPES_HEAD = (
    "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
    "@prefix pos: <https://w3id.org/positions/vocab#> .\n"
    "@prefix ex: <http://example.org/> .\n"
)
SPARQL_SHAPE = (
    SHAPES_HEAD + 'ex:Hostile a sh:NodeShape ; sh:targetClass pos:Party ; sh:sparql [ sh:select """'
    'SELECT $this WHERE { %s }""" ; sh:message "hostile" ] .\n'
)
SHAPE_SERVICE = SPARQL_SHAPE.replace(
    "%s", "SERVICE <http://127.0.0.1:@PORT@/shape-service> { ?a ?b ?c }"
)
SHAPE_FROM = SPARQL_SHAPE.replace(
    "SELECT $this WHERE", "SELECT $this FROM <http://127.0.0.1:@PORT@/shape-from> WHERE"
).replace("%s", "?x <http://evil.example/p> ?fetched")  # matches only what the server sends
SHAPE_RULE = (
    SHAPES_HEAD
    + "ex:Hostile a sh:NodeShape ; sh:targetClass pos:Party ; sh:rule [ a sh:SPARQLRule ; "
    'sh:construct """CONSTRUCT { $this ex:pwned true } WHERE { '
    'SERVICE <http://127.0.0.1:@PORT@/rule> { ?a ?b ?c } }""" ] .\n'
)

LONG = "a" * 30_000 + "b"


# -- the table --------------------------------------------------------------------------------


@dataclass
class Case:
    number: int
    label: str
    argv: list[str]  # after `positions --kb BASE`; @PORT@, @IN@, @CANARY@ are filled in
    exit: int | tuple[int, ...]
    message: str | None = None  # a substring of standard error (or output)
    stdout: str | None = None  # the exact standard output, when it matters
    files: dict[str, str | Callable[[Path], None]] = field(default_factory=dict)  # in @IN@
    base_files: dict[str, str] = field(default_factory=dict)  # written into the base copy
    process: bool = False  # run as a real process (time limits, crashes)
    seconds: float | None = None  # must finish within this many seconds

    @property
    def id(self) -> str:
        return f"{self.number:02d}-{self.label}"


def q(text: str, *more: str) -> list[str]:
    return ["query", "--sparql", text, "-f", "csv", *more]


CSV_HEAD = "id,label,speaker,role,party,date,stance,target,source,quote\n"
CSV_ROW = (
    "kb:stmt-hostile-csv,Hostile CSV,kb:vladimir-putin,kb:putin-president,kb:russia,"
    '2022-01-16,stance:insists,kb:demand-legal-guarantees,kb:source-003,"words"\n'
)
NAME_QUERY = "SELECT ?s WHERE { ?s rdfs:label ?l FILTER(STR(?l) = ?_name) }"

CASES = [
    # 1: SERVICE, refused before it runs
    Case(1, "service", q("SELECT * WHERE { SERVICE <http://127.0.0.1:@PORT@/s> { ?s ?p ?o } }"),
         2, "SERVICE"),
    Case(1, "service-silent",
         q("SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:@PORT@/s> { ?s ?p ?o } }"),
         2, "SERVICE"),
    Case(1, "service-in-filter-exists",
         q("SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE <http://127.0.0.1:@PORT@/e> {} } }"),
         2, "SERVICE"),
    # 2: FROM outside the base
    Case(2, "from-file", q("SELECT * FROM <file://@CANARY@> WHERE { ?s ?p ?o }"), 2,
         "outside the base"),
    Case(2, "from-named-http",
         q("SELECT * FROM NAMED <http://127.0.0.1:@PORT@/g> WHERE { GRAPH ?g { ?s ?p ?o } }"),
         2, "outside the base"),
    Case(2, "from-abs-path", q("SELECT * FROM <@CANARY@> WHERE { ?s ?p ?o }"), 2,
         "outside the base"),
    # 3: updates
    Case(3, "insert-data", q("INSERT DATA { <http://e.org/a> <http://e.org/b> 1 }"), 2,
         "use `positions add`"),
    Case(3, "delete-where", q("DELETE WHERE { ?s ?p ?o }"), 2, "use `positions add`"),
    Case(3, "load", q("LOAD <http://127.0.0.1:@PORT@/load>"), 2, "use `positions add`"),
    Case(3, "drop-all", q("DROP ALL"), 2, "use `positions add`"),
    # 4, 5: parameters bound as literals, never spliced
    Case(4, "param-or-true", q(NAME_QUERY, "-p", 'name=nobody" || true || "'), 0, stdout="s\n"),
    Case(5, "param-service",
         q(NAME_QUERY, "-p", 'name=x") SERVICE <http://127.0.0.1:@PORT@/p> { } FILTER("a"="a'),
         0, stdout="s\n"),
    # 6: an IRI parameter that would close the IRI
    Case(6, "iri-param", q("SELECT ?l WHERE { ?_who_iri rdfs:label ?l }", "-p",
                           "who=http://x> } UNION { ?s ?p ?o } #"),
         2, "parameter 'who' expects an IRI"),
    # 7, 8: time limit and row cap, in a real process that must stay healthy
    Case(7, "regex-backtracking",
         q(f'SELECT ?o WHERE {{ VALUES ?o {{ "{LONG}" }} FILTER regex(?o, "^(a+)+$") }}',
           "--timeout", "2"),
         0, stdout="o\n", process=True, seconds=15),
    Case(8, "cross-join-time",
         q("SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }", "--timeout", "1"),
         2, "ran past the time limit of 1 s", process=True, seconds=15),
    Case(8, "cross-join-rows", q("SELECT * WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"),
         2, "more than 100,000 rows", process=True, seconds=40),
    # 9: unterminated string on line 3
    *[
        Case(9, f"unterminated-{cmd}", [cmd, "@IN@/bad.ttl"], 2, "bad.ttl:3:",
             files={"bad.ttl": TTL + 'ex:a ex:p "no end .\nex:b ex:p "fine" .\n'})
        for cmd in ("validate", "add")
    ],
    # 10: invalid IRIs
    *[
        Case(10, f"iri-{name}-{cmd}", [cmd, "@IN@/iri.ttl"], 2, "iri.ttl:3:",
             files={"iri.ttl": TTL + f"ex:a ex:p {iri} .\n"})
        for name, iri in (("space", "<http://ex.org/a b>"), ("brace", "<a{b}>"),
                          ("escaped-space", "<http://ex.org/a\\u0020b>"))
        for cmd in ("validate", "add")
    ],
    # 11: a flat chain of 1,000 blank nodes: valid, readable, and refused by add's
    # depth limit when it would be written inline (data/ untouched)
    Case(11, "chain-validate", ["validate", "@IN@/chain.ttl"], 0, "0 violations",
         files={"chain.ttl": CHAIN}),
    Case(11, "chain-add", ["add", "@IN@/chain.ttl"], 2, "(Limits.max_nesting; raise it with",
         files={"chain.ttl": CHAIN}),
    # 12: deep nesting, refused within a second
    *[
        Case(12, f"nested-{kind}-{cmd}", [cmd, "@IN@/deep.ttl"], 2,
             "nested deeper than the limit of 64 (Limits.max_nesting; raise it with --max-nesting)",
             files={"deep.ttl": nested(o, c, n)}, process=True, seconds=10)
        for kind, o, c, n in (("brackets", "[", "]", 10_000), ("lists", "(", ")", 100_000))
        for cmd in ("validate", "add")
    ],
    # 13: size limit before parsing
    *[
        Case(13, f"{name}-{cmd}", [cmd, f"@IN@/{name}.ttl"], 2,
             "over the size limit of 52,428,800 bytes (Limits.max_bytes",
             files={f"{name}.ttl": writer}, seconds=5)
        for name, writer in (("literal-200mb", huge_literal), ("file-500mb", huge_file))
        for cmd in ("validate", "add")
    ],
    # 14: ill-typed literals
    *[
        Case(14, f"{name}-{cmd}", [cmd, "@IN@/typed.ttl"], 2, problem,
             files={"typed.ttl": TTL + f"\nex:a ex:p {literal} .\n"})
        for name, literal, problem in (
            ("abc-date", '"abc"^^xsd:date', "'abc' is not a valid xsd:date"),
            ("feb-30", '"2024-02-30"^^xsd:date', "'2024-02-30' is not a valid xsd:date"),
            ("maybe", '"maybe"^^xsd:boolean', "'maybe' is not a valid xsd:boolean"),
        )
        for cmd in ("validate", "add")
    ],
    # ... and the same in a file of the base itself: refused at load by every command
    *[
        Case(14, f"in-base-{cmd}", [cmd, *extra], 2, "data/zz.ttl:4:",
             base_files={"data/zz.ttl": TTL + '\nex:a ex:p "2024-02-30"^^xsd:date .\n'})
        for cmd, extra in (("query", ["meeting-timeline"]), ("export", []), ("validate", []))
    ],
    # 15: a bare integer of 5,000 digits
    *[
        Case(15, f"digits-{cmd}", [cmd, "@IN@/big.ttl"], 2,
             "has 5,000 digits, over the limit of 1,000 (Limits.max_number_digits",
             files={"big.ttl": TTL + "ex:a ex:p " + "7" * 5000 + " .\n"})
        for cmd in ("validate", "add")
    ],
    # 16: controls in literals: refused, and never printed raw
    *[
        Case(16, f"control-{name}-{cmd}", [cmd, "@IN@/ctl.ttl"], 2,
             f"the control character U+{code:04X}",
             files={"ctl.ttl": TTL + f'ex:a ex:p "{raw}" .\n'})
        for name, code, raw in (
            ("nul", 0x0, "a\\u0000b"),
            ("esc", 0x1B, "x \x1b[2J y"),
            ("rlo", 0x202E, "abc \u202e cba"),
        )
        for cmd in ("validate", "add")
    ],
    # 17: JSON-LD contexts that name a document
    *[
        Case(17, f"jsonld-{name}-{cmd}", [cmd, "@IN@/ctx.jsonld"], 2,
             "names a document to load",
             files={"ctx.jsonld": JSONLD.replace("CONTEXT", context)})
        for name, context in (("http", "http://127.0.0.1:@PORT@/ctx"),
                              ("file", "file://@CANARY@"))
        for cmd in ("validate", "add")
    ],
    # 18: RDF/XML with a DOCTYPE
    *[
        Case(18, f"doctype-{name}-{cmd}", [cmd, "@IN@/x.rdf"], 2,
             "RDF/XML with a DOCTYPE declaration is refused",
             files={"x.rdf": text}, seconds=1)
        for name, text in (("external", DOCTYPE_EXTERNAL), ("bomb", DOCTYPE_BOMB))
        for cmd in ("validate", "add")
    ],
    # ... through `positions import` (CSV cells) and `positions push` (the base at load)
    *[
        Case(number, f"import-{name}", ["import", "@IN@/statements.csv"], 2,
             f"statements.csv:2: column '{column}'",
             files={"statements.csv": CSV_HEAD + row})
        for number, name, column, row in (
            (6, "iri-cell", "speaker", CSV_ROW.replace("kb:vladimir-putin",
                                                       "http://x> } UNION { ?s ?p ?o } #")),
            (14, "feb-30", "date", CSV_ROW.replace("2022-01-16", "2024-02-30")),
            (16, "esc", "quote", CSV_ROW.replace("words", "x \x1b[2J y")),
            (16, "rlo", "quote", CSV_ROW.replace("words", "abc \u202e cba")),
        )
    ],
    Case(2, "push-file-url", ["push", "file://@CANARY@"], 2,
         "must be an http:// or https:// URL"),
    *[
        Case(number, f"push-{name}-in-base", ["push", "http://127.0.0.1:@PORT@/store"], 2,
             message, base_files={"data/zz.ttl": TTL + f"\nex:a ex:p {literal} .\n"})
        for number, name, literal, message in (
            (14, "feb-30", '"2024-02-30"^^xsd:date', "data/zz.ttl:4:"),
            (16, "esc", '"a\\u001bb"', "the control character U+001B"),
        )
    ],
    # 19: hostile shapes in the base: refused, or run offline without changing the data
    Case(19, "shape-sparql-service", ["validate"], 2, "SERVICE",
         base_files={"ontology/shapes/zz.shapes.ttl": SHAPE_SERVICE}),
    Case(19, "shape-sparql-from", ["validate", "-q"], 2, "FROM",
         base_files={"ontology/shapes/zz.shapes.ttl": SHAPE_FROM}),
    Case(19, "shape-sparql-rule", ["validate", "-q"], 2, "SERVICE",
         base_files={"ontology/shapes/zz.shapes.ttl": SHAPE_RULE}),
]  # fmt: skip


def test_every_case_runs_a_command_of_the_tool() -> None:
    assert sorted({c.argv[0] for c in CASES} - COMMANDS) == []


def fill(text: str, port: int, inputs: Path, canary: Path) -> str:
    return (
        text.replace("@PORT@", str(port))
        .replace("@IN@", str(inputs))
        .replace("@CANARY@", str(canary))
    )


@dataclass
class Outcome:
    exit_code: int
    stdout: str
    stderr: str
    seconds: float


def run_positions(base: Path, argv: list[str], *, process: bool, timeout: float = 120) -> Outcome:
    started = time.monotonic()
    if process:
        env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
        env.pop("POSITIONS_KB", None)
        done = subprocess.run(
            [sys.executable, "-m", "positions", "--kb", str(base), *argv],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )
        return Outcome(done.returncode, done.stdout, done.stderr, time.monotonic() - started)
    result = cli("--kb", str(base), *argv)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught exception: {result.exception!r}") from result.exception
    return Outcome(result.exit_code, result.stdout, result.stderr, time.monotonic() - started)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_hostile_case(
    case: Case, base: Path, server: tuple[int, list[Request]], tmp_path: Path
) -> None:
    port, hits = server
    inputs = tmp_path / "in"
    inputs.mkdir()
    canary = tmp_path / "canary.ttl"
    canary.write_text("<http://example.org/secret> <http://example.org/p> 'secret' .\n")
    for name, content in case.files.items():
        if callable(content):
            content(inputs / name)
        else:
            (inputs / name).write_text(fill(content, port, inputs, canary), encoding="utf-8")
    for name, content in case.base_files.items():
        (base / name).write_text(fill(content, port, inputs, canary), encoding="utf-8")
    before = tree_digest(base / "data")
    argv = [fill(arg, port, inputs, canary) for arg in case.argv]

    WATCHED.add(str(canary))
    OPENED.clear()
    try:
        outcome = run_positions(base, argv, process=case.process)
    finally:
        WATCHED.discard(str(canary))

    output = outcome.stdout + outcome.stderr
    expected = case.exit if isinstance(case.exit, tuple) else (case.exit,)
    assert outcome.exit_code in expected, output[-2000:]
    if case.message is not None:
        assert case.message in output, output[-2000:]
    if case.stdout is not None:
        assert outcome.stdout == case.stdout
    assert "Traceback" not in output
    assert "unexpected internal error" not in output
    for raw in ("\x00", "\x1b", "\u202e"):  # controls are escaped when printed
        assert raw not in output
    if case.seconds is not None:
        assert outcome.seconds < case.seconds, f"took {outcome.seconds:.1f} s"
    assert tree_digest(base / "data") == before, "data/ changed"
    assert hits == [], "a request left the process"
    assert OPENED == [], "the canary file was opened"


def test_the_table_covers_every_case() -> None:
    assert {c.number for c in CASES} | {20} == set(range(1, 21))
    assert len({c.id for c in CASES}) == len(CASES)


def test_the_string_parameter_query_finds_a_real_label(base: Path) -> None:
    """Cases 4 and 5 return no rows because the value is a literal, not because the query
    never matches: the same query with a real label finds its node."""
    result = cli(
        "--kb", str(base), "query", "--sparql", NAME_QUERY, "-f", "csv", "-p", "name=Russia"
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == ["s", "https://w3id.org/positions/id/russia"]


def test_the_clean_csv_row_imports(base: Path, tmp_path: Path) -> None:
    """The import rows above fail because of the one cell that was made hostile."""
    path = tmp_path / "statements.csv"
    path.write_text(CSV_HEAD + CSV_ROW)
    result = cli("--kb", str(base), "import", str(path), "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "kb:stmt-hostile-csv" in result.stdout


def test_case_11_refusal_names_the_input_file(base: Path, tmp_path: Path) -> None:
    """Not add's own rendering of the input (data/other.ttl), which is never written."""
    path = tmp_path / "chain.ttl"
    path.write_text(CHAIN)
    result = cli("--kb", str(base), "add", str(path))
    assert result.exit_code == 2
    assert f"Error: {path}:" in result.stderr
    assert "other.ttl" not in result.stderr


# -- case 20: concurrent adds, and kill -9 during a write ------------------------------------

NEW_FACTS = (
    TURTLE_PREFIXES
    + """
kb:stmt-hostile-{name} a pos:Statement ;
    rdfs:label "Hostile test {name}"@en ;
    pos:speaker kb:vladimir-putin ;
    pos:inRole kb:putin-president ;
    pos:onBehalfOf kb:russia ;
    pos:notAfter "2022-01-16"^^xsd:date ;
    pos:stance stance:insists ;
    pos:target kb:demand-legal-guarantees ;
    pos:evidence [ pos:source kb:source-hostile-{name} ; pos:quote "words {name}" ] .

kb:source-hostile-{name} a pos:Source ;
    rdfs:label "Hostile source {name}"@en ;
    pos:genre genre:news-report ;
    pos:publishedOn "2022-01-16"^^xsd:date .
"""
)


def _every_data_file_parses(base: Path) -> None:
    for path in (base / "data").glob("*.ttl"):
        list(ox.parse(path.read_bytes(), format=ox.RdfFormat.TURTLE))


def _holds(base: Path, name: str) -> bool:
    from positions import KnowledgeBase

    kb = KnowledgeBase.open(base)
    return bool(kb.query(f"ASK {{ kb:stmt-hostile-{name} pos:evidence/pos:source ?s }}"))


def test_case_20_concurrent_adds_and_kill_9(base: Path, tmp_path: Path) -> None:
    files = {}
    for name in ("one", "two", "killed", "after"):
        files[name] = tmp_path / f"{name}.ttl"
        files[name].write_text(NEW_FACTS.replace("{name}", name))

    # Two concurrent runs: both complete, both land.
    runs = [start_add(base, files["one"]), start_add(base, files["two"])]
    for run in runs:
        _out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    assert _holds(base, "one") and _holds(base, "two")
    _every_data_file_parses(base)

    # kill -9 in the middle of the renames: every file still parses.
    run = start_add(base, files["killed"], pause="after-first-replace")
    assert run.stderr is not None
    assert run.stderr.readline().strip() == "positions: paused at after-first-replace"
    os.kill(run.pid, signal.SIGKILL)
    run.wait(timeout=10)
    run.stdout.close()  # type: ignore[union-attr]
    run.stderr.close()
    _every_data_file_parses(base)

    # The next add tidies up (finishes the journaled transaction) and lands too.
    after = start_add(base, files["after"])
    _out, err = after.communicate(timeout=120)
    assert after.returncode == 0, err
    assert [p.name for p in (base / "data").iterdir() if p.name.startswith(".")] == []
    assert all(_holds(base, name) for name in ("one", "two", "killed", "after"))
    _every_data_file_parses(base)
