"""Helpers shared by the tests of the bundled base (imported as ``support``)."""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"
KB = "https://w3id.org/positions/id/"
POS = "https://w3id.org/positions/vocab#"

PREFIXES = """
PREFIX kb: <https://w3id.org/positions/id/>
PREFIX pos: <https://w3id.org/positions/vocab#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX stance: <https://w3id.org/positions/vocab/stance/>
PREFIX scope: <https://w3id.org/positions/vocab/scope/>
PREFIX topic: <https://w3id.org/positions/vocab/topic/>
PREFIX genre: <https://w3id.org/positions/vocab/genre/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX wd: <http://www.wikidata.org/entity/>
"""


def bench_module(name: str):  # noqa: ANN201 - a module loaded from bench/
    """``bench/<name>.py`` as a module (bench/ is scripts, not a package); cached in
    ``sys.modules`` so that its dataclasses and pickling find it."""
    path = REPO / "bench" / f"{name}.py"
    if getattr(sys.modules.get(name), "__file__", None) == str(path):
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def files(folder: str) -> list[Path]:
    return sorted((REPO / folder).glob("*.ttl"))


@lru_cache(maxsize=1)
def bundled_store() -> ox.Store:
    """The ontology and data of the bundled base in one default graph (read-only use)."""
    store = ox.Store()
    for path in files("ontology") + files("data"):
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


def select(query: str, store: ox.Store | None = None) -> list[dict[str, str]]:
    """Rows of a SELECT as dicts of plain strings (unbound variables left out)."""
    result = (store or bundled_store()).query(PREFIXES + query)
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


def ask(query: str, store: ox.Store | None = None) -> bool:
    return bool((store or bundled_store()).query(PREFIXES + query))


def copy_bundled(root: Path) -> Path:
    """A writable copy of the bundled base (ontology/, data/, queries/) at ``root``."""
    import shutil

    for part in ("ontology", "data", "queries"):
        shutil.copytree(REPO / part, root / part)
    return root


def tree_digest(folder: Path) -> str:
    """A digest of every file under ``folder`` (names and bytes), to prove nothing changed."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


# -- a real Oxigraph server ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _oxigraph_binary() -> str | None:
    beside_python = Path(sys.executable).parent / "oxigraph"
    if beside_python.exists():
        return str(beside_python)
    return shutil.which("oxigraph")


def _wait_until_up(url: str, process: subprocess.Popen, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oxigraph exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"oxigraph did not answer at {url} within {seconds} s")


@contextmanager
def oxigraph_server(location: Path) -> Iterator[str]:
    """``http://127.0.0.1:PORT`` of a fresh Oxigraph server (read-write, stored in ``location``).

    The server the ``oxigraph`` package on PyPI ships (the test extra installs
    it); the test is skipped without it.  Stopped when the block ends.
    """
    binary = _oxigraph_binary()
    if binary is None:
        pytest.skip("the oxigraph server is not installed: pip install oxigraph")
    base = f"http://127.0.0.1:{free_port()}"
    process = subprocess.Popen(
        [binary, "serve", "--location", str(location), "--bind", base.removeprefix("http://")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(base + "/query?query=ASK%7B%7D", process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
