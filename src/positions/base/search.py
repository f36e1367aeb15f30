"""A full-text index of the base: labels, alternative labels, quotes, paraphrases and
excerpts, in SQLite FTS5 (the standard library's ``sqlite3``).

    index = SearchIndex(local_base)
    for hit in index.search("ryabkov"):
        hit.iri, hit.kind, hit.label, hit.snippet

One row per named node of the kinds a person looks for (parties, people, demands,
proposals, documents, meetings, media appearances, sources, outlets, statements, and
the concepts: stances, topics): its labels, its alternative labels, the words of its
evidence (quotes, paraphrases, excerpts) and summary, and, for a statement, the
labels of its speaker and party (so that "ryabkov" finds what Ryabkov said).  Hits
are ranked by BM25 with a label match weighing most, then alternative labels,
speaker and party, and the words last.

The index lives in ``.positions-cache/search.sqlite`` beside the store and is kept in
step with the base as the store is (:mod:`positions.base.store`): it remembers the
size and modification time of every file of the base, and is built again from the
store when one changed, was added or went away (a few seconds at 100,000
statements; a search then takes milliseconds, docs/performance.md).  It is written
to a temporary file and renamed, so that a reader never sees half an index; where
the base's folder cannot be written (a base installed read-only), it is kept in
memory.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from positions.base.layout import CACHE_ROOT

if TYPE_CHECKING:
    from positions.base.local import LocalBase

INDEX_FILE = CACHE_ROOT / "search.sqlite"
SCHEMA_VERSION = "1"

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_POS = "https://w3id.org/positions/vocab#"

# The kinds a search answers with, most general class first (as entity-index lists them).
KINDS = {
    _POS + "Party": "party",
    _POS + "Person": "person",
    _POS + "Demand": "demand",
    _POS + "Proposal": "proposal",
    _POS + "Document": "document",
    _POS + "Meeting": "meeting",
    _POS + "MediaAppearance": "media appearance",
    _POS + "Source": "source",
    _POS + "Outlet": "outlet",
    _POS + "Statement": "statement",
    _SKOS + "Concept": "concept",
}
# Column weights for BM25: label, alternative labels, who (speaker, party), words.
WEIGHTS = (10.0, 6.0, 3.0, 1.0)
WORDS = (_POS + "quote", _POS + "paraphrase", _POS + "excerpt")


@dataclass(frozen=True)
class Hit:
    iri: str
    kind: str
    label: str
    snippet: str  # the matching words, the match marked with [ and ]
    score: float
    alt: str = ""  # the alternative labels, joined by " · "


class SearchIndex:
    """The full-text index of one base, built on first use and again when its files change."""

    def __init__(self, base: LocalBase) -> None:
        self.base = base
        self.path = base.root / INDEX_FILE
        self._lock = threading.Lock()
        self._memory: sqlite3.Connection | None = None  # when the folder is read-only
        self._known: str | None = None  # the fingerprint last found in step
        self._seen: tuple[int, str] | None = None  # a memory store, and the files it read

    # -- freshness

    def fingerprint(self) -> str:
        """The base's files as the index remembers them: names, sizes, modification times."""
        digest = hashlib.sha256(SCHEMA_VERSION.encode())
        for path in sorted(self.base.content_files()):
            stat = path.stat()
            digest.update(
                f"{self.base.relative(path)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode()
            )
        return digest.hexdigest()

    def _wanted(self) -> str:
        """The fingerprint the index must carry: the files' now, for a store on disk (it
        is checked against them at each reading); for a store in memory, the files' as
        they were when this store was loaded (it is not reloaded when they change, and an
        index built from it must not claim the files' later state)."""
        if self.base.store_kind != "memory":
            return self.fingerprint()
        store = id(self.base.store)
        if self._seen is None or self._seen[0] != store:
            self._seen = (store, self.fingerprint())
        return self._seen[1]

    def _connect(self) -> sqlite3.Connection:
        """A connection to an index in step with the files (built first if need be)."""
        with self._lock:
            wanted = self._wanted()
            if self._memory is not None:
                if self._known != wanted:
                    self._memory = _build(
                        sqlite3.connect(":memory:", check_same_thread=False),
                        self.base.store,
                        wanted,
                    )
                    self._known = wanted
                return self._memory
            if self.path.exists():
                connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
                if _stamp(connection) == wanted:
                    self._known = wanted
                    return connection
                connection.close()
            try:
                self._write(wanted)
            except OSError:
                self._memory = _build(
                    sqlite3.connect(":memory:", check_same_thread=False), self.base.store, wanted
                )
                self._known = wanted
                return self._memory
            self._known = wanted
            return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)

    def _write(self, fingerprint: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        temporary.unlink(missing_ok=True)
        connection = sqlite3.connect(temporary)
        try:
            _build(connection, self.base.store, fingerprint)
        finally:
            connection.close()
        os.replace(temporary, self.path)

    def refresh(self) -> None:
        """Bring the index in step with the files now (else it is, at the next search)."""
        connection = self._connect()
        if connection is not self._memory:
            connection.close()

    # -- searching

    def search(self, text: str, *, limit: int = 50, kinds: Iterable[str] = ()) -> list[Hit]:
        """The nodes whose words match ``text`` (every word, the last as a prefix), best
        first; ``kinds`` keeps only those kinds (``person``, ``statement``, ...)."""
        query = match_expression(text)
        if not query:
            return []
        connection = self._connect()
        try:
            wanted = list(kinds)
            where = f" AND kind IN ({','.join('?' * len(wanted))})" if wanted else ""
            rows = connection.execute(
                "SELECT iri, kind, title, alt, snippet(search, -1, '[', ']', ' … ', 12), "
                f"bm25(search, {', '.join(str(w) for w in WEIGHTS)}) AS score "
                f"FROM search WHERE search MATCH ?{where} ORDER BY score LIMIT ?",
                [query, *wanted, limit],
            ).fetchall()
        finally:
            if connection is not self._memory:
                connection.close()
        return [
            Hit(iri, kind, label, snippet, -score, alt)
            for iri, kind, label, alt, snippet, score in rows
        ]

    def count(self, text: str, *, kinds: Iterable[str] = ()) -> int:
        """How many nodes match ``text`` in all (of ``kinds``, when given)."""
        query = match_expression(text)
        if not query:
            return 0
        connection = self._connect()
        wanted = list(kinds)
        where = f" AND kind IN ({','.join('?' * len(wanted))})" if wanted else ""
        try:
            return connection.execute(
                f"SELECT count(*) FROM search WHERE search MATCH ?{where}", [query, *wanted]
            ).fetchone()[0]
        finally:
            if connection is not self._memory:
                connection.close()


def match_expression(text: str) -> str:
    """An FTS5 query for what a person typed: every word must match, the last one as the
    start of a word; FTS5's own syntax is not interpreted (each word is quoted)."""
    words = re.findall(r"\w+", text, flags=re.UNICODE)
    if not words:
        return ""
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def _stamp(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def _build(connection: sqlite3.Connection, store: ox.Store, fingerprint: str) -> sqlite3.Connection:
    """Fill ``connection`` with the index of ``store``."""
    connection.executescript(
        "DROP TABLE IF EXISTS search; DROP TABLE IF EXISTS meta;"
        "CREATE VIRTUAL TABLE search USING fts5(label, alt, who, words, iri UNINDEXED, "
        "kind UNINDEXED, title UNINDEXED, tokenize = 'unicode61 remove_diacritics 2');"
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
    )
    rows = list(documents(store))
    with connection:
        connection.executemany(
            "INSERT INTO search (label, alt, who, words, iri, kind, title) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        connection.execute("INSERT INTO meta VALUES ('fingerprint', ?)", [fingerprint])
    return connection


def _objects(store: ox.Store, predicate: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for quad in store.quads_for_pattern(None, ox.NamedNode(predicate), None, None):
        if isinstance(quad.subject, ox.NamedNode | ox.BlankNode):
            found.setdefault(_key(quad.subject), []).append(quad.object.value)
    return found


def _key(term: ox.NamedNode | ox.BlankNode) -> str:
    return term.value if isinstance(term, ox.NamedNode) else "_:" + term.value


def _kinds(store: ox.Store) -> dict[str, str]:
    """Each class of the base -> the kind it belongs to (through rdfs:subClassOf)."""
    parents = _objects(store, _RDFS + "subClassOf")
    kinds: dict[str, str] = {}

    def kind_of(cls: str, seen: frozenset[str] = frozenset()) -> str | None:
        if cls in KINDS:
            return KINDS[cls]
        if cls in kinds:
            return kinds[cls]
        for parent in parents.get(cls, []):
            if parent not in seen:
                found = kind_of(parent, seen | {cls})
                if found:
                    return found
        return None

    for cls in {*parents, *KINDS}:
        found = kind_of(cls)
        if found:
            kinds[cls] = found
    return kinds


def documents(store: ox.Store) -> Iterable[tuple[str, str, str, str, str, str, str]]:
    """(label, alt, who, words, iri, kind, title) for every node of a kind a search answers with."""
    kinds = _kinds(store)
    labels = _objects(store, _RDFS + "label")
    for iri, values in _objects(store, _SKOS + "prefLabel").items():
        labels.setdefault(iri, values)
    alts = _objects(store, _SKOS + "altLabel")
    summaries = _objects(store, _POS + "summary")
    words_of: dict[str, list[str]] = {}
    for predicate in WORDS:
        for node, values in _objects(store, predicate).items():
            words_of.setdefault(node, []).extend(values)
    evidence = _objects(store, _POS + "evidence")
    speakers = _objects(store, _POS + "speaker")
    parties = _objects(store, _POS + "onBehalfOf")
    seen: set[str] = set()
    for quad in store.quads_for_pattern(None, ox.NamedNode(_RDF + "type"), None, None):
        if not isinstance(quad.subject, ox.NamedNode) or not isinstance(quad.object, ox.NamedNode):
            continue
        iri = quad.subject.value
        kind = kinds.get(quad.object.value)
        if kind is None or iri in seen or iri not in labels:
            continue
        seen.add(iri)
        words = list(summaries.get(iri, []))
        for node in evidence.get(iri, []):
            words += words_of.get(node, [])
        who = [
            label
            for node in speakers.get(iri, []) + parties.get(iri, [])
            for label in labels.get(node, []) + alts.get(node, [])
        ]
        yield (
            " · ".join(dict.fromkeys(labels[iri])),
            " · ".join(dict.fromkeys(alts.get(iri, []))),
            " · ".join(dict.fromkeys(who)),
            " / ".join(dict.fromkeys(words)),
            iri,
            kind,
            min(labels[iri]),
        )


def index_path(root: Path) -> Path:
    """Where a base's search index is kept."""
    return root / INDEX_FILE
