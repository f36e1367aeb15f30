"""Issue 18, "Done when": keeping the base current, as a new user would, from docs/adding.md.

The written responses of 26 January 2022 and the reactions to them (two official sources,
a news report, the two promised documents now sent, two people with roles, four statements)
are entered in Turtle and again from CSV files alone; the mistakes the issue names are
refused or warned about with data/ unchanged; a status change and a retraction show in
``positions log``.

Faithful data: the seeds say nothing of 26 January, so every source, text, person and
statement here is a test fixture, labelled "Test:" or named ``kb:test-...``, written into a
temporary copy of the base only. The sources' texts are the test's own (``sources/<id>.txt``
with their SHA-256 recorded), and every quote is a verbatim part of its fixture text.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

from positions import KnowledgeBase
from support import KB, TURTLE_PREFIXES, cli, copy_bundled, tree_digest

PREFIXES = TURTLE_PREFIXES + (
    "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
    "@prefix org: <http://www.w3.org/ns/org#> .\n"
    "@prefix status: <https://w3id.org/positions/vocab/status/> .\n"
)

# The fixture texts: invented for the tests, and saying so in their first line.
TEXTS = {
    "test-source-state-briefing": (
        "Test fixture: an invented transcript for the tests of positions, not a real one.\n"
        "Briefing by the test spokesperson of the State Department, 26 January 2022.\n"
        "THE TEST SPOKESPERSON: Today our ambassador in Moscow delivered the written response"
        " of the United States to Russia's proposals.\n"
        "We will not close NATO's open door; that is not on the table.\n"
    ),
    "test-source-nato-statement": (
        "Test fixture: an invented statement for the tests of positions, not a real one.\n"
        "Statement by the test press officer of NATO, 26 January 2022.\n"
        "NATO has today sent its written proposals to Russia.\n"
        "Allies are ready to discuss arms control and transparency on military exercises.\n"
    ),
    "test-source-news": (
        "Test fixture: an invented news report for the tests of positions, not a real one.\n"
        "The alliance's test press officer said the allies were ready to discuss arms control"
        " with Moscow.\n"
    ),
}
US_SENT = (
    "Today our ambassador in Moscow delivered the written response of the United States"
    " to Russia's proposals."
)
OPEN_DOOR = "We will not close NATO's open door; that is not on the table."
NATO_SENT = "NATO has today sent its written proposals to Russia."
ARMS = "Allies are ready to discuss arms control and transparency on military exercises."
ARMS_NEWS = (
    "The alliance's test press officer said the allies were ready to discuss arms control"
    " with Moscow."
)
STATEMENTS = [
    "test-stmt-us-response-delivered",
    "test-stmt-us-open-door",
    "test-stmt-nato-response-sent",
    "test-stmt-nato-arms-control",
]


def sha256(name: str) -> str:
    return hashlib.sha256(TEXTS[name].encode("utf-8")).hexdigest()


def keep_texts(base: Path) -> None:
    """Docs, "Source texts": the text goes in sources/<name>.txt beside data/."""
    for name, text in TEXTS.items():
        (base / "sources" / f"{name}.txt").write_bytes(text.encode("utf-8"))


def new_facts(*, open_door_date: str = "2022-01-26", open_door_quote: str = OPEN_DOOR) -> str:
    """The Turtle of the 26 January responses, written from docs/adding.md."""
    return (
        PREFIXES
        + f"""
kb:test-news-wire a pos:Outlet ;
    rdfs:label "Test: News Wire"@en .

kb:test-source-state-briefing a pos:Source ;
    rdfs:label "Test: State Department briefing of 26 January 2022"@en ;
    dcterms:title "Test: Department Press Briefing" ;
    dcterms:publisher kb:us-state-department ;
    pos:genre genre:official-transcript ;
    pos:publishedOn "2022-01-26"^^xsd:date ;
    pos:textSha256 "{sha256("test-source-state-briefing")}" .

kb:test-source-nato-statement a pos:Source ;
    rdfs:label "Test: NATO statement of 26 January 2022"@en ;
    dcterms:title "Test: Statement on the written proposals" ;
    dcterms:publisher kb:nato ;
    pos:genre genre:official-statement ;
    pos:publishedOn "2022-01-26"^^xsd:date ;
    pos:textSha256 "{sha256("test-source-nato-statement")}" .

kb:test-source-news a pos:Source ;
    rdfs:label "Test: news report of 27 January 2022 (Test: News Wire)"@en ;
    dcterms:title "Test: Alliance ready to talk arms control" ;
    dcterms:publisher kb:test-news-wire ;
    pos:genre genre:news-report ;
    pos:publishedOn "2022-01-27"^^xsd:date ;
    pos:textSha256 "{sha256("test-source-news")}" .

kb:test-state-spokesperson a pos:Person ;
    rdfs:label "Test State Spokesperson"@en .

kb:test-state-spokesperson-role a org:Membership ;
    rdfs:label "Test: State Spokesperson, spokesperson of the State Department"@en ;
    org:member kb:test-state-spokesperson ;
    org:organization kb:us-state-department ;
    org:role kb:role-spokesperson ;
    pos:evidence [ pos:source kb:test-source-state-briefing ;
        pos:excerpt "the test spokesperson of the State Department" ] .

kb:test-nato-press-officer a pos:Person ;
    rdfs:label "Test NATO Press Officer"@en .

kb:test-nato-press-officer-role a org:Membership ;
    rdfs:label "Test: NATO Press Officer, press officer of NATO"@en ;
    org:member kb:test-nato-press-officer ;
    org:organization kb:nato ;
    org:role kb:role-spokesperson ;
    pos:evidence [ pos:source kb:test-source-nato-statement ;
        pos:excerpt "the test press officer of NATO" ] .

kb:us-written-response pos:evidence [ pos:source kb:test-source-state-briefing ;
    pos:excerpt "{US_SENT}" ] .

kb:nato-written-response pos:evidence [ pos:source kb:test-source-nato-statement ;
    pos:excerpt "{NATO_SENT}" ] .

kb:test-stmt-us-response-delivered a pos:Statement ;
    rdfs:label "Test: the US written response is delivered"@en ;
    pos:speaker kb:test-state-spokesperson ;
    pos:inRole kb:test-state-spokesperson-role ;
    pos:onBehalfOf kb:united-states ;
    pos:stance stance:announces ;
    pos:target kb:us-written-response ;
    pos:date "2022-01-26"^^xsd:date ;
    pos:evidence [ pos:source kb:test-source-state-briefing ;
        pos:quote "{US_SENT}" ] .

kb:test-stmt-us-open-door a pos:Statement ;
    rdfs:label "Test: the US will not close NATO's open door"@en ;
    pos:speaker kb:test-state-spokesperson ;
    pos:inRole kb:test-state-spokesperson-role ;
    pos:onBehalfOf kb:united-states ;
    pos:stance stance:rejects ;
    pos:target kb:demand-no-nato-enlargement ;
    pos:date "{open_door_date}"^^xsd:date ;
    pos:evidence [ pos:source kb:test-source-state-briefing ;
        pos:quote "{open_door_quote}" ] .

kb:test-stmt-nato-response-sent a pos:Statement ;
    rdfs:label "Test: NATO's written proposals are sent"@en ;
    pos:speaker kb:test-nato-press-officer ;
    pos:inRole kb:test-nato-press-officer-role ;
    pos:onBehalfOf kb:nato ;
    pos:stance stance:announces ;
    pos:target kb:nato-written-response ;
    pos:date "2022-01-26"^^xsd:date ;
    pos:evidence [ pos:source kb:test-source-nato-statement ;
        pos:quote "{NATO_SENT}" ] .

kb:test-stmt-nato-arms-control a pos:Statement ;
    rdfs:label "Test: NATO is ready to discuss arms control and exercises"@en ;
    pos:speaker kb:test-nato-press-officer ;
    pos:inRole kb:test-nato-press-officer-role ;
    pos:onBehalfOf kb:nato ;
    pos:stance stance:open-to-discuss ;
    pos:target kb:demand-no-exercises-nearby ;
    pos:date "2022-01-26"^^xsd:date ;
    pos:evidence [ pos:source kb:test-source-nato-statement ; pos:quote "{ARMS}" ],
        [ pos:source kb:test-source-news ; pos:paraphrase "{ARMS_NEWS}" ] .
"""
    )


# Docs, "Changing facts": the status that changes in time, with the sending date.
SENT = PREFIXES + "".join(
    f'kb:{name} pos:documentStatus status:sent ; pos:sentOn "2022-01-26"^^xsd:date .\n'
    for name in ("us-written-response", "nato-written-response")
)

# The same facts as rows, one file per kind (docs/adding.md, "Spreadsheets").
ROWS: dict[str, list[dict[str, str]]] = {
    "outlet": [{"id": "test-news-wire", "label": "Test: News Wire"}],
    "person": [
        {"id": "test-state-spokesperson", "label": "Test State Spokesperson"},
        {"id": "test-nato-press-officer", "label": "Test NATO Press Officer"},
    ],
    "source": [
        {
            "id": "test-source-state-briefing",
            "label": "Test: State Department briefing of 26 January 2022",
            "title": "Test: Department Press Briefing",
            "publisher": "us-state-department",
            "genre": "official-transcript",
            "published_on": "2022-01-26",
            "text_sha256": sha256("test-source-state-briefing"),
        },
        {
            "id": "test-source-nato-statement",
            "label": "Test: NATO statement of 26 January 2022",
            "title": "Test: Statement on the written proposals",
            "publisher": "nato",
            "genre": "official-statement",
            "published_on": "2022-01-26",
            "text_sha256": sha256("test-source-nato-statement"),
        },
        {
            "id": "test-source-news",
            "label": "Test: news report of 27 January 2022 (Test: News Wire)",
            "title": "Test: Alliance ready to talk arms control",
            "publisher": "test-news-wire",
            "genre": "news-report",
            "published_on": "2022-01-27",
            "text_sha256": sha256("test-source-news"),
        },
    ],
    "role-held": [
        {
            "id": "test-state-spokesperson-role",
            "label": "Test: State Spokesperson, spokesperson of the State Department",
            "member": "test-state-spokesperson",
            "organization": "us-state-department",
            "role": "role-spokesperson",
            "source": "test-source-state-briefing",
            "excerpt": "the test spokesperson of the State Department",
        },
        {
            "id": "test-nato-press-officer-role",
            "label": "Test: NATO Press Officer, press officer of NATO",
            "member": "test-nato-press-officer",
            "organization": "nato",
            "role": "role-spokesperson",
            "source": "test-source-nato-statement",
            "excerpt": "the test press officer of NATO",
        },
    ],
    "document": [
        {"id": "us-written-response", "source": "test-source-state-briefing", "excerpt": US_SENT},
        {
            "id": "nato-written-response",
            "source": "test-source-nato-statement",
            "excerpt": NATO_SENT,
        },
    ],
}
_US = {
    "date": "2022-01-26",
    "speaker": "test-state-spokesperson",
    "role": "test-state-spokesperson-role",
    "party": "united-states",
    "source": "test-source-state-briefing",
}
_NATO = {
    "date": "2022-01-26",
    "speaker": "test-nato-press-officer",
    "role": "test-nato-press-officer-role",
    "party": "nato",
    "source": "test-source-nato-statement",
}
ROWS["statement"] = [
    {
        **_US,
        "id": "test-stmt-us-response-delivered",
        "label": "Test: the US written response is delivered",
        "stance": "announces",
        "target": "us-written-response",
        "quote": US_SENT,
    },
    {
        **_US,
        "id": "test-stmt-us-open-door",
        "label": "Test: the US will not close NATO's open door",
        "stance": "rejects",
        "target": "demand-no-nato-enlargement",
        "quote": OPEN_DOOR,
    },
    {
        **_NATO,
        "id": "test-stmt-nato-response-sent",
        "label": "Test: NATO's written proposals are sent",
        "stance": "announces",
        "target": "nato-written-response",
        "quote": NATO_SENT,
    },
    {
        **_NATO,
        "id": "test-stmt-nato-arms-control",
        "label": "Test: NATO is ready to discuss arms control and exercises",
        "stance": "open-to-discuss",
        "target": "demand-no-exercises-nearby",
        "quote": ARMS,
    },
    # A repeated id adds one more evidence: the news report's words.
    {"id": "test-stmt-nato-arms-control", "source": "test-source-news", "paraphrase": ARMS_NEWS},
]


def run(base: Path, *args: str):
    return cli("--kb", str(base), *args)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def csv_from_template(kind: str, rows: list[dict[str, str]]) -> str:
    """Fill the header that ``positions import --template KIND`` prints."""
    template = cli("import", "--template", kind)
    assert template.exit_code == 0, template.output
    header = template.stdout.splitlines()[0].split(",")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({"kind": kind, **row})
    return buffer.getvalue()


def import_rows(base: Path, folder: Path, kind: str, rows: list[dict[str, str]]):
    """Fill KIND's template with ROWS, save it as KIND.csv and import it."""
    return run(base, "import", str(write(folder, f"{kind}.csv", csv_from_template(kind, rows))))


def amend_sent(base: Path, tmp_path: Path) -> None:
    amended = run(
        base,
        "amend",
        str(write(tmp_path, "sent.ttl", SENT)),
        "--by",
        "tester",
        "--reason",
        "Test: delivered on 26 January 2022",
    )
    assert amended.exit_code == 0, amended.output
    out = amended.stdout
    assert "kb:us-written-response pos:documentStatus: status:promised -> status:sent" in out
    assert "kb:nato-written-response pos:documentStatus: status:promised -> status:sent" in out
    assert 'kb:us-written-response pos:sentOn: (none) -> "2022-01-26"^^xsd:date' in out


def rows(base: Path, *args: str) -> list[dict[str, str]]:
    result = run(base, *args, "-f", "json")
    assert result.exit_code == 0, result.output
    bindings = json.loads(result.stdout)["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in bindings]


def assert_the_responses_are_in(base: Path) -> None:
    """The outcome both ways must reach: valid, found by the saved queries, logged."""
    valid = run(base, "validate", "-q")
    assert valid.exit_code == 0, valid.output
    assert "0 violations" in run(base, "validate").stdout

    documents = {r["document"]: r for r in rows(base, "query", "documents")}
    for name in ("us-written-response", "nato-written-response"):
        assert documents[KB + name]["status"] == "sent"
        assert documents[KB + name]["sent"] == "2022-01-26"
    assert "Test: State Department briefing" in documents[KB + "us-written-response"]["sources"]

    listed = {r["statement"] for r in rows(base, "query", "statements")}
    assert {KB + s for s in STATEMENTS} <= listed
    spoken = rows(base, "query", "person-statements", "-p", "person=kb:test-nato-press-officer")
    assert {r["statement"] for r in spoken} == {
        KB + "test-stmt-nato-response-sent",
        KB + "test-stmt-nato-arms-control",
    }
    # The official sources are published by party bodies, with the official genres.
    kb = KnowledgeBase.open(base)
    published = kb.query(
        "SELECT ?s ?publisher WHERE { ?s pos:genre ?g ; dcterms:publisher ?publisher . "
        "FILTER (?g IN (genre:official-transcript, genre:official-statement)) "
        "FILTER (STRSTARTS(STR(?s), STR(kb:test-))) }"
    )
    assert sorted(row["publisher"].value for row in published.rows) == [
        KB + "nato",
        KB + "us-state-department",
    ]

    log = rows(base, "log", "kb:us-written-response")
    status = [r for r in log if r["property"].endswith("#documentStatus")]
    assert [(r["kind"], r["old"], r["new"], r["by"]) for r in status] == [
        ("amend", "status:promised", "status:sent", "tester")
    ]
    assert status[0]["reason"] == "Test: delivered on 26 January 2022"


def test_the_written_responses_in_turtle(base: Path, tmp_path: Path) -> None:
    keep_texts(base)
    added = run(base, "add", str(write(tmp_path, "responses.ttl", new_facts())))
    assert added.exit_code == 0, added.output
    assert "12 new nodes, 2 existing nodes extended" in added.stdout
    amend_sent(base, tmp_path)
    assert_the_responses_are_in(base)


def test_the_written_responses_from_csv_files(base: Path, tmp_path: Path) -> None:
    keep_texts(base)
    # Docs: parties, outlets and people first, then sources, roles held, documents, then
    # statements.
    for kind in ("outlet", "person", "source", "role-held", "document", "statement"):
        imported = import_rows(base, tmp_path, kind, ROWS[kind])
        assert imported.exit_code == 0, (kind, imported.output)
        assert "Violation" not in imported.stdout
    # The status change is an amend, and amend reads RDF only: a CSV of the new status is
    # refused as a conflict by import, and as an unknown file type by amend.
    sent_csv = write(
        tmp_path,
        "sent.csv",
        csv_from_template(
            "document",
            [
                {"id": name, "status": "sent", "sent_on": "2022-01-26"}
                for name in ("us-written-response", "nato-written-response")
            ],
        ),
    )
    before = tree_digest(base / "data")
    conflict = run(base, "import", str(sent_csv))
    assert conflict.exit_code == 1
    assert "conflicts with status:promised" in conflict.output
    assert "positions amend" in conflict.output
    not_rdf = run(base, "amend", str(sent_csv))
    assert not_rdf.exit_code == 2
    assert "unknown RDF file type '.csv'" in not_rdf.output
    assert tree_digest(base / "data") == before
    amend_sent(base, tmp_path)
    assert_the_responses_are_in(base)

    # The same outcome as the Turtle: data/ byte for byte, but for the change log.
    turtle = copy_bundled(tmp_path / "turtle")
    keep_texts(turtle)
    assert run(turtle, "add", str(write(tmp_path, "responses.ttl", new_facts()))).exit_code == 0
    amend_sent(turtle, tmp_path)
    for path in sorted((base / "data").rglob("*.ttl")):
        if path.name != "changes.ttl":
            mirror = turtle / path.relative_to(base)
            assert path.read_bytes() == mirror.read_bytes(), path.name


def refused(base: Path, *args: str):
    before = tree_digest(base / "data")
    result = run(base, *args)
    assert result.exit_code == 1, result.output
    assert "nothing was written" in result.output
    assert tree_digest(base / "data") == before
    return result


def test_a_response_dated_before_the_demand_is_refused(base: Path, tmp_path: Path) -> None:
    keep_texts(base)
    early = write(tmp_path, "early.ttl", new_facts(open_door_date="2021-01-26"))
    out = refused(base, "add", str(early)).output
    assert (
        "This response (pos:target) is dated 2021-01-26, before the earliest date known for "
        "kb:demand-no-nato-enlargement, which it answers (2021-12-15)"
    ) in out
    assert "1 violation" in out
    # The same mistake in a spreadsheet, at its row.
    for kind in ("outlet", "person", "source", "role-held"):
        assert import_rows(base, tmp_path, kind, ROWS[kind]).exit_code == 0
    wrong = [dict(r) for r in ROWS["statement"]]
    wrong[1]["date"] = "2021-01-26"
    out = refused(
        base, "import", str(write(tmp_path, "statement.csv", csv_from_template("statement", wrong)))
    ).output
    assert "statement.csv" in out and "3: Violation  kb:test-stmt-us-open-door" in out


def test_a_duplicate_person_is_warned_and_strict_refuses(base: Path, tmp_path: Path) -> None:
    antony = write(
        tmp_path,
        "antony.ttl",
        PREFIXES + 'kb:antony-blinken a pos:Person ; rdfs:label "Antony Blinken"@en .\n',
    )
    looks_like = (
        "kb:antony-blinken (Antony Blinken) looks like kb:anthony-blinken (Anthony Blinken),"
        " already in the base"
    )
    # validate FILE, before anything is written (docs: "validate FILE and import give the
    # same warning").
    checked = run(base, "validate", str(antony))
    assert looks_like in checked.output
    strict = refused(base, "add", "--strict", str(antony))
    assert looks_like in strict.output
    assert "warnings fail under --strict" in strict.output
    added = run(base, "add", str(antony))
    assert added.exit_code == 0, added.output
    assert looks_like in added.output
    assert "use kb:anthony-blinken instead" in added.output
    # A second node labelled exactly as the one the base has.
    again = write(
        tmp_path,
        "again.ttl",
        PREFIXES + 'kb:test-blinken-again a pos:Person ; rdfs:label "Anthony Blinken"@en .\n',
    )
    twice = refused(base, "add", "--strict", str(again))
    assert "kb:test-blinken-again (Anthony Blinken) looks like kb:anthony-blinken" in twice.output


def test_an_iri_the_base_does_not_have_is_named_with_a_suggestion(
    base: Path, tmp_path: Path
) -> None:
    keep_texts(base)
    typo = new_facts().replace(
        "pos:speaker kb:test-state-spokesperson ;\n"
        "    pos:inRole kb:test-state-spokesperson-role ;\n"
        "    pos:onBehalfOf kb:united-states ;\n    pos:stance stance:rejects ;\n"
        "    pos:target kb:demand-no-nato-enlargement ;",
        "pos:speaker kb:antony-blinken ;\n    pos:onBehalfOf kb:united-states ;\n"
        "    pos:stance stance:rejects ;\n    pos:target kb:demand-no-nato-enlargment ;",
    )
    assert typo != new_facts()
    out = run(base, "add", "--dry-run", str(write(tmp_path, "typo.ttl", typo))).output
    assert (
        "kb:antony-blinken is not in the base, and no new file describes it; "
        "did you mean kb:anthony-blinken (Anthony Blinken)?"
    ) in out
    assert (
        "kb:demand-no-nato-enlargment is not in the base, and no new file describes it; "
        "did you mean kb:demand-no-nato-enlargement"
    ) in out
    asked = run(base, "query", "person-statements", "-p", "person=kb:antony-blinken")
    assert asked.exit_code == 0
    assert (
        "Warning: kb:antony-blinken is not in the base; did you mean kb:anthony-blinken "
        "(Anthony Blinken)?"
    ) in asked.stderr


def test_a_quote_not_in_its_source_text_is_refused(base: Path, tmp_path: Path) -> None:
    keep_texts(base)
    wrong = "We will never close NATO's open door; that is not on the table."
    text = new_facts(open_door_quote=wrong)
    path = write(tmp_path, "misquote.ttl", text)
    out = refused(base, "add", str(path)).output
    assert (
        "This quote is not in the text of kb:test-source-state-briefing "
        "(sources/test-source-state-briefing.txt)"
    ) in out
    line = next(n for n, t in enumerate(text.splitlines(), 1) if wrong in t)
    assert str(path) in out or "misquote.ttl" in out
    assert f"  {line}: Violation  kb:test-stmt-us-open-door" in out


def test_a_status_change_and_a_retraction_show_in_the_log(base: Path, tmp_path: Path) -> None:
    keep_texts(base)
    assert run(base, "add", str(write(tmp_path, "responses.ttl", new_facts()))).exit_code == 0
    amend_sent(base, tmp_path)
    # The news report still carries a statement: retracting it alone is refused.
    pointed = refused(base, "retract", "kb:test-source-news")
    assert "kb:test-stmt-nato-arms-control pos:evidence/pos:source kb:test-source-news" in (
        pointed.output
    )
    gone = run(
        base, "retract", "kb:test-stmt-nato-arms-control", "--by", "tester", "--reason", "Test: x"
    )
    assert gone.exit_code == 0, gone.output
    assert run(base, "validate", "-q").exit_code == 0

    log = rows(base, "log")
    kinds = [(r["kind"], r["node"].removeprefix(KB)) for r in log]
    assert ("amend", "us-written-response") in kinds
    assert ("retract", "test-stmt-nato-arms-control") in kinds
    retracted = [r for r in rows(base, "log", "kb:test-stmt-nato-arms-control")]
    assert {r["kind"] for r in retracted} == {"add", "retract"}
    kept = [
        r["old"]
        for r in retracted
        if r["kind"] == "retract" and r["property"].endswith("#evidence")
    ]
    assert any("ready to discuss arms control" in words for words in kept)  # never lost
    assert all(r["new"] == "(none)" for r in retracted if r["kind"] == "retract")
    assert all(r["reason"] == "Test: x" for r in retracted if r["kind"] == "retract")
