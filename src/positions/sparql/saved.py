"""The saved queries of a base: ``queries/*.rq``, one question per file.

A saved query is plain SPARQL.  Its metadata sits in comment lines that start
with ``#+ `` and are read as YAML, as grlc reads them (see
:mod:`positions.sparql.decorators`), so that the same folder can be served by
grlc as a web API::

    #+ summary: Statements made by one party
    #+ tags:
    #+   - party
    #+ defaults:
    #+   - party: kb:russia
    SELECT ?statement WHERE { ?statement pos:spokenFor ?_party_iri }

Its parameters are its variables named by grlc's convention (``?_name`` is
required, ``?__name`` optional, a suffix gives the type): see :func:`parse_parameter`.
This module holds one query (:class:`SavedQuery`) and its parameters
(:class:`Parameter`); :mod:`positions.sparql.catalogue` holds the folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from positions.errors import InputError, Position
from positions.sparql.decorators import read_metadata
from positions.sparql.lexer import QueryInfo, scan_query

if TYPE_CHECKING:
    from positions.sparql.decorators import HeaderCache

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

# How each kind is described to a person, with an example value.
KIND_HELP = {
    "iri": "an IRI such as kb:russia or <https://...>",
    "date": "a date YYYY-MM-DD",
    "datetime": "a date and time YYYY-MM-DDTHH:MM:SS",
    "integer": "a whole number",
    "decimal": "a decimal number",
    "double": "a number",
    "number": "a number",
    "boolean": "true or false",
    "literal": "text",
    "lang": "text",
    "typed": "a value",
}


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
        meta = read_metadata(text, source, cache)
        info = scan_query(text)
        query = cls(
            name=name,
            text=text,
            path=path,
            summary=meta.summary,
            description=meta.description,
            tags=meta.tags,
            defaults=meta.defaults,
            enumerate=meta.enumerate,
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
