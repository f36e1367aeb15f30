"""A deterministic Turtle writer: identical triples give byte-identical text.

rdflib's serialisers order subjects by reference count and label blank nodes
as the parser happened to, so a two-triple change can move a subject by dozens
of lines.  This writer orders everything by what it writes:

* ``@prefix`` lines for the prefixes used, sorted by prefix;
* one block per subject, named subjects sorted by IRI, then labelled blank nodes;
* ``rdf:type`` first (as ``a``), then predicates sorted by their written name,
  objects sorted by kind and text;
* a blank node that is the object of exactly one triple (and not on a cycle) is
  written inline as ``[ ... ]``; any other blank node gets a label derived from
  its content (colour refinement), never from the label the parser gave it.

Nothing recurses on the shape of the data, so a chain of thousands of blank
nodes is written without touching Python's recursion limit.
"""

from __future__ import annotations

import hashlib
import heapq
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping

import pyoxigraph as ox

from positions.rdf.namespaces import PREFIXES

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RDF_DIR_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"

INDENT = "    "
# Inline blank nodes deeper than this are written on one line, so that a deep
# chain does not produce lines of thousands of spaces.
MAX_MULTILINE_DEPTH = 8

# Lexical forms that Turtle reads back, written bare, as exactly the same literal.
_BARE_FORMS = {
    XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    XSD + "double": re.compile(r"[+-]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)[eE][+-]?[0-9]+"),
    XSD + "boolean": re.compile(r"true|false"),
}
_PREFIX_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_LOCAL_NAME = re.compile(r"([A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?)?")

_STRING_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Characters that are legal in Turtle but harmful raw: controls make git treat
# the file as binary or rewrite a terminal; bidi overrides and line separators
# make the text read differently from what it is.
_INVISIBLE = set(range(0x00, 0x20)) | set(range(0x7F, 0xA0))
_INVISIBLE |= set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))
_INVISIBLE |= {0x2028, 0x2029, 0xFEFF, 0x200E, 0x200F, 0x061C}

# escape_string's table: the escapes above, else \uXXXX for the invisible characters.
_ESCAPE_TABLE = {code: f"\\u{code:04X}" for code in _INVISIBLE} | {
    ord(char): text for char, text in _STRING_ESCAPES.items()
}
_NEEDS_ESCAPE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_ESCAPE_TABLE)) + "]")

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def serialize_turtle(
    triples: Iterable[ox.Triple | ox.Quad],
    prefixes: Mapping[str, str] = PREFIXES,
    header: str | None = None,
) -> str:
    """Write ``triples`` (graph names of quads are ignored) as deterministic Turtle."""
    writer = _Writer(_distinct_triples(triples), prefixes)
    blocks = writer.blocks()  # first: writing the blocks records the prefixes used
    return _join(
        _header_lines(header), _prefix_lines(writer.prefixes, writer.used_prefixes), *blocks
    )


def serialize_with_additions(
    old: Iterable[ox.Triple | ox.Quad],
    new: Iterable[ox.Triple | ox.Quad],
    prefixes: Mapping[str, str] = PREFIXES,
    header: str | None = None,
) -> tuple[str, str]:
    """The text of ``old``, and of ``old`` with ``new``, rendering ``old`` only once.

    Exactly ``serialize_turtle(old)`` and ``serialize_turtle(old + new)``.  When
    the addition is plain (new named subjects only, each with its inline blank
    nodes, and no blank node written with a label on either side) a subject's
    block depends on its own triples alone, so the blocks of ``new`` are merged
    into those of ``old`` in their order (by IRI); otherwise ``old + new`` is
    rendered whole.  ``positions add`` renders the file it changes twice
    otherwise: once to write it, once to tell whether it was canonical before.
    """
    old, new = _distinct_triples(old), _distinct_triples(new)
    before = _Writer(old, prefixes)
    old_blocks = [] if before.labelled else before.keyed_blocks()
    written = before.blocks() if before.labelled else [b for _, b in old_blocks]
    old_text = _join(
        _header_lines(header), _prefix_lines(before.prefixes, before.used_prefixes), *written
    )
    added = _Writer(new, prefixes)
    plain = (
        not before.labelled
        and not added.labelled
        and not set(added.by_subject) & set(before.by_subject)
        and all(isinstance(s, ox.NamedNode) or s in added.inline for s in added.by_subject)
    )
    if not plain:
        whole = _Writer(old | new, prefixes)
        blocks = whole.blocks()
        return old_text, _join(
            _header_lines(header), _prefix_lines(whole.prefixes, whole.used_prefixes), *blocks
        )
    merged = heapq.merge(old_blocks, added.keyed_blocks())
    used = before.used_prefixes | added.used_prefixes
    text = _join(
        _header_lines(header), _prefix_lines(before.prefixes, used), *(b for _, b in merged)
    )
    return old_text, text


def serialize_trig(
    graphs: Iterable[tuple[ox.NamedNode | None, Iterable[ox.Triple | ox.Quad]]],
    prefixes: Mapping[str, str] = PREFIXES,
    header: str | None = None,
) -> str:
    """Write ``(graph name, triples)`` pairs as TriG, one ``GRAPH { }`` block each.

    Graphs are written in the order given (None, the default graph, without
    braces).  Blank node labels are salted with the graph name: in TriG a label
    is shared by the whole document, and two graphs must not share a node just
    because their nodes look alike.
    """
    used: set[str] = set()
    known: dict[str, str] = {}
    sections = []
    for name, triples in graphs:
        writer = _Writer(_distinct_triples(triples), prefixes, salt=name.value if name else "")
        blocks = writer.blocks()
        used |= writer.used_prefixes
        known = writer.prefixes
        if name is None:
            sections.extend(blocks)
        else:
            body = "\n".join(blocks)
            indented = "".join(INDENT + line if line else line for line in body.splitlines(True))
            sections.append(f"<{_escape_iri(name.value)}> {{\n{indented}}}\n")
    return _join(_header_lines(header), _prefix_lines(known, used), *sections)


def blank_node_labels(
    triples: Iterable[ox.Triple | ox.Quad], salt: str = ""
) -> dict[ox.BlankNode, str]:
    """A label for every blank node, derived from content, for line-based formats.

    Labels are those the Turtle writer uses for shared nodes; a node it would
    write inline is named from its parent's label, its predicate and its text,
    top-down, so that identical siblings (which are interchangeable) are the
    only ties, numbered in any order without changing the output.
    """
    writer = _Writer(_distinct_triples(triples), PREFIXES, salt=salt)
    labels = dict(writer.labels)
    inline = writer.render_inline(labels)
    pending = sorted(writer.inline, key=lambda b: writer.depth[b])
    keys: dict[str, list[ox.BlankNode]] = defaultdict(list)
    for depth in sorted({writer.depth[b] for b in pending}):
        keys.clear()
        for node in (b for b in pending if writer.depth[b] == depth):
            parent, predicate = writer.referrers[node][0]
            where = (
                writer.term(parent, labels, inline)
                if not isinstance(parent, ox.BlankNode)
                else labels[parent]
            )
            keys[_hash(salt, where, predicate.value, inline[node])].append(node)
        for key, nodes in keys.items():
            for index, node in enumerate(nodes):
                labels[node] = "b" + _hash(key, str(index))[:16]
    return labels


def _distinct_triples(
    items: Iterable[ox.Triple | ox.Quad],
) -> set[tuple[Term, ox.NamedNode, Term]]:
    return {(item.subject, item.predicate, item.object) for item in items}


class _Writer:
    """One serialisation: the triples indexed by subject, blank nodes classified."""

    def __init__(
        self,
        triples: set[tuple[Term, ox.NamedNode, Term]],
        prefixes: Mapping[str, str],
        salt: str = "",
    ) -> None:
        self.prefixes = {p: ns for p, ns in prefixes.items() if _PREFIX_NAME.fullmatch(p)}
        self.used_prefixes: set[str] = set()
        self._iris: dict[str, str] = {}
        self.by_subject: dict[Term, list[tuple[ox.NamedNode, Term]]] = defaultdict(list)
        self.referrers: dict[ox.BlankNode, list[tuple[Term, ox.NamedNode]]] = defaultdict(list)
        for s, p, o in triples:
            self.by_subject[s].append((p, o))
            if isinstance(o, ox.BlankNode):
                self.referrers[o].append((s, p))
        self.inline = self._inline_blank_nodes()
        self.depth = self._inline_depths()
        blank_subjects = {s for s in self.by_subject if isinstance(s, ox.BlankNode)}
        self.labelled = sorted(
            (blank_subjects | set(self.referrers)) - self.inline, key=lambda b: b.value
        )
        colours = _canonical_colours(self)
        self.labels = _short_labels({b: _hash(salt, c) if salt else c for b, c in colours.items()})

    # -- classifying blank nodes -------------------------------------------------

    def _inline_blank_nodes(self) -> set[ox.BlankNode]:
        """Blank nodes referenced exactly once and not on a cycle of such nodes."""
        candidates = {b for b, refs in self.referrers.items() if len(refs) == 1}
        on_cycle: set[ox.BlankNode] = set()
        state: dict[ox.BlankNode, int] = {}  # 1 = on the current walk, 2 = finished
        for start in candidates:
            walk: list[ox.BlankNode] = []
            node: Term = start
            while node in candidates and node not in state:
                state[node] = 1
                walk.append(node)
                node = self.referrers[node][0][0]
            if node in candidates and state.get(node) == 1:
                on_cycle.update(walk[walk.index(node) :])
            for visited in walk:
                state[visited] = 2
        return candidates - on_cycle

    def _inline_depths(self) -> dict[ox.BlankNode, int]:
        """How deep each inline blank node sits below the block that writes it."""
        depth: dict[ox.BlankNode, int] = {}
        for node in self.inline:
            chain: list[ox.BlankNode] = []
            current: Term = node
            while isinstance(current, ox.BlankNode) and current in self.inline:
                if current in depth:
                    break
                chain.append(current)
                current = self.referrers[current][0][0]
            base = depth.get(current, 0)
            for offset, member in enumerate(reversed(chain), start=1):
                depth[member] = base + offset
        return depth

    # -- writing terms ------------------------------------------------------------

    def iri(self, value: str) -> str:
        written = self._iris.get(value)
        if written is None:  # the same IRIs recur: a file names a few hundred nodes often
            written = self._iris[value] = self._compact(value)
        return written

    def _compact(self, value: str) -> str:
        best: tuple[int, str] | None = None
        for prefix, namespace in self.prefixes.items():
            fits = value.startswith(namespace) and _LOCAL_NAME.fullmatch(value[len(namespace) :])
            if fits and (best is None or len(namespace) > best[0]):
                best = (len(namespace), prefix)
        if best is None:
            return "<" + _escape_iri(value) + ">"
        self.used_prefixes.add(best[1])
        return f"{best[1]}:{value[best[0] :]}"

    def predicate(self, node: ox.NamedNode) -> str:
        return "a" if node.value == RDF_TYPE else self.iri(node.value)

    def literal(self, node: ox.Literal) -> str:
        datatype = node.datatype.value
        pattern = _BARE_FORMS.get(datatype)
        if pattern is not None and pattern.fullmatch(node.value):
            return node.value
        text = '"' + escape_string(node.value) + '"'
        if node.language:
            direction = f"--{node.direction}" if getattr(node, "direction", None) else ""
            return f"{text}@{node.language}{direction}"
        if datatype == XSD_STRING:
            return text
        return f"{text}^^{self.iri(datatype)}"

    def term(self, node: Term, names: Mapping[ox.BlankNode, str], inline: Mapping) -> str:
        """A term's text; inline blank nodes come from ``inline``, others from ``names``."""
        if isinstance(node, ox.NamedNode):
            return self.iri(node.value)
        if isinstance(node, ox.Literal):
            return self.literal(node)
        if isinstance(node, ox.BlankNode):
            return inline[node] if node in self.inline else "_:" + names[node]
        inner = " ".join(
            self.term(part, names, inline) for part in (node.subject, node.predicate, node.object)
        )
        return f"<<( {inner} )>>"

    # -- writing blocks -------------------------------------------------------------

    def render_inline(self, names: Mapping[ox.BlankNode, str]) -> dict[ox.BlankNode, str]:
        """The text of every inline blank node, deepest first (no recursion)."""
        texts: dict[ox.BlankNode, str] = {}
        for node in sorted(self.inline, key=lambda b: -self.depth[b]):
            groups = self.groups(node, names, texts)
            if not groups:
                texts[node] = "[]"
            elif self.depth[node] > MAX_MULTILINE_DEPTH:
                body = " ; ".join(f"{p} {', '.join(objects)}" for p, objects in groups)
                texts[node] = f"[ {body} ]"
            else:
                texts[node] = "[\n" + INDENT + _predicate_list(groups) + "\n]"
        return texts

    def groups(
        self, subject: Term, names: Mapping[ox.BlankNode, str], inline: Mapping
    ) -> list[tuple[str, list[str]]]:
        """``(predicate, sorted objects)`` pairs in writing order: ``a`` first."""
        by_predicate: dict[str, list[tuple[tuple, str]]] = defaultdict(list)
        for predicate, obj in self.by_subject.get(subject, ()):
            text = self.term(obj, names, inline)
            by_predicate[self.predicate(predicate)].append((_object_key(obj, text), text))
        ordered = sorted(by_predicate, key=lambda p: (p != "a", p))
        return [(p, [text for _, text in sorted(by_predicate[p])]) for p in ordered]

    def keyed_blocks(self, inline: Mapping | None = None) -> list[tuple[str, str]]:
        """The named subjects' blocks, each with its IRI, in writing order (by IRI)."""
        names = self.labels
        inline = self.render_inline(names) if inline is None else inline
        named = sorted(
            (s for s in self.by_subject if isinstance(s, ox.NamedNode)), key=lambda s: s.value
        )
        out = []
        for subject in named:
            groups = self.groups(subject, names, inline)
            if groups:
                out.append((subject.value, self._block(subject, groups, names, inline)))
        return out

    def blocks(self) -> list[str]:
        """One ``subject ... .`` block per subject: named ones by IRI, then labelled."""
        names = self.labels
        inline = self.render_inline(names)
        blocks = [block for _, block in self.keyed_blocks(inline)]
        for subject in sorted(self.labelled, key=lambda b: names[b]):
            groups = self.groups(subject, names, inline)
            if groups:  # a labelled blank node that is only ever an object has no block
                blocks.append(self._block(subject, groups, names, inline))
        return blocks

    def _block(
        self,
        subject: Term,
        groups: list[tuple[str, list[str]]],
        names: Mapping[ox.BlankNode, str],
        inline: Mapping,
    ) -> str:
        return f"{self.term(subject, names, inline)} {_predicate_list(groups)} .\n"


def _header_lines(header: str | None) -> str:
    if not header:
        return ""
    return "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())


def _prefix_lines(prefixes: Mapping[str, str], used: set[str]) -> str:
    return "".join(f"@prefix {p}: <{_escape_iri(prefixes[p])}> .\n" for p in sorted(used))


def _join(*parts: str) -> str:
    """Sections separated by one blank line; empty sections leave no trace."""
    return "\n".join(part for part in parts if part)


def _predicate_list(groups: list[tuple[str, list[str]]]) -> str:
    """``p o1,\\n        o2 ;\\n    q o3``: relative to a line indented by one step."""
    written = []
    for predicate, objects in groups:
        first = _reindent(objects[0], INDENT)
        rest = "".join(f",\n{INDENT * 2}{_reindent(o, INDENT * 2)}" for o in objects[1:])
        written.append(f"{predicate} {first}{rest}")
    return f" ;\n{INDENT}".join(written)


def _reindent(text: str, indent: str) -> str:
    return text.replace("\n", "\n" + indent) if "\n" in text else text


def _object_key(node: Term, text: str) -> tuple:
    """Stable order of objects: IRIs, blank nodes, literals, then by their text."""
    if isinstance(node, ox.NamedNode):
        return (0, node.value, "", "")
    if isinstance(node, ox.BlankNode):
        return (1, text, "", "")
    if isinstance(node, ox.Literal):
        return (2, node.value, node.datatype.value, node.language or "")
    return (3, text, "", "")


def escape_string(value: str) -> str:
    """Escape a string for a single-line Turtle literal; controls become ``\\uXXXX``."""
    # Only the characters that need it are looked at (a change log holds long literals).
    return _NEEDS_ESCAPE.sub(lambda m: _ESCAPE_TABLE[ord(m.group())], value)


def _escape_iri(value: str) -> str:
    # A valid IRI holds no ASCII control or space, but may hold bidi controls.
    return "".join(f"\\u{ord(c):04X}" if ord(c) in _INVISIBLE else c for c in value)


# -- canonical blank node labels ------------------------------------------------------


def _hash(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def _canonical_colours(writer: _Writer) -> dict[ox.BlankNode, str]:
    """Colours (hashes) for the blank nodes that cannot be inline, from their content alone.

    Colour refinement: each node's colour is rehashed from its edges (with the
    colours of its neighbours) until the partition stops splitting.  Nodes left
    tied are symmetric in all but pathological graphs; one of them is singled
    out and refinement resumes, so every node ends with a colour of its own.
    """
    nodes = writer.labelled
    if not nodes:
        return {}
    colours = {b: _hash("") for b in nodes}
    colours = _refine(writer, colours)
    while len(set(colours.values())) < len(nodes):
        classes: dict[str, list[ox.BlankNode]] = defaultdict(list)
        for node in nodes:
            classes[colours[node]].append(node)
        tied = min(colour for colour, members in classes.items() if len(members) > 1)
        chosen = classes[tied][0]
        colours[chosen] = _hash(tied, "individualised")
        colours = _refine(writer, colours)
    return colours


def _refine(writer: _Writer, colours: dict[ox.BlankNode, str]) -> dict[ox.BlankNode, str]:
    count = len(set(colours.values()))
    while True:
        inline = writer.render_inline(colours)
        context = _inline_contexts(writer, colours, inline)
        refined = {node: _signature(writer, node, colours, inline, context) for node in colours}
        new_count = len(set(refined.values()))
        if new_count <= count:
            return colours
        colours, count = refined, new_count


def _inline_contexts(
    writer: _Writer, colours: Mapping[ox.BlankNode, str], inline: Mapping[ox.BlankNode, str]
) -> dict[ox.BlankNode, str]:
    """Where each inline node hangs: a hash of its path from the block that writes it."""
    context: dict[ox.BlankNode, str] = {}
    for node in sorted(writer.inline, key=lambda b: writer.depth[b]):
        parent, predicate = writer.referrers[node][0]
        if isinstance(parent, ox.BlankNode) and parent in writer.inline:
            where = context[parent]
        else:
            where = writer.term(parent, colours, inline)
        context[node] = _hash(where, predicate.value, inline[node])
    return context


def _signature(
    writer: _Writer,
    node: ox.BlankNode,
    colours: Mapping[ox.BlankNode, str],
    inline: Mapping[ox.BlankNode, str],
    context: Mapping[ox.BlankNode, str],
) -> str:
    outgoing = sorted(
        f"{p.value} {writer.term(o, colours, inline)}" for p, o in writer.by_subject.get(node, ())
    )
    incoming = sorted(
        f"{context[s] if s in writer.inline else writer.term(s, colours, inline)} {p.value}"
        for s, p in writer.referrers.get(node, ())
    )
    return _hash(colours[node], "\n".join(outgoing), "|", "\n".join(incoming))


def _short_labels(colours: Mapping[ox.BlankNode, str]) -> dict[ox.BlankNode, str]:
    """``b`` and the shortest prefix of each colour that keeps labels distinct."""
    for length in (10, 16, 64):
        labels = {node: "b" + colour[:length] for node, colour in colours.items()}
        if len(set(labels.values())) == len(labels):
            return labels
    raise AssertionError("distinct colours gave equal labels")  # pragma: no cover
