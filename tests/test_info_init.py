"""Which base (issue 18, point 8): ``positions info`` says which base is used and why;
writing commands refuse the bundled copy inside an installed package, and ``positions
init DIR`` makes a base of one's own.  The installed package is faked: the bundled base
is a copy in a folder named site-packages (nothing is installed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from positions import KnowledgeBase
from positions.base import layout
from support import TURTLE_PREFIXES, cli, copy_bundled, tree_digest

PERSON = TURTLE_PREFIXES + 'kb:test-person a pos:Person ; rdfs:label "Test Person"@en .\n'


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The bundled base as a wheel installs it, in site-packages; the current folder is
    not a base and $POSITIONS_KB is unset, so commands fall back to it."""
    bundled = copy_bundled(tmp_path / "venv" / "lib" / "site-packages" / "positions" / "_base")
    monkeypatch.setattr(layout, "bundled_base", lambda: bundled)
    monkeypatch.delenv("POSITIONS_KB", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return bundled


def test_info_says_which_base_and_why(base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = cli("--kb", str(base), "info")
    assert result.exit_code == 0, result.output
    assert f"Base:    {base.resolve()}\n         (found by --kb)" in result.stdout
    statements = _count(base, "pos:Statement")
    people = _count(base, "pos:Person")
    assert f"Holds:   {statements} statements, " in result.stdout
    assert f" parties, {people} people, " in result.stdout
    assert "Store:   in memory" in result.stdout
    assert "Version: positions " in result.stdout
    about = json.loads(cli("--kb", str(base), "info", "-f", "json").stdout)
    assert about["origin"] == "--kb" and about["path"] == str(base.resolve())
    assert about["counts"]["statements"] == statements and about["counts"]["triples"] > 1000
    assert about["store"] == "memory" and about["installed_copy"] is False
    monkeypatch.setenv("POSITIONS_KB", str(base))
    assert "(found by $POSITIONS_KB)" in cli("info").stdout
    monkeypatch.delenv("POSITIONS_KB")
    monkeypatch.chdir(base)
    assert "(the current folder)" in cli("info").stdout
    disk = json.loads(
        cli("--kb", str(base), "info", "-f", "json", env={"POSITIONS_STORE": "disk"}).stdout
    )
    assert disk["store"] == "disk" and disk["store_path"].endswith(
        ".positions-cache/store/oxigraph"
    )


def test_writing_commands_refuse_the_installed_copy(installed: Path, tmp_path: Path) -> None:
    new = tmp_path / "person.ttl"
    new.write_text(PERSON, encoding="utf-8")
    csv = tmp_path / "sources.csv"
    csv.write_text(
        "id,label,genre\nkb:source-x,A test source,genre:news-report\n", encoding="utf-8"
    )
    before = tree_digest(installed)
    info = cli("info")
    assert f"Base:    {installed}" in info.stdout
    assert "the bundled copy inside the installed package, read-only;" in info.stdout
    for args in (["add", str(new)], ["import", str(csv)], ["fmt"]):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "is the base bundled inside the installed positions package" in result.stderr
        assert "positions init DIR" in result.stderr
    # Reading and a dry run still work.
    assert cli("add", "--dry-run", str(new)).exit_code == 0
    assert tree_digest(installed) == before


def test_init_makes_a_base_of_ones_own_that_can_be_written(installed: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    result = cli("init", str(mine))
    assert result.exit_code == 0, result.output
    assert tree_digest(mine / "data") == tree_digest(installed / "data")
    new = tmp_path / "person.ttl"
    new.write_text(PERSON, encoding="utf-8")
    added = cli("--kb", str(mine), "add", str(new))
    assert added.exit_code == 0, added.output
    assert "kb:test-person" in (mine / "data" / "people.ttl").read_text(encoding="utf-8")
    # A folder that is not empty is refused, and left as it was.
    again = cli("init", str(mine))
    assert again.exit_code == 2 and "is not empty" in again.stderr


def test_init_empty_has_the_ontology_and_queries_and_no_data(tmp_path: Path) -> None:
    folder = tmp_path / "iran-talks"
    folder.mkdir()  # an empty folder is fine
    kb = KnowledgeBase.init(folder, empty=True)
    assert kb.layout.data_files() == []
    assert (folder / "ontology" / "shapes" / "core.shapes.ttl").is_file()
    assert sorted(p.name for p in (folder / "queries").glob("*.rq"))
    counts = kb.info().counts
    assert counts["statements"] == 0 and counts["triples"] > 0
    assert kb.validate().conforms
    assert not list(tmp_path.glob(".positions-init-*"))  # nothing left of the staging folder


def _count(base: Path, cls: str) -> int:
    answer = KnowledgeBase.open(base).query(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s a {cls} }}")
    return int(answer.to_dicts()[0]["n"])
