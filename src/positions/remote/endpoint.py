"""Remote engines: run a query on a SPARQL 1.1 endpoint, push the base to a Graph Store.

    result = run_remote(kb, "statements", {"party": "kb:russia"},
                        endpoint="http://127.0.0.1:7878/query")
    report = push(kb, "http://127.0.0.1:7878/store")

Only the standard library speaks HTTP here (urllib): no new dependency, and
every request goes through :func:`request`, which never follows a redirect
(a redirect could carry the Authorization header to another host, or turn a
POST into a GET without its body), never proxies a loopback address, and
turns every failure into a :class:`RemoteError` whose text holds no secret.

Parameters on a remote endpoint.  Locally, values are bound with pyoxigraph's
substitutions; an endpoint has no such thing.  So the values go into a
``VALUES`` block placed first in the query's top-level WHERE group.  The block
is written from RDF terms, never from the user's text: each value has already
been typed and checked by :func:`positions.sparql.params.bind`, and is written by
pyoxigraph in its N-Triples form, which escapes quotes, backslashes and line
breaks.  The finished query is then read back by pyoxigraph on an empty store
and must give back exactly the terms that were bound (:func:`_check_values`).

Why first in the WHERE group, and not the trailing VALUES after the solution
modifiers: a trailing block is joined *after* the FILTERs have run, so
``FILTER(!COALESCE(sameTerm(?__since, ?__since), false) || ?date >= ?__since)``
would see the parameter unbound and keep every row.  A block at the top of the
group is joined before the group's FILTERs, so they see it, as they see a
substitution locally.  A FILTER or BIND inside a nested group (a UNION branch,
a subquery) would not see it; :func:`check_remote_parameters` refuses that
case rather than give different rows than the local engine would.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from positions.errors import (
    InputError,
    Position,
    PositionsError,
    UsageError,
)

if TYPE_CHECKING:
    from positions.base.kb import KnowledgeBase
    from positions.sparql.engine import QueryResult
    from positions.sparql.saved import SavedQuery

DEFAULT_TIMEOUT = 30.0  # seconds, for one request
MAX_RESPONSE_BYTES = 512 * 1024 * 1024  # a result larger than this is refused, not parsed
USER_AGENT = "positions (SPARQL 1.1 Protocol client)"
ANONYMOUS_WRITE_WARNING = (
    "Warning: the server accepted an anonymous write; anyone who can reach it can change or "
    "delete the base. Put it behind a proxy with authentication (see docs/remote.md)."
)

SELECT_ACCEPT = "application/sparql-results+json"
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9"


class RemoteError(PositionsError):
    """An endpoint could not be reached, refused a request or answered with an error."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# -- credentials --------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """HTTP basic credentials or a bearer token; never printed (see ``__repr__``)."""

    user: str | None = None
    password: str | None = None
    token: str | None = None

    @classmethod
    def from_options(
        cls,
        user: str | None = None,
        password: str | None = None,
        token: str | None = None,
        *,
        env_prefix: str = "POSITIONS_PUSH",
        environ: Mapping[str, str] | None = None,
    ) -> Credentials:
        """Options win over ``{env_prefix}_USER``, ``_PASSWORD`` and ``_TOKEN``."""
        env = os.environ if environ is None else environ
        user = user or env.get(f"{env_prefix}_USER") or None
        password = password or env.get(f"{env_prefix}_PASSWORD") or None
        token = token or env.get(f"{env_prefix}_TOKEN") or None
        if token and (user or password):
            raise UsageError("give either a user and password or a token, not both")
        if password and not user:
            raise UsageError(f"a password was given without a user (--user or {env_prefix}_USER)")
        if user and not password:
            raise UsageError(
                f"user {user!r} was given without a password: set {env_prefix}_PASSWORD "
                "(or pass --password, which other users of this machine can see in ps)"
            )
        return cls(user, password, token)

    def __bool__(self) -> bool:
        return bool(self.token or self.user)

    def __repr__(self) -> str:  # a traceback or a log line must not show the secret
        kind = "token" if self.token else "basic" if self.user else "none"
        return f"Credentials({kind}, redacted)"

    __str__ = __repr__

    def header(self) -> str | None:
        """The value of the Authorization header, or None."""
        if self.token:
            return f"Bearer {self.token}"
        if self.user:
            pair = f"{self.user}:{self.password or ''}".encode()
            return "Basic " + base64.b64encode(pair).decode("ascii")
        return None

    def secrets(self) -> list[str]:
        """Every string that must never be shown: the password, the token, the header."""
        found = [s for s in (self.password, self.token, self.header()) if s]
        header = self.header()
        if header:
            found.append(header.split(" ", 1)[1])  # the base64 or the token alone
        return sorted(set(found), key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets():
            text = text.replace(secret, "***")
        return text


NO_CREDENTIALS = Credentials()


# -- URLs ---------------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1; a name other than localhost is not resolved."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(
    url: str,
    *,
    what: str = "endpoint",
    insecure: bool = False,
    credentials: Credentials = NO_CREDENTIALS,
    require_tls: bool = False,
) -> urllib.parse.SplitResult:
    """Refuse a URL that is not http(s), holds credentials, or is plain HTTP off this machine.

    ``require_tls`` (push) refuses plain HTTP to any host but loopback unless
    ``insecure``; plain HTTP with credentials is refused the same way, since it
    would send them in clear text.  Nothing is contacted here.
    """
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"the {what} must be an http:// or https:// URL, not {_shown(url)!r}")
    if parts.username is not None or parts.password is not None:
        raise UsageError(
            f"the {what} URL holds credentials; pass them with --user/--password or --token, "
            "or the environment, so that they do not show in shell history or ps"
        )
    plain_remote = parts.scheme == "http" and not is_loopback(parts.hostname)
    if plain_remote and not insecure and (require_tls or credentials):
        reason = (
            "credentials would travel in clear text"
            if credentials
            else "anyone on the way could read or change what is sent"
        )
        raise UsageError(
            f"refusing plain HTTP to {parts.hostname}, which is not this machine: {reason}. "
            "Use https://, or pass --insecure if the network is trusted"
        )
    return parts


def _shown(url: str) -> str:
    """A URL fit for a message: no user info, no query string (it may hold a key)."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{host}{port}{parts.path}"
    except ValueError:
        return "<invalid URL>"


def with_query(url: str, **params: str | None) -> str:
    """``url`` with ``params`` added to its query string (a None value adds a bare key)."""
    parts = urllib.parse.urlsplit(url)
    extra = "&".join(
        urllib.parse.quote(k, safe="")
        if v is None
        else f"{urllib.parse.quote(k, safe='')}={urllib.parse.quote(v, safe='')}"
        for k, v in params.items()
    )
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urllib.parse.urlunsplit(parts._replace(query=query))


# -- HTTP ---------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    content_type: str
    body: bytes


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, ANN201, PLR0913
        return None  # urllib then raises HTTPError with the 3xx status


def _opener(host: str) -> urllib.request.OpenerDirector:
    # A loopback address never goes through $http_proxy: the proxy would see the
    # request (and its credentials) and could not reach this machine's server anyway.
    proxies = {} if is_loopback(host) else None
    return urllib.request.build_opener(urllib.request.ProxyHandler(proxies), _NoRedirect)


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    credentials: Credentials = NO_CREDENTIALS,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_RESPONSE_BYTES,
) -> Response:
    """One HTTP request; a RemoteError (no secrets in it) for anything but a 2xx answer."""
    parts = urllib.parse.urlsplit(url)
    all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    authorization = credentials.header()
    if authorization:
        all_headers["Authorization"] = authorization
    req = urllib.request.Request(url, data=body, headers=all_headers, method=method)
    deadline = time.monotonic() + timeout
    try:
        with _opener(parts.hostname or "").open(req, timeout=timeout) as answer:
            data = _read(answer, deadline, max_bytes, f"{method} {url}", timeout)
            return Response(answer.status, answer.headers.get("Content-Type", ""), data)
    except urllib.error.HTTPError as error:
        raise _http_error(error, method, url, credentials) from None
    except TimeoutError:  # socket.timeout is an alias since Python 3.10
        raise _timeout(method, url, timeout) from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise _timeout(method, url, timeout) from None
        reason = credentials.redact(str(getattr(error.reason, "strerror", None) or error.reason))
        raise RemoteError(f"cannot reach {_shown(url)}: {reason}") from None
    except (ConnectionError, OSError) as error:
        reason = credentials.redact(str(error.strerror or error))
        raise RemoteError(f"the connection to {_shown(url)} failed: {reason}") from None


def _read(answer: Any, deadline: float, max_bytes: int, what: str, timeout: float) -> bytes:
    """The body, in chunks, so that a slow trickle still stops at the deadline."""
    method, _, url = what.partition(" ")
    chunks, size = [], 0
    while chunk := answer.read(1 << 16):
        size += len(chunk)
        if size > max_bytes:
            raise RemoteError(
                f"{_shown(url)} answered with more than {max_bytes:,} bytes; "
                "narrow the query (parameters, LIMIT)"
            )
        if time.monotonic() > deadline:
            raise _timeout(method, url, timeout)
        chunks.append(chunk)
    return b"".join(chunks)


def _timeout(method: str, url: str, timeout: float) -> RemoteError:
    return RemoteError(
        f"no complete answer from {_shown(url)} within {timeout:g} s ({method}); the server is "
        "slow, busy or unreachable. Raise the limit with --timeout"
    )


def _http_error(
    error: urllib.error.HTTPError, method: str, url: str, credentials: Credentials
) -> RemoteError:
    status = f"HTTP {error.code} {error.reason or ''}".rstrip()
    if 300 <= error.code < 400:
        target = error.headers.get("Location", "")
        return RemoteError(
            f"{_shown(url)} answered {method} with {status}, a redirect to {_shown(target)}; "
            "redirects are not followed (they could carry credentials elsewhere): use that URL"
        )
    hint = {
        401: " The server wants credentials (--user/--password or --token), or refused them.",
        403: " The credentials were accepted but do not allow this.",
        404: " Check the URL (Oxigraph server: /query for queries, /store for the graph store).",
        405: " The server does not allow this method here (a read-only server refuses writes).",
        413: " The upload is larger than the server accepts.",
    }.get(error.code, "")
    try:
        body = error.read(4096).decode("utf-8", "replace")
    except OSError:
        body = ""
    excerpt = _excerpt(credentials.redact(body))
    message = f"{_shown(url)} answered {method} with {status}.{hint}"
    if excerpt:
        message += "\n    " + excerpt.replace("\n", "\n    ")
    return RemoteError(message)


def _excerpt(text: str, lines: int = 5, width: int = 200) -> str:
    """The first lines of a server's message, control characters shown escaped."""
    from positions.output.render import escape_controls

    kept = [line[:width] for line in text.strip().splitlines()[:lines]]
    return escape_controls("\n".join(kept))


# -- queries ------------------------------------------------------------------------------


def run_remote(
    kb: KnowledgeBase,
    name_or_text: str | SavedQuery,
    params: Mapping[str, Any] | None = None,
    *,
    endpoint: str,
    credentials: Credentials = NO_CREDENTIALS,
    allow_network: bool = False,
    row_limit: int | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    max_rows: int | None = None,
) -> QueryResult:
    """Run a query of ``kb`` on a SPARQL 1.1 Protocol endpoint; the same result as locally.

    The query is inspected and its parameters typed exactly as by
    :func:`positions.sparql.engine.run`, so the same queries and values are refused.
    """
    from positions.sparql.engine import DEFAULT_MAX_ROWS, resolve
    from positions.sparql.saved import SavedQuery

    check_url(endpoint, credentials=credentials)
    query = name_or_text if isinstance(name_or_text, SavedQuery) else resolve(kb, name_or_text)
    text, projected, prefixes = prepare(kb, query, params or {}, allow_network=allow_network)
    cap = row_limit if row_limit is not None else (max_rows or DEFAULT_MAX_ROWS)
    seconds = timeout if timeout is not None else DEFAULT_TIMEOUT
    kind = query.kind
    accept = GRAPH_ACCEPT if kind in ("construct", "describe") else SELECT_ACCEPT
    answer = request(
        "POST",
        endpoint,
        body=urllib.parse.urlencode({"query": text}).encode("utf-8"),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
        credentials=credentials,
        timeout=seconds,
    )
    from positions.sparql.engine import finish_result

    result = _result(_parse_answer(answer, kind, endpoint), kind, cap)
    return finish_result(result, query, projected, cap, row_limit, prefixes)


def _result(answer: Any, kind: str, cap: int) -> QueryResult:
    """The same QueryResult as a local run gives (at most ``cap + 1`` rows or triples)."""
    from positions.sparql.engine import QueryResult, collect

    if isinstance(answer, list):  # triples of a CONSTRUCT or DESCRIBE
        return QueryResult(kind=kind, triples=answer[: cap + 1])
    return collect(answer, kind, cap, None)


def prepare(
    kb: KnowledgeBase,
    query: SavedQuery,
    params: Mapping[str, Any],
    *,
    allow_network: bool = False,
) -> tuple[str, list[str] | None, dict[str, str]]:
    """The text to send, the columns to keep (None: all) and the prefixes for output."""
    from positions.rdf.namespaces import PREFIXES
    from positions.sparql.params import bind
    from positions.sparql.policy import GraphsOnDemand, inspect_query
    from positions.sparql.rewrite import (
        check_subquery_parameters,
        project_parameters,
        rewrite_bound,
    )

    allowed = GraphsOnDemand(lambda: [graph.value for graph in kb.graph_names()])
    info = inspect_query(
        query.text, allowed_graphs=allowed, allow_network=allow_network, source=query.source
    )
    prefixes = {**PREFIXES, **info.prefixes}
    substitutions = bind(query, params, prefixes)
    bound = {variable.value: term for variable, term in substitutions.items()}
    check_subquery_parameters(query.text, list(bound), query.source)
    text = rewrite_bound(query.text, list(bound), query.source)
    check_remote_parameters(text, list(bound), query.source)
    # The author's projection, as the local run keeps it (parameters added only to be
    # bound are dropped there; here they are never added, but `SELECT *` would show them).
    _, projected = project_parameters(text, list(bound))
    if bound:
        text = inject_values(text, bound, query.source)
    declared = {p for p in info.prefixes}
    missing = {p: ns for p, ns in PREFIXES.items() if p not in declared}
    # The base's prefixes are known to every local query; an endpoint knows none of them.
    header = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in missing.items())
    return header + text, projected, prefixes


def values_block(bound: Mapping[str, Any]) -> str:
    """``VALUES (?a ?b) { (<iri> "lit"^^<dt>) }`` written from RDF terms by pyoxigraph."""
    names, terms = [], []
    for name, term in bound.items():
        if not isinstance(term, ox.NamedNode | ox.Literal):
            raise UsageError(
                f"parameter ?{name}: a blank node cannot be sent to an endpoint; give an IRI"
            )
        written = str(term)  # N-Triples form: quotes, backslashes and line breaks escaped
        if "\\u" in written.lower():
            # Some engines expand \u escapes before parsing (SPARQL 1.1, 19.2), which could
            # turn a value's own backslash-u text into a quote; refuse rather than guess.
            raise UsageError(
                f"parameter ?{name}: a value holding a backslash followed by 'u' or a control "
                "character cannot be sent to an endpoint safely; run the query locally"
            )
        names.append(f"?{name}")
        terms.append(written)
    return f"VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }}"


def inject_values(text: str, bound: Mapping[str, Any], source: str = "<query>") -> str:
    """``text`` with a VALUES block first in its top-level WHERE group."""
    block = values_block(bound)
    at = _top_group_start(text)
    if at is None:
        raise InputError(Position(source), "no WHERE group to bind the parameters in")
    injected = text[:at] + " " + block + " " + text[at:]
    _check_values(injected, block, bound, source)
    return injected


def _top_group_start(text: str) -> int | None:
    """The offset just after the ``{`` that opens the top-level WHERE group."""
    from positions.sparql.lexer import tokens

    previous = None
    for tok in tokens(text):
        if tok.kind == "punct" and tok.text == "{":
            # CONSTRUCT { template } WHERE { ... }: the first brace is the template.
            if not (previous is not None and previous.text.upper() == "CONSTRUCT"):
                return tok.offset + 1
            return _after_template(text, tok.offset)
        previous = tok
    return None


def _after_template(text: str, template_at: int) -> int | None:
    from positions.sparql.lexer import tokens

    depth = 0
    for tok in tokens(text[template_at:]):
        if tok.kind != "punct" or tok.text not in "{}":
            continue
        if tok.text == "{" and depth == 0 and tok.offset > 0:
            return template_at + tok.offset + 1
        depth += 1 if tok.text == "{" else -1
    return None


def _check_values(text: str, block: str, bound: Mapping[str, Any], source: str) -> None:
    """Read the block back with pyoxigraph: it must give exactly the bound terms."""
    try:
        solutions = list(ox.Store().query(f"SELECT * WHERE {{ {block} }}"))
    except SyntaxError as error:  # pragma: no cover - terms written by pyoxigraph parse
        raise InputError(Position(source), f"could not write the parameters: {error}") from None
    read = {name: solutions[0][name] for name in bound} if len(solutions) == 1 else None
    if read != dict(bound):  # pragma: no cover - a defence, not an expected path
        raise InputError(Position(source), "the parameters did not survive being written out")


# Where a parameter's value is seen.  A block first in the top-level group is joined
# before that group's FILTERs and BINDs; an OPTIONAL's filter sees the left side too;
# FILTER (NOT) EXISTS sees the solution it tests.  Any other group does not see it.
_TRANSPARENT = frozenset({"optional", "exists"})


def check_remote_parameters(text: str, names: Iterable[str], source: str) -> None:
    """Refuse a parameter used in an expression that a VALUES binding would not reach."""
    from positions.sparql.lexer import tokens

    names = set(names)
    if not names:
        return
    toks = list(tokens(text))
    stack: list[tuple[str, int]] = []  # (group kind, parentheses open outside it)
    parens = 0
    for i, tok in enumerate(toks):
        previous = toks[i - 1].text.upper() if i else ""
        if tok.kind == "punct" and tok.text in "()":
            parens += 1 if tok.text == "(" else -1
        elif tok.kind == "punct" and tok.text == "{":
            stack.append((_group_kind(previous, toks, i, stack), parens))
            parens = 0
        elif tok.kind == "punct" and tok.text == "}" and stack:
            parens = stack.pop()[1]
        elif tok.kind == "var" and tok.text[1:] in names and parens > 0 and not _reaches(stack):
            raise _unreached(text, tok, source)


def _unreached(text: str, tok: Any, source: str) -> InputError:
    from positions.sparql.lexer import line_and_column

    line, column = line_and_column(text, tok.offset)
    return InputError(
        Position(source, line, column),
        f"parameter {tok.text} is used in an expression inside a nested group, where a "
        "value sent to an endpoint would not reach it; run the query locally, or move the "
        "FILTER/BIND to the top level of WHERE",
        text.splitlines()[line - 1],
    )


def _group_kind(previous: str, toks: list[Any], i: int, stack: list[tuple[str, int]]) -> str:
    if not stack:
        return "template" if previous == "CONSTRUCT" else "top"
    if previous in ("OPTIONAL", "EXISTS"):
        return previous.lower()
    if i + 1 < len(toks) and toks[i + 1].text.upper() == "SELECT":
        return "subquery"
    return "group"


def _reaches(stack: list[tuple[str, int]]) -> bool:
    if not stack:
        return True  # projection, GROUP BY, HAVING, ORDER BY: after WHERE, values are bound
    for kind, _ in reversed(stack):
        if kind == "top":
            return True
        if kind not in _TRANSPARENT:
            return False
    return False


def _parse_answer(answer: Response, kind: str, endpoint: str) -> Any:
    """Parse the body as query results (SELECT, ASK) or triples (CONSTRUCT, DESCRIBE)."""
    media = answer.content_type.split(";")[0].strip().lower()
    try:
        if kind in ("construct", "describe"):
            rdf_format = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
            return [q.triple for q in ox.parse(answer.body, format=rdf_format)]
        results_format = ox.QueryResultsFormat.from_media_type(media) or ox.QueryResultsFormat.JSON
        return ox.parse_query_results(answer.body, format=results_format)
    except (SyntaxError, ValueError) as error:
        raise RemoteError(
            f"{_shown(endpoint)} answered with something that is not a SPARQL result "
            f"({media or 'no content type'}): {str(error)[:200]}"
        ) from None


# -- push ---------------------------------------------------------------------------------


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
    kb: KnowledgeBase,
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
    graph_iri = _graph_iri(graph)
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
        target = _graph_url(url, graph_iri)
        started = time.monotonic()
        stage(f"uploading {sent:,} triples ({len(body) / 1024:,.0f} KiB) to {_shown(url)}")
        request(
            "PUT",
            target,
            body=body,
            headers={"Content-Type": "application/n-triples"},
            credentials=credentials,
            timeout=timeout,
        )
        stage("counting the triples on the server")
        held = count_on_server(url, graph_iri, counter, credentials=credentials, timeout=timeout)
        # With credentials the PUT proves nothing about strangers: Oxigraph server, for one,
        # ignores the Authorization header.  Ask the server whether it takes an anonymous write.
        stage("checking whether the server takes anonymous writes")
        anonymous = not credentials or accepts_anonymous_update(url, timeout=timeout)
    return PushReport(
        url=_shown(url),
        graph=graph_iri,
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


def _graph_iri(graph: str | None) -> str | None:
    if graph is None:
        return None
    try:
        return ox.NamedNode(graph.strip().removeprefix("<").removesuffix(">")).value
    except ValueError as error:
        raise UsageError(f"--graph {graph!r} is not a valid IRI: {error}") from None


def _graph_url(store_url: str, graph: str | None) -> str:
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
        target = (
            with_query(store_url, graph=graph) if graph else with_query(store_url, default=None)
        )
        answer = request(
            "GET",
            target,
            headers={"Accept": "application/n-triples"},
            credentials=credentials,
            timeout=timeout,
        )
        return _count_ntriples(answer.body)
    # The graph's IRI is written by pyoxigraph (validated by _graph_iri), not pasted.
    pattern = f"GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
    text = f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}"
    answer = request(
        "POST",
        query_endpoint,
        body=urllib.parse.urlencode({"query": text}).encode("utf-8"),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": SELECT_ACCEPT},
        credentials=credentials,
        timeout=timeout,
    )
    solutions = list(_parse_answer(answer, "select", query_endpoint))
    try:
        return int(solutions[0]["n"].value)
    except (IndexError, KeyError, TypeError, ValueError):
        raise RemoteError(
            f"{_shown(query_endpoint)} did not answer the triple count with a number"
        ) from None


def _count_ntriples(data: bytes) -> int:
    return sum(1 for _ in ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
