"""``positions add`` and ``positions fmt`` on a copy of the bundled base.

Every failure test asserts the message, the exit code and that data/ is
byte-identical afterwards (file names and bytes, see ``support.tree_digest``).
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pyoxigraph as ox
import pytest

from positions import KnowledgeBase
from positions.base.datafiles import render_data_file
from positions.base.journal import TEMP_PREFIX, commit, recover
from positions.base.layout import JOURNAL_NAME
from support import TURTLE_PREFIXES, cli, tree_digest

# A statement of source-003 that the base does not hold, with a new source for a second report.
NEW_STATEMENT = """
kb:stmt-test-lavrov
    a pos:Statement ;
    rdfs:label "Test: Russia insists on legal guarantees"@en ;
    pos:speaker kb:vladimir-putin ;
    pos:inRole kb:putin-president ;
    pos:onBehalfOf kb:russia ;
    pos:notAfter "2022-01-16"^^xsd:date ;
    pos:stance stance:insists ;
    pos:target kb:demand-legal-guarantees ;
    pos:evidence [ pos:source kb:source-test ; pos:quote "legally binding guarantees" ] .

kb:source-test
    a pos:Source ;
    rdfs:label "A test source"@en ;
    pos:genre genre:news-report ;
    pos:publishedOn "2022-01-16"^^xsd:date .
"""


def write(folder: Path, name: str, body: str, head: str = TURTLE_PREFIXES) -> Path:
    path = folder / name
    path.write_text(head + body, encoding="utf-8")
    return path


def add(base: Path, *args: str):
    return cli("--kb", str(base), "add", *args)


def ask(base: Path, pattern: str) -> bool:
    return bool(KnowledgeBase.open(base).query(f"ASK {{ {pattern} }}").boolean)


def data_ttl(base: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((base / "data").glob("*.ttl"))}


# -- success ---------------------------------------------------------------------------


def test_add_merges_into_the_files_of_the_classes_and_the_fact_is_queryable(
    base: Path, tmp_path: Path
) -> None:
    before = data_ttl(base)
    new = write(tmp_path, "new.ttl", NEW_STATEMENT)
    result = add(base, str(new))
    assert result.exit_code == 0, result.output
    assert "Added 13 facts (15 triples): 2 new nodes" in result.stdout
    assert 'kb:stmt-test-lavrov  pos:Statement  "Test: Russia insists' in result.stdout
    assert "New nodes by class: pos:Source 1, pos:Statement 1" in result.stdout
    assert "Files changed: data/sources.ttl, data/statements.ttl" in result.stdout
    after = data_ttl(base)
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"sources.ttl", "statements.ttl"}
    assert ask(base, "kb:stmt-test-lavrov pos:evidence/pos:source kb:source-test")
    # The clean diff: lines are only inserted, none removed or changed.
    old = before["statements.ttl"].decode().splitlines()
    new_lines = after["statements.ttl"].decode().splitlines()
    matcher = difflib.SequenceMatcher(a=old, b=new_lines, autojunk=False)
    assert {op for op, *_ in matcher.get_opcodes()} == {"equal", "insert"}


def test_written_files_are_canonical(base: Path, tmp_path: Path) -> None:
    add(base, str(write(tmp_path, "new.ttl", NEW_STATEMENT)))
    for path in (base / "data").glob("*.ttl"):
        quads = ox.parse(path.read_bytes(), format=ox.RdfFormat.TURTLE)
        assert render_data_file(path.name, quads) == path.read_text(encoding="utf-8")
    assert cli("--kb", str(base), "fmt", "--check").exit_code == 0


def test_dry_run_reports_and_writes_nothing(base: Path, tmp_path: Path) -> None:
    digest = tree_digest(base / "data")
    result = add(base, str(write(tmp_path, "new.ttl", NEW_STATEMENT)), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would add 13 facts" in result.stdout
    assert "New nodes by class: pos:Source 1, pos:Statement 1" in result.stdout
    assert "Files that would change: data/sources.ttl, data/statements.ttl" in result.stdout
    assert "Dry run: nothing was written." in result.stdout
    assert tree_digest(base / "data") == digest


def test_facts_already_present_are_reported_not_duplicated(base: Path, tmp_path: Path) -> None:
    new = write(tmp_path, "new.ttl", NEW_STATEMENT)
    assert add(base, str(new)).exit_code == 0
    digest = tree_digest(base / "data")
    again = add(base, str(new))
    assert again.exit_code == 0, again.output
    assert "Nothing to add: every fact is already in the base." in again.stdout
    assert "kb:stmt-test-lavrov: 9 facts" in again.stdout  # evidence compared by content
    assert tree_digest(base / "data") == digest


def test_a_second_evidence_is_added_to_an_existing_statement(base: Path, tmp_path: Path) -> None:
    body = """
kb:stmt-putin-legally-binding pos:evidence [ pos:source kb:source-003 ;
    pos:paraphrase "a telephone conversation took place between Vladimir Putin and Joe Biden" ] .
"""
    result = add(base, str(write(tmp_path, "ev.ttl", body)))
    assert result.exit_code == 0, result.output
    assert "kb:stmt-putin-legally-binding: pos:evidence +1" in result.stdout
    assert ask(
        base,
        "kb:stmt-putin-legally-binding pos:evidence [ pos:source kb:source-003 ; "
        'pos:paraphrase "a telephone conversation took place between Vladimir Putin and '
        'Joe Biden" ]',
    )


# -- failures: message, exit code, data/ byte-identical ---------------------------------


def assert_refused(base: Path, result, code: int, *fragments: str) -> None:
    assert result.exit_code == code, result.output
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("body", "where", "what"),
    [
        ('kb:x rdfs:label "unterminated ;\n', "bad.ttl:8:17", "Unexpected end of file"),
        ('kb:x pos:date "2022-02-30"^^xsd:date .\n', "bad.ttl:8", "2022-02-30"),
        ("kb:x rdfs:label <http://ex.org/a b> .\n", "bad.ttl:8", "bad.ttl:8"),
        ('kb:x rdfs:label "nul\\u0000here" .\n', "bad.ttl:8", "bad.ttl:8"),
    ],
)
def test_unreadable_input_exits_2_and_writes_nothing(
    base: Path, tmp_path: Path, body: str, where: str, what: str
) -> None:
    digest = tree_digest(base / "data")
    bad = write(tmp_path, "bad.ttl", body)
    result = add(base, str(bad))
    assert_refused(base, result, 2, where, what)
    assert tree_digest(base / "data") == digest


def test_missing_file_exits_2(base: Path, tmp_path: Path) -> None:
    digest = tree_digest(base / "data")
    result = add(base, str(tmp_path / "nowhere.ttl"))
    assert_refused(base, result, 2, "nowhere.ttl", "cannot read the file")
    assert tree_digest(base / "data") == digest


def test_one_bad_file_among_good_ones_merges_nothing(base: Path, tmp_path: Path) -> None:
    digest = tree_digest(base / "data")
    good = write(tmp_path, "good.ttl", NEW_STATEMENT)
    bad = write(tmp_path, "bad.ttl", "kb:x rdfs:label 'oops .\n")
    result = add(base, str(good), str(bad))
    assert_refused(base, result, 2, "bad.ttl:8")
    assert tree_digest(base / "data") == digest


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        (
            'kb:stmt-putin-call-approaches pos:date "2021-12-31"^^xsd:date .\n',
            [
                "conflict.ttl:8: kb:stmt-putin-call-approaches pos:date",
                '"2021-12-31"^^xsd:date conflicts with "2021-12-30"^^xsd:date',
                "data/statements.ttl:",
            ],
        ),
        (
            "kb:stmt-putin-call-approaches pos:speaker kb:joe-biden .\n",
            ["kb:joe-biden conflicts with kb:vladimir-putin", "pos:speaker takes one value"],
        ),
    ],
)
def test_conflicting_values_name_both_and_write_nothing(
    base: Path, tmp_path: Path, body: str, fragments: list[str]
) -> None:
    digest = tree_digest(base / "data")
    result = add(base, str(write(tmp_path, "conflict.ttl", body)))
    assert_refused(base, result, 1, *fragments, "nothing was written")
    assert tree_digest(base / "data") == digest


def test_violation_names_file_line_and_writes_nothing(base: Path, tmp_path: Path) -> None:
    digest = tree_digest(base / "data")
    body = NEW_STATEMENT.replace("stance:insists", "stance:no-such-stance")
    result = add(base, str(write(tmp_path, "invalid.ttl", body)))
    assert_refused(
        base, result, 1, "the new facts do not conform; nothing was written", "invalid.ttl"
    )
    assert "Violation  kb:stmt-test-lavrov" in result.stderr
    assert tree_digest(base / "data") == digest


def test_strict_fails_on_warnings_and_writes_nothing(base: Path, tmp_path: Path) -> None:
    digest = tree_digest(base / "data")
    undated = NEW_STATEMENT.replace('    pos:notAfter "2022-01-16"^^xsd:date ;\n', "")
    result = add(base, str(write(tmp_path, "undated.ttl", undated)), "--strict")
    assert_refused(base, result, 1, "Warning  kb:stmt-test-lavrov", "warnings fail under --strict")
    assert tree_digest(base / "data") == digest


def test_blank_node_shared_by_nodes_of_two_files_is_refused(base: Path, tmp_path: Path) -> None:
    digest = tree_digest(base / "data")
    body = (
        NEW_STATEMENT.replace(
            "pos:genre genre:news-report ;", "pos:genre genre:news-report ; pos:evidence _:shared ;"
        )
        .replace(
            "pos:evidence [ pos:source kb:source-test ; pos:quote",
            "pos:evidence _:shared .\n_:shared pos:source kb:source-test ; pos:quote",
        )
        .replace('"legally binding guarantees" ] .', '"legally binding guarantees" .')
    )
    result = add(base, str(write(tmp_path, "shared.ttl", body)))
    assert_refused(base, result, 1, "blank node is shared by", "give it an IRI")
    assert tree_digest(base / "data") == digest


# -- the transaction and its recovery -----------------------------------------------------


def test_stray_temporaries_are_deleted_by_the_next_run(base: Path, tmp_path: Path) -> None:
    stray = base / "data" / f"{TEMP_PREFIX}statements.ttl-abc.part"
    stray.write_text("half a file")
    result = add(base, str(write(tmp_path, "new.ttl", NEW_STATEMENT)))
    assert result.exit_code == 0, result.output
    assert "deleted 1 temporary file" in result.stdout
    assert not stray.exists()


def test_recover_rolls_a_journal_forward(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.ttl").write_text("old a\n")
    (data / "b.ttl").write_text("old b\n")
    (data / ".positions-tmp-b.part").write_text("new b\n")
    (data / JOURNAL_NAME).write_text(
        '{"version": 1, "replace": [{"temp": ".positions-tmp-a.part", "final": "a.ttl"},'
        ' {"temp": ".positions-tmp-b.part", "final": "b.ttl"}]}'
    )
    (data / "a.ttl").write_text("new a\n")  # as if a.ttl was replaced before the kill
    done = recover(data)
    assert done == ["completed an interrupted transaction (data/a.ttl, data/b.ttl)"]
    assert (data / "b.ttl").read_text() == "new b\n"
    assert sorted(p.name for p in data.iterdir()) == ["a.ttl", "b.ttl"]


def test_commit_keeps_the_file_mode_and_leaves_no_temporaries(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.ttl").write_text("<http://x/a> <http://x/p> 1 .\n")
    (data / "a.ttl").chmod(0o644)
    commit(data, {"a.ttl": "<http://x/a> <http://x/p> 2 .\n", "b.ttl": ""})
    assert (data / "a.ttl").read_text() == "<http://x/a> <http://x/p> 2 .\n"
    assert (data / "a.ttl").stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in data.iterdir()) == ["a.ttl", "b.ttl"]


def test_fmt_rewrites_a_hand_edited_file_and_check_lists_it(base: Path) -> None:
    path = base / "data" / "parties.ttl"
    canonical = path.read_bytes()
    path.write_text("# a hand edit\n" + path.read_text().replace(" ;\n", " ;\n\n", 1))
    check = cli("--kb", str(base), "fmt", "--check")
    assert check.exit_code == 1
    assert check.stdout == "data/parties.ttl: not in canonical form\n"
    result = cli("--kb", str(base), "fmt")
    assert result.exit_code == 0, result.output
    assert result.stdout == "data/parties.ttl: rewritten\n"
    assert path.read_bytes() == canonical


def test_a_chain_of_blank_nodes_too_deep_to_read_back_is_refused(
    base: Path, tmp_path: Path
) -> None:
    digest = tree_digest(base / "data")
    chain = "".join(f"_:b{i} rdfs:comment _:b{i + 1} .\n" for i in range(1000))
    path = write(tmp_path, "chain.ttl", chain)
    result = add(base, str(path))
    assert_refused(base, result, 2, f"{path}:", "--max-nesting", "give some of them IRIs")
    assert tree_digest(base / "data") == digest
