"""Where a base's triples are kept for querying: in memory, or in a persistent store on disk.

The Turtle files of ``ontology/`` and ``data/`` are the source of truth.  A store
is a cache of them, one named graph per file (:func:`positions.rdf.rdfio.graph_iri`):

* ``memory`` (the default for a small base): every command loads the files
  anew.  Simple, and fast enough for a base of a few thousand statements.
* ``disk`` (the default for a large base): a pyoxigraph (RocksDB) store in
  ``<base>/.positions-cache/store/``,
  kept in step with the files by a manifest of their sizes, modification times
  and SHA-256 digests.  Opening an unchanged base reads nothing but the manifest
  and a ``stat`` per file; a changed file has its graph alone reloaded; a file
  whose time changed but whose bytes did not is only re-stamped.

The kind is chosen by the caller (``KnowledgeBase.open(path, store="disk")``),
else ``$POSITIONS_STORE``, else ``[store] kind = "disk"`` in the base's own
``positions.toml``, else ``disk`` for a large base and ``memory`` for a small one.

**Loading.**  Every file of a small base goes through :func:`rdfio.read_rdf`,
the strict gate, as every input does.  The data files of a large base (from
``layout.LARGE_BASE_BYTES`` of data) are loaded by pyoxigraph's own parser
(``Store.bulk_load``), which refuses any syntax error and any invalid IRI and
gives each file's blank nodes identities of their own, after a byte scan
(:func:`rdfio.plainly_clean`) has found no control or bidi character, no
``\\u`` escape and no over-long number; a file the scan flags goes through the
gate.  Left to ``positions validate``: ill-typed literals and deep nesting (the
gate's per-triple checks run in Python at a third of the parser's speed).  Files
load several at a time, which keeps both cores of a small machine busy.  New
input never takes this path.  docs/performance.md has the figures.

**Concurrency.**  Readers hold a shared ``flock`` on ``store.lock`` while a
store is open read-only (pyoxigraph: opening read-only while another process
writes is undefined behaviour); a process that must update the store takes the
exclusive lock (the ``filelock`` package), so it waits for readers to finish and
they wait for it.  A writer that only appends what it has just committed
(:meth:`DiskStore.refresh` after ``positions add``) waits a moment for readers
(:data:`WRITER_WAIT`), then leaves the store as it is: its manifest no longer
matches the file, so the next open reloads that file's graph.

**Healing.**  The store is a copy of the files: when opening or updating it meets
damage (:func:`positions.base.healing.damage`), :meth:`DiskStore.heal` says so in
one line on stderr, deletes the store and rebuilds it from the files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from positions.base import healing, opening
from positions.base.layout import (
    CACHE_ROOT,
    LARGE_BASE_BYTES,
    STORE_DATA,
    STORE_DIR,
    STORE_LOCK,
    Layout,
)
from positions.errors import InputError, Position, UsageError
from positions.progress import ByteProgress, Stages
from positions.rdf import rdfio

KINDS = ("memory", "disk")
ENV_VAR = "POSITIONS_STORE"
CONFIG_NAME = "positions.toml"
MANIFEST_VERSION = 1
LOCK_TIMEOUT = 600.0  # seconds: the first load of a very large base takes minutes
# Seconds a writer appending its committed triples waits for readers before it
# leaves the store to the next open (a server's request, a query in progress).
WRITER_WAIT = 2.0
# Each bulk load adds files that overlap the others' keys; after loading this
# much, the store is compacted (Store.optimize) before it is read.  On the 1M
# base: 56 s, 6.6 GB -> 2.9 GB on disk, and a saved query 25.5 s -> 1.6 s.  The
# graph-keyed indexes are first made to overlap too (_span_graph_indexes).
COMPACT_FROM_BYTES = 64 * 1024 * 1024

Progress = Callable[[str, int], None]  # (file name, bytes just loaded)


def store_kind(root: Path, explicit: str | None = None) -> str:
    """The store a base uses: ``explicit``, else $POSITIONS_STORE, else positions.toml,
    else ``disk`` for a large base (``layout.LARGE_BASE_BYTES`` of data) and ``memory``."""
    for origin, value in (("store", explicit), (f"${ENV_VAR}", os.environ.get(ENV_VAR))):
        if value:
            return _checked_kind(value, origin)
    config = root / CONFIG_NAME
    if config.is_file():
        import tomllib

        try:
            settings = tomllib.loads(config.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise InputError(Position(config), f"cannot read the settings: {error}") from None
        kind = settings.get("store", {}).get("kind")
        if kind:
            return _checked_kind(str(kind), f"{CONFIG_NAME} [store] kind")
    # Unset: a large base would reload millions of triples at every command in memory.
    return "disk" if Layout(root).is_large() else "memory"


def _checked_kind(value: str, origin: str) -> str:
    if value not in KINDS:
        raise UsageError(f"{origin} {value!r}: the store is one of {', '.join(KINDS)}")
    return value


# -- loading files into a store -----------------------------------------------------

# Files load in parallel: pyoxigraph's bulk loader releases the GIL, and one
# load keeps 1.25 cores busy, waiting on its writes the rest of the time.  On a
# 2-core machine, into an on-disk store: 116,000 triples a second for one file
# at a time; 123,000 to 194,000 with two at a time; 143,000 to 163,000 with four
# on 4.5M triples, where two gave 108,000 to 123,000 (docs/performance.md).
LOAD_THREADS = min(8, max(4, 2 * (os.cpu_count() or 2)))


def load_file(
    store: ox.Store,
    path: Path,
    relative: str,
    *,
    limits: rdfio.Limits = rdfio.DEFAULT_LIMITS,
    bulk: bool = False,
    fast: bool = False,
) -> None:
    """Load one base file into its named graph: through the gate, or by pyoxigraph's parser.

    ``fast`` (a large base's own data files, see :func:`fast_loading`) loads the
    file with ``Store.bulk_load`` once :func:`rdfio.plainly_clean` finds nothing
    the gate's term checks would refuse; a file it flags, and every other file
    within the gate's size limit, goes through the gate.  A file over that limit
    can only be bulk-loaded.  ``bulk`` writes the gated quads with
    ``bulk_extend`` (for an on-disk store, several times faster than a
    transaction for a large file).
    """
    graph = rdfio.graph_iri(relative)
    data = _read(path)
    small = len(data) <= limits.max_bytes
    if small and not (fast and rdfio.plainly_clean(data, limits)):
        quads = rdfio.parse_bytes(data, path, rdfio.format_for(path), graph, limits=limits)
        (store.bulk_extend if bulk else store.extend)(quads)
        return
    try:
        store.bulk_load(data, format=rdfio.format_for(path), to_graph=graph)
    except SyntaxError as error:
        store.remove_graph(graph)  # nothing half-loaded stays behind
        line = getattr(error, "lineno", None)
        raise InputError(Position(path, line, getattr(error, "offset", None)), str(error)) from None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InputError(Position(path), f"cannot read the file: {error.strerror}") from None


def fast_loading(files: Iterable[tuple[Path, str]]) -> set[str]:
    """The files to load fast: a large base's data files (``layout.LARGE_BASE_BYTES``).

    They are the base's own files, which entered it through the gate (``positions
    add``, ``import``, ``fmt``) and which ``positions validate`` checks whole, so
    a byte scan and pyoxigraph's strict parser (syntax, IRIs; blank nodes scoped
    to the file) are enough to query them: ill-typed literals and deep nesting
    are left to validation.  New input never takes this path; nor does any file
    of a small base, where the gate costs little.
    """
    data = [(p, r) for p, r in files if r.startswith("data/")]
    if sum(p.stat().st_size for p, _ in data) < LARGE_BASE_BYTES:
        return set()
    return {r for _, r in data}


def load_files(
    store: ox.Store,
    files: Iterable[tuple[Path, str]],
    *,
    bulk: bool = False,
    fast: set[str] | frozenset[str] = frozenset(),
    progress: Progress | None = None,
) -> None:
    """Load ``(path, relative name)`` pairs, one named graph each, several at a time.

    On the first failure the files not started are left out and the error is
    raised; a graph half-loaded by a failing bulk load is removed.
    """
    failure = _load_parallel(store, list(files), bulk, fast, progress)
    if failure is not None:
        # No frame of the load may stay referenced from the error: they hold the
        # store, and a caller that keeps the error (a notebook, a test) would
        # keep an on-disk store locked.
        del store
        failure.__context__ = None
        raise failure.with_traceback(None)


def _load_parallel(
    store: ox.Store,
    files: list[tuple[Path, str]],
    bulk: bool,
    fast: set[str] | frozenset[str],
    progress: Progress | None,
) -> BaseException | None:
    """Load the files, several at a time; the first error, or None."""
    # Imported here, as hashlib below: a query on an unchanged store loads nothing,
    # and these imports (logging among them) were 6 ms of its start-up.
    from concurrent.futures import ThreadPoolExecutor, as_completed

    with ThreadPoolExecutor(LOAD_THREADS) as pool:
        futures = {
            pool.submit(load_file, store, path, relative, bulk=bulk, fast=relative in fast): (
                path,
                relative,
            )
            for path, relative in files
        }
        for future in as_completed(futures):
            failure = future.exception()
            if failure is not None:
                pool.shutdown(cancel_futures=True)
                return failure
            path, relative = futures[future]
            if progress is not None:
                progress(relative, path.stat().st_size)
    return None


def memory_store(files: list[tuple[Path, str]]) -> ox.Store:
    """An in-memory store of the files.

    In a small base every file goes through the gate and all are checked before
    any is added, so a bad file merges nothing (as :func:`rdfio.load_files`); a
    large base's data files load fast and in parallel (:func:`fast_loading`).
    """
    fast = fast_loading(files)
    gated = [(p, r) for p, r in files if r not in fast and p.stat().st_size <= _gate_limit()]
    rest = [(p, r) for p, r in files if (p, r) not in gated]
    store = ox.Store()
    with load_progress(files) as progress:
        rdfio.load_files(store, gated)
        for path, relative in gated:
            progress(relative, path.stat().st_size)
        load_files(store, rest, fast=fast, progress=progress)
    return store


def _gate_limit() -> int:  # read at call time: the CLI may have raised it
    return rdfio.DEFAULT_LIMITS.max_bytes


def load_progress(files: list[tuple[Path, str]]) -> ByteProgress:
    """A bar by bytes loaded, on a terminal only, for a base of 20 MB or more."""
    return ByteProgress(sum(p.stat().st_size for p, _ in files), "loading the base")


# -- the persistent store ------------------------------------------------------------


@dataclass(frozen=True)
class FileState:
    """What the manifest remembers of a file: enough to tell, cheaply, that it is unchanged."""

    size: int
    mtime_ns: int
    sha256: str | None  # None when not computed (after an add: see DiskStore.refresh)

    @classmethod
    def of(cls, path: Path, *, digest: bool = True) -> FileState:
        stat = path.stat()
        return cls(stat.st_size, stat.st_mtime_ns, _sha256(path) if digest else None)

    def same_stat(self, path: Path) -> bool:
        stat = path.stat()
        return (stat.st_size, stat.st_mtime_ns) == (self.size, self.mtime_ns)


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class DiskStore:
    """The on-disk store of one base, and its manifest."""

    def __init__(self, root: Path, files: Callable[[], list[tuple[Path, str]]]) -> None:
        self.root = root
        self.folder = root / STORE_DIR
        self.files = files  # called anew at each check: files come and go
        self.store: ox.Store | None = None
        self.reloaded: list[str] = []  # files (re)loaded by the last open or refresh
        self.restamped: list[str] = []  # files whose stat changed but not their bytes
        self._shared: int | None = None  # the fd holding the shared lock
        self._opening: opening.Opening | None = None  # a read-only open begun ahead (begin_open)
        self.version: object = None  # the files' states when last opened: changes with them
        self._idle = False  # the store is kept open without the lock (release)

    @property
    def manifest_path(self) -> Path:
        return self.folder / "manifest.json"

    @property
    def data_path(self) -> Path:
        return self.root / STORE_DATA

    # -- opening -----------------------------------------------------------------

    def begin_open(self) -> None:
        """Begin opening the store read-only in a thread, if it exists, so that what a
        command does before its first read (imports, reading its query) overlaps it;
        or take over the open the command line began (positions.base.opening).

        Nothing is read from that store until :meth:`open` has checked the files,
        as always: in step, it is used; if not, it is dropped before the store is
        updated.  The shared lock is taken first, so no writer can change the
        store while it opens.
        """
        if self.store is not None or self._opening is not None:
            return
        begun = opening.take(self.data_path)
        if begun is not None:
            self._unlock_shared()
            self._shared, self._opening = begun
        elif self.data_path.is_dir():
            try:
                self._lock_shared()
            except OSError:
                return  # a damaged lock file: open() meets it, and heals the store
            self._opening = opening.Opening(str(self.data_path))

    def open(self) -> ox.Store:
        """The store, brought in step with the files first if they changed; rebuilt
        from the files if it is damaged (see the module docstring, Healing)."""
        try:
            return self._open()
        except (OSError, RuntimeError) as error:
            reason = healing.damage(error)
            if reason is None:
                raise
        self.heal(reason)
        return self._open()

    def heal(self, reason: str) -> None:
        """Say in one line that the store is damaged, delete it and rebuild it from the files."""
        self.close()
        healing.report(reason)
        healing.make_room(self.root / CACHE_ROOT, self.folder, self.lock_path)
        with opening.exclusive(self.lock_path, LOCK_TIMEOUT):
            healing.remove(self.manifest_path)  # without it, the update below starts afresh
            healing.remove(self.data_path)
        self._update()

    def _open(self) -> ox.Store:
        if self.store is not None and self._idle:  # kept while idle (release): still in step?
            self._idle = False
            self._lock_shared()
            manifest = self._read_manifest()
            if self._in_step(manifest) and manifest == self.version:
                return self.store
            self.close()  # a writer has been: opened afresh
        self.begin_open()  # the open runs while the files are checked
        begun, self._opening = self._opening, None
        if begun is None:
            self.close()
            self.folder.mkdir(parents=True, exist_ok=True)
            self._lock_shared()
        manifest = self._read_manifest()
        if self._in_step(manifest):
            self.reloaded, self.restamped = [], []
            self.version = manifest
            store = begun.result() if begun is not None else None
            if store is None:  # none begun, or it failed: opened here, its error raised here
                store = ox.Store.read_only(str(self.data_path))
            self.store = store
            return store
        if begun is not None:
            begun.result()  # dropped: the update must not find a reader open
        self._unlock_shared()
        self._update()
        self._lock_shared()
        self.store = ox.Store.read_only(str(self.data_path))
        self.version = self._read_manifest()
        return self.store

    def close(self) -> None:
        """Drop the store and the shared lock (pyoxigraph closes a store when it is freed)."""
        if self._opening is not None:
            self._opening.result()
            self._opening = None
        self.store, self._idle = None, False
        self._unlock_shared()

    def release(self) -> None:
        """Let writers in while nothing reads: the shared lock goes, the open store is
        kept but not read again until :meth:`open` has found that no writer changed it
        (every write changes the manifest, or leaves it out of step with the files)."""
        self._unlock_shared()
        self._idle = self.store is not None

    def refresh(
        self, added: Mapping[str, Iterable[Any]] | None = None, *, reopen: bool = True
    ) -> ox.Store | None:
        """Bring the store in step after the files changed (see KnowledgeBase.refresh_store).

        ``added`` maps a file (relative to the base root) to the triples just
        appended to it: they are added to its graph as they are, instead of the
        graph being reloaded, and the file is re-stamped.  The caller vouches
        that the store was in step with the file before the change (it held the
        base's lock throughout).  Every other changed file is reloaded.
        """
        self.close()
        if added:
            try:
                self._append(added)
            except (OSError, RuntimeError) as error:
                reason = healing.damage(error)
                if reason is None:
                    raise
                self.heal(reason)  # the files hold the additions: rebuilt from them
        # Opening a large store read-only costs a quarter of a second: a caller
        # that may not read again (an add about to end) opens it when it does.
        return self.open() if reopen else None

    def _append(self, added: Mapping[str, Iterable[Any]]) -> None:
        """Add the triples and re-stamp their files, unless readers keep the store."""
        with opening.exclusive(self.lock_path, WRITER_WAIT, wait_or_skip=True) as taken:
            if not taken:
                return  # the manifest no longer matches the files: the next open reloads them
            manifest = self._read_manifest()
            if manifest is None or not self.data_path.is_dir():
                return  # no store to append to: the next open builds it
            store = ox.Store(str(self.data_path))
            try:
                for relative, triples in added.items():
                    if relative not in manifest:
                        continue  # never loaded: the next open loads the file
                    graph = rdfio.graph_iri(relative)
                    store.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
                    manifest[relative] = FileState.of(self.root / relative, digest=False)
                store.flush()
            finally:
                del store
            self._write_manifest(manifest)

    def changed(self) -> bool:
        """True when the open store may no longer be what the files hold: a writer
        has changed the files or the store since :meth:`open` checked them."""
        manifest = self._read_manifest()
        return manifest != self.version or not self._in_step(manifest)

    def _in_step(self, manifest: dict[str, FileState] | None) -> bool:
        if manifest is None or not self.data_path.is_dir():
            return False
        current = self.files()
        if {relative for _, relative in current} != set(manifest):
            return False
        return all(manifest[relative].same_stat(path) for path, relative in current)

    def _update(self) -> None:
        """Under the exclusive lock: reload what changed, drop what went, re-stamp the rest."""
        with opening.exclusive(self.lock_path, LOCK_TIMEOUT):
            manifest = self._read_manifest()
            fresh = manifest is None or not self.data_path.is_dir()
            if fresh:
                manifest = {}
                healing.remove(self.data_path)
            current = self.files()
            changed, restamped = [], []
            for path, relative in current:
                known = manifest.get(relative)
                if known is not None and known.same_stat(path):
                    continue
                state = FileState.of(path)
                if known is not None and known.sha256 == state.sha256:
                    restamped.append(relative)
                    manifest[relative] = state
                else:
                    changed.append((path, relative, state))
            gone = set(manifest) - {relative for _, relative in current}
            if changed or gone:
                self._reload(manifest, changed, gone, fresh)
            self.reloaded = [relative for _, relative, _ in changed]
            self.restamped = restamped
            self._write_manifest(manifest)

    def _reload(
        self,
        manifest: dict[str, FileState],
        changed: list[tuple[Path, str, FileState]],
        gone: set[str],
        fresh: bool,
    ) -> None:
        store = ox.Store(str(self.data_path))
        try:
            for relative in sorted(gone):
                store.remove_graph(rdfio.graph_iri(relative))
                del manifest[relative]
            # Forget the changed files first: if a load fails, the next open retries it.
            for _, relative, _ in changed:
                manifest.pop(relative, None)
            self._write_manifest(manifest)
            if not fresh:
                for _, relative, _ in changed:
                    store.remove_graph(rdfio.graph_iri(relative))
            pairs = [(path, relative) for path, relative, _ in changed]
            with load_progress(pairs) as progress:
                load_files(
                    store, pairs, bulk=True, fast=fast_loading(self.files()), progress=progress
                )
            if sum(state.size for _, _, state in changed) >= COMPACT_FROM_BYTES:
                with Stages("compacting the store"):
                    _span_graph_indexes(store, [relative for _, relative, _ in changed])
                    store.optimize()
            for _, relative, state in changed:
                manifest[relative] = state
            store.flush()
        finally:
            del store

    # -- the manifest ----------------------------------------------------------------

    def _read_manifest(self) -> dict[str, FileState] | None:
        """The manifest; None when there is none or it is of another version (the store
        is then rebuilt); :class:`healing.Damaged` when it cannot be read."""
        try:
            document = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            if document.get("version") != MANIFEST_VERSION or document.get("engine") != _engine():
                return None  # another layout or pyoxigraph version: rebuild
            return {name: FileState(**state) for name, state in document["files"].items()}
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise healing.Damaged(f"{STORE_DIR.as_posix()}/manifest.json: {error}") from None

    def _write_manifest(self, manifest: dict[str, FileState]) -> None:
        document = {
            "version": MANIFEST_VERSION,
            "engine": _engine(),
            "files": {name: vars(state) for name, state in sorted(manifest.items())},
        }
        temporary = self.manifest_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        os.replace(temporary, self.manifest_path)

    # -- locks -----------------------------------------------------------------------

    @property
    def lock_path(self) -> Path:
        return self.root / STORE_LOCK

    def _lock_shared(self) -> None:
        if self._shared is None:  # None on Windows: readers do not lock; writers exclude writers
            self._shared = opening.lock_shared(self.lock_path)

    def _unlock_shared(self) -> None:
        if self._shared is None:
            return
        os.close(self._shared)  # closing the descriptor releases its flock
        self._shared = None


def _span_graph_indexes(store: ox.Store, relatives: list[str]) -> None:
    """Write again one quad of each of these files' graphs, in one bulk load, so
    that the compaction after it merges the graph-keyed indexes too.

    Each file's bulk load leaves, in each of the three indexes keyed by graph
    first, a small file of keys no other load overlaps; RocksDB puts these at the
    bottom level and a compaction leaves them there as they are.  At 1M
    statements that was 2,800 files, and opening the store read-only (every
    command on a large base) read them all: 65 ms.  One file whose keys span
    every graph overlaps them all, so the compaction rewrites them into a few:
    2,820 files became 763, and the open 22 ms.  The quads written are already
    there, so nothing changes in what the store holds.
    """
    quads = []
    for relative in relatives:
        quad = next(store.quads_for_pattern(None, None, None, rdfio.graph_iri(relative)), None)
        if quad is not None:
            quads.append(quad)
    store.bulk_extend(quads)


def _engine() -> str:
    return f"pyoxigraph {getattr(ox, '__version__', '?')}"
