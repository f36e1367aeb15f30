"""The ontology is not changed by an addition: new facts may not describe its terms.

    terms = OntologyTerms.read({"ontology/positions.ttl": triples, ...})
    trespasses = find_trespasses(inputs, terms)        # [] for ordinary facts

The terms are the named subjects of the base's ``ontology/`` files (classes,
properties, concept schemes, concepts, the ontology itself, and the shapes of
``ontology/shapes/``): read once, from files of a few hundred triples, so the
check costs the size of the new files.  A new file may use a term as an
object (``a pos:Statement``, ``pos:stance stance:rejects``) but not as a
subject: ``pos:Party rdfs:subClassOf pos:Statement``, a new label for
``stance:rejects`` or a node (a CSV ``id``) named ``pos:Statement`` would
change what the ontology says.  Nor may it coin a new subject in a namespace
the ontology declares its terms in (``stance:shrugs``): a new class, property
or concept is an edit of ``ontology/``, reviewed like code.  The data
namespace (``kb:``) is never the ontology's, even where an ontology file
names a node of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from positions.adding.facts import RDF_TYPE, Triple, show
from positions.adding.inputs import InputFile
from positions.rdf.namespaces import DATA, compact
from positions.wording import plural


def namespace(iri: str) -> str:
    """The namespace of an IRI: up to its first ``#``, else up to its last ``/``."""
    if "#" in iri:
        return iri[: iri.index("#") + 1]
    return iri[: iri.rfind("/") + 1]


@dataclass
class OntologyTerms:
    """The ontology's terms (IRI -> the file declaring it) and their namespaces (-> a file)."""

    declared: dict[str, str] = field(default_factory=dict)
    namespaces: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, files: dict[str, Iterable[Triple]]) -> OntologyTerms:
        """The named subjects of each ontology file (file name -> its triples)."""
        terms = cls()
        for name, triples in files.items():
            for subject, _, _ in triples:
                if isinstance(subject, ox.NamedNode) and subject.value not in terms.declared:
                    terms.declared[subject.value] = name
                    space = namespace(subject.value)
                    if space and space != DATA:
                        terms.namespaces.setdefault(space, name)
        return terms

    def owner(self, iri: str) -> tuple[str, bool] | None:
        """The file that owns ``iri`` and whether it declares it (False: its namespace only)."""
        if iri in self.declared:
            return self.declared[iri], True
        space = namespace(iri)
        if space in self.namespaces:
            return self.namespaces[space], False
        return None


@dataclass(frozen=True)
class Trespass:
    """New facts about a term of the ontology (or a new term in its namespace)."""

    term: str  # as written in messages (pos:Party)
    namespace: str  # its namespace, likewise (stance:)
    declared: bool  # a term of the ontology; False: a new name in one of its namespaces
    ontology_file: str
    where: str  # FILE:LINE of the first new fact about it
    predicates: tuple[str, ...]
    table: bool  # the new file is a table: the term is a row's id

    def __str__(self) -> str:
        if self.declared:
            what = f"{self.term} is a term of the ontology (declared in {self.ontology_file})"
        else:
            what = (
                f"{self.term} is in a namespace of the ontology "
                f"({self.namespace}, as in {self.ontology_file}) but is not one of its terms"
            )
        if self.table:
            return f"{self.where}: column 'id': {what}; it cannot be the id of a row"
        said = ", ".join(self.predicates[:3])
        if len(self.predicates) > 3:
            said += f" and {len(self.predicates) - 3} more"
        return f"{self.where}: {what}; new facts may not describe it or use it as a node ({said})"


def find_trespasses(inputs: list[InputFile], terms: OntologyTerms) -> list[Trespass]:
    """Every term of the ontology that the new files use as a subject, once each."""
    found: dict[str, tuple[InputFile, str, bool, list[str]]] = {}
    for src in inputs:
        for subject, predicate, _ in src.triples:
            if not isinstance(subject, ox.NamedNode):
                continue
            iri = subject.value
            if iri not in found:
                owner = terms.owner(iri)
                if owner is None:
                    continue
                found[iri] = (src, owner[0], owner[1], [])
            said = found[iri][3]
            shown = "a" if predicate.value == RDF_TYPE.value else show(predicate)
            if shown not in said:
                said.append(shown)
    out = []
    for iri, (src, ontology_file, declared, said) in found.items():
        node = ox.NamedNode(iri)
        line = src.line_of(node) or src.mention_of(node)
        out.append(
            Trespass(
                term=show(node),
                namespace=compact(namespace(iri)),
                declared=declared,
                ontology_file=ontology_file,
                where=f"{src.name}:{line}" if line else src.name,
                predicates=tuple(said),
                table=src.rows is not None,
            )
        )
    return out


def refusal(trespasses: list[Trespass]) -> str:
    """The message refusing an addition that would change the ontology."""
    lines = [str(t) for t in trespasses]
    lines.append(
        f"The new facts would change the ontology ({plural(len(trespasses), 'term')}); nothing "
        "was written. Changing the ontology is an edit of ontology/, reviewed like code."
    )
    return "\n".join(lines)
