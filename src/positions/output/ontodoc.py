"""Generate ``docs/ontology.md``: every class, property and concept scheme of a base.

    python -m positions.output.ontodoc          # from the repository root: rewrite docs/ontology.md
    python -m positions.output.ontodoc --check  # exit 1 if docs/ontology.md is stale

The page is read from the ontology files (labels, ``skos:definition``, scope
notes, domains, ranges, super-classes) and illustrated from the data: for each
class the first resource of the data namespace typed with it (by IRI), with a
few of its triples in Turtle; for each property its first use.  Concept schemes
list their concepts with their definitions and, where a scheme has them, their
CAMEO and PLOVER codes.

Why our own generator rather than pyLODE: pyLODE pulls in rdflib and a web of
dependencies, writes HTML that does not diff well, and knows nothing of the
data.  This one is a page of Markdown that reads as a clean diff; the output
depends only on the files (everything is sorted, nothing is read from the
clock), so a test can compare the committed page with a fresh one.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from positions.rdf import rdfio
from positions.rdf.labels import label_of, literal_pairs
from positions.rdf.namespaces import DATA, PREFIXES, compact

if TYPE_CHECKING:
    from positions.base.local import LocalBase

REGENERATE = "python -m positions.output.ontodoc"
OUTPUT = Path("docs") / "ontology.md"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
POS = PREFIXES["pos"]

TYPE = ox.NamedNode(RDF + "type")
CLASS_TYPES = (ox.NamedNode(OWL + "Class"), ox.NamedNode(RDFS + "Class"))
PROPERTY_TYPES = {
    ox.NamedNode(OWL + "ObjectProperty"): "object property",
    ox.NamedNode(OWL + "DatatypeProperty"): "datatype property",
    ox.NamedNode(OWL + "AnnotationProperty"): "annotation property",
    ox.NamedNode(RDF + "Property"): "property",
}
SCHEME = ox.NamedNode(SKOS + "ConceptScheme")
# Codes that line a concept up with event datasets, shown as columns when a scheme has them.
CODE_COLUMNS = (
    ("CAMEO", ox.NamedNode(POS + "cameoCode")),
    ("PLOVER", ox.NamedNode(POS + "ploverCode")),
)
EXAMPLE_TRIPLES = 5  # triples shown for a class's example resource
LONG_LITERAL = 160  # longer literals are left out of examples (they would swamp the page)


def _n(namespace: str, name: str) -> ox.NamedNode:
    return ox.NamedNode(namespace + name)


@dataclass
class Graphs:
    """The base's store seen as two parts: the ontology files and the data files."""

    store: ox.Store
    ontology: list[ox.NamedNode]
    data: list[ox.NamedNode]

    @classmethod
    def of(cls, kb: LocalBase) -> Graphs:
        def names(paths: Iterable[Path]) -> list[ox.NamedNode]:
            return [rdfio.graph_iri(kb.relative(p)) for p in paths]

        layout = kb.layout
        return cls(kb.store, names(layout.ontology_files()), names(layout.data_files()))

    def triples(self, s=None, p=None, o=None, *, data: bool = False) -> list[ox.Triple]:
        """Matching triples of the ontology (or the data), deduplicated and sorted."""
        found = {
            quad.triple
            for graph in (self.data if data else self.ontology)
            for quad in self.store.quads_for_pattern(s, p, o, graph)
        }
        return sorted(found, key=_triple_key)

    def objects(self, s: ox.NamedNode, p: ox.NamedNode) -> list:
        return [t.object for t in self.triples(s, p)]

    def subjects(self, p: ox.NamedNode, o: ox.NamedNode) -> list:
        return [t.subject for t in self.triples(None, p, o)]


def _triple_key(t: ox.Triple) -> tuple[str, str, str]:
    return (str(t.subject), str(t.predicate), str(t.object))


# -- the page ---------------------------------------------------------------------------


def generate(kb: LocalBase) -> str:
    """The Markdown page for ``kb``; the same files give the same text."""
    g = Graphs.of(kb)
    classes = _typed(g, CLASS_TYPES)
    properties = _typed(g, tuple(PROPERTY_TYPES))
    schemes = _typed(g, (SCHEME,))
    documented = set(classes) | set(properties) | set(schemes)
    out = _header(g, classes, properties, schemes)
    out += ["## Classes", ""]
    for cls in classes:
        out += _class_section(g, cls, properties, documented)
    out += ["## Properties", ""]
    for prop in properties:
        out += _property_section(g, prop, documented)
    out += ["## Concept schemes", ""]
    for scheme in schemes:
        out += _scheme_section(g, scheme, documented)
    return "\n".join(out).rstrip("\n") + "\n"


def _typed(g: Graphs, types: tuple[ox.NamedNode, ...]) -> list[ox.NamedNode]:
    """Named resources typed with any of ``types`` in the ontology, ours first, then by name."""
    found = {s for t in types for s in g.subjects(TYPE, t) if isinstance(s, ox.NamedNode)}
    return sorted(found, key=lambda n: (not n.value.startswith(POS), compact(n.value)))


def _header(g: Graphs, classes: list, properties: list, schemes: list) -> list[str]:
    ontologies = g.subjects(TYPE, _n(OWL, "Ontology"))
    title = "Ontology"
    lines = []
    if ontologies:
        onto = ontologies[0]
        title = _text(g, onto, _n(DCTERMS, "title")) or title
        lines += [_escape(_text(g, onto, _n(DCTERMS, "description")) or ""), ""]
        facts = [
            ("IRI", f"<{onto.value}>"),
            ("version", _text(g, onto, _n(OWL, "versionInfo"))),
            ("modified", _text(g, onto, _n(DCTERMS, "modified"))),
            ("licence", _iri_text(g, onto, _n(DCTERMS, "license"))),
        ]
        lines += [f"- {name}: {value}" for name, value in facts if value] + [""]
    banner = [
        f"<!-- Generated by `{REGENERATE}` from ontology/ and data/; do not edit. "
        "A test fails when this page is stale. -->",
        "",
        f"# {_escape(title)}",
        "",
        f"This page is generated from the ontology files; to change it, edit them and run "
        f"`{REGENERATE}` from the repository root.",
        "",
    ]
    contents = [
        f"{len(classes)} classes, {len(properties)} properties and {len(schemes)} concept "
        "schemes; terms reused from other vocabularies (W3C ORG, OWL-Time, PROV-O, ...) are "
        "listed after those of positions.",
        "",
        "- [Classes](#classes): " + ", ".join(_link(c) for c in classes),
        "- [Properties](#properties): " + ", ".join(_link(p) for p in properties),
        "- [Concept schemes](#concept-schemes): " + ", ".join(_link(s) for s in schemes),
        "",
    ]
    return banner + lines + contents


def _class_section(g: Graphs, cls: ox.NamedNode, properties: list, documented: set) -> list[str]:
    out = _term_heading(g, cls)
    supers = [o for o in g.objects(cls, _n(RDFS, "subClassOf")) if isinstance(o, ox.NamedNode)]
    subs = sorted(g.subjects(_n(RDFS, "subClassOf"), cls), key=lambda n: compact(n.value))
    domain = [p for p in properties if cls in g.objects(p, _n(RDFS, "domain"))]
    range_of = [p for p in properties if cls in g.objects(p, _n(RDFS, "range"))]
    out += _facts(
        [
            ("Subclass of", _links(supers, documented)),
            ("Superclass of", _links(subs, documented)),
            ("Properties (domain)", _links(domain, documented)),
            ("Values of (range)", _links(range_of, documented)),
        ]
    )
    out += _example_resource(g, cls)
    return out


def _property_section(g: Graphs, prop: ox.NamedNode, documented: set) -> list[str]:
    out = _term_heading(g, prop)
    kinds = sorted(PROPERTY_TYPES[t] for t in g.objects(prop, TYPE) if t in PROPERTY_TYPES) + (
        ["transitive"] if _n(OWL, "TransitiveProperty") in g.objects(prop, TYPE) else []
    )
    out += _facts(
        [
            ("Kind", ", ".join(kinds)),
            ("Domain", _links(g.objects(prop, _n(RDFS, "domain")), documented)),
            ("Range", _links(g.objects(prop, _n(RDFS, "range")), documented)),
            ("Subproperty of", _links(g.objects(prop, _n(RDFS, "subPropertyOf")), documented)),
        ]
    )
    uses, where = g.triples(None, prop, None, data=True), "data"
    if not uses:  # pos:cameoCode is used by the concept schemes, not the data
        uses, where = g.triples(None, prop, None), "ontology"
    uses = [t for t in uses if not _too_long(t.object)] or uses
    if uses:
        # Uses that tie once blank node labels are ignored are told apart by their rendering.
        best = min(map(_stable_key, uses))
        example = min(_use_in_context(g, t) for t in uses if _stable_key(t) == best)
        out += [f"Example from the {where}:", "", "```turtle", example, "```", ""]
    return out


def _stable_key(t: ox.Triple) -> tuple:
    """An order that ignores blank node labels (they change from one load to the next)."""

    def part(term: object) -> tuple[bool, str]:
        return (True, "") if isinstance(term, ox.BlankNode) else (False, str(term))

    return (*part(t.subject), str(t.predicate), *part(t.object))


def _use_in_context(g: Graphs, t: ox.Triple) -> str:
    """One use of a property in Turtle; a blank node is shown inside its owner, as ``[ ... ]``."""
    if isinstance(t.subject, ox.BlankNode):
        owners = [
            o
            for o in g.triples(None, None, t.subject, data=True)
            if isinstance(o.subject, ox.NamedNode)
        ]
        if owners:
            owner = min(owners, key=_stable_key)
            inner = _blank_content(g, t.subject, first=t)
            return f"{_term(owner.subject)} {_predicate(owner)} {inner} ."
        return f"[] {_predicate(t)} {_term(t.object)} ."
    if isinstance(t.object, ox.BlankNode):
        return f"{_term(t.subject)} {_predicate(t)} {_blank_content(g, t.object)} ."
    return _turtle([t])


def _blank_content(g: Graphs, node: ox.BlankNode, first: ox.Triple | None = None) -> str:
    """``[ p o ; ... ]``: the node's triples (no nested blank nodes, no long literals)."""
    triples = sorted(
        (
            t
            for t in g.triples(node, None, None, data=True)
            if t != first and not isinstance(t.object, ox.BlankNode) and not _too_long(t.object)
        ),
        key=_stable_key,
    )
    shown = ([first] if first is not None else []) + triples[: EXAMPLE_TRIPLES - 1]
    body = " ;\n    ".join(f"{_predicate(t)} {_term(t.object)}" for t in shown)
    return f"[\n    {body}\n]"


def _predicate(t: ox.Triple) -> str:
    return "a" if t.predicate == TYPE else _term(t.predicate)


def _scheme_section(g: Graphs, scheme: ox.NamedNode, documented: set) -> list[str]:
    out = _term_heading(g, scheme)
    concepts = sorted(
        (c for c in g.subjects(_n(SKOS, "inScheme"), scheme) if isinstance(c, ox.NamedNode)),
        key=lambda n: n.value,
    )
    codes = [(name, p) for name, p in CODE_COLUMNS if any(g.objects(c, p) for c in concepts)]
    header = ["concept", "label", "definition", "broader"] + [name for name, _ in codes]
    out += [
        f"{len(concepts)} concepts.",
        "",
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---" for _ in header) + " |",
    ]
    for concept in concepts:
        cells = [
            f"`{compact(concept.value)}`",
            _cell(_label(g, concept)),
            _cell(_text(g, concept, _n(SKOS, "definition")) or ""),
            ", ".join(f"`{compact(b.value)}`" for b in g.objects(concept, _n(SKOS, "broader"))),
        ]
        cells += [", ".join(_cell(o.value) for o in g.objects(concept, p)) for _, p in codes]
        out.append("| " + " | ".join(cells) + " |")
    return out + [""]


def _term_heading(g: Graphs, term: ox.NamedNode) -> list[str]:
    name = compact(term.value)
    out = [f'<a id="{_anchor(term)}"></a>', "", f"### {name}", ""]
    label = _label(g, term)
    out += [f"**{_escape(label)}**" if label else "*(no label)*", f"· `<{term.value}>`"]
    defined_by = _iri_text(g, term, _n(RDFS, "isDefinedBy"))
    if defined_by and not term.value.startswith(POS) and not defined_by.startswith("<https://w3id"):
        out[-1] += f" · defined by {defined_by}"
    out.append("")
    for predicate, prefix in (("definition", ""), ("scopeNote", "Note: "), ("example", "e.g. ")):
        text = _text(g, term, _n(SKOS, predicate))
        if text:
            out += [f"{prefix}{_escape(text)}", ""]
    return out


def _facts(rows: list[tuple[str, str]]) -> list[str]:
    kept = [f"- {name}: {value}" for name, value in rows if value]
    return kept + [""] if kept else []


def _example_resource(g: Graphs, cls: ox.NamedNode) -> list[str]:
    """The first data resource of the class (by IRI) and a few of its triples.

    A class with no resource of its own (pos:Party: every party is a state, an
    alliance, ...) takes its example from its nearest subclasses.
    """
    level, seen = [cls], {cls}
    instances: list[ox.NamedNode] = []
    while level and not instances:
        instances = sorted(
            {
                t.subject
                for c in level
                for t in g.triples(None, TYPE, c, data=True)
                if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(DATA)
            },
            key=lambda n: n.value,
        )
        below = {s for c in level for s in g.subjects(_n(RDFS, "subClassOf"), c)}
        level = sorted(below - seen, key=lambda n: n.value)
        seen |= below
    if not instances:
        return []
    triples = [t for t in g.triples(instances[0], None, None, data=True)]
    typed = [t for t in triples if t.predicate == TYPE]
    label = [t for t in triples if t.predicate.value == RDFS + "label"]
    others = [
        t
        for t in triples
        if t not in typed and t not in label and not isinstance(t.object, ox.BlankNode)
    ]
    others = [t for t in others if not _too_long(t.object)]
    chosen = (typed + label + others)[:EXAMPLE_TRIPLES]
    more = len(triples) - len(chosen)
    note = f" ({more} more triple{'s' if more > 1 else ''} not shown)" if more > 0 else ""
    return [f"Example from the data{note}:", "", "```turtle", _turtle(chosen), "```", ""]


# -- writing terms ----------------------------------------------------------------------


def _turtle(triples: list[ox.Triple]) -> str:
    """Triples of one subject (or a single triple), in Turtle with the base's prefixes."""
    lines: list[str] = []
    subject = None
    for t in triples:
        predicate = "a" if t.predicate == TYPE else _term(t.predicate)
        if t.subject != subject:
            if lines:
                lines[-1] += " ."
            lines.append(f"{_term(t.subject)} {predicate} {_term(t.object)}")
            subject = t.subject
        else:
            lines[-1] += " ;"
            lines.append(f"    {predicate} {_term(t.object)}")
    return "\n".join(lines) + " ."


def _term(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    if isinstance(term, ox.Literal):
        text = str(ox.Literal(term.value))  # the escaped, quoted lexical form
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
            return text
        return f"{text}^^{compact(term.datatype.value)}"
    return str(term)


def _too_long(term: object) -> bool:
    return isinstance(term, ox.Literal) and len(term.value) > LONG_LITERAL


def _label(g: Graphs, term: ox.NamedNode) -> str | None:
    return label_of(lambda predicate: literal_pairs(g.objects(term, ox.NamedNode(predicate))))


def _text(g: Graphs, term: ox.NamedNode, predicate: ox.NamedNode) -> str | None:
    """One literal value, English preferred, then the smallest: the same choice every time."""
    values = [o for o in g.objects(term, predicate) if isinstance(o, ox.Literal)]
    if not values:
        return None
    return min(values, key=lambda lit: (lit.language not in ("en", None), lit.value)).value


def _iri_text(g: Graphs, term: ox.NamedNode, predicate: ox.NamedNode) -> str | None:
    values = [o for o in g.objects(term, predicate) if isinstance(o, ox.NamedNode)]
    return f"<{values[0].value}>" if values else None


def _anchor(term: ox.NamedNode) -> str:
    return compact(term.value).replace(":", "-").strip("<>").replace("/", "-")


def _link(term: ox.NamedNode) -> str:
    return f"[{compact(term.value)}](#{_anchor(term)})"


def _links(terms: Iterable[object], documented: set) -> str:
    shown = []
    for term in sorted(terms, key=str):
        if isinstance(term, ox.NamedNode):
            shown.append(_link(term) if term in documented else f"`{compact(term.value)}`")
    return ", ".join(shown)


_MARKDOWN_SPECIAL = "\\`*_[]<>|"


def _escape(text: str) -> str:
    """Prose from the ontology, shown as written: Markdown and HTML characters escaped."""
    return "".join(f"\\{c}" if c in _MARKDOWN_SPECIAL else c for c in " ".join(text.split()))


def _cell(text: str) -> str:
    return _escape(text)


# -- command line -----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Write the page (or, with --check, compare it); 1 when --check finds it stale."""

    parser = argparse.ArgumentParser(prog=REGENERATE, description=__doc__.split("\n")[0])
    parser.add_argument("kb", nargs="?", default=".", help="the base's folder (default: .)")
    parser.add_argument("-o", "--output", type=Path, help="default: KB/docs/ontology.md")
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    from positions.base.local import LocalBase

    kb = LocalBase.open(args.kb)
    output = args.output or kb.root / OUTPUT
    text = generate(kb)
    if args.check:
        current = output.read_text(encoding="utf-8") if output.exists() else None
        if current != text:
            print(f"{output} is stale; run `{REGENERATE}`", file=sys.stderr)
            return 1
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
