"""Addresses on a Graph Store Protocol server: a graph's IRI and URL, the services beside it.

    graph_url("http://127.0.0.1:7878/store", graph_iri("https://example.org/g"))
    derive_query_endpoint("http://127.0.0.1:7878/store")  # http://127.0.0.1:7878/query

Shared by :mod:`positions.remote.push` and :mod:`positions.remote.store`.
"""

from __future__ import annotations

import urllib.parse

import pyoxigraph as ox

from positions.errors import UsageError
from positions.remote.http import with_query


def graph_iri(graph: str | None) -> str | None:
    """The IRI that ``--graph`` names (``<...>`` allowed), checked; None for the default graph."""
    if graph is None:
        return None
    try:
        return ox.NamedNode(graph.strip().removeprefix("<").removesuffix(">")).value
    except ValueError as error:
        raise UsageError(f"--graph {graph!r} is not a valid IRI: {error}") from None


def graph_url(store_url: str, graph: str | None) -> str:
    """The Graph Store Protocol address of a graph: ``?graph=IRI``, or ``?default``."""
    return with_query(store_url, graph=graph) if graph else with_query(store_url, default=None)


def derive_query_endpoint(store_url: str) -> str | None:
    """Oxigraph server's /store pairs with /query, Fuseki's /ds/data with /ds/query."""
    return derive_endpoint(store_url, "/query")


def derive_endpoint(store_url: str, service: str) -> str | None:
    """The ``service`` (/query, /update) beside a Graph Store URL ending /store or /data."""
    parts = urllib.parse.urlsplit(store_url)
    for suffix in ("/store", "/data"):
        if parts.path.endswith(suffix):
            path = parts.path[: -len(suffix)] + service
            return urllib.parse.urlunsplit(parts._replace(path=path, query=""))
    return None
