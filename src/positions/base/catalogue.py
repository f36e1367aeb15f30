"""The saved queries of a base: ``queries/*.rq``, one question per file.

A saved query is plain SPARQL.  Its metadata sits in comment lines that start
with ``#+ `` and are read as YAML, as grlc reads them, so that the same folder
can be served by grlc as a web API::

    #+ summary: Statements made by one party
    #+ tags:
    #+   - party
    #+ defaults:
    #+   - party: kb:russia
    SELECT ?statement WHERE { ?statement pos:spokenFor ?_party_iri }

Its parameters are its variables named by grlc's convention (``?_name`` is
required, ``?__name`` optional, a suffix gives the type): see :func:`parse_parameter`.
Files are parsed only when asked for, so one broken file does not stop the
others from running.
"""

from __future__ import annotations

import copy
import difflib
import json
import os
import threading
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from positions.errors import InputError, Position, UsageError
from positions.sparql.prepare import KIND_HELP, QueryInfo, scan_query

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

XSD = "http://www.w3.org/2001/XMLSchema#"

# The kind of value each XSD datatype takes on the command line.
_XSD_KINDS = {
    "string": "literal",
    "boolean": "boolean",
    "decimal": "decimal",
    "double": "double",
    "float": "double",
    "date": "date",
    "dateTime": "datetime",
    "integer": "integer",
    "long": "integer",
    "int": "integer",
    "short": "integer",
    "byte": "integer",
    "nonNegativeInteger": "integer",
    "positiveInteger": "integer",
    "nonPositiveInteger": "integer",
    "negativeInteger": "integer",
    "unsignedLong": "integer",
    "unsignedInt": "integer",
    "unsignedShort": "integer",
    "unsignedByte": "integer",
    "gYear": "typed",
    "gYearMonth": "typed",
    "time": "typed",
    "duration": "typed",
    "anyURI": "typed",
}
# grlc's own type words (``?_name_iri``, ``?_name_number``, ...).
_GRLC_KINDS = {"iri": "iri", "number": "number", "literal": "literal", "string": "literal"}


@dataclass(frozen=True)
class Parameter:
    """One parameter of a query, found from a variable such as ``?__since_xsd_date``."""

    variable: str  # as written in the query, without "?": "__since_xsd_date"
    name: str  # public name: "since"
    required: bool  # one leading underscore; a default makes it optional in practice
    kind: str  # iri, date, datetime, integer, decimal, double, number, boolean,
    # literal, lang (a language-tagged literal) or typed (any other datatype)
    datatype: str | None = None  # full IRI, for typed kinds
    language: str | None = None  # for kind "lang"
    default: Any = None
    choices: tuple[Any, ...] = ()
    suffix: str = ""  # the type suffix as written ("iri", "xsd_date"); "" when untyped

    @property
    def needs_value(self) -> bool:
        """True when the caller must give a value: required and without a default."""
        return self.required and self.default is None

    def describe(self) -> str:
        """``party (an IRI such as kb:russia, required)``."""
        what = KIND_HELP[self.kind]
        if self.kind == "lang":
            what += f" in language @{self.language}"
        if self.kind == "typed" and self.datatype:
            what += f" of type <{self.datatype}>"
        if self.needs_value:
            status = "required"
        elif self.default is not None:
            status = f"default {self.default}"
        else:
            status = "optional"
        return f"{self.name} ({what}, {status})"


@dataclass
class SavedQuery:
    """A query with its metadata: from a file of the catalogue, a file, or text."""

    name: str
    text: str
    path: Path | None = None
    summary: str = ""
    description: str = ""
    tags: list[str] = field(default_factory=list)
    defaults: dict[str, Any] = field(default_factory=dict)
    enumerate: dict[str, list[Any]] = field(default_factory=dict)
    parameters: list[Parameter] = field(default_factory=list)
    info: QueryInfo | None = None

    @property
    def source(self) -> str:
        """How errors name this query: its file, else its name."""
        return str(self.path) if self.path else self.name

    @property
    def kind(self) -> str:
        return self.info.kind if self.info else "unknown"

    @classmethod
    def from_text(
        cls,
        text: str,
        name: str = "<query>",
        path: Path | None = None,
        cache: HeaderCache | None = None,
    ) -> SavedQuery:
        """Parse decorators and parameters; raise InputError if they are malformed."""
        source = str(path) if path else name
        meta = read_decorators(text, source, cache)
        info = scan_query(text)
        query = cls(
            name=name,
            text=text,
            path=path,
            summary=_text_value(meta, "summary", source),
            description=_text_value(meta, "description", source),
            tags=_tags(meta.get("tags"), source),
            defaults=_by_name(meta.get("defaults"), "defaults", source),
            enumerate=_by_name(meta.get("enumerate"), "enumerate", source),
            info=info,
        )
        query.parameters = find_parameters(info, query.defaults, query.enumerate, source)
        return query

    @classmethod
    def from_file(cls, path: Path, cache: HeaderCache | None = None) -> SavedQuery:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise InputError(Position(path), f"cannot read the query: {error.strerror}") from None
        except UnicodeDecodeError as error:
            raise InputError(Position(path), f"not UTF-8 text: {error.reason}") from None
        return cls.from_text(text, name=Path(path).stem, path=Path(path), cache=cache)

    def parameter(self, name: str) -> Parameter | None:
        """The parameter called ``name`` (public name, or variable with or without ``?``)."""
        key = name.lstrip("?$")
        for parameter in self.parameters:
            if key in (parameter.name, parameter.variable):
                return parameter
        return None

    def example_call(self) -> str:
        """A command line that runs this query, with a value for each needed parameter."""
        words = ["positions", "query", self.name]
        for parameter in self.parameters:
            if parameter.needs_value:
                words += ["-p", f"{parameter.name}={_example_value(parameter)}"]
        return " ".join(words)


def _example_value(parameter: Parameter) -> str:
    if parameter.choices:
        return str(parameter.choices[0])
    return {
        "iri": "kb:example",
        "date": "2022-01-10",
        "datetime": "2022-01-10T10:00:00",
        "integer": "1",
        "decimal": "1.5",
        "double": "1.5",
        "number": "1",
        "boolean": "true",
    }.get(parameter.kind, "text")


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
        meta = yaml.load(header, Loader=_loader())  # noqa: S506 - a SafeLoader
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


def parse_parameter(variable: str, prefixes: dict[str, str], source: str) -> Parameter | None:
    """The parameter a variable stands for, or None if it is an ordinary variable.

    grlc's convention: ``?_name`` required, ``?__name`` optional; the name has no
    underscore; then an optional type suffix:

    * ``_iri``, ``_number``, ``_literal``, ``_string`` (grlc's own words);
    * an XSD datatype name, ``_integer``, ``_date``, ``_dateTime``, ``_boolean``...;
    * a two-letter language tag, ``_en``: a literal in that language;
    * ``_prefix_datatype``, ``_xsd_date``: a literal of that datatype.
    """
    if not variable.startswith("_"):
        return None
    required = not variable.startswith("__")
    parts = variable[1 if required else 2 :].split("_")
    if not parts[0] or len(parts) > 3 or not all(part.isalnum() for part in parts):
        raise InputError(
            Position(source),
            f"?{variable} starts with _ so it is a parameter, but it does not follow the "
            "naming convention ?_name, ?_name_type or ?_name_prefix_datatype "
            "(a name without underscores; use ?__name for an optional one)",
        )
    name, suffix = parts[0], parts[1:]
    if not suffix:
        return Parameter(variable, name, required, "literal")
    parameter = _typed_parameter(variable, name, required, suffix, prefixes, source)
    return replace(parameter, suffix="_".join(suffix))


def _typed_parameter(
    variable: str,
    name: str,
    required: bool,
    suffix: list[str],
    prefixes: dict[str, str],
    source: str,
) -> Parameter:
    if len(suffix) == 2:
        namespace = prefixes.get(suffix[0])
        if namespace is None:
            raise InputError(
                Position(source),
                f"?{variable}: unknown prefix {suffix[0]}: for the datatype "
                f"{suffix[0]}:{suffix[1]} (declare it with PREFIX)",
            )
        datatype = namespace + suffix[1]
        kind = _XSD_KINDS.get(suffix[1], "typed") if namespace == XSD else "typed"
        return Parameter(variable, name, required, kind, datatype=datatype)
    word = suffix[0]
    if word in _GRLC_KINDS:
        return Parameter(variable, name, required, _GRLC_KINDS[word])
    if word in _XSD_KINDS:
        return Parameter(variable, name, required, _XSD_KINDS[word], datatype=XSD + word)
    if len(word) == 2 and word.isalpha():
        return Parameter(variable, name, required, "lang", language=word.lower())
    raise InputError(
        Position(source),
        f"?{variable}: unknown type {word!r} (use iri, number, literal, an XSD datatype "
        "such as integer or date, a two-letter language tag, or prefix_datatype)",
    )


def find_parameters(
    info: QueryInfo, defaults: dict[str, Any], choices: dict[str, list[Any]], source: str
) -> list[Parameter]:
    """The parameters of a query, in the order their variables first appear."""
    from positions.rdf.namespaces import PREFIXES

    prefixes = {**PREFIXES, **info.prefixes}
    found: dict[str, Parameter] = {}
    for variable in info.variables:
        parameter = parse_parameter(variable, prefixes, source)
        if parameter is None:
            continue
        earlier = found.get(parameter.name)
        if earlier is not None and earlier.variable != variable:
            raise InputError(
                Position(source),
                f"?{earlier.variable} and ?{variable} are both parameter {parameter.name!r}",
            )
        found[parameter.name] = parameter
    for key, what in ((defaults, "defaults"), (choices, "enumerate")):
        for name in key:
            if name not in found:
                takes = ", ".join(found) or "none"
                raise InputError(
                    Position(source),
                    f"#+ {what}: names {name!r}, which is not a parameter of this query "
                    f"(its parameters: {takes})",
                )
    return [_with_metadata(p, defaults, choices, source) for p in found.values()]


def _with_metadata(
    parameter: Parameter, defaults: dict[str, Any], choices: dict[str, list[Any]], source: str
) -> Parameter:
    default = defaults.get(parameter.name)
    options = choices.get(parameter.name) or ()
    if not isinstance(options, list | tuple):
        raise InputError(Position(source), f"#+ enumerate: {parameter.name} must list values")
    kind = parameter.kind
    if default is not None and not parameter.suffix:
        kind = infer_kind(default)  # an untyped parameter takes the type of its default
    return replace(parameter, default=default, choices=tuple(options), kind=kind)


def infer_kind(value: Any) -> str:
    """The kind of a default value: YAML gives dates, numbers and booleans typed."""
    import datetime
    import re

    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "decimal"
    if isinstance(value, datetime.datetime):
        return "datetime"
    if isinstance(value, datetime.date):
        return "date"
    text = str(value)
    if text.startswith("<") and text.endswith(">"):
        return "iri"
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*://\S+", text):
        return "iri"
    from positions.rdf.namespaces import PREFIXES

    prefix, colon, _ = text.partition(":")
    if colon and prefix in PREFIXES and " " not in text:
        return "iri"
    return "literal"


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
        return {path.stem: path for path in sorted(self.folder.glob("*.rq")) if path.is_file()}

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


def nearest(name: str, names: list[str], n: int = 3) -> list[str]:
    """Names close to ``name``: difflib's ratio, then names that contain it."""
    close = difflib.get_close_matches(name, names, n=n, cutoff=0.6)
    for candidate in names:
        if len(close) >= n:
            break
        if name and name.lower() in candidate.lower() and candidate not in close:
            close.append(candidate)
    return close
