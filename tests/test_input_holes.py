"""Smaller holes found by a tester (issue 23, point 8): an unattached blank-node cycle, a
byte order mark, a symbolic link among the data files, a link to a file outside the base."""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox

from positions.rdf import rdfio
from support import cli, tree_digest

POS = "@prefix pos: <https://w3id.org/positions/vocab#> .\n"
KB = "@prefix kb: <https://w3id.org/positions/id/> .\n"
BOM = b"\xef\xbb\xbf"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# -- a cycle of blank nodes that nothing points to --------------------------------------


def test_an_unattached_blank_node_cycle_is_refused_not_dropped(base: Path, tmp_path: Path) -> None:
    digest = tree_digest(base / "data")
    cycle = write(tmp_path, "cycle.ttl", POS + "_:a pos:refines _:b . _:b pos:refines _:a .\n")
    result = cli("--kb", str(base), "add", str(cycle))
    assert result.exit_code == 2, result.output
    assert "already in the base" not in result.output
    assert result.stderr.startswith(f"Error: {cycle}: blank nodes that point only to each other")
    assert "(2 blank nodes, through pos:refines)" in result.stderr
    assert "give one of them an IRI" in result.stderr
    assert tree_digest(base / "data") == digest


def test_a_blank_node_cycle_hanging_from_a_named_node_is_added(base: Path, tmp_path: Path) -> None:
    text = POS + KB + 'kb:russia pos:curatorNote "x"@en ; pos:refines _:a . _:a pos:refines _:a .\n'
    result = cli("--kb", str(base), "add", "--dry-run", str(write(tmp_path, "hang.ttl", text)))
    assert result.exit_code == 0, result.output
    assert "Would add 2 facts" in result.stdout


# -- a byte order mark -------------------------------------------------------------------


def test_a_byte_order_mark_is_dropped_by_the_gate(tmp_path: Path) -> None:
    data = BOM + (POS + "pos:a pos:b pos:c .\n").encode()
    quads = rdfio.parse_bytes(data, tmp_path / "x.ttl", ox.RdfFormat.TURTLE)
    assert len(quads) == 1
    assert not rdfio.plainly_clean(data)  # a large base's fast load sends it to the gate
    assert rdfio.plainly_clean(data[len(BOM) :])


def test_a_data_file_with_a_byte_order_mark_is_read_and_fmt_drops_the_mark(base: Path) -> None:
    parties = base / "data" / "parties.ttl"
    canonical = parties.read_bytes()
    parties.write_bytes(BOM + canonical)
    query = cli("--kb", str(base), "query", "--sparql", "ASK { kb:russia ?p ?o }")
    assert query.exit_code == 0, query.output
    assert cli("--kb", str(base), "fmt", "--check").exit_code == 1  # the mark is not canonical
    result = cli("--kb", str(base), "fmt")
    assert result.exit_code == 0, result.output
    assert parties.read_bytes() == canonical


def test_a_new_file_with_a_byte_order_mark_is_added(base: Path, tmp_path: Path) -> None:
    path = tmp_path / "bom.ttl"
    path.write_bytes(BOM + (POS + KB + 'kb:russia pos:curatorNote "bom"@en .\n').encode())
    result = cli("--kb", str(base), "add", "--dry-run", str(path))
    assert result.exit_code == 0, result.output
    assert "Would add 1 fact" in result.stdout


# -- symbolic links in data/ -----------------------------------------------------------


def test_add_refuses_to_replace_a_linked_data_file_by_a_file(base: Path, tmp_path: Path) -> None:
    elsewhere = base / "kept"  # inside the base: the link is read, but not written over
    elsewhere.mkdir()
    parties = base / "data" / "parties.ttl"
    parties.rename(elsewhere / "parties.ttl")
    os.symlink(elsewhere / "parties.ttl", parties)
    digest = tree_digest(elsewhere)
    note = write(tmp_path, "note.ttl", POS + KB + 'kb:russia pos:curatorNote "linked"@en .\n')
    result = cli("--kb", str(base), "add", str(note))
    assert result.exit_code == 1, result.output
    assert f"{parties} is a symbolic link (to {elsewhere / 'parties.ttl'})" in result.stderr
    assert "nothing was written" in result.stderr
    assert parties.is_symlink() and tree_digest(elsewhere) == digest
    assert sorted(p.name for p in (base / "data").iterdir() if not p.name.endswith(".ttl")) == []


def test_a_link_to_a_file_outside_the_base_is_refused_unread(base: Path, tmp_path: Path) -> None:
    secret = write(tmp_path, "secret.txt", "root:x:0:0:the secret first line\n")
    os.symlink(secret, base / "data" / "zz.ttl")
    for args in (["validate"], ["query", "meeting-timeline"], ["export"]):
        result = cli("--kb", str(base), *args)
        assert result.exit_code == 2, (args, result.output)
        assert "secret first line" not in result.output
        assert f"data/zz.ttl is a symbolic link to a file outside the base ({secret})" in (
            result.stderr
        )


def test_a_saved_query_linked_outside_the_base_is_refused_unread(
    base: Path, tmp_path: Path
) -> None:
    secret = write(tmp_path, "secret.rq", "root:x:0:0:the secret first line\n")
    os.symlink(secret, base / "queries" / "zz.rq")
    for args in (["queries"], ["query", "zz"], ["query", "meeting-timeline"]):
        result = cli("--kb", str(base), *args)
        assert result.exit_code == 2, (args, result.output)
        assert "secret first line" not in result.output
        assert f"queries/zz.rq is a symbolic link to a file outside the base ({secret})" in (
            result.stderr
        )


# -- CSV input: blank rows, an unclosed quote, a file without end ----------------------

CSV_HEADER = "id,label,speaker,role,party,date,occasion,stance,target,target_scope,source,quote\n"


def import_csv(base: Path, path: Path | str, *options: str):
    return cli(*options, "--kb", str(base), "import", str(path), "--kind", "statement")


def test_a_csv_of_blank_rows_says_it_has_no_rows(base: Path, tmp_path: Path) -> None:
    blank = write(tmp_path, "blank.csv", CSV_HEADER + "\n" * 10_000 + ",,,\n")
    result = import_csv(base, blank)
    assert result.exit_code == 2, result.output
    assert "already in the base" not in result.output
    assert "no rows to import: only blank lines (10,001) after the header" in result.stderr
    header_only = write(tmp_path, "header.csv", CSV_HEADER)
    result = import_csv(base, header_only)
    assert result.exit_code == 2, result.output
    assert "no rows to import: nothing after the header" in result.stderr


def test_an_unclosed_quote_on_the_last_row_is_an_error_with_its_row(
    base: Path, tmp_path: Path
) -> None:
    text = CSV_HEADER + 'kb:stmt-x,"unclosed label,kb:vladimir-putin\n'
    result = import_csv(base, write(tmp_path, "unclosed.csv", text))
    assert result.exit_code == 2, result.output
    assert f"{tmp_path / 'unclosed.csv'}:2: not valid CSV: a quote opened on this row" in (
        result.stderr
    )


def test_a_csv_without_end_is_refused_at_the_input_limit(base: Path) -> None:
    result = import_csv(base, "/dev/zero", "--max-input-bytes", "100000")
    assert result.exit_code == 2, result.output
    assert "/dev/zero: the file is over the size limit of 100,000 bytes" in result.stderr


def test_an_empty_file_is_said_to_hold_no_facts(base: Path, tmp_path: Path) -> None:
    empty = write(tmp_path, "empty.ttl", "@prefix kb: <https://w3id.org/positions/id/> .\n")
    result = cli("--kb", str(base), "add", str(empty))
    assert result.exit_code == 0, result.output
    assert "Nothing to add: the files hold no facts." in result.stdout
    assert "already in the base" not in result.stdout
