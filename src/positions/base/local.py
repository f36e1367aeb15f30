"""A base on disk as an object: its layout, its store and its saved queries.

:class:`LocalBase` is what every layer above reads a base through; the Python
API, :class:`positions.api.KnowledgeBase`, adds the verbs (query, validate,
add, export, ...) to it.

Loading is lazy: a command pays only for what it touches.  Every file of the
base is loaded into a named graph of its own (see :func:`rdfio.graph_iri`), and
queries see the union of them as their default graph.

The store is in memory by default, or persistent on disk and kept in step with
the files (``LocalBase.open(path, store="disk")``, $POSITIONS_STORE, or the
base's ``positions.toml``): see :mod:`positions.base.store`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from positions.base.layout import CACHE_ROOT, STORE_DATA, Layout, locate_base
from positions.rdf import rdfio

if TYPE_CHECKING:  # imported lazily at run time, to keep start-up fast
    from positions.base.store import DiskStore
    from positions.sparql.catalogue import Catalogue


class LocalBase:
    """One base on disk: its layout, its store, its saved queries."""

    def __init__(self, root: Path, store: str | None = None) -> None:
        self.layout = Layout(Path(root))
        self._store_choice = store
        self._disk: DiskStore | None = None
        self._readers = 0  # the stretches of reading under way (see reading)
        self._readers_lock = threading.Condition()
        self._damage: str | None = None  # damage a reading met, healed at the next open

    @classmethod
    def open(cls, path: Path | str | None = None, store: str | None = None) -> LocalBase:
        """Open the base at ``path`` (else $POSITIONS_KB, the current folder, the bundled one).

        ``store`` is ``"memory"`` or ``"disk"``; None leaves the choice to
        $POSITIONS_STORE and the base's positions.toml (see :mod:`positions.base.store`).
        """
        return cls(locate_base(path), store)

    @property
    def root(self) -> Path:
        return self.layout.root

    def relative(self, path: Path) -> str:
        """A file's name relative to the base root, with forward slashes."""
        if not isinstance(path, Path):  # a Path made again is parsed again
            path = Path(path)
        # The base's own files, as the layout lists them, by their text: no system
        # call, and no pathlib (which took 6 ms for the 700 files of a large base).
        text, prefix = str(path), self._root_prefix
        if text.startswith(prefix) and ".." not in path.parts:
            return text[len(prefix) :].replace(os.sep, "/")
        return path.resolve().relative_to(self.root.resolve()).as_posix()

    @cached_property
    def _root_prefix(self) -> str:
        return os.path.join(str(self.root), "")

    def content_files(self) -> list[Path]:
        """The files whose triples a query sees: the ontology and the data."""
        return self.layout.ontology_files() + self.layout.data_files()

    @cached_property
    def store_kind(self) -> str:
        """``memory`` or ``disk``: see :func:`positions.base.store.store_kind`."""
        from positions.base.store import store_kind

        return store_kind(self.root, self._store_choice)

    def _files(self) -> list[tuple[Path, str]]:
        return [(p, self.relative(p)) for p in self.content_files()]

    @cached_property
    def store(self) -> ox.Store:
        """The store holding the ontology and data, one named graph per file.

        In memory, loaded now; on disk, opened, after reloading only the files
        that changed since it was last in step with them (read-only: a query
        cannot write to it).
        """
        from positions.base import store as stores

        self._finish_interrupted_add()
        if self.store_kind == "disk":
            if self._disk is None:
                self._disk = stores.DiskStore(self.root, self._files)
            return self._disk.open()
        return stores.memory_store(self._files())

    def prefetch_store(self) -> None:
        """Begin opening a disk store in the background; :attr:`store` finishes it.

        For a caller about to do other work before its first read (the query
        command imports the query engine and reads the saved query meanwhile).
        It does nothing for a memory store, for a store not built yet, or when
        an interrupted add must be finished first; the files are checked by
        :attr:`store` as always, and the store reloaded if they changed.
        """
        if "store" in self.__dict__ or self._disk is not None:
            return
        if self.layout.add_interrupted() or self.store_kind != "disk":
            return
        from positions.base import store as stores

        self._disk = stores.DiskStore(self.root, self._files)
        self._disk.begin_open()

    @contextmanager
    def reading(self) -> Iterator[object]:
        """Read the store for a while (a server's request), and let it go after.

        On disk, the first reader in takes the readers' lock and checks the store
        against the files as :attr:`store` does (a committed ``add`` is seen); the
        last one out releases the lock, so that between stretches of reading no
        writer waits on this process.  The store stays open meanwhile, and is used
        again only if no writer has changed it (``DiskStore.release``).  A memory
        store is loaded once and kept.  Yields the store's version, which changes
        when the files' triples may have (None in memory).

        A reading that begins while others are under way joins them, unless a
        writer has changed the files since the store was checked: it then waits
        for them to end, and checks the store again (an ``add`` that has ended is
        seen by every reading that begins after it).

        Damage met while reading (RocksDB finds a corrupted block only when it
        reads it) fails that reading; the store is rebuilt at the next open.
        """
        with self._readers_lock:
            # A writer has changed the files while others read: this reading waits
            # for them to finish, so that it (and every later one) sees the change.
            while self._readers and self._disk is not None and self._disk.changed():
                self._readers_lock.wait()
            if self._readers == 0:
                if self._damage is not None and self._disk is not None:
                    reason, self._damage = self._damage, None
                    self._disk.heal(reason)
                _ = self.store
            self._readers += 1
            version = self._disk.version if self._disk is not None else None
        try:
            yield version
        except (OSError, RuntimeError) as error:
            from positions.base.healing import damage

            if self._disk is not None:
                self._damage = damage(error) or self._damage
            raise
        finally:
            with self._readers_lock:
                self._readers -= 1
                if self._readers == 0 and self._disk is not None:
                    self.__dict__.pop("store", None)  # checked again by the next reading
                    self._disk.release()
                if self._readers == 0:
                    self._readers_lock.notify_all()

    def _finish_interrupted_add(self) -> None:
        """Roll an interrupted `positions add` forward before reading data/.

        An add killed between two renames leaves some files new and others old,
        with a journal that says how to finish; reading the base then would mix
        the two.  Finishing it, under the writers' lock, is always safe.
        """
        if self.layout.add_interrupted():
            from positions.base import opening
            from positions.base.journal import base_lock, recover

            # A store opened ahead holds the readers' lock, which the writer holding
            # the writers' lock may be waiting for: released before waiting for it.
            if self._disk is not None:
                self._disk.close()
            opening.discard(self.root / STORE_DATA)
            with base_lock(self.root):
                recover(self.layout.data_dir)

    @property
    def disk_store(self) -> DiskStore | None:
        """The on-disk store's manager, once :attr:`store` has opened it (None in memory)."""
        return self._disk

    def refresh_store(self, added: Mapping[str, Iterable[Any]] | None = None) -> None:
        """Keep the store in step after the data files changed (``positions add`` calls this).

        ``added`` maps a data file, relative to ``data/`` (as ``adding.plan.Plan.added``),
        to the triples just written to it: they are added to the store as they
        are, which costs the size of the change, not of the file.  Without it,
        a disk store reloads the files that changed; a memory store not loaded
        yet is left alone (it reads the files when first used).
        """
        if "store" not in self.__dict__:
            return
        if added is None and self._disk is None:
            del self.__dict__["store"]  # loaded afresh on next use
            return
        by_file = {
            self.relative(self.layout.data_dir / n): [_as_triple(t) for t in triples]
            for n, triples in (added or {}).items()
        }
        if self._disk is not None:
            del self.__dict__["store"]  # opened again, in step, on next use
            self._disk.refresh(by_file, reopen=False)
            return
        for relative, triples in by_file.items():
            graph = rdfio.graph_iri(relative)
            self.store.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)

    def close(self) -> None:
        """Release the store (and, on disk, its lock) before the object goes away."""
        self.__dict__.pop("store", None)
        if self._disk is not None:
            self._disk.close()

    def graph_names(self) -> list[ox.NamedNode]:
        """The named graphs of this base (one per file)."""
        return [rdfio.graph_iri(self.relative(p)) for p in self.content_files()]

    @cached_property
    def catalogue(self) -> Catalogue:
        from positions.sparql.catalogue import Catalogue
        from positions.sparql.decorators import HeaderCache

        cache = HeaderCache(self.root / CACHE_ROOT / "query-headers.json")
        return Catalogue.from_folder(self.layout.queries_dir, header_cache=cache)


def _as_triple(item: Any) -> ox.Triple:
    """A pyoxigraph Triple from a Triple, a Quad or a (subject, predicate, object) tuple."""
    if isinstance(item, tuple):
        return ox.Triple(*item)
    if isinstance(item, ox.Quad):
        return item.triple
    return item
