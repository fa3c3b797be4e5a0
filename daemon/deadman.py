"""The dead man's switch, built from `Services` (the logic is `podwarden.services.deadman`)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from podwarden.services.deadman import KIND, SILENT_TICKS, DeadMansSwitch

if TYPE_CHECKING:
    from podwarden.bootstrap import Services

__all__ = ["KIND", "SILENT_TICKS", "check", "switch", "watch"]


def switch(services: Services) -> DeadMansSwitch:
    settings = services.settings
    return DeadMansSwitch(services.ledger, services.notifier, services.clock, channel=settings.notice_channel,
                          tick_interval=settings.tick_interval)


def check(services: Services) -> bool:
    """Post the silence notice if it is due and not yet sent; True if it posted now."""
    return switch(services).check()


def watch(services: Services, stop: threading.Event, *, every: float = 60.0) -> threading.Thread:
    """Run `check` every `every` seconds in a daemon thread until `stop` is set."""
    return switch(services).watch(stop, every=every)
