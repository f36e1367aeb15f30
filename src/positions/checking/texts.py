"""Excerpts checked against the texts of their sources: the quote-in-text rule.

A source may keep its full text in the base, as ``sources/<name>.txt``
(``<name>``: the source's name in ``kb:``), with the SHA-256 of that file
recorded on the source node (``pos:textSha256``).  Then every ``pos:quote``,
``pos:paraphrase`` and ``pos:excerpt`` of a piece of evidence that names the
source must be found in the text, after both are normalised
(:func:`normalise`: Unicode NFC, typographic quotes as straight ones, runs of
white space as one space).  What is found:

* an excerpt that is not in its source's text: a violation, at the line of the
  file where the excerpt is written;
* a text whose SHA-256 is not the recorded one: a violation (the text, or the
  digest, was changed by hand);
* a digest recorded but no text in this base: a warning (a source with no text
  at all gets the warning of ``shapes:SourceHasText``).

The texts are read from the base's ``sources/`` folder only
(:meth:`positions.base.layout.Layout.source_text`); they are never loaded into
the store.  Called by :func:`positions.checking.validate.validate` and
:func:`positions.checking.incremental.validate_new` on the files they validate.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from positions.base.layout import SOURCE_TEXT_SUFFIX, SOURCES_DIR, Layout
from positions.checking.report import VIOLATION, WARNING, Problem
from positions.checking.sources import SourceFile
from positions.checking.terms import node_label
from positions.rdf.namespaces import DATA, PREFIXES, compact

if TYPE_CHECKING:  # rdflib costs half a second to import: see positions.checking.validate
    from rdflib import Graph

    from positions.checking.locate import Locator

POS = PREFIXES["pos"]
TEXT_SHA256 = POS + "textSha256"
SOURCE = POS + "source"
WORDS = {POS + "quote": "quote", POS + "paraphrase": "paraphrase", POS + "excerpt": "excerpt"}
SHAPE = "checks/source-texts"

# Typographic quotation marks and primes, read as the straight ones.
_QUOTES = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u0060\u00b4", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
    }
)
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """``text`` as excerpts are compared: NFC, straight quotes, single spaces, trimmed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text).translate(_QUOTES)).strip()


def text_name(source: str) -> str:
    """The name of a source's text file: its name in ``kb:``, else the IRI's last segment."""
    if source.startswith(DATA):
        return source[len(DATA) :]
    return re.split(r"[/#]", source)[-1]


def text_file(source: str) -> str:
    """How problems name the text file of ``source``: ``sources/<name>.txt``."""
    return f"{SOURCES_DIR}/{text_name(source)}{SOURCE_TEXT_SUFFIX}"


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, as ``sha256sum`` prints it."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class _Words:
    evidence: ox.NamedNode | ox.BlankNode
    kind: str  # quote, paraphrase or excerpt
    predicate: str
    text: str


def text_problems(
    layout: Layout, files: list[SourceFile], data: Graph, locator: Locator
) -> Iterator[Problem]:
    """The problems of the quote-in-text rule in the union of ``files`` (see the module)."""
    digests: dict[str, list[str]] = {}
    cited: dict[ox.NamedNode | ox.BlankNode, list[str]] = {}
    words: list[_Words] = []
    for source in files:
        for quad in source.quads:
            predicate = quad.predicate.value
            if predicate == TEXT_SHA256 and isinstance(quad.subject, ox.NamedNode):
                digests.setdefault(quad.subject.value, []).append(quad.object.value)
            elif predicate == SOURCE and isinstance(quad.object, ox.NamedNode):
                cited.setdefault(quad.subject, []).append(quad.object.value)
            elif predicate in WORDS and isinstance(quad.object, ox.Literal):
                words.append(_Words(quad.subject, WORDS[predicate], predicate, quad.object.value))
    texts = _Texts(layout)
    for source, recorded in sorted(digests.items()):
        yield from _digest_problems(texts, source, recorded, data, locator)
    for said in words:
        for source in cited.get(said.evidence, ()):
            text = texts.normalised(source, digests.get(source, []))
            if text is not None and normalise(said.text) not in text:
                yield _not_in_text(said, source, data, locator, files)


def store_text_problems(
    layout: Layout, store: ox.Store, data: Graph, locator: Locator
) -> Iterator[Problem]:
    """:func:`text_problems` of the whole base, read from its store (the quads of digests,
    sources and words only); a problem is placed at its node's line."""
    quads = [
        quad
        for predicate in (TEXT_SHA256, SOURCE, *WORDS)
        for quad in store.quads_for_pattern(None, ox.NamedNode(predicate), None, None)
    ]
    yield from text_problems(layout, [SourceFile(Path(), "", quads)], data, locator)


class _Texts:
    """The texts of the sources, read and normalised once each."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self._read: dict[str, str | None] = {}

    def path(self, source: str) -> Path | None:
        return self.layout.source_text(text_name(source))

    def normalised(self, source: str, digests: list[str]) -> str | None:
        """The normalised text of a source that records a digest, or None (no text)."""
        if not digests:
            return None
        if source not in self._read:
            path = self.path(source)
            raw = path.read_bytes().decode("utf-8", errors="replace") if path else None
            self._read[source] = normalise(raw) if raw is not None else None
        return self._read[source]


def _digest_problems(
    texts: _Texts, source: str, recorded: list[str], data: Graph, locator: Locator
) -> Iterator[Problem]:
    from rdflib import URIRef

    path = texts.path(source)
    shown = text_file(source)
    where = locator.locate(URIRef(source))
    if path is None:
        yield _problem(
            where,
            data,
            WARNING,
            _literal(recorded[0]),
            f"pos:textSha256 is recorded, but this base has no text {shown}, so the excerpts "
            f"of this source cannot be checked; put the source's text there.",
        )
        return
    actual = sha256_of(path)
    for digest in recorded:
        if digest != actual:
            yield _problem(
                where,
                data,
                VIOLATION,
                _literal(digest),
                f"The text {shown} does not match this pos:textSha256 (its SHA-256 is "
                f"{actual}): the text or the digest was changed. Restore the text, or record "
                "the digest of the corrected text.",
            )


def _not_in_text(
    said: _Words, source: str, data: Graph, locator: Locator, files: list[SourceFile]
) -> Problem:
    from rdflib import BNode, URIRef

    node = said.evidence
    where = locator.locate(
        URIRef(node.value) if isinstance(node, ox.NamedNode) else BNode(node.value)
    )
    shown = text_file(source)
    problem = _problem(
        where,
        data,
        VIOLATION,
        _literal(said.text),
        f"This {said.kind} is not in the text of {compact(source)} ({shown}), even with spaces "
        "and typographic quotes set aside: copy the source's words exactly as they are, or put "
        "words of your own in pos:summary.",
        path=compact(said.predicate),
    )
    line = _line_of(said.text, where.file, where.line, files)
    return problem if line is None else _with_line(problem, line)


def _problem(
    where: object,
    data: Graph,
    severity: str,
    value: str | None,
    message: str,
    *,
    path: str = "pos:textSha256",
) -> Problem:
    return Problem(
        file=where.file,  # type: ignore[attr-defined]
        line=where.line,  # type: ignore[attr-defined]
        focus=where.iri,  # type: ignore[attr-defined]
        focus_compact=where.compact,  # type: ignore[attr-defined]
        label=node_label(data, where.named),  # type: ignore[attr-defined]
        path=path,
        value=value,
        severity=severity,
        message=message,
        source_shape=SHAPE,
    )


def _with_line(problem: Problem, line: int) -> Problem:
    from dataclasses import replace

    return replace(problem, line=line)


def _literal(text: str) -> str:
    """A literal as problems show it: quoted, cut after 80 characters."""
    import json

    shown = text if len(text) <= 80 else text[:77] + "..."
    return json.dumps(shown, ensure_ascii=False)


def _line_of(
    text: str, file: str | None, after: int | None, files: Iterable[SourceFile]
) -> int | None:
    """The line of ``file`` where the excerpt ``text`` begins (from line ``after`` on)."""
    source = next((f for f in files if f.name == file), None)
    if source is None:
        return None
    # The first words, up to a character Turtle may escape or a line break.
    start = re.split(r'["\\\n\r\t]', text, maxsplit=1)[0][:40]
    if len(start) < 8:
        return None
    for number, line in enumerate(source.text_lines[(after or 1) - 1 :], start=after or 1):
        if start in line:
            return number
    return None
