"""The cells of a CSV row as RDF terms: nodes, concepts, classes, dates and text.

Each function checks one cell and returns its terms, or raises
:class:`~positions.errors.InputError` naming the row and the column (and, for a
name that is nearly right, the name it may have meant).  :class:`Context` holds
what cells are checked against: the names of the base's nodes and concepts.
"""

from __future__ import annotations

import calendar
import datetime
import difflib
import re
from typing import TYPE_CHECKING

import pyoxigraph as ox

from positions.adding.csvimport.kinds import Column, Kind
from positions.errors import InputError, Position
from positions.rdf import rdfio
from positions.rdf.namespaces import DATA, PREFIXES, compact

if TYPE_CHECKING:
    from positions.base.local import LocalBase

XSD_DATE = ox.NamedNode(PREFIXES["xsd"] + "date")
CONCEPT_PREFIXES = ("stance", "scope", "topic", "fmt", "genre", "status")
_LOCAL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*[A-Za-z0-9_-]|[A-Za-z0-9_]")
_IRI = re.compile(r"https?://[^\s<>\"{}|\\^`]+$")


class Context:
    """What cell values are checked against: known nodes and concepts."""

    def __init__(self, kb: LocalBase) -> None:
        self.kb = kb  # for suggestions of the kind a column takes (checking.unknown)
        self.nodes: set[str] = set()
        for path in kb.layout.data_files() + kb.layout.ontology_files():
            for quad in rdfio.read_rdf(path):
                if isinstance(quad.subject, ox.NamedNode):
                    self.nodes.add(quad.subject.value)
        self.concepts: dict[str, list[str]] = {}
        for prefix in CONCEPT_PREFIXES:
            namespace = PREFIXES[prefix]
            self.concepts[prefix] = sorted(
                n[len(namespace) :] for n in self.nodes if n.startswith(namespace)
            )


def values(
    raw: str,
    spec: Column,
    context: Context,
    known_ids: set[str],
    where: Position,
    kind: Kind | None = None,
) -> list[ox.NamedNode | ox.Literal]:
    """The terms of one cell (none when it is empty)."""
    if not raw:
        return []
    if spec.value == "text":
        return [ox.Literal(raw)]
    if spec.value == "en":
        return [ox.Literal(raw, language="en")]
    if spec.value == "date":
        return [date(raw, spec, where)]
    parts = [p for p in re.split(r"[;\s]+", raw) if p] if spec.many else [raw]
    if len(parts) > 1 and not spec.many:
        raise InputError(where, f"column '{spec.name}': takes one value")
    if spec.value == "ref":
        return [reference(p, spec, context, known_ids, where) for p in parts]
    if spec.value == "iri":
        return [any_iri(p, spec, where) for p in parts]
    if spec.value == "class":
        return [class_of(p, spec, kind, where) for p in parts]
    return [concept(p, spec, context, where) for p in parts]


def date(raw: str, spec: Column, where: Position) -> ox.Literal:
    """A ``YYYY-MM-DD`` date that exists (2022-02-30 is well written but no day)."""
    written = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", raw)
    if not written:
        raise InputError(
            where,
            f"column '{spec.name}': {raw!r} is not a date written YYYY-MM-DD (such as 2022-01-10)",
        )
    try:
        datetime.date.fromisoformat(raw)
    except ValueError:
        why = _no_such_day(*written.groups())
        raise InputError(where, f"column '{spec.name}': {why}") from None
    return ox.Literal(raw, datatype=XSD_DATE)


def _no_such_day(year: str, month: str, day: str) -> str:
    """Why a well-written date is not in the calendar: no such month, or no such day."""
    raw = f"{year}-{month}-{day}"
    if not 1 <= int(month) <= 12:
        return f"{raw}: no such month (months run from 01 to 12)"
    if int(year) == 0:
        return f"{raw}: no such year (years run from 0001)"
    last = calendar.monthrange(int(year), int(month))[1]
    name = calendar.month_name[int(month)]
    return f"{raw}: no such day ({name} {year} has {last} days)"


def reference(
    raw: str, spec: Column, context: Context, known_ids: set[str], where: Position
) -> ox.NamedNode:
    """A node of the base, or an ``id`` of the same file."""
    iri = node_iri(raw)
    if iri is None:
        raise InputError(where, f"column '{spec.name}': {raw!r} is not a name or an IRI")
    if iri not in context.nodes and iri not in known_ids:
        from positions.checking.unknown import link_suggestion

        hint = link_suggestion(context.kb, iri, spec.predicate)  # never of another kind
        raise InputError(
            where,
            f"column '{spec.name}': unknown node {short(iri)} (neither in the base nor an id "
            f"of this file){hint}",
        )
    return ox.NamedNode(iri)


def any_iri(raw: str, spec: Column, where: Position) -> ox.NamedNode:
    """An IRI outside the base (a Wikidata entity): ``wd:Q159`` or a full IRI."""
    iri = node_iri(raw)
    if iri is None or iri.startswith(DATA):
        raise InputError(
            where,
            f"column '{spec.name}': {raw!r} is not an IRI of another dataset "
            "(such as wd:Q159 or http://www.wikidata.org/entity/Q159)",
        )
    return ox.NamedNode(iri)


def class_of(raw: str, spec: Column, kind: Kind | None, where: Position) -> ox.NamedNode:
    """One of the classes the row's kind may name (a party's: state, ministry, ...)."""
    known = dict(kind.types) if kind is not None else {}
    local = raw.split(":", 1)[1] if raw.startswith("pos:") else raw
    by_local = {iri.rsplit("#", 1)[-1]: iri for iri in known.values()}
    iri = known.get(local) or by_local.get(local)
    if iri is None:
        close = difflib.get_close_matches(local, list(known), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise InputError(
            where, f"column '{spec.name}': unknown type {raw!r} (known: {', '.join(known)}){hint}"
        )
    return ox.NamedNode(iri)


def concept(raw: str, spec: Column, context: Context, where: Position) -> ox.NamedNode:
    """A concept of the column's scheme: ``stance:rejects`` or ``rejects``."""
    prefix = spec.value.split(":", 1)[1]
    local = raw[len(prefix) + 1 :] if raw.startswith(prefix + ":") else raw
    known = context.concepts.get(prefix, [])
    if local not in known:
        close = difflib.get_close_matches(local, known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise InputError(
            where,
            f"column '{spec.name}': unknown {spec.name.replace('_', ' ')} {raw!r} "
            f"(known: {', '.join(known)}){hint}",
        )
    return ox.NamedNode(PREFIXES[prefix] + local)


def node_iri(raw: str) -> str | None:
    """``kb:x``, ``x`` or ``<iri>``/``http(s)://...`` as an IRI; None if it is none of them."""
    raw = raw.strip()
    if raw.startswith("<") and raw.endswith(">"):
        raw = raw[1:-1]
    if _IRI.match(raw):
        return raw
    prefix, sep, local = raw.partition(":")
    if sep:
        if prefix in PREFIXES and _LOCAL.fullmatch(local):
            return PREFIXES[prefix] + local
        return None
    return DATA + raw if _LOCAL.fullmatch(raw) else None


def short(iri: str) -> str:
    return compact(iri, PREFIXES)
