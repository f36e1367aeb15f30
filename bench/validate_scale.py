"""Validation at scale: `positions import --dry-run` of 1k, 10k and 100k CSV rows (issue 23).

    python bench/validate_scale.py                      # 1000,10000,100000 rows
    python bench/validate_scale.py --sizes 1000,4000 --budget 900

Each size is a CSV of generated statement rows (:func:`write_rows`: the layout
of docs/examples/statements.csv, every row naming nodes of the bundled base and
raising two warnings: no date, no role), imported with ``dry_run=True`` into the
bundled base, in a fresh process.  That process times:

* the import end to end (reading the rows, planning, validating, locating the
  problems, relocating them to their rows);
* the part of it spent in pyshacl (``checking.shacl.run_shacl``) and the part
  spent locating problems in their files (``checking.locate.Locator.locate``);
* the reference, measured in the same process: the same rows' triples, written
  as Turtle, read by the gate alone (``rdf.rdfio.read_rdf``), a cost linear in
  the triples.

It prints each figure per row, and the ratio of time per row between each size
and the first: a cost linear in the rows gives a flat time per row (ratio near
1), as the reference does; a cost of rows x problems grows with the size.  A
size that runs past --budget seconds is stopped and reported as such (the
larger ones are then skipped).  --json FILE keeps the raw figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = [
    "id", "label", "speaker", "party", "addressed_to", "stance", "target", "topic",
    "source", "paraphrase",
]  # fmt: skip


def write_rows(path: Path, count: int) -> None:
    """``count`` statement rows, each valid but for two warnings (no date, no role)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADER)
        for number in range(count):
            writer.writerow(
                [
                    f"kb:stmt-generated-{number:06d}",
                    f"Generated statement {number}",
                    "kb:alexei-chepa",
                    "kb:russia",
                    "kb:united-states",
                    "stance:conditional",
                    "kb:us-written-response",
                    "topic:nato-enlargement",
                    "kb:source-003",
                    # Words of source 003, whose text the base holds: they must be in it.
                    "Alexei Chepa, Deputy Chairman of the State Duma Committee on "
                    "International Affairs, called the words of the US administration "
                    "representative somewhat strange",
                ]
            )


# Run in a fresh process per size: times the import, its pyshacl and locating
# parts, and the reference (the gate reading the same triples as Turtle).
CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from positions import KnowledgeBase
from positions.adding import csvimport
from positions.checking import locate, validate
from positions.rdf import rdfio

csv_path, turtle_path, root = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
spent = {"pyshacl": 0.0, "locating": 0.0}

def timed(name, function):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - start
    return wrapper

validate.run_shacl = timed("pyshacl", validate.run_shacl)
locate.Locator.locate = timed("locating", locate.Locator.locate)
import pyshacl, rdflib  # loaded before the clock starts, as they are by any import

kb = KnowledgeBase.open(root)
# The reference first: measured after the import, with its millions of objects
# alive, Python's garbage collector made it 2.6 times slower per row at 100k.
turtle_path.write_text(csvimport.read_csv(kb, csv_path).to_turtle(), encoding="utf-8")
start = time.perf_counter()
triples = len(rdfio.read_rdf(turtle_path))
reference = time.perf_counter() - start

start = time.perf_counter()
outcome = kb.import_csv(csv_path, dry_run=True)
total = time.perf_counter() - start
problems = outcome.report.problems if outcome.report else []
print(json.dumps({
    "total": total, "pyshacl": spent["pyshacl"], "locating": spent["locating"],
    "reference": reference, "triples": triples, "problems": len(problems),
    "rows_located": sum(p.line is not None for p in problems),
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def measure(rows: int, folder: Path, budget: float) -> dict:
    """One size, in a fresh process: the figures, or why there are none."""
    csv_path = folder / str(rows) / "statements.csv"
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    write_rows(csv_path, rows)
    turtle = csv_path.with_suffix(".ttl")
    command = [sys.executable, "-c", CHILD, str(csv_path), str(turtle), str(ROOT)]
    start = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=budget)
    except subprocess.TimeoutExpired:
        return {"rows": rows, "stopped": f"stopped after {budget:.0f} s (--budget)"}
    if done.returncode != 0:
        return {"rows": rows, "stopped": f"failed: {done.stderr.strip().splitlines()[-1:]}"}
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return {"rows": rows, "wall": time.perf_counter() - start, **figures}


def per_row_ms(result: dict, key: str) -> float:
    return 1000 * result[key] / result["rows"]


def report(results: list[dict]) -> str:
    """The table: per row, and the ratio of time per row to the first size's."""
    lines = [
        f"{'rows':>8} {'triples':>9} {'problems':>9} {'import s':>9} {'ms/row':>7} "
        f"{'ratio':>6} {'pyshacl':>8} {'locate':>7} {'other':>7} {'ref ms/row':>10} "
        f"{'ref ratio':>9} {'peak MB':>8}",
    ]
    first = next((r for r in results if "stopped" not in r), None)
    for result in results:
        if "stopped" in result:
            lines.append(f"{result['rows']:>8}  {result['stopped']}")
            continue
        other = result["total"] - result["pyshacl"] - result["locating"]
        ratio = per_row_ms(result, "total") / per_row_ms(first, "total")
        ref_ratio = per_row_ms(result, "reference") / per_row_ms(first, "reference")
        lines.append(
            f"{result['rows']:>8} {result['triples']:>9,} {result['problems']:>9,} "
            f"{result['total']:>9.1f} {per_row_ms(result, 'total'):>7.2f} {ratio:>6.2f} "
            f"{per_row_ms(result, 'pyshacl'):>8.2f} {per_row_ms(result, 'locating'):>7.3f} "
            f"{1000 * other / result['rows']:>7.2f} {per_row_ms(result, 'reference'):>10.4f} "
            f"{ref_ratio:>9.2f} {result['peak_mb']:>8.0f}"
        )
    lines.append(
        "ms/row: the import per row (pyshacl + locate + other); ratio: its ms/row over the "
        "first size's (flat = linear); ref: the gate reading the same triples as Turtle."
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--budget", type=float, default=1800, help="seconds per size")
    parser.add_argument("--json", type=Path, help="write the raw figures here")
    args = parser.parse_args()
    results: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="positions-validate-scale-") as folder:
        for rows in [int(size) for size in args.sizes.split(",")]:
            result = measure(rows, Path(folder), args.budget)
            results.append(result)
            print(f"{rows} rows: {json.dumps(result)}", file=sys.stderr, flush=True)
            if "stopped" in result:
                break
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
