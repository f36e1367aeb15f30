"""layout lists a base's files as pathlib's glob would, in the same order."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from positions import KnowledgeBase
from positions.base import layout
from positions.base.layout import RDF_SUFFIXES, Layout, _rdf_files


def _glob(folder: Path, recursive: bool) -> list[Path]:
    """What the layout listed before it used os.scandir."""
    pattern = "**/*" if recursive else "*"
    return sorted(p for p in folder.glob(pattern) if p.suffix in RDF_SUFFIXES and p.is_file())


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    for name in [
        "a.ttl",
        "a-b.ttl",
        "statements.ttl",
        "statements/00001.ttl",
        "statements/00002.ttl",
        "statements/deeper/z.ttl",
        ".hidden/h.ttl",
        ".ttl",
        "notes.txt",
        "old.ttl.bak",
    ]:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("# empty\n", encoding="utf-8")
    (root / "folder.ttl").mkdir()  # a folder with a file's suffix is entered, not listed
    (root / "folder.ttl" / "inside.ttl").write_text("", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "o.ttl").write_text("", encoding="utf-8")
    os.symlink(outside / "o.ttl", root / "linked.ttl")  # a linked file counts
    os.symlink(outside, root / "linked-folder")  # a linked folder is not entered
    os.symlink(tmp_path / "missing.ttl", root / "broken.ttl")  # a dangling link does not
    return root


@pytest.mark.parametrize("recursive", [True, False])
def test_rdf_files_are_what_glob_finds_in_the_same_order(tree: Path, recursive: bool) -> None:
    listed = _rdf_files(tree, recursive=recursive)
    assert listed == _glob(tree, recursive)
    names = [p.relative_to(tree).as_posix() for p in listed]
    assert "linked.ttl" in names and "broken.ttl" not in names
    if recursive:
        # Parts order: a folder's files come before a sibling file that extends its name.
        assert names.index("statements/00001.ttl") < names.index("statements.ttl")
        assert "folder.ttl/inside.ttl" in names and "linked-folder/o.ttl" not in names


def test_rdf_files_of_a_missing_folder_are_none(tmp_path: Path) -> None:
    assert _rdf_files(tmp_path / "nothing", recursive=True) == []


def test_relative_names_files_inside_and_outside_the_base(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    for part in ("ontology", "data/statements", "queries"):
        (root / part).mkdir(parents=True)
    kb = KnowledgeBase(root.resolve())
    inside = kb.root / "data" / "statements" / "00001.ttl"
    assert kb.relative(inside) == "data/statements/00001.ttl"
    assert kb.relative(str(inside)) == "data/statements/00001.ttl"
    assert kb.relative(kb.root / "data" / ".." / "data" / "x.ttl") == "data/x.ttl"
    # A sibling folder whose name starts with the base's is not inside it.
    sibling = tmp_path / "kb-other"
    sibling.mkdir()
    with pytest.raises(ValueError):
        kb.relative(sibling / "x.ttl")


@pytest.mark.parametrize(("limit", "large"), [(29, True), (30, True), (31, False)])
def test_a_base_is_large_from_the_limit_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int, large: bool
) -> None:
    for name, size in (("a.ttl", 10), ("b/c.ttl", 10), ("d.ttl", 10)):
        (tmp_path / "data" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "data" / name).write_bytes(b"#" * size)
    monkeypatch.setattr(layout, "LARGE_BASE_BYTES", limit)
    assert Layout(tmp_path).data_bytes() == 30
    assert Layout(tmp_path).is_large() is large
