"""Loading a large base: data files fast and in parallel; what still goes through the gate."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from positions import KnowledgeBase
from positions.base import store as stores
from positions.errors import InputError
from positions.rdf import rdfio
from support import REPO


def _base(tmp_path: Path) -> Path:
    for part in ("ontology", "data", "queries"):
        shutil.copytree(REPO / part, tmp_path / part)
    return tmp_path


def _named_triples(store: ox.Store) -> set[tuple[str, str, str]]:
    """Every quad without a blank node (each load draws blank nodes afresh)."""
    return {
        (str(q.subject), str(q.predicate), str(q.object))
        for q in store
        if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)
    }


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch) -> None:
    """Treat every base as large, so that its data files take the fast path."""
    monkeypatch.setattr(stores, "LARGE_BASE_BYTES", 0)


def test_fast_loading_is_for_data_files_of_a_large_base_only(tmp_path: Path) -> None:
    kb = KnowledgeBase.open(_base(tmp_path))
    files = kb._files()
    assert stores.fast_loading(files) == set()  # the bundled base is small
    big = tmp_path / "data" / "filler.ttl"
    big.write_text("# " + "x" * stores.LARGE_BASE_BYTES + "\n", encoding="utf-8")
    fast = stores.fast_loading(KnowledgeBase.open(tmp_path)._files())
    assert fast and all(name.startswith("data/") for name in fast)
    assert "data/statements.ttl" in fast


@pytest.mark.parametrize("kind", ["memory", "disk"])
def test_fast_load_gives_the_same_graph_as_the_gate(tmp_path: Path, kind: str, large) -> None:
    reference = ox.Store()  # every file through the gate
    rdfio.load_files(reference, KnowledgeBase.open(REPO)._files())
    kb = KnowledgeBase.open(_base(tmp_path), store=kind)
    try:
        assert len(kb.store) == len(reference)
        assert _named_triples(kb.store) == _named_triples(reference)
        blank_subjects = {q.subject for q in kb.store if isinstance(q.subject, ox.BlankNode)}
        assert len(blank_subjects) == len(
            {q.subject for q in reference if isinstance(q.subject, ox.BlankNode)}
        )
    finally:
        kb.close()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('kb:x rdfs:label "bad \u202e order" .\n', "U+202E"),
        ('kb:x rdfs:label "escaped \\u001b[2J" .\n', "U+001B"),
        ("kb:x pos:count " + "9" * 1200 + " .\n", "digits"),
        ('kb:x rdfs:label "unfinished .\n', "line 5"),
    ],
)
def test_a_flagged_data_file_of_a_large_base_is_refused_with_its_line(
    tmp_path: Path,
    text: str,
    expected: str,
    large,
) -> None:
    base = _base(tmp_path)
    bad = base / "data" / "bad.ttl"
    bad.write_text(
        "@prefix kb: <https://w3id.org/positions/id/> .\n"
        "@prefix pos: <https://w3id.org/positions/vocab#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n\n" + text,
        encoding="utf-8",
    )
    for kind in ("memory", "disk"):
        kb = KnowledgeBase.open(base, store=kind)
        with pytest.raises(InputError) as caught:
            kb.store  # noqa: B018 - opening the store loads the files
        message = str(caught.value)
        assert "data/bad.ttl" in message
        assert expected in message or expected.lower() in message.lower()
        kb.close()


def test_a_failed_fast_load_is_retried_on_the_next_open(tmp_path: Path, large) -> None:
    base = _base(tmp_path)
    statements = base / "data" / "statements.ttl"
    good = statements.read_text(encoding="utf-8")
    statements.write_text(good + "\nkb:broken pos:x .\n", encoding="utf-8")
    kb = KnowledgeBase.open(base, store="disk")
    with pytest.raises(InputError):
        kb.store  # noqa: B018
    kb.close()
    statements.write_text(good, encoding="utf-8")
    kb = KnowledgeBase.open(base, store="disk")
    try:
        assert kb.query("statements").rows
        assert "data/statements.ttl" in kb.disk_store.reloaded
    finally:
        kb.close()


def test_a_large_reload_is_compacted_and_answers_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from positions.progress import Stages

    steps: list[str] = []

    class Recording(Stages):  # the compaction runs inside its own stage
        def __init__(self, first: str = "working") -> None:
            steps.append(first)
            super().__init__(first)

    monkeypatch.setattr(stores, "Stages", Recording)
    monkeypatch.setattr(stores, "COMPACT_FROM_BYTES", 0)
    kb = KnowledgeBase.open(_base(tmp_path), store="disk")
    try:
        rows = kb.query("statements").rows
    finally:
        kb.close()
    assert steps == ["compacting the store"]
    assert rows == KnowledgeBase.open(REPO, store="memory").query("statements").rows


def _loaded_and_compacted(folder: Path, span: bool) -> tuple[int, bool]:
    """The store's files after loading the bundled base and compacting it, and
    whether it holds the same quads as before the compaction."""
    files = [(path, KnowledgeBase.open(REPO).relative(path)) for path in _bundled_files()]
    store = ox.Store(str(folder))
    stores.load_files(store, files, bulk=True)
    loaded = set(store)
    if span:
        stores._span_graph_indexes(store, [relative for _, relative in files])
    store.optimize()
    same = set(store) == loaded
    del store
    return len(list(folder.glob("*.sst"))), same


def _bundled_files() -> list[Path]:
    kb = KnowledgeBase.open(REPO)
    return kb.content_files()


def test_spanning_the_graphs_lets_the_compaction_merge_their_indexes(tmp_path: Path) -> None:
    # Each file's bulk load leaves small files in the graph-keyed indexes that a
    # compaction alone keeps; the spanning write lets it merge them (fewer files
    # for a read-only open to read), and changes nothing the store holds.
    spanned, unchanged = _loaded_and_compacted(tmp_path / "spanned", span=True)
    plain, _ = _loaded_and_compacted(tmp_path / "plain", span=False)
    assert spanned < plain - len(_bundled_files())  # 18 files against 41 when written
    assert unchanged


# --- The byte scan that lets a large base's files skip the gate ---------------------------

# The scan as one regex, as it was first written: the reference the fast scan must agree
# with (the fast one is 16 times quicker, and a disagreement would let a file skip the gate).
_REFERENCE_SCAN = (
    rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]"
    rb"|\\[uU]|[0-9]{%d}"
    rb"|\A\xef\xbb\xbf"  # a byte order mark: the gate drops it, pyoxigraph's loader would not
)


def _reference_clean(data: bytes, limits: rdfio.Limits) -> bool:
    return re.search(_REFERENCE_SCAN % (limits.max_number_digits + 1), data) is None


@pytest.mark.parametrize(
    "data, clean",
    [
        (b'kb:a rdfs:label "Caf\xc3\xa9 \xe2\x80\x9cquoted\xe2\x80\x9d" .\n\t\r', True),
        (b'kb:a rdfs:label "bell \x07" .', False),
        (b'kb:a rdfs:label "DEL \x7f" .', False),
        (b'kb:a rdfs:label "C1 \xc2\x85" .', False),
        (b'kb:a rdfs:label "NBSP \xc2\xa0" .', True),
        (b'kb:a rdfs:label "RLO \xe2\x80\xae" .', False),
        (b'kb:a rdfs:label "FSI \xe2\x81\xa8" .', False),
        (b'kb:a rdfs:label "escape \\u202E" .', False),
        (b'kb:a rdfs:label "escape \\U0001F600" .', False),
        (b"kb:a pos:count " + b"9" * 4 + b" .", True),
        (b'\xef\xbb\xbfkb:a rdfs:label "a byte order mark first" .', False),
        (b'kb:a rdfs:label "one later: \xef\xbb\xbf" .', True),
    ],
)
def test_plainly_clean_cases(data: bytes, clean: bool) -> None:
    assert rdfio.plainly_clean(data) is clean
    assert _reference_clean(data, rdfio.DEFAULT_LIMITS) is clean


def test_plainly_clean_finds_a_run_of_digits_past_the_limit() -> None:
    limits = rdfio.Limits(max_number_digits=5)
    assert rdfio.plainly_clean(b"x 12345 y 0 12345", limits)
    assert not rdfio.plainly_clean(b"x 123456 y", limits)
    assert not rdfio.plainly_clean(b"x 000000", limits)  # zeros are digits too


# Pieces that matter to the scan, mixed with ordinary Turtle and random bytes.
_PIECES = st.sampled_from(
    [b"a", b" ", b"0", b"9", b"\\", b"u", b"U", b"\xc2", b"\x80", b"\x9f", b"\xa0", b"\xe2",
     b"\x81", b"\xa6", b"\xaa", b"\xae", b"\x7f", b"\x00", b"\t", b"\n", b"\r", b'"', b"\xc3"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES | st.binary(max_size=3), max_size=40))
def test_plainly_clean_agrees_with_the_single_regex(pieces: list[bytes]) -> None:
    data = b"".join(pieces)
    limits = rdfio.Limits(max_number_digits=3)
    assert rdfio.plainly_clean(data, limits) == _reference_clean(data, limits)
