"""``positions import FILE.csv``: the nodes hand-written Turtle gives; errors at row and column."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from positions import KnowledgeBase
from positions.adding.csvimport import read_csv
from positions.rdf.turtle import serialize_turtle
from support import REPO, cli, tree_digest

EXAMPLES = REPO / "docs" / "examples"
KOSACHEV = "https://w3id.org/positions/id/stmt-kosachev-no-violation-of-agreements"
HEADER = "id,label,speaker,role,party,date,occasion,stance,target,target_scope,source,quote\n"
ROW = (
    "kb:stmt-test-csv,Test statement,kb:vladimir-putin,kb:putin-president,kb:russia,"
    "{date},,{stance},kb:demand-legal-guarantees,,kb:source-002,long-term\n"
)


def run(base: Path, *args: str):
    return cli("--kb", str(base), "import", *args)


def csv_file(folder: Path, body: str, name: str = "statements.csv") -> Path:
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


def canonical(triples: list) -> str:
    return serialize_turtle([ox.Triple(*t) for t in triples])


def test_a_csv_row_gives_the_same_graph_as_hand_written_turtle(base: Path) -> None:
    table = read_csv(KnowledgeBase.open(base), EXAMPLES / "statements.csv")
    evidence = {o for s, p, o in table.triples if s.value == KOSACHEV and p.value.endswith("ence")}
    from_csv = [t for t in table.triples if t[0].value == KOSACHEV or t[0] in evidence]
    quads = ox.parse((EXAMPLES / "new-statement.ttl").read_bytes(), format=ox.RdfFormat.TURTLE)
    by_hand = [(q.subject, q.predicate, q.object) for q in quads]
    assert canonical(from_csv) == canonical(by_hand)


WORDS = "https://w3id.org/positions/vocab#"


def _words(quads) -> set[str]:
    """The evidence words (quote, paraphrase, excerpt) of some quads, spaces made single."""
    kinds = {WORDS + "quote", WORDS + "paraphrase", WORDS + "excerpt"}
    return {" ".join(q.object.value.split()) for q in quads if q.predicate.value in kinds}


def test_the_example_is_new_to_the_bundled_base() -> None:
    # The tutorial adds a fact the bundled base does not hold: no node of that name, and no
    # evidence that holds the example's words or is held in them (a duplicate under another IRI).
    kb = KnowledgeBase.open(REPO)
    assert not kb.query(f"ASK {{ <{KOSACHEV}> ?p ?o }}").boolean
    example = ox.parse((EXAMPLES / "new-statement.ttl").read_bytes(), format=ox.RdfFormat.TURTLE)
    new = _words(example)
    assert new
    held = _words(kb.store.quads_for_pattern(None, None, None, None))
    overlaps = [(n, h) for n in new for h in held if n in h or h in n]
    assert overlaps == []


def test_the_example_imports_one_statement_and_reports_the_duplicate(base: Path) -> None:
    result = run(base, str(EXAMPLES / "statements.csv"))
    assert result.exit_code == 0, result.output
    assert "Added 11 facts (13 triples): 1 new node" in result.stdout
    assert "kb:stmt-chepa-wait-for-written-response: 6 facts" in result.stdout
    kb = KnowledgeBase.open(base)
    assert kb.query(
        "ASK { kb:stmt-kosachev-no-violation-of-agreements pos:stance stance:rejects ; "
        "pos:evidence/pos:source kb:source-003 }"
    ).boolean
    digest = tree_digest(base / "data")
    again = run(base, str(EXAMPLES / "statements.csv"))
    assert again.exit_code == 0, again.output
    assert "Nothing to add" in again.stdout
    assert tree_digest(base / "data") == digest


def test_sources_and_statements_in_one_file_with_a_kind_column(base: Path, tmp_path: Path) -> None:
    body = (
        "kind,id,label,published_on,genre,speaker,role,party,not_after,stance,target,"
        "target_scope,source,quote\n"
        "source,kb:source-csv,A CSV source,2022-01-12,news-report,,,,,,,,,\n"
        "statement,kb:stmt-csv,Putin insists,,,kb:vladimir-putin,kb:putin-president,kb:russia,"
        "2022-01-12,insists,kb:russia-security-proposals-2021,whole,kb:source-csv,guarantees\n"
        'statement,kb:stmt-csv,,,,,,,,,,,kb:source-002,"long-term, legally binding guarantees"\n'
    )
    result = run(base, str(csv_file(tmp_path, body, "batch.csv")))
    assert result.exit_code == 0, result.output
    assert "New nodes by class: pos:Source 1, pos:Statement 1" in result.stdout
    assert "Files changed: data/sources.ttl, data/statements.ttl" in result.stdout
    kb = KnowledgeBase.open(base)
    sources = kb.query("SELECT ?s WHERE { kb:stmt-csv pos:evidence/pos:source ?s }")
    assert len(sources) == 2  # the repeated id added a second evidence


# -- failures: message (row and column), exit code, data/ byte-identical ------------------


@pytest.mark.parametrize(
    ("body", "code", "fragments"),
    [
        (
            HEADER + ROW.format(date="", stance="rejected"),
            2,
            [
                "statements.csv:2: column 'stance': unknown stance 'rejected' (known: accepts,",
                "did you mean 'rejects'?",
            ],
        ),
        (
            HEADER + ROW.format(date="10/01/2022", stance="rejects"),
            2,
            ["statements.csv:2: column 'date': '10/01/2022' is not a date written YYYY-MM-DD"],
        ),
        (
            HEADER + ROW.format(date="2022-02-30", stance="rejects"),
            2,
            ["statements.csv:2: column 'date': 2022-02-30: no such day (February 2022 has 28"],
        ),
        (
            HEADER + ROW.format(date="2022-13-01", stance="rejects"),
            2,
            ["statements.csv:2: column 'date': 2022-13-01: no such month (months run from 01"],
        ),
        (
            HEADER + ROW.format(date="", stance="rejects").replace("vladimir-putin", "vladimir"),
            2,
            ["statements.csv:2: column 'speaker': unknown node kb:vladimir (neither in the base"],
        ),
        (
            HEADER.replace("stance", "stnace") + ROW.format(date="", stance="rejects"),
            2,
            ["statements.csv:1: unknown column 'stnace'; did you mean 'stance'?"],
        ),
        (
            HEADER + ROW.format(date="", stance="rejects").replace("kb:source-002,", ","),
            2,
            ["statements.csv:2: column 'source': empty, but column 'quote' is filled"],
        ),
        (
            HEADER + ROW.format(date="", stance="rejects") + ROW.format(date="", stance="insists"),
            2,
            [
                "statements.csv:3: column 'stance': differs from row 2, "
                "which defines kb:stmt-test-csv"
            ],
        ),
        (
            HEADER + ROW.format(date="", stance="rejects").replace("long-term", "a\x1b[2Jb"),
            2,
            ["statements.csv:2: column 'quote': control or bidi character U+001B"],
        ),
        (
            HEADER
            + ROW.format(date="2021-12-31", stance="demands").replace(
                "kb:stmt-test-csv", "kb:stmt-putin-call-approaches"
            ),
            1,
            [
                "statements.csv:2: column 'date': kb:stmt-putin-call-approaches pos:date "
                '"2021-12-31"^^xsd:date conflicts with "2021-12-30"^^xsd:date',
                "nothing was written",
            ],
        ),
        (
            HEADER
            + ROW.format(date="", stance="rejects").replace(",kb:source-002,long-term", ",,"),
            1,
            ["the new facts do not conform; nothing was written", "statements.csv\n  2: Violation"],
        ),
    ],
)
def test_bad_rows_are_refused_naming_row_and_column(
    base: Path, tmp_path: Path, body: str, code: int, fragments: list[str]
) -> None:
    digest = tree_digest(base / "data")
    result = run(base, str(csv_file(tmp_path, body)))
    assert result.exit_code == code, result.output
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert tree_digest(base / "data") == digest


def test_a_column_the_kind_does_not_have_is_refused(base: Path, tmp_path: Path) -> None:
    body = "id,label,stance\nkb:source-x,A source,rejects\n"
    result = run(base, str(csv_file(tmp_path, body, "sources.csv")))
    assert result.exit_code == 2
    assert "sources.csv:2: column 'stance': a source has no stance" in result.stderr


def test_without_a_kind_the_file_name_must_say(base: Path, tmp_path: Path) -> None:
    digest = tree_digest(base / "data")
    result = run(base, str(csv_file(tmp_path, HEADER, "coded.csv")))
    assert result.exit_code == 2
    assert "say what the rows are with a 'kind' column or --kind" in result.stderr
    assert tree_digest(base / "data") == digest


def test_not_utf8_and_missing_files_exit_2(base: Path, tmp_path: Path) -> None:
    latin = tmp_path / "statements.csv"
    latin.write_bytes(HEADER.encode() + "kb:x,caf\xe9\n".encode("latin-1"))
    result = run(base, str(latin))
    assert result.exit_code == 2
    assert "statements.csv:2: not UTF-8 text" in result.stderr
    missing = run(base, str(tmp_path / "none.csv"))
    assert missing.exit_code == 2
    assert "none.csv: cannot read the file" in missing.stderr


def test_dry_run_writes_nothing(base: Path) -> None:
    digest = tree_digest(base / "data")
    result = run(base, str(EXAMPLES / "statements.csv"), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would add 11 facts" in result.stdout
    assert "Dry run: nothing was written." in result.stdout
    assert tree_digest(base / "data") == digest


def test_every_column_is_documented() -> None:
    from positions.adding.csvimport import all_columns

    text = (REPO / "docs" / "adding.md").read_text(encoding="utf-8")
    cells = [line.split("`")[1] for line in text.splitlines() if line.startswith("| `")]
    documented = [c for c in cells if ":" not in c]  # the other table lists classes
    assert sorted(documented) == sorted(all_columns())
