"""The App Home tab: your pods (status, $/h, idle for) and your month's spend against your
budget, read from the ledger only (no RunPod call), so it opens at once and every replica
shows the same thing."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.listeners.face import Face
from podwarden.adapters.slack.reply import Reply, Section
from podwarden.domain.ledger_values import BudgetPeriod, BudgetScope, PodRecord

if TYPE_CHECKING:
    from slack_bolt import App
    from slack_sdk import WebClient

log = logging.getLogger("podwarden.bot.home")


def month_start(now: datetime, timezone: str) -> datetime:
    """The first instant of `now`'s month in the team's time zone."""
    local = now.astimezone(ZoneInfo(timezone))
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def idle_for(pod: PodRecord, idle_since: datetime | None, now: datetime) -> str:
    """How long the daemon's idle clock has run for a running pod ('–' when busy or unknown)."""
    if idle_since is None or pod.status.value != "RUNNING":
        return "–"
    return _duration(now - idle_since)


def _duration(span: timedelta) -> str:
    minutes = max(0, int(span.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours < 48 else f"{hours // 24} days"


def _money(amount: Decimal) -> str:
    return f"${amount.quantize(Decimal('0.01')):,}"


def home_reply(face: Face, user_id: str) -> Reply:
    services = face.services
    now = services.clock.now()
    pods = services.ledger.pods(owner_id=user_id)
    idle = {pod_id: state.idle_since for pod_id, state in services.ledger.lifecycle_state().items()}
    start = month_start(now, services.settings.timezone)
    spent = services.ledger.spend(start=start, end=now, owner_id=user_id)
    budget = services.ledger.budget(BudgetScope.USER, user_id, BudgetPeriod.MONTH)
    rows: tuple[tuple[str, ...], ...] = (
        ("Pod", "Status", "$/h", "Idle for"),
        *((f"{p.name} ({p.id})", p.status.value.lower(), _money(p.cost_per_hr), idle_for(p, idle.get(p.id), now))
          for p in pods),
    )
    burn = sum((p.cost_per_hr for p in pods if p.status.value == "RUNNING"), Decimal(0))
    if budget is None:
        spend_line = f"This month: {_money(spent)} spent; you have no monthly budget."
    else:
        share = (spent / budget.amount * 100) if budget.amount else Decimal(0)
        spend_line = f"This month: {_money(spent)} of your {_money(budget.amount)} budget ({share:.0f}%)."
    pod_section = Section(table=rows) if pods else Section(lines=("You have no pods. Try `/gpu start`.",))
    return Reply(
        title="Your GPU pods",
        sections=(
            pod_section,
            Section(lines=(f"Running now: {_money(burn)}/h.", spend_line), strong=True),
        ),
        data={"pods": [p.id for p in pods], "spent": spent, "budget": budget.amount if budget else None},
    )


def home_view(reply: Reply) -> dict[str, Any]:
    return {"type": "home", "blocks": reply.blocks()}


class Home:
    def __init__(self, face: Face) -> None:
        self._face = face

    def register(self, app: App) -> None:
        app.event("app_home_opened")(self.on_home_opened)

    def on_home_opened(self, event: dict[str, Any], client: WebClient) -> None:
        """Events are acked by bolt before this runs; the ledger reads happen in our pool."""
        if event.get("tab", "home") != "home":
            return
        user = str(event.get("user") or "")
        if user:
            self._face.worker.submit(lambda: self.publish(client, user), name="home")

    def publish(self, client: WebClient, user_id: str) -> None:
        client.views_publish(user_id=user_id, view=home_view(home_reply(self._face, user_id)))
