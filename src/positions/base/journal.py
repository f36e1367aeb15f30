"""Changing ``data/`` all or nothing: the writers' lock, the journal, and recovery.

    from positions.base.journal import base_lock, commit, recover
    with base_lock(kb.root):
        recover(kb.layout.data_dir)                 # finish or discard an interrupted write
        commit(kb.layout.data_dir, {"parties.ttl": text})

:func:`commit` writes the full new text of every changed file to a temporary
file beside it and fsyncs it; a journal listing the renames is written
atomically; the renames are done; the journal is removed.  :func:`recover`
(run by every writing command before it starts) finishes a transaction whose
journal exists and deletes temporary files that have none, so a run killed at
any point leaves the base as it was before or after.  ``positions add`` and
``positions fmt`` write this way, one at a time under :func:`base_lock`.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from positions.base.layout import JOURNAL_NAME
from positions.errors import FileSystemError, PositionsError
from positions.rdf import rdfio

# Beside data/, so that a refused add leaves data/ byte-identical, lock file included.
LOCK_NAME = ".positions.lock"
# Temporary files never end in .ttl, so that a base loaded while one lies
# around (layout.py globs *.ttl) never reads half a transaction.
TEMP_PREFIX = ".positions-tmp-"
TEMP_SUFFIX = ".part"
UNCHANGED = "nothing was written: data/ is as it was"
LOCK_TIMEOUT = 120.0  # seconds; a normal add holds the lock for a few seconds
PAUSE_ENV = "POSITIONS_TEST_PAUSE_AT"  # tests: sleep at a commit step (see _test_pause)


class WriteBlocked(PositionsError):
    """A write could not start: another writer kept the lock, or a journal cannot be read."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@contextlib.contextmanager
def base_lock(root: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """One writer at a time in the base at ``root``: an OS lock (released if the process dies)."""
    from filelock import FileLock, Timeout

    path = root / LOCK_NAME
    lock = FileLock(str(path), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:  # a TimeoutError, hence an OSError: first
        raise WriteBlocked(
            f"another positions command has held {LOCK_NAME} for more than "
            f"{timeout:.0f} s; try again when it has finished"
        ) from None
    except OSError as error:  # a read-only base, a folder not writable by this user
        raise FileSystemError(error, path, UNCHANGED, doing="create the lock") from None
    try:
        yield
    finally:
        lock.release()


def commit(data_dir: Path, texts: dict[str, str]) -> None:
    """Replace the files named in ``texts`` (paths under ``data_dir``) all or none.

    Temporary files first (fsynced); then the journal, written atomically; then
    the renames; then the journal goes.  A kill before the journal exists leaves
    the old files (the temporaries are stray and :func:`recover` deletes them);
    a kill after leaves a journal that :func:`recover` completes.
    """
    for name, text in texts.items():  # the written file must read back: never half-valid
        rdfio.parse_bytes(text.encode("utf-8"), data_dir / name, ox.RdfFormat.TURTLE)
    refuse_links(data_dir, texts)
    pairs: list[tuple[Path, Path]] = []
    writing = data_dir
    try:
        for name, text in sorted(texts.items()):
            writing = data_dir / name
            pairs.append((_write_temp(writing, text.encode("utf-8")), writing))
        _test_pause("before-journal")
        writing = data_dir / JOURNAL_NAME
        _write_journal(data_dir, pairs)
    except BaseException as error:
        for temp, _ in pairs:
            temp.unlink(missing_ok=True)
        if isinstance(error, OSError):  # no space, no permission: said as such, exit 2
            raise FileSystemError(error, writing, UNCHANGED) from None
        raise
    _test_pause("after-journal")
    try:
        _replace_all(data_dir, pairs)
        (data_dir / JOURNAL_NAME).unlink()
        _fsync_dir(data_dir)
    except OSError as error:
        raise _failed_after_journal(error, data_dir, pairs) from None


def refuse_links(data_dir: Path, names: Iterable[str]) -> None:
    """Refuse to replace a data file that is a symbolic link.

    A commit renames a new file over the old one; over a link, that would put a
    regular file in the link's place and leave the file it points to unchanged.
    Writing through the link instead would put the temporary file and the
    rename outside data/, where the journal and :func:`recover` do not reach, and
    change a file that may belong to another base: positions refuses, before
    anything is written.
    """
    for name in sorted(names):
        path = data_dir / name
        if path.is_symlink():
            raise WriteBlocked(
                f"{path} is a symbolic link (to {os.readlink(path)}): positions writes a data "
                "file by renaming a new one over it, which would replace the link and leave "
                "the file it points to unchanged; nothing was written. Put the file itself "
                "in data/ in place of the link."
            )


def _failed_after_journal(
    error: OSError, data_dir: Path, pairs: list[tuple[Path, Path]]
) -> FileSystemError:
    """The error of a commit that failed once its journal was written, after undoing
    it when no file had been replaced yet."""
    journal = data_dir / JOURNAL_NAME
    pending = [final for temp, final in pairs if temp.exists()]
    failing = pending[0] if pending else journal
    if len(pending) == len(pairs):  # nothing replaced: undo (journal first, then temporaries)
        try:
            journal.unlink(missing_ok=True)
            for temp, _ in pairs:
                temp.unlink(missing_ok=True)
            return FileSystemError(error, failing, UNCHANGED)
        except OSError:
            pass
    if pending:
        done = (
            "no data file is replaced yet"
            if len(pending) == len(pairs)
            else "data/ is partly written"
        )
        outcome = (
            f"{done}; {journal} records the rest, and the next positions command "
            "completes it once the cause is fixed (nothing is lost)"
        )
    else:
        outcome = f"the new files are written; the next positions command removes {journal}"
    return FileSystemError(error, failing, outcome)


def recover(data_dir: Path) -> list[str]:
    """Finish an interrupted transaction, delete stray temporary files; say what was done.

    Call it holding :func:`base_lock`.  A journal lists renames that were all
    prepared (their temporary files fsynced) before it was written, so rolling
    forward is always possible; temporary files without a journal belong to a
    transaction that never committed and are deleted (the base is as before).
    """
    done: list[str] = []
    journal = data_dir / JOURNAL_NAME
    if journal.exists():
        try:
            entries = json.loads(journal.read_text(encoding="utf-8"))["replace"]
            pairs = [(data_dir / e["temp"], data_dir / e["final"]) for e in entries]
        except (ValueError, KeyError, TypeError) as error:
            raise WriteBlocked(
                f"{journal}: the transaction journal cannot be read ({error}); the files it "
                "names have not been touched. Inspect it, then delete it by hand."
            ) from None
        try:
            _replace_all(data_dir, pairs)
            journal.unlink()
            _fsync_dir(data_dir)
        except OSError as error:
            failing = next((f for t, f in pairs if t.exists()), journal)
            raise FileSystemError(
                error,
                failing,
                f"an interrupted write cannot be completed: {journal} keeps what it needs, "
                "nothing is lost; fix the cause and run the command again",
            ) from None
        names = ", ".join(f"data/{f.relative_to(data_dir).as_posix()}" for _, f in pairs)
        done.append(f"completed an interrupted transaction ({names})")
    strays = sorted(data_dir.rglob(TEMP_PREFIX + "*"))
    for stray in strays:
        stray.unlink(missing_ok=True)
    if strays:
        files = "1 temporary file" if len(strays) == 1 else f"{len(strays)} temporary files"
        done.append(f"deleted {files} of an interrupted run that had not committed")
    return done


def _write_temp(final: Path, content: bytes) -> Path:
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=final.parent)
    try:
        # mkstemp makes the file private; keep the mode the data file had.
        mode = final.stat().st_mode & 0o777 if final.exists() else 0o666 & ~_umask()
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_journal(data_dir: Path, pairs: list[tuple[Path, Path]]) -> None:
    entries = [
        {"temp": t.relative_to(data_dir).as_posix(), "final": f.relative_to(data_dir).as_posix()}
        for t, f in pairs
    ]
    content = json.dumps({"version": 1, "replace": entries}, indent=2) + "\n"
    temp = _write_temp(data_dir / JOURNAL_NAME, content.encode("utf-8"))
    try:
        os.replace(temp, data_dir / JOURNAL_NAME)  # the journal appears whole or not at all
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_dir(data_dir)


def _replace_all(data_dir: Path, pairs: list[tuple[Path, Path]]) -> None:
    for index, (temp, final) in enumerate(pairs):
        if temp.exists():  # on recovery, the ones done before the kill are gone
            os.replace(temp, final)
        if index == 0:
            _test_pause("after-first-replace")
    for folder in {f.parent for _, f in pairs} | {data_dir}:
        _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _test_pause(point: str) -> None:
    """Test hook, never set in use: sleep at a commit step so that a test can kill the run there.

    With ``POSITIONS_TEST_PAUSE_AT`` set to ``before-journal``, ``after-journal``
    or ``after-first-replace``, the run says so on standard error and sleeps
    ``POSITIONS_TEST_PAUSE_SECONDS`` (default 60) at that point
    (tests/test_crash_safety.py, tests/test_hostile.py).
    """
    if os.environ.get(PAUSE_ENV) == point:
        print(f"positions: paused at {point}", file=sys.stderr, flush=True)
        time.sleep(float(os.environ.get("POSITIONS_TEST_PAUSE_SECONDS", "60")))
