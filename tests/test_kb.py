"""The knowledge base object: where it is found, and what it reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from positions import KnowledgeBase
from positions.base.journal import TEMP_PREFIX
from positions.base.layout import JOURNAL_NAME
from positions.errors import NotABase


def test_open_finds_the_folder_given(base: Path) -> None:
    assert KnowledgeBase.open(base).root == base


def test_open_refuses_a_folder_that_is_not_a_base(tmp_path: Path) -> None:
    with pytest.raises(NotABase, match="needs ontology/, data/ and queries/"):
        KnowledgeBase.open(tmp_path)


def test_open_uses_the_environment_variable(base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSITIONS_KB", str(base))
    assert KnowledgeBase.open().root == base.resolve()


def test_reading_finishes_an_interrupted_add_first(base: Path) -> None:
    """A journal left by a killed add is rolled forward before any query reads data/."""
    data = base / "data"
    target = data / "parties.ttl"
    new_text = target.read_text(encoding="utf-8").replace(
        'rdfs:label "Vienna"@en', 'rdfs:label "Vienna"@en, "Wien"@de'
    )
    temp = data / f"{TEMP_PREFIX}parties.ttl.part"
    temp.write_text(new_text, encoding="utf-8")
    (data / JOURNAL_NAME).write_text(
        json.dumps({"replace": [{"temp": temp.name, "final": "parties.ttl"}]}), encoding="utf-8"
    )
    kb = KnowledgeBase.open(base)
    assert kb.query('ASK { kb:vienna rdfs:label "Wien"@de }').boolean is True
    assert not (data / JOURNAL_NAME).exists()
    assert not temp.exists()
    assert target.read_text(encoding="utf-8") == new_text
