"""Roles, teams and keeps as replies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from podwarden.adapters.slack.reply import Reply, Section
from podwarden.domain.answers import Kept, RoleChange, TeamChange


def role_changed(change: RoleChange) -> Reply:
    who = f"user group {change.subject}" if change.group else f"<@{change.subject}>"
    before = f" (was {change.previous})" if change.previous and change.previous != change.role else ""
    lines = (f"Pods named {change.prefix}… are now theirs when no owner was recorded.",) if change.prefix else ()
    return Reply(title=f"{who} is now {change.role}{before}", sections=(Section(lines=lines),) if lines else (),
                 data={"subject": change.subject, "role": change.role, "previous": change.previous,
                       "group": change.group, "prefix": change.prefix})


def team_changed(change: TeamChange) -> Reply:
    where = f"in team {change.team}" if change.team else "in no team"
    before = f" (was {change.previous or 'in no team'})" if change.previous != change.team else ""
    lines = (f"Pods named {change.prefix}… are now theirs when no owner was recorded.",) if change.prefix else ()
    return Reply(title=f"<@{change.user_id}> is now {where}{before}",
                 sections=(Section(lines=lines),) if lines else (),
                 data={"user": change.user_id, "team": change.team, "previous": change.previous,
                       "prefix": change.prefix})


def _until(kept: Kept, now: datetime | None = None) -> str:
    return "forever" if kept.forever else f"until {kept.until:%Y-%m-%d %H:%M} UTC"


def kept(k: Kept) -> Reply:
    what, ends = ("never shut down for being idle", "ends it") if k.forever else \
        ("no idle shutdown until then", "ends it sooner")
    return Reply(title=f"Keeping {k.pod_name} ({k.pod_id}) {_until(k)}: {what}",
                 sections=(Section(lines=(f"`keep cancel {k.pod_name}` {ends}.",)),),
                 data={"pod": k.pod_id, "until": k.until, "forever": k.forever})


def keep_list(items: Sequence[Kept]) -> Reply:
    if not items:
        return Reply(title="No pod is kept from idle shutdown now", data={"kept": []})
    rows: list[tuple[str, ...]] = [("pod", "until", "by")]
    rows += [(f"{k.pod_name} ({k.pod_id})", _until(k), k.by) for k in items]
    return Reply(title=f"{len(items)} pod(s) kept from idle shutdown", sections=(Section(table=tuple(rows)),),
                 data={"kept": [{"pod": k.pod_id, "name": k.pod_name, "until": k.until, "by": k.by,
                                 "forever": k.forever} for k in items]})


def keep_cancelled(pod: str) -> Reply:
    return Reply(title=f"{pod} is no longer kept: idle shutdown applies again", data={"cancelled": pod})
