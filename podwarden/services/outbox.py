"""The daemon's outbox: every notice recorded in the ledger is posted exactly once.

A notice is recorded (`pending`, with its note) in the same transaction as what decided it;
delivering it marks it `sending`, posts it with its key in the message metadata, then marks
it `sent`. One left `sending` or `failed` by a crash or an error is first looked for in Slack
(`find_sent`) and only posted if it is not there. A DM that fails goes to the notice channel
instead (and the channel's copy of it is then dropped). A channel copy (see
`podwarden.domain.channel_copies`) waits for its owner's copy and is withdrawn with it.
Closing a notice withdraws it and updates its posted message, and its copy's, in place.

Which notices may go out now is also the caller's to say (`release`): the lifecycle holds a
shutdown notice until its pod is known stopped. Nothing here holds a transaction across a
Slack call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

from podwarden.domain import channel_copies as copies
from podwarden.domain import note_codec
from podwarden.domain.ledger_values import Notice, NoticeState
from podwarden.domain.notes import IdleWarning, MessageRef, Note
from podwarden.errors import LedgerError, NotifyError
from podwarden.ports import Clock, Ledger, Notifier

log = logging.getLogger("podwarden.daemon")


class DeliveryLog(Protocol):
    """Where a delivery says what it did (the tick's `TickReport`)."""

    sent: list[str]  # notice keys posted
    failed: list[str]  # notice keys whose post failed
    errors: list[str]


def _always(notice: Notice) -> bool:
    return True


class Outbox:
    def __init__(
        self, *, ledger: Ledger, notifier: Notifier, clock: Clock, notice_channel: str | None, time_zone: str = "UTC",
    ) -> None:
        self._ledger = ledger
        self._notifier = notifier
        self._clock = clock
        self._notice_channel = notice_channel
        self._time_zone = time_zone  # the team's, for the times notices show (e.g. "kept until 18:00")

    def deliver(self, report: DeliveryLog, *, release: Callable[[Notice], bool] = _always) -> None:
        """Post every notice recorded but not known delivered, exactly once.

        `release(notice)` says whether a notice may go out now (the lifecycle holds a shutdown
        notice until its pod is known stopped); a channel copy waits for its owner's copy.
        """
        for notice in self._ledger.undelivered_notices():
            if notice.payload is None:
                continue  # recorded by something that posts its own notices
            try:
                if not release(notice):
                    continue  # held: e.g. RunPod has not (yet) been seen to stop the pod
                if copies.is_channel_copy(notice.kind) and not self._release_copy(notice):
                    continue  # held until the owner's copy is delivered, or withdrawn with it
                self._deliver_one(notice, report)
            except LedgerError as exc:
                report.errors.append(f"{notice.key}: {exc}")
                log.error("ledger failed while delivering %s: %s", notice.key, exc)
            except (ValueError, TypeError, LookupError) as exc:  # a note this version cannot read or render
                report.errors.append(f"{notice.key}: {exc}")
                log.error("notice %s cannot be posted (%s); withdrawn", notice.key, exc)
                self._ledger.withdraw_notice(notice.key, now=self._clock.now())

    def _deliver_one(self, notice: Notice, report: DeliveryLog) -> None:
        if notice.payload is None:
            return
        note = note_codec.decode(notice.payload)
        if notice.state in (NoticeState.SENDING, NoticeState.FAILED):
            found = self._find(notice, note)
            if found is not None:
                self._ledger.mark_notice_sent(notice.key, channel=found.channel, ts=found.ts, now=self._clock.now())
                report.sent.append(notice.key)
                return
        self._ledger.mark_notice_sending(notice.key, now=self._clock.now())
        try:
            ref = self._send(note)
        except NotifyError as exc:
            self._ledger.mark_notice_failed(notice.key, error=str(exc), now=self._clock.now())
            report.failed.append(notice.key)
            log.warning("notice %s not delivered: %s", notice.key, exc)
            return
        self._ledger.mark_notice_sent(notice.key, channel=ref.channel, ts=ref.ts, now=self._clock.now())
        report.sent.append(notice.key)

    def _release_copy(self, copy: Notice) -> bool:
        """May this channel copy be posted? Once the owner's copy is delivered, elsewhere.

        The copy waits while the owner's copy is not known delivered (so a DM that falls back
        to the channel is never posted there twice), and is withdrawn unposted when the owner's
        copy was withdrawn, is gone, or was itself posted in the channel.
        """
        current = self._ledger.notice(copy.key)  # read again: the owner's fallback may have dropped it since
        if current is None or current.state is NoticeState.WITHDRAWN:
            return False
        original = self._ledger.notice(copies.original_key(copy.key))
        if original is None or original.state is NoticeState.WITHDRAWN or original.channel == copy.recipient:
            self._ledger.withdraw_notice(copy.key, now=self._clock.now())
            return False
        return original.state is NoticeState.SENT

    def _send(self, note: Note) -> MessageRef:
        """Post to the recipient; a DM that fails goes to the notice channel instead."""
        try:
            return self._notifier.send(note)
        except NotifyError:
            channel = self._notice_channel
            if channel is None or note.to == channel:
                raise
            log.warning("DM to %s failed; posting %s to %s instead", note.to, note.key, channel)
            ref = self._notifier.send(replace(note, to=channel))
            self._drop_copy(note.key)
            return ref

    def _drop_copy(self, key: str) -> None:
        """The owner's copy of `key` landed in the notice channel: its channel copy is not posted."""
        copy = self._ledger.notice(copies.copy_key(key))
        if copy is not None and copy.state in (NoticeState.PENDING, NoticeState.FAILED):
            self._ledger.withdraw_notice(copy.key, now=self._clock.now())

    def _find(self, notice: Notice, note: Note) -> MessageRef | None:
        oldest = notice.created_at - timedelta(minutes=1)
        places = [note.to] + ([self._notice_channel] if self._notice_channel else [])
        for place in dict.fromkeys(places):
            try:
                found = self._notifier.find_sent(place, notice.key, oldest=oldest)
            except NotifyError as exc:
                log.warning("could not look for %s in %s: %s", notice.key, place, exc)
                continue
            if found is not None:
                if place != note.to:
                    self._drop_copy(notice.key)  # a fallback from a DM, found in the channel
                return found
        return None

    def close(self, key: str, *, state: str, now: datetime) -> None:
        """Withdraw a notice and, if it was posted, update its message in place to say why;
        its channel copy, if it has one still open, likewise."""
        self._close_one(key, state=state, now=now)
        copy = self._ledger.notice(copies.copy_key(key))
        if copy is not None and copy.state is not NoticeState.WITHDRAWN:
            self._close_one(copy.key, state=state, now=now)

    def _close_one(self, key: str, *, state: str, now: datetime) -> None:
        notice = self._ledger.withdraw_notice(key, now=now)
        if notice.channel is None or notice.ts is None or notice.payload is None:
            return
        note = note_codec.decode(notice.payload)
        if hasattr(note, "state"):
            note = replace(note, state=state)  # type: ignore[call-arg]
        if state == "kept" and isinstance(note, IdleWarning):  # say until when, in the team's time
            snooze = self._ledger.active_snooze(note.pod_id, now=now)
            note = replace(note, kept_until=snooze.until if snooze else None, time_zone=self._time_zone)
        try:
            self._notifier.update(MessageRef(notice.channel, notice.ts), note)
        except NotifyError as exc:
            log.warning("could not update %s: %s", key, exc)


__all__ = ["DeliveryLog", "Outbox"]
