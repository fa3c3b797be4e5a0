"""The team's copy, in the notice channel, of a notice sent to a pod's owner.

An owner is warned in a DM (an idle pod, a `--max-hours` deadline, a spending cap of
theirs), and the notice channel sees the same warning and the shutdown notice of every stop
(idle, deadline or cap) so that the team knows what is about to stop and what stopping
saved. The copy is a notice of its own (`copy_key`, `copy_kind`): it is posted once,
updated in place with the owner's copy, and never decides anything. A pod is stopped on
the owner's copy alone (see `podwarden.domain.lifecycle`'s `_idle_actions`,
`_deadline_actions`, `_cap_actions`): a channel that refuses posts neither blocks nor delays
a stop. A notice already addressed to the channel (a team's or the fleet's cap, an unowned
pod's warning) has no copy.

A member's cap notice is copied only when it stops pods, or when its cap is daily or
monthly. A soft hourly cap is judged on the rate of the pods running *this hour*, so its
notice gets a new key every hour: copied, a member who keeps running over it would put a
message in the channel every hour (two dozen a day each). The owner still gets each one;
the team hears of the caps that cost a day's or a month's budget, and of every cap that
stops a pod (whose shutdown notices are copied too).
"""

from __future__ import annotations

from podwarden.domain.ledger_values import BudgetPeriod
from podwarden.domain.notes import CapReached, DeadlineWarning, IdleWarning, Note, PodStopped

CHANNEL_COPY = ":channel"  # the suffix of a copy's key and kind

# What is about to stop, what stopped and why, and whose spending is capped: the team sees it all.
_COPIED = (IdleWarning, DeadlineWarning, PodStopped, CapReached)


def channel_copy(note: Note, channel: str | None) -> str | None:
    """Where the team's copy of `note` goes: `channel`, or None (no copy; see the module)."""
    if channel is None or note.to == channel or not isinstance(note, _COPIED):
        return None
    if isinstance(note, CapReached) and not note.stopping and note.period == BudgetPeriod.HOUR:
        return None  # a new notice every hour while it holds: the owner's alone
    return channel


def copy_key(key: str) -> str:
    return f"{key}{CHANNEL_COPY}"


def copy_kind(kind: str) -> str:
    return f"{kind}{CHANNEL_COPY}"


def is_channel_copy(kind: str) -> bool:
    return kind.endswith(CHANNEL_COPY)


def is_copy(note: Note) -> bool:
    """Is this note the notice channel's copy of an owner's notice (not the notice itself)?"""
    return note.key.endswith(CHANNEL_COPY)


def original_key(key: str) -> str:
    """The key of the owner's notice a channel copy mirrors."""
    return key.removesuffix(CHANNEL_COPY)


__all__ = ["CHANNEL_COPY", "channel_copy", "copy_key", "copy_kind", "is_channel_copy", "is_copy", "original_key"]
