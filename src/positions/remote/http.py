"""The HTTP client of the remote commands: one request function, credentials, URL checks.

    answer = request("POST", url, body=..., credentials=Credentials.from_options(...))

Only the standard library speaks HTTP here (urllib): no new dependency, and
every request goes through :func:`request`, which never follows a redirect
(a redirect could carry the Authorization header to another host, or turn a
POST into a GET without its body), never proxies a loopback address, and
turns every failure into a :class:`RemoteError` whose text holds no secret.
:func:`check_url` refuses plain HTTP off this machine where it would expose
credentials or a write, before anything is contacted.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from positions.errors import PositionsError, UsageError

DEFAULT_TIMEOUT = 30.0  # seconds, for one request
MAX_RESPONSE_BYTES = 512 * 1024 * 1024  # a result larger than this is refused, not parsed
USER_AGENT = "positions (SPARQL 1.1 Protocol client)"


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
        """``text`` with every secret replaced by ``***``."""
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
        raise UsageError(f"the {what} must be an http:// or https:// URL, not {shown(url)!r}")
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


def shown(url: str) -> str:
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
    """A 2xx answer: its status, its Content-Type and its whole body."""

    status: int
    content_type: str
    body: bytes


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
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
        raise RemoteError(f"cannot reach {shown(url)}: {reason}") from None
    except (ConnectionError, OSError) as error:
        reason = credentials.redact(str(error.strerror or error))
        raise RemoteError(f"the connection to {shown(url)} failed: {reason}") from None


def _read(answer: Any, deadline: float, max_bytes: int, what: str, timeout: float) -> bytes:
    """The body, in chunks, so that a slow trickle still stops at the deadline."""
    method, _, url = what.partition(" ")
    chunks, size = [], 0
    while chunk := answer.read(1 << 16):
        size += len(chunk)
        if size > max_bytes:
            raise RemoteError(
                f"{shown(url)} answered with more than {max_bytes:,} bytes; "
                "narrow the query (parameters, LIMIT)"
            )
        if time.monotonic() > deadline:
            raise _timeout(method, url, timeout)
        chunks.append(chunk)
    return b"".join(chunks)


def _timeout(method: str, url: str, timeout: float) -> RemoteError:
    return RemoteError(
        f"no complete answer from {shown(url)} within {timeout:g} s ({method}); the server is "
        "slow, busy or unreachable. Raise the limit with --timeout"
    )


def _http_error(
    error: urllib.error.HTTPError, method: str, url: str, credentials: Credentials
) -> RemoteError:
    status = f"HTTP {error.code} {error.reason or ''}".rstrip()
    if 300 <= error.code < 400:
        target = error.headers.get("Location", "")
        return RemoteError(
            f"{shown(url)} answered {method} with {status}, a redirect to {shown(target)}; "
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
    message = f"{shown(url)} answered {method} with {status}.{hint}"
    if excerpt:
        message += "\n    " + excerpt.replace("\n", "\n    ")
    return RemoteError(message)


def _excerpt(text: str, lines: int = 5, width: int = 200) -> str:
    """The first lines of a server's message, control characters shown escaped."""
    from positions.output.render import escape_controls

    kept = [line[:width] for line in text.strip().splitlines()[:lines]]
    return escape_controls("\n".join(kept))
