"""A fake Slack Web API on loopback, recording every call (after bolt-python's mock_web_api_server).

Tests point `PODWARDEN_SLACK_API_URL` (or `WebClient(base_url=...)`) at `server.url`.
Answers are canned per method; `valid_tokens` decides what `auth.test` accepts.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Call:
    method: str
    token: str | None
    params: dict[str, Any]


@dataclass
class FakeSlack:
    valid_tokens: set[str] = field(default_factory=lambda: {"xoxb-valid"})
    team: str = "Acme ML"
    calls: list[Call] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/api/"

    def __enter__(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    params = json.loads(raw or "{}")
                else:
                    params = {k: v[0] for k, v in parse_qs(raw).items()}
                auth = self.headers.get("Authorization", "")
                token = auth.removeprefix("Bearer ") or params.get("token")
                method = self.path.rsplit("/", 1)[-1]
                fake.calls.append(Call(method, token, params))
                body = fake.answer(method, token, params)
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        assert self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def answer(self, method: str, token: str | None, params: dict[str, Any]) -> dict[str, Any]:
        if token not in self.valid_tokens:
            return {"ok": False, "error": "invalid_auth"}
        if method == "auth.test":
            return {"ok": True, "team": self.team, "user": "podwarden", "team_id": "T0001", "user_id": "U0BOT"}
        if method == "chat.postMessage":
            return {"ok": True, "channel": params.get("channel"), "ts": f"{len(self.calls)}.000100"}
        return {"ok": True}
