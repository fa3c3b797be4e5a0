"""Request latency: one small GraphQL request on a kept-alive connection to `podwarden sim`.

A client that keeps its connection open (httpx, requests' Session, Go's http.Client) sends
request after request on one socket. The simulator's handler writes the response headers
and the body as two small segments; with Nagle's algorithm on, the body waits for the
client's delayed ACK (~40 ms on Linux) before it leaves. The server sets ``TCP_NODELAY``
on every accepted connection; the second row turns it off again to show what it saves.
"""

from __future__ import annotations

import socket
import statistics
import time
from dataclasses import dataclass
from typing import Any

import httpx

from podwarden.clock import ManualClock
from podwarden.sim import RunPodSimulator
from podwarden.sim.server import SimServer, serve

QUERY = {"query": "{ myself { id clientBalance } }"}
KEY = "bench-key"


@dataclass(frozen=True)
class Row:
    label: str
    requests: int
    median_ms: float
    p95_ms: float


def _nagle_back_on(server: SimServer) -> None:
    """The server as it was before: accepted sockets keep Nagle's algorithm (for comparison only)."""
    httpd: Any = server._httpd  # a benchmark reaching in on purpose
    accept = httpd.get_request

    def get_request() -> tuple[socket.socket, Any]:
        connection, address = accept()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)
        return connection, address

    httpd.get_request = get_request


def measure(label: str, requests: int, *, nagle: bool = False) -> Row:
    sim = RunPodSimulator(clock=ManualClock(), api_key=KEY, seed=1)
    with serve(sim) as server:
        if nagle:
            _nagle_back_on(server)
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}) as client:
            client.post("/graphql", json=QUERY).raise_for_status()  # open the connection
            times = []
            for _ in range(requests):
                start = time.perf_counter()
                client.post("/graphql", json=QUERY).raise_for_status()
                times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return Row(label, requests, statistics.median(times), times[int(len(times) * 0.95) - 1])


def run() -> list[Row]:
    return [measure("TCP_NODELAY (as served)", 500), measure("Nagle on (before the fix)", 40, nagle=True)]


def markdown(rows: list[Row]) -> str:
    lines = ["| server socket | requests | median (ms) | p95 (ms) |", "|---|---:|---:|---:|"]
    lines += [f"| {r.label} | {r.requests} | {r.median_ms:.2f} | {r.p95_ms:.2f} |" for r in rows]
    return "\n".join(lines)
