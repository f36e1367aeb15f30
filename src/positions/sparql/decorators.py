"""grlc's ``#+`` decorators of a saved query: read as YAML, checked, and cached.

The leading comment lines of a saved query that start with ``#+`` are read as
YAML, as grlc reads them (:func:`read_decorators`), and checked into a
:class:`Metadata` (:func:`read_metadata`).  A :class:`HeaderCache` keeps parsed
headers in a JSON file beside a base's store, so that a query run needs no YAML
parser.
"""

from __future__ import annotations

import copy
import json
import os
import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from positions.errors import InputError, Position

# Decorators grlc knows.  positions uses the first five; the others are accepted so
# that a grlc repository reads without error, and ignored (a query never calls out).
DECORATORS = (
    "summary",
    "description",
    "tags",
    "defaults",
    "enumerate",
    "endpoint",
    "endpoint_in_url",
    "method",
    "pagination",
    "transform",
)


@dataclass(frozen=True)
class Metadata:
    """What the ``#+`` decorators say about a query, checked."""

    summary: str = ""
    description: str = ""
    tags: list[str] = field(default_factory=list)
    defaults: dict[str, Any] = field(default_factory=dict)
    enumerate: dict[str, list[Any]] = field(default_factory=dict)


def read_metadata(text: str, source: str, cache: HeaderCache | None = None) -> Metadata:
    """The decorators of ``text`` (see :func:`read_decorators`), each checked for its shape."""
    meta = read_decorators(text, source, cache)
    return Metadata(
        summary=_text_value(meta, "summary", source),
        description=_text_value(meta, "description", source),
        tags=_tags(meta.get("tags"), source),
        defaults=_by_name(meta.get("defaults"), "defaults", source),
        enumerate=_by_name(meta.get("enumerate"), "enumerate", source),
    )


def read_decorators(text: str, source: str, cache: HeaderCache | None = None) -> dict[str, Any]:
    """The YAML of the leading ``#+`` lines (grlc: ``row.lstrip("#+")``), as a dict.

    With a ``cache``, a header parsed before (the same text) is not parsed again.
    """
    rows: list[str] = []
    line_numbers: list[int] = []
    for number, row in enumerate(text.split("\n"), start=1):
        if row.startswith("#+"):
            rows.append(row.lstrip("#+"))
            line_numbers.append(number)
    if not rows:
        return {}
    header = "\n".join(rows)
    meta = cache.get(header) if cache is not None else None
    if meta is None:
        meta = _parse_decorators(header, text, line_numbers, source)
        if cache is not None:
            cache.put(header, meta)
    return meta


def _parse_decorators(
    header: str, text: str, line_numbers: list[int], source: str
) -> dict[str, Any]:
    import yaml

    try:
        meta = yaml.load(header, Loader=_loader())  # a SafeLoader: see _loader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = line_numbers[min(mark.line, len(line_numbers) - 1)] if mark else line_numbers[0]
        problem = getattr(error, "problem", None) or str(error)
        excerpt = text.split("\n")[line - 1]
        raise InputError(
            Position(source, line), f"the #+ decorators are not valid YAML: {problem}", excerpt
        ) from None
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise InputError(
            Position(source, line_numbers[0]),
            "the #+ decorators must be `key: value` lines (summary, tags, defaults, ...)",
        )
    unknown = sorted(str(key) for key in meta if key not in DECORATORS)
    if unknown:
        raise InputError(
            Position(source, line_numbers[0]),
            f"unknown decorator {', '.join(unknown)} (known: {', '.join(DECORATORS)})",
        )
    return meta


class HeaderCache:
    """Parsed ``#+`` headers, by their text, in a JSON file beside a base's store.

    A saved query then runs without PyYAML: importing it was 14 ms of the 0.17 s
    that ``positions query`` takes on a large base.  An entry is keyed by the
    header's own text, so it cannot go stale; a header whose value JSON would
    change (a date, say) is not kept.  The file is a cache: one that cannot be
    read, or holds something else, counts as empty, and one that cannot be
    written is left alone.  It is written only into a folder that exists (the
    store's: see :data:`positions.base.layout.CACHE_ROOT`), never created for it.
    A file written by a reader that knew other decorators counts as empty too:
    its entries were checked against those.
    """

    MAX_ENTRIES = 500  # the oldest go first: headers edited away are not kept forever

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        # The web view serves queries from several threads with one catalogue.
        self._lock = threading.Lock()

    @cached_property
    def _entries(self) -> dict[str, Any]:
        try:
            document = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}
        if not isinstance(document, dict) or document.get("decorators") != list(DECORATORS):
            return {}
        entries = document.get("headers")
        return entries if isinstance(entries, dict) else {}

    def get(self, header: str) -> dict[str, Any] | None:
        """The parsed header, a copy of its own; None when it is not kept."""
        with self._lock:
            meta = self._entries.get(header)
            return copy.deepcopy(meta) if isinstance(meta, dict) else None

    def put(self, header: str, meta: dict[str, Any]) -> None:
        """Keep ``meta`` for ``header`` and write the file (whole, or not at all)."""
        try:
            if json.loads(json.dumps(meta)) != meta:
                return
        except (TypeError, ValueError):
            return
        with self._lock:
            entries = self._entries
            entries.pop(header, None)
            entries[header] = copy.deepcopy(meta)
            while len(entries) > self.MAX_ENTRIES:
                del entries[next(iter(entries))]
            self._write(entries)

    def _write(self, entries: dict[str, Any]) -> None:
        if not self.path.parent.is_dir():
            return
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            document = {"decorators": list(DECORATORS), "headers": entries}
            temporary.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
            os.replace(temporary, self.path)  # readers see the old file or the new one
        except OSError:
            temporary.unlink(missing_ok=True)


def _loader() -> type:
    """A SafeLoader with YAML 1.2 booleans: only true/false, so that a parameter
    called ``on`` or ``no`` stays a name instead of becoming True or False."""
    import re

    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )
    return Loader


def _text_value(meta: dict[str, Any], key: str, source: str) -> str:
    value = meta.get(key)
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise InputError(Position(source), f"#+ {key}: must be text")
    return str(value).strip()


def _tags(value: Any, source: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(tag, str | int) for tag in value):
        return [str(tag) for tag in value]
    raise InputError(Position(source), "#+ tags: must be a list of words")


def _by_name(value: Any, key: str, source: str) -> dict[str, Any]:
    """grlc writes defaults and enumerate as a list of one-key maps; accept a map too."""
    if value is None:
        return {}
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = []
        for item in value:
            if isinstance(item, dict):
                items.extend(item.items())
            elif isinstance(item, str) and key == "enumerate":
                # grlc would fill these values by querying the endpoint; positions does not.
                continue
            else:
                raise InputError(Position(source), f"#+ {key}: entries must be `name: value`")
    else:
        raise InputError(Position(source), f"#+ {key}: must be a list of `name: value`")
    return {str(name): item for name, item in items}
