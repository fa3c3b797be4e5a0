"""`role`, `team` and `audit`: running the place (admins; the dispatcher checks the role)."""

from __future__ import annotations

from bot import commands as c
from bot.dispatch import Caller, Handler
from bot.verbs import Verbs, actor, on
from podwarden.adapters.slack import render_audit, render_people
from podwarden.adapters.slack.reply import Reply
from podwarden.domain.ledger_values import AuditOutcome
from podwarden.errors import InputError, RunPodError


def people_handlers(v: Verbs) -> dict[type[c.Command], Handler]:
    def role(cmd: c.SetRole, caller: Caller) -> Reply:
        change = v.people.set_role(cmd.subject, cmd.role, group=cmd.group, prefix=cmd.prefix)
        v.audit.record(actor(caller), "role", outcome=AuditOutcome.OK, target=change.subject,
                       args={"role": cmd.role, "group": cmd.group, "prefix": cmd.prefix,
                             "previous": change.previous})
        return render_people.role_changed(change)

    def team(cmd: c.SetTeam, caller: Caller) -> Reply:
        change = v.people.set_team(cmd.user, cmd.team, prefix=cmd.prefix)
        v.audit.record(actor(caller), "team", outcome=AuditOutcome.OK, target=change.user_id,
                       args={"team": cmd.team, "prefix": cmd.prefix, "previous": change.previous})
        return render_people.team_changed(change)

    def audit(cmd: c.Audit, caller: Caller) -> Reply:
        if cmd.pod is not None:
            pod_id = _pod_id(v, cmd.pod)
            entries = v.audit.recent(days=cmd.days, target=pod_id)
            about = f"about {cmd.pod}"
        elif cmd.user is not None:
            user = v.people.user_id(cmd.user)
            entries = v.audit.recent(days=cmd.days, user=user)
            about = f"of <@{user}>"
        else:
            entries, about = v.audit.recent(days=cmd.days), "of everyone"
        return render_audit.audit(entries, about=about, days=cmd.days)

    return dict([on(c.SetRole, role), on(c.SetTeam, team), on(c.Audit, audit)])


def _pod_id(v: Verbs, ref: str) -> str:
    """A live pod's id, else the text itself (a terminated pod's id still has an audit trail)."""
    try:
        return v.pods.find(ref).id
    except (InputError, RunPodError):
        return ref
