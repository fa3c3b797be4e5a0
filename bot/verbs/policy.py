"""`budget` (show; `budget set` and `budget remove` for admins) and `policy`."""

from __future__ import annotations

from bot import commands as c
from bot.dispatch import Caller, Handler
from bot.verbs import Verbs, actor, on
from podwarden.adapters.slack import render_policy
from podwarden.adapters.slack.reply import Reply
from podwarden.domain.ledger_values import AuditOutcome


def policy_handlers(v: Verbs) -> dict[type[c.Command], Handler]:
    def budget(cmd: c.Budget, caller: Caller) -> Reply:
        if cmd.subject is None or cmd.amount is None or cmd.period is None:
            return render_policy.budgets(v.budgets.show())
        line = v.budgets.set(cmd.subject, amount=cmd.amount, period=cmd.period, hard=cmd.hard, action=cmd.action)
        v.audit.record(actor(caller), "budget set", outcome=AuditOutcome.OK, target=cmd.subject,
                       args={"amount": str(cmd.amount), "period": cmd.period, "hard": cmd.hard,
                             "action": line.action})
        return render_policy.budget_set(line)

    def budget_remove(cmd: c.BudgetRemove, caller: Caller) -> Reply:
        removed = v.budgets.remove(cmd.subject, period=cmd.period)
        v.audit.record(actor(caller), "budget remove", outcome=AuditOutcome.OK, target=cmd.subject,
                       args={"period": cmd.period, "amount": str(removed.amount)})
        return render_policy.budget_removed(removed)

    def policy(cmd: c.Policy, caller: Caller) -> Reply:
        return render_policy.policy(v.policy.show())

    return dict([on(c.Budget, budget), on(c.BudgetRemove, budget_remove), on(c.Policy, policy)])
