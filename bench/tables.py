"""Markdown tables from the JSON that ``bench/scale.py --json FILE`` writes.

    python bench/tables.py bench/out/scale-small.json bench/out/scale-1m.json

One table of loads, one of validation and add, and one of saved queries per
(size, store): end to end, direct, their ratio, rows, runs. The tables in
docs/performance.md are this script's output, so that the figures there are
the benchmark's and not retyped.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

GIB = 1024**3
LOAD_COLUMNS = [
    "statements",
    "store",
    "first load",
    "triples/s",
    "pyoxigraph alone",
    "positions / pyoxigraph (time)",
    "re-open unchanged",
    "peak",
]
QUERY_COLUMNS = ["query", "kind", "rows", "end to end", "direct", "ratio", "runs"]
VALIDATION_COLUMNS = [
    "statements",
    "store",
    "incremental check of 100",
    "add of 100, end to end",
    "whole-base validation (same files for every store)",
    "whole-base / add",
]


def _size(statements: int) -> str:
    return f"{statements // 1_000_000}M" if statements >= 1_000_000 else f"{statements // 1000}k"


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(columns: list[str], rows: list[list[str]]) -> list[str]:
    return [_row(columns), _row(["---"] * len(columns)), *map(_row, rows)]


def _runs(path: Path) -> list[dict]:
    try:
        runs = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SystemExit(f"{path}: not a benchmark result: {error}") from None
    if not isinstance(runs, list):
        raise SystemExit(f"{path}: expected a list of sizes, as bench/scale.py --json writes")
    return runs


def load_table(runs: list[dict]) -> list[str]:
    rows = []
    for run in runs:
        for store, figures in run["stores"].items():
            load = figures["load"]
            if load.get("error"):
                rows.append([_size(run["statements"]), store, f"failed: {load['error']}"])
                continue
            first, reference = load["first"], load["reference"]
            reopen = load.get("reopen")
            rows.append(
                [
                    _size(run["statements"]),
                    store,
                    f"{first['load']:.1f} s",
                    f"{first['triples'] / first['load']:,.0f}",
                    f"{reference['load']:.1f} s",
                    f"x{first['load'] / reference['load']:.2f}",
                    f"{reopen['load']:.3f} s" if reopen else "(loads every time)",
                    f"{load['first_peak'] / GIB:.2f} GiB",
                ]
            )
    return _table(LOAD_COLUMNS, rows)


def validation_table(runs: list[dict]) -> list[str]:
    rows = []
    for run in runs:
        wholes = [f["validation"] for f in run["stores"].values() if f.get("validation")]
        whole = wholes[0] if wholes and not wholes[0].get("error") else None
        for store, figures in run["stores"].items():
            add = figures.get("add") or {}
            whole_text, ratio = "not run", ""
            if whole:
                whole_text = f"{whole['seconds']:.1f} s, {whole['peak_bytes'] / GIB:.2f} GiB"
                if add.get("add"):
                    ratio = f"x{whole['seconds'] / add['add']:.0f}"
            rows.append(
                [
                    _size(run["statements"]),
                    store,
                    f"{_seconds(add.get('incremental_validate'))} s",
                    f"{_seconds(add.get('add'))} s",
                    whole_text,
                    ratio,
                ]
            )
    return _table(VALIDATION_COLUMNS, rows)


def _short_error(error: str | None) -> str:
    """A failure in a few words: a time limit by its figure, anything else cut short."""
    if not error:
        return ""
    limit = re.search(r"time limit of ([0-9.]+) s|stopped after ([0-9.]+) s", error)
    if limit:
        return f"over {limit.group(1) or limit.group(2)} s (stopped)"
    return error.splitlines()[0][:60]


def query_table(run: dict, store: str) -> list[str]:
    rows = []
    for query in run["stores"][store].get("queries", []):
        direct = None if query["error"] else query.get("direct")
        rows.append(
            [
                query.get("label", query["name"]),
                "parameterised" if query["parameterised"] else "whole base",
                "" if query["error"] or query["rows"] is None else f"{query['rows']:,}",
                _short_error(query["error"]) or _seconds(query["end_to_end"]),
                _short_error(query.get("direct_error")) or _seconds(query.get("direct")),
                f"x{query['end_to_end'] / direct:.2f}" if direct else "",
                str(query.get("runs", 1)),
            ]
        )
    return _table(QUERY_COLUMNS, rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", type=Path, help="JSON files from scale.py --json")
    args = parser.parse_args(argv)
    runs = [run for path in args.results for run in _runs(path)]
    out = ["### Loading", "", *load_table(runs), "", "### Validation and add", ""]
    out += validation_table(runs)
    for run in runs:
        for store, figures in run["stores"].items():
            if figures.get("queries"):
                title = f"### Saved queries, {_size(run['statements'])} statements, {store} store"
                out += ["", title, "", *query_table(run, store)]
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
