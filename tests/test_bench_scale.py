"""bench/scale.py picks a typical speaker for the queries about one node."""

from __future__ import annotations

from pathlib import Path

from positions.kb import KnowledgeBase
from support import bench_module


def test_typical_speaker_speaks_in_few_statements(tmp_path: Path) -> None:
    bench_module("synth").write_base(tmp_path / "kb", 1000, seed=1, part_bytes=100_000)
    scale = bench_module("scale")
    speaker = scale.typical_speaker(tmp_path / "kb")
    assert speaker is not None and speaker.startswith(scale.KB_IRI)

    kb = KnowledgeBase.open(tmp_path / "kb")
    total = kb.query("SELECT (COUNT(*) AS ?n) WHERE { ?s pos:speaker ?who }").to_dicts()[0]["n"]
    own = kb.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s pos:speaker <{speaker}> }}")
    mine = own.to_dicts()[0]["n"]
    assert 1 <= mine <= total // 20  # a speaker among many, not a hub

    specs = {q["label"]: q for q in scale.saved_queries(tmp_path / "kb")}
    for name in scale.TYPICAL_NODE_QUERIES:
        typical = specs[f"{name} (one speaker)"]
        assert typical["params"] == {"node": speaker}
        assert typical["bindings"]["_node_iri"] == ["iri", speaker]
        assert specs[name]["params"] == {}
