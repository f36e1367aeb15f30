"""The data says only what its sources say, in their own words.

These tests read the five source documents from ../shared/seeds (beside the
repository, as in CI); without them, from the base's own copies in sources/
(source-NNN.txt, byte for byte the seeds: tests/test_source_texts.py compares them
where both are present, and each copy's SHA-256 is recorded on its source node).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from support import REPO, SEEDS, select


def text_path(local_copy: str) -> Path:
    """The text of the seed named ``local_copy`` (``003_282b302fc0ea8f5b.txt``)."""
    if SEEDS.is_dir():
        return SEEDS / local_copy
    return REPO / "sources" / f"source-{local_copy.split('_', 1)[0]}.txt"


# Where the reader comments begin in the sources that carry them: comments are
# not data, so no excerpt may come from below these markers.
COMMENTS_START = {
    "002_e3bfd45d89a0bb3a.txt": "The US is always pleased to make agreements",
    "004_a9ccaa5368da6218.txt": "Putin should walk away from the discussions.",
}


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def excerpts() -> list[dict[str, str]]:
    return select(
        """SELECT ?holder ?kind ?text ?file WHERE {
             ?holder pos:evidence ?ev .
             ?ev ?kind ?text ; pos:source/pos:localCopy ?file .
             VALUES ?kind { pos:quote pos:paraphrase pos:excerpt }
           }"""
    )


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"source texts not found at {SEEDS}")
def test_the_data_holds_excerpts_from_every_source_document() -> None:
    assert {row["file"] for row in excerpts()} == {p.name for p in SEEDS.glob("*.txt")}


def test_every_quote_and_paraphrase_is_verbatim_from_its_source() -> None:
    missing = []
    for row in excerpts():
        source = normalise(text_path(row["file"]).read_text(encoding="utf-8"))
        if normalise(row["text"]) not in source:
            missing.append((row["holder"], row["text"][:80]))
    assert missing == []


def test_no_excerpt_comes_from_reader_comments() -> None:
    offending = []
    for row in excerpts():
        marker = COMMENTS_START.get(row["file"])
        if not marker:
            continue
        text = text_path(row["file"]).read_text(encoding="utf-8")
        comments = normalise(text[text.index(marker) :])
        article = normalise(text[: text.index(marker)])
        if normalise(row["text"]) not in article and normalise(row["text"]) in comments:
            offending.append(row["text"][:80])
    assert offending == []


def test_a_changed_quote_would_be_caught() -> None:
    """The verbatim check is not vacuous: one altered word is not in the source."""
    row = next(r for r in excerpts() if r["kind"].endswith("quote"))
    altered = row["text"].replace(" ", "  X ", 1)
    source = normalise(text_path(row["file"]).read_text(encoding="utf-8"))
    assert normalise(altered) not in source
