"""`spend` and `digest`: the handlers of the reporting verbs.

`spend [today|week|month] [@user|team]` answers from the digest's own arithmetic
(`domain.digest.spend_summary`), attributed to the owner and team of the time. `team` is
the caller's team. `digest` previews the last full week for the caller: Block Kit with the
native table and chart blocks only (an ephemeral message cannot carry a file); at the
console the chart and the CSV are saved to files. `digest now` (admins) posts it to the
digest channel, once, through the weekly job's own path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bot import commands as c
from bot.dispatch import Caller, Handler
from bot.verbs import on
from podwarden.adapters.slack import render_digest
from podwarden.adapters.slack.reply import Reply, Section
from podwarden.domain.digest import Digest, Line
from podwarden.domain.money import format_usd
from podwarden.errors import InputError

if TYPE_CHECKING:
    from podwarden.bootstrap import Services

_CENT = Decimal("0.01")
_MENTION = re.compile(r"^<?@([UW][A-Z0-9]+)(?:\|[^>]*)?>?$")


@dataclass(frozen=True, slots=True)
class BlocksReply(Reply):
    """A reply whose Block Kit is given: the digest's native `table` and chart blocks."""

    native: tuple[dict[str, Any], ...] = ()

    def blocks(self) -> list[dict[str, Any]]:
        return [dict(block) for block in self.native]


def report_handlers(services: Services) -> dict[type[c.Command], Handler]:
    from podwarden.bootstrap import reporting

    def spend(command: c.Spend, caller: Caller) -> Reply:
        user, team = _subject(services, command.who, caller)
        answer = reporting(services).spend(command.period, user=user, team=team)
        s = answer.summary
        title = f"Spend {answer.label}{' for ' + answer.who if answer.who else ''}: {_usd(s.total)}"
        sections = [Section(lines=(
            f"Pods {_usd(s.pods)} · Serverless {_usd(s.serverless)} · idle waste {_usd(s.idle_waste)}",
            "Attributed to the owner and team of the time; the same arithmetic as the weekly digest.",
        ))]
        if s.per_user and user is None:
            sections.append(Section(table=_table("User", s.per_user)))
        if s.per_team and team is None:
            sections.append(Section(table=_table("Team", s.per_team)))
        return Reply(title=title, sections=tuple(sections), data={
            "period": command.period, "start": s.start, "end": s.end, "user": user, "team": team,
            "total": s.total, "pods": s.pods, "serverless": s.serverless, "idle_waste": s.idle_waste,
            "per_user": {line.label: line.amount for line in s.per_user},
            "per_team": {line.label: line.amount for line in s.per_team},
        })

    def digest(command: c.Digest, caller: Caller) -> Reply:
        if command.now:
            return _post_now(services)
        built = reporting(services).digest()
        lines = render_digest.text(built).rstrip("\n").split("\n")
        if caller.channel_id is None:  # the console or the CLI: files instead of a chart block
            from podwarden.adapters.slack.digest_publisher import save_files

            png, csv = save_files(built)
            lines += ["", f"Chart (PNG): {png}", f"The week's rows (CSV): {csv}"]
        return BlocksReply(
            title=built.title, sections=(Section(lines=tuple(lines)),), data=_digest_data(built),
            native=tuple(render_digest.blocks(built)),
        )

    return dict([on(c.Spend, spend), on(c.Digest, digest)])  # real type dispatch, not an `assert`


def _post_now(services: Services) -> Reply:
    from daemon import digest_job
    from podwarden.bootstrap import reporting

    channel = services.settings.digest_channel
    if not channel:
        raise InputError("no digest channel is set: set PODWARDEN_DIGEST_CHANNEL to post the digest")
    week = reporting(services).last_week()
    outcome = digest_job.post_week(services, week, channel=channel, now=services.clock.now())
    said = {
        digest_job.Outcome.POSTED: f"Posted the digest of the week of {week} to <#{channel}>.",
        digest_job.Outcome.RECONCILED: f"The digest of the week of {week} was already in <#{channel}>.",
        digest_job.Outcome.ALREADY_SENT: f"The digest of the week of {week} was already posted to <#{channel}>.",
        digest_job.Outcome.BUSY: f"The digest of the week of {week} is being posted right now.",
        digest_job.Outcome.FAILED: f"The digest of the week of {week} could not be posted; see the logs.",
    }[outcome]
    return Reply(title=said, data={"week_start": week, "channel": channel, "outcome": outcome.value},
                 ok=outcome is not digest_job.Outcome.FAILED)


def _subject(services: Services, who: str | None, caller: Caller) -> tuple[str | None, str | None]:
    """(user id, team) to filter by: a mention, an @name, or `team` (the caller's team)."""
    if who is None:
        return None, None
    if who == "team":
        member = services.ledger.member(caller.user_id)
        if member is None or member.team is None:
            raise InputError("you are in no team; ask an admin to add you to one, or name a @user")
        return None, member.team
    found = _MENTION.match(who)
    if found:
        return found.group(1), None
    name = who.lstrip("@").lower()
    for member in services.ledger.members():
        if member.display_name and member.display_name.lower() == name:
            return member.user_id, None
    raise InputError(f"no member is called {who}; mention them (@) instead")


def _table(what: str, lines: tuple[Line, ...]) -> tuple[tuple[str, ...], ...]:
    return ((what, "Spend"), *((line.label, _usd(line.amount)) for line in lines))


def _usd(amount: Decimal) -> str:
    return format_usd(amount.quantize(_CENT))


def _digest_data(digest: Digest) -> dict[str, Any]:
    return {
        "week_start": digest.week_start, "zone": digest.zone, "total": digest.total.this_week,
        "last_week": digest.total.last_week, "pods": digest.pods, "serverless": digest.serverless,
        "per_user": {line.label: line.amount for line in digest.per_user},
        "per_team": {line.label: line.amount for line in digest.per_team},
        "per_gpu": {line.label: line.amount for line in digest.per_gpu},
        "idle_waste": digest.idle_waste, "savings": digest.savings, "forecast": digest.forecast.forecast,
    }
