"""Identical input gives identical bytes: the data files are canonical, and
parse -> serialise -> parse gives back the same graph."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from positions.base.datafiles import render_data_file
from support import files

DATA_FILES = files("data")


def parse(path: Path) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.name)
def test_data_file_is_in_canonical_form(path: Path) -> None:
    """A file reads back to exactly its own bytes, so `positions add` diffs stay clean."""
    assert render_data_file(path.name, parse(path)) == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", DATA_FILES + files("ontology"), ids=lambda p: p.name)
def test_parse_serialise_parse_is_isomorphic_and_stable(path: Path) -> None:
    first = render_data_file(path.name, parse(path))
    again = render_data_file(
        path.name, [q.triple for q in ox.parse(first, format=ox.RdfFormat.TURTLE)]
    )
    assert first == again
    original = Graph().parse(str(path), format="turtle")
    round_tripped = Graph().parse(data=first, format="turtle")
    assert len(original) == len(round_tripped)
    assert isomorphic(original, round_tripped)


def test_canonical_form_does_not_depend_on_input_order() -> None:
    triples = parse(DATA_FILES[0])
    assert render_data_file("x.ttl", triples) == render_data_file("x.ttl", list(reversed(triples)))
