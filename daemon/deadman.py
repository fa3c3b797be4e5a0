"""The dead man's switch: tell the notice channel when the daemon has gone quiet.

The daemon's heartbeat is lease "daemon" in the ledger. Another process (the bot, or
`podwarden run`) calls `check(services)` every few minutes: when the heartbeat is older
than five tick intervals it posts one message to the notice channel per silence (the key
names the last heartbeat, so a silence is announced once however often it is checked, and
a daemon that comes back and dies again is announced again). A ledger where no daemon ever
ran says nothing: running the bot alone is a choice.

The notice is recorded without a payload, so the daemon's outbox (which reposts notices it
finds undelivered) leaves it to this function.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import TYPE_CHECKING

from daemon.leader import LEASE
from podwarden.domain.ledger_values import NoticeState
from podwarden.domain.lifecycle import stamp
from podwarden.domain.notes import DaemonSilent
from podwarden.errors import NotifyError

if TYPE_CHECKING:
    from podwarden.bootstrap import Services

log = logging.getLogger("daemon.deadman")

SILENT_TICKS = 5
KIND = "daemon_silent"


def check(services: Services) -> bool:
    """Post the silence notice if it is due and not yet sent; True if it posted now."""
    settings, ledger = services.settings, services.ledger
    channel = settings.notice_channel
    lease = ledger.lease(LEASE)
    if channel is None or lease is None:
        return False
    now = services.clock.now()
    age = now - lease.beat_at
    if age <= settings.tick_interval * SILENT_TICKS:
        return False
    key = f"daemon-silent:{stamp(lease.beat_at)}"
    notice = ledger.record_notice(key, kind=KIND, now=now, recipient=channel)
    if notice.state is NoticeState.SENT:
        return False
    if notice.state in (NoticeState.SENDING, NoticeState.FAILED):
        found = services.notifier.find_sent(channel, key, oldest=notice.created_at)
        if found is not None:
            ledger.mark_notice_sent(key, channel=found.channel, ts=found.ts, now=now)
            return False
    ledger.mark_notice_sending(key, now=now)
    note = DaemonSilent(key, channel, lease.beat_at, int(age.total_seconds() // 60))
    try:
        ref = services.notifier.send(note)
    except NotifyError as exc:
        ledger.mark_notice_failed(key, error=str(exc), now=now)
        log.warning("could not post the daemon-silent notice: %s", exc)
        return False
    ledger.mark_notice_sent(key, channel=ref.channel, ts=ref.ts, now=now)
    return True


def watch(services: Services, stop: threading.Event, *, every: float = 60.0) -> threading.Thread:
    """Run `check` every `every` seconds in a daemon thread until `stop` is set (the bot's process)."""

    def loop() -> None:
        while not stop.wait(every):
            try:
                check(services)
            except Exception:
                log.exception("dead man's switch check failed; trying again in %.0f s", every)

    thread = threading.Thread(target=loop, name="podwarden-deadman", daemon=True)
    thread.start()
    return thread


def silent_for(services: Services, now: datetime | None = None) -> float | None:
    """Minutes since the daemon's last heartbeat (None: no daemon ever ran here)."""
    lease = services.ledger.lease(LEASE)
    if lease is None:
        return None
    return ((now or services.clock.now()) - lease.beat_at).total_seconds() / 60
