"""The server itself: this machine only, nothing sent elsewhere at start, headers that keep pages to themselves."""

from __future__ import annotations

import socket
import urllib.request

from tests.e2e.conftest import OUTBOUND, map_frame, wait_for_app


def _other_address() -> str | None:
    """An address of this machine that is not loopback, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # no packet is sent: this only picks a route
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_server_listens_on_this_machine_only_and_calls_nowhere(server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(server)
    wait_for_app(page)
    map_frame(page)
    assert OUTBOUND.requests == [], f"the server tried to reach another host: {OUTBOUND.requests}"
    port = int(server.rsplit(":", 1)[1])
    other = _other_address()
    if other is not None:
        with socket.socket() as sock:
            sock.settimeout(2)
            assert sock.connect_ex((other, port)) != 0, "reachable from the network"


def test_pages_carry_security_headers(server: str) -> None:
    with urllib.request.urlopen(server, timeout=10) as response:
        headers = response.headers
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in policy and "img-src 'self'" in policy and "default-src 'self'" in policy
