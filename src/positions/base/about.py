"""What ``positions info`` says about a base: where it is and why, what it holds, its store.

    from positions.base.about import describe
    about = describe(kb.root, kb.origin, kb.store, kb.store_kind)
    print(about.to_text())

The counts are of nodes by class (a state counts as a party: subclasses are
followed) and of every triple the store holds, ontology included.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox

from positions.base.layout import STORE_DATA, installed_copy
from positions.rdf.namespaces import VOCAB

# What is counted, by the class its nodes have (or a subclass of it).
COUNTED = (
    ("statements", VOCAB + "Statement"),
    ("demands", VOCAB + "Demand"),
    ("parties", VOCAB + "Party"),
    ("people", VOCAB + "Person"),
    ("sources", VOCAB + "Source"),
)


@dataclass(frozen=True)
class About:
    """A base as ``positions info`` shows it."""

    path: str
    origin: str  # --kb, $POSITIONS_KB, the current folder, the bundled copy
    installed_copy: bool  # the bundled copy inside an installed package: not written
    counts: dict[str, int]
    store: str  # memory or disk
    store_path: str | None
    version: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def to_text(self) -> str:
        found = f"found by {self.origin}" if self.origin.startswith(("-", "$")) else self.origin
        if self.installed_copy:
            found += " inside the installed package, read-only; positions init DIR copies it"
        store = "in memory" if self.store == "memory" else f"on disk, {self.store_path}"
        counts = ", ".join(f"{n:,} {name}" for name, n in self.counts.items())
        lines = [
            f"Base:    {self.path}",
            f"         ({found})",
            f"Holds:   {counts}",
            f"Store:   {store}",
            f"Version: positions {self.version}",
        ]
        return "\n".join(lines) + "\n"


def describe(root: Path, origin: str, store: ox.Store, store_kind: str) -> About:
    """The :class:`About` of the base at ``root`` (found by ``origin``), read from ``store``."""
    from positions import __version__

    counts = {name: count_of(store, cls) for name, cls in COUNTED}
    counts["triples"] = len(store)
    return About(
        path=str(Path(root).resolve()),
        origin=origin,
        installed_copy=installed_copy(root),
        counts=counts,
        store=store_kind,
        store_path=str(Path(root).resolve() / STORE_DATA) if store_kind == "disk" else None,
        version=__version__,
    )


def count_of(store: ox.Store, cls: str) -> int:
    """The nodes of class ``cls`` (or a subclass of it) in the store."""
    rows = store.query(
        "SELECT (COUNT(DISTINCT ?node) AS ?n) WHERE { "
        f"?class <http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{cls}> . ?node a ?class }}",
        use_default_graph_as_union=True,
    )
    return int(next(iter(rows))["n"].value)
