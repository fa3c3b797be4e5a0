"""The dead man's switch: tell the notice channel when the daemon has gone quiet.

The daemon's heartbeat is the ledger lease `DAEMON_LEASE`. The bot's process (and
`podwarden run`) checks it every tick interval: when the heartbeat is older than five tick
intervals it posts one message to the notice channel per silence (the key names the last
heartbeat, so a silence is announced once however often it is checked, and a daemon that
comes back and dies again is announced again). A ledger where no daemon ever ran says
nothing: running the bot alone is a choice.

The notice is recorded without a payload, so the daemon's outbox (which reposts notices it
finds undelivered) leaves it to this service.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from podwarden.domain.ledger_values import NoticeState
from podwarden.domain.lifecycle import stamp
from podwarden.domain.notes import DaemonSilent
from podwarden.errors import NotifyError
from podwarden.ports import Clock, Ledger, Notifier

log = logging.getLogger("podwarden.deadman")

DAEMON_LEASE = "daemon"
SILENT_TICKS = 5
KIND = "daemon_silent"


class DeadMansSwitch:
    def __init__(
        self, ledger: Ledger, notifier: Notifier, clock: Clock, *, channel: str | None, tick_interval: timedelta,
    ) -> None:
        self._ledger = ledger
        self._notifier = notifier
        self._clock = clock
        self._channel = channel
        self._tick = tick_interval

    def check(self) -> bool:
        """Post the silence notice if it is due and not yet sent; True if it posted now."""
        ledger, channel = self._ledger, self._channel
        lease = ledger.lease(DAEMON_LEASE)
        if channel is None or lease is None:
            return False
        now = self._clock.now()
        age = now - lease.beat_at
        if age <= self._tick * SILENT_TICKS:
            return False
        key = f"daemon-silent:{stamp(lease.beat_at)}"
        notice = ledger.record_notice(key, kind=KIND, now=now, recipient=channel)
        if notice.state is NoticeState.SENT:
            return False
        if notice.state in (NoticeState.SENDING, NoticeState.FAILED):
            found = self._notifier.find_sent(channel, key, oldest=notice.created_at)
            if found is not None:
                ledger.mark_notice_sent(key, channel=found.channel, ts=found.ts, now=now)
                return False
        ledger.mark_notice_sending(key, now=now)
        note = DaemonSilent(key, channel, lease.beat_at, int(age.total_seconds() // 60))
        try:
            ref = self._notifier.send(note)
        except NotifyError as exc:
            ledger.mark_notice_failed(key, error=str(exc), now=now)
            log.warning("could not post the daemon-silent notice: %s", exc)
            return False
        ledger.mark_notice_sent(key, channel=ref.channel, ts=ref.ts, now=now)
        return True

    def watch(self, stop: threading.Event, *, every: float | None = None) -> threading.Thread:
        """Run `check` every `every` seconds (a tick interval by default) in a daemon thread until `stop`."""
        period = every if every is not None else self._tick.total_seconds()

        def loop() -> None:
            while not stop.wait(period):
                try:
                    self.check()
                except Exception:
                    log.exception("dead man's switch check failed; trying again in %.0f s", period)

        thread = threading.Thread(target=loop, name="podwarden-deadman", daemon=True)
        thread.start()
        return thread
