"""Push the base to a Graph Store Protocol server, and count what the server then holds.

    report = push(kb, "http://127.0.0.1:7878/store")
    print(report.summary())

The base goes up as N-Triples in one ``PUT`` (replacing the graph), through
:func:`positions.remote.http.request`; the triples are then counted back on the
server, and the server is asked whether it takes an anonymous write.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox

from positions.remote.graphs import derive_endpoint, derive_query_endpoint, graph_iri, graph_url
from positions.remote.http import (
    DEFAULT_TIMEOUT,
    NO_CREDENTIALS,
    Credentials,
    RemoteError,
    check_url,
    request,
    shown,
)
from positions.remote.query import parse_answer, post_query

if TYPE_CHECKING:
    from positions.base.local import LocalBase

ANONYMOUS_WRITE_WARNING = (
    "Warning: the server accepted an anonymous write; anyone who can reach it can change or "
    "delete the base. Put it behind a proxy with authentication (see docs/remote.md)."
)


@dataclass
class PushReport:
    """What a push sent and what the server then holds."""

    url: str  # shown form, no secrets
    graph: str | None  # None: the default graph
    triples_sent: int
    bytes_sent: int
    triples_on_server: int
    seconds: float
    anonymous: bool  # True when the server takes writes without credentials

    def summary(self) -> str:
        target = f"graph <{self.graph}>" if self.graph else "the default graph"
        return (
            f"Pushed {self.triples_sent:,} triples ({self.bytes_sent / 1024:,.0f} KiB) to "
            f"{target} of {self.url} in {self.seconds:.1f} s; the server now holds "
            f"{self.triples_on_server:,} triples there."
        )


def push(
    kb: LocalBase,
    url: str,
    *,
    graph: str | None = None,
    query_endpoint: str | None = None,
    credentials: Credentials = NO_CREDENTIALS,
    insecure: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    with_description: bool = False,
) -> PushReport:
    """Replace a graph of a Graph Store Protocol server with the base; count it back.

    What goes up is what local queries see, the ontology and the data
    (``with_description`` adds the VoID/DCAT description), as N-Triples.  On a
    terminal each step shows with the time spent (``progress.Stages``: quiet in
    pipes and tests).
    """
    from positions.output.export import export

    check_url(url, what="store URL", insecure=insecure, credentials=credentials, require_tls=True)
    iri = graph_iri(graph)
    counter = query_endpoint or derive_query_endpoint(url)
    if counter:
        check_url(counter, what="query endpoint", insecure=insecure, credentials=credentials)
    from positions.progress import Stages

    kb.store  # noqa: B018 - loaded first, with its own progress bar (one live display at a time)
    stages = Stages()
    stages("writing the base as N-Triples")
    with stages as stage:
        body = export(kb, "nt", include_description=with_description)
        sent = _count_ntriples(body)
        target = graph_url(url, iri)
        started = time.monotonic()
        stage(f"uploading {sent:,} triples ({len(body) / 1024:,.0f} KiB) to {shown(url)}")
        request(
            "PUT",
            target,
            body=body,
            headers={"Content-Type": "application/n-triples"},
            credentials=credentials,
            timeout=timeout,
        )
        stage("counting the triples on the server")
        held = count_on_server(url, iri, counter, credentials=credentials, timeout=timeout)
        # With credentials the PUT proves nothing about strangers: Oxigraph server, for one,
        # ignores the Authorization header.  Ask the server whether it takes an anonymous write.
        stage("checking whether the server takes anonymous writes")
        anonymous = not credentials or accepts_anonymous_update(url, timeout=timeout)
    return PushReport(
        url=shown(url),
        graph=iri,
        triples_sent=sent,
        bytes_sent=len(body),
        triples_on_server=held,
        seconds=time.monotonic() - started,
        anonymous=anonymous,
    )


def accepts_anonymous_update(store_url: str, *, timeout: float = DEFAULT_TIMEOUT) -> bool:
    """True if the update endpoint beside ``store_url`` runs an empty update sent anonymously.

    ``INSERT DATA { }`` changes nothing, so the probe is harmless; a server that
    refuses it (401, 403, 404, 405) or cannot be asked is taken as protected.
    """
    update = derive_endpoint(store_url, "/update")
    if update is None:
        return False
    try:
        request(
            "POST",
            update,
            body=b"INSERT DATA { }",
            headers={"Content-Type": "application/sparql-update"},
            timeout=timeout,
        )
    except RemoteError:
        return False
    return True


def count_on_server(
    store_url: str,
    graph: str | None,
    query_endpoint: str | None,
    *,
    credentials: Credentials = NO_CREDENTIALS,
    timeout: float = DEFAULT_TIMEOUT,
) -> int:
    """Triples in the graph on the server: a COUNT on the query endpoint, else a GET."""
    if query_endpoint is None:
        # No query endpoint known: read the graph back through the Graph Store Protocol.
        answer = request(
            "GET",
            graph_url(store_url, graph),
            headers={"Accept": "application/n-triples"},
            credentials=credentials,
            timeout=timeout,
        )
        return _count_ntriples(answer.body)
    # The graph's IRI is written by pyoxigraph (validated by graph_iri), not pasted.
    pattern = f"GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
    text = f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}"
    answer = post_query(query_endpoint, text, credentials=credentials, timeout=timeout)
    solutions = list(parse_answer(answer, "select", query_endpoint))
    try:
        return int(solutions[0]["n"].value)
    except (IndexError, KeyError, TypeError, ValueError):
        raise RemoteError(
            f"{shown(query_endpoint)} did not answer the triple count with a number"
        ) from None


def _count_ntriples(data: bytes) -> int:
    """The number of triples in an N-Triples document."""
    return sum(1 for _ in ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
