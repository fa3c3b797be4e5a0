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


@dataclass(frozen=True, slots=True)
class ApprovalRequested(Note):
    """A start or resume above the approval threshold waits for an admin's Approve or Deny."""

    nonce: str
    requester: str
    verb: str  # start | resume
    summary: str  # e.g. "2 × H100 SXM, secure cloud, named alice-h100"
    per_hr: str  # the $/h it will cost, as text ("$5.58/h")
    expires_at: str  # ISO time the request lapses


@dataclass(frozen=True, slots=True)
class ApprovalOutcome(Note):
    """What became of an approval request, for the requester (and to update the admins' message)."""

    nonce: str
    requester: str
    verb: str
    summary: str
    outcome: str  # approved | denied | expired | failed
    by: str | None = None  # the admin who decided
    result: str | None = None  # what happened: the new pod, or RunPod's error


# -- the lifecycle daemon's notes (rendered by podwarden.adapters.slack.render_lifecycle) ---------
