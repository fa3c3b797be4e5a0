"""Digest publishers: the `DigestPublisher` port over Slack's Web API, and over the console.

Slack: one `chat.postMessage` with the native blocks (tables, the chart), the summary as
its text and message metadata (`event_type` "podwarden_digest") carrying the week's key
and the files its thread needs, so that after a crash between the post and the ledger's
`sent` the job finds the message in the channel's history instead of posting it twice, and
still uploads its files. A workspace that does not know the newer blocks answers
`invalid_blocks`: the digest is posted again with text tables, and the chart goes up as a
PNG. `attach` uploads the files in the digest's thread (`files_upload_v2`): the CSV of the
week's rows, and that PNG. For a digest found again (`find`: a process before this one
posted it) the thread's replies are read first and a file already in it is not uploaded
again (the answer to an upload's last step may have been lost after Slack shared the file).
An upload that failed and may succeed later (Slack unreachable, rate limited, a 5xx, a
non-200 answer to the file's own upload) raises `NotifyError`, so the job tries again; a
refusal that no retry changes (`PERMANENT`: the bot is not in the channel, lacks
`files:write`, uploads are disabled...) is returned, so the digest is finished without
its files and the refusal logged once instead of every ten minutes all week.

Console: the digest as text; the PNG chart and the CSV saved to files, their paths shown.
The directory is given (the composition root passes the per-user data directory's
`digests/`), never a shared one, and each file's name carries the time it was written, so
that a second preview of the same week does not overwrite the first.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from podwarden.adapters.slack import render_digest as render
from podwarden.adapters.slack.notifier import keyed_message
from podwarden.domain.digest import Digest
from podwarden.domain.notes import MessageRef
from podwarden.errors import NotifyError

METADATA_EVENT = "podwarden_digest"
CSV, PNG = "csv", "png"  # the files of a digest's thread, named in its metadata ("csv" or "png,csv")
# Slack's answers to an upload that no retry changes: the workspace or the channel must change first.
PERMANENT = frozenset({
    "not_in_channel", "channel_not_found", "is_archived", "missing_scope", "not_allowed_token_type",
    "no_permission", "restricted_action", "access_denied", "ekm_access_denied", "team_access_not_granted",
    "invalid_auth", "not_authed", "account_inactive", "token_revoked", "file_uploads_disabled",
    "file_upload_disabled", "invalid_arguments",
})
log = logging.getLogger(__name__)


def file_stem(digest: Digest) -> str:
    return f"podwarden-spend-{digest.week_start.isoformat()}"


class SlackDigestPublisher:
    def __init__(self, client: Any) -> None:  # a slack_sdk.WebClient
        self._client = client
        self._files: dict[MessageRef, tuple[str, ...]] = {}  # what each digest posted or found needs attached
        self._found: set[MessageRef] = set()  # digests posted by an earlier process: their thread may hold files
        self._lock = threading.Lock()

    def publish(self, digest: Digest, *, channel: str, key: str) -> MessageRef:
        """Post the digest's message; its files go up with `attach`."""
        from slack_sdk.errors import SlackApiError

        summary = render.slack_summary(digest)
        files: tuple[str, ...] = (CSV,)
        try:
            answer = self._call("chat_postMessage", channel=channel, text=summary, blocks=render.blocks(digest),
                                metadata=_metadata(key, files))
        except SlackApiError as exc:
            if _error(exc) != "invalid_blocks":
                raise NotifyError(f"Slack refused chat.postMessage: {_error(exc)}") from None
            log.info("digest: this workspace refused the native table/chart blocks; posting text tables and a PNG")
            files = (PNG, CSV)
            answer = self._post_or_raise(channel=channel, text=summary, blocks=render.blocks(digest, native=False),
                                         metadata=_metadata(key, files))
        return self._remember(MessageRef(channel=str(answer["channel"]), ts=str(answer["ts"])), files)

    def find(self, channel: str, key: str, *, oldest: datetime) -> MessageRef | None:
        from slack_sdk.errors import SlackApiError

        def history(cursor: str | None) -> Any:
            try:
                return self._call("conversations_history", channel=channel, oldest=f"{oldest.timestamp():.6f}",
                                  include_all_metadata=True, limit=200, cursor=cursor)
            except SlackApiError as exc:
                raise NotifyError(f"Slack refused conversations.history: {_error(exc)}") from None

        message = keyed_message(history, event_type=METADATA_EVENT, key=key)
        if message is None:
            return None
        named = str(((message.get("metadata") or {}).get("event_payload") or {}).get("files") or CSV)
        files = tuple(f for f in (PNG, CSV) if f in named.split(","))
        ref = self._remember(MessageRef(channel=channel, ts=str(message["ts"])), files)
        with self._lock:
            self._found.add(ref)
        return ref

    def attach(self, digest: Digest, ref: MessageRef) -> str | None:
        """Upload the files of the digest posted at `ref` (by `publish`, or found by `find`) in its
        thread. None when they are up (or there were none); Slack's error when it refuses them for
        good (`PERMANENT`); `NotifyError` when trying again later may work."""
        from slack_sdk.errors import SlackApiError, SlackClientError

        with self._lock:
            files = self._files.get(ref, (CSV,))
            found = ref in self._found
        stem = file_stem(digest)
        if found:
            there = self._in_thread(ref)
            files = tuple(f for f in files if f"{stem}.{f}" not in there)
        uploads: list[dict[str, Any]] = []
        if PNG in files:
            uploads.append({"content": render.chart_png(digest), "filename": f"{stem}.png",
                            "title": "Daily spend, top 5 + others"})
        if CSV in files:
            uploads.append({"content": render.csv_text(digest), "filename": f"{stem}.csv",
                            "title": "The week's rows (CSV)"})
        if not uploads:
            return None
        try:
            self._call("files_upload_v2", channel=ref.channel, thread_ts=ref.ts, file_uploads=uploads)
        except SlackApiError as exc:
            if _error(exc) in PERMANENT:
                return _error(exc)
            raise NotifyError(f"Slack refused the digest's files: {_error(exc)}") from None
        except SlackClientError as exc:  # e.g. the file's own upload answered non-200 (SlackRequestError)
            raise NotifyError(f"the digest's files could not be uploaded: {exc}") from None
        return None

    def _in_thread(self, ref: MessageRef) -> set[str]:
        """The names of the files already shared in the thread of the digest at `ref`."""
        from slack_sdk.errors import SlackApiError

        names: set[str] = set()
        cursor: str | None = None
        while True:
            try:
                page = self._call("conversations_replies", channel=ref.channel, ts=ref.ts, limit=200, cursor=cursor)
            except SlackApiError as exc:  # uploading blind could put the files up twice: later, then
                raise NotifyError(f"Slack refused conversations.replies: {_error(exc)}") from None
            for message in page.get("messages") or []:
                names.update(str(f.get("name")) for f in message.get("files") or [] if f.get("name"))
            cursor = ((page.get("response_metadata") or {}).get("next_cursor")) or None
            if not page.get("has_more") or cursor is None:
                return names

    def _remember(self, ref: MessageRef, files: tuple[str, ...]) -> MessageRef:
        with self._lock:
            self._files[ref] = files
        return ref

    def _post_or_raise(self, **params: Any) -> Any:
        from slack_sdk.errors import SlackApiError

        try:
            return self._call("chat_postMessage", **params)
        except SlackApiError as exc:
            raise NotifyError(f"Slack refused chat.postMessage: {_error(exc)}") from None

    def _call(self, method: str, **params: Any) -> Any:
        """Call the WebClient; Slack unreachable, or a request slack_sdk itself gave up on
        (`SlackRequestError`), is a `NotifyError`. Slack's own refusals (`SlackApiError`) are
        left to the caller, which knows which of them it can answer."""
        from slack_sdk.errors import SlackRequestError

        try:
            return getattr(self._client, method)(**{k: v for k, v in params.items() if v is not None})
        except OSError as exc:
            raise NotifyError(f"Slack could not be reached for {method}: {type(exc).__name__}") from None
        except SlackRequestError as exc:
            raise NotifyError(f"Slack's {method} failed: {exc}") from None


class ConsoleDigestPublisher:
    """The digest as text on a stream, with the chart (PNG) and the rows (CSV) saved to files."""

    def __init__(self, out: TextIO, directory: Path, *, now: Callable[[], datetime] | None = None) -> None:
        self._out = out
        self.directory = directory
        self._now = now or _utc_now
        self._sent: dict[tuple[str, str], MessageRef] = {}
        self._lock = threading.Lock()

    def publish(self, digest: Digest, *, channel: str, key: str) -> MessageRef:
        png, csv = self.save(digest)
        with self._lock:
            ref = MessageRef(channel=channel, ts=f"{len(self._sent) + 1}.000000")
            self._sent[(channel, key)] = ref
            self._out.write(f"\n[digest to {channel}]\n{render.text(digest)}chart: {png}\nrows: {csv}\n")
            self._out.flush()
        return ref

    def find(self, channel: str, key: str, *, oldest: datetime) -> MessageRef | None:
        with self._lock:
            return self._sent.get((channel, key))

    def attach(self, digest: Digest, ref: MessageRef) -> str | None:
        """Nothing to upload: `publish` saved the chart and the rows with the text."""
        return None

    def save(self, digest: Digest) -> tuple[Path, Path]:
        return save_files(digest, self.directory, at=self._now())


def save_files(digest: Digest, directory: Path, *, at: datetime) -> tuple[Path, Path]:
    """Write the digest's PNG chart and CSV rows to `directory`, named with the week and the
    time `at` (UTC); their paths. A name already taken gets a counter rather than overwriting."""
    directory.mkdir(parents=True, exist_ok=True)
    base = f"{file_stem(digest)}-{at.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    name, n = base, 2
    while (directory / f"{name}.png").exists() or (directory / f"{name}.csv").exists():
        name, n = f"{base}-{n}", n + 1
    png, csv = directory / f"{name}.png", directory / f"{name}.csv"
    png.write_bytes(render.chart_png(digest))
    csv.write_text(render.csv_text(digest), encoding="utf-8")
    return png, csv


def _metadata(key: str, files: tuple[str, ...]) -> dict[str, Any]:
    return {"event_type": METADATA_EVENT, "event_payload": {"key": key, "files": ",".join(files)}}


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _error(exc: Any) -> str:
    response = getattr(exc, "response", None)
    return str(response.get("error", "unknown_error")) if response is not None else "unknown_error"
