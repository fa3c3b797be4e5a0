"""Notes: what Podwarden tells people on its own, as values (rendering is an adapter's job).

The daemon and the bot decide *that* someone must be told something (an idle warning, a
shutdown, an approval request, an SSH port that moved); the `Notifier` port delivers it
(Block Kit in Slack, text in the console). Each kind of note is a frozen subclass of
`Note` with the facts its message needs; renderers dispatch on the type.

Every note carries an idempotency `key`. It is recorded in the ledger before the post and
travels in the Slack message's metadata, so that after a crash between the post and the
ledger's commit the sender can find the message it already posted instead of posting it
again.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MessageRef:
    """Where a message was posted: enough to update it in place or withdraw it."""

    channel: str
    ts: str


@dataclass(frozen=True, slots=True)
class Note:
    """A message for `to`: a Slack user id (sent as a DM) or a channel id."""

    key: str
    to: str
