"""The saved queries in one folder (a base's ``queries/``), by name, with near names suggested."""

from __future__ import annotations

import difflib
import os
from functools import cached_property
from pathlib import Path

from positions.errors import NotABase, UsageError
from positions.sparql.decorators import HeaderCache
from positions.sparql.saved import SavedQuery


class Catalogue:
    """The saved queries in one folder, by name (the file stem)."""

    def __init__(self, folder: Path, header_cache: HeaderCache | None = None) -> None:
        self.folder = Path(folder)
        self.header_cache = header_cache

    @classmethod
    def from_folder(cls, folder: Path | str, header_cache: HeaderCache | None = None) -> Catalogue:
        return cls(Path(folder), header_cache)

    @cached_property
    def _paths(self) -> dict[str, Path]:
        if not self.folder.is_dir():
            return {}
        paths = {path.stem: path for path in sorted(self.folder.glob("*.rq")) if path.is_file()}
        for path in paths.values():
            _refuse_link_out(path, self.folder.parent)
        return paths

    def names(self) -> list[str]:
        return list(self._paths)

    def __contains__(self, name: object) -> bool:
        return name in self._paths

    def __len__(self) -> int:
        return len(self._paths)

    def get(self, name: str) -> SavedQuery:
        """The saved query ``name``; an unknown name is a UsageError suggesting near ones."""
        path = self._paths.get(name)
        if path is None:
            raise UsageError(self._unknown(name))
        return self._load(path)

    def all(self) -> list[SavedQuery]:
        """Every saved query, by name; raises on the first malformed file."""
        return [self._load(path) for path in self._paths.values()]

    def _load(self, path: Path) -> SavedQuery:
        cache = self.__dict__.setdefault("_cache", {})
        if path not in cache:
            cache[path] = SavedQuery.from_file(path, self.header_cache)
        return cache[path]

    def _unknown(self, name: str) -> str:
        names = self.names()
        if not names:
            return f"no saved query {name!r}: {self.folder} holds no .rq files"
        near = nearest(name, names)
        hint = f"; did you mean {' or '.join(near)}?" if near else ""
        return f"no saved query {name!r}{hint} (`positions queries` lists all {len(names)})"


def _refuse_link_out(path: Path, base: Path) -> None:
    """A saved query that is a symbolic link to a file outside the base is refused
    unread: a syntax error would quote its lines (``/etc/passwd``)."""
    if not path.is_symlink():
        return
    target, inside = os.path.realpath(path), os.path.realpath(base)
    if os.path.commonpath([target, inside]) != inside:
        raise NotABase(
            f"{path} is a symbolic link to a file outside the base ({target}); a base "
            "reads its own files only, and nothing of that file was read: copy it into "
            "the base, or remove the link"
        )


def nearest(name: str, names: list[str], n: int = 3) -> list[str]:
    """Names close to ``name``: difflib's ratio, then names that contain it."""
    close = difflib.get_close_matches(name, names, n=n, cutoff=0.6)
    for candidate in names:
        if len(close) >= n:
            break
        if name and name.lower() in candidate.lower() and candidate not in close:
            close.append(candidate)
    return close
