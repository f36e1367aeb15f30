"""``positions serve`` on a shared desktop: the Host it answers to (DNS rebinding), CORS off
unless allowed per origin, malformed requests answered in one line, bounded connections and
read deadlines.  Requests are written by hand on a socket (``support.raw_http``)."""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from positions import KnowledgeBase
from positions.web.guard import Guard, Safety
from positions.web.server import Site, make_server
from support import REPO, RawReply, cli, raw_http

ASK = "/sparql?query=ASK%7B%7D"


class CountingSite(Site):
    """A Site that counts the requests that reach it (the refused ones must not)."""

    calls = 0

    def handle(self, *args: Any, **kwargs: Any) -> Any:
        type(self).calls += 1
        return super().handle(*args, **kwargs)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.open(REPO)


@contextmanager
def running(kb: KnowledgeBase, safety: Safety | None = None, quiet: bool = True) -> Iterator[int]:
    server = make_server(CountingSite(kb), "127.0.0.1", 0, quiet=quiet, safety=safety)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def port(kb: KnowledgeBase) -> Iterator[int]:
    with running(kb, Safety(request_timeout=2.0)) as number:
        yield number


def request(
    port: int, target: str = ASK, *, method: str = "GET", host: str | None = None, **extra: str
) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host or f'127.0.0.1:{port}'}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in extra.items()]
    return ("\r\n".join(lines) + "\r\nConnection: close\r\n\r\n").encode()


def one_line(reply: RawReply) -> str:
    assert reply.body.count("\n") == 1 and "Traceback" not in reply.body, reply.body
    return reply.body


# --- Host: DNS rebinding -----------------------------------------------------------------


def test_own_address_and_localhost_are_answered(port: int) -> None:
    assert raw_http(port, request(port)).status == 200
    assert raw_http(port, request(port, host=f"localhost:{port}")).status == 200
    assert raw_http(port, request(port, host=f"LOCALHOST:{port}")).status == 200


@pytest.mark.parametrize(
    "host",
    ["evil.example:{port}", "evil.example", "127.0.0.1", "127.0.0.1:1", "10.0.0.1:{port}"],
)
def test_other_hosts_are_misdirected(port: int, host: str) -> None:
    before = CountingSite.calls
    reply = raw_http(port, request(port, host=host.format(port=port)))
    assert reply.status == 421
    assert "DNS rebinding" in one_line(reply) and "--allow-host" in reply.body
    assert CountingSite.calls == before  # refused before the site saw it


@pytest.mark.parametrize(
    "data",
    [
        b"GET / HTTP/1.0\r\n\r\n",  # no Host at all
        b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1:x\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nHost: evil.example\r\n\r\n",
    ],
)
def test_missing_or_malformed_host_is_400(port: int, data: bytes) -> None:
    reply = raw_http(port, data.replace(b"%d", str(port).encode()))
    assert reply.status == 400
    one_line(reply)


def test_allow_host_adds_a_name(kb: KnowledgeBase) -> None:
    with running(kb, Safety(allow_hosts=("kb.example",))) as number:
        assert raw_http(number, request(number, host="kb.example")).status == 200
        assert raw_http(number, request(number, host="kb.example:443")).status == 200
        assert raw_http(number, request(number, host="other.example")).status == 421


def test_wildcard_address_accepts_addresses_not_names() -> None:
    guard = Guard(Safety(), "0.0.0.0", 8080)
    for host in ("192.168.1.20:8080", "127.0.0.1:8080", "localhost:8080", "[::1]:8080"):
        guard.check_host(host)
    for host in ("evil.example:8080", "192.168.1.20:9999"):
        with pytest.raises(Exception, match="DNS rebinding"):
            guard.check_host(host)
    Guard(Safety(allow_hosts=("box.lan",)), "0.0.0.0", 8080).check_host("box.lan")


# --- CORS and other web pages ------------------------------------------------------------


def test_cors_is_off_by_default(port: int) -> None:
    own = raw_http(port, request(port, Origin=f"http://127.0.0.1:{port}"))
    assert own.status == 200 and "access-control-allow-origin" not in own.headers
    behind_tls_proxy = raw_http(port, request(port, Origin=f"https://127.0.0.1:{port}"))
    assert behind_tls_proxy.status == 200
    before = CountingSite.calls
    foreign = raw_http(port, request(port, Origin="http://evil.example"))
    assert foreign.status == 403 and "--allow-origin" in one_line(foreign)
    assert "access-control-allow-origin" not in foreign.headers
    form = request(
        port,
        "/sparql",
        method="POST",
        Origin="https://evil.example",
        Content_Type="application/x-www-form-urlencoded",
        Content_Length="13",
    )
    assert raw_http(port, form + b"query=ASK%7B%7D").status == 403  # a form POSTed by a page
    image = request(port, Sec_Fetch_Site="cross-site", Sec_Fetch_Mode="no-cors")
    assert raw_http(port, image).status == 403  # <img src=...> has no Origin header
    assert CountingSite.calls == before
    link = request(port, Sec_Fetch_Site="cross-site", Sec_Fetch_Mode="navigate")
    assert raw_http(port, link).status == 200  # following a link is fine


def test_options_without_an_allowed_origin_has_no_cors(port: int) -> None:
    reply = raw_http(port, request(port, "/sparql", method="OPTIONS"))
    assert reply.status == 204 and "POST" in reply.headers["allow"]
    assert not any(name.startswith("access-control") for name in reply.headers)


def test_allow_origin_turns_cors_on_for_that_origin(kb: KnowledgeBase) -> None:
    yasgui = "https://yasgui.example"
    with running(kb, Safety(allow_origins=(yasgui,))) as number:
        reply = raw_http(number, request(number, Origin=yasgui))
        assert reply.status == 200
        assert reply.headers["access-control-allow-origin"] == yasgui
        assert reply.headers["vary"] == "Accept, Origin"
        preflight = raw_http(
            number,
            request(
                number,
                "/sparql",
                method="OPTIONS",
                Origin=yasgui,
                Access_Control_Request_Method="POST",
                Access_Control_Request_Headers="content-type",
            ),
        )
        assert preflight.status == 204
        assert preflight.headers["access-control-allow-origin"] == yasgui
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert "Content-Type" in preflight.headers["access-control-allow-headers"]
        assert raw_http(number, request(number, Origin="https://evil.example")).status == 403
    with running(kb, Safety(allow_origins=("*",))) as number:
        reply = raw_http(number, request(number, Origin="https://anyone.example"))
        assert reply.status == 200 and reply.headers["access-control-allow-origin"] == "*"


def test_bad_origins_and_hosts_are_usage_errors() -> None:
    result = cli("--kb", str(REPO), "serve", "--port", "0", "--allow-origin", "yasgui.example")
    assert result.exit_code == 2
    assert "is not an origin" in result.output and "Traceback" not in result.output
    result = cli("--kb", str(REPO), "serve", "--port", "0", "--allow-host", "a/b")
    assert result.exit_code == 2 and "is not a host name" in result.output


# --- Malformed requests ----------------------------------------------------------------


def post(port: int, length: str, body: bytes = b"ASK{}") -> bytes:
    head = request(
        port, "/sparql", method="POST", Content_Type="application/sparql-query", Content_Length=""
    )
    return head.replace(b"Content-Length: \r\n", f"Content-Length: {length}\r\n".encode()) + body


@pytest.mark.parametrize(
    ("length", "status"),
    [("abc", 400), ("-1", 400), ("+5", 400), ("1e3", 400), ("5 5", 400), (str(10**12), 413)],
)
def test_bad_content_length_is_refused_at_once(
    kb: KnowledgeBase, capfd: pytest.CaptureFixture[str], length: str, status: int
) -> None:
    with running(kb, Safety(request_timeout=30.0), quiet=False) as number:
        reply = raw_http(number, post(number, length), timeout=5.0)
        assert reply.status == status
        assert reply.seconds < 2  # not waiting for a body that never comes
        one_line(reply)
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize(
    "data",
    [
        b"HELLO\r\n\r\n",
        b"GET / HTTP/1.1 extra\r\nHost: 127.0.0.1:%d\r\n\r\n",
        b"GET http://evil.example/ HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nthis is not a header\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept : text/html\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: text/html\r\n  folded\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    ],
)
def test_malformed_requests_are_400(port: int, data: bytes) -> None:
    reply = raw_http(port, data.replace(b"%d", str(port).encode()))
    assert reply.status == 400
    one_line(reply)


def test_chunked_bodies_are_not_taken(port: int) -> None:
    data = request(port, "/sparql", method="POST", Transfer_Encoding="chunked")
    reply = raw_http(port, data + b"5\r\nASK{}\r\n0\r\n\r\n")
    assert reply.status == 501 and "Content-Length" in one_line(reply)


# --- Bounded connections and deadlines -----------------------------------------------


def test_idle_and_slow_clients_are_cut_off(kb: KnowledgeBase) -> None:
    with running(kb, Safety(request_timeout=0.5)) as number:
        began = time.monotonic()
        with socket.create_connection(("127.0.0.1", number), timeout=5) as idle:
            assert idle.recv(100) == b""  # closed by the server
        assert time.monotonic() - began < 2
        began = time.monotonic()
        with socket.create_connection(("127.0.0.1", number), timeout=5) as slow:
            for byte in b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100:
                try:  # a byte every 0.1 s
                    slow.sendall(bytes([byte]))
                except OSError:
                    break
                time.sleep(0.1)
                if select.select([slow], [], [], 0)[0] and not slow.recv(1):
                    break  # closed by the server
            else:
                pytest.fail("a client sending a byte every 0.1 s was never cut off")
        assert time.monotonic() - began < 2


def test_connections_are_bounded(kb: KnowledgeBase) -> None:
    with running(kb, Safety(max_connections=2, request_timeout=1.0)) as number:
        held = [socket.create_connection(("127.0.0.1", number)) for _ in range(2)]
        time.sleep(0.1)
        busy = raw_http(number, request(number))
        assert busy.status == 503 and busy.headers["retry-after"] == "1"
        assert "busy" in one_line(busy)
        for connection in held:
            connection.close()
        time.sleep(0.1)
        assert raw_http(number, request(number)).status == 200


def test_serve_help_names_the_options() -> None:
    result = cli("serve", "--help")
    for option in ("--allow-host", "--allow-origin", "--max-connections", "--request-timeout"):
        assert option in result.output
    assert "DNS rebinding" in result.output
