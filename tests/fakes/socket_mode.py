"""A fake of Slack's Socket Mode endpoint on loopback (after bolt-python's
mock_socket_mode_server): a WebSocket server that greets the client with `hello`, pushes
the envelopes a test gives it, and keeps what the client sends back (acks)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from websockets.sync.server import Server, ServerConnection, serve


class FakeSocketMode:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self._lock = threading.Condition()
        self._connections: list[ServerConnection] = []
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/link"

    def _handle(self, connection: ServerConnection) -> None:
        with self._lock:
            self._connections.append(connection)
            self._lock.notify_all()
        connection.send(json.dumps({"type": "hello", "num_connections": 1,
                                    "debug_info": {"host": "fake", "approximate_connection_time": 3600}}))
        try:
            for message in connection:
                with self._lock:
                    self.received.append(json.loads(message))
                    self._lock.notify_all()
        except Exception:  # the client went away
            return

    def wait_connected(self, timeout: float = 10.0) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: bool(self._connections), timeout=timeout)

    def push(self, envelope: dict[str, Any]) -> None:
        with self._lock:
            connection = self._connections[-1]
        connection.send(json.dumps(envelope))

    def wait_for_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any] | None:
        with self._lock:
            self._lock.wait_for(lambda: any(m.get("envelope_id") == envelope_id for m in self.received),
                                timeout=timeout)
            return next((m for m in self.received if m.get("envelope_id") == envelope_id), None)

    @contextmanager
    def running(self) -> Iterator[FakeSocketMode]:
        self._server = serve(self._handle, "127.0.0.1", 0)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._thread.join(10)
