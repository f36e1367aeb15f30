"""A query of ``positions serve`` in a process of its own, killed at its time limit.

    result = run_query(kb, "SELECT ...", {}, timeout=30, max_rows=10_000, max_memory=1024)

pyoxigraph 0.5 cannot cancel a query (``Store.query`` takes no time limit and
offers no cancellation), and a thread cannot be stopped: a runaway query that
the server stopped waiting for went on growing and burning CPU until the
allocator killed the server.  So the server forks for each query.  The child
shares the parent's memory (the store in memory, or the open disk store) copy
on write, runs the query under a cap on its address space (``RLIMIT_AS``: what
the server had at the fork, the query thread's stack, and ``max_memory`` MiB
more), and sends its rows back through a pipe; the parent kills it at the time
limit.  What the child allocated goes with it.

The checks that need no engine (size, depth, updates, SERVICE, FROM, the
parameters) run in the server first, so a refusal costs no fork.  Where
``os.fork`` does not exist (Windows), queries run in a thread as the command
line runs them, without the cap.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import threading
import time
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from positions.errors import PositionsError, QueryLimitExceeded
from positions.sparql.limits import stack_bytes

try:
    import resource  # loaded here, once: a child that imports pays for it each time
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from positions.base.local import LocalBase
    from positions.sparql.engine import Prepared, QueryResult
    from positions.sparql.saved import SavedQuery
    from positions.web.protocol import Dataset

# Python 3.12 warns on any fork of a process with threads; the child here only
# evaluates one query on memory no other thread writes, then leaves by os._exit.
warnings.filterwarnings(
    "ignore", message=r".*use of fork\(\) may lead to deadlocks.*", category=DeprecationWarning
)

_READ = 1 << 16
_FORKING = threading.Lock()


def run_query(
    kb: LocalBase,
    query: SavedQuery | str,
    params: Mapping[str, Any],
    *,
    timeout: float,
    max_rows: int,
    max_memory: int,
    dataset: Dataset | None = None,
) -> QueryResult:
    """Run ``query`` on ``kb`` in a child process: at most ``timeout`` seconds,
    ``max_rows`` rows and ``max_memory`` MiB beyond what the server holds.
    ``dataset``: the graphs a SPARQL Protocol request named, instead of the union."""
    from positions.sparql.engine import finish_result, prepare, run_prepared

    prepared = prepare(kb, query, params)
    if dataset is not None:
        with_dataset(prepared.options, dataset)
    if not hasattr(os, "fork"):
        return run_prepared(kb, prepared, timeout=timeout, max_rows=max_rows)
    store = kb.store  # opened before the fork: the child touches no lock of the base
    answer = _in_child(store, prepared, max_rows, timeout, max_memory)
    return finish_result(
        answer, prepared.query, prepared.projected, max_rows, None, prepared.prefixes
    )


def with_dataset(options: dict[str, Any], dataset: Dataset) -> None:
    """pyoxigraph's options for the dataset of a request (SPARQL 1.1 Protocol, 2.1.4):
    the default graph is the merge of the ``default-graph-uri`` graphs, the named
    graphs are the ``named-graph-uri`` ones, and they replace any FROM in the query."""
    import pyoxigraph as ox

    options.pop("use_default_graph_as_union", None)
    options["default_graph"] = [ox.NamedNode(iri) for iri in dataset.default]
    options["named_graphs"] = [ox.NamedNode(iri) for iri in dataset.named]


def _in_child(
    store: Any, prepared: Prepared, cap: int, timeout: float, max_memory: int
) -> QueryResult:
    """Fork, evaluate in the child, and wait for its answer until the time limit."""
    deadline = time.monotonic() + timeout
    # One fork at a time: a child forked while another query's pipe is open at
    # both ends would hold that pipe's write end, and its reader would wait for
    # the wrong process to end.
    with _FORKING:
        reading, writing = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(reading)
            _child(store, prepared, cap, writing, max_memory)
        os.close(writing)
    try:
        data = _read_until(reading, deadline)
    finally:
        os.close(reading)
        if data is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    name = prepared.query.name
    if data is None:
        raise QueryLimitExceeded(
            f"{name} ran past the time limit of {timeout:g} s and was stopped; "
            "narrow it (parameters, LIMIT) or raise the limit with --timeout"
        )
    if not data:  # the child died before it could answer
        raise _died(name, status, max_memory)
    return _unpack(pickle.loads(data), name, max_memory)


def _read_until(fd: int, deadline: float) -> bytes | None:
    """Everything the child writes, until it closes the pipe; None if time ran out."""
    chunks = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        chunk = os.read(fd, _READ)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _child(store: Any, prepared: Prepared, cap: int, fd: int, max_memory: int) -> None:
    """Evaluate, write the pickled outcome to ``fd``, and leave without cleaning up
    anything of the parent's (no atexit, no flushing of its buffers)."""
    code = 0
    try:
        from positions.sparql.engine import run_with_limit

        _quiet()
        _cap_memory(max_memory)
        query = prepared.query
        try:
            answer = run_with_limit(store, query, prepared.text, prepared.options, cap, None)
            outcome: tuple[Any, ...] = ("result", answer)
        except PositionsError as error:
            outcome = ("error", type(error), vars(error), error.args)
        except MemoryError:
            outcome = ("memory",)
        data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except BaseException:
        code = 70
    finally:
        os._exit(code)


def _quiet() -> None:
    """No dump on standard error when the allocator aborts at the cap: the server
    words the outcome itself."""
    import sys

    if "faulthandler" in sys.modules:
        sys.modules["faulthandler"].disable()
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    os.close(null)


def _cap_memory(max_memory: int) -> None:
    """Limit this process's address space to what it has, the query thread's stack,
    and ``max_memory`` MiB (plus one malloc arena for that thread)."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            pages = int(handle.read().split()[0])
    except (OSError, ValueError):  # not Linux: no cap
        return
    if resource is None:
        return
    have = pages * os.sysconf("SC_PAGE_SIZE")
    limit = have + stack_bytes() + (64 << 20) + (max_memory << 20)
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _unpack(outcome: tuple[Any, ...], name: str, max_memory: int) -> QueryResult:
    if outcome[0] == "result":
        return outcome[1]
    if outcome[0] == "memory":
        raise _over_memory(name, max_memory)
    kind, fields, args = outcome[1:]
    error = kind.__new__(kind)
    error.args = args
    vars(error).update(fields)
    raise error


def _died(name: str, status: int, max_memory: int) -> PositionsError:
    """The child ended without an answer: the allocator aborts when the cap is hit."""
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGABRT, signal.SIGKILL):
        return _over_memory(name, max_memory)
    how = (
        f"signal {signal.Signals(os.WTERMSIG(status)).name}"
        if os.WIFSIGNALED(status)
        else f"exit status {os.WEXITSTATUS(status)}"
    )
    return QueryLimitExceeded(
        f"{name} stopped the query engine ({how}) and was given up; the server carries on"
    )


def _over_memory(name: str, max_memory: int) -> QueryLimitExceeded:
    return QueryLimitExceeded(
        f"{name} ran past the memory limit of {max_memory:,} MiB and was stopped; "
        "narrow it (parameters, LIMIT) or raise the limit with --max-memory"
    )
