"""What ``positions serve`` lets in: the ``Host`` it answers to, the web pages (origins) that
may use it, and the shape of a request's headers and body.

    guard = Guard(Safety(allow_origins=("https://yasgui.example",)), "127.0.0.1", 8080)
    guard.check_host(headers.get("host"))      # raises Refused(421, "...")
    guard.check_origin(headers)                # raises Refused(403, "...")
    response.headers.update(guard.cors_headers(headers))

A server on 127.0.0.1 is reachable from every web page the user opens, through the browser.
Two things keep those pages out:

* **DNS rebinding.** A page of ``evil.example`` can make its own name resolve to 127.0.0.1
  and then read this server as if it were its own site; its requests still say
  ``Host: evil.example``.  So the ``Host`` header must name the address the server listens on
  (and its port), ``localhost`` for a loopback or wildcard address, any IP address for a
  wildcard address (an address cannot be rebound), or a name given with ``--allow-host``.
* **Cross-origin requests.** CORS is off unless ``--allow-origin`` names the origin (or ``*``):
  no ``Access-Control-Allow-Origin`` header is sent, and a request that a browser marks as
  coming from another page (an ``Origin`` header that is not this server's, or
  ``Sec-Fetch-Site: cross-site``/``same-site`` on anything but a navigation) is refused (403)
  before any query runs: a form POSTed by another page never reaches the engine.

The same module words the refusals of malformed requests (``Content-Length`` that is not a
whole number, bodies over the cap, folded or broken header lines): each is one line of text.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import Message

from positions.errors import UsageError

DEFAULT_MAX_CONNECTIONS = 16  # requests handled at once; more wait briefly, then get 503
DEFAULT_REQUEST_TIMEOUT = 10.0  # seconds to send a request line, headers and body
DEFAULT_MAX_BODY = 1_000_000  # bytes of a POSTed query

PREFLIGHT_METHODS = "GET, HEAD, POST, OPTIONS"
PREFLIGHT_HEADERS = "Content-Type, Accept"
_PORT = re.compile(r"[0-9]{1,5}")
_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?")


class Refused(Exception):
    """A request the server answers with ``status`` and one line, without going further."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Safety:
    """The server's settings for who may ask and how much (``positions serve``'s options)."""

    allow_hosts: tuple[str, ...] = ()
    allow_origins: tuple[str, ...] = ()
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    max_body: int = DEFAULT_MAX_BODY


class Guard:
    """The checks of one server, bound to ``host:port`` (the port it actually got)."""

    def __init__(self, safety: Safety, host: str, port: int, *, bound: str | None = None) -> None:
        self.safety = safety
        self.port = port
        self.addresses = {_bare(host).lower(), _bare(bound or host).lower()}
        self.wildcard = any(_is_wildcard(a) for a in self.addresses)
        if self.wildcard or any(_is_loopback(a) for a in self.addresses):
            self.addresses.add("localhost")
        self.names = {_allowed_name(n) for n in safety.allow_hosts}
        self.origins = {_allowed_origin(o) for o in safety.allow_origins}

    # -- Host

    def check_host(self, value: str | None) -> None:
        """Refuse a request whose Host header does not name this server."""
        if value is None:
            raise Refused(400, "no Host header: a request must name the server it is for")
        host, port = split_host(value)
        if host is None:
            raise Refused(400, f"malformed Host header {value[:80]!r}")
        if "*" in self.names or host in self.names:
            return
        expected = port == self.port if port is not None else self.port == 80
        known = host in self.addresses or (self.wildcard and _is_address(host))
        if not (known and expected):
            raise Refused(
                421,
                f"this server answers to {self.expected_host()}, not {value[:80]!r} "
                "(a guard against DNS rebinding); to allow another name, start it with "
                "--allow-host NAME",
            )

    def expected_host(self) -> str:
        own = sorted(a for a in self.addresses if not _is_wildcard(a))
        shown = [f"{_bracket(a)}:{self.port}" for a in own]
        return " or ".join(shown) + (" or any of its IP addresses" if self.wildcard else "")

    # -- Origin and CORS

    def origin_allowed(self, origin: str) -> bool:
        return "*" in self.origins or origin.rstrip("/").lower() in self.origins

    def check_origin(self, headers: Mapping[str, str]) -> None:
        """Refuse a request a browser sends on behalf of another web page, unless allowed."""
        origin = headers.get("origin")
        if origin is not None:
            if origin.lower() in self.own_origins(headers) or self.origin_allowed(origin):
                return
            raise Refused(
                403,
                f"requests from the web page at {origin[:80]} are refused (CORS is off); "
                "to allow that site, start the server with --allow-origin ORIGIN",
            )
        site = headers.get("sec-fetch-site", "").lower()
        mode = headers.get("sec-fetch-mode", "").lower()
        if site in ("cross-site", "same-site") and mode != "navigate" and "*" not in self.origins:
            raise Refused(
                403,
                "requests made by another web page are refused (CORS is off); to allow a "
                "site, start the server with --allow-origin ORIGIN",
            )

    @staticmethod
    def own_origins(headers: Mapping[str, str]) -> tuple[str, str]:
        """This server's origin as the browser sees it (https: behind a TLS proxy)."""
        host = headers.get("host", "").strip().lower()
        return f"http://{host}", f"https://{host}"

    def cors_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """``Access-Control-Allow-Origin`` for an allowed origin; nothing otherwise."""
        if not self.origins:
            return {}
        origin = headers.get("origin")
        if "*" in self.origins:
            return {"Access-Control-Allow-Origin": "*"}
        if origin is not None and self.origin_allowed(origin):
            return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        return {"Vary": "Origin"}

    def preflight_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """The answer to ``OPTIONS``: what may be sent, and to an allowed origin, CORS."""
        answer = {"Allow": PREFLIGHT_METHODS}
        cors = self.cors_headers(headers)
        if "Access-Control-Allow-Origin" in cors:
            answer.update(cors)
            answer["Access-Control-Allow-Methods"] = PREFLIGHT_METHODS
            answer["Access-Control-Allow-Headers"] = PREFLIGHT_HEADERS
            answer["Access-Control-Max-Age"] = "600"
        return answer


def merge_headers(headers: dict[str, str], extra: Mapping[str, str]) -> None:
    """Add ``extra`` to a response's headers, joining two ``Vary`` lists."""
    for key, value in extra.items():
        if key == "Vary" and headers.get("Vary"):
            value = f"{headers['Vary']}, {value}"
        headers[key] = value


# --- Header and body checks -----------------------------------------------------------


def check_target(target: str, method: str) -> None:
    """Only origin-form targets (``/path?query``), and ``*`` for OPTIONS."""
    if target.startswith("/") and not target.startswith("//"):
        return
    if target == "*" and method == "OPTIONS":
        return
    raise Refused(400, f"the request target must be a path beginning with /, not {target[:80]!r}")


def check_headers(message: Message) -> None:
    """Refuse header lines the parser could not read, folded lines and repeated key headers."""
    if message.defects or message.get_payload():
        raise Refused(400, "malformed header line (each must be 'Name: value')")
    for name, value in message.items():
        if "\r" in value or "\n" in value:
            raise Refused(400, f"the {name} header is folded over lines; send it on one line")
    for name in ("Host", "Content-Length", "Content-Type", "Origin"):
        if len(message.get_all(name) or []) > 1:
            raise Refused(400, f"more than one {name} header")
    if message.get("Transfer-Encoding") is not None:
        raise Refused(501, "Transfer-Encoding is not supported; send the body with Content-Length")


def body_length(values: Sequence[str], max_body: int) -> int:
    """The body's length in bytes from the Content-Length header (0 when there is none)."""
    if not values:
        return 0
    text = values[0].strip()
    if not (text.isascii() and text.isdigit()):
        raise Refused(400, f"Content-Length must be a whole number of bytes, not {text[:40]!r}")
    if len(text) > 15 or int(text) > max_body:
        raise Refused(413, f"the request body is over {max_body:,} bytes")
    return int(text)


# --- Host names and addresses --------------------------------------------------------


def split_host(value: str) -> tuple[str | None, int | None]:
    """``(host, port)`` of a Host header (host lower-case, brackets removed); host None if
    malformed."""
    value = value.strip().lower()
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        if not _is_address(host) or (rest and not rest.startswith(":")):
            return None, None
        port_text = rest[1:] if rest else None
    else:
        host, colon, port_text = value.partition(":")
        port_text = port_text if colon else None
        if not _NAME.fullmatch(host):
            return None, None
    if port_text is None:
        return host, None
    if not _PORT.fullmatch(port_text):
        return None, None
    return host, int(port_text)


def _allowed_name(name: str) -> str:
    name = name.strip().lower()
    if name != "*" and split_host(name) != (name.strip("[]"), None):
        raise UsageError(f"--allow-host {name!r} is not a host name or address (no port)")
    return name.strip("[]")


def _allowed_origin(origin: str) -> str:
    origin = origin.strip().rstrip("/").lower()
    scheme, _, host = origin.partition("://")
    if origin not in ("*", "null") and (
        scheme not in ("http", "https") or not host or split_host(host)[0] is None
    ):
        raise UsageError(
            f"--allow-origin {origin!r} is not an origin: write scheme://host[:port], "
            "for example https://example.org"
        )
    return origin


def _bare(host: str) -> str:
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _is_wildcard(host: str) -> bool:
    return host in ("", "0.0.0.0", "::")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
