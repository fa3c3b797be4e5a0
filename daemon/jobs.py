"""The daemon's named jobs, each one call into a service, built from `Services` once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from podwarden import bootstrap
from podwarden.services.confirmations import ConfirmationService
from podwarden.services.lifecycle import LifecycleService, policy_from
from podwarden.services.usage import UsageService

if TYPE_CHECKING:
    from podwarden.bootstrap import Services


@dataclass
class Jobs:
    lifecycle: LifecycleService
    usage: UsageService
    confirmations: ConfirmationService  # lapsed confirmations and approvals: requesters told


def build(services: Services) -> Jobs:
    settings = services.settings
    usage = UsageService(
        runpod=services.runpod, serverless=services.serverless, ledger=services.ledger, clock=services.clock,
        book=services.costs.book, interval=settings.tick_interval,
    )
    lifecycle = LifecycleService(
        runpod=services.runpod, ledger=services.ledger, notifier=services.notifier, clock=services.clock,
        policy=policy_from(settings), book=services.costs.book, global_cap_per_hr=settings.global_cap_per_hr,
        usage=usage, time_zone=settings.timezone,
    )
    # Built by the composition root, as the bot's are: approvals reach the same people from either process.
    return Jobs(lifecycle=lifecycle, usage=usage, confirmations=bootstrap.confirmations(services))
