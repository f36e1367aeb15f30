"""bench/scale.py picks a typical speaker and a typical topic for its variants."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from positions import KnowledgeBase
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


def test_typical_topic_is_a_negotiation_topic_with_few_statements(tmp_path: Path) -> None:
    bench_module("synth").write_base(tmp_path / "kb", 4000, seed=1, part_bytes=100_000)
    scale = bench_module("scale")
    topic = scale.typical_topic(tmp_path / "kb")
    assert topic is not None and topic.startswith(scale.KB_IRI + "topic-")
    assert scale.typical_topic(tmp_path / "kb") == topic  # read from the files: the same

    specs = {q["label"]: q for q in scale.saved_queries(tmp_path / "kb")}
    for name in scale.TYPICAL_TOPIC_QUERIES:
        typical = specs[f"{name} (one topic)"]
        assert typical["params"] == {"topic": topic}
        assert typical["bindings"]["_topic_iri"] == ["iri", topic]
        assert specs[name]["params"] == {}

    kb = KnowledgeBase.open(tmp_path / "kb")
    everywhere = len(kb.query("statements-by-topic").to_dicts())  # topic:nato-enlargement
    mine = len(kb.query("statements-by-topic", topic=topic).to_dicts())
    assert 1 <= mine <= everywhere // 2  # selective, where the default is a share of the base


def test_run_peak_times_the_command_not_its_wrapper() -> None:
    scale = bench_module("scale")
    sleeper = [sys.executable, "-c", "import time, sys; time.sleep(0.3); sys.exit(3)"]
    result = scale.run_peak(sleeper)
    assert result["code"] == 3
    assert result["peak_bytes"] and result["peak_bytes"] > 1_000_000
    assert 0.3 <= result["seconds"] < 5
    # The wrapper's own interpreter is not counted: for a process that does
    # nothing, the wrapper's start-up is nearly all of the wall time.
    started = time.perf_counter()
    seconds = scale.run_peak(["true"])["seconds"]
    assert seconds < (time.perf_counter() - started) / 2


def test_run_stops_what_the_command_started_at_the_timeout() -> None:
    scale = bench_module("scale")
    started = time.perf_counter()
    result = scale.run_peak(["sleep", "30"], timeout=0.5)
    assert time.perf_counter() - started < 10  # the wrapper's child was killed too
    assert "stopped after 0.5 s" in result["stderr"]
