"""Start-up benchmark: ``positions query NAME`` end to end against a bare rdflib script.

Both sides run as fresh subprocesses, so each pays for its interpreter, its imports,
reading the base and running one query; the machine's noise is shared because the
two are timed alternately in one run.  The floor is what a person would write
without positions: import rdflib, parse the same ontology/ and data/ Turtle files
into one Graph, run the same query text with the same default parameters bound
through ``initBindings``.  The target (issue 3, point 7) is a ratio of at most 1.2.

    python bench/query_startup.py                       # the bundled base, 7 rounds
    python bench/query_startup.py --kb tests/fixtures/minibase --query parties -n 11

Prints figures only; it asserts nothing about absolute time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FLOOR_SCRIPT = r"""
import json, sys
import rdflib

spec = json.loads(sys.argv[1])
graph = rdflib.Graph()
for path in spec["files"]:
    graph.parse(path, format="turtle")

def term(value):
    kind, text, datatype, language = value
    if kind == "iri":
        return rdflib.URIRef(text)
    return rdflib.Literal(text, datatype=datatype and rdflib.URIRef(datatype), lang=language)

bindings = {rdflib.Variable(name): term(value) for name, value in spec["bindings"].items()}
result = graph.query(spec["text"], initNs=spec["prefixes"], initBindings=bindings)
if result.type == "SELECT":
    sys.stdout.write(result.serialize(format="csv").decode("utf-8"))
"""


def pick_query(kb_path: Path, wanted: str | None) -> str:
    from positions import KnowledgeBase

    names = KnowledgeBase.open(kb_path).catalogue.names()
    if wanted:
        return wanted
    if "meeting-timeline" in names:
        return "meeting-timeline"
    if not names:
        sys.exit(f"{kb_path} has no saved queries")
    return names[0]


def floor_spec(kb_path: Path, name: str) -> dict:
    """What the bare script needs: the files, the query text, its default bindings."""
    import pyoxigraph as ox

    from positions import KnowledgeBase
    from positions.rdf.namespaces import PREFIXES
    from positions.sparql.params import bind

    kb = KnowledgeBase.open(kb_path)
    query = kb.catalogue.get(name)
    prefixes = {**PREFIXES, **(query.info.prefixes if query.info else {})}
    bindings = {}
    for variable, term in bind(query, {}, prefixes).items():
        if isinstance(term, ox.NamedNode):
            bindings[variable.value] = ["iri", term.value, None, None]
        else:
            datatype = None if term.language else term.datatype.value
            bindings[variable.value] = ["literal", term.value, datatype, term.language]
    return {
        "files": [str(p) for p in kb.content_files()],
        "text": query.text,
        "prefixes": PREFIXES,
        "bindings": bindings,
    }


def time_once(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1 is an ASK that answered false
        sys.exit(f"failed: {' '.join(command[:6])} ...\n{done.stderr}")
    return elapsed


def row_count(command: list[str]) -> int:
    """Rows in a CSV answer: a check that both sides ran the same query."""
    import csv
    import io

    done = subprocess.run(command, capture_output=True, text=True)
    return max(len(list(csv.reader(io.StringIO(done.stdout)))) - 1, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", type=Path, default=ROOT, help="the base (default: the repo)")
    parser.add_argument("--query", help="saved query name (default: meeting-timeline)")
    parser.add_argument("-n", "--rounds", type=int, default=7, help="repetitions (median)")
    args = parser.parse_args()

    name = pick_query(args.kb, args.query)
    ours = [sys.executable, "-m", "positions", "--kb", str(args.kb), "query", name, "-f", "csv"]
    floor = [sys.executable, "-c", FLOOR_SCRIPT, json.dumps(floor_spec(args.kb, name))]

    time_once(ours), time_once(floor)  # warm the file cache for both
    timings: dict[str, list[float]] = {"positions": [], "rdflib": []}
    for _ in range(args.rounds):  # alternate, so that drift hits both alike
        timings["positions"].append(time_once(ours))
        timings["rdflib"].append(time_once(floor))

    ours_median = statistics.median(timings["positions"])
    floor_median = statistics.median(timings["rdflib"])
    ratio = ours_median / floor_median
    print(f"base: {args.kb}  query: {name}  rounds: {args.rounds}")
    print(f"rows: positions {row_count(ours)}, rdflib {row_count(floor)}")
    print(f"positions query (end to end): median {ours_median * 1000:7.1f} ms")
    print(f"bare rdflib script (floor):   median {floor_median * 1000:7.1f} ms")
    verdict = "within" if ratio <= 1.2 else "OVER"
    print(f"ratio: {ratio:.2f} (target <= 1.20: {verdict})")


if __name__ == "__main__":
    main()
