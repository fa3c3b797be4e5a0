"""A fake Slack Web API for the digest: messages with metadata, history, and file uploads.

Separate from `tests/fakes/slack_api.py` (the Slack face's) because the digest needs what
that one does not answer: `conversations.history` returning posted messages with their
metadata, `files_upload_v2`'s three steps (the upload itself is a raw binary POST), and a
workspace that refuses the newer blocks with `invalid_blocks`. Loopback only.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

NEW_BLOCKS = {"table", "data_visualization"}
TOKEN = "xoxb-valid"


@dataclass
class Upload:
    file_id: str
    filename: str
    data: bytes = b""
    title: str | None = None
    channel: str | None = None
    thread_ts: str | None = None


@dataclass
class DigestSlack:
    native_blocks: bool = True  # False: a workspace that answers invalid_blocks to table/chart blocks
    refuse_posts: str | None = None  # Slack's error to chat.postMessage (e.g. "channel_not_found")
    refuse_uploads: str | None = None  # Slack's error to files.getUploadURLExternal (e.g. "not_in_channel")
    upload_status: int = 200  # the HTTP status of a file's own upload (step 2 of files_upload_v2)
    lose_completions: int = 0  # files.completeUploadExternal calls whose answer is lost (done, then a 500)
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    messages: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    uploads: dict[str, Upload] = field(default_factory=dict)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/api/"

    def client(self) -> Any:
        from slack_sdk import WebClient

        return WebClient(token=TOKEN, base_url=self.url)

    def posts(self, channel: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.messages if channel is None or m["channel"] == channel]

    def __enter__(self) -> DigestSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(parts.query).items()}
                self._reply(fake.answer(parts.path.rsplit("/", 1)[-1], params))

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = urlsplit(self.path).path
                if path.startswith("/upload/"):
                    if fake.upload_status != 200:
                        self._reply({"ok": False}, status=fake.upload_status)
                        return
                    fake.receive(path.rsplit("/", 1)[-1], raw)
                    self._reply({"ok": True})
                    return
                kind = self.headers.get("Content-Type", "")
                if kind.startswith("application/json"):
                    params = json.loads(raw or b"{}")
                else:
                    params = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                method = path.rsplit("/", 1)[-1]
                answer = fake.answer(method, {**query, **params})
                self._reply(answer, status=500 if fake.lost(method) else 200)

            def _reply(self, body: dict[str, Any], *, status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
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

    def lost(self, method: str) -> bool:
        """Is the answer to this call (already carried out) lost on its way back?"""
        with self._lock:
            if method != "files.completeUploadExternal" or self.lose_completions <= 0:
                return False
            self.lose_completions -= 1
            return True

    def uploads_done(self) -> list[Upload]:
        """The files shared somewhere (all three steps done), in upload order."""
        with self._lock:
            return [u for u in self.uploads.values() if u.channel is not None]

    def in_thread(self, channel: str, ts: str) -> list[Upload]:
        """The files shared in a message's thread."""
        with self._lock:
            return [u for u in self.uploads.values() if (u.channel, u.thread_ts) == (channel, ts)]

    def receive(self, file_id: str, data: bytes) -> None:
        with self._lock:
            self.uploads[file_id].data = data

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if method == "chat.postMessage":
                return self._post(params)
            if method == "conversations.history":
                return self._history(params)
            if method == "conversations.replies":
                return self._replies(params)
            if method == "files.getUploadURLExternal":
                if self.refuse_uploads is not None:
                    return {"ok": False, "error": self.refuse_uploads}
                file_id = f"F{len(self.uploads) + 1:04d}"
                self.uploads[file_id] = Upload(file_id, str(params.get("filename")))
                assert self._server is not None
                host, port = self._server.server_address[:2]
                return {"ok": True, "file_id": file_id, "upload_url": f"http://{host!s}:{port}/upload/{file_id}"}
            if method == "files.completeUploadExternal":
                files = json.loads(params["files"]) if isinstance(params["files"], str) else params["files"]
                for item in files:
                    upload = self.uploads[item["id"]]
                    upload.title, upload.channel = item.get("title"), params.get("channel_id")
                    upload.thread_ts = params.get("thread_ts")
                return {"ok": True, "files": [{"id": item["id"]} for item in files]}
            return {"ok": True}

    def _post(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.refuse_posts is not None:
            self.refused.append(params)
            return {"ok": False, "error": self.refuse_posts}
        blocks = params.get("blocks") or []
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        if not self.native_blocks and any(b.get("type") in NEW_BLOCKS for b in blocks):
            self.refused.append(params)
            return {"ok": False, "error": "invalid_blocks"}
        ts = f"{self.now().timestamp() + len(self.messages) / 1e6:.6f}"
        metadata = params.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        self.messages.append({"channel": params["channel"], "ts": ts, "text": params.get("text"),
                              "blocks": blocks, "metadata": metadata})
        return {"ok": True, "channel": params["channel"], "ts": ts}

    def _replies(self, params: dict[str, Any]) -> dict[str, Any]:
        """A message's thread: the message, then each file shared in it (as Slack shows a file share)."""
        channel, ts = params.get("channel"), str(params.get("ts"))
        parent = [{"type": "message", "ts": m["ts"], "text": m["text"]} for m in self.messages
                  if m["channel"] == channel and m["ts"] == ts]
        if not parent:
            return {"ok": False, "error": "thread_not_found"}
        shared = [{"type": "message", "ts": f"{float(ts) + n / 1e3:.6f}", "thread_ts": ts,
                   "files": [{"id": u.file_id, "name": u.filename, "title": u.title}]}
                  for n, u in enumerate((u for u in self.uploads.values() if (u.channel, u.thread_ts) == (channel, ts)),
                                        start=1)]
        return {"ok": True, "messages": parent + shared, "has_more": False}

    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        oldest = float(params.get("oldest") or 0)
        with_metadata = str(params.get("include_all_metadata")).lower() in {"1", "true"}
        found = [
            {"type": "message", "ts": m["ts"], "text": m["text"],
             **({"metadata": m["metadata"]} if with_metadata and m["metadata"] else {})}
            for m in reversed(self.messages) if m["channel"] == params.get("channel") and float(m["ts"]) >= oldest
        ]
        return {"ok": True, "messages": found, "has_more": False}
