"""A class's file in parts: new nodes go to the last part, a new part once it is full."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from positions import KnowledgeBase
from positions.adding.apply import add
from positions.adding.fmt import non_canonical
from positions.base import datafiles
from positions.base.datafiles import file_for_new_node, render_data_file
from support import REPO

EXAMPLE = REPO / "docs" / "examples" / "new-statement.ttl"
STATEMENT = "https://w3id.org/positions/id/stmt-kosachev-no-violation-of-agreements"


def _touch(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"#" * size)


def test_the_class_file_until_it_is_full_then_numbered_parts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    limit = datafiles.PART_BYTES
    assert file_for_new_node("statements.ttl", data) == "statements.ttl"  # no file yet
    _touch(data / "statements.ttl", limit - 1)
    assert file_for_new_node("statements.ttl", data) == "statements.ttl"
    _touch(data / "statements.ttl", limit)
    assert file_for_new_node("statements.ttl", data) == "statements/00001.ttl"
    _touch(data / "statements" / "00009.ttl", limit)
    assert file_for_new_node("statements.ttl", data) == "statements/00010.ttl"
    _touch(data / "statements" / "00010.ttl", 10)
    _touch(data / "statements" / "notes.ttl", 10)  # not a numbered part: ignored
    assert file_for_new_node("statements.ttl", data) == "statements/00010.ttl"
    assert file_for_new_node("people.ttl", data) == "people.ttl"


def test_a_part_has_its_class_file_header() -> None:
    text = render_data_file("statements/00003.ttl", [])
    assert text.startswith(render_data_file("statements.ttl", [])[:60])
    assert "Stated positions of the parties" in text


def _statement_files(kb: KnowledgeBase) -> set[str]:
    """The data files holding the example statement, read afresh from disk."""
    subject = ox.NamedNode(STATEMENT)
    found = set()
    for path in kb.layout.data_files():
        quads = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
        if any(q.subject == subject for q in quads):
            found.add(path.relative_to(kb.layout.data_dir).as_posix())
    return found


@pytest.mark.parametrize("kind", ["memory", "disk"])
def test_add_to_a_full_class_file_starts_a_part(
    base: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(datafiles, "PART_BYTES", 20_000)  # the bundled statements.ttl is bigger
    before = (base / "data" / "statements.ttl").read_bytes()
    kb = KnowledgeBase.open(base, store=kind)
    try:
        outcome = add(kb, [EXAMPLE])
        assert outcome.written
        assert outcome.plan.files_changed == ["statements/00001.ttl"]
        assert (base / "data" / "statements.ttl").read_bytes() == before
        assert _statement_files(kb) == {"statements/00001.ttl"}
        assert not non_canonical(kb)  # the part is written in canonical form
        rows = kb.query("person-statements", person="kb:konstantin-kosachev").rows
        assert any(STATEMENT in str(row.get("statement")) for row in rows)
    finally:
        kb.close()


def test_facts_about_a_node_in_a_part_go_to_that_part(
    base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(datafiles, "PART_BYTES", 20_000)
    kb = KnowledgeBase.open(base)
    add(kb, [EXAMPLE])
    more = tmp_path / "more.ttl"
    more.write_text(
        "@prefix kb: <https://w3id.org/positions/id/> .\n"
        "@prefix pos: <https://w3id.org/positions/vocab#> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        'kb:stmt-kosachev-no-violation-of-agreements pos:notAfter "2022-01-16"^^xsd:date .\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(datafiles, "PART_BYTES", 1)  # every file full: a new node would start one
    outcome = add(KnowledgeBase.open(base), [more])
    assert outcome.plan.files_changed == ["statements/00001.ttl"]
    assert not (base / "data" / "statements" / "00002.ttl").exists()
    assert _statement_files(KnowledgeBase.open(base)) == {"statements/00001.ttl"}
