"""bench/synth.py: deterministic, canonical, and conforming to the shapes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox

from positions.datafiles import render_data_file
from support import bench_module


def _synth():  # noqa: ANN202 - the bench/synth.py module
    return bench_module("synth")


def _data(folder: Path) -> dict[str, bytes]:
    files = sorted((folder / "data").rglob("*.ttl")) + [folder / "new-statements.ttl"]
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in files}


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    synth = _synth()
    synth.write_base(tmp_path / "a", 1000, seed=7, batch=10)
    synth.write_base(tmp_path / "b", 1000, seed=7, batch=10)
    synth.write_base(tmp_path / "c", 1000, seed=8, batch=10)
    assert _data(tmp_path / "a") == _data(tmp_path / "b")
    assert _data(tmp_path / "a") != _data(tmp_path / "c")


def test_files_are_in_the_canonical_layout_and_parts(tmp_path: Path) -> None:
    _synth().write_base(tmp_path / "kb", 1000, seed=1, part_bytes=100_000)
    data = tmp_path / "kb" / "data"
    statements = triples = 0
    for path in sorted(data.rglob("*.ttl")):
        name = path.relative_to(data).as_posix()
        quads = list(ox.parse(path.read_bytes(), format=ox.RdfFormat.TURTLE))
        assert render_data_file(name, quads) == path.read_text(encoding="utf-8"), name
        if name.startswith("statements"):
            statements += sum(q.predicate.value.endswith("#type") for q in quads)
            triples += len(quads)
    assert statements == 1000
    assert 12 <= triples / statements <= 15  # about 13 triples a statement
    parts = sorted(p.name for p in (data / "statements").glob("*.ttl"))
    assert parts[0] == "00001.ttl" and len(parts) >= 4
    assert (data / "statements.ttl").stat().st_size >= 100_000
    # every file but the last of a family is full, as positions add would leave it
    assert all((data / "statements" / p).stat().st_size >= 100_000 for p in parts[:-1])


def test_a_generated_base_validates(tmp_path: Path) -> None:
    _synth().write_base(tmp_path / "kb", 1000, seed=1, batch=20)
    kb = tmp_path / "kb"
    whole = subprocess.run(
        [sys.executable, "-m", "positions", "--kb", str(kb), "validate", "-q"],
        capture_output=True,
        text=True,
    )
    assert whole.returncode == 0, whole.stdout[-2000:] + whole.stderr[-2000:]
    batch = subprocess.run(
        [sys.executable, "-m", "positions", "--kb", str(kb), "validate", "-q",
         str(kb / "new-statements.ttl")],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert batch.returncode == 0, batch.stdout[-2000:]
