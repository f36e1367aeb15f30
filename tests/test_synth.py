"""bench/synth.py: deterministic, canonical, and conforming to the shapes."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox

from positions.datafiles import render_data_file

ROOT = Path(__file__).resolve().parents[1]


def _synth():  # noqa: ANN202 - the bench/synth.py module
    spec = importlib.util.spec_from_file_location("synth", ROOT / "bench" / "synth.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["synth"] = module
    spec.loader.exec_module(module)
    return module


def _data(folder: Path) -> dict[str, bytes]:
    files = sorted((folder / "data").glob("*.ttl")) + [folder / "new-statements.ttl"]
    return {p.name: p.read_bytes() for p in files}


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    synth = _synth()
    synth.write_base(tmp_path / "a", 1000, seed=7, batch=10)
    synth.write_base(tmp_path / "b", 1000, seed=7, batch=10)
    synth.write_base(tmp_path / "c", 1000, seed=8, batch=10)
    assert _data(tmp_path / "a") == _data(tmp_path / "b")
    assert _data(tmp_path / "a") != _data(tmp_path / "c")


def test_files_are_in_the_canonical_layout(tmp_path: Path) -> None:
    _synth().write_base(tmp_path / "kb", 1000, seed=1)
    statements = 0
    for path in sorted((tmp_path / "kb" / "data").glob("*.ttl")):
        quads = list(ox.parse(path.read_bytes(), format=ox.RdfFormat.TURTLE))
        assert render_data_file(path.name, quads) == path.read_text(encoding="utf-8"), path.name
        if path.name == "statements.ttl":
            statements = sum(q.predicate.value.endswith("#type") for q in quads)
            assert 12 <= len(quads) / statements <= 15  # about 13 triples a statement
    assert statements == 1000


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
