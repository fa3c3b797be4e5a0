"""Notifiers: the `Notifier` port over Slack's Web API, over a text stream, and in memory.

`SlackNotifier` posts Block Kit with a plain-text fallback and Slack message metadata
carrying the note's idempotency key (`event_type` "podwarden_note"), so that after a crash
between the post and the ledger's commit `find_sent` can find the message in the
channel's history instead of posting it twice. A DM goes to the user's IM channel
(`conversations.open`). Rate limits are retried by slack-sdk's `RateLimitErrorRetryHandler`.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, TextIO

from podwarden.adapters.slack.render_notes import render
from podwarden.domain.notes import MessageRef, Note
from podwarden.errors import NotifyError

METADATA_EVENT = "podwarden_note"


def find_keyed(
    history: Callable[[str | None], Any], channel: str, *, event_type: str, key: str,
) -> MessageRef | None:
    """The message of `channel` whose metadata carries `key` under `event_type`, paging through
    `history(cursor)` (a conversations.history call): how a post that happened before a crash
    is found again instead of being made twice."""
    found = keyed_message(history, event_type=event_type, key=key)
    return MessageRef(channel=channel, ts=str(found["ts"])) if found is not None else None


def keyed_message(history: Callable[[str | None], Any], *, event_type: str, key: str) -> dict[str, Any] | None:
    """The history's message whose metadata carries `key` under `event_type`, as Slack gave it
    (its metadata payload says what else the post needed, e.g. the digest's files)."""
    cursor: str | None = None
    while True:
        answer = history(cursor)
        for message in answer.get("messages", []):
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == event_type and (metadata.get("event_payload") or {}).get("key") == key:
                return dict(message)
        cursor = (answer.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return None


def is_user_id(recipient: str) -> bool:
    """Slack user ids start with U or W; channels with C, G or D."""
    return recipient[:1] in {"U", "W"}


class SlackNotifier:
    def __init__(self, client: Any) -> None:  # a slack_sdk.WebClient
        self._client = client
        self._dm_channels: dict[str, str] = {}
        self._lock = threading.Lock()

    def send(self, note: Note) -> MessageRef:
        reply = render(note)
        channel = self._channel_for(note.to)
        answer = self._call("chat.postMessage", channel=channel, text=reply.text()[:3000], blocks=reply.blocks(),
                            metadata={"event_type": METADATA_EVENT, "event_payload": {"key": note.key}})
        return MessageRef(channel=str(answer["channel"]), ts=str(answer["ts"]))

    def update(self, ref: MessageRef, note: Note) -> None:
        reply = render(note)
        self._call("chat.update", channel=ref.channel, ts=ref.ts, text=reply.text()[:3000], blocks=reply.blocks(),
                   metadata={"event_type": METADATA_EVENT, "event_payload": {"key": note.key}})

    def find_sent(self, channel: str, key: str, *, oldest: datetime) -> MessageRef | None:
        channel = self._channel_for(channel)
        return find_keyed(
            lambda cursor: self._call("conversations.history", channel=channel, oldest=f"{oldest.timestamp():.6f}",
                                      include_all_metadata=True, limit=200, cursor=cursor),
            channel, event_type=METADATA_EVENT, key=key,
        )

    def _channel_for(self, recipient: str) -> str:
        if not is_user_id(recipient):
            return recipient
        with self._lock:
            known = self._dm_channels.get(recipient)
        if known:
            return known
        answer = self._call("conversations.open", users=recipient)
        channel = str(answer["channel"]["id"])
        with self._lock:
            self._dm_channels[recipient] = channel
        return channel

    def _call(self, method: str, **params: Any) -> Any:
        from slack_sdk.errors import SlackApiError

        try:
            return self._client.api_call(method, json={k: v for k, v in params.items() if v is not None})
        except SlackApiError as exc:
            error = exc.response.get("error", "unknown_error") if exc.response is not None else "unknown_error"
            raise NotifyError(f"Slack refused {method}: {error}") from None
        except OSError as exc:
            raise NotifyError(f"Slack could not be reached for {method}: {type(exc).__name__}") from None


class ConsoleNotifier:
    """Writes notes as text to a stream (the console, the demo); remembers them for `find_sent`."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._sent: dict[tuple[str, str], MessageRef] = {}
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def send(self, note: Note) -> MessageRef:
        reply = render(note)
        with self._lock:
            ref = MessageRef(channel=note.to, ts=f"{next(self._counter)}.000000")
            self._sent[(note.to, note.key)] = ref
            self._out.write(f"\n[to {note.to}] " + reply.text())
            self._out.flush()
        return ref

    def update(self, ref: MessageRef, note: Note) -> None:
        reply = render(note)
        with self._lock:
            self._out.write(f"\n[update to {ref.channel}] " + reply.text())
            self._out.flush()

    def find_sent(self, channel: str, key: str, *, oldest: datetime) -> MessageRef | None:
        with self._lock:
            return self._sent.get((channel, key))
