"""Helpers shared by the test files (imported as ``support``): the bundled base, ``cli``
(``positions`` run in-process), ``start_add`` (run as a process), a real Oxigraph server, a
real Virtuoso server and a recording web server."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import http.server
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from email.message import Message
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner, Result

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"
KB = "https://w3id.org/positions/id/"
POS = "https://w3id.org/positions/vocab#"

# The prefixes a test's Turtle of new facts starts with.
TURTLE_PREFIXES = """\
@prefix kb: <https://w3id.org/positions/id/> .
@prefix pos: <https://w3id.org/positions/vocab#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix stance: <https://w3id.org/positions/vocab/stance/> .
@prefix scope: <https://w3id.org/positions/vocab/scope/> .
@prefix genre: <https://w3id.org/positions/vocab/genre/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

PREFIXES = """
PREFIX kb: <https://w3id.org/positions/id/>
PREFIX pos: <https://w3id.org/positions/vocab#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX stance: <https://w3id.org/positions/vocab/stance/>
PREFIX scope: <https://w3id.org/positions/vocab/scope/>
PREFIX topic: <https://w3id.org/positions/vocab/topic/>
PREFIX genre: <https://w3id.org/positions/vocab/genre/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX wd: <http://www.wikidata.org/entity/>
"""


RUNNER = CliRunner()


def cli(*args: str, app: Any = None, **options: Any) -> Result:
    """Run ``positions ARGS`` in this process (typer's CliRunner on ``positions.cli.app.app``,
    or on ``app`` when given); ``options`` go to ``CliRunner.invoke`` (input, env,
    catch_exceptions)."""
    if app is None:
        from positions.cli.app import app
    return RUNNER.invoke(app, list(args), **options)


def start_add(base: Path, path: Path, pause: str | None = None) -> subprocess.Popen[str]:
    """``python -m positions --kb BASE add PATH`` as a real process, its output in pipes.

    With ``pause``, the test hook POSITIONS_TEST_PAUSE_AT makes the run stop at that
    step of the commit and say ``positions: paused at <step>`` on standard error.
    """
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    env.pop("POSITIONS_TEST_PAUSE_AT", None)
    if pause:
        env["POSITIONS_TEST_PAUSE_AT"] = pause
    return subprocess.Popen(
        [sys.executable, "-m", "positions", "--kb", str(base), "add", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def start_positions(base: Path, *args: str, pause: str | None = None) -> subprocess.Popen[str]:
    """``python -m positions --kb BASE ARGS...`` as a real process (any command), as
    :func:`start_add` runs ``add``, with the same ``pause`` hook."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    env.pop("POSITIONS_TEST_PAUSE_AT", None)
    if pause:
        env["POSITIONS_TEST_PAUSE_AT"] = pause
    return subprocess.Popen(
        [sys.executable, "-m", "positions", "--kb", str(base), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def bench_module(name: str):
    """``bench/<name>.py`` as a module (bench/ is scripts, not a package); cached in
    ``sys.modules`` so that its dataclasses and pickling find it."""
    path = REPO / "bench" / f"{name}.py"
    if getattr(sys.modules.get(name), "__file__", None) == str(path):
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def files(folder: str) -> list[Path]:
    return sorted((REPO / folder).glob("*.ttl"))


@lru_cache(maxsize=1)
def bundled_store() -> ox.Store:
    """The ontology and data of the bundled base in one default graph (read-only use)."""
    store = ox.Store()
    for path in files("ontology") + files("data"):
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


def select(query: str, store: ox.Store | None = None) -> list[dict[str, str]]:
    """Rows of a SELECT as dicts of plain strings (unbound variables left out)."""
    result = (store or bundled_store()).query(PREFIXES + query)
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


def ask(query: str, store: ox.Store | None = None) -> bool:
    return bool((store or bundled_store()).query(PREFIXES + query))


def copy_bundled(root: Path) -> Path:
    """A writable copy of the bundled base (ontology/, data/, queries/, sources/) at ``root``."""
    import shutil

    for part in ("ontology", "data", "queries", "sources"):
        shutil.copytree(REPO / part, root / part)
    return root


def tree_digest(folder: Path) -> str:
    """A digest of every file under ``folder`` (names and bytes), to prove nothing changed."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


# -- a real Oxigraph server ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _oxigraph_binary() -> str | None:
    beside_python = Path(sys.executable).parent / "oxigraph"
    if beside_python.exists():
        return str(beside_python)
    return shutil.which("oxigraph")


def _wait_until_up(url: str, process: subprocess.Popen, seconds: float = 15.0) -> None:
    name = Path(str(process.args[0])).name  # type: ignore[index]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{name} did not answer at {url} within {seconds} s")


@contextmanager
def oxigraph_server(location: Path) -> Iterator[str]:
    """``http://127.0.0.1:PORT`` of a fresh Oxigraph server (read-write, stored in ``location``).

    The server the ``oxigraph`` package on PyPI ships (the test extra installs
    it); the test is skipped without it.  Stopped when the block ends.
    """
    binary = _oxigraph_binary()
    if binary is None:
        pytest.skip("the oxigraph server is not installed: pip install oxigraph")
    base = f"http://127.0.0.1:{free_port()}"
    process = subprocess.Popen(
        [binary, "serve", "--location", str(location), "--bind", base.removeprefix("http://")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(base + "/query?query=ASK%7B%7D", process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- a real Virtuoso server (Debian's virtuoso-opensource) -------------------------------

VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
VIRTUOSO_DEFAULT_GRAPH = "urn:x-positions:default"


class Virtuoso(NamedTuple):
    """A running Virtuoso: its Graph Store endpoint, its query endpoint and the graph that
    is the query endpoint's default graph."""

    store: str
    query: str
    graph: str


def _virtuoso_ini(folder: Path, sql_port: int, http_port: int) -> str:
    """Debian's virtuoso.ini with every file in ``folder`` and both ports on 127.0.0.1
    (the recipe of /work/shared/ENGINES.md); no admin UI (VAD) installed."""
    files = {
        ("Database", "DatabaseFile"): "virtuoso.db",
        ("Database", "ErrorLogFile"): "virtuoso.log",
        ("Database", "LockFile"): "virtuoso.lck",
        ("Database", "TransactionFile"): "virtuoso.trx",
        ("Database", "xa_persistent_file"): "virtuoso.pxa",
        ("TempDatabase", "DatabaseFile"): "virtuoso-temp.db",
        ("TempDatabase", "TransactionFile"): "virtuoso-temp.trx",
    }
    section, out = "", []
    for line in VIRTUOSO_INI.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1]
        key = stripped.split("=", 1)[0].strip() if "=" in stripped else ""
        if (section, key) in files:
            line = f"{key} = {folder / files[(section, key)]}"
        elif (section, key) == ("Parameters", "ServerPort"):
            line = f"ServerPort = 127.0.0.1:{sql_port}"
        elif (section, key) == ("Parameters", "DirsAllowed"):
            line = f"{line}, {folder}"
        elif (section, key) == ("Parameters", "VADInstallDir"):
            line = ";" + line
        elif (section, key) == ("HTTPServer", "ServerPort"):
            line = f"ServerPort = 127.0.0.1:{http_port}"
        elif (section, key) == ("URIQA", "DefaultHost"):
            line = f"DefaultHost = 127.0.0.1:{http_port}"
        out.append(line)
    return "\n".join(out) + "\n"


@contextmanager
def virtuoso_server(folder: Path) -> Iterator[Virtuoso]:
    """A fresh Virtuoso on 127.0.0.1, its files in ``folder``, that takes anonymous Graph
    Store writes and whose ``/sparql`` has :data:`VIRTUOSO_DEFAULT_GRAPH` as default graph.

    Skipped without Debian's ``virtuoso-opensource`` (``.ci/run`` installs it as root).
    Stopped (SIGTERM) when the block ends."""
    binary, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if binary is None or isql is None or not VIRTUOSO_INI.exists():
        pytest.skip("Virtuoso is not installed: apt-get install virtuoso-opensource")
    sql_port, http_port = free_port(), free_port()
    (folder / "virtuoso.ini").write_text(_virtuoso_ini(folder, sql_port, http_port))
    base = f"http://127.0.0.1:{http_port}"
    process = subprocess.Popen(
        [binary, "+foreground", "+configfile", str(folder / "virtuoso.ini")],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(base + "/sparql?query=ASK%7B%7D", process, seconds=60)
        setup = (
            'grant SPARQL_UPDATE to "SPARQL"; '
            "insert into DB.DBA.SYS_SPARQL_HOST (SH_HOST, SH_GRAPH_URI) values "
            f"('127.0.0.1:{http_port}', '{VIRTUOSO_DEFAULT_GRAPH}');"
        )
        subprocess.run(
            [isql, f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={setup}"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        yield Virtuoso(base + "/sparql-graph-crud", base + "/sparql", VIRTUOSO_DEFAULT_GRAPH)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- a recording web server ------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Request:
    """One request a recording server received, and the status it answered."""

    method: str
    path: str
    headers: Message
    body: bytes
    status: int | None = None


Answer = Callable[[Request], tuple[int, Mapping[str, str], bytes]]


class Served(NamedTuple):
    """A running recording server: its base URL and the requests it has received so far."""

    url: str
    requests: list[Request]

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])


@contextmanager
def recording_server(
    status: int = 200,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
    *,
    answer: Answer | None = None,
    delay: float = 0.0,
) -> Iterator[Served]:
    """A web server on 127.0.0.1 that records every request (GET, POST, PUT, DELETE).

    Each is answered ``status``, ``headers`` and ``body`` (a Content-Length is added),
    or what ``answer(request)`` returns, after ``delay`` seconds.  A request is
    recorded before it is answered.  Stopped when the block ends.
    """
    requests: list[Request] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            sent = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            request = Request(self.command, self.path, self.headers, sent)
            code, fields, text = answer(request) if answer else (status, headers or {}, body)
            requests.append(dataclasses.replace(request, status=code))
            time.sleep(delay)
            try:
                self.send_response(code)
                for name, value in fields.items():
                    self.send_header(name, value)
                if "Content-Length" not in fields:
                    self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)
            except OSError:
                pass  # the client gave up (a timeout test)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield Served(f"http://127.0.0.1:{server.server_address[1]}", requests)
    finally:
        server.shutdown()
        server.server_close()


# -- raw HTTP, for requests no client library would send -------------------------------


class RawReply(NamedTuple):
    status: int | None  # None: the server closed without answering
    headers: dict[str, str]  # names lower-case
    body: str
    seconds: float


def raw_http(port: int, data: bytes, *, timeout: float = 5.0, host: str = "127.0.0.1") -> RawReply:
    """Send ``data`` as it is to ``host:port`` and read one answer (to the connection's close
    or the end of its Content-Length)."""
    began = time.monotonic()
    with socket.create_connection((host, port), timeout=timeout) as connection:
        with contextlib.suppress(OSError):  # the server may answer and close before the end
            connection.sendall(data)
        received = b""
        try:
            while b"\r\n\r\n" not in received:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                received += chunk
            head, _, body = received.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {
                k.strip().lower(): v.strip()
                for k, _, v in (line.partition(":") for line in lines[1:])
            }
            length = int(headers.get("content-length", "0"))
            while len(body) < length:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                body += chunk
        except (ConnectionResetError, TimeoutError):
            return RawReply(None, {}, "", time.monotonic() - began)
    if not received:
        return RawReply(None, {}, "", time.monotonic() - began)
    status_words = lines[0].split()
    status = int(status_words[1]) if len(status_words) > 1 and status_words[1].isdigit() else None
    return RawReply(status, headers, body.decode("utf-8", "replace"), time.monotonic() - began)
