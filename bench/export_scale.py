"""Export at scale (issue 21): `positions export` against pyoxigraph's own dump of the same store.

    python bench/export_scale.py --sizes 100000
    python bench/export_scale.py --sizes 1000000 --formats nt,nquads --json export.json

For each size, the generated base of bench/validate_scale.py (bench/out/kb-N,
its disk store built once), and, each in a fresh process, one after the
other: pyoxigraph's dump of the store (``Store.dump`` of every graph as
N-Quads, and of each graph as N-Triples, to a file: the floor), then
``positions export -f FORMAT -o FILE`` for each format.  Prints time, processor
time, peak memory and size, and the ratio of each export to the dump of the
same kind (N-Quads for nquads and trig, N-Triples for nt and turtle).  The
issue's targets: N-Triples and N-Quads within 1.5x, Turtle and TriG within 3x.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from validate_scale import base_of  # noqa: E402

DUMP = r"""
import json, resource, sys, time
import pyoxigraph as ox
from positions import KnowledgeBase
kind, root, target = sys.argv[1], sys.argv[2], sys.argv[3]
kb = KnowledgeBase.open(root)
store = kb.store
start, cpu = time.perf_counter(), time.process_time()
with open(target, "wb") as out:
    if kind == "nquads":
        store.dump(out, format=ox.RdfFormat.N_QUADS)
    else:
        for graph in store.named_graphs():
            store.dump(out, format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
print(json.dumps({"time": time.perf_counter() - start, "cpu": time.process_time() - cpu,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

EXPORT = r"""
import json, resource, sys, time
from pathlib import Path
from positions import KnowledgeBase
fmt, root, target = sys.argv[1], sys.argv[2], sys.argv[3]
kb = KnowledgeBase.open(root)
kb.store
start, cpu = time.perf_counter(), time.process_time()
kb.write_export(fmt, output=Path(target))
print(json.dumps({"time": time.perf_counter() - start, "cpu": time.process_time() - cpu,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

FLOOR = {"nt": "dump nt", "turtle": "dump nt", "nquads": "dump nquads", "trig": "dump nquads"}


def run(script: str, what: str, root: Path, target: Path, budget: float) -> dict:
    command = [sys.executable, "-c", script, what, str(root), str(target)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=budget)
    except subprocess.TimeoutExpired:
        return {"stopped": f"stopped after {budget:.0f} s"}
    if done.returncode != 0:
        return {"stopped": "failed: " + " / ".join(done.stderr.strip().splitlines()[-2:])}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["bytes"] = target.stat().st_size
    target.unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--formats", default="nt,nquads,turtle,trig")
    parser.add_argument("--budget", type=float, default=1800)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="positions-export-scale-") as folder:
        for size in [int(s) for s in args.sizes.split(",")]:
            root = base_of(size)
            rows = {}
            out = Path(folder)
            for kind in ("nt", "nquads"):
                rows[f"dump {kind}"] = run(DUMP, kind, root, out / f"dump.{kind}", args.budget)
            for fmt in args.formats.split(","):
                rows[f"export {fmt}"] = run(EXPORT, fmt, root, out / f"out.{fmt}", args.budget)
                floor = rows[FLOOR[fmt]]
                if "time" in rows[f"export {fmt}"] and "time" in floor:
                    rows[f"export {fmt}"]["ratio"] = rows[f"export {fmt}"]["time"] / floor["time"]
                    rows[f"export {fmt}"]["cpu_ratio"] = rows[f"export {fmt}"]["cpu"] / floor["cpu"]
            for name, row in rows.items():
                print(json.dumps({"statements": size, "what": name, **row}), file=sys.stderr)
                results.append({"statements": size, "what": name, **row})
    print(f"{'statements':>10} {'what':<15} {'time s':>7} {'cpu s':>7} {'x dump':>7} "
          f"{'x dump cpu':>10} {'peak MB':>8} {'MB out':>7}")  # fmt: skip
    for r in results:
        if "stopped" in r:
            print(f"{r['statements']:>10} {r['what']:<15} {r['stopped']}")
            continue
        ratio = f"{r['ratio']:>7.2f} {r['cpu_ratio']:>10.2f}" if "ratio" in r else f"{'':>18}"
        print(f"{r['statements']:>10} {r['what']:<15} {r['time']:>7.1f} {r['cpu']:>7.1f} {ratio} "
              f"{r['peak_mb']:>8.0f} {r['bytes'] / 1e6:>7.0f}")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
