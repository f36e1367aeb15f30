"""Faceted lists: statements or demands narrowed by any of their links, with counts.

    facets = FACETS["statements"]
    query = facets.listing({"party": "kb:united-states", "stance": "stance:rejects"})
    rows = run(kb, query.text, query.params, row_limit=50)

Each list (``statements``, ``demands``) has dimensions, each one link from the item
(a statement's party, speaker, stance, topic, target, addressee, source) and, for
statements, a date range (``since``, ``until``: the statement's date, else its
meeting's, else the "on or before" bound, as the saved query ``statements`` reads
them).  This module only composes the SPARQL: one query for the page of items, one
for their number, one per dimension for the values it takes among them and how many
items each value keeps (as datasette's facets do).  The values chosen are never
written into the text: each filter is a parameter of the query (``?_party_iri``),
bound as an RDF term by :mod:`positions.sparql.params` like a saved query's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# From this many items, a list is paged in the store's order (reading every item's date
# to sort them took 54 s at 100,000 statements, sorting their IRIs 16 s) and only the dimensions of
# few values are counted until a filter narrows it (each count reads every item).
MANY = 20_000
FEW_VALUED = ("party", "stance", "topic")

PREFIXES = """PREFIX pos: <https://w3id.org/positions/vocab#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


@dataclass(frozen=True)
class Dimension:
    key: str  # the URL parameter: party, stance, ...
    title: str  # what a person reads: "Party", "Stance"
    path: str  # the SPARQL path from ?item to the value
    label: str = "rdfs:label"  # how the value's label is read


@dataclass(frozen=True)
class Query:
    text: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Facets:
    """One list that can be narrowed: its class, its dimensions and its columns."""

    name: str  # "statements"
    title: str
    cls: str  # pos:Statement
    dimensions: tuple[Dimension, ...]
    columns: tuple[Dimension, ...]  # shown for each item, beside its label and date
    dated: bool = False

    def dimension(self, key: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.key == key), None)

    def chosen(self, given: dict[str, str]) -> dict[str, str]:
        """The filters of ``given`` this list knows, empty values left out."""
        keys = {d.key for d in self.dimensions} | ({"since", "until"} if self.dated else set())
        return {k: v.strip() for k, v in given.items() if k in keys and v and v.strip()}

    def _where(self, given: dict[str, str], *, dates: bool = False) -> tuple[str, dict[str, str]]:
        """The patterns that keep the items ``given`` keeps; ``dates`` binds ?exact,
        ?notAfter, ?sortDate (always when a date range is given)."""
        chosen = self.chosen(given)
        lines = []
        params: dict[str, str] = {}
        for dimension in self.dimensions:
            if dimension.key in chosen:
                lines.append(f"?item {dimension.path} ?_{dimension.key}_iri .")
                params[dimension.key] = chosen[dimension.key]
        # pyoxigraph plans before the parameters are bound: a filter's link comes first,
        # and the class is tested through a variable, so that it does not start from
        # every item of the class (as the saved queries do, docs/performance.md).
        if lines:
            lines.append(f"?item a ?itemClass . FILTER(?itemClass = {self.cls})")
        else:
            lines.append(f"?item a {self.cls} .")
        ranged = self.dated and ("since" in chosen or "until" in chosen)
        if self.dated and (dates or ranged):
            lines.append(DATES)
            if "since" in chosen:
                lines.append(
                    "FILTER((BOUND(?exact) && ?exact >= ?_since_xsd_date) || "
                    "(!BOUND(?exact) && BOUND(?notAfter) && ?notAfter >= ?_since_xsd_date))"
                )
                params["since"] = chosen["since"]
            if "until" in chosen:
                lines.append(
                    "FILTER((BOUND(?exact) && ?exact <= ?_until_xsd_date) || "
                    "(!BOUND(?exact) && BOUND(?notAfter) && "
                    "(!BOUND(?notBefore) || ?notBefore <= ?_until_xsd_date)))"
                )
                params["until"] = chosen["until"]
        return "\n  ".join(lines), params

    def listing(
        self, given: dict[str, str], *, limit: int, offset: int = 0, by_date: bool = True
    ) -> Query:
        """The items ``given`` keeps, a page of them, in date order (else by label);
        ``by_date=False`` (for many items) in the store's own order, the page chosen
        before anything else about the items is read (sorting 100,000 IRIs took 16 s),
        each page then sorted by IRI."""
        where, params = self._where(given, dates=by_date)
        if not by_date:
            where = (
                f"{{ SELECT ?item WHERE {{\n  {where}\n  }} "
                f"LIMIT {int(limit)} OFFSET {int(offset)} }}"
            )
            if self.dated:
                where += "\n  " + DATES
            offset = 0
        dates = ""
        columns = []
        optional = []
        for column in self.columns:
            columns.append(f"?{column.key} ?{column.key}Label")
            optional.append(
                f"OPTIONAL {{ ?item {column.path} ?{column.key} . "
                f"OPTIONAL {{ ?{column.key} {column.label} ?{column.key}Label }} }}"
            )
        if self.dated:
            dates = 'BIND(COALESCE(STR(?exact), CONCAT("on or before ", STR(?notAfter))) AS ?date)'
            order = "ORDER BY (!BOUND(?sortDate)) ?sortDate ?itemLabel ?item"
            head = "?date ?item ?itemLabel"
        else:
            order = "ORDER BY ?itemLabel ?item"
            head = "?item ?itemLabel"
        if not by_date:
            order = "ORDER BY ?item"
        text = (
            f"{PREFIXES}SELECT {head} {' '.join(columns)}\nWHERE {{\n  {where}\n"
            "  OPTIONAL { ?item rdfs:label ?itemLabel }\n  "
            + "\n  ".join(optional)
            + f"\n  {dates}\n}}\n{order}\nLIMIT {int(limit)} OFFSET {int(offset)}\n"
        )
        return Query(text, params)

    def counting(self, given: dict[str, str]) -> Query:
        """How many items ``given`` keeps (``?n``)."""
        where, params = self._where(given)
        return Query(
            f"{PREFIXES}SELECT (COUNT(DISTINCT ?item) AS ?n)\nWHERE {{\n  {where}\n}}\n", params
        )

    def facet(self, key: str, given: dict[str, str], *, limit: int = 40) -> Query:
        """The values dimension ``key`` takes among the items ``given`` keeps, each with
        how many items it keeps (``?value ?valueLabel ?n``), the most first."""
        dimension = self.dimension(key)
        if dimension is None:
            raise KeyError(key)
        where, params = self._where(given)
        return Query(
            f"{PREFIXES}SELECT ?value (SAMPLE(?l) AS ?valueLabel) (COUNT(DISTINCT ?item) AS ?n)"
            f"\nWHERE {{\n  {where}\n  ?item {dimension.path} ?value .\n"
            f"  OPTIONAL {{ ?value {dimension.label} ?l }}\n}}\nGROUP BY ?value\n"
            f"ORDER BY DESC(?n) ?valueLabel ?value\nLIMIT {int(limit)}\n",
            params,
        )

    def months(self, given: dict[str, str]) -> Query:
        """How many items fall in each month (by date, else by bound): ``?month ?n``."""
        where, params = self._where(given, dates=True)
        return Query(
            f"{PREFIXES}SELECT ?month (COUNT(DISTINCT ?item) AS ?n)\nWHERE {{\n  {where}\n"
            "  FILTER(BOUND(?sortDate))\n  BIND(SUBSTR(STR(?sortDate), 1, 7) AS ?month)\n}\n"
            "GROUP BY ?month\nORDER BY ?month\n",
            params,
        )


# A statement's date: its own, else its meeting's; else only a bound ("on or before").
DATES = (
    "OPTIONAL { ?item pos:date ?ownDate }\n"
    "  OPTIONAL { ?item pos:occasion ?occasion . ?occasion pos:date ?occasionDate }\n"
    "  OPTIONAL { ?item pos:notAfter ?notAfter }\n"
    "  OPTIONAL { ?item pos:notBefore ?notBefore }\n"
    "  BIND(COALESCE(?ownDate, ?occasionDate) AS ?exact)\n"
    "  BIND(COALESCE(?exact, ?notAfter) AS ?sortDate)"
)

PARTY = Dimension("party", "Party", "pos:onBehalfOf")
SPEAKER = Dimension("speaker", "Speaker", "pos:speaker")
STANCE = Dimension("stance", "Stance", "pos:stance", "skos:prefLabel")
TOPIC = Dimension("topic", "Topic", "pos:topic", "skos:prefLabel")
TARGET = Dimension("target", "Target", "pos:target")
ADDRESSEE = Dimension("addressee", "Addressed to", "pos:addressedTo")
SOURCE = Dimension("source", "Source", "pos:evidence/pos:source")
MAKER = Dimension("party", "Made by", "pos:madeBy")
PROPOSAL = Dimension("proposal", "Part of", "pos:partOf")

FACETS = {
    "statements": Facets(
        "statements",
        "Statements",
        "pos:Statement",
        (PARTY, SPEAKER, STANCE, TOPIC, TARGET, ADDRESSEE, SOURCE),
        (STANCE, SPEAKER, PARTY),
        dated=True,
    ),
    "demands": Facets(
        "demands",
        "Demands",
        "pos:Demand",
        (MAKER, ADDRESSEE, TOPIC, PROPOSAL, SOURCE),
        (MAKER,),
    ),
}
