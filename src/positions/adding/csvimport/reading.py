"""Reading a CSV file: its text, its header, its rows, their ids and their kinds.

Every refusal names the file and the row (the header is line 1): a file that is
not UTF-8, an unknown or repeated column, a quote never closed, a row with more
cells than the header, a control character, a row without an id, an unknown kind.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from positions.adding.csvimport.cells import node_iri
from positions.adding.csvimport.kinds import FILE_KINDS, KINDS, Kind, all_columns
from positions.errors import InputError, Position, UsageError
from positions.rdf import rdfio

if TYPE_CHECKING:
    from positions.base.local import LocalBase

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def display_name(kb: LocalBase, path: Path) -> str:
    try:
        return kb.relative(path)
    except ValueError:
        return path.as_posix()


def read_text(path: Path, name: str) -> str:
    try:
        data = rdfio.read_limited(path, name)  # /dev/zero too: refused at the limit
    except OSError as error:
        raise InputError(Position(name), f"cannot read the file: {error.strerror}") from None
    try:
        return data.decode("utf-8-sig")  # spreadsheets often write a byte order mark
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError(Position(name, line), "not UTF-8 text (save the CSV as UTF-8)") from None


def header(reader: Iterable[list[str]], name: str) -> list[str]:
    try:
        names = [h.strip() for h in next(iter(reader))]
    except StopIteration:
        raise InputError(Position(name, 1), "the file is empty: no header row") from None
    except csv.Error as error:
        raise InputError(Position(name, 1), f"not a CSV file: {error}") from None
    known = all_columns()
    for column in names:
        if column not in known:
            close = difflib.get_close_matches(column, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(known)})"
            raise InputError(Position(name, 1), f"unknown column '{column}'{hint}")
    if len(set(names)) != len(names):
        twice = sorted({c for c in names if names.count(c) > 1})
        raise InputError(Position(name, 1), f"column '{twice[0]}' appears twice in the header")
    if "id" not in names:
        raise InputError(Position(name, 1), "the header has no 'id' column")
    return names


def default_kind(path: Path, kind: str | None, names: list[str], name: str) -> str | None:
    if kind is not None:
        if kind not in KINDS:
            raise UsageError(f"--kind {kind!r} is not one of: {', '.join(KINDS)}")
        return kind
    if "kind" in names:
        return None  # every row says
    guessed = FILE_KINDS.get(path.stem.lower())
    if guessed is None:
        raise UsageError(
            f"{name}: say what the rows are with a 'kind' column or --kind "
            f"({', '.join(KINDS)}), or name the file statements.csv, people.csv, ..."
        )
    return guessed


def rows(reader: Iterable[list[str]], names: list[str], name: str) -> list[tuple[int, dict]]:
    """The rows that are not blank, each with the line it starts on and its cells by column."""
    out = []
    line = 2
    iterator = iter(reader)
    while True:
        start = line
        try:
            cells = next(iterator)
        except StopIteration:
            break
        except csv.Error as error:
            unclosed = "a quote opened on this row is never closed: " * (
                "end of data" in str(error)
            )
            raise InputError(Position(name, start), f"not valid CSV: {unclosed}{error}") from None
        line = reader.line_num + 1  # type: ignore[attr-defined] - a quoted cell spans lines
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(names):
            raise InputError(
                Position(name, start),
                f"{len(cells)} cells but the header has {len(names)} columns",
            )
        values = {h: c.strip() for h, c in zip(names, cells, strict=False)}
        for column, value in values.items():
            bad = _FORBIDDEN.search(value)
            if bad:
                raise InputError(
                    Position(name, start),
                    f"column '{column}': control or bidi character U+{ord(bad.group()):04X} "
                    "is not accepted",
                )
        out.append((start, values))
    return out


def refuse_no_rows(found: list[tuple[int, dict]], lines: int, name: str) -> None:
    if not found:  # else: "every fact is already in the base", of no fact at all
        after = f"only blank lines ({lines - 1:,})" if lines > 1 else "nothing"
        raise InputError(Position(name), f"no rows to import: {after} after the header")


def collect_ids(found: list[tuple[int, dict]], name: str) -> dict[int, str]:
    """The IRI of each row's node, by the row's line."""
    ids = {}
    for line, cells in found:
        raw = cells.get("id", "")
        if not raw:
            raise InputError(Position(name, line), "column 'id': empty; every row needs an id")
        iri = node_iri(raw)
        if iri is None:
            raise InputError(
                Position(name, line),
                f"column 'id': {raw!r} is not a name (use kb:stmt-who-what, or letters, digits, "
                "'-', '_', '.')",
            )
        ids[line] = iri
    return ids


def row_kind(cells: dict[str, str], default: str | None, name: str, line: int) -> Kind:
    value = cells.get("kind") or default
    if not value:
        raise InputError(Position(name, line), f"column 'kind': empty (one of {', '.join(KINDS)})")
    if value not in KINDS:
        close = difflib.get_close_matches(value, list(KINDS), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise InputError(
            Position(name, line),
            f"column 'kind': unknown kind {value!r} (known: {', '.join(KINDS)}){hint}",
        )
    return KINDS[value]
