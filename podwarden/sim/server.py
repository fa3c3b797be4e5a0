"""The simulator on a loopback HTTP port, for RunPod's official SDK, the demo and curl.

`serve` runs a `ThreadingHTTPServer` in a background thread around a `RunPodSimulator`;
`main` is ``podwarden sim``. GraphQL is at ``/graphql``, the Serverless runtime at
``/v2/{endpoint_id}/…``, the admin routes at ``/_sim/`` (answered only to loopback peers,
unless ``podwarden sim --host`` binds beyond loopback: then, e.g. in a container, the
other containers that reach it are the users, and they need ``/_sim/advance`` too).

Every accepted connection gets ``TCP_NODELAY``: the handler writes the headers and the
body as two small segments, and with Nagle's algorithm the body waits for the client's
delayed ACK (~40 ms per request on a kept-alive connection).
In server mode a DROP fault closes the socket without an answer and a TIMEOUT fault
really waits `delay` seconds, then closes the socket (or, with ``after``, answers for real);
see `podwarden.sim.faults`.

A client that has already gone away (it timed out, or was killed) is not an error here:
the broken pipe is swallowed quietly. Any other failure while serving a request answers
500 with a JSON body and is logged, so one bad request never prints a traceback to stderr
nor takes the server down.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import logging
import socket
import sys
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, TextIO

import httpx

from podwarden.sim.app import DropConnection, RunPodSimulator
from podwarden.sim.scenario import Scenario, UnknownScenario

__all__ = ["SimServer", "export_lines", "main", "serve"]

_HOP_BY_HOP = {"content-length", "transfer-encoding", "connection", "content-encoding"}
_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)

logger = logging.getLogger(__name__)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the simulator records requests in `sim.requests` instead."""

    def setup(self) -> None:
        super().setup()
        self._busy = True  # `_Server.process_request` counted this connection in when it was accepted

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self._idle()

    def _idle(self) -> None:
        if self._busy:
            self._busy = False
            self.server.requests_done()

    def _serve(self) -> None:
        if not self._busy:  # a later request on a kept-alive connection
            self._busy = True
            self.server.request_started()
        try:
            self._serve_one()
        finally:
            self._idle()

    def _serve_one(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        content = self.rfile.read(length) if length else b""
        host, port = str(self.server.server_address[0]), int(self.server.server_address[1])
        request = httpx.Request(
            self.command,
            f"http://{host}:{port}{self.path}",
            headers=[(k, v) for k, v in self.headers.items() if k.lower() not in ("host", "content-length")],
            content=content,
        )
        try:
            response = self.server.sim.handle(
                request, in_process=False,
                admin_allowed=self.server.admin_anywhere or _is_loopback(self.client_address[0]))
        except DropConnection:
            self.close_connection = True
            return
        except Exception:
            logger.exception("the RunPod simulator failed on %s %s", self.command, self.path)
            body = json.dumps({"error": "the simulator failed on this request; see its log"}).encode()
            response = httpx.Response(500, content=body, headers={"content-type": "application/json"})
        try:
            self._answer(response)
        except _GONE:
            self.close_connection = True  # the client stopped listening (e.g. its timeout ran out)

    def _answer(self, response: httpx.Response) -> None:
        body = response.content
        self.send_response(response.status_code)
        for key, value in response.headers.items():
            if key.lower() not in _HOP_BY_HOP:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve


class _Server(ThreadingHTTPServer):
    """Handler threads are daemons (an idle kept-alive client must not hold up shutdown), so
    the server counts the requests in flight itself and `drain` waits for them."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], sim: RunPodSimulator, *, admin_anywhere: bool = False) -> None:
        self.sim = sim
        self.admin_anywhere = admin_anywhere
        self._in_flight = 0
        self._quiet = threading.Condition()
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        """Accept, and send small writes at once (no Nagle delay): see the module docstring."""
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address

    def process_request(self, request: Any, client_address: Any) -> None:
        self.request_started()  # counted at accept, before the handler thread even starts
        super().process_request(request, client_address)

    def request_started(self) -> None:
        with self._quiet:
            self._in_flight += 1

    def requests_done(self) -> None:
        with self._quiet:
            self._in_flight -= 1
            self._quiet.notify_all()

    def drain(self, timeout: float) -> bool:
        """Wait until no request is being served (at most `timeout` seconds); True if none is."""
        with self._quiet:
            return self._quiet.wait_for(lambda: self._in_flight == 0, timeout=timeout)

    def handle_error(self, request: object, client_address: object) -> None:
        """socketserver prints a traceback to stderr; a vanished client is routine, the rest is logged."""
        exc = sys.exc_info()[1]
        if isinstance(exc, _GONE):
            return
        logger.error("the RunPod simulator's connection from %s failed", client_address, exc_info=exc)


class SimServer:
    """A running loopback server; `url` is its base (``http://127.0.0.1:PORT``)."""

    def __init__(self, sim: RunPodSimulator, host: str, port: int, *, admin_anywhere: bool = False) -> None:
        self.sim = sim
        self._httpd = _Server((host, port), sim, admin_anywhere=admin_anywhere)
        bound_host, bound_port = self._httpd.server_address[:2]
        self.host = str(bound_host)
        self.port = int(bound_port)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="runpod-sim", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def env(self) -> dict[str, str]:
        """The environment that points Podwarden, RunPod's Python SDK (and SkyPilot's GraphQL calls,
        which go through it) and runpodctl at this server. dstack and gpuhunt hard-code RunPod's URL.

        Every one of Podwarden's RunPod URL settings is here (a test holds them to the settings):
        one left out would send that API's requests, and the key, to the real RunPod."""
        return {
            "PODWARDEN_RUNPOD_GRAPHQL_URL": f"{self.url}/graphql",
            "PODWARDEN_RUNPOD_REST_URL": f"{self.url}/v2",
            "PODWARDEN_RUNPOD_SERVERLESS_URL": f"{self.url}/v2",
            "RUNPOD_API_BASE_URL": self.url,
            "RUNPOD_ENDPOINT_BASE_URL": f"{self.url}/v2",
            "RUNPOD_GRAPHQL_URL": f"{self.url}/graphql",
        }

    def close(self, *, drain: float = 5.0) -> None:
        """Stop accepting, let the requests in flight be answered (up to `drain` seconds), stop."""
        self._httpd.shutdown()
        self._httpd.drain(drain)
        self._httpd.server_close()
        self._thread.join()

    def __enter__(self) -> SimServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None,
    ) -> None:
        self.close()


def serve(sim: RunPodSimulator, host: str = "127.0.0.1", port: int = 0, *,
          admin_anywhere: bool = False) -> SimServer:
    """Start serving `sim` in a background thread; close the result (or use ``with``) to stop.

    `admin_anywhere` answers the ``/_sim/`` admin routes to every peer, not only loopback ones."""
    return SimServer(sim, host, port, admin_anywhere=admin_anywhere)


SCENARIO_HELP = (f"a shipped scenario ({', '.join(Scenario.shipped())}) or a scenario file (JSON or YAML); "
                 "default: an account with no pods")


def export_lines(server: SimServer, *, api_key: str | None) -> list[str]:
    """The `export` lines ``podwarden sim`` prints: every URL a client needs, and a key when any
    non-empty key is accepted (with ``--api-key`` the person exports their own)."""
    lines = [f"export {key}={value}" for key, value in server.env().items()]
    if api_key is None:
        lines += ["export RUNPOD_API_KEY=rpa_sim", "export PODWARDEN_RUNPOD_API_KEY=rpa_sim"]
    return lines


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="podwarden sim", description="Serve the RunPod simulator.")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (0 picks a free one)")
    parser.add_argument("--host", default=None, help="address to bind (127.0.0.1 unless given)")
    parser.add_argument("--scenario", help=SCENARIO_HELP)
    parser.add_argument("--seed", type=int, default=0, help="random seed, for repeatable worlds")
    parser.add_argument("--api-key", help="accept only this key (default: any non-empty key)")
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, block: bool = True) -> int:
    """``podwarden sim``: print the URL and the environment to use, then serve until Ctrl-C.

    `block=False` returns right after printing, leaving nothing running (for tests of the
    argument handling).
    """
    out = out or sys.stdout
    args = _parser().parse_args(argv)
    host = args.host or "127.0.0.1"  # only an explicit --host can bind beyond loopback
    try:
        scenario = Scenario.load(args.scenario) if args.scenario else None
    except UnknownScenario as exc:
        print(f"podwarden sim: {exc}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"podwarden sim: cannot load scenario {args.scenario}: {exc}", file=sys.stderr)
        return 2
    sim = RunPodSimulator(api_key=args.api_key, seed=args.seed, scenario=scenario)
    try:
        server = serve(sim, host=host, port=args.port, admin_anywhere=not _is_loopback(host))
    except OSError as exc:
        print(f"podwarden sim: cannot listen on {host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    with server:
        if not _is_loopback(host):
            print(f"WARNING: listening on {host}, reachable beyond this machine, admin routes (/_sim/) "
                  "included: anyone who reaches it can move its clock and inject faults.", file=out)
        print(f"RunPod simulator listening on {server.url}", file=out)
        print("Point a client at it (Podwarden, RunPod's Python SDK and SkyPilot, runpodctl):", file=out)
        for line in export_lines(server, api_key=args.api_key):
            print(line, file=out)
        print("(dstack and gpuhunt hard-code api.runpod.io: they cannot be pointed here.)", file=out)
        print("Any non-empty API key works" if args.api_key is None
              else "Only the --api-key given works: export it as RUNPOD_API_KEY and PODWARDEN_RUNPOD_API_KEY",
              file=out)
        out.flush()
        if not block:
            return 0
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped", file=out)
    return 0
