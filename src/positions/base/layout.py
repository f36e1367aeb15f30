"""Where a knowledge base lives on disk, and which files make it up.

A base is a folder with ``ontology/`` (vocabulary and concept schemes),
``ontology/shapes/`` (SHACL), ``data/`` (facts) and ``queries/`` (saved SPARQL),
and optionally ``sources/`` (the full texts of sources, ``sources/<name>.txt``,
against which their excerpts are checked; never loaded into the store).
This module only finds files; it reads none of them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from positions.errors import NotABase

ENV_VAR = "POSITIONS_KB"
RDF_SUFFIXES = (".ttl",)
# From this much data a base is "large": its data files load through a byte
# scan and pyoxigraph's parser instead of the full gate, into a store on disk
# by default (positions.base.store).
LARGE_BASE_BYTES = 20 * 1024 * 1024
# The journal of an add in progress (positions.base.journal), in data/: a reader that
# finds one finishes the add first.  Here so that reading needs no import of journal.
JOURNAL_NAME = ".positions-journal.json"
# What positions derives from a base and can build again: the on-disk store, the
# parsed query headers.  Never a source of truth; safe to delete.
CACHE_ROOT = Path(".positions-cache")
# The on-disk store (positions.base.store): its RocksDB folder, and the lock its readers
# share.  Here so that the command line can open it ahead (positions.cli.startup).
STORE_DIR = CACHE_ROOT / "store"
STORE_DATA = STORE_DIR / "oxigraph"
STORE_LOCK = STORE_DIR / "store.lock"
# The full texts of sources: sources/<name>.txt, <name> a source's name in kb:.
SOURCES_DIR = "sources"
SOURCE_TEXT_SUFFIX = ".txt"
_TEXT_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}")


def is_base(folder: Path) -> bool:
    """True when ``folder`` is laid out as a knowledge base."""
    return all((folder / part).is_dir() for part in ("ontology", "data", "queries"))


def bundled_base() -> Path:
    """The base shipped with the package (inside the wheel, or the source checkout)."""
    inside_wheel = Path(__file__).parents[1] / "_base"
    if is_base(inside_wheel):
        return inside_wheel
    checkout = Path(__file__).resolve().parents[3]
    if is_base(checkout):
        return checkout
    raise NotABase("the bundled knowledge base is missing from this installation")


def locate_base(explicit: Path | str | None = None) -> Path:
    """Pick the base: ``explicit``, else $POSITIONS_KB, else the current folder, else bundled."""
    return find_base(explicit).root


# Why a base was chosen (FoundBase.origin), as `positions info` says it.
FROM_OPTION, FROM_ENV = "--kb", f"${ENV_VAR}"
FROM_CWD, FROM_BUNDLE = "the current folder", "the bundled copy"


@dataclass(frozen=True)
class FoundBase:
    """The base :func:`find_base` chose, and why: :data:`FROM_OPTION`, :data:`FROM_ENV`,
    :data:`FROM_CWD` or :data:`FROM_BUNDLE`."""

    root: Path
    origin: str


def find_base(explicit: Path | str | None = None) -> FoundBase:
    """:func:`locate_base`, saying which of the four places the base was found in."""
    for candidate, origin in ((explicit, FROM_OPTION), (os.environ.get(ENV_VAR), FROM_ENV)):
        if candidate:
            folder = Path(candidate).expanduser()
            if not folder.is_dir():
                raise NotABase(f"{origin} {folder}: no such folder")
            if not is_base(folder):
                raise NotABase(
                    f"{origin} {folder}: not a knowledge base "
                    "(it needs ontology/, data/ and queries/ folders)"
                )
            return FoundBase(folder.resolve(), origin)
    if is_base(Path.cwd()):
        return FoundBase(Path.cwd().resolve(), FROM_CWD)
    return FoundBase(bundled_base(), FROM_BUNDLE)


def installed_copy(root: Path) -> bool:
    """Whether ``root`` is the bundled base inside an installed package (site-packages, a
    wheel's ``_base``), not a source checkout: what is written there a reinstall loses."""
    try:
        bundled = bundled_base().resolve()
    except NotABase:
        return False
    if Path(root).resolve() != bundled:
        return False
    installed = any(part in ("site-packages", "dist-packages") for part in bundled.parts)
    return installed or not (bundled / "pyproject.toml").is_file()


def refuse_installed_copy(root: Path) -> None:
    """Raise :class:`~positions.errors.UsageError` when ``root`` is the bundled copy inside
    an installed package (:func:`installed_copy`): a reinstall would lose what is written."""
    if installed_copy(root):
        from positions.errors import UsageError

        raise UsageError(
            f"{root} is the base bundled inside the installed positions package; "
            "what is written there is lost when positions is installed again, so nothing "
            "was written. Make a base of your own and write to it: positions init DIR "
            "(a copy of this base; --empty for its ontology and queries alone), then "
            "positions --kb DIR ..., or run positions inside DIR, or set POSITIONS_KB=DIR"
        )


@dataclass(frozen=True)
class Layout:
    """The files of one base, in a stable (sorted) order."""

    root: Path

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "ontology" / "shapes"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def sources_dir(self) -> Path:
        return self.root / SOURCES_DIR

    def source_text(self, name: str) -> Path | None:
        """The file that holds the text of the source named ``name`` (``sources/<name>.txt``).

        None when ``name`` cannot name a file (a path, a hidden name) or no such
        file is in the base; a link to a file outside the base is refused
        (:class:`~positions.errors.NotABase`), as for the RDF files.
        """
        if not _TEXT_NAME.fullmatch(name):
            return None
        path = self.sources_dir / (name + SOURCE_TEXT_SUFFIX)
        if not path.is_file():
            return None
        if path.is_symlink():
            _refuse_links_out([os.fspath(path)], self.root, self.sources_dir)
        return path

    def source_texts(self) -> list[Path]:
        """The text files of ``sources/``, sorted (none when the base has no such folder)."""
        if not self.sources_dir.is_dir():
            return []
        return sorted(p for p in self.sources_dir.glob("*" + SOURCE_TEXT_SUFFIX) if p.is_file())

    def ontology_files(self) -> list[Path]:
        return self._own_files(self.ontology_dir, recursive=False)

    def shapes_files(self) -> list[Path]:
        return self._own_files(self.shapes_dir, recursive=True)

    def data_files(self) -> list[Path]:
        return self._own_files(self.data_dir, recursive=True)

    def _own_files(self, folder: Path, *, recursive: bool) -> list[Path]:
        """The RDF files in ``folder``, refusing a link to a file outside the base."""
        links: list[str] = []
        paths = _rdf_paths(folder, recursive=recursive, links=links)
        _refuse_links_out(links, self.root, folder)
        return [Path(path) for path in paths]

    def data_bytes(self) -> int:
        """The size of the data files together."""
        return sum(p.stat().st_size for p in self.data_files())

    def add_interrupted(self) -> bool:
        """True when an add left its journal in data/: it must be finished first."""
        return (self.data_dir / JOURNAL_NAME).exists()

    def is_large(self) -> bool:
        """True from :data:`LARGE_BASE_BYTES` of data files."""
        # Counted until the limit is passed: every command asks, and a large base
        # passes it within its first few dozen files of its seven hundred.
        total = 0
        for path in _rdf_paths(self.data_dir, recursive=True):  # text: no pathlib
            total += os.stat(path).st_size
            if total >= LARGE_BASE_BYTES:
                return True
        return False

    def query_files(self) -> list[Path]:
        return sorted(self.queries_dir.glob("*.rq"))


def _refuse_links_out(links: list[str], root: Path, folder: Path) -> None:
    """Refuse a symbolic link, among a base's files, to a file outside the base.

    A base reads its own files only: a link to ``/etc/passwd`` or a private file
    would have its lines quoted in error messages, or its triples served by
    ``positions serve``.  A link to a file elsewhere inside the base is read.
    """
    inside = {os.path.realpath(root), os.path.realpath(folder)}
    for link in links:
        target = os.path.realpath(link)
        if not any(os.path.commonpath([target, place]) == place for place in inside):
            raise NotABase(
                f"{link} is a symbolic link to a file outside the base ({target}); a base "
                "reads its own files only, and nothing of that file was read: copy it into "
                "the base, or remove the link"
            )


def _rdf_files(folder: Path, *, recursive: bool) -> list[Path]:
    """The RDF files in ``folder`` (and below it when ``recursive``), sorted by path parts.

    As ``folder.glob("**/*")`` picks them (symlinked files count, symlinked folders
    are not entered), but with ``os.scandir``: a base of a million statements has
    700 files, which pathlib took 10 ms to list on every command.
    """
    return [Path(path) for path in _rdf_paths(folder, recursive=recursive)]


def _rdf_paths(folder: Path, *, recursive: bool, links: list[str] | None = None) -> list[str]:
    """:func:`_rdf_files` as text; the files that are symbolic links are also put in
    ``links`` when given."""
    found: list[tuple[tuple[str, ...], str]] = []

    def visit(directory: str, parts: tuple[str, ...]) -> None:
        try:
            entries = list(os.scandir(directory))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return
        for entry in entries:
            if os.path.splitext(entry.name)[1] in RDF_SUFFIXES and entry.is_file():
                found.append(((*parts, entry.name), entry.path))
                if links is not None and entry.is_symlink():
                    links.append(entry.path)
            elif recursive and entry.is_dir(follow_symlinks=False):
                visit(entry.path, (*parts, entry.name))

    visit(os.fspath(folder), ())
    return [path for _, path in sorted(found)]
