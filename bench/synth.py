"""Generate a realistic synthetic knowledge base, of any size, that conforms to the shapes.

    python bench/synth.py --statements 10000 --seed 1 --out bench/out/kb-10k --batch 100

writes a complete base folder: ``ontology/`` and ``queries/`` copied from this
repository, and ``data/`` in the layout ``positions add`` keeps (one file per
family of classes, then numbered parts of about a megabyte once a family's file
is full: ``data/statements/00001.ttl``, ...; see :mod:`positions.base.datafiles`), plus, with
``--batch K``, ``new-statements.ttl``: K new statements that link to nodes
already in the base, ready for ``positions add``.

What is in it: negotiations (about 2,000 statements each), each between three
parties drawn from a shared pool of states and alliances; people with roles held
over periods (org:Membership with org:memberDuring), meetings with delegations
and heads, media appearances; a proposal, set out in one or two draft agreements
sent on the day the negotiation starts; 3 to 8 documents in all (pos:Document,
with data/demands.ttl: the drafts, then letters and written responses between
the parties, sent, published or only promised, answering the proposal or an
earlier document); demands with topics and refinements, some stated in a draft;
4 to 8 topics of the negotiation's own (``kb:topic-0001-03``: a skos:Concept of
pos:TopicScheme, narrower than one of the 14 shared ``topic:`` concepts of
ontology/concepts.ttl, in data/other.ttl, the file ``positions add`` gives a
class no other file holds), which about half of its statements, demands and
meetings are on, the shared topics the rest; sources with genres and publication
dates, commentary, and statements of about 13.6 triples each (speaker, role,
party, stance, target, topic, date or bounds, and evidence with a verbatim
quote, some of it non-ASCII).  Dates are spread over three decades and kept
consistent with the checks (a statement or document is never dated after the
source that reports it, a statement never outside the role it is made in, and
neither before what it answers).  A few nodes keep the names the saved queries
use as their defaults (kb:russia, kb:united-states, kb:sergei-ryabkov,
kb:demand-no-nato-enlargement on topic:nato-enlargement, ...), so that every
saved query has rows on a generated base.

Deterministic: the same ``--statements`` and ``--seed`` give byte-identical
files.  The Turtle is written directly, as text, in exactly the layout of the
project's canonical writer (:func:`positions.base.datafiles.render_data_file`, which
would take minutes on millions of triples): subjects sorted by IRI, ``a``
first, predicates sorted by written name, inline blank nodes.  tests/test_synth.py
checks the bytes against the canonical writer on a small base.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import random
import shutil
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from positions.base.datafiles import PART_BYTES, PART_DIGITS, header_for  # noqa: E402
from positions.rdf.namespaces import PREFIXES  # noqa: E402

STATEMENTS_PER_NEGOTIATION = 2000
INDENT = "    "

STANCES = [
    "accepts",
    "accuses",
    "assesses-talks",
    "calls-unacceptable",
    "conditional",
    "demands",
    "insists",
    "open-to-discuss",
    "promises",
    "rejects",
    "warns",
]
TOPICS = [
    "energy",
    "european-security",
    "foreign-military-bases",
    "legal-guarantees",
    "military-deployments",
    "military-exercises",
    "missile-deployment",
    "nato-enlargement",
    "negotiation-process",
    "nuclear-weapons",
    "sanctions",
    "strategic-stability",
    "ukraine",
    "ukraine-nato-membership",
]
FORMATS = [
    "alliance-talks",
    "bilateral-talks",
    "ministerial-meeting",
    "organisation-forum",
    "telephone-call",
]
GENRES = ["news-report"] * 8 + ["interview", "opinion"]
ROLES = [
    ("foreign-minister", "Foreign Minister"),
    ("deputy-foreign-minister", "Deputy Foreign Minister"),
    ("ambassador", "Ambassador"),
    ("spokesperson", "Spokesperson"),
    ("head-of-delegation", "Head of Delegation"),
    ("president", "President"),
    ("defence-minister", "Defence Minister"),
    ("secretary-general", "Secretary General"),
    ("under-secretary", "Under Secretary"),
    ("envoy", "Special Envoy"),
]
FIRST = [
    "Sergei",
    "Anna",
    "José",
    "Zoë",
    "Łukasz",
    "Ingrid",
    "Mehmet",
    "Søren",
    "Amélie",
    "Yuki",
    "Olúwasẹ́un",
    "Dmitrii",
    "Marta",
    "Jürgen",
    "Ahmad",
    "Chloé",
    "Björn",
    "Nadia",
    "Tomás",
    "Ewa",
]
LAST = [
    "Ivanova",
    "García",
    "Müller",
    "Kowalski",
    "Öztürk",
    "Nørgaard",
    "Dubois",
    "Tanaka",
    "Adébáyọ̀",
    "Petrov",
    "Silva",
    "Schäfer",
    "Haddad",
    "Lefèvre",
    "Lindqvist",
    "Novák",
    "O'Brien",
    "Kovač",
    "Ferreira",
    "Ång",
]
PLACES = [
    "Geneva",
    "Vienna",
    "Helsinki",
    "Brussels",
    "Minsk",
    "Istanbul",
    "Doha",
    "Oslo",
    "Reykjavík",
    "Astana",
    "Belgrade",
    "Zürich",
    "Montreux",
    "São Paulo",
    "Kraków",
]
QUOTES = [
    "We will not accept {t} as a basis for talks — this is “unacceptable”,",
    "Our position on {t} has not changed; we expect a written answer,",
    "There is merit in discussing {t}, but not under pressure,",
    "The proposals on {t} deserve a serious, point-by-point reply,",
    "Мы ждём ответа по {t}, and we will wait for it,",
    "Nothing about {t} can be decided without us — ni maintenant, ni plus tard,",
    "We are prepared to work on {t}, step by step,",
    "Any move on {t} will have the most serious consequences,",
]
PARAPHRASES = [
    "The minister said the talks on {t} had reached a dead end.",
    "According to the delegation, progress on {t} was possible “in principle”.",
    "Officials described the exchange on {t} as frank and useful.",
    "The spokesperson repeated that {t} remained the central demand.",
]
TOPIC_WORDS = {t: t.replace("-", " ") for t in TOPICS}
# A topic as the generator uses it: its written IRI and the words that name it in labels.
SHARED_TOPICS = [(f"topic:{t}", TOPIC_WORDS[t]) for t in TOPICS]
# Each negotiation's own issues, under a shared topic: "verification of" + "nato enlargement".
ASPECTS = [
    "a moratorium on",
    "ceilings on",
    "guarantees on",
    "inspections of",
    "limits on",
    "notification of",
    "reciprocity in",
    "the sequencing of",
    "the timetable for",
    "transparency about",
    "verification of",
    "the northern dimension of",
]
NEGOTIATION_TOPICS = (4, 8)  # how many topics of its own a negotiation has
NEGOTIATION_TOPIC_SHARE = 0.5  # of its statements, demands and meetings on one of them
DOCUMENTS = (3, 8)  # how many documents a negotiation has: its drafts, letters, responses
EPOCH = dt.date(1994, 1, 1)
PERIOD_DAYS = 2 * 365

# The names the saved queries use as default parameters.
ANCHOR_PARTIES = [("russia", "Russia", "Q159"), ("united-states", "United States", "Q30")]
ANCHOR_ALLIANCE = ("nato", "NATO", "Q7184")
ANCHOR_PERSON = "sergei-ryabkov"
ANCHOR_DEMAND = "demand-no-nato-enlargement"
ANCHOR_STATEMENT = "stmt-donfried-some-unacceptable"

# Prefixes each file uses: the canonical writer declares exactly those used.
FILE_PREFIXES = {
    "parties.ttl": ["kb", "org", "owl", "pos", "rdfs", "wd"],
    "people.ttl": ["kb", "org", "pos", "rdfs", "skos", "time", "xsd"],
    "sources.ttl": ["dcterms", "genre", "kb", "pos", "rdfs", "xsd"],
    "meetings.ttl": ["fmt", "kb", "pos", "rdfs", "topic", "xsd"],
    "demands.ttl": ["kb", "pos", "rdfs", "status", "topic", "xsd"],
    "statements.ttl": ["kb", "pos", "rdfs", "scope", "stance", "topic", "xsd"],
    "commentary.ttl": ["kb", "pos", "rdfs"],
    "other.ttl": ["kb", "pos", "rdfs", "skos", "topic"],  # the negotiations' own topics
}
BATCH_PREFIXES = ["kb", "pos", "rdfs", "scope", "stance", "topic", "xsd"]


# -- writing canonical Turtle as text ---------------------------------------------------

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def string(value: str) -> str:
    return '"' + value.translate(_ESCAPES) + '"'


class Node:
    """The predicate-object pairs of one subject or inline blank node, as written text."""

    __slots__ = ("props",)

    def __init__(self) -> None:
        self.props: dict[str, list[tuple[tuple, str]]] = defaultdict(list)

    def iri(self, predicate: str, compact: str) -> Node:
        # Objects of one predicate share a namespace here, so the local names sort as IRIs do.
        self.props[predicate].append(((0, compact), compact))
        return self

    def lit(self, predicate: str, value: str, suffix: str = "", datatype: str = "") -> Node:
        self.props[predicate].append(((2, value, datatype, suffix), string(value) + suffix))
        return self

    def date(self, predicate: str, day: dt.date) -> Node:
        return self.lit(predicate, day.isoformat(), "^^xsd:date", "date")

    def en(self, predicate: str, value: str) -> Node:
        return self.lit(predicate, value, "@en", "langString")

    def blank(self, predicate: str, node: Node) -> Node:
        text = "[\n" + INDENT + node.body() + "\n]"
        self.props[predicate].append(((1, text), text))
        return self

    def body(self) -> str:
        """The predicate list, as the canonical writer lays it out (see turtle._predicate_list)."""
        written = []
        for predicate in sorted(self.props, key=lambda p: (p != "a", p)):
            objects = [text for _, text in sorted(self.props[predicate])]
            first = objects[0].replace("\n", "\n" + INDENT)
            rest = "".join(
                f",\n{INDENT * 2}{o.replace(chr(10), chr(10) + INDENT * 2)}" for o in objects[1:]
            )
            written.append(f"{predicate} {first}{rest}")
        return f" ;\n{INDENT}".join(written)


def evidence(
    source: str,
    *,
    quote: str | None = None,
    paraphrase: str | None = None,
    excerpt: str | None = None,
) -> Node:
    node = Node().iri("pos:source", source)
    for predicate, text in (
        ("pos:quote", quote),
        ("pos:paraphrase", paraphrase),
        ("pos:excerpt", excerpt),
    ):
        if text is not None:
            node.lit(predicate, text)
    return node


@dataclass
class Files:
    """The blocks of each data file, keyed by subject (local name)."""

    blocks: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))

    def add(self, file_name: str, local: str, node: Node) -> None:
        self.blocks[file_name].append((local, f"kb:{local} {node.body()} .\n"))

    def write(self, data_dir: Path, part_bytes: int = PART_BYTES) -> None:
        """Each class's blocks, sorted, in its file and then in numbered parts.

        As ``positions add`` would have left them (positions.base.datafiles): the
        class file takes blocks until it reaches ``part_bytes``, then
        ``<class>/00001.ttl`` does, and so on.
        """
        data_dir.mkdir(parents=True, exist_ok=True)
        for file_name, blocks in self.blocks.items():
            blocks.sort()
            for relative, chunk in _split(file_name, [text for _, text in blocks], part_bytes):
                used = [p for p in FILE_PREFIXES[file_name] if any(f"{p}:" in b for b in chunk)]
                path = data_dir / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                write_turtle(path, used, chunk, header_for(relative))


def _split(file_name: str, blocks: list[str], part_bytes: int) -> Iterator[tuple[str, list[str]]]:
    stem = file_name.removesuffix(".ttl")
    names = itertools.chain(
        [file_name], (f"{stem}/{n:0{PART_DIGITS}d}.ttl" for n in itertools.count(1))
    )
    chunk: list[str] = []
    size = 0
    for block in blocks:
        chunk.append(block)
        size += len(block.encode("utf-8")) + 1
        if size >= part_bytes:
            yield next(names), chunk
            chunk, size = [], 0
    if chunk:
        yield next(names), chunk


def write_turtle(
    path: Path, prefixes: list[str], blocks: Iterable[str], header: str | None
) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as out:
        if header:
            out.write("".join(f"# {line}".rstrip() + "\n" for line in header.splitlines()))
            out.write("\n")
        out.write("".join(f"@prefix {p}: <{PREFIXES[p]}> .\n" for p in sorted(prefixes)))
        for block in blocks:
            out.write("\n")
            out.write(block)


# -- the model of the synthetic world ------------------------------------------------------


@dataclass
class Party:
    local: str
    label: str
    body: str  # the organisation its people hold roles in: a ministry, or itself


@dataclass
class Person:
    local: str
    label: str
    party: Party
    membership: str
    begin: dt.date


@dataclass
class Source:
    local: str
    published: dt.date


@dataclass
class Document:
    local: str
    by: Party
    to: Party
    # The date what answers it must not precede: pos:sentOn, else pos:publishedOn, as the
    # checks read it (response-before-answered); None for a document only promised.
    day: dt.date | None


@dataclass
class Negotiation:
    index: int
    start: dt.date
    parties: list[Party]
    topics: list[tuple[str, str]] = field(default_factory=list)  # its own: (IRI, words)
    documents: list[Document] = field(default_factory=list)
    drafts: list[Document] = field(default_factory=list)  # its proposal is set out in them
    people: list[Person] = field(default_factory=list)
    demands: list[str] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    meetings: list[tuple[str, dt.date]] = field(default_factory=list)
    appearances: list[str] = field(default_factory=list)

    @property
    def proposal(self) -> str:
        return f"proposal-{self.index:04d}"

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=PERIOD_DAYS)

    def topic(self, rng: random.Random) -> tuple[str, str]:
        """A topic of one of its nodes: one of its own half of the time, else a shared one."""
        if self.topics and rng.random() < NEGOTIATION_TOPIC_SHARE:
            return rng.choice(self.topics)
        return rng.choice(SHARED_TOPICS)


class World:
    """Everything generated, negotiation by negotiation, each from its own seeded stream."""

    def __init__(self, statements: int, seed: int) -> None:
        self.seed = seed
        self.statements = statements
        self.count = max(1, round(statements / STATEMENTS_PER_NEGOTIATION))
        self.files = Files()
        self._pending_evidence: list[tuple[str, Node, str]] = []  # memberships awaiting a source
        self.negotiations: list[Negotiation] = []
        self.parties = self._parties()
        self.outlets = [f"outlet-{i:04d}" for i in range(max(5, statements // 2000))]
        self.places = [f"place-{i:03d}" for i in range(len(PLACES))]

    def rng(self, *key: object) -> random.Random:
        return random.Random("-".join(map(str, (self.seed, *key))))

    # -- shared nodes ----------------------------------------------------------------

    def _parties(self) -> list[Party]:
        pool = max(6, min(180, 3 * self.count))
        parties = []
        for i in range(pool):
            if i < len(ANCHOR_PARTIES):
                local, label, qid = ANCHOR_PARTIES[i]
            elif i == len(ANCHOR_PARTIES):
                local, label, qid = ANCHOR_ALLIANCE
            else:
                local, label, qid = f"state-{i:03d}", f"State {i:03d}", f"Q{1_000_000 + i}"
            alliance = i == len(ANCHOR_PARTIES) or (i > 3 and i % 10 == 0)
            party = Party(local, label, body=local if alliance else f"{local}-foreign-ministry")
            node = Node().iri("a", "pos:Alliance" if alliance else "pos:State")
            self.files.add(
                "parties.ttl", local, node.iri("owl:sameAs", f"wd:{qid}").en("rdfs:label", label)
            )
            if not alliance:
                ministry = (
                    Node()
                    .iri("a", "pos:Ministry")
                    .iri("org:subOrganizationOf", f"kb:{local}")
                    .en("rdfs:label", f"Foreign Ministry of {label}")
                )
                self.files.add("parties.ttl", party.body, ministry)
            parties.append(party)
        return parties

    def shared(self) -> None:
        for i, name in enumerate(PLACES):
            node = (
                Node()
                .iri("a", "pos:Place")
                .iri("owl:sameAs", f"wd:Q{2_000_000 + i}")
                .en("rdfs:label", name)
            )
            self.files.add("parties.ttl", self.places[i], node)
        for i, local in enumerate(self.outlets):
            self.files.add(
                "sources.ttl",
                local,
                Node().iri("a", "pos:Outlet").en("rdfs:label", f"The Daily Record {i:04d}"),
            )
        for local, label in ROLES:
            node = (
                Node()
                .iri("a", "org:Role")
                .iri("skos:inScheme", "pos:RoleScheme")
                .en("skos:prefLabel", label)
            )
            self.files.add("people.ttl", f"role-{local}", node)

    # -- one negotiation -------------------------------------------------------------

    def negotiation(self, g: int, statements: int) -> Negotiation:
        rng = self.rng("negotiation", g)
        start = EPOCH + dt.timedelta(days=rng.randrange(28 * 365))
        parties = self.parties[:3] if g == 0 else rng.sample(self.parties, 3)
        neg = Negotiation(g, start, parties)
        self._people(neg, rng, max(4, statements // 40))
        dates = self._statement_dates(neg, rng, statements)
        self._sources(neg, rng, dates)
        self._documents(neg, rng)
        self._topics(neg, rng)
        self._meetings_and_appearances(neg, rng, statements)
        self._proposal_and_demands(neg, rng, max(4, statements // 25))
        self._statements(neg, rng, dates)
        self._commentary(neg, rng, max(1, statements // 500))
        self.negotiations.append(neg)
        return neg

    def _people(self, neg: Negotiation, rng: random.Random, count: int) -> None:
        for i in range(count):
            local = ANCHOR_PERSON if (neg.index, i) == (0, 0) else f"person-{neg.index:04d}-{i:04d}"
            label = (
                "Sergei Ryabkov"
                if local == ANCHOR_PERSON
                else (f"{rng.choice(FIRST)} {rng.choice(LAST)} {neg.index}.{i}")
            )
            party = neg.parties[i % len(neg.parties)]
            membership = f"membership-{neg.index:04d}-{i:04d}"
            begin = neg.start - dt.timedelta(days=rng.randint(30, 3000))
            person = Person(local, label, party, membership, begin)
            neg.people.append(person)
            self.files.add(
                "people.ttl", local, Node().iri("a", "pos:Person").en("rdfs:label", label)
            )
            role_local, role_label = rng.choice(ROLES)
            node = (
                Node()
                .iri("a", "org:Membership")
                .iri("org:member", f"kb:{local}")
                .iri("org:organization", f"kb:{party.body}")
                .iri("org:role", f"kb:role-{role_local}")
                .en("rdfs:label", f"{label}, {role_label} ({party.label})")
            )
            if rng.random() < 0.6:  # a period, half of them still open
                period = (
                    Node()
                    .iri("a", "time:Interval")
                    .blank(
                        "time:hasBeginning",
                        Node().iri("a", "time:Instant").date("time:inXSDDate", begin),
                    )
                )
                if rng.random() < 0.5:
                    end = neg.end + dt.timedelta(days=rng.randint(60, 900))
                    period.blank(
                        "time:hasEnd", Node().iri("a", "time:Instant").date("time:inXSDDate", end)
                    )
                node.blank("org:memberDuring", period)
            self._pending_evidence.append((membership, node, f"{label}, {role_label}"))

    def _statement_dates(self, neg: Negotiation, rng: random.Random, count: int) -> list[dt.date]:
        return sorted(
            neg.start + dt.timedelta(days=rng.randrange(PERIOD_DAYS)) for _ in range(count)
        )

    def _sources(self, neg: Negotiation, rng: random.Random, dates: list[dt.date]) -> None:
        """One source for every few statements in time order, published after the last of them."""
        i = 0
        while i < len(dates):
            size = rng.randint(4, 12)
            last = dates[min(i + size, len(dates)) - 1]
            published = last + dt.timedelta(days=rng.randint(0, 3))
            if neg.sources:  # in date order, so that a later source is never an earlier one
                published = max(published, neg.sources[-1].published)
            source = Source(f"source-{neg.index:04d}-{len(neg.sources):05d}", published)
            neg.sources.append(source)
            node = (
                Node()
                .iri("a", "pos:Source")
                .date("pos:publishedOn", source.published)
                .iri("pos:genre", f"genre:{rng.choice(GENRES)}")
                .lit(
                    "dcterms:title",
                    f"Talks report {neg.index}/{len(neg.sources)}: “{rng.choice(TOPICS)}”",
                )
                .en("rdfs:label", f"Report {source.local} ({source.published.isoformat()})")
            )
            if rng.random() < 0.7:
                node.iri("dcterms:publisher", f"kb:{rng.choice(self.outlets)}")
            if len(neg.sources) > 1 and rng.random() < 0.05:
                node.iri("pos:cites", f"kb:{neg.sources[-2].local}")
            self.files.add("sources.ttl", source.local, node)
            i += size
        # Memberships were waiting for a source to cite as evidence.
        for local, node, excerpt in self._pending_evidence:
            node.blank(
                "pos:evidence", evidence(f"kb:{rng.choice(neg.sources).local}", excerpt=excerpt)
            )
            self.files.add("people.ttl", local, node)
        self._pending_evidence.clear()

    def _documents(self, neg: Negotiation, rng: random.Random) -> None:
        """Drafts of the proposal, then letters and written responses between the parties.

        The drafts are sent when the negotiation starts (the proposal is set out in
        them, so nothing can answer it earlier: every statement is dated on or after
        the start); a response is dated after what it answers (response-before-answered)
        and every document on or before the publication of the source that reports it.
        A promised document has no date, and nothing answers it.
        """
        maker = neg.parties[0]
        published = [s.published for s in neg.sources]
        last = min(published[-1], neg.end)  # no document dated after every source, or the end
        count = rng.randint(*DOCUMENTS)
        drafts = 2 if rng.random() < 0.5 else 1
        for j in range(count):
            local = f"document-{neg.index:04d}-{j:02d}"
            responds: str | None = None
            if j < drafts:  # to the proposal's addressee, and to the third party
                by, to = maker, neg.parties[1 + j]
                status = "published" if rng.random() < 0.7 else "sent"
                sent = neg.start
                label = f"{by.label}'s draft agreement with {to.label} ({neg.index}.{j})"
                excerpt = f"{by.label} handed over a draft agreement to {to.label}"
            else:
                by = neg.parties[1] if j == drafts else rng.choice(neg.parties)
                to = rng.choice([p for p in neg.parties if p is not by])
                answerable = [d for d in neg.documents if d.day is not None and d.by is not by]
                roll = rng.random()
                if by is not maker and (j == drafts or roll < 0.35):
                    responds, after = neg.proposal, neg.start
                elif answerable and roll < 0.85:
                    answered = rng.choice(answerable)
                    responds, after = answered.local, answered.day
                else:
                    after = neg.start
                sent = min(after + dt.timedelta(days=rng.randint(3, 120)), last)
                status = rng.choice(["sent", "sent", "published", "promised"])
                if responds == neg.proposal:
                    label = f"{by.label}'s written response to {to.label} ({neg.index}.{j})"
                    excerpt = f"the written response of {by.label} to the proposals"
                else:
                    label = f"Letter from {by.label} to {to.label} ({neg.index}.{j})"
                    excerpt = f"the letter from {by.label} to {to.label}"
                if status == "promised":
                    excerpt = f"{by.label} promised to answer in writing"
            node = (
                Node()
                .iri("a", "pos:Document")
                .iri("pos:madeBy", f"kb:{by.local}")
                .iri("pos:addressedTo", f"kb:{to.local}")
                .iri("pos:documentStatus", f"status:{status}")
                .en("rdfs:label", label)
            )
            day: dt.date | None = None
            latest = sent
            if status == "sent" or (status == "published" and (j < drafts or rng.random() < 0.5)):
                node.date("pos:sentOn", sent)
                day = sent
            if status == "published":
                latest = min(sent + dt.timedelta(days=rng.randint(0, 14)), last) if day else sent
                node.date("pos:publishedOn", latest)
                day = day or latest
            if responds:
                node.iri("pos:respondsTo", f"kb:{responds}")
            # Reported by a source published on or after its last date.
            first = bisect.bisect_left(published, latest)
            source = neg.sources[rng.randint(first, min(first + 2, len(published) - 1))]
            node.blank("pos:evidence", evidence(f"kb:{source.local}", excerpt=excerpt))
            document = Document(local, by, to, day)
            neg.documents.append(document)
            if j < drafts:
                neg.drafts.append(document)
            self.files.add("demands.ttl", local, node)

    def _topics(self, neg: Negotiation, rng: random.Random) -> None:
        """The negotiation's own topics, each narrower than a shared one.

        Data, not vocabulary: in kb:, as the roles are (every ``topic:`` IRI is one
        the ontology defines, tests/test_ontology.py), and, being skos:Concept (a
        class no data file is named for), in other.ttl.  Defined by the draft that
        put them on the table, so that they pass the ontology's own checks
        (ontology/checks/: a concept has a label, a definition, rdfs:isDefinedBy).
        """
        aspects = rng.sample(ASPECTS, rng.randint(*NEGOTIATION_TOPICS))
        for j, aspect in enumerate(aspects):
            local = f"topic-{neg.index:04d}-{j:02d}"
            broader = TOPICS[rng.randrange(len(TOPICS))]
            words = f"{aspect} {TOPIC_WORDS[broader]}"
            node = (
                Node()
                .iri("a", "skos:Concept")
                .iri("rdfs:isDefinedBy", f"kb:{neg.drafts[0].local}")
                .iri("skos:broader", f"topic:{broader}")
                .en(
                    "skos:definition",
                    f"What the parties to negotiation {neg.index} say about {words}.",
                )
                .iri("skos:inScheme", "pos:TopicScheme")
                .en("skos:prefLabel", f"{words[0].upper()}{words[1:]} ({neg.index})")
            )
            neg.topics.append((f"kb:{local}", words))
            self.files.add("other.ttl", local, node)

    def _meetings_and_appearances(
        self, neg: Negotiation, rng: random.Random, statements: int
    ) -> None:
        for i in range(max(2, statements // 60)):
            local = f"meeting-{neg.index:04d}-{i:04d}"
            day = neg.start + dt.timedelta(days=rng.randrange(PERIOD_DAYS))
            neg.meetings.append((local, day))
            sides = rng.sample(neg.parties, 2)
            node = (
                Node()
                .iri("a", "pos:Meeting")
                .date("pos:date", day)
                .iri("pos:format", f"fmt:{rng.choice(FORMATS)}")
                .iri("pos:place", f"kb:{rng.choice(self.places)}")
                .iri("pos:topic", neg.topic(rng)[0])
                .en(
                    "pos:outcome",
                    rng.choice(["No agreement.", "Talks to continue.", "Progress “in principle”."]),
                )
                .en("rdfs:label", f"Talks {neg.index}.{i}, {day.isoformat()}")
                .blank(
                    "pos:evidence",
                    evidence(
                        f"kb:{rng.choice(neg.sources).local}",
                        excerpt=f"the talks on {day.isoformat()}",
                    ),
                )
            )
            for side in sides:
                node.iri("pos:participant", f"kb:{side.local}")
                people = [p for p in neg.people if p.party is side]
                head = rng.choice(people)
                delegation = f"delegation-{neg.index:04d}-{i:04d}-{side.local}"
                node.iri("pos:delegation", f"kb:{delegation}")
                node.iri("pos:attendee", f"kb:{head.local}")
                dnode = (
                    Node()
                    .iri("a", "pos:Delegation")
                    .iri("pos:delegationOf", f"kb:{side.local}")
                    .iri("pos:head", f"kb:{head.local}")
                    .iri("pos:delegate", f"kb:{head.local}")
                    .en("rdfs:label", f"{side.label}'s delegation, {day.isoformat()}")
                    .blank(
                        "pos:evidence",
                        evidence(
                            f"kb:{rng.choice(neg.sources).local}",
                            excerpt=f"head of the delegation, {head.label}",
                        ),
                    )
                )
                self.files.add("meetings.ttl", delegation, dnode)
            self.files.add("meetings.ttl", local, node)
        for i in range(max(1, statements // 150)):
            local = f"appearance-{neg.index:04d}-{i:04d}"
            neg.appearances.append(local)
            node = (
                Node()
                .iri("a", "pos:MediaAppearance")
                .iri("pos:outlet", f"kb:{rng.choice(self.outlets)}")
                .en("rdfs:label", f"Remarks to the press {neg.index}.{i}")
                .blank(
                    "pos:evidence",
                    evidence(f"kb:{rng.choice(neg.sources).local}", excerpt="told reporters"),
                )
            )
            self.files.add("meetings.ttl", local, node)

    def _proposal_and_demands(self, neg: Negotiation, rng: random.Random, count: int) -> None:
        maker, addressee = neg.parties[0], neg.parties[1]
        proposal = (
            Node()
            .iri("a", "pos:Proposal")
            .iri("pos:madeBy", f"kb:{maker.local}")
            .iri("pos:addressedTo", f"kb:{addressee.local}")
            .en("rdfs:label", f"{maker.label}'s proposals, negotiation {neg.index}")
            .blank(
                "pos:evidence",
                evidence(f"kb:{neg.sources[0].local}", excerpt="the draft proposals"),
            )
        )
        for draft in neg.drafts:
            proposal.iri("pos:setOutIn", f"kb:{draft.local}")
        self.files.add("demands.ttl", neg.proposal, proposal)
        for i in range(count):
            local = ANCHOR_DEMAND if (neg.index, i) == (0, 0) else f"demand-{neg.index:04d}-{i:04d}"
            by, to = (maker, addressee) if i % 3 else tuple(rng.sample(neg.parties, 2))
            if local == ANCHOR_DEMAND:
                topic, words = "topic:nato-enlargement", TOPIC_WORDS["nato-enlargement"]
            else:
                topic, words = neg.topic(rng)
            node = (
                Node()
                .iri("a", "pos:Demand")
                .iri("pos:madeBy", f"kb:{by.local}")
                .iri("pos:addressedTo", f"kb:{to.local}")
                .iri("pos:topic", topic)
                .en("pos:summary", f"No further steps on {words} without guarantees.")
                .en("rdfs:label", f"Demand {neg.index}.{i} on {words}")
                .blank(
                    "pos:evidence",
                    evidence(
                        f"kb:{rng.choice(neg.sources).local}",
                        quote=rng.choice(QUOTES).format(t=words),
                    ),
                )
            )
            if i and rng.random() < 0.3:
                node.iri("pos:refines", f"kb:{neg.demands[rng.randrange(len(neg.demands))]}")
            if by is maker and rng.random() < 0.4:
                node.iri("pos:partOf", f"kb:{neg.proposal}")
                if rng.random() < 0.5:  # and the draft it was sent in (dated at the start)
                    draft = next((d for d in neg.drafts if d.to is to), neg.drafts[0])
                    node.iri("pos:statedIn", f"kb:{draft.local}")
            if len(neg.parties) > 2 and rng.random() < 0.2 and local != ANCHOR_DEMAND:
                other = next(p for p in neg.parties if p is not by and p is not to)
                node.iri("pos:addressedTo", f"kb:{other.local}")
            if local == ANCHOR_DEMAND and to.local != "nato":
                node.iri("pos:addressedTo", "kb:nato")
            neg.demands.append(local)
            self.files.add("demands.ttl", local, node)

    def _statements(self, neg: Negotiation, rng: random.Random, dates: list[dt.date]) -> None:
        dated: list[tuple[str, dt.date]] = []
        source_index = 0
        for i, day in enumerate(dates):
            while neg.sources[source_index].published < day:
                source_index += 1
            source = neg.sources[
                rng.randint(source_index, min(source_index + 2, len(neg.sources) - 1))
            ]
            local = (
                ANCHOR_STATEMENT if (neg.index, i) == (0, 0) else f"stmt-{neg.index:04d}-{i:06d}"
            )
            node, own_date = statement(rng, neg, day, source, dated, local=local)
            if own_date:
                dated.append((local, own_date))
            self.files.add("statements.ttl", local, node)

    def _commentary(self, neg: Negotiation, rng: random.Random, count: int) -> None:
        for i in range(count):
            meeting, day = rng.choice(neg.meetings)
            node = (
                Node()
                .iri("a", "pos:Commentary")
                .iri("pos:about", f"kb:{meeting}")
                .iri("pos:commentator", f"kb:{rng.choice(self.outlets)}")
                .en("rdfs:label", f"Commentary on the talks of {day.isoformat()}")
                .blank(
                    "pos:evidence",
                    evidence(
                        f"kb:{rng.choice(neg.sources).local}", excerpt="The talks ended in nothing."
                    ),
                )
            )
            self.files.add("commentary.ttl", f"commentary-{neg.index:04d}-{i:04d}", node)

    # -- the whole base -----------------------------------------------------------------

    def generate(self) -> None:
        self.shared()
        base, extra = divmod(self.statements, self.count)
        for g in range(self.count):
            self.negotiation(g, base + (1 if g < extra else 0))

    def batch(self, size: int) -> str:
        """K new statements, each in one negotiation, linking to nodes already in the base."""
        rng = self.rng("batch", size)
        blocks = []
        for i in range(size):
            neg = rng.choice(self.negotiations)
            source = rng.choice(neg.sources)
            day = max(neg.start, source.published - dt.timedelta(days=rng.randint(0, 10)))
            local = f"stmt-new-{self.seed}-{i:06d}"
            node, _ = statement(rng, neg, day, source, [], local=local)
            blocks.append((local, f"kb:{local} {node.body()} .\n"))
        blocks.sort()
        return "".join(text for _, text in blocks)


def statement(
    rng: random.Random,
    neg: Negotiation,
    day: dt.date,
    source: Source,
    dated: list[tuple[str, dt.date]],
    *,
    local: str,
) -> tuple[Node, dt.date | None]:
    """One statement of about 13 triples, dated consistently with its source and role."""
    speaker = rng.choice(neg.people)
    others = [p for p in neg.parties if p is not speaker.party]
    topic, words = neg.topic(rng)
    node = (
        Node()
        .iri("a", "pos:Statement")
        .iri("pos:speaker", f"kb:{speaker.local}")
        .iri("pos:inRole", f"kb:{speaker.membership}")
        .iri("pos:onBehalfOf", f"kb:{speaker.party.local}")
    )
    # Addressed to another party only when said at no occasion: remarks to the press
    # address no party, and a meeting only its participants (docs/coding.md).
    addressee = rng.choice(others)
    (
        node.iri("pos:stance", f"stance:{rng.choice(STANCES)}")
        .iri("pos:topic", topic)
        .en("rdfs:label", f"{speaker.label} on {words} ({local[-6:]})")
    )
    paraphrase = rng.choice(PARAPHRASES).format(t=words) if rng.random() < 0.5 else None
    node.blank(
        "pos:evidence",
        evidence(
            f"kb:{source.local}", quote=rng.choice(QUOTES).format(t=words), paraphrase=paraphrase
        ),
    )
    roll = rng.random()
    own_date: dt.date | None = None
    if roll < 0.12:  # said at a meeting held on or before ``day``
        held = [m for m in neg.meetings if neg.start <= m[1] <= day]
        if held:
            meeting, day = rng.choice(held)
            node.iri("pos:occasion", f"kb:{meeting}")
        node.date("pos:date", day)
        own_date = day
    elif roll < 0.65:
        node.date("pos:date", day)
        if rng.random() < 0.1 and neg.appearances:
            node.iri("pos:occasion", f"kb:{rng.choice(neg.appearances)}")
        own_date = day
    elif roll < 0.9:  # known only to be on or before the source's publication
        node.date("pos:notAfter", source.published)
    else:
        node.date("pos:notBefore", day).date("pos:notAfter", source.published)
    if "pos:occasion" not in node.props:
        node.iri("pos:addressedTo", f"kb:{addressee.local}")
    latest = own_date or source.published
    earlier = [s for s, when in dated[-50:] if when <= latest]  # a response never precedes
    target = rng.random()
    if target < 0.45:
        node.iri("pos:target", f"kb:{rng.choice(neg.demands)}")
    elif target < 0.55:
        node.iri("pos:target", f"kb:{neg.proposal}")
        node.iri("pos:targetScope", rng.choice(["scope:whole", "scope:unspecified-part"]))
    elif target < 0.7 and earlier:
        node.iri("pos:target", f"kb:{rng.choice(earlier)}")
    elif 0.7 <= target < 0.73:  # a document sent or published by then
        sent = [d.local for d in neg.documents if d.day is not None and d.day <= latest]
        if sent:
            node.iri("pos:target", f"kb:{rng.choice(sent)}")
    return node, own_date


# -- the command -------------------------------------------------------------------------


def write_base(
    out: Path, statements: int, seed: int, batch: int = 0, part_bytes: int = PART_BYTES
) -> dict[str, float]:
    """Write the base (and the batch) to ``out``; returns timings in seconds."""
    started = time.perf_counter()
    if out.exists():
        shutil.rmtree(out)
    for part in ("ontology", "queries"):
        shutil.copytree(ROOT / part, out / part)
    world = World(statements, seed)
    world.generate()
    generated = time.perf_counter()
    world.files.write(out / "data", part_bytes)
    written = time.perf_counter()
    if batch:
        write_turtle(out / "new-statements.ttl", BATCH_PREFIXES, [world.batch(batch)], None)
    return {"generate": generated - started, "write": written - generated}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--batch", type=int, default=0, help="also write K new statements")
    args = parser.parse_args(argv)
    timings = write_base(args.out, args.statements, args.seed, args.batch)
    size = sum(p.stat().st_size for p in (args.out / "data").rglob("*.ttl"))
    print(
        f"{args.statements:,} statements in {args.out} ({size / 1e6:.1f} MB of data): "
        f"generated in {timings['generate']:.1f} s, written in {timings['write']:.1f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
