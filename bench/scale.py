"""Scale benchmark: load, saved queries, validation and add at 10k, 100k and 1M statements.

    python bench/scale.py --sizes 10000,100000,1000000

For each size it generates a base with bench/synth.py (kept in bench/out/ and
reused when present: --regenerate to force), and for each store (memory, disk):

* first load: the store built from the Turtle files (triples a second); on
  disk, also the re-open of an unchanged store;
* every saved query, with its default parameters, end to end (``positions
  query NAME -f csv`` in a fresh process) and directly on pyoxigraph (a fresh
  process that opens the same store, runs the same text with the same bindings
  and writes the answer as CSV with pyoxigraph's serialiser), in turn, three
  times each for a query under 10 s (medians), and their ratio; each query is
  first run once directly, untimed, so that neither side pays for reading the
  store's pages from disk (the one run first did, by up to 2x at 1M); the
  queries about one node run a second time for a typical speaker, and
  statements-by-topic for a typical topic (see TYPICAL_NODE_QUERIES);
* whole-base validation (``positions validate``), up to --validate-max;
* the addition of 100 statements: ``positions validate new-statements.ttl``
  (the incremental check that ``positions add`` runs), the store update that
  follows a commit (``KnowledgeBase.refresh_store`` with the new triples), and
  ``positions add`` end to end on a copy of the base, up to --add-max;
* the peak memory (maximum resident set) of every process measured.

Apart from the queries, each figure is one run (the machine is noisy: compare
within a run). Commands that fail are reported with their error and the
benchmark goes on. Prints a plain-text report; --json FILE keeps the raw
figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
PYTHON = sys.executable
POSITIONS = [PYTHON, "-m", "positions"]

# The same query run directly on pyoxigraph: a fresh process opens the same store,
# runs the text positions runs with the same bindings, and writes the answer in the
# same format with pyoxigraph's own serialiser (CSV, or N-Triples for a graph).
DIRECT = r"""
import json, sys, time
import pyoxigraph as ox
spec = json.loads(sys.argv[1])
start = time.perf_counter()
store = ox.Store.read_only(spec["path"]) if spec["path"] else None
if store is None:  # memory: the same files, bulk-loaded
    store = ox.Store()
    for path, graph in spec["files"]:
        store.bulk_load(path=path, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph))
opened = time.perf_counter()
def term(v):
    return ox.NamedNode(v[1]) if v[0] == "iri" else ox.Literal(v[1], datatype=ox.NamedNode(v[2]))
subs = {ox.Variable(k): term(v) for k, v in spec["bindings"].items()}
answer = store.query(spec["text"], prefixes=spec["prefixes"], substitutions=subs,
                     use_default_graph_as_union=True)
if isinstance(answer, ox.QuerySolutions):
    answer.serialize(sys.stdout.buffer, ox.QueryResultsFormat.CSV)
elif isinstance(answer, ox.QueryTriples):
    answer.serialize(sys.stdout.buffer, ox.RdfFormat.N_TRIPLES)
else:
    print(bool(answer))
sys.stdout.flush()
done = time.perf_counter()
print(json.dumps({"open": opened - start, "query": done - opened}), file=sys.stderr)
"""
# Queries are run end to end and directly in turn, this many times each (the
# median is reported), unless the first end-to-end run takes longer than this.
REPEATS = 3
REPEAT_UNDER_SECONDS = 10.0
SUSPECT_RATIO = 1.5  # a long query's single run is repeated when the sides differ more


def run(
    command: list[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float | None = None,
) -> dict:
    """Run a process; its wall time and output."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        start_new_session=True,  # a group of its own: a timeout stops what it started too
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        stderr += f"stopped after {timeout:g} s".encode()
    return {
        "seconds": time.perf_counter() - started,
        "code": process.returncode,
        "peak_bytes": None,  # see run_peak
        "stdout": stdout.decode("utf-8", "replace"),
        "stderr": stderr.decode("utf-8", "replace")[-800:],
    }


# Reports the peak memory of the command it starts, and its wall time from the
# start to the end of that process alone: the wrapper's own start-up (an
# interpreter and the subprocess module, about 30 ms) is not the command's, and
# the direct runs it is compared with have no wrapper.
PEAK_WRAPPER = (
    "import os,subprocess,sys,time;t=time.perf_counter();p=subprocess.Popen(sys.argv[1:]);"
    "_,s,u=os.wait4(p.pid,0);d=time.perf_counter()-t;"
    "sys.stderr.write('\\nPEAK %d %r\\n'%(u.ru_maxrss*1024,d));"
    "sys.exit(os.waitstatus_to_exitcode(s))"
)


def run_peak(command: list[str], **kwargs: object) -> dict:
    """As :func:`run`, with the peak memory and the wall time of that process alone."""
    result = run([PYTHON, "-c", PEAK_WRAPPER, *command], **kwargs)  # type: ignore[arg-type]
    lines = result["stderr"].strip().splitlines()
    if lines and lines[-1].startswith("PEAK "):
        _, peak, seconds = lines[-1].split()
        result["peak_bytes"] = int(peak)
        result["seconds"] = float(seconds)
        result["stderr"] = "\n".join(lines[:-1])
    return result


# -- one size ------------------------------------------------------------------------


def ensure_base(size: int, regenerate: bool) -> tuple[Path, dict]:
    base = OUT / f"kb-{size // 1000}k"
    info: dict = {"reused": True}
    if regenerate or not (base / "new-statements.ttl").is_file():
        result = run_peak(
            [PYTHON, str(ROOT / "bench" / "synth.py"), "--statements", str(size), "--seed", "1",
             "--out", str(base), "--batch", "100"]
        )  # fmt: skip
        info = {"reused": False, "seconds": result["seconds"], "peak_bytes": result["peak_bytes"]}
    info["data_bytes"] = sum(p.stat().st_size for p in (base / "data").rglob("*.ttl"))
    return base, info


# The reference for the first load: pyoxigraph alone, in a fresh process, loading
# the same files into the same kind of store, one named graph per file, as a
# plain script would (one file after another), with nothing checked or recorded.
_REFERENCE_LOAD = r"""
import json, shutil, sys, tempfile, time
from pathlib import Path
import pyoxigraph as ox
base, kind = Path(sys.argv[1]), sys.argv[2]
files = sorted(p for part in ("ontology", "data") for p in (base / part).rglob("*.ttl"))
folder = tempfile.mkdtemp(dir=base.parent) if kind == "disk" else None
start = time.perf_counter()
store = ox.Store(folder) if folder else ox.Store()
for path in files:
    graph = ox.NamedNode("https://w3id.org/positions/graph/" + path.relative_to(base).as_posix())
    store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=graph)
store.flush() if folder else None
loaded = time.perf_counter()
if folder and sum(p.stat().st_size for p in files) >= 64 * 1024 * 1024:
    store.optimize()  # as positions does after a large load: reads are slow before
seconds = time.perf_counter() - start
print(json.dumps({"triples": len(store), "load": seconds, "bulk_load": loaded - start}))
del store
if folder:
    shutil.rmtree(folder, ignore_errors=True)
"""


def measure_load(base: Path, store: str) -> dict:
    reference = run_peak([PYTHON, "-c", _REFERENCE_LOAD, str(base), store])
    if store == "disk":
        shutil.rmtree(base / ".positions-cache", ignore_errors=True)
    code = (
        "import time,json,sys;from positions import KnowledgeBase;"
        f"kb=KnowledgeBase.open({str(base)!r},store={store!r});t=time.perf_counter();"
        "kb.store;d=time.perf_counter()-t;"  # the open alone: counting 15M quads takes seconds
        "print(json.dumps({'triples':len(kb.store),'load':d}))"
    )
    first = run_peak([PYTHON, "-c", code])
    result = {"first": _json(first), "first_peak": first["peak_bytes"], "error": _error(first)}
    result["reference"] = _json(reference)
    if store == "disk" and not result["error"]:
        again = run_peak([PYTHON, "-c", code])
        result["reopen"] = _json(again)
        result["reopen_peak"] = again["peak_bytes"]
    return result


# Beside their defaults, which a generated base makes hubs, some queries also run for a
# typical value, labelled "(one speaker)" or "(one topic)" and judged apart from the
# defaults (targets()):
# - the queries about one node, whose default is the United States (a party to a share of
#   every negotiation), for the speaker of the base's first statement, who speaks in a
#   few dozen;
# - statements-by-topic, whose default is topic:nato-enlargement (with the topics under
#   it, a fifth of the statements), for the first topic of a negotiation's own that the
#   base's first statements file names (kb:topic-...), which a few hundred are on.
TYPICAL_NODE_QUERIES = ("node-description", "node-statements")
TYPICAL_TOPIC_QUERIES = ("statements-by-topic",)
KB_IRI = "https://w3id.org/positions/id/"


def saved_queries(base: Path) -> list[dict]:
    sys.path.insert(0, str(ROOT / "src"))
    from positions import KnowledgeBase

    queries = []
    speaker, topic = typical_speaker(base), typical_topic(base)
    for query in KnowledgeBase.open(base).catalogue.all():
        queries.append(_query_spec(query, {}))
        if query.name in TYPICAL_NODE_QUERIES and speaker:
            queries.append(_query_spec(query, {"node": speaker}, "one speaker"))
        if query.name in TYPICAL_TOPIC_QUERIES and topic:
            queries.append(_query_spec(query, {"topic": topic}, "one topic"))
    return queries


def _query_spec(query: object, params: dict[str, str], variant: str = "") -> dict:
    """What measure_queries runs: the text and bindings positions itself runs
    (query.run), for the direct runs, and the parameters for the command line."""
    import pyoxigraph as ox

    from positions.rdf.namespaces import PREFIXES
    from positions.sparql.params import bind
    from positions.sparql.rewrite import project_parameters, rewrite_bound

    substitutions = bind(query, params, PREFIXES)
    bound = [variable.value for variable in substitutions]
    text, _projected = project_parameters(rewrite_bound(query.text, bound, query.name), bound)
    bindings = {
        variable.value: ["iri", term.value]
        if isinstance(term, ox.NamedNode)
        else ["lit", term.value, term.datatype.value]
        for variable, term in substitutions.items()
    }
    return {
        "name": query.name,
        "label": f"{query.name} ({variant})" if variant else query.name,
        "params": params,
        "text": text,
        "bindings": bindings,
        "kind": query.kind,
        "parameterised": bool(bindings),
    }


def typical_speaker(base: Path) -> str | None:
    """The speaker of the first statement of the base's first statements file."""
    return _first_in_statements(base, r"pos:speaker kb:([\w-]+)")


def typical_topic(base: Path) -> str | None:
    """The first topic of a negotiation's own (a kb: topic, under a shared topic: one)
    that a statement of the base's first statements file names."""
    return _first_in_statements(base, r"pos:topic kb:([\w-]+)")


def _first_in_statements(base: Path, pattern: str) -> str | None:
    """The kb: node of the first match of ``pattern`` in the statements files (the
    numbered parts, then statements.ttl), read in order: deterministic for a base."""
    import re

    files = sorted((base / "data" / "statements").glob("*.ttl"))
    for path in [*files, base / "data" / "statements.ttl"]:
        if path.is_file():
            found = re.search(pattern, path.read_text(encoding="utf-8"))
            if found:
                return KB_IRI + found.group(1)
    return None


def measure_queries(base: Path, store: str, queries: list[dict], timeout: float) -> list[dict]:
    from positions import KnowledgeBase
    from positions.rdf.namespaces import PREFIXES

    kb = KnowledgeBase.open(base, store="memory")
    files = [
        [str(p), f"https://w3id.org/positions/graph/{kb.relative(p)}"] for p in kb.content_files()
    ]
    path = str(base / ".positions-cache" / "store" / "oxigraph") if store == "disk" else ""
    figures = []
    for query in queries:
        fmt = "csv" if query["kind"] in ("select", "ask") else "ntriples"
        # --limit far above any answer: a listing of the whole base gives all its rows,
        # as the direct run does, instead of stopping at the safety cap.
        command = [*POSITIONS, "--kb", str(base), "query", query["name"], "-f", fmt,
                   "--timeout", str(timeout), "--limit", "1000000000"]  # fmt: skip
        for name, value in query.get("params", {}).items():
            command += ["-p", f"{name}={value}"]
        spec = {"path": path, "files": files, "text": query["text"], "prefixes": PREFIXES,
                "bindings": query["bindings"]}  # fmt: skip
        # Untimed: brings the pages the query reads into the OS cache for both sides.
        run([PYTHON, "-c", DIRECT, json.dumps(spec)], timeout=timeout + 30)
        runs = []
        for _ in range(REPEATS):
            end_to_end = run_peak(command, env={"POSITIONS_STORE": store})
            direct = run([PYTHON, "-c", DIRECT, json.dumps(spec)], timeout=timeout + 30)
            runs.append((end_to_end, direct))
            if _error(end_to_end):
                break
            # A long query runs once, unless the two sides disagree so much that one of
            # them was likely slowed by other work: then three times, and the median.
            if end_to_end["seconds"] > REPEAT_UNDER_SECONDS and not _suspect(end_to_end, direct):
                break
        end_to_end = _median_run([e for e, _ in runs])
        direct = _median_run([d for _, d in runs])
        figures.append(
            {
                "name": query["name"],
                "label": query.get("label", query["name"]),
                "parameterised": query["parameterised"],
                "typical": bool(query.get("params")),
                "runs": len(runs),
                "end_to_end": end_to_end["seconds"],
                "peak_bytes": max(e["peak_bytes"] or 0 for e, _ in runs) or None,
                "rows": _rows(end_to_end["stdout"], fmt),
                "direct_rows": _rows(direct["stdout"], fmt),
                "error": _error(end_to_end),
                "direct": direct["seconds"],
                "direct_error": _error(direct),
                "direct_detail": _json({"stdout": direct["stderr"]}),
            }
        )
    return figures


def _suspect(end_to_end: dict, direct: dict) -> bool:
    """End to end and direct differ by more than SUSPECT_RATIO either way."""
    if _error(direct) or not direct["seconds"]:
        return False
    ratio = end_to_end["seconds"] / direct["seconds"]
    return not 1 / SUSPECT_RATIO <= ratio <= SUSPECT_RATIO


def _median_run(runs: list[dict]) -> dict:
    return sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]


def _rows(output: str, fmt: str) -> int:
    """Rows of a CSV answer (records, not lines: a value may hold a line break), or distinct
    triples (a graph is a set; pyoxigraph's CONSTRUCT may stream a triple twice)."""
    if fmt != "csv":
        return len({line for line in output.splitlines() if line.strip()})
    import csv
    import io

    return max(0, sum(1 for _ in csv.reader(io.StringIO(output))) - 1)


def measure_validation(base: Path, store: str) -> dict:
    result = run_peak(
        [*POSITIONS, "--kb", str(base), "validate", "-q"], env={"POSITIONS_STORE": store}
    )
    return {
        "seconds": result["seconds"],
        "peak_bytes": result["peak_bytes"],
        "code": result["code"],
        "error": _error(result, ok=(0, 1)),
        "summary": result["stdout"].strip().splitlines()[-1:],
    }


def measure_add(base: Path, store: str, add_max_bytes: int | None) -> dict:
    batch = base / "new-statements.ttl"
    env = {"POSITIONS_STORE": store}
    check = run_peak([*POSITIONS, "--kb", str(base), "validate", "-q", str(batch)], env=env)
    figures = {
        "incremental_validate": check["seconds"],
        "incremental_peak": check["peak_bytes"],
        "incremental_error": _error(check),
    }
    if store == "disk":
        figures["refresh"] = _json(run([PYTHON, "-c", _REFRESH, str(base), str(batch)]))
    data_bytes = sum(p.stat().st_size for p in (base / "data").rglob("*.ttl"))
    if add_max_bytes is None or data_bytes <= add_max_bytes:
        # A copy to add to, with its store in step as a user's would be: the
        # store is copied too (copy2 keeps the times the manifest checks).
        copy = base.parent / (base.name + "-add")
        shutil.rmtree(copy, ignore_errors=True)
        skip = () if store == "disk" else (".positions-cache",)
        shutil.copytree(base, copy, ignore=shutil.ignore_patterns(*skip))
        if store == "disk":
            run([PYTHON, "-c", _OPEN, str(copy)])  # nothing to reload if the copy is in step
        added = run_peak(
            [*POSITIONS, "--kb", str(copy), "add", str(copy / "new-statements.ttl")], env=env
        )
        figures.update(add=added["seconds"], add_peak=added["peak_bytes"], add_error=_error(added))
        shutil.rmtree(copy, ignore_errors=True)
    else:
        figures["add_skipped"] = f"data over {add_max_bytes / 1e6:.0f} MB"
    return figures


# The store update after a commit, timed alone on a throw-away copy of the store:
# the 100 statements' triples go into data/statements.ttl's graph.
_REFRESH = r"""
import json, shutil, sys, time, tempfile
from pathlib import Path
import pyoxigraph as ox
from positions.rdf import rdfio
base, batch = Path(sys.argv[1]), Path(sys.argv[2])
folder = Path(tempfile.mkdtemp(dir=base / ".positions-cache"))
shutil.copytree(base / ".positions-cache" / "store" / "oxigraph", folder / "oxigraph")
triples = [ox.Triple(q.subject, q.predicate, q.object) for q in rdfio.read_rdf(batch)]
start = time.perf_counter()
store = ox.Store(str(folder / "oxigraph"))
opened = time.perf_counter()
graph = rdfio.graph_iri("data/statements.ttl")
store.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
store.flush()
done = time.perf_counter()
del store
shutil.rmtree(folder)
print(json.dumps({"open_rw": opened - start, "extend": done - opened, "triples": len(triples)}))
"""
_OPEN = (
    "import sys;from positions import KnowledgeBase;"
    "len(KnowledgeBase.open(sys.argv[1],store='disk').store)"
)


def _json(result: dict) -> dict | None:
    try:
        return json.loads(result["stdout"].strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None


def _error(result: dict, ok: tuple[int, ...] = (0,)) -> str | None:
    if result["code"] in ok:
        return None
    lines = [line for line in result["stderr"].splitlines() if line.strip()]
    return f"exit {result['code']}: " + (" ".join(lines[-3:])[:300] if lines else "")


# -- the report ------------------------------------------------------------------------


def report(results: list[dict]) -> str:
    out = [
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{_total_memory() / 2**30:.0f} GiB, Python {platform.python_version()}",
        "",
    ]
    for size in results:
        gen = size["generation"]
        out.append(
            f"== {size['statements']:,} statements ({gen['data_bytes'] / 1e6:.0f} MB of Turtle)"
        )
        if not gen["reused"]:
            out.append(f"   generation {gen['seconds']:.1f} s, peak {_gib(gen['peak_bytes'])}")
        for store, figures in size["stores"].items():
            out.append(f"-- store: {store}")
            load = figures.get("load", {})
            first = load.get("first") or {}
            if load.get("error"):
                out.append(f"   first load FAILED: {load['error']}")
            elif first:
                rate = first["triples"] / first["load"]
                out.append(
                    f"   first load: {first['triples']:,} triples in {first['load']:.1f} s "
                    f"({rate:,.0f} triples/s), peak {_gib(load['first_peak'])}"
                )
                reference = load.get("reference")
                if reference:
                    rate = reference["triples"] / reference["load"]
                    out.append(
                        f"   pyoxigraph alone, one bulk_load per file then optimize(): "
                        f"{reference['load']:.1f} s ({rate:,.0f} triples/s; bulk loads "
                        f"{reference['bulk_load']:.1f} s); positions / pyoxigraph: "
                        f"x{first['load'] / reference['load']:.2f}"
                    )
            if load.get("reopen"):
                out.append(
                    f"   re-open unchanged: {load['reopen']['load']:.3f} s, "
                    f"peak {_gib(load['reopen_peak'])}"
                )
            for q in figures.get("queries", []):
                kind = "select" if q["parameterised"] else "scan  "
                detail = q["direct_detail"] or {}
                ratio = q["end_to_end"] / q["direct"] if q["direct"] else float("nan")
                error = f"  FAILED {q['error']}" if q["error"] else ""
                if q.get("direct_error"):
                    error += f"  DIRECT FAILED {q['direct_error']}"
                if not q["error"] and q.get("direct_rows") not in (None, q["rows"]):
                    error += f"  ROWS DIFFER: direct gave {q['direct_rows']}"
                label = q.get("label", q["name"])
                out.append(
                    f"   query {label:<34} {kind} {q['end_to_end']:7.2f} s end to end "
                    f"| direct {q['direct']:7.2f} s (open {detail.get('open', 0):.2f} + query "
                    f"and output {detail.get('query', 0):.2f}) | x{ratio:.2f} | {q['rows']} rows"
                    f", median of {q.get('runs', 1)}, peak {_gib(q['peak_bytes'])}{error}"
                )
            validation = figures.get("validation")
            if validation:
                text = validation["error"] or " ".join(validation["summary"])
                out.append(
                    f"   whole-base validation: {validation['seconds']:.1f} s, peak "
                    f"{_gib(validation['peak_bytes'])} ({text})"
                )
            elif "validation_skipped" in figures:
                out.append(f"   whole-base validation: not run ({figures['validation_skipped']})")
            add = figures.get("add")
            if add:
                line = "   add 100 statements: incremental validate "
                line += f"{add['incremental_validate']:.2f} s"
                line += f" (peak {_gib(add['incremental_peak'])})"
                if add.get("incremental_error"):
                    line += f" FAILED {add['incremental_error']}"
                refresh = add.get("refresh")
                if refresh:
                    line += f"; store update {refresh['open_rw'] + refresh['extend']:.2f} s"
                if "add" in add:
                    line += f"; positions add end to end {add['add']:.2f} s"
                    if add.get("add_error"):
                        line += f" FAILED {add['add_error']}"
                else:
                    line += f"; positions add not run ({add.get('add_skipped')})"
                out.append(line)
                if validation and not validation["error"]:
                    ratio = validation["seconds"] / add["incremental_validate"]
                    out.append(f"   whole-base validation / incremental: x{ratio:.0f}")
        out.append("")
    return "\n".join(out)


def targets(results: list[dict]) -> str:
    """The figures of issue 7's targets, for the largest base of the run, disk store."""
    disk = [(r["statements"], r["stores"]["disk"]) for r in results if "disk" in r["stores"]]
    if not disk:
        return "(no disk store in this run)"
    size, figures = max(disk, key=lambda item: item[0])
    out = [f"on {size:,} statements, disk store:"]
    first = (figures.get("load") or {}).get("first")
    if first:
        rate = first["triples"] / first["load"]
        line = f"  first load: {rate:,.0f} triples/s (target 150,000 or more)"
        reference = figures["load"].get("reference")
        if reference:
            line += (
                f"; pyoxigraph alone in the same run: "
                f"{reference['triples'] / reference['load']:,.0f} triples/s"
            )
        out.append(line)
    peaks = [figures["load"].get("first_peak") or 0]
    queries = figures.get("queries", [])
    for typical in (False, True):
        selective = [q for q in queries if q["parameterised"] and q.get("typical") == typical]
        if not selective:
            continue
        worst = max(selective, key=lambda q: q["end_to_end"])
        failed = [q["name"] for q in selective if q["error"]]
        which = "for one typical speaker or topic" if typical else "with their defaults"
        out.append(
            f"  parameterised queries {which}, end to end: slowest "
            f"{worst.get('label', worst['name'])} {worst['end_to_end']:.2f} s (target under 1 s)"
            + (f"; FAILED: {', '.join(failed)}" if failed else "")
        )
        # Over a second, an answer that is a share of the base: what positions adds.
        for q in selective:
            if q["end_to_end"] >= 1 and q["direct"] and not q["error"]:
                out.append(
                    f"    {q.get('label', q['name'])}: {q['rows']:,} rows, "
                    f"direct {q['direct']:.2f} s, end to end x{q['end_to_end'] / q['direct']:.2f}"
                )
    scans = [q for q in queries if not q["parameterised"] and q["direct"] and not q["error"]]
    if scans:
        worst = max(scans, key=lambda q: q["end_to_end"] / q["direct"])
        over = [q["name"] for q in scans if q["end_to_end"] > 1.2 * q["direct"]]
        out.append(
            f"  aggregating queries, end to end / direct: worst {worst['name']} "
            f"x{worst['end_to_end'] / worst['direct']:.2f} (target 1.2 or less)"
            + (f"; over 1.2: {', '.join(over)}" if over else "")
        )
    peaks += [q["peak_bytes"] or 0 for q in queries]
    add = figures.get("add") or {}
    if "add" in add:
        out.append(f"  positions add of 100 statements: {add['add']:.2f} s (target under 3 s)")
        peaks.append(add.get("add_peak") or 0)
        whole = [
            (r["statements"], v["validation"]["seconds"])
            for r in results
            for v in r["stores"].values()
            if v.get("validation") and not v["validation"]["error"]
        ]
        if whole:
            at, seconds = max(whole)
            bound = "" if at == size else f" (measured at {at:,} statements: a lower bound)"
            out.append(
                f"  whole-base validation {seconds:.0f} s{bound} / add: "
                f"x{seconds / add['add']:.0f} (target 50 or more)"
            )
    out.append(f"  peak memory of any process: {_gib(max(peaks))} (target under 8 GB)")
    return "\n".join(out)


def _gib(value: int | None) -> str:
    return f"{value / 2**30:.2f} GiB" if value else "?"


def _total_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--stores", default="memory,disk")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--validate-max", type=int, default=10_000,
                        help="run whole-base validation up to this many statements")  # fmt: skip
    parser.add_argument("--memory-queries-max", type=int, default=100_000,
                        help="run the saved queries on the memory store up to this size "
                        "(each query reloads the whole base)")  # fmt: skip
    parser.add_argument("--add-max-mb", type=float, default=None,
                        help="run positions add end to end up to this much data "
                        "(default: at every size)")  # fmt: skip
    parser.add_argument("--query-timeout", type=float, default=300.0,
                        help="stop a query after this many seconds (statements, a million "
                        "rows sorted, takes about 115 s at 1M)")  # fmt: skip
    parser.add_argument("--queries", help="only these saved queries (comma-separated names)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    # Bytecode compiled once, as `pip install` does: in a checkout run without it (or
    # with PYTHONDONTWRITEBYTECODE set) every command would compile positions anew.
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(ROOT / "src")], check=True)
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        base, generation = ensure_base(size, args.regenerate)
        entry = {"statements": size, "generation": generation, "stores": {}}
        queries = saved_queries(base)
        if args.queries:
            queries = [q for q in queries if q["name"] in args.queries.split(",")]
        for store in args.stores.split(","):
            figures: dict = {"load": measure_load(base, store)}
            if store == "memory" and size > args.memory_queries_max:
                figures["queries_skipped"] = f"over {args.memory_queries_max:,} statements"
            elif not figures["load"]["error"]:
                figures["queries"] = measure_queries(base, store, queries, args.query_timeout)
            if store != args.stores.split(",")[0]:
                figures["validation_skipped"] = "the same files as for the first store"
            elif size <= args.validate_max:
                figures["validation"] = measure_validation(base, store)
            else:
                figures["validation_skipped"] = f"over {args.validate_max:,} statements"
            limit = None if args.add_max_mb is None else int(args.add_max_mb * 1e6)
            figures["add"] = measure_add(base, store, limit)
            entry["stores"][store] = figures
            print(report([{**entry, "stores": {store: figures}}]), flush=True)
        results.append(entry)
    print("=" * 30 + " summary\n" + report(results))
    print("=" * 30 + " targets (issue 7)\n" + targets(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
