"""The bot's verbs, one module per area, each a thin handler: one service call, one render.

`Verbs` builds the services a handler needs from `Services` once, passing plain values
from the settings (services never read `Settings`). `on(kind, fn)` registers a handler for
one command type with real type dispatch (an `isinstance` check that raises, never an
`assert`, which `python -O` removes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from bot import commands as c
from bot.dispatch import Caller, Handler
from podwarden import bootstrap
from podwarden.adapters.slack.reply import Reply
from podwarden.domain.access import Actor, Role
from podwarden.domain.answers import IdleRules
from podwarden.services.audit import AuditService
from podwarden.services.budgets import BudgetService
from podwarden.services.confirmations import ConfirmationService
from podwarden.services.endpoints import EndpointsService
from podwarden.services.keeps import KeepService
from podwarden.services.people import PeopleService
from podwarden.services.pods import PodsService
from podwarden.services.policy import PolicyService

if TYPE_CHECKING:
    from podwarden.bootstrap import Services

C = TypeVar("C", bound=c.Command)


def on(kind: type[C], fn: Callable[[C, Caller], Reply]) -> tuple[type[c.Command], Handler]:
    def handler(command: c.Command, caller: Caller) -> Reply:
        if not isinstance(command, kind):
            raise TypeError(f"{kind.__name__} handler got {type(command).__name__}")
        return fn(command, caller)

    return kind, handler


def actor(caller: Caller) -> Actor:
    """The caller as services see them; a role we do not know counts as the least (viewer)."""
    try:
        role = Role(caller.role)
    except ValueError:
        role = Role.VIEWER
    return Actor(user_id=caller.user_id, role=role, channel_id=caller.channel_id)


class Verbs:
    """The services behind the verbs, built once per dispatcher."""

    def __init__(self, services: Services) -> None:
        s = services.settings
        self.services = services
        self.audit = AuditService(services.ledger, services.clock)
        self.people = PeopleService(services.ledger, services.clock, admins=s.admins, members=s.members,
                                    default_role=s.default_role)
        self.pods = PodsService(services.runpod, services.ledger, services.clock, people=self.people,
                                audit=self.audit, book=services.costs.book)
        self.budgets = BudgetService(services.ledger, services.clock, people=self.people,
                                     global_cap_per_hr=s.global_cap_per_hr, runpod=services.runpod,
                                     book=services.costs.book)
        self.confirmations: ConfirmationService = bootstrap.confirmations(services, audit=self.audit)
        self.endpoints = EndpointsService(services.runpod, services.serverless, services.costs.book,
                                          audit=self.audit)
        self.keeps = KeepService(services.ledger, services.clock, pods=self.pods, audit=self.audit,
                                 timezone=s.timezone)
        self.policy = PolicyService(
            services.ledger, services.clock, budgets=self.budgets, approval_threshold=s.approval_threshold,
            allowed_channels=s.allowed_channels,
            idle=IdleRules(idle_after=s.idle_after, idle_gpu_percent=s.idle_gpu_percent,
                           idle_cpu_percent=s.idle_cpu_percent, warning_grace=s.warning_grace,
                           min_pod_age=s.min_pod_age, tick_interval=s.tick_interval),
        )
