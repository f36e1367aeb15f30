"""The column layout of CSV import: what a row of each kind may fill, and its template.

Each kind of row (a person, a role held, a party, an outlet, a source, a
document, a meeting, a demand, a statement, ...) is a :class:`Kind`: the class
its nodes get, the columns it has (each naming the property it fills and the
kind of value it takes) and whether it carries evidence.  docs/adding.md,
"Spreadsheets", is this module as a table; :func:`template` prints a kind's
header and one example row (``positions import --template KIND``).

Value kinds: ``ref`` (a node of the base or of the file), ``iri`` (any IRI, such
as a Wikidata entity), ``concept:<prefix>`` (a concept of one scheme), ``class``
(one of a kind's classes, by name), ``date``, ``text`` (a plain string: verbatim
words, titles, digests), ``en`` (English prose: labels, notes).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from positions.errors import UsageError
from positions.rdf.namespaces import PREFIXES

POS = PREFIXES["pos"]
DCT = PREFIXES["dcterms"]
ORG = PREFIXES["org"]
SKOS = PREFIXES["skos"]
OWL_SAME_AS = PREFIXES["owl"] + "sameAs"


@dataclass(frozen=True)
class Column:
    name: str
    predicate: str
    value: str
    many: bool = False


def columns(*specs: tuple) -> dict[str, Column]:
    return {spec[0]: Column(*spec) for spec in specs}


COMMON = columns(
    ("label", PREFIXES["rdfs"] + "label", "en"),
    ("note", POS + "curatorNote", "en"),
)
# One evidence per row: the source and its words.
EVIDENCE = columns(
    ("source", POS + "source", "ref"),
    ("quote", POS + "quote", "text"),
    ("paraphrase", POS + "paraphrase", "text"),
    ("excerpt", POS + "excerpt", "text"),
    ("via", POS + "via", "ref"),
)
# A role held: its period, as OWL-Time instants under org:memberDuring (see rows).
BEGAN = "began"
ENDED = "ended"
SAME_AS = ("same_as", OWL_SAME_AS, "iri", True)

STATEMENT = columns(
    ("speaker", POS + "speaker", "ref"),
    ("role", POS + "inRole", "ref"),
    ("party", POS + "onBehalfOf", "ref"),
    ("addressed_to", POS + "addressedTo", "ref", True),
    ("date", POS + "date", "date"),
    ("not_before", POS + "notBefore", "date"),
    ("not_after", POS + "notAfter", "date"),
    ("occasion", POS + "occasion", "ref"),
    ("stance", POS + "stance", "concept:stance"),
    ("target", POS + "target", "ref", True),
    ("target_scope", POS + "targetScope", "concept:scope"),
    ("topic", POS + "topic", "concept:topic", True),
    ("summary", POS + "summary", "en"),
)
DEMAND = columns(
    ("made_by", POS + "madeBy", "ref"),
    ("addressed_to", POS + "addressedTo", "ref", True),
    ("topic", POS + "topic", "concept:topic", True),
    ("refines", POS + "refines", "ref", True),
    ("part_of", POS + "partOf", "ref"),
    ("stated_in", POS + "statedIn", "ref", True),
    ("summary", POS + "summary", "en"),
)
PROPOSAL = columns(
    ("made_by", POS + "madeBy", "ref"),
    ("addressed_to", POS + "addressedTo", "ref", True),
    ("set_out_in", POS + "setOutIn", "ref", True),
    ("summary", POS + "summary", "en"),
)
DOCUMENT = columns(
    ("made_by", POS + "madeBy", "ref"),
    ("addressed_to", POS + "addressedTo", "ref", True),
    ("status", POS + "documentStatus", "concept:status"),
    ("sent_on", POS + "sentOn", "date"),
    ("published_on", POS + "publishedOn", "date"),
    ("responds_to", POS + "respondsTo", "ref", True),
    ("summary", POS + "summary", "en"),
)
OCCASION = columns(
    ("date", POS + "date", "date"),
    ("place", POS + "place", "ref"),
    ("format", POS + "format", "concept:fmt"),
    ("participant", POS + "participant", "ref", True),
    ("attendee", POS + "attendee", "ref", True),
    ("outlet", POS + "outlet", "ref"),
    ("topic", POS + "topic", "concept:topic", True),
    ("outcome", POS + "outcome", "en"),
)
SOURCE = columns(
    ("title", DCT + "title", "text"),
    ("publisher", DCT + "publisher", "ref"),
    ("creator", DCT + "creator", "ref", True),
    ("published_on", POS + "publishedOn", "date"),
    ("genre", POS + "genre", "concept:genre", True),
    ("original_outlet", POS + "originalOutlet", "ref"),
    ("cites", POS + "cites", "ref", True),
    ("local_copy", POS + "localCopy", "text"),
    ("text_sha256", POS + "textSha256", "text"),
)
PERSON = columns(SAME_AS)
OUTLET = columns(SAME_AS)
PLACE = columns(SAME_AS)
PARTY = columns(
    ("type", PREFIXES["rdf"] + "type", "class"),
    ("part_of", ORG + "subOrganizationOf", "ref"),
    SAME_AS,
)
ROLE = columns(("label", SKOS + "prefLabel", "en"))
MEMBERSHIP = columns(
    ("member", ORG + "member", "ref"),
    ("organization", ORG + "organization", "ref"),
    ("role", ORG + "role", "ref"),
    (BEGAN, ORG + "memberDuring", "date"),
    (ENDED, ORG + "memberDuring", "date"),
)
# The classes a party row may name in its 'type' column (else pos:Party).
PARTY_TYPES = {
    "state": POS + "State",
    "alliance": POS + "Alliance",
    "international-organization": POS + "InternationalOrganization",
    "government-body": POS + "GovernmentBody",
    "ministry": POS + "Ministry",
    "head-of-state-office": POS + "HeadOfStateOffice",
    "parliament": POS + "Parliament",
    "parliamentary-chamber": POS + "ParliamentaryChamber",
    "parliamentary-committee": POS + "ParliamentaryCommittee",
}


@dataclass(frozen=True)
class Kind:
    name: str
    cls: str
    columns: dict[str, Column]
    evidence: bool = True
    example: dict[str, str] = field(default_factory=dict)  # one row for the template
    fixed: tuple[tuple[str, str], ...] = ()  # (predicate, IRI) every node of the kind gets
    types: dict[str, str] = field(default_factory=dict)  # the 'type' column's classes

    def node_columns(self) -> dict[str, Column]:
        """The columns that describe the node (the kind's own override the common ones)."""
        return {**COMMON, **self.columns}

    def header(self) -> list[str]:
        names = ["kind", "id", *self.node_columns()]
        return names + (list(EVIDENCE) if self.evidence else [])


def _kind(name: str, cls: str, table: dict[str, Column], example: dict[str, str], **more) -> Kind:
    return Kind(name, cls, table, example=example, **more)


# The examples are rows of a new negotiation's spreadsheets, as a template shows
# them; every name they use is one of the template's own (kb:example-...).
KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        _kind(
            "statement",
            POS + "Statement",
            STATEMENT,
            {
                "id": "kb:stmt-example-minister-rejects",
                "label": "The minister rejects the proposal",
                "speaker": "kb:example-minister",
                "role": "kb:example-minister-foreign-minister",
                "party": "kb:example-state",
                "date": "2022-01-26",
                "stance": "rejects",
                "target": "kb:example-proposal",
                "target_scope": "whole",
                "source": "kb:example-source",
                "quote": "the minister's words, exactly as the source gives them",
            },
        ),
        _kind(
            "demand",
            POS + "Demand",
            DEMAND,
            {
                "id": "kb:demand-example",
                "label": "An example demand",
                "made_by": "kb:example-state",
                "addressed_to": "kb:nato",
                "topic": "nato-enlargement",
                "part_of": "kb:example-proposal",
                "stated_in": "kb:example-draft-treaty",
                "source": "kb:example-source",
                "excerpt": "the source's words that name the demand",
            },
        ),
        _kind(
            "proposal",
            POS + "Proposal",
            PROPOSAL,
            {
                "id": "kb:example-proposal",
                "label": "An example proposal",
                "made_by": "kb:example-state",
                "addressed_to": "kb:nato",
                "set_out_in": "kb:example-draft-treaty",
                "source": "kb:example-source",
                "excerpt": "the source's words that name the proposal",
            },
        ),
        _kind(
            "document",
            POS + "Document",
            DOCUMENT,
            {
                "id": "kb:example-draft-treaty",
                "label": "An example draft treaty",
                "made_by": "kb:example-state",
                "addressed_to": "kb:nato",
                "status": "sent",
                "sent_on": "2021-12-15",
                "source": "kb:example-source",
                "excerpt": "the source's words that name the document",
            },
        ),
        _kind(
            "meeting",
            POS + "Meeting",
            OCCASION,
            {
                "id": "kb:example-meeting",
                "label": "An example meeting",
                "date": "2022-01-12",
                "place": "kb:geneva",
                "format": "bilateral-talks",
                "participant": "kb:example-state;kb:nato",
                "source": "kb:example-source",
                "excerpt": "the source's words that report the meeting",
            },
        ),
        _kind(
            "media-appearance",
            POS + "MediaAppearance",
            OCCASION,
            {
                "id": "kb:example-interview",
                "label": "The minister's interview",
                "outlet": "kb:example-outlet",
                "source": "kb:example-source",
                "excerpt": "the source's words that report the interview",
            },
        ),
        _kind(
            "source",
            POS + "Source",
            SOURCE,
            {
                "id": "kb:example-source",
                "label": "An example news report",
                "title": "The headline as the source gives it",
                "publisher": "kb:example-outlet",
                "published_on": "2022-01-26",
                "genre": "news-report",
            },
            evidence=False,
        ),
        _kind(
            "outlet",
            POS + "Outlet",
            OUTLET,
            {"id": "kb:example-outlet", "label": "An example newspaper"},
            evidence=False,
        ),
        _kind(
            "person",
            POS + "Person",
            PERSON,
            {"id": "kb:example-minister", "label": "An Example Minister", "same_as": ""},
            evidence=False,
        ),
        _kind(
            "role",
            ORG + "Role",
            ROLE,
            {"id": "kb:role-foreign-minister", "label": "Foreign Minister"},
            evidence=False,
            fixed=((SKOS + "inScheme", POS + "RoleScheme"),),
        ),
        _kind(
            "role-held",
            ORG + "Membership",
            MEMBERSHIP,
            {
                "id": "kb:example-minister-foreign-minister",
                "label": "An Example Minister, Foreign Minister of the example state",
                "member": "kb:example-minister",
                "organization": "kb:example-state",
                "role": "kb:role-foreign-minister",
                "began": "2021-05-01",
                "source": "kb:example-source",
                "excerpt": "the source's words that give the role",
            },
        ),
        _kind(
            "party",
            POS + "Party",
            PARTY,
            {"id": "kb:example-state", "label": "Example State", "type": "state"},
            evidence=False,
            types=PARTY_TYPES,
        ),
        _kind(
            "place",
            POS + "Place",
            PLACE,
            {"id": "kb:example-city", "label": "Example City", "same_as": ""},
            evidence=False,
        ),
    )
}
FILE_KINDS = {
    "statements": "statement",
    "demands": "demand",
    "proposals": "proposal",
    "documents": "document",
    "meetings": "meeting",
    "media-appearances": "media-appearance",
    "sources": "source",
    "outlets": "outlet",
    "people": "person",
    "roles": "role",
    "roles-held": "role-held",
    "parties": "party",
    "places": "place",
}
RESERVED = ("kind", "id")


def all_columns() -> list[str]:
    """Every column a file may have, in the documented order."""
    names = list(RESERVED) + list(COMMON)
    for kind in KINDS.values():
        names += [c for c in kind.columns if c not in names]
    return names + [c for c in EVIDENCE if c not in names]


def template(kind: str) -> str:
    """The CSV header of ``kind`` and one example row (``positions import --template``)."""
    if kind not in KINDS:
        raise UsageError(f"--template {kind!r} is not one of: {', '.join(KINDS)}")
    chosen = KINDS[kind]
    header = chosen.header()
    row = {"kind": kind, **chosen.example}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerow([row.get(column, "") for column in header])
    return out.getvalue()
