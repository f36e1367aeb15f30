"""When two names are one: a name's key, how alike two names are, the nearest nodes.

Used to warn about a new node that looks like one the base has
(:mod:`positions.checking.duplicates`) and to suggest the node an unknown IRI
was meant to name (:mod:`positions.checking.unknown`).  Names are compared by a
*key*: case folded, accents and punctuation dropped, and common spelling
variants of transliterated names made one (Anthony and Antony, Sergei and
Sergey, Alexei and Aleksey, Zelensky and Zelenskyy).  Two names are alike when
their labels are equal, when their keys are, when they are one but for a
middle initial (Joseph R. Biden, Joseph Biden), or when their keys are a small
edit distance apart (one letter from 8 letters, two from 16).

A node's *kind* is the class that decides its data file (a person, a party, a
demand, ...: :data:`positions.base.datafiles.FILE_FOR_CLASS`), so that a
suggestion never names a node of another kind.  Pure functions: no I/O.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from positions.base.datafiles import FILE_FOR_CLASS

# Spelling variants made one in a key, in this order (on lower-case ASCII letters).
_VARIANTS = (("th", "t"), ("ph", "f"), ("kh", "h"), ("ck", "k"), ("ks", "x"), ("y", "i"))
_DOUBLED = re.compile(r"([a-z])\1+")
# How far apart two keys may be to count as near: one edit from this many letters,
# two from twice as many.
NEAR_FROM = 8
# A suggestion scores at least this (difflib's ratio of keys), and within this of the best.
SUGGEST_FROM = 0.75
CLOSE_TO_BEST = 0.05


def _ascii_words(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return re.findall(r"[^\W_]+", plain)


def _word_key(word: str) -> str:
    for old, new in _VARIANTS:
        word = word.replace(old, new)
    word = _DOUBLED.sub(r"\1", word)
    return re.sub(r"e[i]$", "i", word)  # Sergei, Sergey (y -> i: sergei) -> sergi


@functools.lru_cache(maxsize=1 << 16)
def name_key(text: str) -> str:
    """``Antony  Blinken`` and ``ANTHONY BLINKEN`` both give ``antoni blinken``."""
    return " ".join(_word_key(w) for w in _ascii_words(text))


def _without_initials(key: str) -> str:
    words = key.split()
    if len(words) < 3:
        return key
    kept = [words[0], *(w for w in words[1:-1] if len(w) > 1), words[-1]]
    return " ".join(kept)


def edit_distance(a: str, b: str, most: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``most + 1`` once it is over ``most``."""
    if abs(len(a) - len(b)) > most:
        return most + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > most:
            return most + 1
        previous = current
    return previous[-1]


def likeness(a: str, b: str) -> str | None:
    """Why names ``a`` and ``b`` look like one name (words for a message), or None."""
    if a.strip().casefold() == b.strip().casefold():
        return "the same name"
    key_a, key_b = name_key(a), name_key(b)
    if not key_a or not key_b or re.findall(r"\d+", key_a) != re.findall(r"\d+", key_b):
        return None  # numbers tell apart: the meetings of 21 and of 22 January
    if key_a == key_b:
        return "the same name but for case, accents or spelling"
    if _without_initials(key_a) == _without_initials(key_b):
        return "the same name but for a middle initial"
    shorter = min(len(key_a), len(key_b))
    most = shorter // NEAR_FROM
    if most and edit_distance(key_a, key_b, most) <= most and not _short_words_differ(key_a, key_b):
        return "nearly the same name"
    return None


def _short_words_differ(key_a: str, key_b: str) -> bool:
    """Whether two keys differ in a short word (part A, part B; Title I, Title II)."""
    words_a, words_b = key_a.split(), key_b.split()
    if len(words_a) != len(words_b):
        return False
    return any(a != b and min(len(a), len(b)) < 4 for a, b in zip(words_a, words_b, strict=True))


def kind_of(types: Iterable[str], supers: dict[str, set[str]]) -> str | None:
    """The class among :data:`FILE_FOR_CLASS` that ``types`` reach first (None: none)."""
    reached: set[str] = set()
    for t in types:
        reached |= supers.get(t, {t})
    return next((cls for cls, _ in FILE_FOR_CLASS if cls in reached), None)


@dataclass(frozen=True)
class Candidate:
    """A node that may be suggested: its IRI, kind, and names (labels, local name)."""

    iri: str
    kind: str | None
    names: tuple[str, ...]


def local_name(iri: str) -> str:
    """The last part of an IRI, words apart: ``.../id/antony-blinken`` -> ``antony blinken``."""
    tail = re.split(r"[/#:]", iri.rstrip("/#"))[-1]
    return re.sub(r"[-_.]+", " ", tail)


def nearest(
    wanted: str, candidates: Iterable[Candidate], *, kind: str | None = None, n: int = 3
) -> list[Candidate]:
    """The candidates nearest to IRI ``wanted`` by name (its local name against their
    labels and local names), best first; only of ``kind`` when given, else of the kind
    of the nearest one."""
    key = name_key(local_name(wanted))
    if not key:
        return []
    scored: list[tuple[float, str, Candidate]] = []
    for candidate in candidates:
        if kind is not None and candidate.kind != kind:
            continue
        keys = {name_key(name) for name in candidate.names} | {name_key(local_name(candidate.iri))}
        best = max(_score(key, other) for other in keys if other)
        if best >= SUGGEST_FROM:
            scored.append((-best, candidate.iri, candidate))
    scored.sort(key=lambda item: (item[0], item[1]))
    # Only those about as near as the nearest: kb:russa is kb:russia, not the Kremlin.
    found = [candidate for score, _, candidate in scored if score <= scored[0][0] + CLOSE_TO_BEST]
    if kind is None and found:
        found = [c for c in found if c.kind == found[0].kind]
    return found[:n]


def _score(key: str, other: str) -> float:
    if key == other:
        return 1.0
    whole = difflib.SequenceMatcher(None, key, other).ratio()
    # A local name that is a name's surname or a shorter form (kb:blinken, Anthony Blinken).
    words = other.split()
    part = max((difflib.SequenceMatcher(None, key, w).ratio() for w in words), default=0.0)
    return max(whole, part * 0.9 if len(words) > 1 else 0.0)
