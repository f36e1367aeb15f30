"""``positions init DIR``: a base of one's own, from the bundled one.

    from positions.base.newbase import make_base
    make_base(Path("my-base"), bundled_base())               # a copy of the bundled base
    make_base(Path("iran-talks"), bundled_base(), empty=True) # ontology and queries, no data

The folder must not exist, or be empty.  The copy is made in a folder beside
it and renamed into place at the end, so that a failure leaves nothing half
made.  What is copied: ``ontology/`` (vocabulary, concepts, shapes, checks),
``queries/``, ``data/`` (an empty folder with ``empty``) and, when the base
has them, its source texts (``sources/``) and its ``positions.toml``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from positions.errors import UsageError

COPIED = ("ontology", "queries", "data", "sources")
COPIED_FILES = ("positions.toml",)


def make_base(folder: Path, source: Path, *, empty: bool = False) -> Path:
    """Make a base at ``folder`` from the base at ``source``; return its absolute path."""
    folder = Path(folder).expanduser().absolute()
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file; give a new folder, or an empty one")
    if folder.is_dir() and any(folder.iterdir()):
        raise UsageError(
            f"{folder} is not empty; positions init makes a base in a new or empty folder "
            "(nothing was written)"
        )
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".positions-init-", dir=folder.parent))
    try:
        for part in COPIED:
            origin = source / part
            if part == "data" and empty:
                (staging / part).mkdir()
            elif origin.is_dir():
                shutil.copytree(origin, staging / part, ignore=_ignored)
        for name in COPIED_FILES:
            if (source / name).is_file():
                shutil.copy2(source / name, staging / name)
        os.chmod(staging, 0o777 & ~_umask())
        os.rename(staging, folder)  # onto an empty folder too (POSIX)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def _ignored(folder: str, names: list[str]) -> list[str]:
    """Caches and journals are not part of a base."""
    return [n for n in names if n.startswith((".positions", "__pycache__"))]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
