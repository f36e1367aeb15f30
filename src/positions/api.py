"""The Python API: :class:`KnowledgeBase`, the one object a notebook needs.

    from positions import KnowledgeBase
    kb = KnowledgeBase.open()                       # the bundled base, or a folder
    kb.query("us-unacceptable-demands").rows
    kb.validate(["new-statements.ttl"]).conforms
    kb.add(["new-statements.ttl"], dry_run=True).to_text()
    kb.export("turtle")                             # bytes

    remote = KnowledgeBase.open(endpoint="http://127.0.0.1:7878/query")
    remote.query("meeting-timeline")                # runs on the server

Every ``positions`` command is a thin skin over one of these verbs.  The work is
done by the layers below (:mod:`positions.sparql`, :mod:`positions.checking`,
:mod:`positions.adding`, :mod:`positions.output`, :mod:`positions.remote`,
:mod:`positions.web`), each imported when its verb is first used, so that a
query never pays for rdflib or pyshacl.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO, TypeVar

from positions.base.layout import find_base
from positions.base.local import LocalBase
from positions.output.render import Answered  # what write_query returns
from positions.sparql.limits import ADHOC_TIMEOUT, MEMORY_PER_QUERY_MIB, SAVED_TIMEOUT

if TYPE_CHECKING:  # imported by the verbs that need them
    from positions.adding.apply import Outcome
    from positions.adding.edit import EditOutcome
    from positions.base.about import About
    from positions.checking.report import Report
    from positions.remote.http import Credentials
    from positions.remote.push import PushReport
    from positions.sparql.catalogue import SavedQuery
    from positions.sparql.engine import QueryResult
    from positions.web.bounded import BoundedServer
    from positions.web.guard import Safety

T = TypeVar("T")
# Requests to a server: seconds to wait for each.
REQUEST_TIMEOUT = 30.0


class KnowledgeBase(LocalBase):
    """A base: its files on disk (the ontology, the shapes and the saved queries
    always come from there) and, when opened with ``endpoint``, the SPARQL server
    that holds its data, where queries and validation then run."""

    def __init__(
        self,
        root: Path,
        store: str | None = None,
        *,
        endpoint: str | None = None,
        credentials: Credentials | None = None,
        timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        super().__init__(root, store)
        self.origin = "given"  # how open() found it: --kb, $POSITIONS_KB, ... (see info)
        self.endpoint = endpoint
        self._credentials = credentials
        self.request_timeout = timeout

    @classmethod
    def open(
        cls,
        path: Path | str | None = None,
        store: str | None = None,
        *,
        endpoint: str | None = None,
        credentials: Credentials | None = None,
        timeout: float = REQUEST_TIMEOUT,
    ) -> KnowledgeBase:
        """Open the base at ``path`` (else $POSITIONS_KB, the current folder, the bundled one).

        ``store`` is ``"memory"`` or ``"disk"`` (None: $POSITIONS_STORE, then the
        base's positions.toml).  With ``endpoint`` (a SPARQL 1.1 query URL),
        :meth:`query` and :meth:`validate` run against the server's data, with
        ``credentials`` (default: $POSITIONS_ENDPOINT_USER and _PASSWORD, or
        _TOKEN) and ``timeout`` seconds for each request.
        """
        found = find_base(path)
        kb = cls(found.root, store, endpoint=endpoint, credentials=credentials, timeout=timeout)
        kb.origin = found.origin
        return kb

    @classmethod
    def init(cls, folder: Path | str, *, empty: bool = False) -> KnowledgeBase:
        """Make a base of one's own at ``folder`` (new, or empty): a copy of the bundled
        base, or with ``empty`` its ontology and saved queries and no data; open it."""
        from positions.base.layout import bundled_base
        from positions.base.newbase import make_base

        kb = cls(make_base(Path(folder), bundled_base(), empty=empty))
        kb.origin = "given"
        return kb

    def info(self) -> About:
        """Where the base is and why it was chosen, what it holds, its store, the version."""
        from positions.base.about import describe

        return describe(self.root, self.origin, self.store, self.store_kind)

    def refuse_installed_copy(self) -> None:
        """Refuse (UsageError) to write the bundled copy inside an installed package: a
        reinstall would lose it. Every command that writes data/ calls this first."""
        from positions.base.layout import refuse_installed_copy

        refuse_installed_copy(self.root)

    @property
    def credentials(self) -> Credentials:
        """The credentials sent to :attr:`endpoint`."""
        if self._credentials is None:
            from positions.remote.http import Credentials

            self._credentials = Credentials.from_options(env_prefix="POSITIONS_ENDPOINT")
        return self._credentials

    # --- Queries ----------------------------------------------------------------

    def queries(self) -> list[SavedQuery]:
        """The saved queries of the base, by name."""
        return self.catalogue.all()

    def default_timeout(self, name_or_text: str) -> float:
        """The time limit of a query when none is given: longer for a saved one."""
        return SAVED_TIMEOUT if name_or_text in self.catalogue.names() else ADHOC_TIMEOUT

    def search(self, text: str, *, limit: int = 50, kinds: Iterable[str] = ()) -> list[Any]:
        """The nodes whose labels, alternative labels, quotes, paraphrases or excerpts
        match ``text`` (each word; the last may be the start of one), best first, as
        :class:`positions.base.search.Hit` (iri, kind, label, snippet, score); ``kinds``
        keeps some kinds only ("person", "statement", ...).  The index (SQLite FTS5) is
        kept in ``.positions-cache/search.sqlite`` and rebuilt when the files change."""
        from positions.base.search import SearchIndex

        index = self.__dict__.get("_search") or SearchIndex(self)
        self.__dict__["_search"] = index
        return index.search(text, limit=limit, kinds=kinds)

    def query(
        self,
        name_or_text: str,
        /,
        params: Mapping[str, Any] | None = None,
        *,
        allow_network: bool = False,
        row_limit: int | None = None,
        timeout: float | None = None,
        **named: Any,
    ) -> QueryResult:
        """Run a saved query (by name or path) or SPARQL text, parameters bound as RDF terms.

        Parameters come as ``params`` or as keywords (``kb.query("node-statements",
        node="kb:russia")``).  Locally, or on :attr:`endpoint` when the base was
        opened with one; the same queries and values are refused either way.
        """
        given = {**(params or {}), **named}
        if timeout is None:
            timeout = self.default_timeout(name_or_text)
        if self.endpoint is not None:
            from positions.remote.query import run_remote

            return run_remote(
                self,
                name_or_text,
                given,
                endpoint=self.endpoint,
                credentials=self.credentials,
                allow_network=allow_network,
                row_limit=row_limit,
                timeout=timeout,
            )
        from positions.sparql.engine import prepare, run_prepared

        prepared = prepare(self, name_or_text, given, allow_network=allow_network)
        return self._healing(
            lambda: run_prepared(self, prepared, row_limit=row_limit, timeout=timeout)
        )

    def write_query(
        self,
        name_or_text: str,
        params: Mapping[str, Any] | None = None,
        *,
        out: TextIO | None = None,
        fmt: str | None = None,
        allow_network: bool = False,
        row_limit: int | None = None,
        timeout: float | None = None,
    ) -> Answered:
        """Run a query and write its answer to ``out`` (default: standard output).

        The format defaults to a table on a terminal and CSV (or Turtle) elsewhere.
        CSV, TSV or N-Triples of a local query into a pipe or a file are written by
        pyoxigraph itself (:mod:`positions.output.oxigraph_results`: the same bytes, faster on
        a large answer); anything else is rendered by :mod:`positions.output.render`.
        """
        from positions.errors import UsageError
        from positions.output.render import FormatMismatch, default_format, render

        out = sys.stdout if out is None else out
        terminal = out.isatty()
        if self.endpoint is None:
            self.prefetch_store()  # a large base's store opens while the query is made ready
        if timeout is None:
            timeout = self.default_timeout(name_or_text)
        if self.endpoint is None:
            from positions.sparql.engine import prepare, run_prepared

            prepared = prepare(self, name_or_text, params or {}, allow_network=allow_network)
            wanted = fmt or default_format(prepared.query.kind, terminal)
            if not terminal:
                streamed = self._healing(
                    lambda: self._stream(prepared, wanted, out, row_limit, timeout)
                )
                if streamed is not None:
                    return Answered(prepared.query.kind, streamed.truncated, None)
            result = self._healing(
                lambda: run_prepared(self, prepared, row_limit=row_limit, timeout=timeout)
            )
        else:
            result = self.query(
                name_or_text,
                params,
                allow_network=allow_network,
                row_limit=row_limit,
                timeout=timeout,
            )
        chosen = fmt or default_format(result.kind, terminal)
        try:
            text = render(result, chosen, store=self.store, terminal=terminal, width=_width(out))
        except FormatMismatch as error:
            raise UsageError(str(error)) from None
        out.write(text)
        return Answered(result.kind, result.truncated, result.boolean)

    def unknown_parameters(
        self, name_or_text: str, params: Mapping[str, Any] | None = None
    ) -> list[str]:
        """A line for each IRI given in ``params`` that names nothing in the base, with
        the nearest nodes of the kind the parameter expects ("kb:russa is not in the
        base; did you mean kb:russia (Russia)?").  Empty with :attr:`endpoint`."""
        if self.endpoint is not None or not params:
            return []
        from positions.checking.unknown import parameter_notices

        return parameter_notices(self, name_or_text, params)

    def _healing(self, read: Callable[[], T]) -> T:
        """``read()``; if it meets a damaged block of the store on disk (RocksDB finds
        some damage only when a query reads it), the store is rebuilt from the files,
        as :meth:`LocalBase.store` rebuilds one damaged at its opening, and read again.
        Nothing was written before the failure: answers are written once complete."""
        from positions.errors import InputError

        try:
            return read()
        except (OSError, RuntimeError, InputError) as error:
            from positions.base.healing import damage

            cause = error.__cause__ if isinstance(error, InputError) else error
            reason = damage(cause) if cause is not None else None
            if reason is None or self.disk_store is None:
                raise
            self.__dict__.pop("store", None)
            self.disk_store.heal(reason)
        return read()

    def _stream(
        self, prepared: Any, fmt: str, out: TextIO, row_limit: int | None, timeout: float
    ) -> Any:
        """pyoxigraph's own writer into ``out``'s bytes, if the format has one; the
        :class:`~positions.output.oxigraph_results.Streamed` outcome, else None."""
        from positions.output.render import OutputFormat

        if fmt not in (OutputFormat.csv, OutputFormat.tsv, OutputFormat.ntriples):
            return None
        binary = getattr(out, "buffer", None)  # None when out takes text only
        if binary is None:
            return None
        from positions.output.oxigraph_results import write_csv, write_ntriples, write_tsv

        write = {OutputFormat.csv: write_csv, OutputFormat.tsv: write_tsv}.get(fmt, write_ntriples)
        out.flush()
        return write(self, prepared, binary, row_limit=row_limit, timeout=timeout)

    # --- Checking and adding ----------------------------------------------------

    def validate(
        self,
        files: Iterable[Path | str] | None = None,
        *,
        strict: bool = False,
        whole: bool = False,
        engine: str = "pyshacl-turbo",
    ) -> Report:
        """Validate the base, or ``files`` in its context (only what they reach,
        unless ``whole``), against the shapes and the checks beyond SHACL Core.

        ``engine``: ``"pyshacl-turbo"`` (the default) or ``"pyshacl"``, the
        reference (slower; the same problems: docs/validation.md).

        With :attr:`endpoint`, ``files`` are validated against the server's data.
        """
        files = list(files) if files is not None else None
        if self.endpoint is not None:
            from positions.errors import UsageError
            from positions.remote.store import validate_remote

            if not files:
                raise UsageError(
                    "--endpoint validates new FILEs against the server's base; give the files "
                    "(the whole base is validated locally: positions validate)"
                )
            if whole:
                raise UsageError(
                    "--all cannot be used with --endpoint: whole-base validation runs on the "
                    "local base"
                )
            return validate_remote(
                self,
                files,
                endpoint=self.endpoint,
                credentials=self.credentials,
                timeout=self.request_timeout,
                strict=strict,
            )
        from positions.checking.validate import validate

        return validate(self, files or None, strict=strict, incremental=not whole, engine=engine)

    def add(
        self,
        files: Iterable[Path],
        *,
        dry_run: bool = False,
        strict: bool = False,
        to: str | None = None,
        graph: str | None = None,
        insecure: bool = False,
        credentials: Credentials | None = None,
        by: str | None = None,
        reason: str | None = None,
    ) -> Outcome:
        """Add the facts of ``files``, all or nothing, after validating them with the base.

        Into data/; or, with ``to`` (a Graph Store Protocol URL), into the base that
        server holds (looked up through :attr:`endpoint`, else the query URL beside
        ``to``), in one request, with ``credentials`` (default: $POSITIONS_PUSH_*).
        """
        files = list(files)
        if to is None:
            if self.endpoint or graph or insecure:
                from positions.errors import UsageError

                raise UsageError("--endpoint, --graph and --insecure go with --to STORE_URL")
            from positions.adding.apply import add
            from positions.adding.changelog import noted

            if not dry_run:
                self.refuse_installed_copy()
            with noted(by, reason):  # for the change log
                return add(self, files, dry_run=dry_run, strict=strict)
        from positions.remote.http import Credentials
        from positions.remote.store import add_remote

        return add_remote(
            self,
            files,
            store_url=to,
            endpoint=self.endpoint,
            graph=graph,
            credentials=credentials or Credentials.from_options(),
            timeout=self.request_timeout,
            insecure=insecure,
            dry_run=dry_run,
            strict=strict,
        )

    def import_csv(
        self,
        path: Path,
        *,
        kind: str | None = None,
        dry_run: bool = False,
        strict: bool = False,
        by: str | None = None,
        reason: str | None = None,
    ) -> Outcome:
        """Add the rows of a CSV file (see docs/adding.md) exactly as :meth:`add` adds a file."""
        from positions.adding.changelog import noted
        from positions.adding.csvimport import import_csv

        if not dry_run:
            self.refuse_installed_copy()
        with noted(by, reason):  # for the change log
            return import_csv(self, path, kind=kind, dry_run=dry_run, strict=strict)

    def amend(
        self,
        file: Path | str,
        *,
        dry_run: bool = False,
        strict: bool = False,
        by: str | None = None,
        reason: str | None = None,
    ) -> EditOutcome:
        """Replace the values ``file`` gives for the properties of nodes the base holds,
        validated and recorded in the change log (``by``: default $USER), all or nothing."""
        from positions.adding.amend import amend
        from positions.adding.changelog import noted

        if not dry_run:
            self.refuse_installed_copy()
        with noted(by, reason):
            return amend(self, Path(file), dry_run=dry_run, strict=strict)

    def retract(
        self,
        iris: Iterable[str],
        *,
        cascade: bool = False,
        dry_run: bool = False,
        strict: bool = False,
        by: str | None = None,
        reason: str | None = None,
    ) -> EditOutcome:
        """Remove the facts about ``iris`` (``kb:...``) and the evidence under them; refused
        while other facts point at them, unless ``cascade`` (then those go too)."""
        from positions.adding.changelog import noted
        from positions.adding.retract import retract

        if not dry_run:
            self.refuse_installed_copy()
        with noted(by, reason):
            return retract(self, list(iris), cascade=cascade, dry_run=dry_run, strict=strict)

    def log(self, node: str | None = None) -> QueryResult:
        """The change log (every add, amend, retract and import), or the changes of ``node``:
        one row per change, node and property, with its values before and after."""
        from positions.adding.history import history

        return history(self, node)

    @staticmethod
    def csv_template(kind: str) -> str:
        """The CSV header of one kind of row and an example row (``import --template``)."""
        from positions.adding.csvimport import template

        return template(kind)

    def non_canonical(self) -> list[str]:
        """The data files (relative to data/) not in canonical form."""
        from positions.adding.fmt import non_canonical

        return sorted(non_canonical(self))

    def format(self) -> tuple[list[str], list[str]]:
        """Rewrite the data files not in canonical form, in one transaction:
        (the files rewritten, what an interrupted add left and was finished)."""
        from positions.adding.fmt import format_base

        self.refuse_installed_copy()
        return format_base(self)

    # --- Output -----------------------------------------------------------------

    def export(
        self,
        fmt: str = "turtle",
        *,
        output: Path | None = None,
        include_ontology: bool = True,
        include_shapes: bool = False,
        include_description: bool = True,
        sparql_endpoint: str | None = None,
        include_inferred: bool = False,
    ) -> bytes:
        """The base in an RDF format (turtle, nt, trig, nquads, jsonld, rdfxml), with
        its VoID/DCAT description; written atomically to ``output`` when given
        (never inside the base's own folders).  ``include_inferred`` adds the
        graph of inferred triples (``https://w3id.org/positions/graph/inferred``)
        if the store has one (:meth:`has_inferred_graph`).  For a large base,
        :meth:`write_export` streams instead of holding the bytes."""
        from positions.output.export import export_base

        options = dict(include_ontology=include_ontology, include_shapes=include_shapes,
                       include_description=include_description, sparql_endpoint=sparql_endpoint,
                       include_inferred=include_inferred)  # fmt: skip
        written = export_base(self, fmt, output=output, **options)
        return output.read_bytes() if output is not None else written

    def write_export(
        self,
        fmt: str = "turtle",
        *,
        output: Path | None = None,
        to: BinaryIO | None = None,
        include_ontology: bool = True,
        include_shapes: bool = False,
        include_description: bool = True,
        sparql_endpoint: str | None = None,
        include_inferred: bool = False,
    ) -> None:
        """Write the export (see :meth:`export`) atomically to the file ``output``, or
        into the binary stream ``to``, streaming from the store (N-Triples and
        N-Quads always, Turtle and TriG of a large base) with a bar on a terminal."""
        from positions.output.export import export_base

        options = dict(include_ontology=include_ontology, include_shapes=include_shapes,
                       include_description=include_description, sparql_endpoint=sparql_endpoint,
                       include_inferred=include_inferred)  # fmt: skip
        export_base(self, fmt, output=output, to=to, **options)

    def has_inferred_graph(self) -> bool:
        """Whether the store holds inferred triples (made by RDFS entailment)."""
        from positions.output.export import has_inferred_graph

        return has_inferred_graph(self)

    def report(self, output: Path | None = None) -> str:
        """The HTML report of the base; written to ``output`` (readable by all) when given."""
        from positions.output.export import refuse_output_inside_base, write_atomically
        from positions.output.html_report import build_report

        if output is not None:
            refuse_output_inside_base(self, output)
        html = build_report(self)
        if output is not None:
            write_atomically(output, html.encode("utf-8"))  # under the user's umask
        return html

    def push(
        self,
        url: str,
        *,
        graph: str | None = None,
        query_endpoint: str | None = None,
        credentials: Credentials | None = None,
        insecure: bool = False,
        with_description: bool = False,
    ) -> PushReport:
        """Replace a graph of a Graph Store Protocol server (``url``) with the base,
        then count what the server holds there."""
        from positions.remote.http import Credentials
        from positions.remote.push import push

        return push(
            self,
            url,
            graph=graph,
            query_endpoint=query_endpoint,
            credentials=credentials or Credentials.from_options(),
            insecure=insecure,
            timeout=self.request_timeout,
            with_description=with_description,
        )

    def web_server(
        self,
        host: str = "127.0.0.1",
        port: int = 8080,
        *,
        timeout: float,
        max_rows: int,
        max_memory: int = MEMORY_PER_QUERY_MIB,
        safety: Safety | None = None,
    ) -> BoundedServer:
        """The web view and SPARQL endpoint of the base, bound to ``host:port`` (call
        ``serve_forever()`` on it); each visitor's query may take ``max_memory`` MiB;
        ``safety``: the Host names and origins it accepts, its connection and time limits
        (:class:`positions.web.guard.Safety`)."""
        from positions.errors import UsageError
        from positions.web.server import Site, make_server

        site = Site(self, timeout=timeout, max_rows=max_rows, max_memory=max_memory)
        try:
            server = make_server(site, host, port, safety=safety)
        except OSError as error:
            raise UsageError(f"cannot listen on {host}:{port}: {error.strerror}") from None
        site.warm_search()  # the search index, built in the background if out of step
        return server


def _width(out: TextIO) -> int | None:
    import shutil

    return shutil.get_terminal_size((120, 24)).columns if out.isatty() else None
