"""A fake Slack on loopback, recording every call (after bolt-python's mock_web_api_server).

Three things in one threaded HTTP server:

- the Web API under ``/api/<method>``: tests point `PODWARDEN_SLACK_API_URL` (or
  `WebClient(base_url=...)`) at `url`. Answers are canned per method and kept consistent
  (posted messages come back from `conversations.history`, with their metadata);
  `valid_tokens` decides which bot tokens are accepted, `app_tokens` which app-level ones
  (`apps.connections.open` answers `socket_url`).
- ``response_url`` endpoints under ``/response/<name>``: `response_url(name)` makes one;
  every body POSTed there is kept in `responses` (and `responded` is set).
- file uploads (``/upload/<id>``) for `files.getUploadURLExternal`.

Faults: `rate_limit_once` holds method names that answer 429 with `Retry-After` the first
time; `echo_token` makes every answer carry the caller's token (a careless API, to prove
our logs never show it).
"""

from __future__ import annotations

import itertools
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
class Response:
    """One POST to a response_url."""

    name: str
    body: dict[str, Any]


@dataclass
class FakeSlack:
    valid_tokens: set[str] = field(default_factory=lambda: {"xoxb-valid"})
    app_tokens: set[str] = field(default_factory=lambda: {"xapp-valid"})
    team: str = "Acme ML"
    calls: list[Call] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)
    uploads: list[bytes] = field(default_factory=list)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # channel -> messages
    views: dict[str, dict[str, Any]] = field(default_factory=dict)  # view id -> view
    published: dict[str, dict[str, Any]] = field(default_factory=dict)  # user -> Home view
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    socket_url: str | None = None
    rate_limit_once: set[str] = field(default_factory=set)
    retry_after: int = 1
    echo_token: bool = False
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _changed: threading.Condition | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def base(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, name: str = "cmd") -> str:
        return f"{self.base}/response/{name}"

    # -- waiting for what the bot sends ------------------------------------------------
    def wait_for(self, predicate: Any, timeout: float = 10.0) -> bool:
        """Block until `predicate(self)` holds (checked whenever a request arrives)."""
        assert self._changed is not None
        with self._changed:
            return bool(self._changed.wait_for(lambda: bool(predicate(self)), timeout=timeout))

    def responses_to(self, name: str) -> list[dict[str, Any]]:
        with self._lock:
            return [r.body for r in self.responses if r.name == name]

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    # -- serving -----------------------------------------------------------------------
    def __enter__(self) -> FakeSlack:
        fake = self
        self._changed = threading.Condition(self._lock)

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw_bytes = self.rfile.read(length)
                if self.path.startswith("/upload/"):
                    fake._record(lambda: fake.uploads.append(raw_bytes))
                    self._send(200, b"OK", "text/plain")
                    return
                raw = raw_bytes.decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    params = json.loads(raw or "{}")
                else:
                    params = {k: v[0] for k, v in parse_qs(raw).items()}
                if self.path.startswith("/response/"):
                    name = self.path.removeprefix("/response/")
                    fake._record(lambda: fake.responses.append(Response(name, params)))
                    self._send(200, b"ok", "text/plain")
                    return
                auth = self.headers.get("Authorization", "")
                token = auth.removeprefix("Bearer ") or params.get("token")
                method = self.path.rsplit("/", 1)[-1]
                status, body, headers = fake._serve(method, token, params)
                data = json.dumps(body).encode()
                self._send(status, data, "application/json", headers)

            def _send(self, status: int, data: bytes, kind: str, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        assert self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _record(self, change: Any) -> None:
        assert self._changed is not None
        with self._changed:
            change()
            self._changed.notify_all()

    def _serve(
        self, method: str, token: str | None, params: dict[str, Any],
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        assert self._changed is not None
        with self._changed:
            self.calls.append(Call(method, token, params))
            if method in self.rate_limit_once:
                self.rate_limit_once.discard(method)
                self._changed.notify_all()
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(self.retry_after)}
            body = self.answer(method, token, params)
            if self.echo_token:
                body = {**body, "echo": f"you sent {token}"}
            self._changed.notify_all()
            return 200, body, {}

    def answer(self, method: str, token: str | None, params: dict[str, Any]) -> dict[str, Any]:
        """The canned answer (called under the lock)."""
        if method == "apps.connections.open":
            if token not in self.app_tokens:
                return {"ok": False, "error": "invalid_auth"}
            return {"ok": True, "url": self.socket_url or "ws://127.0.0.1:9/"}
        if token not in self.valid_tokens:
            return {"ok": False, "error": "invalid_auth"}
        if method == "auth.test":
            return {"ok": True, "team": self.team, "user": "podwarden", "team_id": "T0001", "user_id": "U0BOT",
                    "bot_id": "B0BOT"}
        if method == "chat.postMessage":
            channel = str(params.get("channel"))
            ts = f"{1700000000 + next(self._ids)}.000100"
            message = {"type": "message", "ts": ts, "text": params.get("text"), "bot_id": "B0BOT",
                       "blocks": _json(params.get("blocks")), "metadata": _json(params.get("metadata"))}
            self.messages.setdefault(channel, []).append(message)
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method == "chat.update":
            channel, ts = str(params.get("channel")), str(params.get("ts"))
            for message in self.messages.get(channel, []):
                if message["ts"] == ts:
                    message.update(text=params.get("text"), blocks=_json(params.get("blocks")))
                    if params.get("metadata"):
                        message["metadata"] = _json(params.get("metadata"))
                    return {"ok": True, "channel": channel, "ts": ts}
            return {"ok": False, "error": "message_not_found"}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{1700000000 + next(self._ids)}.000200"}
        if method in {"views.open", "views.update", "views.push"}:
            view = _json(params.get("view")) or {}
            view_id = str(params.get("view_id") or f"V{next(self._ids):04d}")
            if method == "views.update" and view_id not in self.views:
                return {"ok": False, "error": "not_found"}
            view = {**view, "id": view_id, "hash": f"h{next(self._ids)}"}
            self.views[view_id] = view
            return {"ok": True, "view": view}
        if method == "views.publish":
            user = str(params.get("user_id"))
            self.published[user] = _json(params.get("view")) or {}
            return {"ok": True, "view": {**self.published[user], "id": f"VH{user}"}}
        if method == "conversations.open":
            users = str(params.get("users") or "")
            return {"ok": True, "channel": {"id": "D" + users.split(",")[0].lstrip("U")}}
        if method == "conversations.history":
            channel = str(params.get("channel"))
            keep_metadata = str(params.get("include_all_metadata", "")).lower() in {"1", "true"}
            found = [
                m if keep_metadata else {k: v for k, v in m.items() if k != "metadata"}
                for m in reversed(self.messages.get(channel, []))
            ]
            return {"ok": True, "messages": found, "has_more": False}
        if method == "usergroups.users.list":
            group = str(params.get("usergroup"))
            if group not in self.usergroups:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": self.usergroups[group]}
        if method == "users.info":
            user = str(params.get("user"))
            return {"ok": True, "user": self.users.get(user, {"id": user, "name": user.lower(), "tz": "UTC"})}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ids):04d}"
            return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = _json(params.get("files")) or []
            return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}
        return {"ok": True}


def _json(value: Any) -> Any:
    """Slack takes structured arguments as JSON strings in form posts, or as JSON."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
