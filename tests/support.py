"""Helpers shared by the tests of the bundled base (imported as ``support``)."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

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
