"""Damage to a base's store cache: telling it from other errors, and clearing it away.

The store in ``.positions-cache/store/`` is a copy of the files
(:mod:`positions.base.store`), so damage to it is never fatal: the store is deleted
and rebuilt.  This module says which errors mean damage, in a few words for the
one line that reports it, and removes whatever stands where the store's files
should be.  Nothing here scans a store: RocksDB reports a damaged file when it
opens the store (the footers and index blocks of every table) or reads the
damaged block.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from positions.base.layout import CACHE_ROOT, STORE_DATA, STORE_DIR

# The environment's errors are not damage: a rebuild would meet them again.
_NOT_DAMAGE = ("No space left", "Permission denied", "Read-only file system", "quota exceeded")
_LONGEST = 140  # characters of RocksDB's message kept in the report


class Damaged(RuntimeError):
    """The store's own bookkeeping cannot be read (its manifest): the reason is the message."""


def damage(error: BaseException) -> str | None:
    """What is wrong with the store cache, if ``error`` says it is damaged (a missing or
    corrupted RocksDB file, a file where a folder should be, an unusable lock file),
    in a few words; None for any other error."""
    if isinstance(error, Damaged):
        return str(error)
    if not isinstance(error, (OSError, RuntimeError)):
        return None
    text = " ".join(str(error).split())
    if any(words in text for words in _NOT_DAMAGE):
        return None
    cache = CACHE_ROOT.as_posix()
    filename = str(getattr(error, "filename", None) or "")
    if isinstance(error, OSError) and cache in filename:
        for path in [*reversed(Path(filename).parents), Path(filename)]:  # the part that is a file
            if cache in str(path) and (path.is_symlink() or path.exists()) and not path.is_dir():
                return f"{_short(path, cache)} is a file, not a folder"
        return f"{_short(filename, cache)}: {error.strerror or text}"
    if "Corruption" not in text and cache not in text:
        return None
    for prefix in (STORE_DATA.as_posix() + "/", STORE_DATA.as_posix()):  # RocksDB's full paths
        text = " ".join(w.split(prefix, 1)[-1] for w in text.split(" "))
    return text if len(text) <= _LONGEST else text[: _LONGEST - 1] + "…"


def _short(path: Path | str, cache: str) -> str:
    return cache + str(path).split(cache, 1)[1]


def report(reason: str) -> None:
    """The one line on stderr that says the store is damaged and will be rebuilt."""
    print(
        f"positions: the store cache in {STORE_DIR.as_posix()} was damaged ({reason}); "
        "rebuilding it from data/",
        file=sys.stderr,
        flush=True,
    )


def make_room(cache_root: Path, store_folder: Path, lock_path: Path) -> None:
    """Delete a file (or dangling link) where the cache or store folder should be, and
    a folder where the lock file should be; then make the store folder."""
    for path in (cache_root, store_folder):
        if (path.is_symlink() or path.exists()) and not path.is_dir():
            path.unlink()
    if lock_path.is_dir() and not lock_path.is_symlink():
        shutil.rmtree(lock_path)
    store_folder.mkdir(parents=True, exist_ok=True)


def remove(path: Path) -> None:
    """Delete a file, a link or a folder, whichever is there (a damaged cache may hold any)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
