"""bench/tables.py: the markdown tables in docs/performance.md come from the benchmark's JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support import bench_module


def _tables():
    return bench_module("tables")


RUN = {
    "statements": 1_000_000,
    "stores": {
        "disk": {
            "load": {
                "first": {"triples": 13_000_000, "load": 100.0},
                "first_peak": 2 * 1024**3,
                "error": None,
                "reference": {"triples": 13_000_000, "load": 125.0},
                "reopen": {"triples": 13_000_000, "load": 0.15},
            },
            "validation": {"seconds": 300.0, "peak_bytes": 1024**3, "error": None},
            "add": {"incremental_validate": 1.5, "add": 2.0},
            "queries": [
                {
                    "name": "fast",
                    "parameterised": True,
                    "runs": 3,
                    "end_to_end": 0.5,
                    "rows": 42,
                    "error": None,
                    "direct": 0.25,
                },
                {
                    "name": "slow",
                    "parameterised": False,
                    "runs": 1,
                    "end_to_end": 120.0,
                    "rows": None,
                    "error": "exit 2: Error: slow ran past the time limit of 120 s",
                    "direct": None,
                    "direct_error": "exit -9: stopped after 150 s",
                },
            ],
        }
    },
}


def test_tables_compute_rates_and_ratios_from_the_json(tmp_path: Path, capsys) -> None:
    result = tmp_path / "run.json"
    result.write_text(json.dumps([RUN]), encoding="utf-8")
    assert _tables().main([str(result)]) == 0
    out = capsys.readouterr().out
    assert "| 1M | disk | 100.0 s | 130,000 | 125.0 s | x0.80 | 0.150 s | 2.00 GiB |" in out
    assert "| 1M | disk | 1.50 s | 2.00 s | 300.0 s, 1.00 GiB | x150 |" in out
    assert "| fast | parameterised | 42 | 0.50 | 0.25 | x2.00 | 3 |" in out
    assert "| slow | whole base |  | over 120 s (stopped) | over 150 s (stopped) |  | 1 |" in out


def test_tables_refuse_a_file_that_is_not_a_result(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"not": "a list"}', encoding="utf-8")
    with pytest.raises(SystemExit, match="wrong.json: expected a list"):
        _tables().main([str(wrong)])
