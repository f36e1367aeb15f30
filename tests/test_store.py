"""The on-disk store: kept in step with the files, and the same rows as the in-memory one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from positions import KnowledgeBase
from positions.base.store import store_kind
from support import bench_module

ROOT = Path(__file__).resolve().parents[1]


def _synth():
    return bench_module("synth")


def _copy_bundled(target: Path) -> Path:
    for part in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / part, target / part)
    return target


_SEPARATORS = (" / ", "; ", ", ")  # the GROUP_CONCAT separators of the saved queries


def _normal(value: object) -> object:
    """A value with the parts of a GROUP_CONCAT sorted: SPARQL leaves their order open."""
    if not isinstance(value, str):
        return str(value)
    pieces = [value]
    for separator in _SEPARATORS:  # one at a time: a quote may end with "," before " / "
        pieces = [part for piece in pieces for part in piece.split(separator)]
    return tuple(sorted(pieces))


def _rows(kb: KnowledgeBase, name: str) -> object:
    result = kb.query(name)
    if result.kind == "ask":
        return result.boolean
    if result.kind != "select":
        return sorted(str(t) for t in result.triples if "_:" not in str(t))
    return sorted((_row(row) for row in result.to_dicts()), key=repr)


def _row(row: dict) -> tuple:
    """A row in a comparable form.

    A query that pairs two blank nodes (source-disagreements: evidence A and B
    of one node) orders the pair by the nodes' labels, which each store draws
    afresh; the A and B columns are compared as an unordered pair.
    """
    plain = {k: _normal(v) for k, v in row.items()}
    paired = sorted(k[:-1] for k in plain if k.endswith("A") and k[:-1] + "B" in plain)
    if paired:
        sides = sorted(repr([plain.pop(k + side) for k in paired]) for side in "AB")
        plain["(pair)"] = tuple(sides)
    return tuple(sorted(plain.items(), key=repr))


def _same_rows_on_both_stores(root: Path) -> None:
    disk = KnowledgeBase.open(root, store="disk")
    memory = KnowledgeBase.open(root, store="memory")
    names = disk.catalogue.names()
    assert len(names) >= 20
    for name in names:
        assert _rows(disk, name) == _rows(memory, name), name
    disk.close()


def test_saved_queries_same_rows_bundled(tmp_path: Path) -> None:
    _same_rows_on_both_stores(_copy_bundled(tmp_path / "kb"))


def test_saved_queries_same_rows_generated(tmp_path: Path) -> None:
    _synth().write_base(tmp_path / "kb", 1000, seed=2)
    _same_rows_on_both_stores(tmp_path / "kb")


def test_second_open_reloads_nothing_and_an_edit_reloads_one_graph(tmp_path: Path) -> None:
    root = _copy_bundled(tmp_path / "kb")
    first = KnowledgeBase.open(root, store="disk")
    count = len(first.store)
    assert len(first.disk_store.reloaded) == len(first.content_files())
    first.close()

    again = KnowledgeBase.open(root, store="disk")
    assert len(again.store) == count
    assert again.disk_store.reloaded == []
    again.close()

    touched = root / "data" / "parties.ttl"
    os.utime(touched, ns=(touched.stat().st_atime_ns, touched.stat().st_mtime_ns + 10**9))
    restamped = KnowledgeBase.open(root, store="disk")
    assert len(restamped.store) == count
    assert (restamped.disk_store.reloaded, restamped.disk_store.restamped) == (
        [],
        ["data/parties.ttl"],
    )
    restamped.close()

    edited = root / "data" / "parties.ttl"
    edited.write_text(
        edited.read_text(encoding="utf-8").replace('"Finland"@en', '"Suomi"@fi'),
        encoding="utf-8",
    )
    changed = KnowledgeBase.open(root, store="disk")
    assert len(changed.store) == count
    assert changed.disk_store.reloaded == ["data/parties.ttl"]
    assert changed.query("SELECT ?l WHERE { kb:finland rdfs:label ?l }").to_dicts() == [
        {"l": "Suomi"}
    ]
    changed.close()

    (root / "data" / "commentary.ttl").unlink()
    dropped = KnowledgeBase.open(root, store="disk")
    assert len(dropped.store) < count
    assert dropped.disk_store.reloaded == []
    assert not dropped.query("ASK { ?c a pos:Commentary }").boolean
    dropped.close()


def test_refresh_after_add_applies_the_triples_only(tmp_path: Path) -> None:
    import pyoxigraph as ox

    root = _copy_bundled(tmp_path / "kb")
    kb = KnowledgeBase.open(root, store="disk")
    before = len(kb.store)
    triple = ox.Triple(
        ox.NamedNode("https://w3id.org/positions/id/finland"),
        ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
        ox.Literal("added"),
    )
    path = root / "data" / "parties.ttl"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            '"Finland"@en .', '"Finland"@en ;\n    rdfs:comment "added" .'
        ),
        encoding="utf-8",
    )
    kb.refresh_store({"parties.ttl": [triple]})
    assert len(kb.store) == before + 1
    assert kb.disk_store.reloaded == []
    kb.close()
    reopened = KnowledgeBase.open(root, store="disk")
    assert len(reopened.store) == before + 1 and reopened.disk_store.reloaded == []
    reopened.close()


def test_store_kind_from_option_environment_and_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POSITIONS_STORE", raising=False)
    assert store_kind(tmp_path) == "memory"
    (tmp_path / "positions.toml").write_text('[store]\nkind = "disk"\n', encoding="utf-8")
    assert store_kind(tmp_path) == "disk"
    monkeypatch.setenv("POSITIONS_STORE", "memory")
    assert store_kind(tmp_path) == "memory"
    assert store_kind(tmp_path, "disk") == "disk"


def test_a_large_base_is_on_disk_unless_told_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from positions.base import layout

    monkeypatch.delenv("POSITIONS_STORE", raising=False)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "statements.ttl").write_bytes(b"#" * 1000)
    assert store_kind(tmp_path) == "memory"
    monkeypatch.setattr(layout, "LARGE_BASE_BYTES", 1000)
    assert store_kind(tmp_path) == "disk"
    (tmp_path / "positions.toml").write_text('[store]\nkind = "memory"\n', encoding="utf-8")
    assert store_kind(tmp_path) == "memory"
    monkeypatch.setenv("POSITIONS_STORE", "memory")
    assert store_kind(tmp_path) == "memory"
