"""Write a SELECT answer as CSV or TSV with pyoxigraph's own serialiser.

On a large answer, ``positions query -f csv`` spent most of the time it added to
pyoxigraph's in turning every row into Python objects
(:func:`positions.sparql.engine.run`) and back into text
(:mod:`positions.output.render`): 11 to 24 µs a row.  pyoxigraph's CSV writer
gives the same bytes as :mod:`render`'s (SPARQL 1.1 CSV: RFC 4180 quoting, CRLF
line ends; ``tests/test_stream.py`` compares them), so the answer goes from
pyoxigraph to a spool file without Python touching a row, and from the spool to
the output: as it is, or through the csv module (about 3 µs a row) when a
parameter's column, projected only to bind it, must be dropped.

The rules of :func:`~positions.sparql.engine.run` hold: the time limit, and the row cap
(``--limit``, or the safety cap without it). Every row brings a CRLF (more when
its values hold line breaks), so the spool's count of CRLFs bounds the rows from
above, and pyoxigraph is stopped once that count passes the cap. Only an answer
near or over the cap is read back as CSV to count its records exactly. Nothing
reaches the output before the answer is known to be complete and within the cap,
or cut at ``--limit``: a refused query writes nothing.

TSV (:func:`write_tsv`) is simpler: values hold no raw tab or line break, so
every row is one line, counted exactly, and a hidden column is cut at the tabs.
render writes numbers and booleans in Turtle's short form, as pyoxigraph does.

A CONSTRUCT or DESCRIBE answer in N-Triples (:func:`write_ntriples`) takes the
same path: pyoxigraph writes one line per triple (line breaks inside literals
are escaped), so its count of line ends is its count of triples, and the lines
are then sorted and made unique as :mod:`render` sorts and dedupes the triples.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import pyoxigraph as ox

from positions.sparql.engine import (
    DEFAULT_MAX_ROWS,
    DEFAULT_TIMEOUT,
    Prepared,
    Queryable,
    TimeUp,
    run_with_limit,
    too_many_rows,
)

SPOOL_IN_MEMORY = 32 * 1024 * 1024  # bytes of answer held in memory before the spool goes to disk


@dataclass(frozen=True)
class Streamed:
    """What :func:`write_csv` or :func:`write_ntriples` wrote: ``truncated`` when
    ``--limit`` cut the answer."""

    truncated: bool


def can_stream(prepared: Prepared) -> bool:
    """A SELECT: pyoxigraph's CSV is its answer, but for the parameter columns
    projected only to bind them, which are dropped on the way out."""
    return prepared.query.kind == "select"


def write_csv(
    kb: Queryable,
    prepared: Prepared,
    out: IO[bytes],
    *,
    row_limit: int | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> Streamed | None:
    """Write the answer of ``prepared`` to ``out`` as SPARQL 1.1 CSV.

    Returns None, having written nothing, when the answer must go through
    :func:`query.run_prepared` instead: a query :func:`can_stream` refuses, or an
    answer whose values hold so many line breaks that the CRLF count stopped
    pyoxigraph early.  Raises QueryLimitExceeded as :func:`query.run` does.
    """
    if not can_stream(prepared):
        return None
    cap = row_limit if row_limit is not None else max_rows
    with tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY) as spool:
        # Past a header, cap records and two more, the (cap + 1)th is known complete.
        sink = _CountingSink(spool, stop_above=cap + 2, fmt="csv")
        finished = _serialise(kb, prepared, sink, cap, timeout)
        if finished is None:  # not rows after all: leave it to query.run
            return None
        spool.seek(0)
        # pyoxigraph 0.5 ends every record, the header too, with CRLF (older ones
        # began each row with one): cap CRLFs or fewer is cap rows or fewer either way.
        if finished and sink.breaks <= cap:
            _copy(spool, out, prepared.hidden)
            return Streamed(truncated=False)
        records, whole = _read_records(spool, cap, finished)
        if len(records) - 1 <= cap:
            if not whole:  # line breaks inside values made the count stop too soon
                return None
            spool.seek(0)
            _copy(spool, out, prepared.hidden)
            return Streamed(truncated=False)
        if row_limit is None:
            raise too_many_rows(prepared.query, cap)
        _write_records(_without(records[: cap + 1], prepared.hidden), out)
        return Streamed(truncated=True)


def write_ntriples(
    kb: Queryable,
    prepared: Prepared,
    out: IO[bytes],
    *,
    row_limit: int | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> Streamed | None:
    """Write the graph answer of ``prepared`` to ``out`` as sorted, unique N-Triples.

    The bytes :mod:`render` writes for ``--format ntriples``, without making each
    triple a Python object first. Returns None, having written nothing, for a
    query that gives no graph; raises QueryLimitExceeded as :func:`query.run` does.
    """
    if prepared.query.kind not in ("construct", "describe"):
        return None
    cap = row_limit if row_limit is not None else max_rows
    with tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY) as spool:
        # Stopped once cap + 1 lines are complete: then the answer is over the cap.
        sink = _CountingSink(spool, stop_above=cap, fmt="ntriples")
        finished = _serialise(kb, prepared, sink, cap, timeout)
        if finished is None:
            return None
        spool.seek(0)
        # The complete lines, split at line feeds only: a literal may hold a U+2028
        # or U+0085, which N-Triples leaves as it is.
        lines = spool.read().split(b"\n")[: sink.breaks]
    truncated = not finished or len(lines) > cap
    if truncated:
        if row_limit is None:
            raise too_many_rows(prepared.query, cap)
        del lines[cap:]
    out.write(b"".join(line + b"\n" for line in sorted(set(lines))))
    out.flush()
    return Streamed(truncated=truncated)


def write_tsv(
    kb: Queryable,
    prepared: Prepared,
    out: IO[bytes],
    *,
    row_limit: int | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> Streamed | None:
    """Write the answer of ``prepared`` to ``out`` as SPARQL 1.1 TSV.

    The bytes :mod:`render` writes for ``--format tsv`` (numbers and booleans in
    Turtle's short form, as pyoxigraph writes them).  Every row is one line, tabs
    and line breaks inside values being escaped, so the count of line feeds is
    the count of rows and the header.  Returns None, having written nothing, for
    a query :func:`can_stream` refuses; raises QueryLimitExceeded as
    :func:`query.run` does.
    """
    if not can_stream(prepared):
        return None
    cap = row_limit if row_limit is not None else max_rows
    with tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY) as spool:
        # Stopped once the header and cap + 1 rows are complete: over the cap.
        sink = _CountingSink(spool, stop_above=cap + 1, fmt="tsv")
        finished = _serialise(kb, prepared, sink, cap, timeout)
        if finished is None:
            return None
        truncated = not finished or sink.breaks - 1 > cap
        if truncated and row_limit is None:
            raise too_many_rows(prepared.query, cap)
        spool.seek(0)
        _copy_lines(spool, out, cap if truncated else None, prepared.hidden)
    return Streamed(truncated=truncated)


def _serialise(
    kb: Queryable, prepared: Prepared, sink: _CountingSink, cap: int, timeout: float | None
) -> bool | None:
    """Run the query, pyoxigraph writing its answer into ``sink``: see
    :meth:`_CountingSink.take` for what the result says."""
    return run_with_limit(
        kb.store,
        prepared.query,
        prepared.text,
        prepared.options,
        cap,
        timeout,
        consume=sink.take,
    )


def _copy_lines(spool: IO[bytes], out: IO[bytes], most: int | None, hidden: list[str]) -> None:
    """TSV lines from the spool to ``out``: the header and at most ``most`` rows,
    without the columns named in ``hidden`` (values hold no raw tab)."""
    header = spool.readline()
    if not hidden and most is None:
        out.write(header)
        shutil.copyfileobj(spool, out, 1024 * 1024)
        out.flush()
        return
    names = header.rstrip(b"\n").split(b"\t")
    keep = [i for i, name in enumerate(names) if name[1:].decode("utf-8") not in hidden]

    def kept(line: bytes) -> bytes:
        fields = line.rstrip(b"\n").split(b"\t")
        return b"\t".join(fields[i] for i in keep) + b"\n"

    out.write(kept(header))
    for number, line in enumerate(spool):
        if (most is not None and number >= most) or not line.endswith(b"\n"):
            break  # past the cut, or the unfinished line of a stopped answer
        out.write(kept(line))
    out.flush()


_RESULTS_FORMATS = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}


class _Stop(Exception):
    """Raised from the sink's write to stop pyoxigraph once the answer passes the cap."""


class _CountingSink:
    """The file pyoxigraph writes into: spools the bytes and counts line ends as they
    come (CRLFs of CSV rows, or the line feeds that end TSV rows and N-Triples lines)."""

    def __init__(self, spool: IO[bytes], stop_above: int, *, fmt: str) -> None:
        self.spool = spool
        self.stop_above = stop_above
        self.fmt = fmt  # "csv", "tsv" or "ntriples"
        self.rows = fmt == "csv"  # CRLFs counted, else line feeds
        self.breaks = 0
        self.deadline: float | None = None
        self.stopped = False
        self._cr_last = False  # a CRLF may be split between two writes

    def take(self, answer: Any, deadline: float | None) -> bool | None:
        """Serialise ``answer`` into the spool: True if complete, False if stopped at
        the cap, None if it is not the kind of answer this sink writes."""
        self.deadline = deadline
        try:
            if self.fmt == "ntriples" and isinstance(answer, ox.QueryTriples):
                answer.serialize(self, ox.RdfFormat.N_TRIPLES)
            elif self.fmt != "ntriples" and isinstance(answer, ox.QuerySolutions):
                answer.serialize(self, _RESULTS_FORMATS[self.fmt])
            else:
                return None
        except _Stop:
            return False
        return True

    def write(self, chunk: bytes) -> int:
        if self.stopped:  # pyoxigraph's buffer retries its last chunk as it is dropped
            raise _Stop
        self.spool.write(chunk)
        if self.rows:
            self.breaks += chunk.count(b"\r\n") + (self._cr_last and chunk[:1] == b"\n")
            self._cr_last = chunk[-1:] == b"\r"
        else:
            self.breaks += chunk.count(b"\n")
        if self.breaks > self.stop_above:
            self.stopped = True
            raise _Stop
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise TimeUp
        return len(chunk)

    def flush(self) -> None:
        """pyoxigraph flushes its output when done; the spool is read back as it is."""


def _read_records(spool: IO[bytes], most: int, finished: bool) -> tuple[list[list[str]], bool]:
    """The header and up to ``most + 1`` complete records from the spool, and whether
    they are the whole answer.

    When pyoxigraph was stopped, the spool may end inside a record: the last one
    read is dropped, as is the last of a read stopped at the bound.
    """
    text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
    records: list[list[str]] = []
    cut = False
    try:
        for record in csv.reader(text):
            records.append(record)
            if len(records) > most + 2:  # header, most + 1 records, and one more
                cut = True
                break
    except csv.Error:  # the stop fell inside a quoted value
        pass
    finally:
        text.detach()
    whole = finished and not cut
    return (records if whole else records[:-1]), whole


def _write_records(records: Iterable[list[str]], out: IO[bytes]) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        csv.writer(text, lineterminator="\r\n").writerows(records)
        text.flush()
    finally:
        text.detach()


def _copy(spool: IO[bytes], out: IO[bytes], hidden: list[str]) -> None:
    """The spool to ``out``: as it is, or through the csv module (about 3 µs a row,
    against 11 to 24 for rows made Python objects) when a hidden column must go or
    the answer has one column, whose empty value pyoxigraph writes as an empty line
    (which readers skip) and the csv module as ``""``."""
    header = spool.readline()
    spool.seek(0)
    if not hidden and b"," in header:  # variable names hold no comma
        shutil.copyfileobj(spool, out, 1024 * 1024)
        out.flush()
        return
    text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
    try:
        _write_records(_without(csv.reader(text), hidden), out)
    finally:
        text.detach()


def _without(records: Iterable[list[str]], hidden: list[str]) -> Iterator[list[str]]:
    """The records without the columns named in ``hidden`` (found by the header)."""
    records = iter(records)
    header = next(records, None)
    if header is None:
        return
    keep = [i for i, name in enumerate(header) if name not in hidden]
    yield [header[i] for i in keep]
    for record in records:
        yield [record[i] if i < len(record) else "" for i in keep]
