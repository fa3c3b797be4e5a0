"""Budgets and the policy in force as replies."""

from __future__ import annotations

from podwarden.adapters.slack import render_figures as figures
from podwarden.adapters.slack.reply import Reply, Section
from podwarden.domain.answers import BudgetLine, BudgetView, Policy
from podwarden.domain.durations import format_duration
from podwarden.domain.ledger_values import Budget, BudgetScope


def _who(line: BudgetLine) -> str:
    b = line.budget
    return {BudgetScope.GLOBAL: "everyone", BudgetScope.TEAM: f"team {b.subject}"}.get(b.scope, f"<@{b.subject}>")


def _rows(view: BudgetView) -> tuple[tuple[str, ...], ...]:
    rows: list[tuple[str, ...]] = [("for", "cap", "used", "reaching it")]
    for line in view.lines:
        b = line.budget
        rows.append((_who(line), f"${b.amount:,.2f}/{b.period.value}", f"${line.spent:,.2f}", line.action))
    return tuple(rows)


def _caps(view: BudgetView) -> list[Section]:
    """Every cap in force, the same in `budget` and `policy`: the global $/h cap of the
    settings (PODWARDEN_GLOBAL_CAP_PER_HR), then the budgets of the ledger."""
    lines = [f"Global cap: ${view.global_cap_per_hr:,.2f}/h (hard)"
             + (f", the fleet runs at ${view.running_per_hr:,.2f}/h now" if view.running_per_hr is not None else "")
             ] if view.global_cap_per_hr else []
    if view.note:
        lines.append(f"Note: {view.note}.")
    if not view.lines:
        lines.append("No budgets set. Admins: `budget set <@user|team:NAME|global> 50/day [--hard] [--action ...]`.")
    sections = [Section(lines=tuple(lines))] if lines else []
    if view.lines:
        sections.append(Section(table=_rows(view)))
    return sections


def budgets(view: BudgetView) -> Reply:
    return Reply(title=f"Budgets: {len(view.lines)}", sections=tuple(_caps(view)), data={
        "global_cap_per_hour": figures.rate_h(view.global_cap_per_hr),
        "running_per_hour": figures.rate_h(view.running_per_hr), "note": view.note or None,
        "budgets": _budgets_json(view)})


def _budgets_json(view: BudgetView) -> list[dict[str, object]]:
    return [{**_budget_json(x.budget), "action": x.action, "spent_per_period": figures.usd(x.spent)}
            for x in view.lines]


def _budget_json(b: Budget) -> dict[str, object]:
    """A cap in JSON: `budget_per_period` is dollars per its `period` (hour, day or month), to the cent."""
    return {"scope": b.scope, "subject": b.subject, "period": b.period, "budget_per_period": figures.usd(b.amount),
            "hard": b.hard}


def budget_set(line: BudgetLine) -> Reply:
    b = line.budget
    return Reply(title=f"Budget for {_who(line)}: ${b.amount:,.2f}/{b.period.value}, {line.action} when reached",
                 data={**_budget_json(b), "action": line.action})


def budget_removed(b: Budget) -> Reply:
    who = {BudgetScope.GLOBAL: "everyone", BudgetScope.TEAM: f"team {b.subject}"}.get(b.scope, f"<@{b.subject}>")
    return Reply(title=f"Removed the budget for {who}: ${b.amount:,.2f}/{b.period.value}",
                 data={"removed": _budget_json(b)})


def policy(p: Policy) -> Reply:
    i = p.idle
    if p.heartbeat_age is None:
        beat = "The daemon has never reported: nothing stops idle pods. Run `podwarden daemon`."
    elif p.daemon_alive:
        beat = f"The daemon is running (last beat {format_duration(p.heartbeat_age)} ago)."
    else:
        beat = f"The daemon is silent for {format_duration(p.heartbeat_age)}: idle pods are NOT being stopped."
    lines = (
        f"Idle: every GPU at or under {i.idle_gpu_percent}% and CPU under {i.idle_cpu_percent}% for "
        f"{format_duration(i.idle_after)}; pods younger than {format_duration(i.min_pod_age)} are never idle.",
        f"Then a warning, and a stop (never a terminate) {format_duration(i.warning_grace)} later unless kept.",
        f"Starts and resumes above ${p.approval_threshold:,.2f}/h need an admin's approval.",
        "Commands are taken " + (f"in {', '.join(f'<#{c}>' for c in p.allowed_channels)} and DMs."
                                 if p.allowed_channels else "in any channel."),
    )
    sections = [Section(lines=(beat,), strong=not p.daemon_alive), Section(lines=lines), *_caps(p.budgets)]
    return Reply(title="Policy in force", sections=tuple(sections), data={
        "idle_after_s": i.idle_after.total_seconds(), "idle_gpu_percent": i.idle_gpu_percent,
        "idle_cpu_percent": i.idle_cpu_percent, "warning_grace_s": i.warning_grace.total_seconds(),
        "min_pod_age_s": i.min_pod_age.total_seconds(),
        "approval_threshold_per_hour": figures.rate_h(p.approval_threshold),
        "global_cap_per_hour": figures.rate_h(p.budgets.global_cap_per_hr), "budgets": _budgets_json(p.budgets),
        "heartbeat_at": p.heartbeat_at,
        "heartbeat_age_s": p.heartbeat_age.total_seconds() if p.heartbeat_age is not None else None,
        "daemon_alive": p.daemon_alive, "allowed_channels": list(p.allowed_channels)})
