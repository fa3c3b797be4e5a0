"""`policy`: the idle and cap rules in force, and whether the daemon enforcing them is alive.

The daemon beats a lease (`DAEMON_LEASE`) in the ledger on every tick; its age tells people
whether idle pods are really being stopped (a stale heartbeat means nobody is watching).
"""

from __future__ import annotations

from decimal import Decimal

from podwarden.domain.answers import IdleRules, Policy
from podwarden.ports import Clock, Ledger
from podwarden.services.budgets import BudgetService
from podwarden.services.deadman import DAEMON_LEASE


class PolicyService:
    def __init__(
        self, ledger: Ledger, clock: Clock, *, idle: IdleRules, approval_threshold: Decimal,
        budgets: BudgetService, allowed_channels: tuple[str, ...] = (),
    ) -> None:
        self._ledger = ledger
        self._clock = clock
        self._idle = idle
        self._threshold = approval_threshold
        self._budgets = budgets
        self._channels = allowed_channels

    def show(self) -> Policy:
        now = self._clock.now()
        lease = self._ledger.lease(DAEMON_LEASE)
        beat = lease.beat_at if lease is not None else None
        age = now - beat if beat is not None else None
        # Alive: beaten within three ticks (one slow tick is not a dead daemon).
        alive = age is not None and age <= 3 * self._idle.tick_interval
        return Policy(idle=self._idle, approval_threshold=self._threshold, budgets=self._budgets.show(),
                      heartbeat_at=beat, heartbeat_age=age, daemon_alive=alive,
                      allowed_channels=self._channels)
