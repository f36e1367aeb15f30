"""What ``positions fmt`` does: find the data files not in canonical form, and rewrite them.

The rewrite is one all-or-nothing transaction under the writers' lock
(:mod:`positions.base.journal`), as ``positions add`` writes; only the layout
changes, never a triple.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyoxigraph as ox

from positions.adding.inputs import InputFile
from positions.base.datafiles import render_data_file
from positions.base.journal import base_lock, commit, recover

if TYPE_CHECKING:
    from positions.base.local import LocalBase


def non_canonical(kb: LocalBase) -> dict[str, str]:
    """Data files not in canonical form, with their canonical text.

    Every file is read and rendered (minutes on a base of a million
    statements): a bar shows the bytes done, on a terminal.
    """
    from positions.progress import ByteProgress

    data_dir = kb.layout.data_dir
    paths = kb.layout.data_files()
    out = {}
    with ByteProgress(sum(p.stat().st_size for p in paths), "checking the layout") as done:
        for path in paths:
            name = path.relative_to(data_dir).as_posix()
            src = InputFile.read(path, kb.relative(path))
            text = render_data_file(name, [ox.Triple(*t) for t in src.triples])
            if text.encode("utf-8") != path.read_bytes():
                out[name] = text
            done(name, path.stat().st_size)
    return out


def format_base(kb: LocalBase) -> tuple[list[str], list[str]]:
    """Rewrite every non-canonical data file, all in one transaction; (files, recovered)."""
    with base_lock(kb.root):
        recovered = recover(kb.layout.data_dir)
        texts = non_canonical(kb)
        if texts:
            commit(kb.layout.data_dir, texts)
        return sorted(texts), recovered
