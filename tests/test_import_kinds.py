"""``positions import`` for every kind a new negotiation needs, and ``--template``.

A small new negotiation (a test one: two states, a ministry, an envoy, his role
and the role he holds, an outlet, a source with its text, a draft treaty, a
meeting, a demand and a statement) is entered into a copy of the base from CSV
files alone, then queried.  Two imports (parties.csv, named for its kind, and
one file with a 'kind' column for the rest) each validate the whole base: about
2 s each on a loaded machine.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest

from positions import KnowledgeBase
from positions.adding.csvimport import KINDS, all_columns, read_csv, template
from support import cli, tree_digest

SOURCE_TEXT = (
    "State A sent State B a draft treaty on 3 March 2031. At the talks in Geneva on\n"
    "10 March, envoy Ann Test said: “State B must withdraw its forces from the border.”\n"
)
PARTIES = """id,label,type,part_of,same_as
kb:test-state-a,Test State A,state,,
kb:test-state-b,Test State B,state,,
kb:test-a-ministry,Test State A Foreign Ministry,ministry,kb:test-state-a,
"""
NEGOTIATION = """kind,id,label,type,member,organization,role,began,title,publisher,published_on,\
genre,text_sha256,made_by,addressed_to,status,sent_on,date,place,format,participant,topic,\
stated_in,speaker,party,occasion,stance,target,source,quote,excerpt
person,kb:test-ann,Ann Test,,,,,,,,,,,,,,,,,,,,,,,,,,,,
outlet,kb:test-gazette,The Test Gazette,,,,,,,,,,,,,,,,,,,,,,,,,,,,
role,kb:role-test-envoy,Envoy,,,,,,,,,,,,,,,,,,,,,,,,,,,,
source,kb:source-test-gazette,The Test Gazette on the talks,,,,,,Talks in Geneva,\
kb:test-gazette,2031-03-11,news-report,{sha},,,,,,,,,,,,,,,,,,
role-held,kb:test-ann-envoy,"Ann Test, envoy of State A",,kb:test-ann,kb:test-a-ministry,\
kb:role-test-envoy,2031-01-01,,,,,,,,,,,,,,,,,,,,,kb:source-test-gazette,,envoy Ann Test
document,kb:test-draft-treaty,State A's draft treaty,,,,,,,,,,,kb:test-state-a,kb:test-state-b,\
sent,2031-03-03,,,,,,,,,,,,kb:source-test-gazette,,State A sent State B a draft treaty
meeting,kb:test-geneva-talks,Geneva talks of 10 March,,,,,,,,,,,,,,,2031-03-10,kb:geneva,\
bilateral-talks,kb:test-state-a;kb:test-state-b,,,,,,,,kb:source-test-gazette,,At the talks in \
Geneva on 10 March
demand,kb:demand-test-withdrawal,State B to withdraw its forces from the border,,,,,,,,,,,\
kb:test-state-a,kb:test-state-b,,,,,,,military-deployments,kb:test-draft-treaty,,,,,,\
kb:source-test-gazette,State B must withdraw its forces from the border.,
statement,kb:stmt-test-ann-withdrawal,Ann Test: State B must withdraw,,,,kb:test-ann-envoy,,,,,\
,,,kb:test-state-b,,,,,,,,,kb:test-ann,kb:test-state-a,kb:test-geneva-talks,demands,\
kb:demand-test-withdrawal,kb:source-test-gazette,"State B must withdraw its forces from the \
border.",
"""


def run(base: Path, *args: str):
    return cli("--kb", str(base), "import", *args)


def write(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_has_a_template_whose_row_reads(kind: str) -> None:
    result = cli("import", "--template", kind)
    assert result.exit_code == 0, result.output
    header, row = list(csv.reader(io.StringIO(result.stdout)))
    assert header == KINDS[kind].header() and len(row) == len(header)
    assert row[0] == kind and row[1].startswith("kb:")


def test_an_unknown_template_is_refused() -> None:
    result = cli("import", "--template", "persn")
    assert result.exit_code == 2
    assert "--template 'persn' is not one of: statement," in result.stderr


def test_a_new_negotiation_from_csv_files_alone(base: Path, tmp_path: Path) -> None:
    (base / "sources" / "source-test-gazette.txt").write_text(SOURCE_TEXT, encoding="utf-8")
    sha = hashlib.sha256(SOURCE_TEXT.encode()).hexdigest()
    for name, body in (
        ("parties.csv", PARTIES),
        ("negotiation.csv", NEGOTIATION.replace("{sha}", sha)),
    ):
        result = run(base, str(write(tmp_path, name, body)))
        assert result.exit_code == 0, result.output
        assert "Violation" not in result.stdout
    kb = KnowledgeBase.open(base)
    rows = kb.query("person-statements", person="kb:test-ann").rows
    assert [(r["date"].value, r["stanceLabel"].value, r["party"].value) for r in rows] == [
        ("2031-03-10", "demands", "Test State A")
    ]
    assert kb.query(
        """ASK { kb:demand-test-withdrawal pos:statedIn kb:test-draft-treaty ;
                   pos:madeBy kb:test-state-a .
                 kb:test-draft-treaty pos:sentOn "2031-03-03"^^xsd:date ;
                   pos:documentStatus status:sent .
                 kb:test-ann-envoy org:organization kb:test-a-ministry ; org:role ?role ;
                   org:memberDuring/time:hasBeginning/time:inXSDDate "2031-01-01"^^xsd:date .
                 ?role skos:inScheme pos:RoleScheme .
                 kb:test-a-ministry a pos:Ministry ; org:subOrganizationOf kb:test-state-a .
                 kb:source-test-gazette dcterms:publisher kb:test-gazette .
                 kb:test-geneva-talks pos:participant kb:test-state-b ; pos:place kb:geneva . }"""
    ).boolean


def test_a_quote_not_in_the_source_text_is_refused_at_its_row(base: Path, tmp_path: Path) -> None:
    body = (
        "id,label,speaker,role,party,occasion,stance,target,source,quote\n"
        "kb:stmt-test-csv-quote,Test,kb:konstantin-kosachev,"
        "kb:kosachev-federation-council-deputy-chairman,kb:russia,kb:kosachev-remarks-to-rt,"
        "rejects,kb:demand-no-nato-enlargement,kb:source-003,words Kosachev never said\n"
    )
    digest = tree_digest(base / "data")
    result = run(base, str(write(tmp_path, "statements.csv", body)))
    assert result.exit_code == 1, result.output
    out = result.stdout + result.stderr
    assert "statements.csv" in out and "2: Violation" in out
    assert "path pos:quote (column 'quote')" in out
    assert "This quote is not in the text of kb:source-003" in out
    assert tree_digest(base / "data") == digest


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (
            "id,label,type\nkb:test-x,X,stat\n",
            "parties.csv:2: column 'type': unknown type 'stat' (known: state, alliance,",
        ),
        (
            "id,label,same_as\nkb:test-x,X,kb:russia\n",
            "parties.csv:2: column 'same_as': 'kb:russia' is not an IRI of another dataset",
        ),
        (
            "id,label,member\nkb:test-x,X,kb:nobody\n",
            "parties.csv:2: column 'member': a party has no member",
        ),
    ],
)
def test_new_columns_refuse_bad_cells_at_row_and_column(
    base: Path, tmp_path: Path, body: str, fragment: str
) -> None:
    digest = tree_digest(base / "data")
    result = run(base, str(write(tmp_path, "parties.csv", body)))
    assert result.exit_code == 2, result.output
    assert fragment in result.stderr
    assert tree_digest(base / "data") == digest


def test_a_role_held_gets_its_period(base: Path, tmp_path: Path) -> None:
    body = (
        "id,label,member,organization,role,began,ended\n"
        "kb:test-held,Held,kb:sergei-ryabkov,kb:russia-foreign-ministry,"
        "kb:role-deputy-foreign-minister,2008-05-01,2031-01-01\n"
    )
    table = read_csv(KnowledgeBase.open(base), write(tmp_path, "roles-held.csv", body))
    turtle = table.to_turtle()
    assert "time:hasBeginning [" in turtle and "time:hasEnd [" in turtle
    assert '"2008-05-01"^^xsd:date' in turtle
    assert (
        template("role-held")
        .splitlines()[0]
        .endswith("began,ended,source,quote,paraphrase,excerpt,via")
    )


def test_the_templates_together_are_a_negotiation_that_imports(base: Path, tmp_path: Path) -> None:
    """Each template's example row names only nodes of the other templates (or the base's)."""
    order = ["party", "place", "outlet", "person", "role", "source", "role-held", "document"]
    order += ["proposal", "meeting", "media-appearance", "demand", "statement"]
    assert sorted(order) == sorted(KINDS)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=all_columns(), lineterminator="\n")
    writer.writeheader()
    for kind in order:
        names, row = list(csv.reader(io.StringIO(template(kind))))
        writer.writerow(dict(zip(names, row, strict=True)))
    result = run(base, str(write(tmp_path, "all.csv", out.getvalue())), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "12 new nodes" in result.stdout
    assert "0 violations" in result.stdout
