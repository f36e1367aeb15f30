"""The values of a query's parameters, typed and bound as RDF terms.

Values are bound through pyoxigraph's ``substitutions`` (SEP-0007), never
spliced into the query text: a value such as `nobody" || true || "` stays one
literal, whatever characters it holds.  :func:`bind` matches the given values
to a saved query's parameters (or their defaults), and :func:`to_term` types
each one by its parameter's kind (see :class:`positions.sparql.saved.Parameter`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from positions.errors import UsageError
from positions.sparql.saved import KIND_HELP

if TYPE_CHECKING:
    from positions.sparql.saved import Parameter, SavedQuery

_IRI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|^`\\\x7f]*")
_PNAME_RE = re.compile(r"([A-Za-z][\w.\-]*)?:([^\s]*)")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+\-]\d{2}:\d{2})?")
_INTEGER_RE = re.compile(r"[+\-]?\d+")
_DECIMAL_RE = re.compile(r"[+\-]?(\d+(\.\d*)?|\.\d+)")
_DOUBLE_RE = re.compile(r"[+\-]?(\d+(\.\d*)?|\.\d+)([eE][+\-]?\d+)?|[+\-]?INF|NaN")
# Schemes whose IRIs have no "//", so that `urn:x` is not mistaken for a prefixed name.
_OPAQUE_SCHEMES = frozenset({"urn", "mailto", "tag", "did", "doi", "info", "data"})
_XSD = "http://www.w3.org/2001/XMLSchema#"
_KIND_DATATYPES = {
    "date": _XSD + "date",
    "datetime": _XSD + "dateTime",
    "integer": _XSD + "integer",
    "decimal": _XSD + "decimal",
    "double": _XSD + "double",
    "boolean": _XSD + "boolean",
}
_INT64 = 2**63  # pyoxigraph stores xsd:integer as a 64-bit integer


def bind(query: SavedQuery, given: Mapping[str, Any], prefixes: Mapping[str, str]) -> dict:
    """Type the given values (and defaults) into terms to substitute for the query's variables.

    ``given`` maps a parameter's public name (``party``) or variable (``_party_iri``)
    to a value: text as typed on a command line, or a Python value (``datetime.date``,
    ``int``, a pyoxigraph term).  Optional parameters left without a value are not
    substituted, so that ``FILTER(!BOUND(?__since_xsd_date) || ...)`` sees them unbound.
    """
    values = _match_names(query, given)
    substitutions = {}
    for parameter in query.parameters:
        value = values.get(parameter.name, parameter.default)
        if value is None:
            if parameter.required:
                raise UsageError(_missing(query, parameter))
            continue
        from_default = parameter.name not in values
        term = to_term(parameter, value, prefixes, query.name, from_default=from_default)
        if parameter.choices:
            _check_choice(query, parameter, term, prefixes)
        substitutions[ox.Variable(parameter.variable)] = term
    return substitutions


def _match_names(query: SavedQuery, given: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in given.items():
        parameter = query.parameter(key)
        if parameter is None:
            raise UsageError(f"{query.name} has no parameter {key!r}; {_takes(query)}")
        if parameter.name in values:
            raise UsageError(f"{query.name}: parameter {parameter.name!r} is given twice")
        values[parameter.name] = value
    return values


def _takes(query: SavedQuery) -> str:
    if not query.parameters:
        return "it takes no parameters"
    return "it takes: " + "; ".join(p.describe() for p in query.parameters)


def _missing(query: SavedQuery, parameter: Parameter) -> str:
    return (
        f"{query.name} needs parameter {parameter.name!r} ({KIND_HELP[parameter.kind]}): "
        f"pass -p {parameter.name}=VALUE; {_takes(query)}"
    )


def _check_choice(
    query: SavedQuery, parameter: Parameter, term: Any, prefixes: Mapping[str, str]
) -> None:
    allowed = [
        to_term(parameter, c, prefixes, query.name, from_default=True) for c in parameter.choices
    ]
    if term not in allowed:
        listed = ", ".join(str(c) for c in parameter.choices)
        raise UsageError(
            f"{query.name}: parameter {parameter.name!r} must be one of {listed} "
            f"(its #+ enumerate list)"
        )


def to_term(
    parameter: Parameter,
    value: Any,
    prefixes: Mapping[str, str],
    query_name: str = "<query>",
    *,
    from_default: bool = False,
) -> Any:
    """The RDF term for one value of ``parameter``; UsageError naming it if ill-typed."""
    if isinstance(value, ox.NamedNode | ox.Literal | ox.BlankNode):
        return _check_term(parameter, value, query_name)
    text = _as_text(value)
    try:
        return _TYPERS[parameter.kind](parameter, text, prefixes)
    except _IllTyped as problem:
        origin = "its default " if from_default else ""
        raise UsageError(
            f"{query_name}: parameter {parameter.name!r} expects {KIND_HELP[parameter.kind]}; "
            f"{origin}{text!r} {problem.reason}"
        ) from None


class _IllTyped(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _check_term(parameter: Parameter, term: Any, query_name: str) -> Any:
    if (parameter.kind == "iri") != isinstance(term, ox.NamedNode):
        raise UsageError(
            f"{query_name}: parameter {parameter.name!r} expects {KIND_HELP[parameter.kind]}, "
            f"not {term}"
        )
    return term


def _as_text(value: Any) -> str:
    import datetime

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return str(value)


def parse_iri(text: str, prefixes: Mapping[str, str]) -> str:
    """An absolute IRI from ``<iri>``, ``iri`` or a prefixed name; _IllTyped if invalid."""
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    else:
        match = _PNAME_RE.fullmatch(text)
        if match and not match[2].startswith("//"):
            prefix = match[1] or ""
            if prefix in prefixes:
                text = prefixes[prefix] + match[2]
            elif prefix.lower() not in _OPAQUE_SCHEMES:
                known = ", ".join(sorted(p + ":" for p in prefixes))
                raise _IllTyped(f"uses an unknown prefix {prefix}: (known: {known})")
    if not _IRI_RE.fullmatch(text):
        raise _IllTyped(
            "is not a valid IRI (it needs a scheme such as https:, and no spaces or "
            '<>"{}|^`\\ characters)'
        )
    return text


def _iri(parameter: Parameter, text: str, prefixes: Mapping[str, str]) -> Any:
    iri = parse_iri(text, prefixes)
    try:
        return ox.NamedNode(iri)
    except ValueError as error:
        raise _IllTyped(f"is not a valid IRI ({error})") from None


def _date(parameter: Parameter, text: str, prefixes: Mapping[str, str]) -> Any:
    import datetime

    if not _DATE_RE.fullmatch(text):
        raise _IllTyped("is not written YYYY-MM-DD")
    try:
        datetime.date.fromisoformat(text)
    except ValueError as error:
        raise _IllTyped(f"is not a date ({error})") from None
    return _typed(parameter, text, "date")


def _datetime(parameter: Parameter, text: str, prefixes: Mapping[str, str]) -> Any:
    import datetime

    if not _DATETIME_RE.fullmatch(text):
        raise _IllTyped("is not written YYYY-MM-DDTHH:MM:SS")
    try:
        datetime.datetime.fromisoformat(text)
    except ValueError as error:
        raise _IllTyped(f"is not a date and time ({error})") from None
    return _typed(parameter, text, "datetime")


def _integer(parameter: Parameter, text: str, prefixes: Mapping[str, str]) -> Any:
    if not _INTEGER_RE.fullmatch(text):
        raise _IllTyped("is not a whole number")
    # Length first: int() refuses to convert more than 4,300 digits.
    if len(text.lstrip("+-0")) > 19 or not -_INT64 <= int(text) < _INT64:
        raise _IllTyped("is too large")
    return _typed(parameter, text, "integer")


def _decimal(parameter: Parameter, text: str, prefixes: Mapping[str, str]) -> Any:
    if not _DECIMAL_RE.fullmatch(text):
        raise _IllTyped("is not a decimal number")
    return _typed(parameter, text, "decimal")


def _double(parameter: Parameter, text: str, prefixes: Mapping[str, str]) -> Any:
    if not _DOUBLE_RE.fullmatch(text):
        raise _IllTyped("is not a number")
    return _typed(parameter, text, "double")


def _number(parameter: Parameter, text: str, prefixes: Mapping[str, str]) -> Any:
    # grlc's "number": the narrowest of integer, decimal, double that reads the text.
    for kind, pattern in (("integer", _INTEGER_RE), ("decimal", _DECIMAL_RE)):
        if pattern.fullmatch(text):
            return _TYPERS[kind](parameter, text, prefixes)
    return _double(parameter, text, prefixes)


def _boolean(parameter: Parameter, text: str, prefixes: Mapping[str, str]) -> Any:
    lowered = text.lower()
    if lowered not in ("true", "false", "1", "0"):
        raise _IllTyped("is not true or false")
    return _typed(parameter, "true" if lowered in ("true", "1") else "false", "boolean")


def _literal(parameter: Parameter, text: str, prefixes: Mapping[str, str]) -> Any:
    return ox.Literal(text)


def _lang(parameter: Parameter, text: str, prefixes: Mapping[str, str]) -> Any:
    return ox.Literal(text, language=parameter.language)


def _other(parameter: Parameter, text: str, prefixes: Mapping[str, str]) -> Any:
    return ox.Literal(text, datatype=ox.NamedNode(parameter.datatype))


def _typed(parameter: Parameter, text: str, kind: str) -> Any:
    # Keep a narrower datatype the query asked for (xsd:long, xsd:float, ...).
    datatype = parameter.datatype or _KIND_DATATYPES[kind]
    return ox.Literal(text, datatype=ox.NamedNode(datatype))


_TYPERS = {
    "iri": _iri,
    "date": _date,
    "datetime": _datetime,
    "integer": _integer,
    "decimal": _decimal,
    "double": _double,
    "number": _number,
    "boolean": _boolean,
    "literal": _literal,
    "lang": _lang,
    "typed": _other,
}
