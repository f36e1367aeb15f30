"""Opening a base's on-disk store read-only: the readers' shared lock, the writers'
exclusive one, and the open itself run in a thread, begun ahead of need.

pyoxigraph releases the GIL while RocksDB opens a store (about 45 ms for a base of
a million statements), so the open can run while Python does other work: the
query command begins it before it imports typer (:mod:`positions.cli.startup`), and
:class:`positions.base.store.DiskStore` takes it over when it opens the store.  This
module imports nothing heavier than pyoxigraph, so that beginning costs little.

Nothing is read from a store opened ahead: DiskStore checks the files first, as
always, and drops it if they changed.  The shared lock is taken before the open
begins, so no writer can change the store while it opens (pyoxigraph: opening
read-only while another process writes is undefined behaviour).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

from positions.errors import UsageError

# The opens begun ahead and not taken over yet, by the store's folder.
_begun: dict[str, tuple[int | None, Opening]] = {}
_begun_lock = threading.Lock()


def lock_shared(lock_path: Path, *, wait: bool = True) -> int | None:
    """Take a shared ``flock`` on ``lock_path``; the descriptor holding it (None on
    Windows, where readers do not lock).  Closing the descriptor releases it.

    Without ``wait``, raises BlockingIOError at once if a writer holds the lock.
    """
    try:
        import fcntl
    except ImportError:
        return None
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if wait else fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BaseException:
        os.close(fd)
        raise
    return fd


class Opening:
    """``Store.read_only(path)`` running in a thread of its own."""

    def __init__(self, path: str) -> None:
        self._store: ox.Store | None = None
        # Not a daemon: at exit the interpreter waits for RocksDB to finish opening.
        self._thread = threading.Thread(target=self._run, args=(path,), name="store-open")
        self._thread.start()

    def _run(self, path: str) -> None:
        try:
            self._store = ox.Store.read_only(path)
        except Exception:  # the caller opens again and meets the error itself
            self._store = None

    def result(self) -> ox.Store | None:
        """The opened store (once), or None if the open failed."""
        self._thread.join()
        store, self._store = self._store, None
        return store


def begin(data_path: Path, lock_path: Path) -> None:
    """Take the shared lock and begin opening the store at ``data_path``, if it exists,
    no open of it is begun already and no writer holds the lock (the command then
    waits for it where it always has, with its arguments checked first);
    :func:`take` hands both over."""
    with _begun_lock:
        if str(data_path) in _begun or not data_path.is_dir():
            return
        try:
            fd = lock_shared(lock_path, wait=False)
        except BlockingIOError:
            return
        _begun[str(data_path)] = (fd, Opening(str(data_path)))


def take(data_path: Path) -> tuple[int | None, Opening] | None:
    """The lock descriptor and the open begun for ``data_path``, now the caller's."""
    with _begun_lock:
        return _begun.pop(str(data_path), None)


def discard(data_path: Path) -> None:
    """Drop an open begun for ``data_path`` and release its lock: for a caller that
    must wait for the writers' lock, which a writer holding it may only release
    after it has had the store to itself."""
    taken = take(data_path)
    if taken is None:
        return
    fd, opening = taken
    opening.result()
    if fd is not None:
        os.close(fd)


@contextmanager
def exclusive(lock_path: Path, timeout: float, *, wait_or_skip: bool = False) -> Iterator[bool]:
    """The writers' exclusive lock on ``lock_path``: waits until no reader has the store
    open, and no writer.

    After ``timeout`` seconds: an error, or, with ``wait_or_skip``, the body runs
    without the lock and is told so (False).
    """
    from filelock import FileLock, Timeout

    lock = FileLock(str(lock_path), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        if wait_or_skip:
            yield False
            return
        raise UsageError(
            f"another positions process has held {lock_path} for more than "
            f"{timeout:g} s; try again when it has finished"
        ) from None
    try:
        yield True
    finally:
        lock.release()
