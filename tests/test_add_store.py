"""`positions add` updates the files and the store together."""

from __future__ import annotations

from pathlib import Path

import pytest

from positions import KnowledgeBase
from positions.adding.apply import apply
from positions.adding.plan import plan_add
from support import copy_bundled

NEW = """@prefix kb: <https://w3id.org/positions/id/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix pos: <https://w3id.org/positions/vocab#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
kb:belarus a pos:State ; rdfs:label "Belarus"@en ;
    owl:sameAs <http://www.wikidata.org/entity/Q184> .
"""


@pytest.mark.parametrize("store", ["memory", "disk"])
def test_an_added_fact_is_in_the_store_without_a_reload(tmp_path: Path, store: str) -> None:
    copy_bundled(tmp_path)
    new = tmp_path / "new.ttl"
    new.write_text(NEW, encoding="utf-8")
    kb = KnowledgeBase.open(tmp_path, store=store)
    assert kb.query("ASK { kb:belarus a pos:State }").boolean is False  # store loaded
    outcome = apply(kb, plan_add(kb, [new]))
    assert outcome.written
    assert kb.query("ASK { kb:belarus a pos:State }").boolean is True
    kb.close()
    again = KnowledgeBase.open(tmp_path, store=store)
    assert again.query('ASK { kb:belarus rdfs:label "Belarus"@en }').boolean is True
    again.close()
